"""Clock, timers, packet buffer, checksum, counters and the call interface's refusals."""
import pytest

from stack.clock import FakeClock, Timers
from stack.counters import Mib
from stack.errors import StackError
from stack.packet import Packet
from stack.wire.checksum import checksum, ones_sum
from stack.wire.ipv4 import addr_from_str

from .lab import B_IP, two_hosts


def test_timers_fire_in_order_and_cancel():
    clock = FakeClock(0)
    timers = Timers()
    fired = []
    timers.arm(2.0, fired.append, "b")
    timers.arm(1.0, fired.append, "a")
    t = timers.arm(1.5, fired.append, "x")
    t.cancel()
    assert timers.next_deadline() == 1.0
    clock.advance(1.0)
    timers.run_due(clock.now())
    assert fired == ["a"]
    clock.advance(5)
    timers.run_due(clock.now())
    assert fired == ["a", "b"] and timers.next_deadline() is None


def test_packet_pull_push_and_headroom():
    pkt = Packet.alloc(8, headroom=34)
    assert len(pkt) == 8 and pkt.headroom() == 34
    start = pkt.push(20)
    assert start == 14 and len(pkt) == 28
    pkt.push(14)
    with pytest.raises(ValueError):
        pkt.push(1)
    assert pkt.pull(14) == 0 and pkt.data == 14
    pkt.trim(10)
    assert len(pkt) == 10
    with pytest.raises(ValueError):
        pkt.pull(11)


@pytest.mark.parametrize("data, expected", [
    # RFC 1071 section 3 example: sum 0xddf2, checksum 0x220d
    (bytes.fromhex("0001f203f4f5f6f7"), 0x220D),
    (bytes.fromhex("4500003c1c4640004006") + b"\0\0" + bytes.fromhex("ac100a63ac100a0c"), 0xB1E6),
    (b"", 0xFFFF),
    (b"\x01", 0xFEFF),
])
def test_checksum_known_values(data, expected):
    assert checksum(data) == expected


def test_checksum_over_valid_header_folds_to_ffff():
    header = bytearray(bytes.fromhex("4500003c1c4640004006b1e6ac100a63ac100a0c"))
    assert ones_sum(header) == 0xFFFF


def test_mib_refuses_unknown_counter_names():
    mib = Mib("Ip", ("InReceives",))
    mib.InReceives += 2
    assert mib.snapshot() == {"InReceives": 2}
    with pytest.raises(AttributeError):
        mib.InRecieves = 1


def test_link_set_is_all_or_nothing():
    w = two_hosts()
    a = w["a"]
    link = a.links["eth0"]
    mac, mtu = link.mac, link.mtu
    with pytest.raises(StackError, match="mtu 20 out of range"):
        a.api.link_set("eth0", mtu=20, address=b"\x02\x00\x00\x00\x00\x42")
    assert (link.mac, link.mtu) == (mac, mtu)
    with pytest.raises(StackError, match="not a unicast MAC"):
        a.api.link_set("eth0", mtu=1400, address=b"\x01\x00\x00\x00\x00\x42")
    assert (link.mac, link.mtu) == (mac, mtu)


