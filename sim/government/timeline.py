"""The government's timed events: one heap, run from inside Mesa's event list.

Cases reach desks, services end, holding replies go out and bounced cases come back at
continuous times within the hour. Each of these used to be a Mesa event of its own
(``model.schedule_event``), and at a million citizens (about 740,000 filings a month)
creating those events was a quarter of the run: Mesa wraps every callback in a
``WeakMethod`` and an ``Event`` object. The :class:`Timeline` keeps them in one heap of
plain tuples instead and asks Mesa for an event only when its earliest entry comes
before every event it has already asked for: about two Mesa events an hour.

The order is the one Mesa's event list gave, so runs are the same to the bit: entries run
by time, then in the order they were scheduled (Mesa breaks ties by the events' creation
order, and all of these had the same priority). A Mesa event at time ``t`` runs the
entries due up to the next hour's step and no further: those in ``[t, next step)``, or
only those at exactly ``t`` when ``t`` is itself a step's time, since the model's step
(Mesa's high priority) runs before an event of the same time.

Callbacks read the time from :attr:`Timeline.now`, not from ``model.time``: Mesa makes
``model.time`` an observable signal, whose every write costs about two microseconds, so
the timeline sets it once per run of entries, to the last one's time.
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import mesa


class Timeline:
    """Timed callbacks of one model, run at their times between the model's hourly steps.

    Args:
        model: the Mesa model whose clock (``model.time``, one step an hour) and event
            list the timeline runs in.
    """

    def __init__(self, model: mesa.Model):
        self.model = model
        self._heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._order = itertools.count()
        self._asked: list[float] = []  # times of the Mesa events asked for, not yet run
        self._running = False
        self._now = 0.0

    @property
    def now(self) -> float:
        """The time now (hours): the running entry's, or the model's between entries.

        Cheaper than reading ``model.time`` (a Mesa signal) for each of a million entries;
        ``model.time`` itself is set once a run of entries is over, to the last one's time.
        """
        return self._now if self._running else float(self.model.time)

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, when: float, callback: Callable[[Any], None], payload: Any = None) -> None:
        """Call ``callback(payload)`` at time ``when`` (hours), when :attr:`now` is ``when``.

        Raises:
            ValueError: ``when`` is before the model's current time.
        """
        if when < self.now:
            raise ValueError(f"cannot schedule at {when}: the time is already {self.now}")
        heapq.heappush(self._heap, (when, next(self._order), callback, payload))
        if not self._running and (not self._asked or when < self._asked[0]):
            self._ask(when)

    def _ask(self, when: float) -> None:
        heapq.heappush(self._asked, when)
        self.model.schedule_event(self._run, at=when)

    def _run(self) -> None:
        """Mesa event: run the entries due from now up to the next step, in order."""
        model = self.model
        now = float(model.time)
        asked = self._asked
        while asked and asked[0] <= now:
            heapq.heappop(asked)
        # at a step's time only what is due now; otherwise up to (not at) the next step
        step_time = math.floor(now) == now
        end = now if step_time else math.floor(now) + 1.0
        heap = self._heap
        self._now = now
        self._running = True
        try:
            while heap and (heap[0][0] <= end if step_time else heap[0][0] < end):
                when, _, callback, payload = heapq.heappop(heap)
                self._now = when
                callback(payload)
        finally:
            self._running = False
            model.time = self._now
            if heap and (not asked or heap[0][0] < asked[0]):
                self._ask(heap[0][0])
