"""IPv4 fragments on pair cables under the fake clock: reassembly (in order, out of order,
duplicates, overlaps, tiny first fragments, time-outs and the memory bound) and
fragmentation (sizes, offsets, MF, options), every counter on the path pinned."""
import pytest

from stack.l3.ipv4_frag import fragment_plan, options_fragment
from stack.l3.reassembly import FRAG_OVERHEAD, HIGH_THRESH, MAX_FRAGMENTS, QUEUE_OVERHEAD
from stack.packet import Packet
from stack.wire import ipv4 as ipwire
from tests.checker import (counters, echo_packet, expect_counters, expect_frame, fix_csum, frame_fields,
                           frame_to, icmp_echo, ipv4, ipv4_fragment)

from .lab import A_IP, B_IP, drain, two_hosts

REASM = ("ReasmReqds", "ReasmOKs", "ReasmFails", "ReasmTimeout")


def ready_host():
    """Stacks a and b; b knows a's MAC, so what b answers goes out at once."""
    world = two_hosts()
    for name in ("a", "b"):                              # a quiet wire: no IPv6 chatter
        world[name].api.inet6_conf("eth0", disable_ipv6=True)
    world["b"].api.neigh_add("eth0", A_IP, world["a"].links["eth0"].mac)
    return world, world["b"]


def sent_on(stack, link: str = "eth0") -> list:
    """Frames `stack` transmits on `link` from now on."""
    frames = []
    stack.links[link].tx_tap = frames.append
    return frames


def big_echo(size: int = 3000, ip_ident: int = 0x1c46, src: bytes = A_IP) -> bytearray:
    return echo_packet(src, B_IP, bytes(i & 0xFF for i in range(size)), ip_ident=ip_ident)


def deliver(world, stack, packets) -> None:
    for packet in packets:
        stack.links["eth0"].deliver(frame_to(stack, bytes(packet)))
    world.settle()


def in_three(packet):
    """A 3028-byte echo as Linux sends it over a 1500-byte MTU: 1480 + 1480 + 48 data bytes."""
    return [ipv4_fragment(packet, 0, 1480), ipv4_fragment(packet, 1480, 1480),
            ipv4_fragment(packet, 2960, more=False)]


# --- reassembly ------------------------------------------------------------------------------

@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)], ids=["in order", "reversed", "first last"])
def test_a_datagram_is_reassembled_in_any_order_and_answered(order):
    world, b = ready_host()
    out = sent_on(b)
    pieces = in_three(big_echo())
    deliver(world, b, [pieces[i] for i in order])
    expect_counters(b, Ip={"InReceives": 3, "ReasmReqds": 3, "ReasmOKs": 1, "ReasmFails": 0, "InDelivers": 1},
                    Icmp={"InEchos": 1, "OutEchoReps": 1})
    assert b.drop.snapshot() == {}
    assert [f["ip.len"] for f in map(frame_fields, out)] == [1500, 1500, 68]    # the reply, fragmented
    assert b.ipfrag.reasm.queues == {} and b.ipfrag.reasm.mem == 0


def test_a_duplicate_is_dropped_and_the_datagram_still_completes():
    world, b = ready_host()
    first, second, last = in_three(big_echo())
    deliver(world, b, [first, second, first, last])
    expect_counters(b, Ip={"ReasmReqds": 4, "ReasmOKs": 1, "ReasmFails": 0}, Icmp={"OutEchoReps": 1})
    assert b.drop.snapshot() == {"DUP_FRAG": 1}


def test_a_fragment_inside_data_held_back_to_back_is_a_duplicate_as_the_kernel_says():
    """The kernel's fragment runs: [0,1480) and [1480,2960) received in order are one run, so
    [8,1488) lies inside it; received the other way round they are two runs and it overlaps."""
    world, b = ready_host()
    packet = big_echo()
    first, second, last = in_three(packet)
    inside = ipv4_fragment(packet, 8, 1480)
    deliver(world, b, [first, second, inside, last])
    assert b.drop.snapshot() == {"DUP_FRAG": 1} and b.icmp.mib.OutEchoReps == 1
    world, b = ready_host()
    deliver(world, b, [second, first, inside, last])
    assert b.drop.snapshot() == {"FRAG_OVERLAP": 3} and b.icmp.mib.OutEchoReps == 0


