"""The response organisation: levels of units, staff with skill, cases queueing through them.

Government units and staff are few and rich, so they are Mesa agents. A :class:`Unit` is a
multi-server queue (Erlang's M/M/c when arrivals are Poisson and service exponential): its
staff serve one case each, the rest wait in the unit's queue in the order its priority rule
gives. Service ends are timed events on the government's :class:`~sim.government.timeline.Timeline`,
which runs them at their times inside Mesa's event list, so time inside the hour is
continuous and queueing theory applies exactly.

Which levels a case passes through is the *structure* (``STRUCTURES``): ``hierarchical``
sends every case up through every level for approval; ``flat`` lets the front line
answer and sends only severe cases up one level (the theses' 扁平化).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.params import param, probability
from sim.registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable

    from sim.government.timeline import Timeline
    from sim.issues import Issues


@dataclass(frozen=True)
class LevelParams:
    """One level of the organisation (front line, section, bureau, leadership sign-off)."""

    name: str = param("front line", "what the level is called, for plots and messages")
    staff: int = param(10, "staff at this level (split across channels at the front line)", ge=1)
    skill: float = probability(0.5, "mean staff skill in [0, 1]: speed and chance to solve")
    skill_sd: float = param(
        0.0, "standard deviation of skill across staff (0: all equal)", ge=0, le=0.5
    )
    service_hours: float = param(
        1.0, "mean hours a case takes a staff member of skill 0.5 (exponential)", gt=0
    )

    def problems(self) -> list[tuple[str, str]]:
        """Cross-key checks: a Beta law with that mean must admit that spread."""
        from sim.citizens import beta_problems

        return beta_problems(self.skill, self.skill_sd, "skill", mean_key="skill")


def service_mean(service_hours: float, skill: float) -> float:
    """Mean service time of a staff member: ``service_hours`` at skill 0.5, 1/3 less at 1.

    mean = service_hours / (0.5 + skill). Our own form: skill speeds work up at most
    threefold (skill 0 to skill 1).
    """
    return service_hours / (0.5 + skill)


class Case:
    """One ticket: a demand about an issue, filed through a channel (or opened by monitoring).

    Attributes:
        id: case number, in order of opening.
        issue: the issue id (-1 for a false alarm of monitoring).
        severity: the issue's severity in [0, 1].
        filers: citizens whose demand it carries (several when duplicates are merged).
        channel: index of the channel it came through (-1: opened by monitoring).
        online: whether the first filer is a netizen (monitoring cases count as online).
        opened: time it was filed (hours).
        route: the levels it will pass through, in order; ``step`` is where it is now.
        first_response: time of the first reply to the citizen (holding or final), or None.
        closed: time the final answer went out, or None.
        solves: whether the current draft answer would solve the demand.
        templated: whether the draft is a templated reply (formalism).
        outcome: "solved", "templated", "unsolved" or "false_alarm" once closed.
        false_alarm: opened by monitoring about nothing (takes staff time, helps nobody).
        transfers: times it was bounced between departments.
        drafted: an answer has been drafted (by the first level that served it).
        hot: its issue was detected by monitoring that fast-tracks what it sees: it skips
            the front line where there is a level above, and is served before every case
            that is not hot.
    """

    __slots__ = (
        "channel",
        "closed",
        "drafted",
        "entered",
        "false_alarm",
        "filers",
        "first_response",
        "hot",
        "id",
        "issue",
        "online",
        "opened",
        "outcome",
        "route",
        "severity",
        "solves",
        "step",
        "templated",
        "transfers",
        "unit_arrival",
    )

    def __init__(
        self,
        id: int,
        issue: int,
        severity: float,
        filers: list[int],
        channel: int,
        online: bool,
        opened: float,
    ):
        self.id = id
        self.issue = issue
        self.severity = severity
        self.filers = filers
        self.channel = channel
        self.online = online
        self.opened = opened
        self.route: tuple[int, ...] = (0,)
        self.step = 0
        self.first_response: float | None = None
        self.closed: float | None = None
        self.solves = False
        self.templated = False
        self.drafted = False
        self.hot = False
        self.outcome: str | None = None
        self.transfers = 0
        self.unit_arrival = opened
        self.entered = False
        self.false_alarm = False


# ----------------------------------------------------------------------------- structures

STRUCTURES: Registry = Registry("organisation structure")


@STRUCTURES.register("hierarchical")
class Hierarchical:
    """Every case passes through every level in order, each approving it (a tandem of queues).

    The classic bureaucracy: an answer drafted at the front line goes up for sign-off at
    each level (Weber; Radner 1993 on hierarchies as information processors). Each level
    above the front line may check the draft (``review_prob``), judging it right with the
    reviewer's skill and redrafting what it judges bad: review catches poor drafts but can
    also spoil good ones when reviewers know less than the front line (Radner 1993).
    """

    @dataclass(frozen=True)
    class Params:
        pass

    @staticmethod
    def route(params: Any, severity: float, n_levels: int) -> tuple[int, ...]:
        """All levels, front line first."""
        return tuple(range(n_levels))


@STRUCTURES.register("flat")
class Flat:
    """The front line has authority to answer; only severe cases go up one level (扁平化).

    Decentralised decision-making pays at high load and costs review at low load
    (Guimerà et al. 2002; Garicano 2000 on knowledge hierarchies).
    """

    @dataclass(frozen=True)
    class Params:
        escalate_severity: float = probability(
            0.7, "cases at least this severe go up one level for review"
        )

    @staticmethod
    def route(params: Any, severity: float, n_levels: int) -> tuple[int, ...]:
        """The front line, plus the level above for a severe case."""
        if n_levels > 1 and severity >= params.escalate_severity:
            return (0, 1)
        return (0,)


# ----------------------------------------------------------------------------- priorities

PRIORITIES: Registry = Registry("queue priority")


@PRIORITIES.register("fifo")
def fifo(case: Case, issues: Issues) -> float:
    """First come, first served: the key is the time the case reached the unit."""
    return case.unit_arrival


@PRIORITIES.register("severity")
def by_severity(case: Case, issues: Issues) -> float:
    """Gravest issue first (ties first come, first served)."""
    return -case.severity


@PRIORITIES.register("attention")
def by_attention(case: Case, issues: Issues) -> float:
    """Most-followed issue first, by citizens engaged now, online or not (measured need)."""
    if case.issue < 0:
        return 0.0
    return -float(issues.attention[case.issue])


@PRIORITIES.register("online_volume")
def by_online_volume(case: Case, issues: Issues) -> float:
    """Loudest issue online first: the big-data trap of answering volume, not need.

    Issues that live among offline citizens make little noise online and wait, whatever
    channel their case came through: the theses' "netizens are the whole people" trap.
    """
    if case.issue < 0:
        return 0.0
    return -float(issues.attention_online[case.issue])


# ----------------------------------------------------------------------------- agents


class Staff(mesa.Agent):
    """A civil servant: serves one case at a time; skill sets speed and chance to solve."""

    def __init__(self, model: mesa.Model, skill: float, unit: Unit):
        super().__init__(model)
        self.skill = skill
        self.unit = unit
        self.case: Case | None = None
        self.busy_hours = 0.0


class Unit(mesa.Agent):
    """A desk at one level (for one channel, or pooled): a multi-server queue.

    Args:
        model: the Mesa model (for time and event scheduling).
        level: index of the level, 0 = front line.
        name: label for plots.
        skills: one skill per staff member.
        service_hours: mean service hours at skill 0.5.
        rng: the government's random stream.
        priority: key function of ``PRIORITIES``.
        done: called as ``done(case, staff)`` when a case finishes service here.
        issues: the model's issue table (priorities read attention from it).
        timeline: where service ends are scheduled.
    """

    def __init__(
        self,
        model: mesa.Model,
        level: int,
        name: str,
        skills: np.ndarray,
        service_hours: float,
        rng: np.random.Generator,
        priority: Callable[[Case, Issues], float],
        done: Callable[[Case, Staff], None],
        issues: Issues,
        timeline: Timeline,
    ):
        super().__init__(model)
        self.timeline = timeline
        self.level = level
        self.name = name
        self.service_hours = service_hours
        self.stream = rng
        self.priority = priority
        self.done = done
        self.issues = issues
        self.staff: list[Staff] = [Staff(model, float(s), self) for s in skills]
        self.idle: list[Staff] = list(self.staff)
        self.queue: list[tuple[float, int, Case]] = []
        self._order = itertools.count()
        self._ends: list[tuple[float, int, Staff]] = []
        # statistics: time-integral of queue length, waits of cases that started service
        self._last_change = float(model.time)
        self.queue_area = 0.0
        self.waits: list[float] = []

    # ------------------------------------------------------------------ flow

    def _account(self) -> float:
        """Add the queue's length since the last change to its time-integral; the time now."""
        now = self.timeline.now
        self.queue_area += len(self.queue) * (now - self._last_change)
        self._last_change = now
        return now

    def arrive(self, case: Case) -> None:
        """A case reaches this unit: served at once by an idle staff member, or queued."""
        case.unit_arrival = self._account()
        if self.idle:
            self._start(self.idle.pop(self._pick_idle()), case)
        else:
            heapq.heappush(self.queue, (self._key(case), next(self._order), case))

    def _key(self, case: Case) -> tuple[bool, float]:
        """Queue order: hot cases first, then the unit's priority."""
        return (not case.hot, self.priority(case, self.issues))

    def _pick_idle(self) -> int:
        return int(self.stream.integers(len(self.idle))) if len(self.idle) > 1 else 0

    def _start(self, staff: Staff, case: Case) -> None:
        now = self.timeline.now
        self.waits.append(now - case.unit_arrival)
        staff.case = case
        duration = float(self.stream.exponential(service_mean(self.service_hours, staff.skill)))
        staff.busy_hours += duration
        heapq.heappush(self._ends, (now + duration, next(self._order), staff))
        self.timeline.at(now + duration, self._finish_next)

    def _finish_next(self, _: object = None) -> None:
        """Timed: the earliest service in this unit ends now."""
        _, _, staff = heapq.heappop(self._ends)
        case = staff.case
        staff.case = None
        self._account()
        if self.queue:
            _, _, waiting = heapq.heappop(self.queue)
            self._start(staff, waiting)
        else:
            self.idle.append(staff)
        self.done(case, staff)

    # ------------------------------------------------------------------ staffing

    def withdraw(self, cases: set[Case]) -> list[Case]:
        """Take the waiting ``cases`` out of the queue (in queue order) and return them."""
        self._account()
        taken = [entry for entry in self.queue if entry[2] in cases]
        if taken:
            self.queue = [entry for entry in self.queue if entry[2] not in cases]
            heapq.heapify(self.queue)
        return [case for _, _, case in sorted(taken, key=lambda e: e[:2])]

    def reprioritise(self) -> None:
        """Re-key the waiting cases with fresh measurements (iterative policy, detection)."""
        self.queue = [(self._key(case), order, case) for _, order, case in self.queue]
        heapq.heapify(self.queue)

    def give_idle(self, other: Unit) -> bool:
        """Move one idle staff member to ``other`` (keeps at least one here)."""
        if len(self.staff) <= 1 or not self.idle:
            return False
        staff = self.idle.pop()
        self.staff.remove(staff)
        staff.unit = other
        other.staff.append(staff)
        other._account()
        if other.queue:
            _, _, waiting = heapq.heappop(other.queue)
            other._start(staff, waiting)
        else:
            other.idle.append(staff)
        return True

    # ------------------------------------------------------------------ measures

    @property
    def backlog(self) -> int:
        """Cases waiting or in service here."""
        return len(self.queue) + len(self.staff) - len(self.idle)

    @property
    def in_service(self) -> int:
        """Cases being served here now."""
        return len(self.staff) - len(self.idle)

    def busy_hours(self, now: float) -> float:
        """Staff-hours worked here up to ``now`` (services still running count up to now)."""
        worked = sum(staff.busy_hours for staff in self.staff)
        return worked - sum(max(0.0, end - now) for end, _, _ in self._ends)

    def load(self) -> float:
        """Backlog per staff member: what an iterative review moves staff towards."""
        return self.backlog / len(self.staff)
