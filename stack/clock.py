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
    """One callback armed on a `Timers`; `rearm(when)` moves it (the kernel's `mod_timer`)."""

    __slots__ = ("when", "callback", "args", "name", "_timers", "_entry")

    def __init__(self, timers: "Timers", when: float, callback: Callable, args: tuple, name: str):
        self.when = when
        self.callback = callback
        self.args = args
        self.name = name
        self._timers = timers
        self._entry: list | None = None       # its live heap entry while pending

    @property
    def cancelled(self) -> bool:
        """True once the timer has fired or been cancelled (and not re-armed since)."""
        return self._entry is None

    def cancel(self) -> None:
        self._timers.cancel(self)

    def rearm(self, when: float) -> None:
        self._timers.rearm(self, when)


class Timers:
    """A heap of timers; `run_due(now)` fires those that are due, in order.

    Cancelling or re-arming a timer marks its heap entry dead instead of searching the heap
    for it; dead entries are dropped when they reach the top, and the heap is compacted as
    soon as they outnumber the live ones, so a timer re-armed per packet (TCP's RTO, delayed
    ACK, a neighbour's state timer) keeps the heap within twice the pending timers.
    """

    COMPACT_FLOOR = 64                        # below this many dead entries, never compact

    def __init__(self):
        self._heap: list[list] = []           # [when, seq, timer or None when dead]
        self._seq = itertools.count()
        self._live = 0
        self._dead = 0

    def arm(self, when: float, callback: Callable, *args, name: str = "") -> Timer:
        timer = Timer(self, when, callback, args, name)
        self._push(timer, when)
        return timer

    def rearm(self, timer: Timer, when: float) -> None:
        """Make `timer` fire at `when` instead, pending or not (as `mod_timer`)."""
        entry = timer._entry
        if entry is not None:
            if entry[0] == when:
                return
            self._kill(entry)
        self._push(timer, when)

    def cancel(self, timer: Timer) -> None:
        entry = timer._entry
        if entry is not None:
            timer._entry = None
            self._kill(entry)

    def _push(self, timer: Timer, when: float) -> None:
        timer.when = when
        entry = [when, next(self._seq), timer]
        timer._entry = entry
        heapq.heappush(self._heap, entry)
        self._live += 1

    def _kill(self, entry: list) -> None:
        entry[2] = None
        self._live -= 1
        self._dead += 1
        if self._dead > self.COMPACT_FLOOR and self._dead > self._live:
            self._heap = [e for e in self._heap if e[2] is not None]
            heapq.heapify(self._heap)
            self._dead = 0

    def next_deadline(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2] is None:
            heapq.heappop(heap)
            self._dead -= 1
        return heap[0][0] if heap else None

    def run_due(self, now: float) -> int:
        fired = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            timer = heapq.heappop(heap)[2]
            if timer is None:
                self._dead -= 1
                continue
            timer._entry = None
            self._live -= 1
            timer.callback(*timer.args)
            fired += 1
            heap = self._heap                 # a callback may have compacted it
        return fired

    def __len__(self) -> int:
        return self._live

    def heap_size(self) -> int:
        """Entries held, live and dead (bounded by twice the live ones plus a floor)."""
        return len(self._heap)
