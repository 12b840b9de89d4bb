"""Each check a traced frame meets is its own step; a failing one names the field, its value,
and is followed by the drop step under the very name `stats` counts it by."""
import re
import struct

import pytest

from stack.counters import DROP_REASONS
from stack.l3.route import Route
from stack.wire import ipv4 as ipwire
from stack.wire.checksum import checksum
from stack.wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP
from tests.checker import (PEER_MAC, arp, bad_checksum, bad_icmp_checksum, bad_ihl, bad_version,
                           echo_packet, ethernet, fix_csum, frame_to, ipv4, length_below_header,
                           length_beyond_frame, truncated_header)

from .lab import A_IP, B_IP, two_hosts


def ip_frame(make):
    return lambda b: frame_to(b, bytes(make()))


def icmp_frame(icmp: bytes, dst=B_IP, eth_dst=None):
    def build(b):
        body = bytearray(icmp)
        body[2:4] = checksum(body).to_bytes(2, "big")
        ip = ipv4(A_IP, dst, ipwire.PROTO_ICMP, body)
        if eth_dst is None:
            return frame_to(b, bytes(ip))
        return ethernet(eth_dst, PEER_MAC, ETH_P_IP, ip)
    return build


def with_header(**change):
    """An echo request whose IPv4 header differs as asked (checksum fixed up)."""
    def make():
        p = echo_packet(src=change.get("src", A_IP), dst=change.get("dst", B_IP))
        if "flags" in change:
            p[6:8] = change["flags"].to_bytes(2, "big")
        if "proto" in change:
            p[9] = change["proto"]
        return fix_csum(p)
    return make


def arp_frame(htype=1, ptype=0x0800, hlen=6, plen=4, op=1, sha=PEER_MAC, tpa=B_IP, cut=None):
    def build(b):
        body = arp(op, sha, A_IP, b"\0" * 6, tpa, htype=htype, ptype=ptype, hlen=hlen, plen=plen)
        return ethernet(BROADCAST, PEER_MAC, ETH_P_ARP, body[:cut])
    return build


def other_host(b):
    return ethernet(b"\x02\x00\x00\x00\x00\x55", PEER_MAC, ETH_P_IP, echo_packet())


def unknown_ethertype(b):
    return ethernet(b.links["eth0"].mac, PEER_MAC, 0x88B5, b"\0" * 46)


def unreachable_quoting(proto: int, quoted_len: int):
    inner = ipv4(B_IP, A_IP, proto, b"\0" * 8, ident=9)
    return icmp_frame(struct.pack("!BBHI", 3, 1, 0, 0) + bytes(inner[:quoted_len]))


