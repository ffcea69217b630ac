"""The government side: channels, the response organisation, policies, monitoring, security.

:class:`GovernmentParams` is the ``[government]`` table of a scenario; every mechanism in it
is a name from a registry (``PLATFORMS``, ``STRUCTURES``, ``POLICIES``, ``MONITORS``,
``ARRIVALS``, ``PRIORITIES``), so adding one changes neither this module's callers nor
``sim/model.py``. :class:`Government` runs them: once an hour it takes in filings, scans
with its monitor, reviews under its policy and lets citizens react to the answers that
went out; in between, cases move through the units as timed events on its
:class:`~sim.government.timeline.Timeline`, run inside Mesa's event list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.citizens import NO_ISSUE, beta_by_moments
from sim.government.channels import (
    ARRIVALS,
    PLATFORMS,
    ChannelParams,
    channel_choice,
    default_channels,
)
from sim.government.organisation import (
    PRIORITIES,
    STRUCTURES,
    Case,
    LevelParams,
    Staff,
    Unit,
)
from sim.government.policies import MONITORS, POLICIES, SecurityParams
from sim.government.timeline import Timeline
from sim.issues import Stage
from sim.params import Choice, choice, param, probability

if TYPE_CHECKING:
    from sim.model import GovSimModel

__all__ = ["Government", "GovernmentParams"]


def default_levels() -> tuple[LevelParams, ...]:
    """The status quo's four levels: front line, section, bureau, leadership sign-off."""
    return (
        LevelParams("front line", staff=4, skill=0.4, service_hours=2.0),
        LevelParams("section", staff=2, skill=0.5, service_hours=1.0),
        LevelParams("bureau", staff=1, skill=0.6, service_hours=0.5),
        LevelParams("leadership sign-off", staff=1, skill=0.7, service_hours=0.25),
    )


@dataclass(frozen=True)
class GovernmentParams:
    """How the government takes in, routes and answers demands."""

    enabled: bool = param(True, "false: no government at all (citizens-only reductions)")
    arrivals: Choice = choice(ARRIVALS, "citizens", "where filings come from")
    platform: Choice = choice(PLATFORMS, "separate", "separate channel desks or one platform")
    structure: Choice = choice(STRUCTURES, "hierarchical", "which levels a case passes through")
    policy: Choice = choice(POLICIES, "fixed", "fixed procedure or iterative response")
    monitoring: Choice = choice(MONITORS, "none", "big-data monitoring of online attention")
    priority: str = param(
        "fifo",
        "order of a queue: fifo, severity, attention or online_volume",
        choices=tuple(PRIORITIES.names()),
    )
    accountability: float = probability(
        0.0, "strength of audits: scales bouncing and templated replies down by (1 - this)"
    )
    transfer_prob: float = probability(
        0.15, "chance a case is bounced to another department at the front line (no audit)"
    )
    transfer_delay_hours: float = param(24.0, "hours a bounced case takes to come back", ge=0)
    templated_prob: float = probability(
        0.2, "chance a front-line answer is a templated reply (formalism, no audit)"
    )
    review_prob: float = probability(
        0.5, "chance a level above the front line checks a draft closely (see ODD: review)"
    )
    levels: tuple[LevelParams, ...] = param(default_levels(), "the levels, front line first")
    channels: tuple[ChannelParams, ...] = param(default_channels(), "the channels declared")
    security: SecurityParams = param(SecurityParams(), "security incidents")

    def problems(self) -> list[tuple[str, str]]:
        """Cross-key checks: levels and channels declared, kinds unique, a desk per channel."""
        out = []
        if not self.levels:
            out.append(("levels", "must declare at least one level, got none"))
        if not self.channels:
            out.append(("channels", "must declare at least one channel, got none"))
        if (
            PLATFORMS.get(self.platform.kind).desk_per_channel
            and self.levels
            and self.levels[0].staff < len(self.channels)
        ):
            out.append(
                (
                    "levels[0].staff",
                    f"must be >= the number of channels ({len(self.channels)}) on the "
                    f"{self.platform.kind!r} platform, one desk each, got {self.levels[0].staff}",
                )
            )
        kinds = [c.kind for c in self.channels]
        for kind in sorted({k for k in kinds if kinds.count(k) > 1}):
            out.append(
                ("channels", f"each kind at most once, got {kind!r} {kinds.count(kind)} times")
            )
        return out


