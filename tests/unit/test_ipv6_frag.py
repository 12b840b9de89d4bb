"""IPv6 fragments on pair cables under the fake clock: reassembly (in order, out of order,
duplicates, RFC 5722 overlaps, RFC 7112 tiny first fragments, lengths, time-outs, the
memory bound) and fragmentation of our own packets, with the Ip6 counters pinned and the
trace telling each fragment's fate as the fast path meets it."""
import pytest

from stack.l3.ipv6_frag import Fragment, header_chain_truncated, unfragmentable
from stack.l3.reassembly import FRAG_OVERHEAD, HIGH_THRESH, QUEUE_OVERHEAD
from stack.link.pair import PairLink
from stack.trace import trace_counters
from stack.wire import icmpv6
from stack.wire.ipv6 import addr_from_str as a6
from tests.checker import counters, expect_counters, frame_fields, ipv6_fragment

from .lab import World, drain

A6, B6 = a6("2001:db8::1"), a6("2001:db8::2")
PEER_MAC = b"\x02\x00\x00\x00\x00\x0a"


def quiet_hosts() -> World:
    """Stacks a (2001:db8::1) and b (::2) on one cable, no link-locals, no DAD: a quiet wire;
    each knows the other's MAC."""
    world = World("a", "b")
    la, lb = PairLink("eth0"), PairLink("eth0")
    PairLink.connect(la, lb)
    for name, link, address in (("a", la, A6), ("b", lb, B6)):
        stack = world[name]
        stack.add_link(link)
        stack.api.inet6_conf("eth0", addr_gen_mode="none")
        link.set_up(True)
        stack.api.addr_add("eth0", address, 64, nodad=True)
    world["a"].api.neigh_add("eth0", B6, lb.mac)
    world["b"].api.neigh_add("eth0", A6, la.mac)
    world.settle()
    return world


def ipv6_packet(src, dst, nxt, payload, hlim=64) -> bytes:
    return bytes((0x60, 0, 0, 0)) + len(payload).to_bytes(2, "big") + bytes((nxt, hlim)) + src + dst + payload


def echo6(size: int = 3000, ident: int = 0x77, seq: int = 1, src=A6, dst=B6) -> bytes:
    body = ident.to_bytes(2, "big") + seq.to_bytes(2, "big") + bytes(i & 0xFF for i in range(size))
    return ipv6_packet(src, dst, 58, icmpv6.build(128, 0, body, src, dst))


def in_three(packet, ident=0x1234abcd):
    """A 3048-byte echo as Linux cuts it for a 1500-byte MTU: 1448 + 1448 + 112 data bytes."""
    return [ipv6_fragment(packet, 0, 1448, ident=ident), ipv6_fragment(packet, 1448, 1448, ident=ident),
            ipv6_fragment(packet, 2896, more=False, ident=ident)]


def far_fragment() -> bytearray:
    """A fragment of 1448 bytes at offset 64528: past byte 65535."""
    return ipv6_fragment(ipv6_packet(A6, B6, 58, b"") + bytes(66000), 64528, 1448)


def deliver(world, stack, packets) -> None:
    link = stack.links["eth0"]
    for packet in packets:
        link.deliver(link.mac + PEER_MAC + b"\x86\xdd" + bytes(packet))
    world.settle()


def sent_on(stack) -> list:
    frames = []
    stack.links["eth0"].tx_tap = frames.append
    return frames


def icmp_errors(frames) -> list[tuple]:
    """(type, code, pointer) of each ICMPv6 error sent."""
    return [(f["icmpv6.type"], f["icmpv6.code"], f.get("icmpv6.pointer")) for f in map(frame_fields, frames)
            if f.get("icmpv6.type", 128) < 128]


# --- reassembly ------------------------------------------------------------------------------