def test_an_overlapping_fragment_discards_the_whole_datagram():
    world, b = ready_host()
    packet = big_echo()
    first, _, last = in_three(packet)
    overlapping = ipv4_fragment(packet, 1472, 1488, more=False)      # bytes 1472..2960, over the first's end
    deliver(world, b, [first, overlapping])
    expect_counters(b, Ip={"ReasmReqds": 2, "ReasmOKs": 0, "ReasmFails": 1}, IpExt={"ReasmOverlaps": 1})
    assert b.drop.snapshot() == {"FRAG_OVERLAP": 2}          # the one held and the one that overlapped
    assert b.ipfrag.reasm.queues == {} and b.ipfrag.reasm.mem == 0
    deliver(world, b, [last])                                 # a queue of its own now, incomplete
    assert b.icmp.mib.OutEchoReps == 0 and len(b.ipfrag.reasm.queues) == 1


@pytest.mark.parametrize("proto, data, tiny", [
    (ipwire.PROTO_TCP, 16, True), (ipwire.PROTO_TCP, 24, False),
    (ipwire.PROTO_UDP, 8, False), (ipwire.PROTO_ICMP, 8, False),
])
def test_a_tiny_first_fragment_is_rejected(proto, data, tiny):
    world, b = ready_host()
    packet = ipv4(A_IP, B_IP, proto, bytes(64), ident=77)
    deliver(world, b, [ipv4_fragment(packet, 0, data)])
    if tiny:
        assert b.drop.snapshot() == {"FRAG_TINY": 1}
        expect_counters(b, Ip={"ReasmReqds": 1, "ReasmFails": 1})
        assert b.ipfrag.reasm.queues == {}
    else:
        assert b.drop.snapshot() == {} and len(b.ipfrag.reasm.queues) == 1


@pytest.mark.parametrize("pieces, reason", [
    ([(1480, 100, False), (1600, 8, True)], "FRAG_BAD_LENGTH"),      # data past the end
    ([(1480, 100, False), (1480, 200, False)], "FRAG_BAD_LENGTH"),   # two different ends
    ([(0, 1480, True), (1480, 4, True)], "FRAG_BAD_LENGTH"),         # no whole 8-byte block
    ([(65528, 8, True)], "FRAG_OVERSIZE"),                           # past 65535
])
def test_a_corrupt_train_discards_its_datagram(pieces, reason):
    world, b = ready_host()
    packet = echo_packet(A_IP, B_IP, bytes(3000))
    frames = []
    for offset, length, more in pieces:
        frag = ipv4_fragment(packet, 0, 0, more)
        frag += bytes(length)
        frag[2:4] = len(frag).to_bytes(2, "big")
        frag[6:8] = ((offset >> 3) | (ipwire.FLAG_MF if more else 0)).to_bytes(2, "big")
        frames.append(frag)
    deliver(world, b, [fix_csum(f) for f in frames])
    assert b.drop.snapshot() == {reason: len(pieces)}       # the one that failed, and those held
    expect_counters(b, Ip={"ReasmReqds": len(pieces), "ReasmOKs": 0, "ReasmFails": 1})
    assert b.ipfrag.reasm.queues == {}


def test_a_datagram_never_completed_times_out_with_time_exceeded_to_its_sender():
    world, b = ready_host()
    out = sent_on(b)
    packet = big_echo()
    first, second, _ = in_three(packet)
    deliver(world, b, [first, second])
    world.run(29.5, step=0.5)
    assert b.ipv4.mib.ReasmTimeout == 0 and out == []
    world.run(1.0, step=0.5)
    expect_counters(b, Ip={"ReasmReqds": 2, "ReasmFails": 1, "ReasmTimeout": 1, "ReasmOKs": 0},
                    Icmp={"OutTimeExcds": 1})
    assert b.drop.snapshot() == {"FRAG_REASM_TIMEOUT": 2}
    assert b.ipfrag.reasm.queues == {} and b.ipfrag.reasm.mem == 0
    (frame,) = out
    expect_frame(frame, ip={"dst": A_IP, "src": B_IP}, icmp={"type": 11, "code": 1})
    quoted = frame[14 + 20 + 8:]
    assert quoted == bytes(first[:28])                       # the first fragment's header and 8 bytes
    assert world["a"].icmp.mib.InTimeExcds == 1