def _first_per_citizen(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(citizens, issues) from (citizen, issue) pairs, each citizen once (its first pair)."""
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    array = np.asarray(pairs, dtype=np.int64)
    _, first = np.unique(array[:, 0], return_index=True)
    return array[first, 0], array[first, 1]


class Government:
    """Runs the government side of one model.

    Args:
        model: the model (time, event scheduling, citizens, issues).
        params: the scenario's government table.
        rng: the government's own random stream.
    """

    def __init__(self, model: GovSimModel, params: GovernmentParams, rng: np.random.Generator):
        self.model = model
        self.params = params
        # filings (who files, when, through which channel) draw from their own stream so
        # that two designs compared on one seed receive the same filings for as long as
        # the citizens behave alike; service and decisions draw from the other
        self.filing_rng, self.rng, self.security_rng = rng.spawn(3)
        self.timeline = Timeline(model)
        self.channels = params.channels
        self.platform = PLATFORMS.get(params.platform.kind)
        self.structure = STRUCTURES.get(params.structure.kind)
        self.policy = POLICIES.get(params.policy.kind)
        self.monitor = MONITORS.get(params.monitoring.kind)
        self.fast_track = self.monitor.fast_tracks(params.monitoring.params)
        self.arrivals = ARRIVALS.get(params.arrivals.kind)
        self.merges = self.platform.merges
        self.hold_hours = self.policy.holding_reply_hours(params.policy.params)
        self._routes: dict[float, tuple[int, ...]] = {}
        priority = PRIORITIES.get(params.priority)

        self.units: list[Unit] = []
        self.desk_of_channel = np.zeros(len(self.channels), dtype=np.int64)
        for name, staff, served in self.platform.desks(self.channels, params.levels[0].staff):
            self.desk_of_channel[served] = len(self.units)
            self._unit(0, f"{params.levels[0].name}: {name}", params.levels[0], staff, priority)
        self.level_unit = [None] + [
            self._unit(i, level.name, level, level.staff, priority)
            for i, level in enumerate(params.levels)
            if i > 0
        ]
        self.channel_up_at = np.zeros(len(self.channels))  # a channel is down until this time
        # monitoring's cases are handled at the desk of the first online channel
        online = [i for i, c in enumerate(self.channels) if c.online_only]
        self.monitoring_channel = online[0] if online else 0

        self.cases: list[Case] = []
        self.cases_by_issue: dict[int, list[Case]] = {}  # for monitoring's fast track
        self.open_ticket: dict[int, Case] = {}
        self.detected: set[int] = set()
        self._deliveries: list[tuple[str, Case]] = []
        self.filings = 0
        self.merged = 0
        self.rejected = 0
        self.false_alarms = 0
        self.security_incidents = 0
        self.answers_last_hour = 0
        self._closed_mark = 0
        self.opened = 0
        self.closed = 0

    def _unit(self, level: int, name: str, params: LevelParams, staff: int, priority: Any) -> Unit:
        skills = beta_by_moments(self.rng, params.skill, params.skill_sd, staff)
        unit = Unit(
            self.model,
            level,
            name,
            skills,
            params.service_hours,
            self.rng,
            priority,
            self._served,
            self.model.issues,
            self.timeline,
        )
        self.units.append(unit)
        return unit

    def _online_attention(self) -> np.ndarray:
        issues = self.model.issues
        return issues.attention_online[: issues.count]

    # ------------------------------------------------------------------ timed actions

    def _holding(self, case: Case) -> None:
        """Timed: a holding reply about ``case`` goes out, unless it has been answered."""
        if case.closed is not None:
            return
        now = self.timeline.now
        if case.first_response is None:
            case.first_response = now
        self._deliveries.append(("holding", case))
        every = self.policy.update_every_hours(self.params.policy.params)
        if every:
            self.timeline.at(now + every, self._holding, case)

    # ------------------------------------------------------------------ the hour

    def hour(self, hour: int) -> None:
        """One hour of the government: security, filings, monitoring, review, reactions."""
        # final answers that went out during the past hour, as timed events
        self.answers_last_hour = self.closed - self._closed_mark
        self._closed_mark = self.closed
        self._security(hour)
        self.arrivals.arrive(self, hour)
        self._monitor(hour)
        every = self.policy.review_every_hours(self.params.policy.params)
        if every and hour % every == 0:
            self.policy.review(self.params.policy.params, self)
        self._react()

    def _security(self, hour: int) -> None:
        sec = self.params.security
        risk = 1.0
        if self.platform.merges:
            risk += sec.integration_exposure
        if self.monitor.holds_data:
            risk += sec.data_exposure
        # two draws every hour, whatever the design, so that designs with the same risk
        # meet the same incidents (common random numbers) and a riskier one a superset
        strike, pick = self.security_rng.random(2)
        if strike >= sec.incidents_per_month / 720 * risk:
            return
        self.security_incidents += 1
        online = np.flatnonzero([c.online_only for c in self.channels])
        if online.size == 0:
            online = np.arange(len(self.channels))
        hit = online if self.platform.merges else online[[int(pick * online.size)]]
        self.channel_up_at[hit] = hour + sec.downtime_hours
        citizens = self.model.citizens
        citizens.shift_trust(np.flatnonzero(citizens.online), -sec.trust_loss)

    def citizen_filings(self, hour: int) -> None:
        """Engaged citizens file (see ``ARRIVALS['citizens']``); cases reach desks as events."""
        citizens = self.model.citizens
        refile = self.params.platform.params.refile_after_hours
        candidates = citizens.unfiled(refile, float(hour))
        if candidates.size == 0:
            return
        p = self.params.arrivals.params.filing_prob_per_hour * citizens.trust[candidates]
        filers = candidates[self.filing_rng.random(candidates.size) < p]
        if filers.size == 0:
            return
        up = self.channel_up_at <= hour
        channel = channel_choice(self.channels, citizens.online[filers], up, self.filing_rng)
        accepted = np.zeros(filers.size, dtype=bool)
        for c, params in enumerate(self.channels):
            mine = np.flatnonzero(channel == c)
            if mine.size > params.capacity_per_hour:
                self.rejected += mine.size - params.capacity_per_hour
                mine = self.filing_rng.choice(mine, size=params.capacity_per_hour, replace=False)
            accepted[mine] = True
        filers, channel = filers[accepted], channel[accepted]
        citizens.file(filers, float(hour))
        offsets = self.filing_rng.random(filers.size)
        issues = citizens.demand[filers]
        for who, c, issue, offset, severity, online in zip(
            filers.tolist(),
            channel.tolist(),
            issues.tolist(),
            offsets.tolist(),
            self.model.issues.severity[issues].tolist(),
            citizens.online[filers].tolist(),
            strict=True,
        ):
            self._file(who, c, issue, hour + offset, online, severity)

    def poisson_filings(self, hour: int) -> None:
        """A Poisson stream of synthetic cases over the coming hour (``ARRIVALS['poisson']``)."""
        params = self.params.arrivals.params
        rng = self.filing_rng
        k = int(rng.poisson(params.rate_per_hour))
        times = hour + np.sort(rng.random(k))
        up = self.channel_up_at <= hour
        channel = channel_choice(self.channels, np.ones(k, dtype=bool), up, rng)
        for t, c in zip(times.tolist(), channel.tolist(), strict=True):
            if c < 0:
                continue
            case = self._new_case(NO_ISSUE, params.severity, [], c, True, t)
            self._open(case, t + self.channels[c].delay_hours)

    def _file(
        self, who: int, channel: int, issue: int, when: float, online: bool, severity: float
    ) -> None:
        """A filing at time ``when``: merged into an open ticket, or a new case that reaches
        its desk after the channel's delay."""
        self.filings += 1
        if self.merges and issue in self.open_ticket:
            self.open_ticket[issue].filers.append(who)
            self.merged += 1
            return
        case = self._new_case(issue, severity, [who], channel, online, when)
        self._open(case, when + self.channels[channel].delay_hours)

    def _new_case(
        self,
        issue: int,
        severity: float,
        filers: list[int],
        channel: int,
        online: bool,
        when: float,
    ) -> Case:
        case = Case(len(self.cases), issue, severity, filers, channel, online, when)
        route = self._routes.get(severity)
        if route is None:  # a structure routes by severity alone: once per severity
            route = self.structure.route(
                self.params.structure.params, severity, len(self.params.levels)
            )
            self._routes[severity] = route
        case.route = route
        if self.fast_track and issue in self.detected and self._in_monitored_data(case):
            self._make_hot(case)
        self.cases.append(case)
        self.cases_by_issue.setdefault(issue, []).append(case)
        if self.hold_hours is not None and filers:
            self.timeline.at(when + self.hold_hours, self._holding, case)
        return case

    def _open(self, case: Case, arrive_at: float) -> None:
        """Register a new case (as its issue's ticket on a merging platform) and send it to
        its first desk at ``arrive_at``."""
        if self.merges and case.issue != NO_ISSUE:
            self.open_ticket[case.issue] = case
        self.timeline.at(arrive_at, self._enter, case)

    def _enter(self, case: Case) -> None:
        """A case reaches the desk of its current level."""
        if not case.entered:
            case.entered = True
            self.opened += 1
        level = case.route[case.step]
        if level == 0:
            channel = self.monitoring_channel if case.channel < 0 else case.channel
            desk = int(self.desk_of_channel[channel])
            self.units[desk].arrive(case)
        else:
            self.level_unit[level].arrive(case)

    def _monitor(self, hour: int) -> None:
        seen, false_alarms = self.monitor.scan(
            self.params.monitoring.params, self._online_attention(), self.model.citizens.n, self.rng
        )
        params = self.params.monitoring.params
        newly = set()
        for issue in seen.tolist():
            if issue in self.detected or self.model.issues.stage[issue] == Stage.RESOLVED:
                continue
            self.detected.add(issue)
            newly.add(issue)
            if self.platform.merges and issue in self.open_ticket:
                continue
            when = hour + params.delay_hours
            severity = float(self.model.issues.severity[issue])
            self._open(self._new_case(issue, severity, [], -1, True, when), when)
        if newly and self.fast_track:
            self._fast_track(newly)
        for _ in range(false_alarms):
            self.false_alarms += 1
            when = hour + self.rng.random()
            case = self._new_case(NO_ISSUE, 0.0, [], -1, True, when)
            case.false_alarm = True
            self._open(case, when)

    def _in_monitored_data(self, case: Case) -> bool:
        """Whether monitoring can link ``case`` to the issue it detected online: its own
        cases and cases filed online; on a separate platform, a hotline call or a visit to
        the counter sits in another system, which the online data never sees."""
        return case.channel < 0 or self.platform.merges or self.channels[case.channel].online_only

    @staticmethod
    def _make_hot(case: Case) -> None:
        """Fast-track ``case``: it skips the front line if it has not reached its staff yet
        and a level above is on its route, and jumps every queue from now on."""
        case.hot = True
        if case.step == 0 and len(case.route) > 1:
            case.route = case.route[1:]

    def _fast_track(self, issues: set[int]) -> None:
        """Open cases about newly detected issues that monitoring can see become hot: those
        waiting at the front line move up a level, and queues re-sort."""
        hot = {
            case
            for issue in issues
            for case in self.cases_by_issue.get(issue, ())
            if case.closed is None and self._in_monitored_data(case)
        }
        if not hot:
            return
        front = [unit for unit in self.units if unit.level == 0]
        serving = {staff.case for unit in front for staff in unit.staff}
        # only cases with a level above to go to leave the front-line queues; the others
        # keep their place (and their arrival time) and move ahead when the queue re-sorts
        movable = {c for c in hot if c.step == 0 and len(c.route) > 1 and c not in serving}
        moved = [case for unit in front for case in unit.withdraw(movable)]
        for case in hot:
            if case in serving:  # already with the front line: it goes ahead above
                case.hot = True
            else:
                self._make_hot(case)
        for unit in self.units:
            unit.reprioritise()
        for case in sorted(moved, key=lambda c: c.id):
            self._enter(case)

    # ------------------------------------------------------------------ service

    def _served(self, case: Case, staff: Staff) -> None:
        """A unit finished its part of ``case``: bounce, draft, review, pass on or answer."""
        p = self.params
        rng = self.rng
        level = case.route[case.step]
        now = self.timeline.now
        shirk = 1.0 - p.accountability
        if not case.drafted:  # the front line, or the first level of a fast-tracked case
            if level == 0 and rng.random() < p.transfer_prob * shirk:
                case.transfers += 1
                self.timeline.at(now + p.transfer_delay_hours, self._enter, case)
                return
            case.drafted = True
            case.templated = rng.random() < p.templated_prob * shirk
            case.solves = (not case.templated) and rng.random() < staff.skill
        elif rng.random() < p.review_prob:
            # The reviewer judges the draft right with chance = its skill; a draft judged
            # bad (rightly or not) is redrafted by the reviewer.
            judged_bad = (not case.solves) == (rng.random() < staff.skill)
            if judged_bad:
                case.templated = False
                case.solves = rng.random() < staff.skill
        case.step += 1
        if case.step < len(case.route):
            self._enter(case)
            return
        self._close(case, now)

    def _close(self, case: Case, now: float) -> None:
        case.closed = now
        self.closed += 1
        if case.first_response is None:
            case.first_response = now
        if case.false_alarm:
            case.outcome = "false_alarm"
        elif case.solves:
            case.outcome = "solved"
        else:
            case.outcome = "templated" if case.templated else "unsolved"
        if self.open_ticket.get(case.issue) is case:
            del self.open_ticket[case.issue]
        self._deliveries.append((case.outcome, case))

    def _react(self) -> None:
        """Citizens take in the answers that went out since the last hour."""
        if not self._deliveries:
            return
        groups: dict[str, list[tuple[int, int]]] = {
            "solved": [],
            "unsolved": [],
            "templated": [],
            "holding": [],
        }
        public_solved, public_unsolved = set(), set()
        for outcome, case in self._deliveries:
            if outcome == "false_alarm":
                continue
            groups[outcome].extend((who, case.issue) for who in case.filers)
            if outcome == "holding" or case.issue == NO_ISSUE:
                continue
            public = case.channel < 0 or self.channels[case.channel].public
            if public:
                (public_solved if outcome == "solved" else public_unsolved).add(case.issue)
        self._deliveries.clear()
        answers = {k: _first_per_citizen(v) for k, v in groups.items()}
        self.model.citizens.acknowledge(answers["holding"][0], self.timeline.now)
        self.model.citizens.react(
            answers,
            np.fromiter(public_solved, dtype=np.int64),
            np.fromiter(public_unsolved, dtype=np.int64),
            self.model.config.reactions,
            self.rng,
        )

    # ------------------------------------------------------------------ measures

    def real_cases(self) -> list[Case]:
        """Cases that reached a desk, false alarms of monitoring left out: what outcomes count."""
        return [c for c in self.cases if c.entered and not c.false_alarm]

    def backlog_by_level(self) -> list[int]:
        """Cases waiting or in service at each level."""
        out = [0] * len(self.params.levels)
        for unit in self.units:
            out[unit.level] += unit.backlog
        return out

    def open_cases(self) -> int:
        """Cases that reached a desk and are not yet answered (bounced ones included)."""
        return self.opened - self.closed