@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)], ids=["in order", "reversed", "first last"])
def test_a_datagram_is_reassembled_in_any_order_and_answered_in_fragments(order):
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6", "Icmp6")
    pieces = in_three(echo6())
    deliver(world, b, [pieces[i] for i in order])
    expect_counters(b, before, Ip6={"InReceives": 3, "ReasmReqds": 3, "ReasmOKs": 1, "ReasmFails": 0,
                                    "InDelivers": 1, "FragOKs": 1, "FragCreates": 3, "OutTransmits": 3},
                    Icmp6={"InEchos": 1, "OutEchoReplies": 1})
    assert b.drop.snapshot() == {}
    fields = list(map(frame_fields, out))
    assert [f["ipv6.plen"] for f in fields] == [1456, 1456, 120]    # the reply, cut as Linux cuts it
    assert [(f["ipv6.fraghdr.offset"], f["ipv6.fraghdr.more"]) for f in fields] == [(0, 1), (181, 1), (362, 0)]
    assert len({f["ipv6.fraghdr.ident"] for f in fields}) == 1 and fields[0]["ipv6.fraghdr.ident"] != 0
    assert b.ip6frag.reasm.queues == {} and b.ip6frag.reasm.mem == 0


def test_a_duplicate_is_dropped_and_the_datagram_still_completes():
    world = quiet_hosts()
    b = world["b"]
    before = counters(b, "Ip6", "Icmp6")
    first, second, last = in_three(echo6())
    deliver(world, b, [first, second, first, last])
    expect_counters(b, before, Ip6={"ReasmReqds": 4, "ReasmOKs": 1, "ReasmFails": 0},
                    Icmp6={"OutEchoReplies": 1})
    assert b.drop.snapshot() == {"DUP_FRAG": 1}


def test_an_overlapping_fragment_discards_the_whole_datagram_rfc_5722():
    world = quiet_hosts()
    b = world["b"]
    before = counters(b, "Ip6", "Icmp6")
    packet = echo6()
    first, _, last = in_three(packet)
    overlapping = ipv6_fragment(packet, 1440, 1456)             # bytes 1440..2896, over the first's end
    deliver(world, b, [first, overlapping])
    expect_counters(b, before, Ip6={"ReasmReqds": 2, "ReasmOKs": 0, "ReasmFails": 1})
    assert b.drop.snapshot() == {"FRAG_OVERLAP": 2}             # the one held and the one that overlapped
    assert b.ip6frag.reasm.queues == {} and b.ip6frag.reasm.mem == 0
    deliver(world, b, [last])                                   # a queue of its own now, never complete
    assert b.icmp6.mib.OutMsgs == before["Icmp6"]["OutMsgs"] and len(b.ip6frag.reasm.queues) == 1


@pytest.mark.parametrize("upper, payload, size, tiny", [
    (58, bytes(64), 8, False),                  # ICMPv6: its 8-byte header is there
    (17, bytes(64), 8, False),                  # UDP: 8
    (6, bytes(64), 16, True),                   # TCP needs 20
    (6, bytes(64), 24, False),
    (60, bytes((58, 0)) + bytes(6) + bytes(64), 8, True),  # destination options, and no upper header
])
def test_a_first_fragment_without_the_whole_header_chain_is_refused_rfc_7112(upper, payload, size, tiny):
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6")
    deliver(world, b, [ipv6_fragment(ipv6_packet(A6, B6, upper, payload), 0, size)])
    if tiny:
        assert b.drop.snapshot() == {"FRAG_TINY": 1}
        expect_counters(b, before, Ip6={"ReasmReqds": 1, "ReasmFails": 0, "InHdrErrors": 1})
        assert icmp_errors(out) == [(4, 3, 0)]                  # incomplete header chain, pointer 0
        assert b.ip6frag.reasm.queues == {}
    else:
        assert b.drop.snapshot() == {} and len(b.ip6frag.reasm.queues) == 1 and icmp_errors(out) == []


def test_a_fragment_with_more_to_follow_must_be_whole_8_byte_blocks():
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6")
    deliver(world, b, [ipv6_fragment(echo6(), 0, 1444)])
    expect_counters(b, before, Ip6={"ReasmReqds": 1, "ReasmFails": 0, "InHdrErrors": 1})
    assert b.drop.snapshot() == {"FRAG_UNALIGNED": 1}
    assert icmp_errors(out) == [(4, 0, 4)]                      # pointing at the payload length


