"""traceroute -6's UDP probes on a cable: a probe leaves with the hop limit it was given, to
port 33434 + seq, with a correct UDP checksum; the ICMPv6 errors that quote it reach its
session with their type and code; one that quotes nobody's probe is dropped and counted."""
from stack.wire import ipv6 as ip6wire
from stack.wire import udp as udpwire
from tests.checker import counters

from .lab import drain
from .test_ipv6 import A6, B6, deliver, icmp6, ipv6_packet, sent_by, v6_hosts

ROUTER = ip6wire.addr_from_str("2001:db8::fe")


def probe_frames(frames) -> list:
    return [f for f in frames if f[12:14] == b"\x86\xdd" and f[14 + 6] == ip6wire.NEXTHDR_UDP]


def test_a_probe_carries_its_hop_limit_and_its_answers_reach_the_session():
    world = v6_hosts()
    a = world["a"]
    frames = sent_by(a)
    session = a.api.probe_open(B6, 32)
    a.api.probe_send(session, 1, 1)
    a.api.probe_send(session, 2, 2)
    world.settle()
    probes = probe_frames(frames)
    assert [(p[14 + 7], int.from_bytes(p[54 + 2:54 + 4], "big")) for p in probes] == [(1, 33435), (2, 33436)]
    packet = probes[0][14:]
    length = int.from_bytes(packet[4:6], "big")
    assert udpwire.verify(packet, 40, length, packet[8:24], packet[24:40])
    # a router says time exceeded about probe 1, the host port unreachable about probe 2
    for src, kind, code, probe in ((ROUTER, 3, 0, probes[0][14:]), (B6, 1, 4, probes[1][14:])):
        deliver(world, a, ipv6_packet(src, A6, 58, icmp6(kind, code, bytes(4) + probe, src, A6)))
    events = drain(session)
    assert [(e.seq, e.src, e.type, e.code) for e in events] == [
        (1, "2001:db8::fe", 3, 0), (2, "2001:db8::2", 1, 4)]
    before = counters(a, "Drop")["Drop"].get("NO_SOCKET", 0)
    stranger = bytearray(probes[0][14:])
    stranger[40:42] = (40000).to_bytes(2, "big")                       # a source port no session has
    deliver(world, a, ipv6_packet(ROUTER, A6, 58, icmp6(3, 0, bytes(4) + bytes(stranger), ROUTER, A6)))
    assert drain(session) == []
    assert counters(a, "Drop")["Drop"]["NO_SOCKET"] == before + 1
    a.api.probe_close(session)


def test_traceroute_6_prints_traceroutes_lines_from_those_answers():
    from netsh.commands.traceroute import answer
    from stack.l3.ping import PingEvent
    dst = "2001:db8::2"
    assert answer(PingEvent("error", 1, "2001:db8::fe", type=3, code=0), dst, False) == ("", False)
    assert answer(PingEvent("error", 2, dst, type=1, code=4), dst, False) == ("", True)
    assert answer(PingEvent("error", 2, "2001:db8::fe", type=1, code=3), dst, False) == ("!H", True)
    assert answer(PingEvent("error", 2, "2001:db8::fe", type=1, code=1), dst, False) == ("!X", True)
    assert answer(PingEvent("reply", 3, dst), dst, True) == ("", True)