# (id, frame builder, drop reason, the failing step as (layer, regex), the step right before the drop?)
CASES = [
    ("runt", lambda b: b"\x01\x02\x03", "PKT_TOO_SMALL",
     ("ethernet", r"frame length 3 < 14: too short for an Ethernet header \(rx_length_errors\)"), True),
    ("other host", other_host, "OTHERHOST",
     ("ethernet", r".* → 02:00:00:00:00:55: destination is another host's, ours is [0-9a-f:]{17}: "
                  r"not for us \(rx_otherhost\)"), True),
    ("unknown ethertype", unknown_ethertype, "UNHANDLED_PROTO",
     ("ethernet", r"ethertype 0x88b5: no handler registered \(rx_nohandler\)"), True),
    ("ip truncated header", ip_frame(truncated_header), "PKT_TOO_SMALL",
     ("ipv4", r"only 12 bytes after the link header: less than a 20-byte IPv4 header"), True),
    ("ip version", ip_frame(bad_version), "IP_INHDR", ("ipv4", r"version 6: not 4"), True),
    ("ip ihl", ip_frame(bad_ihl), "IP_INHDR", ("ipv4", r"header length 16 \(IHL 4\) < 20: too short"), True),
    ("ip checksum", ip_frame(bad_checksum), "IP_CSUM",
     ("ipv4", r"header checksum 0x[0-9a-f]{4} wrong: should be 0x[0-9a-f]{4} \(InCsumErrors\)"), True),
    ("ip total length beyond", ip_frame(length_beyond_frame), "PKT_TOO_SMALL",
     ("ipv4", r"total length 76 > 36 available: truncated \(InTruncatedPkts\)"), True),
    ("ip total length below", ip_frame(length_below_header), "IP_INHDR",
     ("ipv4", r"total length 12 < header length 20"), True),
    ("ip source ours", ip_frame(with_header(src=B_IP)), "IP_INVALID_SOURCE",
     ("ipv4", r"source 192\.0\.2\.2 is our own address \(on eth0\): a martian, refused"), True),
    ("ip source multicast", ip_frame(with_header(src=bytes([224, 0, 0, 5]))), "IP_INVALID_SOURCE",
     ("ipv4", r"source 224\.0\.0\.5 is multicast: a martian, refused"), True),
    ("ip destination elsewhere", ip_frame(with_header(dst=bytes([198, 51, 100, 7]))), "IP_INADDRERRORS",
     ("ipv4", r"destination 198\.51\.100\.7 is not ours and eth0 does not forward "
              r"\(net\.ipv4\.conf\.eth0\.forwarding = 0\): InAddrErrors"), True),
    ("ip destination multicast", ip_frame(with_header(dst=bytes([224, 0, 0, 1]))), "IP_INVALID_DEST",
     ("ipv4", r"destination 224\.0\.0\.1 is multicast and no group is joined"), True),
    ("ip fragment too far", ip_frame(with_header(flags=0x2000 | 8191)), "FRAG_OVERSIZE",
     ("ipv4", r"fragment 1 of datagram 0x0001 \(offset 65528, 16 bytes, more follow\): dropped: "
              r"FRAG_OVERSIZE \(it ends at byte 65544, past the longest datagram; discarded, ReasmFails\)"),
     True),
    ("ip protocol", ip_frame(with_header(proto=253)), "IP_NOPROTO",
     ("ipv4", r"protocol 253: no handler \(InUnknownProtos\), answer protocol unreachable"), False),
    ("icmp checksum", ip_frame(bad_icmp_checksum), "ICMP_CSUM",
     ("icmp", r"checksum 0x[0-9a-f]{4} wrong: should be 0x[0-9a-f]{4} \(InCsumErrors\)"), True),
    ("icmp short", icmp_frame(b"\x08\x00\x00\x00"), "PKT_TOO_SMALL",
     ("icmp", r"length 4 < 8: too short for an ICMP header \(InErrors\)"), True),
    ("icmp type", icmp_frame(struct.pack("!BBHHH", 13, 0, 0, 1, 1) + b"\0" * 12), "ICMP_UNHANDLED",
     ("icmp", r"type 13 code 0 \(Timestamp request\): not a type this stack acts on"), True),
    ("icmp broadcast echo", icmp_frame(struct.pack("!BBHHH", 8, 0, 0, 7, 1), dst=bytes([192, 0, 2, 255]),
                                       eth_dst=BROADCAST), "ICMP_BROADCAST",
     ("icmp", r"type 8 code 0 \(Echo \(ping\) request\) id 0x0007 seq 1 to a broadcast: "
              r"ignored \(icmp_echo_ignore_broadcasts\)"), True),
    ("echo reply without session", icmp_frame(struct.pack("!BBHHH", 0, 0, 0, 0x4321, 5)), "NO_SOCKET",
     ("ping", r"echo reply id 0x4321 seq 5 from 192\.0\.2\.1: no ping session has that id"), True),
    ("error quoting too little", unreachable_quoting(ipwire.PROTO_ICMP, 20), "PKT_TOO_SMALL",
     ("icmp", r"type 3 code 1 \(Destination unreachable\): quotes 20 bytes, "
              r"fewer than an IPv4 header and 8 more \(InErrors\)"), True),
    ("error quoting udp", unreachable_quoting(ipwire.PROTO_UDP, 28), "NO_SOCKET",
     ("traceroute", r"it quotes UDP from port 0 to 0: not a traceroute probe of ours"), True),
    ("arp short", arp_frame(cut=20), "PKT_TOO_SMALL",
     ("arp", r"20 bytes: shorter than the 28-byte ARP body for Ethernet/IPv4"), True),
    ("arp hardware", arp_frame(htype=6), "ARP_UNSUPPORTED",
     ("arp", r"hardware type 6, address length 6: not Ethernet \(1, 6\)"), True),
    ("arp protocol", arp_frame(ptype=0x86DD, plen=16), "ARP_UNSUPPORTED",
     ("arp", r"protocol type 0x86dd, address length 16: not IPv4 \(0x0800, 4\)"), True),
    ("arp opcode", arp_frame(op=3), "ARP_INVALID", ("arp", r"opcode 3: neither request \(1\) nor reply \(2\)"), True),
    ("arp sender multicast", arp_frame(sha=b"\x01\x00\x5e\x00\x00\x01"), "ARP_INVALID",
     ("arp", r"sender MAC 01:00:5e:00:00:01 is multicast: invalid"), True),
    ("arp not for us", arp_frame(tpa=bytes([192, 0, 2, 77])), "ARP_NOT_FOR_US",
     ("arp", r"a request for another host: no reply; an entry for 192\.0\.2\.1 is updated, none is made"), False),
]