def test_a_fragment_past_65535_is_answered_pointing_at_its_offset():
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6")
    deliver(world, b, [ipv6_fragment(echo6(), 0, 1448), far_fragment()])
    expect_counters(b, before, Ip6={"ReasmReqds": 2, "ReasmFails": 0, "InHdrErrors": 1})
    assert b.drop.snapshot() == {"FRAG_OVERSIZE": 1}
    assert icmp_errors(out) == [(4, 0, 42)]                     # the fragment offset's field
    assert len(b.ip6frag.reasm.queues) == 1                     # the datagram waits on, as Linux's


def test_a_datagram_not_completed_in_60_seconds_times_out():
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6", "Icmp6")
    first, second, _ = in_three(echo6())
    deliver(world, b, [first, second])
    world.run(59.5)
    assert icmp_errors(out) == [] and len(b.ip6frag.reasm.queues) == 1
    world.run(1)
    expect_counters(b, before, Ip6={"ReasmReqds": 2, "ReasmFails": 1, "ReasmTimeout": 1, "ReasmOKs": 0},
                    Icmp6={"OutTimeExcds": 1})
    (error,) = [f for f in out if frame_fields(f).get("icmpv6.type") == 3]
    fields = frame_fields(error)
    assert (fields["icmpv6.code"], fields["ipv6.dst"]) == (1, A6)   # fragment reassembly time exceeded
    assert bytes(first[:48]) in error                           # it quotes the first fragment
    assert b.drop["FRAG_REASM_TIMEOUT"] == 2
    assert b.ip6frag.reasm.queues == {} and b.ip6frag.reasm.mem == 0


def test_ip6frag_time_and_high_thresh_are_sysctls():
    world = quiet_hosts()
    b = world["b"]
    values = {row["name"]: row["value"] for row in b.api.sysctl_list()}
    assert (values["net.ipv6.ip6frag_time"], values["net.ipv6.ip6frag_high_thresh"]) == (60, 4194304)
    b.api.sysctl_set("net.ipv6.ip6frag_time", "5")
    b.api.sysctl_set("net.ipv6.ip6frag_high_thresh", "0")
    first, second, _ = in_three(echo6())
    deliver(world, b, [first, second])                           # the first is taken, then none
    assert b.drop.snapshot() == {"FRAG_MEM_LIMIT": 1}
    world.run(5.1)
    assert b.ipv6.mib.ReasmTimeout == 1


def test_without_its_first_fragment_a_datagram_times_out_silently():
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    before = counters(b, "Ip6")
    deliver(world, b, in_three(echo6())[1:])
    world.run(61)
    expect_counters(b, before, Ip6={"ReasmFails": 1, "ReasmTimeout": 1})
    assert icmp_errors(out) == []


