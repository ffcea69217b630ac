"""The government's timeline runs timed callbacks exactly as Mesa's own event list would."""

from __future__ import annotations

import mesa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.government.timeline import Timeline


class Recorder(mesa.Model):
    """A model whose step and timed callbacks write what ran, and when, to a log."""

    def __init__(self, use_timeline: bool, plan: list[tuple[float, list[float]]]):
        super().__init__(rng=0)
        self.log: list[tuple] = []
        self.timeline = Timeline(self) if use_timeline else None
        self.plan = plan  # per hour: (first delay, delays of follow-ups each callback adds)
        self.ids = iter(range(10**9))
        self.keep = []  # Mesa holds callbacks weakly: keep them alive as bound methods are

    def later(self, when: float, name: int, follow: list[float]) -> None:
        def fire(payload=None):
            now = self.timeline.now if self.timeline is not None else self.time
            self.log.append(("run", name, now))
            for delay in follow:
                self.later(now + delay, next(self.ids), [])

        if self.timeline is not None:
            self.timeline.at(when, fire)
        else:
            self.keep.append(fire)
            self.schedule_event(fire, at=when)

    def step(self) -> None:
        self.log.append(("step", self.steps, self.time))
        if self.steps <= len(self.plan):
            first, follow = self.plan[self.steps - 1]
            self.later(self.time + first, next(self.ids), follow)


delays = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 24.0]),  # on step times and repeated times
    st.floats(min_value=0.0, max_value=30.0, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(plan=st.lists(st.tuples(delays, st.lists(delays, max_size=4)), min_size=1, max_size=12))
def test_same_order_and_times_as_mesa_events(plan):
    """Whatever is scheduled, callbacks run at the same times, in the same order relative
    to each other and to the hourly steps, as one Mesa event each would."""
    runs = []
    for use_timeline in (False, True):
        model = Recorder(use_timeline, plan)
        for _ in range(len(plan) + 3):
            model.step()
            model.log.append(("after step() returned", model.time))
        runs.append(model.log)
    assert runs[1] == runs[0]


def test_asks_mesa_for_few_events():
    """A thousand callbacks within an hour cost a handful of Mesa events, not a thousand."""
    model = Recorder(True, [])
    asked = []
    real = model.schedule_event

    def counting(function, **kw):
        asked.append(kw)
        return real(function, **kw)

    model.schedule_event = counting
    times = [0.5 + i / 2000 for i in range(1000)]
    for when in sorted(times, reverse=True)[:10] + sorted(times)[10:]:
        model.timeline.at(when, lambda _: None)
    model.step()
    assert len(model.timeline) == 0
    assert len(asked) <= 12


def test_refuses_the_past():
    model = Recorder(True, [])
    model.step()
    with pytest.raises(ValueError, match="already 1"):
        model.timeline.at(0.5, lambda _: None)
