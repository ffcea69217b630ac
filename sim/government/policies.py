"""Response policies, monitoring and security: the choices a government makes about answering.

- ``POLICIES``: ``fixed`` (one full answer after the whole procedure, static staffing) or
  ``iterative`` (a fast holding reply, and a review every R hours that moves staff to the
  bottleneck and re-prioritises by measured attention: the theses' iterative thinking).
- ``MONITORS``: ``none`` or ``online_attention`` (big-data thinking: detect emerging issues
  from online attention and open a case before anyone files; it sees only what is online,
  which is its trap).
- :class:`SecurityParams`: incidents that take channels down; their chance grows with
  integration and with the data held (the security trap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.government.organisation import PRIORITIES
from sim.params import param, probability
from sim.registry import Registry

if TYPE_CHECKING:
    from sim.government import Government

POLICIES: Registry = Registry("response policy")


@POLICIES.register("fixed")
class Fixed:
    """One full answer after the whole procedure; staffing never changes.

    The baseline every other policy is compared with: the first response to a citizen
    is the final answer.
    """

    @dataclass(frozen=True)
    class Params:
        pass

    @staticmethod
    def holding_reply_hours(params: Any) -> float | None:
        """No holding reply."""
        return None

    @staticmethod
    def update_every_hours(params: Any) -> float | None:
        """No updates."""
        return None

    @staticmethod
    def review_every_hours(params: Any) -> int | None:
        """No reviews."""
        return None

    @staticmethod
    def review(params: Any, government: Government) -> None:
        """Never changes anything."""
        return None


@POLICIES.register("iterative")
class Iterative:
    """Fast holding reply, then the answer; a review loop that learns from measured load.

    The filers get a holding reply ``holding_reply_hours`` after filing and an update every
    ``update_every_hours`` while the case is open, so they know it is handled and do not
    file again. Every ``review_every_hours`` the review moves one idle staff member from
    the least to the most loaded desk, as long as that narrows the gap, up to
    ``moves_per_review`` times, and re-orders each queue by the issues' measured attention
    now (most-followed issue first). Our own rule for the theses' iterative thinking (fast
    response, continuous improvement from measured outcomes).
    """

    @dataclass(frozen=True)
    class Params:
        holding_reply_hours: float = param(
            2.0, "hours from filing to the holding reply (first response)", ge=0
        )
        update_every_hours: float = param(
            24.0,
            "hours between progress updates to the filers while a case is open (from 0.1)",
            ge=0.1,
        )
        review_every_hours: int = param(24, "hours between reviews of staffing", ge=1)
        moves_per_review: int = param(3, "most staff moved at one review", ge=0)

    @staticmethod
    def holding_reply_hours(params: Any) -> float | None:
        """Hours to the holding reply."""
        return params.holding_reply_hours

    @staticmethod
    def update_every_hours(params: Any) -> float | None:
        """Hours between progress updates."""
        return params.update_every_hours

    @staticmethod
    def review_every_hours(params: Any) -> int | None:
        """Hours between reviews."""
        return params.review_every_hours

    @staticmethod
    def review(params: Any, government: Government) -> None:
        """Move idle staff towards the bottleneck, then re-prioritise the queues."""
        units = government.units
        for _ in range(params.moves_per_review):
            loads = np.array([u.load() for u in units])
            busiest, quietest = int(np.argmax(loads)), int(np.argmin(loads))
            if loads[busiest] - loads[quietest] < 1.0:
                break
            if not units[quietest].give_idle(units[busiest]):
                break
        for unit in units:
            unit.priority = PRIORITIES.get("attention")
            unit.reprioritise()


MONITORS: Registry = Registry("monitoring")


@MONITORS.register("none")
class NoMonitoring:
    """The government learns of an issue only when someone files."""

    @dataclass(frozen=True)
    class Params:
        pass

    holds_data = False

    @staticmethod
    def fast_tracks(params: Any) -> bool:
        """Nothing is detected, so nothing jumps a queue."""
        return False

    @staticmethod
    def scan(
        params: Any, attention_online: np.ndarray, n_citizens: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, int]:
        """Detects nothing."""
        return np.zeros(0, dtype=np.int64), 0


@MONITORS.register("online_attention")
class OnlineAttention:
    """Big-data monitoring of online attention: opens cases for emerging issues.

    Each hour, each issue whose online attention is at least ``threshold_share`` of the
    population and not yet detected is detected with chance ``coverage``; a case opens
    ``delay_hours`` later, before anyone files. False alarms (Poisson,
    ``false_alarms_per_day``) open cases about nothing that still take staff time. With
    ``fast_track``, the monitoring office hands every case about a detected issue that is
    in its data (its own cases, cases filed online, every case on an integrated platform)
    to the level above the front line, ahead of the queues: what is hot online gets the
    leadership's attention. It sees only netizens: hotline calls and counter visits on a
    separate platform never get the fast track, and issues that live offline are never
    detected (the theses' trap of big data as a mere tool, and of "netizens are the whole
    people"; Mellon & Prosser 2017 on online users as a non-representative sample).
    """

    @dataclass(frozen=True)
    class Params:
        coverage: float = probability(0.8, "chance per hour to detect an issue above threshold")
        threshold_share: float = probability(
            0.003, "online attention (share of citizens) an issue needs to be seen"
        )
        delay_hours: float = param(6.0, "hours from detection to the case opening", ge=0)
        false_alarms_per_day: float = param(
            1.0, "cases opened about nothing, per day", ge=0, le=1e6
        )
        fast_track: bool = param(
            True, "cases about detected issues, seen online, skip the front line and queues"
        )

    holds_data = True

    @staticmethod
    def fast_tracks(params: Any) -> bool:
        """Whether cases about detected issues jump the queues."""
        return bool(params.fast_track)

    @staticmethod
    def scan(
        params: Any, attention_online: np.ndarray, n_citizens: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, int]:
        """Issues seen this hour (not yet filtered for already detected), and false alarms."""
        loud = np.flatnonzero(attention_online >= max(1.0, params.threshold_share * n_citizens))
        seen = loud[rng.random(loud.size) < params.coverage]
        false_alarms = int(rng.poisson(params.false_alarms_per_day / 24.0))
        return seen, false_alarms


@dataclass(frozen=True)
class SecurityParams:
    """Security incidents (leaks, attacks) that take channels down and cost trust.

    Chance per hour = ``incidents_per_month`` / 720 * (1 + ``integration_exposure`` if the
    platform is integrated + ``data_exposure`` if monitoring holds data). An incident takes
    one random online channel down for ``downtime_hours`` (all online channels at once on an
    integrated platform: one point of failure) and costs every netizen ``trust_loss``. Our
    own rule for the theses' security trap.
    """

    incidents_per_month: float = param(0.2, "base rate of incidents, per 720 hours", ge=0)
    integration_exposure: float = param(1.0, "extra relative risk of an integrated platform", ge=0)
    data_exposure: float = param(1.0, "extra relative risk when monitoring holds data", ge=0)
    downtime_hours: float = param(24.0, "hours a hit channel stays down", ge=0)
    trust_loss: float = probability(0.05, "trust every netizen loses at an incident")
