"""802.1D STP as a sans-IO state machine: three bridges in a ring under a fake clock.

    A.1 ---- B.1        bridge ids 8000.02:00:00:00:00:0a/0b/0c
    A.2      B.2        each link joins two ports; what a port sends reaches its peer
      \\      /
       C.1  C.2

A is root; C's port toward B blocks (B wins the B-C link by its lower id).  Lowering C's
priority makes C the root; then B's port toward A blocks, and every bridge saw the
topology change (short ageing) and forgot it again.
"""
from __future__ import annotations

from stack.l2.bridge import BLOCKING, DISABLED, FORWARDING, LEARNING, LISTENING, STATE_NAMES
from stack.l2.stp import Stp
from stack.wire import stp as wire
from stack.wire.stp import CONFIG, TCN, Bpdu
from tests.frames import capture_files, records_of

MACS = {name: bytes.fromhex(f"0200000000{c}") for name, c in (("A", "0a"), ("B", "0b"), ("C", "0c"))}
LINKS = ((("A", 1), ("B", 1)), (("B", 2), ("C", 2)), (("C", 1), ("A", 2)))


class Ring:
    def __init__(self, fd: float = 15.0):
        self.now = 0.0
        self.bridges = {name: Stp(wire.bridge_id(0x8000, mac), forward_delay=fd)
                        for name, mac in MACS.items()}
        self.peer = {}
        self.cut = set()
        for a, b in LINKS:
            self.peer[a], self.peer[b] = b, a
        self.sent = 0
        for stp in self.bridges.values():
            stp.add_port(1)
            stp.add_port(2)
            stp.enable(self.now)
            for number in (1, 2):
                stp.enable_port(number, self.now)
        self.deliver()

    def deliver(self) -> None:
        """Hand every BPDU in every outbox to the port at the other end of its link."""
        for _ in range(100):
            moved = False
            for name, stp in self.bridges.items():
                out, stp.outbox = stp.outbox, []
                for number, bpdu in out:
                    # each BPDU crosses the wire as bytes
                    parsed = wire.parse(wire.build(bpdu))
                    assert parsed == _rounded(bpdu)
                    peer = self.peer[(name, number)]
                    if (name, number) in self.cut or peer in self.cut:
                        continue
                    self.sent += 1
                    self.bridges[peer[0]].receive(peer[1], parsed, self.now)
                    moved = True
            if not moved:
                return
        raise AssertionError("BPDUs still moving")

    def run(self, seconds: float, step: float = 0.1) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now = round(self.now + step, 6)
            for stp in self.bridges.values():
                stp.tick(self.now)
            self.deliver()

    def state(self, name: str, number: int) -> str:
        return STATE_NAMES[self.bridges[name].ports[number].state]

    def states(self) -> dict:
        return {f"{n}.{p}": self.state(n, p) for n in MACS for p in (1, 2)}

    def roots(self) -> set:
        return {stp.designated_root for stp in self.bridges.values()}


def _rounded(bpdu: Bpdu) -> Bpdu:
    """What the wire keeps of `bpdu`: times in 1/256 s."""
    if bpdu.type == TCN:
        return Bpdu(type=TCN)
    r = lambda t: round(t * 256) / 256      # noqa: E731
    return Bpdu(CONFIG, bpdu.root, bpdu.cost, bpdu.bridge, bpdu.port, r(bpdu.message_age),
                r(bpdu.max_age), r(bpdu.hello_time), r(bpdu.forward_delay), bpdu.tc, bpdu.tca)


def test_a_ring_elects_the_lowest_id_and_blocks_exactly_one_port():
    ring = Ring()
    ring.run(1.5)                    # the first hellos, and B's relay after its hold time
    assert ring.roots() == {ring.bridges["A"].bridge_id}
    assert set(ring.states().values()) == {"listening", "blocking"}
    ring.run(13.3)
    assert ring.state("A", 1) == "listening"             # forward_delay not over yet
    ring.run(0.2)
    assert ring.state("A", 1) == "learning"
    ring.run(15)
    states = ring.states()
    assert states.pop("C.2") == "blocking"
    assert set(states.values()) == {"forwarding"}
    a, b, c = (ring.bridges[n] for n in "ABC")
    assert a.is_root_bridge() and a.root_port is None
    assert (b.root_port.number, b.root_path_cost) == (1, 100)
    assert (c.root_port.number, c.root_path_cost) == (1, 100)


