"""Timers re-armed per packet (point 8 of issue 11): the heap stays bounded, order and times hold."""
import random

from stack.clock import FakeClock, Timers


def bound(timers: Timers) -> int:
    return 2 * len(timers) + Timers.COMPACT_FLOOR + 1


def test_a_timer_rearmed_a_million_times_keeps_the_heap_bounded_and_fires_once_at_its_last_time():
    clock = FakeClock(0)
    timers = Timers()
    fired = []
    rto = timers.arm(1.0, lambda: fired.append(("rto", clock.now())))
    largest = 0
    for i in range(1_000_000):
        rto.rearm(1.0 + i * 1e-6)
        if i % 1000 == 0:
            largest = max(largest, timers.heap_size())
    assert len(timers) == 1 and largest <= bound(timers) and timers.heap_size() <= bound(timers)
    last = 1.0 + 999_999 * 1e-6
    assert timers.next_deadline() == last
    clock.set(last - 1e-9)
    assert timers.run_due(clock.now()) == 0
    clock.set(last)
    assert timers.run_due(clock.now()) == 1 and fired == [("rto", last)]
    assert len(timers) == 0 and timers.next_deadline() is None and rto.cancelled


def test_rearms_and_cancels_interleaved_with_other_timers_fire_in_order_at_their_times():
    clock = FakeClock(0)
    timers = Timers()
    rng = random.Random(11)
    fired = []
    expected = {}                                  # name -> when it must fire
    pending = {}
    for n in range(2000):
        name = f"t{n}"
        pending[name] = timers.arm(10 + rng.random() * 100,
                                   lambda name=name: fired.append((name, clock.now())), name=name)
    names = list(pending)
    for step in range(200_000):
        name = rng.choice(names)
        action = rng.random()
        if action < 0.1 and name in pending:
            pending.pop(name).cancel()
        elif name in pending:
            pending[name].rearm(10 + rng.random() * 100)
        elif action < 0.2:                         # a cancelled timer comes back (mod_timer)
            timer = timers.arm(10 + rng.random() * 100,
                               lambda name=name: fired.append((name, clock.now())), name=name)
            pending[name] = timer
        if step % 500 == 0:
            assert len(timers) == len(pending) and timers.heap_size() <= bound(timers)
    expected = {name: timer.when for name, timer in pending.items()}
    assert len(timers) == len(expected)
    while timers.next_deadline() is not None:
        clock.set(timers.next_deadline())
        timers.run_due(clock.now())
    assert [name for name, _ in fired] == sorted(expected, key=lambda n: expected[n])
    assert all(at == expected[name] for name, at in fired)
    assert len(timers) == 0 and timers.heap_size() == 0


def test_a_callback_that_rearms_timers_does_not_lose_a_due_one():
    clock = FakeClock(0)
    timers = Timers()
    fired = []
    others = [timers.arm(5.0 + i, fired.append, i) for i in range(200)]

    def churn():
        fired.append("churn")
        for timer in others[100:]:                 # enough dead entries to compact mid-run
            timer.cancel()

    timers.arm(1.0, churn)
    timers.arm(1.0 + 1e-9, fired.append, "after")
    clock.set(104.0)
    timers.run_due(clock.now())
    assert fired == ["churn", "after"] + list(range(100))
