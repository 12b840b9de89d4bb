"""Stacks on in-process cables under a fake clock: the unit tests' world."""
from __future__ import annotations

from stack.clock import FakeClock
from stack.link.pair import PairLink
from stack.stack import Stack
from stack.wire.ipv4 import addr_from_str

A_IP = addr_from_str("192.0.2.1")
B_IP = addr_from_str("192.0.2.2")


class World:
    def __init__(self, *names: str):
        self.clock = FakeClock()
        self.stacks = {name: Stack(clock=self.clock, name=name) for name in names}

    def cable(self, a: str, a_link: str, b: str, b_link: str) -> tuple[PairLink, PairLink]:
        la, lb = PairLink(a_link), PairLink(b_link)
        PairLink.connect(la, lb)
        self.stacks[a].add_link(la)
        self.stacks[b].add_link(lb)
        la.set_up(True)
        lb.set_up(True)
        return la, lb

    def settle(self, rounds: int = 100) -> None:
        """Poll every stack until no frame moves (time stands still)."""
        for _ in range(rounds):
            moved = 0
            for s in self.stacks.values():
                moved += s.poll()
            if not moved and not any(s.rx_pending() for s in self.stacks.values()):
                return
        raise AssertionError("frames still moving after settle()")

    def run(self, seconds: float, step: float = 0.1) -> None:
        """Advance the fake clock in steps, firing timers and moving frames."""
        end = self.clock.now() + seconds
        while self.clock.now() < end - 1e-9:
            self.clock.advance(min(step, end - self.clock.now()))
            self.settle()

    def __getitem__(self, name: str) -> Stack:
        return self.stacks[name]


def two_hosts() -> World:
    """Stacks a and b, cable a:eth0 <-> b:eth0, 192.0.2.1/24 and 192.0.2.2/24."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    world["a"].api.addr_add("eth0", A_IP, 24)
    world["b"].api.addr_add("eth0", B_IP, 24)
    world.settle()
    return world


def drain(session) -> list:
    events = []
    while not session.replies.empty():
        events.append(session.replies.get_nowait())
    return events
