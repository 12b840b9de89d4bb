"""Time for the stack: a clock object and timers driven by it (DESIGN principle 1).

Protocol code never reads the wall clock; it asks `clock.now()` and arms timers
on the stack's `Timers`.  Tests swap in `FakeClock` and advance it by hand.
"""
from __future__ import annotations

import heapq
import itertools
import time
from typing import Callable


class MonotonicClock:
    """Seconds from the system's monotonic clock."""

    now = staticmethod(time.monotonic)       # a C call: the stack reads the clock per frame

    def to_epoch(self, when: float) -> float:
        """Wall-clock seconds for a stack time (for capture files only)."""
        return when + (time.time() - time.monotonic())


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self, start: float = 1000.0):
        self._now = start

    def now(self) -> float:
        return self._now

    def to_epoch(self, when: float) -> float:
        return 1_700_000_000.0 + when

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = max(self._now, when)


class Timer:
    """One armed callback; `cancel()` disarms it (lazily removed from the heap)."""

    __slots__ = ("when", "callback", "args", "cancelled", "name")

    def __init__(self, when: float, callback: Callable, args: tuple, name: str):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False
        self.name = name

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    """A heap of timers; `run_due(now)` fires those that are due, in order."""

    def __init__(self):
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()

    def arm(self, when: float, callback: Callable, *args, name: str = "") -> Timer:
        timer = Timer(when, callback, args, name)
        heapq.heappush(self._heap, (when, next(self._seq), timer))
        return timer

    def next_deadline(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def run_due(self, now: float) -> int:
        fired = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, timer = heapq.heappop(heap)
            if timer.cancelled:
                continue
            timer.cancelled = True
            timer.callback(*timer.args)
            fired += 1
        return fired

    def __len__(self) -> int:
        return sum(1 for _, _, t in self._heap if not t.cancelled)
