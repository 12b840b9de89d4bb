"""Tunnels and encapsulations against tshark, field by field: GRE (keys, sequence, checksum,
transparent Ethernet, ERSPAN I/II), VXLAN, Geneve, MPLS (over Ethernet and UDP), IP-in-IP,
6in4, AH, ESP (also over UDP 4500), PPPoE discovery and session with PPP, GTP-U, LLMNR.

Public captures from tcpdump's tests (tests/data, PROVENANCE) and frames made here; the inner
packets are dissected too, so tshark's fields of the inner IP, TCP and ICMP must agree as well.
"""
import struct

import pytest

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.capfile.reader import read
from stack.wire import icmpv6
from stack.wire.dissect import dissect
from stack.wire.ethernet import header
from stack.wire.ipv6 import addr_from_str as a6
from tests.checker import echo_packet, ipv4, udp
from tests.frames import DATA
from tests.tshark import compare, our_fields, tshark_fields, write_pcap

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
A, B = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
C, D = bytes([198, 51, 100, 1]), bytes([203, 0, 113, 9])
A6, B6 = a6("2001:db8::1"), a6("2001:db8::2")
C6, D6 = a6("2001:db8:1::1"), a6("2001:db8:2::2")

# Fields we knowingly answer otherwise, and why.
KNOWN = {
    "ip.version",       # tshark's IPv6 tree repeats the version as ip.version too
    "data.data",        # tshark splits trailing data across layers its own way
}


def eth(ethertype: int, payload: bytes) -> bytes:
    return header(MAC_B, MAC_A, ethertype) + bytes(payload)


def inner_echo() -> bytes:
    return bytes(echo_packet(C, D, b"tunnel!!"))


def gre(proto: int, payload: bytes, flags: int = 0, extra: bytes = b"") -> bytes:
    return struct.pack("!HH", flags, proto) + extra + payload


def ipv6(nxt: int, payload: bytes, src=A6, dst=B6) -> bytes:
    return struct.pack("!IHBB", 6 << 28, len(payload), nxt, 64) + src + dst + payload


def icmpv6_echo(src: bytes, dst: bytes) -> bytes:
    return icmpv6.build(128, 0, b"\x00\x01\x00\x01" + b"six-in-4", src, dst)


def dns_query(name: bytes) -> bytes:
    question = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0" + b"\x00\x01\x00\x01"
    return struct.pack("!HHHHHH", 0x1234, 0, 1, 0, 0, 0) + question


def pppoe(code: int, session: int, payload: bytes) -> bytes:
    return struct.pack("!BBHH", 0x11, code, session, len(payload)) + payload


def gtpu(payload: bytes, flags: int = 0x30, extra: bytes = b"") -> bytes:
    body = extra + payload
    return struct.pack("!BBHI", flags, 0xFF, len(body), 0x1F2E3D4C) + body