@pytest.mark.parametrize("call, message", [
    (lambda s: s.api.link_list("eth9"), 'Cannot find device "eth9"'),
    (lambda s: s.api.addr_add("eth0", addr_from_str("192.0.2.1"), 24), "Address already assigned"),
    (lambda s: s.api.addr_del("eth0", addr_from_str("192.0.2.50"), 24), "Address not found."),
    (lambda s: s.api.link_add_pair("eth0", "x"), 'link "eth0" already exists'),
    (lambda s: s.api.link_add_pair("averyverylongname16", "x"), "a link name has 1..15 characters"),
    (lambda s: s.api.link_del("lo"), "cannot delete the loopback link"),
    (lambda s: s.api.link_detach("eth0"), "not attached to a host device"),
    (lambda s: s.api.neigh_del("eth0", B_IP), "no neighbour 192.0.2.2 on eth0"),
    (lambda s: s.api.stats("Tcp"), 'unknown layer "Tcp"'),
    (lambda s: s.api.remove_link, 'the stack has no call named "remove_link"'),
    (lambda s: s.api.addr_add("eth0", bytes(8), 64), "no address family has 8-byte addresses"),
    (lambda s: s.api.addr_add("eth0", bytes(16), 64), ":: cannot be a link's address"),
    (lambda s: s.api.addr_add("eth0", bytes(15) + b"\1", 128), "::1 belongs to the loopback link"),
    (lambda s: s.api.addr_add("eth0", b"\x20\x01\x0d\xb8" + bytes(12), 129), "prefix length 129 out of range 0..128"),
    (lambda s: s.api.addr_add("eth0", addr_from_str("192.0.2.9"), 33), "prefix length 33 out of range 0..32"),
    (lambda s: s.api.neigh_list(family="ipx"), 'unknown family "ipx"; one of: inet, inet6'),
])
def test_refusals_are_one_line_and_change_nothing(call, message):
    w = two_hosts()
    a = w["a"]
    before = (a.api.link_list(), a.api.neigh_list(), a.api.route_list())
    with pytest.raises(StackError, match=message) as info:
        call(a)
    assert "\n" not in str(info.value)
    assert (a.api.link_list(), a.api.neigh_list(), a.api.route_list()) == before


def test_a_declared_counter_group_reaches_stats_and_its_completion(monkeypatch):
    from stack.api.stats import group_names
    from stack.counters import COUNTER_GROUPS, counter_group
    monkeypatch.setattr("stack.counters.COUNTER_GROUPS", dict(COUNTER_GROUPS))
    a = two_hosts()["a"]
    assert list(a.api.stats()) == ["Ip", "IpExt", "Icmp", "IcmpMsg", "Ip6", "Icmp6", "ArpStats",
                                "NdiscCache", "Bridge", "Link", "Drop", "Trace"]
    counter_group("Demo", 60, lambda stack: {"Frobs": len(stack.links)})
    assert group_names()[-4:] == ["Demo", "Link", "Drop", "Trace"]
    assert a.api.stats("demo") == {"Demo": {"Frobs": 2}}


def test_addresses_imply_connected_routes_and_go_with_them():
    w = two_hosts()
    a = w["a"]
    assert a.api.route_list() == [{"dst": "192.0.2.0/24", "dev": "eth0", "protocol": "kernel",
                               "scope": "link", "prefsrc": "192.0.2.1", "flags": []}]
    assert a.api.addr_flush("eth0", family="inet") == 1
    assert a.api.route_list() == []


def test_link_del_of_a_pair_removes_both_ends():
    w = two_hosts()
    a = w["a"]
    a.api.link_add_pair("x0", "x1")
    assert {"x0", "x1"} <= set(a.links)
    a.api.link_del("x1")
    assert not {"x0", "x1"} & set(a.links)


def test_transmit_queue_is_bounded():
    w = two_hosts()
    a = w["a"]
    link = a.links["eth0"]
    link.txqlen = 2
    for _ in range(5):
        link.xmit(b"\0" * 60)
    assert len(link.txq) == 2
    assert link.stats.tx_dropped == 3 and a.drop["QDISC_DROP"] == 3


def test_every_drop_reason_used_in_the_stack_is_described():
    import re
    from pathlib import Path

    from stack.counters import DROP_REASONS
    root = Path(__file__).resolve().parents[2] / "stack"
    used = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'drop\("([A-Z0-9_]+)"\)', text))
        used |= set(re.findall(r'return \("([A-Z0-9_]+)", "In', text))
        if path.parent.name in ("wire", "l3"):      # parsers and output return a reason
            used |= set(re.findall(r'return "([A-Z0-9_]+)"', text))
    assert used, "the scan found no drop reasons at all"
    assert used - set(DROP_REASONS) == set()


def test_every_described_drop_reason_can_be_counted_by_some_code():
    """No reason may be listed that nothing counts: each name appears in the stack's code
    as a value (a `drop("X")`, a returned or mapped reason), not only as a described key."""
    import ast
    from pathlib import Path

    import stack.stack  # noqa: F401  (every layer registers its reasons)
    from stack.counters import DROP_REASONS
    root = Path(__file__).resolve().parents[2] / "stack"
    values: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        keys = {id(k) for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys}
        values |= {node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and id(node) not in keys}
    assert set(DROP_REASONS) - values == set()
