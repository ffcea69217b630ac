"""Issues: incidents that create them, their attention, and their crisis lifecycle.

An *incident* (a demolition dispute, a polluted river, a fee scandal) happens somewhere in
the population and gives a demand about a new *issue* to a cluster of affected citizens.
The issue's *attention* is the number of citizens engaged with it; as attention passes
thresholds the issue moves through a lifecycle (latent, emerging, spreading, crisis,
declining, resolved), the stages public-opinion studies use for 舆情 (the theses' "public
opinion crisis"). Attention itself spreads in ``sim.citizens``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

import numpy as np

from sim.distributions import SEVERITY
from sim.network import Network
from sim.params import Choice, choice, param, probability


class Stage(IntEnum):
    """Lifecycle stage of an issue."""

    LATENT = 0
    EMERGING = 1
    SPREADING = 2
    CRISIS = 3
    DECLINING = 4
    RESOLVED = 5


@dataclass(frozen=True)
class IncidentParams:
    """When incidents happen, how grave they are and whom they affect."""

    rate_per_hour: float = param(
        0.05,
        "mean incidents per hour (Poisson arrivals); 0.05 is about 36 a month",
        ge=0.0,
        le=1e6,
    )
    initial_issues: int = param(1, "issues already present at the start (hour 0)", ge=0)
    affected_citizens: int = param(
        20, "citizens directly affected by one incident: a cluster of neighbours", ge=1
    )
    severity: Choice = choice(SEVERITY, "beta", "distribution of an incident's severity in [0, 1]")


@dataclass(frozen=True)
class LifecycleParams:
    """Attention thresholds of the crisis lifecycle, as shares of the population."""

    emerging_share: float = probability(
        0.003, "attention (share of citizens engaged) at which an issue is emerging"
    )
    spreading_share: float = probability(0.008, "attention share at which it is spreading")
    crisis_share: float = probability(0.02, "attention share at which it is a crisis")
    decline_ratio: float = probability(
        0.5,
        "an issue that has emerged is declining once attention falls below this share of its peak",
    )

    def problems(self) -> list[tuple[str, str]]:
        """Cross-key checks: the thresholds must rise from emerging to crisis."""
        out = []
        if self.spreading_share < self.emerging_share:
            out.append(
                (
                    "spreading_share",
                    f"must be >= emerging_share ({self.emerging_share}), "
                    f"got {self.spreading_share}",
                )
            )
        if self.crisis_share < self.spreading_share:
            out.append(
                (
                    "crisis_share",
                    f"must be >= spreading_share ({self.spreading_share}), got {self.crisis_share}",
                )
            )
        return out


def threshold_count(share: float, n_citizens: int) -> int:
    """The smallest number of engaged citizens that reaches ``share`` of the population (>= 1)."""
    return max(1, math.ceil(share * n_citizens - 1e-9))


class Issues:
    """Every issue of a run so far, one row each, in numpy columns.

    Columns (index = issue id, in order of creation): ``severity`` in [0, 1], ``born``
    (hour), ``stage`` (:class:`Stage`), ``attention`` (citizens engaged now),
    ``attention_online``, ``peak`` and ``peak_hour``, ``crisis_entries`` (times it entered
    the crisis stage), ``crisis_hours`` (hours spent in crisis) and ``resolved`` (hour, -1
    while open).
    """

    _COLUMNS: ClassVar[dict[str, type]] = {
        "severity": np.float64,
        "born": np.int64,
        "stage": np.int8,
        "attention": np.int64,
        "attention_online": np.int64,
        "peak": np.int64,
        "peak_hour": np.int64,
        "crisis_entries": np.int64,
        "crisis_hours": np.int64,
        "resolved": np.int64,
    }

    def __init__(self, lifecycle: LifecycleParams, n_citizens: int):
        self.lifecycle = lifecycle
        self.n_citizens = n_citizens
        self.emerging = threshold_count(lifecycle.emerging_share, n_citizens)
        self.spreading = threshold_count(lifecycle.spreading_share, n_citizens)
        self.crisis = threshold_count(lifecycle.crisis_share, n_citizens)
        self.count = 0
        self._capacity = 16
        for name, dtype in self._COLUMNS.items():
            setattr(self, name, np.zeros(self._capacity, dtype=dtype))
        self.history: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []

    def new(self, severity: np.ndarray, hour: int) -> np.ndarray:
        """Open one issue per severity given; returns their ids."""
        k = len(severity)
        if self.count + k > self._capacity:
            self._capacity = max(2 * self._capacity, self.count + k)
            for name in self._COLUMNS:
                old = getattr(self, name)
                grown = np.zeros(self._capacity, dtype=old.dtype)
                grown[: self.count] = old[: self.count]
                setattr(self, name, grown)
        ids = np.arange(self.count, self.count + k)
        self.severity[ids] = severity
        self.born[ids] = hour
        self.stage[ids] = Stage.LATENT
        self.resolved[ids] = -1
        self.count += k
        return ids

    def open_ids(self) -> np.ndarray:
        """Ids of the issues not yet resolved."""
        return np.flatnonzero(self.stage[: self.count] != Stage.RESOLVED)

    def update(self, attention: np.ndarray, attention_online: np.ndarray, hour: int) -> None:
        """Record this hour's attention and move each open issue through its lifecycle.

        Stages follow attention a, its peak P and the thresholds (counts of citizens):
        crisis if a >= crisis; resolved once nobody is engaged (a = 0); declining once it
        has emerged (P >= emerging) and a < decline_ratio * P or a < emerging; else
        spreading, emerging or latent by threshold. Our own rule, after the stage models
        of online public opinion (emergence, spread, outbreak, decline).

        Args:
            attention: engaged citizens per issue id (length >= ``count``).
            attention_online: the same, counting netizens only.
            hour: the current hour.
        """
        ids = self.open_ids()
        if ids.size == 0:
            return
        a = attention[ids]
        self.attention[: self.count] = attention[: self.count]
        self.attention_online[: self.count] = attention_online[: self.count]
        rising = a > self.peak[ids]
        self.peak[ids[rising]] = a[rising]
        self.peak_hour[ids[rising]] = hour
        peak = self.peak[ids]
        old = self.stage[ids]
        emerged = peak >= self.emerging
        new = np.full(ids.size, Stage.LATENT, dtype=np.int8)
        new[a >= self.emerging] = Stage.EMERGING
        new[a >= self.spreading] = Stage.SPREADING
        new[emerged & ((a < self.lifecycle.decline_ratio * peak) | (a < self.emerging))] = (
            Stage.DECLINING
        )
        new[a >= self.crisis] = Stage.CRISIS
        new[a == 0] = Stage.RESOLVED
        in_crisis = new == Stage.CRISIS
        self.crisis_entries[ids] += in_crisis & (old != Stage.CRISIS)
        self.crisis_hours[ids] += in_crisis
        self.stage[ids] = new
        self.resolved[ids[new == Stage.RESOLVED]] = hour
        self.history.append((ids, a.copy(), new.copy(), hour))

    # ------------------------------------------------------------------ outcomes

    def in_crisis(self) -> int:
        """Issues in the crisis stage now."""
        return int(np.count_nonzero(self.stage[: self.count] == Stage.CRISIS))

    def crises(self) -> int:
        """Times any issue entered the crisis stage so far."""
        return int(self.crisis_entries[: self.count].sum())

    def total_crisis_hours(self) -> int:
        """Issue-hours spent in the crisis stage so far."""
        return int(self.crisis_hours[: self.count].sum())

    def table(self) -> dict[str, np.ndarray]:
        """One row per issue: every column, trimmed to the issues that exist."""
        out = {"issue": np.arange(self.count)}
        out.update({name: getattr(self, name)[: self.count].copy() for name in self._COLUMNS})
        return out

    def attention_history(self) -> dict[str, np.ndarray]:
        """Long table of (hour, issue, attention, stage) for every open issue at every hour."""
        if not self.history:
            empty = np.zeros(0, dtype=np.int64)
            return {"hour": empty, "issue": empty, "attention": empty, "stage": empty}
        return {
            "hour": np.concatenate([np.full(len(i), h) for i, _, _, h in self.history]),
            "issue": np.concatenate([i for i, _, _, _ in self.history]),
            "attention": np.concatenate([a for _, a, _, _ in self.history]),
            "stage": np.concatenate([s for _, _, s, _ in self.history]),
        }


class Incidents:
    """Poisson arrivals of incidents, each with a severity and a cluster of affected citizens.

    Args:
        params: the scenario's incident parameters.
        rng: the incidents' own random stream.
    """

    def __init__(self, params: IncidentParams, rng: np.random.Generator):
        self.params = params
        self.rng = rng
        self._severity = SEVERITY.get(params.severity.kind)

    def arrivals(self) -> int:
        """How many incidents happen this hour: Poisson with mean ``rate_per_hour``."""
        if self.params.rate_per_hour == 0:
            return 0
        return int(self.rng.poisson(self.params.rate_per_hour))

    def severities(self, k: int) -> np.ndarray:
        """Severities of ``k`` new incidents, from the scenario's distribution."""
        return np.clip(self._severity.sample(self.params.severity.params, self.rng, k), 0.0, 1.0)

    def affected(self, network: Network) -> np.ndarray:
        """The citizens an incident hits: a random citizen and its nearest neighbours.

        Breadth-first from a uniformly chosen citizen, layer by layer, until
        ``affected_citizens`` are reached; the last layer is sampled at random. Fewer are
        returned only when the citizen's connected component is smaller.
        """
        start = int(self.rng.integers(network.n))
        return network.ball(start, self.params.affected_citizens, self.rng)