def test_the_ring_stays_converged_and_does_not_storm():
    ring = Ring()
    ring.run(40)
    before, sent = ring.states(), ring.sent
    ring.run(20)
    assert ring.states() == before
    # the root's hello every 2 s on its two ports, relayed once by B and once by C
    assert ring.sent - sent <= 20 / 2 * 4 + 4


def test_a_new_root_by_priority_converges_again_with_a_topology_change():
    ring = Ring()
    ring.run(40)
    c = ring.bridges["C"]
    c.set_priority(0x1000, ring.now)
    ring.deliver()
    assert ring.roots() == {c.bridge_id}
    ring.run(0.5)
    assert c.topology_change and all(stp.ageing_time(300) == 15 for stp in ring.bridges.values())
    ring.run(40)
    states = ring.states()
    assert states.pop("B.1") == "blocking"               # A wins the A-B link
    assert set(states.values()) == {"forwarding"}
    assert (ring.bridges["A"].root_port.number, ring.bridges["B"].root_port.number) == (2, 2)
    ring.run(40)                                         # max_age + forward_delay later
    assert not any(stp.topology_change for stp in ring.bridges.values())
    assert ring.bridges["B"].ageing_time(300) == 300


def test_a_broken_link_unblocks_the_blocked_port_after_max_age():
    ring = Ring()
    ring.run(40)
    assert ring.state("C", 2) == "blocking"
    ring.cut.add(("C", 1))                               # the C-A link fails silently
    ring.run(17)
    assert ring.state("C", 2) == "blocking"              # A's information is still valid
    ring.run(40)                                         # max_age, then listening and learning
    c = ring.bridges["C"]
    assert c.root_port.number == 2 and c.root_path_cost == 200
    assert ring.state("C", 2) == "forwarding"


def test_a_disabled_port_leaves_the_election():
    ring = Ring()
    ring.run(40)
    b = ring.bridges["B"]
    b.disable_port(1, ring.now)
    ring.deliver()
    assert ring.state("B", 1) == "disabled"
    ring.run(17)          # B, cut off, calls itself root; C ignores that worse word until
    assert b.is_root_bridge() and ring.state("C", 2) == "blocking"   # B's old one ages out
    ring.run(35)                                         # max_age, listening, learning
    assert b.root_port.number == 2 and b.root_path_cost == 200
    assert ring.state("C", 2) == "forwarding" and ring.roots() == {ring.bridges["A"].bridge_id}


def test_bpdus_build_and_parse_and_the_capture_agrees():
    bpdu = Bpdu(CONFIG, wire.bridge_id(0x8000, MACS["A"]), 19, wire.bridge_id(0x8001, MACS["B"]),
                0x8002, 1.0, 20.0, 2.0, 15.0, tc=True, tca=False)
    assert wire.parse(wire.build(bpdu)) == bpdu
    frame = wire.frame(MACS["B"], bpdu)
    assert frame[:6] == wire.GROUP_ADDRESS and len(frame) == 60 and frame[12:14] == b"\x00\x26"
    assert wire.parse(wire.build(Bpdu(type=TCN))) == Bpdu(type=TCN)
    assert wire.parse(b"\x42\x42\x03\x00\x01\x00\x00") == "STP_INVALID"
    assert wire.parse(b"\xaa\xaa\x03" + bytes(40)) == "STP_INVALID"
    assert wire.parse(wire.build(bpdu)[:20]) == "STP_INVALID"
    path = next(p for p in capture_files() if p.name == "802.1D_spanning_tree.pcap")
    parsed = [wire.parse(rec.data, 14)
              for rec in records_of(path)]
    configs = [p for p in parsed if isinstance(p, Bpdu) and p.type == CONFIG]
    assert configs and all(p.max_age == 20 and p.hello_time == 2 and p.forward_delay == 15
                           for p in configs)


def test_states_are_the_bridge_port_states():
    assert (DISABLED, LISTENING, LEARNING, FORWARDING, BLOCKING) == (0, 1, 2, 3, 4)