def test_no_time_exceeded_when_the_first_fragment_never_came():
    world, b = ready_host()
    out = sent_on(b)
    _, second, last = in_three(big_echo())
    deliver(world, b, [second, last])
    world.run(31, step=1)
    expect_counters(b, Ip={"ReasmFails": 1, "ReasmTimeout": 1}, Icmp={"OutTimeExcds": 0})
    assert out == [] and b.drop.snapshot() == {"FRAG_REASM_TIMEOUT": 2}


def test_a_flood_of_incomplete_datagrams_stays_under_the_byte_bound_and_echo_still_works():
    world, b = ready_host()
    reasm = b.ipfrag.reasm
    count = 3000                                        # 3000 first fragments of 1480 bytes: 5.2 MB
    for ident in range(count):
        first = ipv4_fragment(big_echo(ip_ident=ident), 0, 1480)
        b.links["eth0"].deliver(frame_to(b, bytes(first)))
        assert reasm.mem <= HIGH_THRESH + 1480 + FRAG_OVERHEAD + QUEUE_OVERHEAD
    world.settle()
    held = len(reasm.queues)
    per_queue = QUEUE_OVERHEAD + FRAG_OVERHEAD + 1480
    assert held == HIGH_THRESH // per_queue + 1         # taken while mem <= the bound, one past it
    assert b.drop.snapshot() == {"FRAG_MEM_LIMIT": count - held}
    expect_counters(b, Ip={"ReasmReqds": count, "ReasmFails": count - held})
    session = world["a"].api.ping_open(B_IP, 56)        # unfragmented traffic is answered
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    big = world["a"].api.ping_open(B_IP, 3000)          # a fragmented one is refused while full
    world["a"].api.ping_send(big, 1)
    world.settle()
    assert drain(big) == [] and b.drop["FRAG_MEM_LIMIT"] == count - held + 3
    world.run(31, step=1)                               # the queues time out: memory comes back
    assert reasm.queues == {} and reasm.mem == 0
    assert b.drop["FRAG_REASM_TIMEOUT"] == held
    world["a"].api.ping_send(big, 2)
    world.settle()
    assert [(e.kind, e.size) for e in drain(big)] == [("reply", 3008)]


def test_a_queue_holds_a_bounded_number_of_fragments():
    world, b = ready_host()
    packet = echo_packet(A_IP, B_IP, bytes(40000))
    frames = [ipv4_fragment(packet, 8 * (2 * i + 1), 8) for i in range(MAX_FRAGMENTS + 1)]  # gaps between
    deliver(world, b, frames)
    assert b.drop.snapshot() == {"FRAG_TOO_MANY": MAX_FRAGMENTS + 1}
    expect_counters(b, Ip={"ReasmReqds": MAX_FRAGMENTS + 1, "ReasmFails": 1})
    assert b.ipfrag.reasm.queues == {}


def test_datagrams_are_told_apart_by_source_destination_id_and_protocol():
    world, b = ready_host()
    one, two = big_echo(ip_ident=5), big_echo(ip_ident=6)
    udp_five = ipv4(A_IP, B_IP, ipwire.PROTO_UDP, bytes(3008), ident=5)
    first_one, second_one, last_one = in_three(one)
    deliver(world, b, [first_one, in_three(two)[0], ipv4_fragment(udp_five, 1480, 1480), second_one, last_one])
    assert len(b.ipfrag.reasm.queues) == 2 and b.icmp.mib.OutEchoReps == 1 and b.drop.snapshot() == {}


# --- fragmentation -------------------------------------------------------------------------