def test_a_flood_of_fragments_stays_under_the_memory_bound_and_ping_still_works():
    world = quiet_hosts()
    a, b = world["a"], world["b"]
    reasm = b.ip6frag.reasm
    packet = echo6()
    charge = 1448 + FRAG_OVERHEAD + QUEUE_OVERHEAD
    flood = [ipv6_fragment(packet, 0, 1448, ident=ident) for ident in range(1, HIGH_THRESH // charge + 200)]
    before = counters(b, "Ip6")
    deliver(world, b, flood)
    assert reasm.mem <= HIGH_THRESH + charge
    refused = b.drop.snapshot()["FRAG_MEM_LIMIT"]
    assert refused == len(flood) - len(reasm.queues) > 100
    expect_counters(b, before, Ip6={"ReasmReqds": len(flood), "ReasmFails": refused})
    session = a.api.ping_open(B6, 56)
    a.api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]        # an unfragmented ping is answered


def test_an_atomic_fragment_is_counted_as_a_reassembly():
    world = quiet_hosts()
    b = world["b"]
    before = counters(b, "Ip6", "Icmp6")
    deliver(world, b, [ipv6_fragment(echo6(56), 0, more=False)])
    expect_counters(b, before, Ip6={"ReasmReqds": 1, "ReasmOKs": 1}, Icmp6={"OutEchoReplies": 1})
    assert b.ip6frag.reasm.queues == {}


def test_a_fragment_header_inside_a_reassembled_datagram_is_refused():
    world = quiet_hosts()
    b = world["b"]
    out = sent_on(b)
    inner = ipv6_fragment(echo6(56), 0, more=False)             # an atomic fragment, fragmented again
    pieces = [ipv6_fragment(inner, 0, 48), ipv6_fragment(inner, 48, more=False)]
    deliver(world, b, pieces)
    assert b.drop.snapshot() == {"IPV6_BAD_EXTHDR": 1}
    assert icmp_errors(out) == [(4, 0, 40)]


def test_the_unfragmentable_part_stays_in_front():
    """Hop-by-hop options before the Fragment header: each fragment carries them, and the
    datagram is walked with them again."""
    world = quiet_hosts()
    b = world["b"]
    before = counters(b, "Ip6", "Icmp6")
    echo = echo6()
    hop = bytes((58, 0, 1, 4, 0, 0, 0, 0))                      # hop-by-hop, PadN
    packet = ipv6_packet(A6, B6, 0, hop + echo[40:])
    pieces = [ipv6_fragment(packet, 0, 1440, unfragmentable=48),
              ipv6_fragment(packet, 1440, more=False, unfragmentable=48)]
    assert pieces[0][6] == 0 and pieces[0][40] == 44
    deliver(world, b, pieces)
    expect_counters(b, before, Ip6={"ReasmOKs": 1}, Icmp6={"OutEchoReplies": 1})


def test_a_datagram_longer_than_65535_with_its_unfragmentable_part_fails():
    """Each fragment ends inside 65535, but the hop-by-hop header in front makes the whole
    longer (ip6_frag_reasm's out_oversize): ReasmFails, not ReasmOKs."""
    world = quiet_hosts()
    b = world["b"]
    before = counters(b, "Ip6")
    hop = bytes((58, 0, 1, 4, 0, 0, 0, 0))
    packet = ipv6_packet(A6, B6, 0, hop + bytes(65520)) + bytes(15)     # 65535 fragmentable bytes
    pieces = [ipv6_fragment(packet, 0, 32768, unfragmentable=48),
              ipv6_fragment(packet, 32768, more=False, unfragmentable=48)]
    b.api.trace_add(count=10)
    deliver(world, b, pieces)
    expect_counters(b, before, Ip6={"ReasmReqds": 2, "ReasmOKs": 0, "ReasmFails": 1})
    assert b.drop.snapshot() == {"FRAG_OVERSIZE": 1} and b.ip6frag.reasm.queues == {}
    assert trace_counters(b).Disagreements == 0


# --- fragmentation -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [3000, 9000])
def test_ping_of_any_size_goes_both_ways_in_fragments(size):
    world = quiet_hosts()
    a, b = world["a"], world["b"]
    before = {name: counters(world[name], "Ip6") for name in "ab"}
    session = a.api.ping_open(B6, size)
    a.api.ping_send(session, 1)
    world.settle()
    (event,) = drain(session)
    assert (event.kind, event.size) == ("reply", size + 8)
    fragments = -(-(size + 8) // 1448)
    for name in "ab":
        expect_counters(world[name], before[name], Ip6={"FragOKs": 1, "FragCreates": fragments, "ReasmOKs": 1,
                                                         "ReasmReqds": fragments, "ReasmFails": 0})


def test_fragments_follow_the_routes_mtu():
    world = quiet_hosts()
    a, b = world["a"], world["b"]
    a.api.route_add(B6, 128, dev="eth0", mtu=1280)
    out = sent_on(a)
    session = a.api.ping_open(B6, 3000)
    a.api.ping_send(session, 1)
    world.settle()
    assert [len(f) - 14 for f in out] == [1280, 1280, 592]
    assert [e.kind for e in drain(session)] == ["reply"]


@pytest.mark.parametrize("mode, sent", [("do", False), ("probe", False), ("want", True), ("dont", True)])
def test_ping_m_do_refuses_locally_what_is_longer_than_the_mtu(mode, sent):
    world = quiet_hosts()
    a = world["a"]
    session = a.api.ping_open(B6, 3000, pmtudisc=mode)
    assert a.api.ping_send(session, 1) is sent
    world.settle()
    events = drain(session)
    if sent:
        assert [e.kind for e in events] == ["reply"]
    else:
        assert [e.message for e in events] == ["local error: message too long, mtu=1500"]


def test_the_unfragmentable_part_is_linuxs():
    hop = bytes((43, 0, 1, 4, 0, 0, 0, 0))
    routing = bytes((60, 0, 0, 0)) + bytes(4)
    dest = bytes((58, 0, 1, 4, 0, 0, 0, 0))
    packet = ipv6_packet(A6, B6, 0, hop + routing + dest + bytes(16))
    assert unfragmentable(packet, 0, len(packet)) == (56, 48)   # destination options after routing: fragmentable
    packet = ipv6_packet(A6, B6, 60, dest + bytes(16))
    assert unfragmentable(packet, 0, len(packet)) == (48, 40)   # and before one: not (ip6_find_1stfragopt)
    packet = ipv6_packet(A6, B6, 58, bytes(16))
    assert unfragmentable(packet, 0, len(packet)) == (40, 6)


def test_the_key_holds_the_input_link_only_for_link_local_and_multicast_destinations():
    """fq_find: (src, dst, identification), and the interface when the destination's scope
    needs it."""
    link = object()
    for dst, keyed in ((B6, False), (a6("fe80::2"), True), (a6("ff02::1"), True)):
        fragment = ipv6_fragment(ipv6_packet(A6, dst, 58, bytes(64)), 0, 16, ident=7)
        key = Fragment(fragment, 0, len(fragment), 40, 6, link).key
        assert key == (A6, dst, 7, link if keyed else None)


def test_header_chain_truncated_is_linuxs():
    first = ipv6_fragment(ipv6_packet(A6, B6, 6, bytes(64)), 0, 19)
    assert header_chain_truncated(first, 40, len(first))
    first = ipv6_fragment(ipv6_packet(A6, B6, 59, bytes(64)), 0, 0)
    assert not header_chain_truncated(first, 40, len(first))   # no next header: nothing to hold


# --- the trace tells what the fast path does -------------------------------------------------

def test_fragment_trains_are_explained_as_they_are_handled():
    world = quiet_hosts()
    b = world["b"]
    b.api.trace_add(count=10 ** 9)
    link = b.links["eth0"]
    stats = trace_counters(b)
    packet = echo6()
    first, second, last = in_three(packet)
    inner = ipv6_fragment(echo6(56), 0, more=False)
    trains = [[first, second, last], [last, second, first], [first, first, second, last],
              [first, ipv6_fragment(packet, 1440, 1456)], [second, first, ipv6_fragment(packet, 8, 1448)],
              [ipv6_fragment(ipv6_packet(A6, B6, 6, bytes(64)), 0, 16)], [ipv6_fragment(packet, 0, 1444)],
              [far_fragment()],
              [ipv6_fragment(packet, 2896, 100, more=False), ipv6_fragment(packet, 2896, 50, more=False)],
              [ipv6_fragment(inner, 0, 48), ipv6_fragment(inner, 48, more=False)]]
    for ident, train in enumerate(trains):
        for fragment in train:
            fragment[44:48] = (0x5000 + ident).to_bytes(4, "big")
        for fragment in train:
            link.deliver(link.mac + PEER_MAC + b"\x86\xdd" + bytes(fragment))
            world.settle()
            assert stats.Disagreements == 0, [rec.steps for rec in b.tracer.records][-1]
    assert b.icmp6.mib.OutEchoReplies == 3
    assert set(b.drop.snapshot()) == {"DUP_FRAG", "FRAG_OVERLAP", "FRAG_TINY", "FRAG_UNALIGNED",
                                      "FRAG_OVERSIZE", "FRAG_BAD_LENGTH", "IPV6_BAD_EXTHDR"}
    assert stats.Compared == sum(map(len, trains))
    steps = [text for rec in b.tracer.records for _, text in rec.steps]
    assert any("reassembled, 3008 bytes from 3 fragments" in text for text in steps)
    assert any("FRAG_TINY" in text and "RFC 7112" in text for text in steps)
    assert any("sent in 3 fragments of 1448, 1448, 112 data bytes" in text for text in steps)   # the reply