FRAMES = {
    "gre-ipv4": eth(0x0800, ipv4(A, B, 47, gre(0x0800, inner_echo()))),
    "gre-key-seq": eth(0x0800, ipv4(A, B, 47, gre(0x0800, inner_echo(), 0x3000,
                                                   struct.pack("!II", 0xABCDEF01, 77)))),
    "gre-checksum": eth(0x0800, ipv4(A, B, 47, gre(0x0800, inner_echo(), 0x8000, b"\x12\x34\x00\x00"))),
    "gre-teb": eth(0x0800, ipv4(A, B, 47, gre(0x6558, eth(0x0800, inner_echo())))),
    "gre-ipv6-outer": eth(0x86DD, ipv6(47, gre(0x0800, inner_echo()))),
    "mpls-two-labels": eth(0x8847, struct.pack("!II", (1000 << 12) | (5 << 9) | 64,
                                               (17 << 12) | (1 << 8) | 63) + inner_echo()),
    "ipip": eth(0x0800, ipv4(A, B, 4, inner_echo())),
    "6in4": eth(0x0800, ipv4(A, B, 41, ipv6(58, icmpv6_echo(C6, D6), C6, D6))),
    "4in6": eth(0x86DD, ipv6(4, inner_echo())),
    "ah": eth(0x0800, ipv4(A, B, 51, struct.pack("!BBHII", 1, 4, 0, 0x1000, 5) + bytes(range(12))
                            + inner_echo()[20:])),
    "esp-ipv6": eth(0x86DD, ipv6(50, struct.pack("!II", 0xC0FFEE, 9) + bytes(32))),
    "pppoe-padi": eth(0x8863, pppoe(0x09, 0, struct.pack("!HH", 0x0101, 0) + struct.pack("!HH", 0x0103, 4)
                                    + b"\x01\x02\x03\x04")),
    "pppoe-session-ip": eth(0x8864, pppoe(0x00, 0x0017, b"\x00\x21" + inner_echo())),
    "gtpu": eth(0x0800, ipv4(A, B, 17, udp(2152, 2152, gtpu(inner_echo())))),
    "gtpu-seq-ext": eth(0x0800, ipv4(A, B, 17, udp(2152, 2152, gtpu(
        inner_echo(), 0x36, struct.pack("!HBB", 42, 0, 0x85) + bytes((1, 0x00, 0x09, 0x00)))))),
    "llmnr": eth(0x0800, ipv4(A, bytes([224, 0, 0, 252]), 17, udp(49152, 5355, dns_query(b"printer.lan")))),
    "vxlan-truncated": eth(0x0800, ipv4(A, B, 17, udp(50000, 4789, b"\x08\x00\x00"))),
}

CAPTURES = ["gso-ipv4-vxlan-ipv4.pcap", "gso-ipv6-geneve-ipv6.pcap", "geneve-gcp.pcap",
            "erspan-type-ii-1.pcap", "erspan-type-i-1.pcap", "mpls-over-udp.pcap", "pppoes.pcap",
            "espudp1.pcap", "02-sunrise-sunset-esp.pcap",
            "802.1D_spanning_tree.pcap", "802.1w_rapid_STP.pcap"]      # spanning tree BPDUs over LLC


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    path = tmp_path_factory.mktemp("tshark") / "encaps.pcap"
    write_pcap(path, FRAMES.values())
    return dict(zip(FRAMES, tshark_fields(path)))


@pytest.mark.parametrize("name", list(FRAMES))
def test_made_frames_agree_with_tshark(name, theirs):
    ours = our_fields(dissect(FRAMES[name]))
    shared = set(ours) & set(theirs[name])
    assert len(shared) >= 5, f"too few shared fields: {sorted(shared)}"
    assert compare(ours, theirs[name], ignore=KNOWN) == []


@pytest.mark.parametrize("name", CAPTURES)
def test_public_captures_agree_with_tshark(name):
    path = DATA / name
    records = list(read(path))
    rows = tshark_fields(path)
    assert len(records) == len(rows)
    for number, (rec, row) in enumerate(zip(records, rows), start=1):
        ours = our_fields(dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns))
        assert compare(ours, row, ignore=KNOWN) == [], f"frame {number}"


@pytest.mark.parametrize("name, path", [
    ("gre-teb", ["eth", "ip", "gre", "eth", "ip", "icmp"]),
    ("mpls-two-labels", ["eth", "mpls", "mpls", "ip", "icmp"]),
    ("6in4", ["eth", "ip", "ipv6", "icmpv6"]),
    ("ah", ["eth", "ip", "ah", "icmp"]),
    ("gtpu-seq-ext", ["eth", "ip", "udp", "gtp", "ip", "icmp"]),
    ("pppoe-session-ip", ["eth", "pppoes", "ppp", "ip", "icmp"]),
    ("llmnr", ["eth", "ip", "udp", "llmnr"]),
])
def test_the_inner_packet_is_what_the_summary_shows(name, path):
    d = dissect(FRAMES[name])
    assert [layer.name for layer in d.layers] == path
    if path[-1] in ("icmp", "icmpv6"):
        assert "Echo (ping) request" in d.info


def test_a_truncated_tunnel_header_is_marked_not_raised():
    d = dissect(FRAMES["vxlan-truncated"])
    assert d.layers[-1].name == "vxlan" and d.problems