@pytest.mark.parametrize("build, reason, failing, right_before", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_failing_check_names_its_field_and_the_drop_counter_stats_uses(build, reason, failing, right_before):
    w = two_hosts()
    b = w["b"]
    b.api.trace_add(count=1)
    b.links["eth0"].deliver(build(b))
    w.settle()
    (record,) = b.api.trace_show()["records"]
    steps = [(s["layer"], s["text"]) for s in record["steps"]]
    assert record["verdict"] == f"dropped: {reason}"
    assert steps[-1] == ("drop", f"{reason}: {DROP_REASONS[reason]}")
    assert b.api.stats("Drop")["Drop"] == {reason: 1}         # the same name, counted once
    layer, pattern = failing
    found = [i for i, (lay, text) in enumerate(steps) if lay == layer and re.fullmatch(pattern, text)]
    assert found, f"no {layer} step matching {pattern!r} in {steps}"
    if right_before:
        assert found == [len(steps) - 2]


def test_a_wrong_checksum_step_gives_the_value_that_would_be_right():
    w = two_hosts()
    b = w["b"]
    good = echo_packet()
    bad = bytearray(good)
    bad[10] ^= 0xFF
    b.api.trace_add(count=1)
    b.links["eth0"].deliver(frame_to(b, bytes(bad)))
    (record,) = b.api.trace_show()["records"]
    assert (f"header checksum 0x{int.from_bytes(bad[10:12], 'big'):04x} wrong: "
            f"should be 0x{int.from_bytes(good[10:12], 'big'):04x} (InCsumErrors)") == record["steps"][-2]["text"]


def test_a_protocol_unreachable_is_shown_between_the_check_and_the_drop():
    w = two_hosts()
    b = w["b"]
    b.api.neigh_add("eth0", A_IP, PEER_MAC)
    b.api.trace_add(count=1)
    b.links["eth0"].deliver(ip_frame(with_header(proto=253))(b))
    (record,) = b.api.trace_show()["records"]
    tail = [(s["layer"], s["text"].split(":")[0]) for s in record["steps"]][-8:]
    assert tail == [("ipv4", "protocol 253"),
                    ("icmp", "send ICMP Destination unreachable (Protocol unreachable) to 192.0.2.1, "
                             "quoting the packet's start"),
                    ("ipv4", "output to 192.0.2.1"), ("ipv4", "source 192.0.2.2"), ("ipv4", "length 56 ≤ mtu 1500"),
                    ("neigh", "192.0.2.1 dev eth0"), ("link", "tx on eth0"), ("drop", "IP_NOPROTO")]


def test_no_icmp_error_about_a_broadcast_says_why():
    w = two_hosts()
    b = w["b"]
    p = with_header(dst=bytes([192, 0, 2, 255]), proto=253)()
    b.api.trace_add(count=1)
    b.links["eth0"].deliver(ethernet(BROADCAST, PEER_MAC, ETH_P_IP, p))
    (record,) = b.api.trace_show()["records"]
    texts = [s["text"] for s in record["steps"]]
    assert ("no ICMP Destination unreachable (Protocol unreachable) sent: "
            "it came to a broadcast address") in texts
    assert record["verdict"] == "dropped: IP_NOPROTO"


def test_an_arp_reply_confirms_the_waiting_entry_and_sends_what_waited():
    w = two_hosts()
    a, b = w["a"], w["b"]
    session = b.api.ping_open(A_IP, 8)
    b.api.ping_send(session, 1)                 # b's echo request waits for a's MAC: INCOMPLETE
    b.api.trace_add(count=1, expression="arp")
    w.settle()
    (record,) = b.api.trace_show()["records"]
    mac_a = a.links["eth0"].mac.hex(":")
    texts = [s["text"] for s in record["steps"]]
    assert "a reply, unicast and for us: proof of reachability; an entry for 192.0.2.1 is updated, none is made" in texts
    assert f"192.0.2.1 dev eth0 lladdr {mac_a}: INCOMPLETE → REACHABLE; 1 waiting packet sent now" in texts
    assert record["verdict"] == "answered: 1 frame sent"


def test_the_route_a_reply_takes_names_a_gateway():
    w = two_hosts()
    a, b = w["a"], w["b"]
    far = bytes([203, 0, 113, 9])
    b.ipv4.fib.add(Route(ipwire.to_int(far), 32, b.links["eth0"], gateway=A_IP, protocol="static",
                         scope="global"))
    b.api.neigh_add("eth0", A_IP, a.links["eth0"].mac)
    b.api.trace_add(count=1)
    b.links["eth0"].deliver(frame_to(b, bytes(echo_packet(src=far))))
    (record,) = b.api.trace_show()["records"]
    texts = [s["text"] for s in record["steps"]]
    assert any(t.startswith("output to 203.0.113.9: route 203.0.113.9 via 192.0.2.1 dev eth0")
               and t.endswith("next hop 192.0.2.1 (gateway)") for t in texts), texts


def test_explanations_never_fail_and_agree_with_the_counters_on_mangled_frames():
    """Valid frames with random bytes changed: no explainer breaks, the tracer finds the drop
    each foresees is the one the stack makes, and a 'dropped: X' verdict is the Drop counter that moved."""
    import random
    from stack.trace import trace_counters
    rnd = random.Random(7)
    foreseen_drops = 0
    w = two_hosts()
    b = w["b"]
    seeds = [frame_to(b, bytes(echo_packet())), arp_frame()(b),
             icmp_frame(struct.pack("!BBHHH", 0, 0, 0, 7, 1))(b), unreachable_quoting(ipwire.PROTO_ICMP, 28)(b)]
    for _ in range(400):
        frame = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randrange(1, 4)):
            frame[rnd.randrange(len(frame))] = rnd.randrange(256)
        if rnd.random() < 0.2:
            frame = frame[:rnd.randrange(len(frame))]
        before = dict(b.api.stats("Drop")["Drop"])
        b.api.trace_add(count=1)
        b.links["eth0"].deliver(bytes(frame))
        w.settle()
        record = b.api.trace_show(1)["records"][0]
        assert all(s["layer"] != "trace" for s in record["steps"]), record
        after = b.api.stats("Drop")["Drop"]
        moved = {r: n - before.get(r, 0) for r, n in after.items() if n != before.get(r, 0)}
        if record["verdict"].startswith("dropped: "):
            assert record["verdict"][len("dropped: "):] in moved, (record, moved)
        assert set(moved) <= set(DROP_REASONS)
        if b.tracer.records[-1].predicted is not None:
            foreseen_drops += 1
    assert trace_counters(b).Disagreements == 0
    assert foreseen_drops > 100, foreseen_drops