@pytest.mark.parametrize("size, mtu, lengths", [
    (3000, 1500, [1500, 1500, 68]),
    (9000, 1500, [1500] * 6 + [148]),
    (1473, 1500, [1500, 21]),
    (3000, 1006, [1004, 1004, 1004, 76]),       # 986 data bytes fit, 984 (whole blocks) go
    (200, 68, [68, 68, 68, 68, 36]),
])
def test_our_big_ping_goes_out_in_fragments_linux_would_make(size, mtu, lengths):
    world = two_hosts()
    a = world["a"]
    a.api.link_set("eth0", mtu=mtu)
    world["b"].api.link_set("eth0", mtu=mtu)
    a.api.neigh_add("eth0", B_IP, world["b"].links["eth0"].mac)
    out = sent_on(a)
    session = a.api.ping_open(B_IP, size)
    a.api.ping_send(session, 1)
    world.settle()
    requests = [frame_fields(f) for f in out[:len(lengths)]]
    assert [f["ip.len"] for f in requests] == lengths
    offsets = [0]
    for length in lengths[:-1]:
        offsets.append(offsets[-1] + (length - 20) // 8)
    assert [f["ip.frag_offset"] for f in requests] == offsets
    assert [f["ip.flags.mf"] for f in requests] == [1] * (len(lengths) - 1) + [0]
    assert {f["ip.flags.df"] for f in requests} == {0}
    assert len({f["ip.id"] for f in requests}) == 1
    assert all(ipwire.validate(frame, 14, len(frame)) == (20, length) for frame, length in zip(out, lengths))
    expect_counters(a, Ip={"OutRequests": 1, "FragOKs": 1, "FragCreates": len(lengths), "FragFails": 0})
    ((kind, got),) = [(e.kind, e.size) for e in drain(session)]
    assert (kind, got) == ("reply", size + 8)
    expect_counters(world["b"], Ip={"ReasmOKs": 1, "FragOKs": 1, "FragCreates": len(lengths)})


@pytest.mark.parametrize("mode, size, df, error", [
    ("want", 1472, 1, None), ("want", 1473, 0, None), ("dont", 100, 0, None),
    ("do", 1472, 1, None), ("do", 1473, None, "local error: message too long, mtu=1500"),
    ("probe", 1473, None, "local error: message too long, mtu=1500"),
])
def test_ping_pmtudisc_modes_set_df_as_iputils(mode, size, df, error):
    world = two_hosts()
    a = world["a"]
    a.api.neigh_add("eth0", B_IP, world["b"].links["eth0"].mac)
    out = sent_on(a)
    session = a.api.ping_open(B_IP, size, pmtudisc=mode)
    assert a.api.ping_send(session, 1) is (error is None)
    world.settle()
    events = drain(session)
    if error:
        assert out == [] and [e.message for e in events] == [error]
        expect_counters(a, Ip={"FragFails": 1, "FragOKs": 0})
        assert a.drop.snapshot() == {"PKT_TOO_BIG": 1}
    else:
        assert frame_fields(out[0])["ip.flags.df"] == df and [e.kind for e in events] == ["reply"]


def test_fragments_copy_only_the_options_whose_copy_flag_is_set():
    world, b = ready_host()
    a = world["a"]
    options = (bytes([7, 7, 4]) + bytes(4)         # record route: not copied
               + bytes([148, 4, 0, 0])             # router alert: copied
               + bytes([0]))                       # end of options
    header = bytearray(ipv4(A_IP, B_IP, ipwire.PROTO_ICMP, ident=0x4242))
    header[0] = 0x40 | (20 + len(options)) // 4
    datagram = bytearray(header + options + icmp_echo(payload=bytes(1000)))
    datagram[2:4] = len(datagram).to_bytes(2, "big")
    pkt = Packet.of(bytes(fix_csum(datagram)))
    pkt.network = pkt.data
    frames = []
    assert a.ipfrag.fragment(pkt, 576, frames.append) is None
    assert [len(f) for f in frames] == [32 + 544, 32 + 464]
    assert bytes(frames[0].buf[frames[0].data + 20:frames[0].data + 32]) == options
    later = bytes([1] * 7) + bytes([148, 4, 0, 0]) + bytes([0])
    for frag in frames[1:]:
        assert bytes(frag.buf[frag.data + 20:frag.data + 32]) == later
    assert options_fragment(bytes(header[:20]) + options)[20:] == later
    deliver(world, b, [f.tobytes() for f in frames])          # b takes them back as one datagram
    expect_counters(b, Ip={"ReasmOKs": 1}, Icmp={"InEchos": 1, "OutEchoReps": 1})


def test_a_fragment_fragmented_again_keeps_its_place_and_its_mf():
    world = two_hosts()
    a = world["a"]
    packet = echo_packet(A_IP, B_IP, bytes(3000))
    middle = ipv4_fragment(packet, 1480, 1480, more=True)
    pkt = Packet.of(bytes(middle))
    frames = []
    assert a.ipfrag.fragment(pkt, 1000, frames.append) is None
    fields = [frame_fields(bytes(12) + b"\x08\x00" + f.tobytes()) for f in frames]
    assert [(f["ip.frag_offset"] * 8, f["ip.len"] - 20, f["ip.flags.mf"]) for f in fields] == [
        (1480, 976, 1), (2456, 504, 1)]


def test_a_datagram_with_df_is_not_fragmented():
    world = two_hosts()
    a = world["a"]
    pkt = Packet.of(bytes(ipv4(A_IP, B_IP, ipwire.PROTO_ICMP, bytes(3000), flags_frag=ipwire.FLAG_DF)))
    frames = []
    assert a.ipfrag.fragment(pkt, 1500, frames.append) == "PKT_TOO_BIG"
    assert frames == [] and a.ipv4.mib.FragFails == 1 and a.drop.snapshot() == {"PKT_TOO_BIG": 1}


def test_the_fragment_plan_is_ip_do_fragments():
    assert fragment_plan(20, 3008, 1500) == [(0, 1480), (1480, 1480), (2960, 48)]
    assert fragment_plan(20, 1480, 1500) == [(0, 1480)]
    assert fragment_plan(60, 100, 100) == [(0, 40), (40, 40), (80, 20)]


# --- the trace: one decision, two tellings ---------------------------------------------------

def test_the_trace_tells_queued_reassembled_and_dropped():
    world, b = ready_host()
    b.api.trace_add(count=10)
    packet = big_echo()
    first, second, last = in_three(packet)
    deliver(world, b, [first, second, second, last])
    records = b.api.trace_show()["records"]
    told = [[s["text"] for s in r["steps"] if s["layer"] == "ipv4" and s["text"].startswith("fragment")]
            for r in records]
    assert told == [
        ["fragment 1 of datagram 0x1c46 (offset 0, 1480 bytes, more follow): queued (1480 of ? bytes)"],
        ["fragment 2 of datagram 0x1c46 (offset 1480, 1480 bytes, more follow): queued (2960 of ? bytes)"],
        ["fragment 3 of datagram 0x1c46 (offset 1480, 1480 bytes, more follow): dropped: DUP_FRAG "
         "(bytes 1480..2960 are held already; the datagram waits on)"],
        ["fragment 3 of datagram 0x1c46 (offset 2960, 48 bytes, the last): reassembled, 3008 bytes "
         "from 3 fragments"]]
    assert [r["verdict"] for r in records] == [
        told[0][0], told[1][0], "dropped: DUP_FRAG", "answered: 3 frames sent"]
    reply_steps = [s["text"] for s in records[3]["steps"] if "fragments of" in s["text"]]
    assert reply_steps == ["length 3028 > mtu 1500 of eth0: sent in 3 fragments of 1480, 1480, 48 "
                           "data bytes (FragCreates, FragOKs)"]
    assert b.api.stats("Trace")["Trace"]["Disagreements"] == 0


def test_counters_show_in_stats_ip_with_linuxs_names():
    world, b = ready_host()
    ip = b.api.stats("Ip")["Ip"]
    for name in REASM + ("FragOKs", "FragFails", "FragCreates"):
        assert name in ip
    assert "ReasmOverlaps" in b.api.stats("IpExt")["IpExt"]
    assert counters(b, "Ip")["Ip"]["ReasmTimeout"] == 0
