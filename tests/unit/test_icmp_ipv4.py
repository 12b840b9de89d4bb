"""IPv4 validation and ICMP echo, with every counter on the path pinned (PyTCP style)."""
import pytest

from stack.wire.ethernet import BROADCAST, ETH_P_IP
from tests.checker import (PEER_MAC, bad_checksum, bad_icmp_checksum, bad_ihl, bad_version, echo_packet,
                           ethernet, expect_counters, frame_to, ipv4, length_below_header,
                           length_beyond_frame, truncated_header)

from .lab import A_IP, B_IP, drain, two_hosts


def nonzero(d):
    return {k: v for k, v in d.items() if v}


def test_echo_round_trip_counters():
    w = two_hosts()
    a, b = w["a"], w["b"]
    session = a.api.ping_open(B_IP, 56)
    for seq in (1, 2, 3):
        a.api.ping_send(session, seq)
        w.settle()
    events = drain(session)
    assert [(e.kind, e.seq, e.ttl, e.size, e.src) for e in events] == [
        ("reply", s, 64, 64, "192.0.2.2") for s in (1, 2, 3)]
    assert all(e.rtt_ms == 0.0 for e in events)     # the fake clock did not move
    assert nonzero(b.api.stats("Icmp")["Icmp"]) == {"InMsgs": 3, "InEchos": 3, "OutMsgs": 3, "OutEchoReps": 3}
    assert nonzero(a.api.stats("Icmp")["Icmp"]) == {"InMsgs": 3, "InEchoReps": 3, "OutMsgs": 3, "OutEchos": 3}
    assert b.api.stats("IcmpMsg")["IcmpMsg"] == {"InType8": 3, "OutType0": 3}
    assert nonzero(b.api.stats("Ip")["Ip"]) == {"InReceives": 3, "InDelivers": 3, "OutRequests": 3}
    assert b.api.stats("Drop")["Drop"] == {}


@pytest.mark.parametrize("make, reason, mib", [
    (bad_checksum, "IP_CSUM", {"InReceives": 1, "InHdrErrors": 1}),
    (bad_version, "IP_INHDR", {"InReceives": 1, "InHdrErrors": 1}),
    (bad_ihl, "IP_INHDR", {"InReceives": 1, "InHdrErrors": 1}),
    (length_beyond_frame, "PKT_TOO_SMALL", {"InReceives": 1}),
    (length_below_header, "IP_INHDR", {"InReceives": 1, "InHdrErrors": 1}),
    (truncated_header, "PKT_TOO_SMALL", {"InReceives": 1}),
    (bad_icmp_checksum, "ICMP_CSUM", {"InReceives": 1, "InDelivers": 1}),
])
def test_malformed_ipv4_is_dropped_by_name_and_echo_still_works(make, reason, mib):
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.links["eth0"].deliver(frame_to(b, bytes(make())))
    assert b.drop.snapshot() == {reason: 1}
    assert nonzero(b.api.stats("Ip")["Ip"]) == mib
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.settle()
    assert [e.kind for e in drain(session)] == ["reply"]


def test_frame_padding_is_trimmed_to_total_length():
    w = two_hosts()
    b = w["b"]
    b.api.neigh_add("eth0", A_IP, w["a"].links["eth0"].mac)
    b.links["eth0"].deliver(frame_to(b, bytes(echo_packet()) + b"\0" * 10))
    expect_counters(b, Icmp={"InEchos": 1, "OutEchoReps": 1})
    assert b.drop.snapshot() == {}


@pytest.mark.parametrize("frame, reason, counter", [
    (b"\x01\x02\x03", "PKT_TOO_SMALL", "rx_length_errors"),
    (b"\x02\x00\x00\x00\x00\x55" + b"\x02" * 6 + b"\x08\x00" + b"\0" * 46, "OTHERHOST", "rx_otherhost"),
])
def test_ethernet_drops(frame, reason, counter):
    w = two_hosts()
    b = w["b"]
    link = b.links["eth0"]
    link.deliver(frame)
    assert b.drop.snapshot() == {reason: 1}
    assert getattr(link.stats, counter) == 1


def test_unknown_ethertype_is_counted_as_nohandler():
    w = two_hosts()
    b = w["b"]
    link = b.links["eth0"]
    link.deliver(ethernet(link.mac, PEER_MAC, 0x88B5, b"\0" * 46))
    assert b.drop.snapshot() == {"UNHANDLED_PROTO": 1}
    assert link.stats.rx_nohandler == 1


def test_unknown_ip_protocol_gets_protocol_unreachable():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.neigh_add("eth0", A_IP, a.links["eth0"].mac)
    b.links["eth0"].deliver(frame_to(b, bytes(ipv4(A_IP, B_IP, 253, b"data"))))
    w.settle()
    expect_counters(b, Ip={"InUnknownProtos": 1}, Icmp={"OutDestUnreachs": 1})
    expect_counters(a, Icmp={"InDestUnreachs": 1})


def test_not_for_us_counts_in_addr_errors():
    w = two_hosts()
    b = w["b"]
    b.links["eth0"].deliver(frame_to(b, bytes(echo_packet(dst=bytes([198, 51, 100, 7])))))
    assert b.ipv4.mib.InAddrErrors == 1
    assert b.drop.snapshot() == {"IP_INADDRERRORS": 1}


def test_broadcast_echo_is_ignored_like_linux():
    w = two_hosts()
    b = w["b"]
    link = b.links["eth0"]
    frame = ethernet(BROADCAST, PEER_MAC, ETH_P_IP, echo_packet(dst=bytes([192, 0, 2, 255])))
    link.deliver(frame)
    assert b.drop.snapshot() == {"ICMP_BROADCAST": 1}
    assert b.ipv4.ext.InBcastPkts == 1


def test_ping_too_big_with_pmtudisc_do_reports_local_error():
    w = two_hosts()
    a = w["a"]
    session = a.api.ping_open(B_IP, 1500, pmtudisc="do")
    assert a.api.ping_send(session, 1) is False
    (event,) = drain(session)
    assert event.kind == "error" and event.message == "local error: message too long, mtu=1500"


def test_the_whole_loopback_range_is_local():
    w = two_hosts()
    a = w["a"]
    for dst in ("127.0.0.1", "127.1.2.3", "192.0.2.1"):
        session = a.api.ping_open(bytes(int(x) for x in dst.split(".")), 8)
        a.api.ping_send(session, 1)
        w.settle()
        (event,) = drain(session)
        assert (event.kind, event.src) == ("reply", dst)
    assert a.links["lo"].stats.rx_packets == 6
