"""802.1Q/802.1ad, IPv6 with extension headers, ICMPv6/NDP and the other capture link types:
dissected, then compared with tshark field by field (and the Info column)."""
import random
import re
import struct
import subprocess
from pathlib import Path

import pytest

from stack.capfile import read
from stack.wire import icmpv6, ipv6, vlan
from stack.wire import ipv4 as ipwire
from stack.wire.checksum import checksum
import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from stack.wire.ethernet import header
from tests.tools import need
from tests.tshark import CHECKSUM_PREFS, compare, our_fields, tshark_fields, write_pcap

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS


MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
A6, B6 = ipv6.addr_from_str("2001:db8::1"), ipv6.addr_from_str("2001:db8::2")
LL_A, LL_B = ipv6.addr_from_str("fe80::1"), ipv6.addr_from_str("fe80::2")
SOLICITED_B = ipv6.addr_from_str("ff02::1:ff00:2")
ALL_NODES, ALL_ROUTERS = ipv6.addr_from_str("ff02::1"), ipv6.addr_from_str("ff02::2")
A4, B4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP = 0, 1, 101, 108
LINKTYPE_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_SLL2 = 113, 228, 229, 276
PREFS = CHECKSUM_PREFS + ("ipv6.defragment:FALSE",)     # we do not reassemble: neither may tshark
MINE = {"vlan", "ieee8021ad", "ipv6", "icmpv6", "sll", "null", "raw", "llc"}


# --- building frames ------------------------------------------------------------------

def ip6(nxt: int, payload: bytes, src=A6, dst=B6, hlim=64, plen=None, tclass=0, flow=0) -> bytes:
    buf = bytearray(ipv6.HEADER_LEN)
    ipv6.write_header(buf, 0, len(payload) if plen is None else plen, nxt, hlim, src, dst, tclass, flow)
    return bytes(buf) + payload


def ip4(proto: int, payload: bytes, src=A4, dst=B4) -> bytes:
    buf = bytearray(20)
    ipwire.write_header(buf, 0, 20 + len(payload), 0x1234, 0, 64, proto, src, dst)
    return bytes(buf) + payload


def icmp4_echo() -> bytes:
    msg = bytearray(struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"ping")
    msg[2:4] = checksum(msg).to_bytes(2, "big")
    return ip4(1, bytes(msg))


def eth(ethertype: int, payload: bytes, dst=MAC_B, src=MAC_A) -> bytes:
    return header(dst, src, ethertype) + payload


def tagged(tags, ethertype: int, payload: bytes) -> bytes:
    return MAC_B + MAC_A + b"".join(vlan.tag(*t) for t in tags) + struct.pack("!H", ethertype) + payload


def echo(kind=128, ident=0x1234, seq=1, data=b"abcdefgh", src=A6, dst=B6) -> bytes:
    return icmpv6.build(kind, 0, struct.pack("!HH", ident, seq) + data, src, dst)


def ext(nxt: int, body: bytes) -> bytes:
    """An extension header (next header, length in 8-octet units beyond the first, body)."""
    assert (len(body) + 2) % 8 == 0
    return bytes([nxt, (len(body) + 2) // 8 - 1]) + body


def lladdr(kind: int, mac: bytes) -> bytes:
    return bytes([kind, 1]) + mac


def prefix_info(prefix: bytes, length: int, flags: int, valid: int, preferred: int) -> bytes:
    return struct.pack("!BBBBIII", 3, 4, length, flags, valid, preferred, 0) + prefix


def ndp(kind: int, body: bytes, src=A6, dst=B6) -> bytes:
    return eth(0x86DD, ip6(58, icmpv6.build(kind, 0, body, src, dst), src, dst, hlim=255))


def error(kind: int, code: int, word: int, quoted: bytes) -> bytes:
    msg = icmpv6.build(kind, code, struct.pack("!I", word) + quoted, B6, A6)
    return eth(0x86DD, ip6(58, msg, B6, A6), MAC_A, MAC_B)


QUOTED_ECHO = ip6(58, echo(), A6, B6)
QUOTED_UDP = ip6(17, struct.pack("!HHHH", 40000, 33434, 12, 0) + b"udp!")
FINAL = ipv6.addr_from_str("2001:db8::99")


def ext_chain() -> bytes:
    """Hop-by-hop (Router Alert, PadN), Destination Options (Pad1s, an unknown option),
    Routing type 0 with one segment left; the ICMPv6 checksum covers the final destination."""
    hbh = ext(60, bytes([5, 2, 0, 0]) + bytes([1, 0]))
    dopts = ext(43, bytes([0, 0]) + bytes([0x1E, 2, 0xAB, 0xCD]))
    rt0 = ext(58, bytes([0, 1]) + bytes(4) + FINAL)
    return eth(0x86DD, ip6(0, hbh + dopts + rt0 + echo(dst=FINAL)))


def srh() -> bytes:
    """Segment Routing Header, two segments, one left: Segment List[0] is the final destination."""
    body = bytes([4, 1, 1, 0]) + bytes(2) + FINAL + B6
    return eth(0x86DD, ip6(43, ext(58, body) + echo(dst=FINAL)))


HOME = ipv6.addr_from_str("2001:db8::77")


def segment(proto: int, src: bytes, dst: bytes) -> bytes:
    """A UDP datagram or TCP SYN whose checksum covers a pseudo-header of `src` and `dst`."""
    if proto == 17:
        seg, at = bytearray(struct.pack("!HHHH", 40000, 33434, 12, 0) + b"udp!"), 6
    else:
        seg, at = bytearray(struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 1000, 0, 0)), 16
    seg[at:at + 2] = checksum(bytes(seg), ipv6.pseudo_header_sum(src, dst, len(seg), proto)).to_bytes(2, "big")
    return bytes(seg)


def home_address(proto: int, summed_src: bytes) -> bytes:
    """Destination Options with a Home Address option (RFC 6275): the pseudo-header's source is
    the home address; `summed_src` is the source the checksum was computed with."""
    dopts = ext(proto, bytes([0xC9, 16]) + HOME + bytes([1, 2, 0, 0]))
    return eth(0x86DD, ip6(60, dopts + segment(proto, summed_src, B6)))


def type2_routing(proto: int, summed_dst: bytes) -> bytes:
    """A type 2 Routing header (RFC 6275), one segment left: the pseudo-header's destination is
    the home address in it."""
    rh2 = ext(proto, bytes([2, 1]) + bytes(4) + HOME)
    return eth(0x86DD, ip6(43, rh2 + segment(proto, A6, summed_dst)))


def fragment(offset: int, more: bool, payload: bytes, nxt: int = 58) -> bytes:
    frag = struct.pack("!BBHI", nxt, 0, offset | int(more), 0xABCD)
    return eth(0x86DD, ip6(44, frag + payload))


def with_bad_checksum(frame: bytes) -> bytes:
    out = bytearray(frame)
    out[14 + 40 + 2] ^= 0x5A
    return bytes(out)


def llc_frame(llc: bytes) -> bytes:
    frame = MAC_B + MAC_A + struct.pack("!H", len(llc)) + llc
    return frame + bytes(max(0, 60 - len(frame)))


ETHERNET_FRAMES = {
    "echo-request": eth(0x86DD, ip6(58, echo())),
    "echo-reply": eth(0x86DD, ip6(58, echo(129, ident=0x4321, src=B6, dst=A6), B6, A6, hlim=63),
                      MAC_A, MAC_B),       # an id no request has: tshark would add "(request in N)"
    "echo-tclass-flow": eth(0x86DD, ip6(58, echo(), tclass=0xB8, flow=0x12345)),
    "bad-checksum": with_bad_checksum(eth(0x86DD, ip6(58, echo()))),
    "vlan-echo": tagged([(0x8100, 5, 1, 100)], 0x86DD, ip6(58, echo())),
    "qinq-echo": tagged([(0x88A8, 0, 0, 200), (0x8100, 3, 0, 2001)], 0x86DD, ip6(58, echo())),
    "vlan-ipv4": tagged([(0x8100, 0, 0, 4094)], 0x0800, icmp4_echo()),
    "vlan-llc": tagged([(0x8100, 7, 0, 1)], 7, b"\x42\x42\x03" + b"stp!") + bytes(30),
    "ns": ndp(135, bytes(4) + B6 + lladdr(1, MAC_A), A6, SOLICITED_B),
    "ns-dad": ndp(135, bytes(4) + B6, bytes(16), SOLICITED_B),
    "na": ndp(136, struct.pack("!I", 0x60000000) + B6 + lladdr(2, MAC_B), B6, A6),
    "na-router": ndp(136, struct.pack("!I", 0x80000000) + B6, B6, ALL_NODES),
    "rs": ndp(133, bytes(4) + lladdr(1, MAC_A), LL_A, ALL_ROUTERS),
    "ra": ndp(134, struct.pack("!BBHII", 64, 0xC0, 1800, 30000, 1000) + lladdr(1, MAC_B)
              + struct.pack("!BBHI", 5, 1, 0, 1500)
              + prefix_info(ipv6.addr_from_str("2001:db8::"), 64, 0xC0, 2592000, 604800), LL_B, ALL_NODES),
    "redirect": ndp(137, bytes(4) + LL_B + FINAL + lladdr(2, MAC_B)
                    + bytes([4, 6]) + bytes(6) + QUOTED_ECHO[:40], LL_A, A6),
    "unknown-option": ndp(135, bytes(4) + B6 + bytes([99, 1]) + bytes(6), A6, SOLICITED_B),
    "option-length-zero": ndp(135, bytes(4) + B6 + bytes([1, 0]) + MAC_A, A6, SOLICITED_B),
    "option-past-end": ndp(135, bytes(4) + B6 + bytes([1, 2]) + MAC_A, A6, SOLICITED_B),
    "unreach-port": error(1, 4, 0, QUOTED_UDP),
    "unreach-admin": error(1, 1, 0, QUOTED_ECHO),
    "too-big": error(2, 0, 1280, QUOTED_ECHO),
    "time-exceeded": error(3, 0, 0, QUOTED_ECHO),
    "param-problem": error(4, 1, 6, QUOTED_ECHO),
    "mld-report": eth(0x86DD, ip6(0, ext(58, bytes([5, 2, 0, 0, 1, 0]))
                                  + icmpv6.build(131, 0, bytes(4) + SOLICITED_B, LL_A, SOLICITED_B),
                                  LL_A, SOLICITED_B, hlim=1)),
    "mld2-report": eth(0x86DD, ip6(58, icmpv6.build(143, 0, struct.pack("!HH", 0, 1)
                                                    + bytes([4, 0, 0, 0]) + SOLICITED_B,
                                                    LL_A, ipv6.addr_from_str("ff02::16")),
                                   LL_A, ipv6.addr_from_str("ff02::16"), hlim=1)),
    "unknown-type": eth(0x86DD, ip6(58, icmpv6.build(200, 3, b"\x01\x02\x03\x04", A6, B6))),
    "ext-chain": ext_chain(),
    "srh": srh(),
    "home-address-udp": home_address(17, HOME),
    "home-address-tcp": home_address(6, HOME),
    "home-address-summed-with-outer-source": home_address(6, A6),
    "type2-routing-udp": type2_routing(17, HOME),
    "type2-routing-tcp": type2_routing(6, HOME),
    "type2-routing-summed-with-outer-destination": type2_routing(17, B6),
    "forty-extension-headers": eth(0x86DD, ip6(60, b"".join(ext(60, bytes(6)) for _ in range(39))
                                              + ext(17, bytes(6)) + segment(17, A6, B6))),
    "fragment-first": fragment(0, True, echo(data=b"x" * 32)[:24]),
    "fragment-later": fragment(154 << 3, False, b"y" * 24),
    "no-next-header": eth(0x86DD, ip6(59, b"\x04" + bytes(7))),
    "padded": eth(0x86DD, ip6(59, b"")) + bytes(6),
    "ipv4-in-ipv6": eth(0x86DD, ip6(4, icmp4_echo())),
    "ipv6-in-ipv6": eth(0x86DD, ip6(41, ip6(58, echo()))),
    "llc-stp": llc_frame(b"\x42\x42\x03" + bytes(35)),
    "llc-snap-ipv4": llc_frame(b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + icmp4_echo()),
    "llc-snap-cdp": llc_frame(b"\xaa\xaa\x03\x00\x00\x0c\x20\x00" + b"cdp-data"),
    "llc-iframe": llc_frame(b"\xf0\xf1\x02\x04" + b"netbios"),
}


def null_header(family: int, order: str) -> bytes:
    return family.to_bytes(4, order)


def sll(pkttype: int, hatype: int, addr: bytes, protocol: int) -> bytes:
    return struct.pack("!HHH8sH", pkttype, hatype, len(addr), addr, protocol)


def sll2(protocol: int, ifindex: int, hatype: int, pkttype: int, addr: bytes) -> bytes:
    return struct.pack("!HHIHBB8s", protocol, 0, ifindex, hatype, pkttype, len(addr), addr)


OTHER_FRAMES = {
    LINKTYPE_NULL: {
        "null-ipv4-le": null_header(2, "little") + icmp4_echo(),
        "null-ipv6-darwin-le": null_header(30, "little") + ip6(58, echo()),
        "null-ipv6-bsd-be": null_header(24, "big") + ip6(58, echo()),
        "null-unknown-family": null_header(99, "little") + b"whatever",
    },
    LINKTYPE_LOOP: {
        "loop-ipv4": null_header(2, "big") + icmp4_echo(),
        "loop-ipv6-freebsd": null_header(28, "big") + ip6(58, echo()),
    },
    LINKTYPE_RAW: {
        "raw-ipv4": icmp4_echo(),
        "raw-ipv6": ip6(58, echo()),
        "raw-version-5": b"\x50" + bytes(19),
    },
    LINKTYPE_IPV4: {"linktype-ipv4": icmp4_echo()},
    LINKTYPE_IPV6: {"linktype-ipv6": ip6(58, echo()), "linktype-ipv6-ns":
                    ip6(58, icmpv6.build(135, 0, bytes(4) + B6 + lladdr(1, MAC_A), A6, SOLICITED_B),
                        A6, SOLICITED_B, hlim=255)},
    LINKTYPE_SLL: {
        "sll-ipv6": sll(0, 1, MAC_A, 0x86DD) + ip6(58, echo()),
        "sll-loopback-ipv4": sll(4, 772, bytes(6), 0x0800) + icmp4_echo(),
        "sll-llc": sll(1, 1, MAC_B, 4) + b"\x42\x42\x03" + bytes(20),
        "sll-gre": sll(3, 778, A4, 0x0800) + icmp4_echo(),
        "sll-no-address": sll(0, 65534, b"", 0x86DD) + ip6(58, echo()),
    },
    LINKTYPE_SLL2: {
        "sll2-ipv6": sll2(0x86DD, 3, 1, 0, MAC_A) + ip6(58, echo()),
        "sll2-ipv4-outgoing": sll2(0x0800, 7, 1, 4, MAC_B) + icmp4_echo(),
    },
}
FRAMES = {LINKTYPE_ETHERNET: ETHERNET_FRAMES, **OTHER_FRAMES}
CASES = [(lt, name) for lt, frames in FRAMES.items() for name in frames]


# --- what we knowingly show differently from tshark 4.0 ---------------------------------

KNOWN = {
    "icmpv6.opt.reserved",     # FT_NONE in tshark (no value); we show the reserved bytes
    "icmpv6.opt.redirected_packet",     # FT_NONE in tshark; we say how long the packet is
    "ipv6.opt.pad1",           # FT_NONE in tshark
    "data.data",               # tshark hands data to a separate "data" tree; compared per layer below
}


# --- tshark plumbing -------------------------------------------------------------------

@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    """For every constructed frame, tshark's fields and Info column."""
    need("tshark")
    out = {}
    for linktype, frames in FRAMES.items():
        path = tmp_path_factory.mktemp("l3") / f"linktype-{linktype}.pcap"
        write_pcap(path, frames.values(), linktype)
        rows, infos = tshark_fields(path, PREFS), tshark_info(path)
        for name, row, info in zip(frames, rows, infos):
            out[(linktype, name)] = (row, info)
    return out


def tshark_info(path) -> list[str]:
    argv = [need("tshark"), "-r", str(path), "-n", "-T", "fields", "-e", "_ws.col.Info"]
    for pref in PREFS:
        argv += ["-o", pref]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return proc.stdout.rstrip("\n").split("\n")


def mine(d) -> dict:
    """Our fields, keeping only the names one of this file's layers emits."""
    names = {node.name for layer in d.layers if layer.name in MINE for node in layer.walk()}
    return {name: values for name, values in our_fields(d).items() if name in names}


INFO_KNOWN = {
    "vlan-llc": "a 4-byte filler for a BPDU: tshark appends [Malformed Packet], we mark the layer short",
    "llc-snap-cdp": "tshark goes on into CDP (and finds our filler malformed)",
    "llc-iframe": "tshark goes on into NetBIOS",
    "option-past-end": "tshark appends [Malformed Packet]; we flag the option in d.problems instead",
}

# Captured files (tests/data/PROVENANCE) for the layers of this file, and the fields where
# tshark 4.0 and we knowingly part ways on that file.
CORPUS = {
    "802.1ad_QinQ.pcap": set(), "arp-too-long-tha.pcap": set(), "ipv4_tcp_http_xml.pcap": set(),
    "802.1D_spanning_tree.pcap": set(), "LINKTYPE_IPV4.pcap": set(), "LINKTYPE_IPV6.pcap": set(),
    "LINKTYPE_RAW_ipv4.pcap": set(), "LINKTYPE_RAW_ipv6.pcap": set(), "LINKTYPE_IPV6_invalid.pcap": set(),
    "icmpv6-RFC2894-RR.pcap": set(), "tcp_rst_diag_payload.pcap": set(), "lsp-ping-timestamp.pcap": set(),
    "tcp-handshake-nano.pcap": set(), "icmpv6.pcap": set(), "icmpv6-ns-nonce.pcap": set(),
    "icmpv6-rfc7112.pcap": set(), "icmpv6_opt24.pcap": set(), "icmpv6-length-zero.pcapng": set(),
    "icmp6_mobileprefix_asan.pcap": set(), "ipv6-routing-header.pcap": set(),
    "ipv6-srh-ext-header.pcap": set(), "ipv6-srh-tlv-pad1-padn-5.pcap": set(),
    "ipv6-srh-tlv-pad1-padn-5-trunc.pcap": set(), "ipv6_no_next_header.pcap": set(),
    "ipv6-bad-version.pcap": set(), "ip6_frag_asan.pcap": set(), "ipv6hdr-heapoverflow.pcap": set(),
    "ipv6_39_byte_header.pcap": set(), "ipv6_invalid_length.pcap": set(),
    "ipv6_frag6_negative_len.pcap": set(), "hoobr_rt6_print.pcap": set(), "ipv6-rthdr-oobr.pcap": set(),
    "ipv6-next-header-oobr-1.pcap": set(), "ipv6_missing_jumbo_payload_option.pcap": set(),
    # IPv4 total length 0, written by segmentation offload: the length is the frame's, as tshark presumes
    "ipv4_tcp_http_xml_tso.pcap": set(), "icmp-length-zero.pcapng": set(),
    # Two Jumbo Payload options: tshark cuts the header at the second one's length and stops
    # there; we walk the whole header and use the last jumbo length only for the payload.
    "ipv6-too-long-jumbo.pcap": {"ipv6.opt.length", "ipv6.opt.type", "ipv6.opt.type.action",
                                 "ipv6.opt.type.change", "ipv6.opt.type.rest", "ipv6.opt.unknown"},
}
DATA = Path(__file__).resolve().parents[1] / "data"


# --- against tshark ---------------------------------------------------------------------

@pytest.mark.parametrize("linktype,name", CASES, ids=[name for _, name in CASES])
def test_fields_agree_with_tshark(linktype, name, theirs):
    d = dissect(FRAMES[linktype][name], linktype)
    row, _ = theirs[(linktype, name)]
    assert set(our_fields(d)) & set(row), "tshark saw none of our fields"
    assert compare(mine(d), row, ignore=KNOWN) == []


@pytest.mark.parametrize("linktype,name", CASES, ids=[name for _, name in CASES])
def test_info_agrees_with_tshark(linktype, name, theirs):
    ours, tshark = dissect(FRAMES[linktype][name], linktype).info, theirs[(linktype, name)][1]
    if name in INFO_KNOWN:      # a listed difference must still be one, or leave the list
        assert ours != tshark, f"{name} now agrees with tshark; drop it from INFO_KNOWN"
        return
    assert ours == tshark


@pytest.mark.parametrize("filename", sorted(CORPUS))
def test_captures_agree_with_tshark(filename):
    path = DATA / filename
    records = list(read(path))
    rows = tshark_fields(path, PREFS)
    assert len(records) == len(rows)
    for number, (rec, row) in enumerate(zip(records, rows), 1):
        d = dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns)
        assert compare(mine(d), row, ignore=KNOWN | CORPUS[filename]) == [], f"{filename} frame {number}"


# --- what the tree says, without tshark -----------------------------------------------------

def test_vlan_fields_are_bit_fields_of_the_tci():
    d = dissect(ETHERNET_FRAMES["vlan-echo"])
    assert [layer.name for layer in d.layers] == ["eth", "vlan", "ipv6", "icmpv6"]
    vid, pcp, dei = d.find("vlan.id"), d.find("vlan.priority"), d.find("vlan.dei")
    assert (vid.value, vid.offset, vid.length, vid.mask) == (100, 14, 2, 0x0FFF)
    assert (pcp.value, pcp.mask, dei.value, dei.mask) == (5, 0xE000, 1, 0x1000)
    assert d.layers[1].label == "802.1Q Virtual LAN, PRI: 5, DEI: 1, ID: 100"
    assert d.find("vlan.etype").display == "IPv6 (0x86dd)"


def test_qinq_outer_service_tag_then_customer_tag():
    d = dissect(ETHERNET_FRAMES["qinq-echo"])
    assert [layer.name for layer in d.layers] == ["eth", "ieee8021ad", "vlan", "ipv6", "icmpv6"]
    assert (d.find("ieee8021ad.id").value, d.find("vlan.id").value) == (200, 2001)
    assert d.find("ieee8021ah.etype").value == 0x8100
    assert d.summary()["protocol"] == "ICMPv6"


def test_tag_builder_refuses_out_of_range_values():
    assert vlan.tag(0x8100, 7, 1, 4095) == b"\x81\x00\xff\xff"
    for bad in ((0x8100, 8, 0, 1), (0x8100, 0, 2, 1), (0x8100, 0, 0, 4096)):
        with pytest.raises(ValueError):
            vlan.tag(*bad)


def test_ipv6_header_fields_and_summary():
    d = dissect(ETHERNET_FRAMES["echo-tclass-flow"])
    assert (d.find("ipv6.tclass").value, d.find("ipv6.tclass.dscp").value, d.find("ipv6.tclass.ecn").value) \
        == (0xB8, 46, 0)
    flow = d.find("ipv6.flow")
    assert (flow.value, flow.offset, flow.length) == (0x12345, 15, 3)
    src = d.find("ipv6.src")
    assert (src.display, src.offset, src.length) == ("2001:db8::1", 22, 16)
    assert d.summary() == {"source": "2001:db8::1", "destination": "2001:db8::2", "protocol": "ICMPv6",
                           "length": len(ETHERNET_FRAMES["echo-tclass-flow"]),
                           "info": "Echo (ping) request id=0x1234, seq=1, hop limit=64"}
    assert d.find("icmpv6.checksum.status").display == "Good"
    assert d.problems == []


def test_addresses_are_rfc5952_text():
    assert ipv6.addr_to_str(ipv6.addr_from_str("2001:DB8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1"
    assert ipv6.addr_to_str(ipv6.addr_from_str("::ffff:192.0.2.1")) == "::ffff:192.0.2.1"
    with pytest.raises(ValueError):
        ipv6.addr_from_str("2001:db8::g")


def test_routing_header_final_destination_feeds_the_pseudo_header():
    for name in ("ext-chain", "srh"):
        d = dissect(ETHERNET_FRAMES[name])
        assert d.summary()["destination"] == "2001:db8::99", name
        assert d.find("ipv6.dst").display == "2001:db8::2", name
        assert d.find("icmpv6.checksum.status").display == "Good", name


def test_mobile_ipv6_addresses_feed_the_pseudo_header_and_the_columns():
    """tshark sums a Home Address option's address as the source and a type 2 routing header's
    as the destination, and shows them in the columns (the layer's label keeps the header's)."""
    for name, column in (("home-address-udp", "source"), ("home-address-tcp", "source"),
                         ("type2-routing-udp", "destination"), ("type2-routing-tcp", "destination")):
        d = dissect(ETHERNET_FRAMES[name])
        assert d.summary()[column] == "2001:db8::77", name
        assert d.layers[1].label == "Internet Protocol Version 6, Src: 2001:db8::1, Dst: 2001:db8::2"
        status = d.find("udp.checksum.status") or d.find("tcp.checksum.status")
        assert status.display == "Good", name
    for name in ("home-address-summed-with-outer-source", "type2-routing-summed-with-outer-destination"):
        status = dissect(ETHERNET_FRAMES[name]).find("udp.checksum.status") or \
            dissect(ETHERNET_FRAMES[name]).find("tcp.checksum.status")
        assert status.display == "Bad", name


def test_extension_header_options():
    d = dissect(ETHERNET_FRAMES["ext-chain"])
    assert [n.label for n in d.find("ipv6.hopopts").children if n.name == "ipv6.opt"] == \
        ["Router Alert", "PadN"]
    assert d.find("ipv6.opt.router_alert").value == 0
    assert d.find("ipv6.hopopts.len_oct").value == 8
    assert d.find("ipv6.routing.src.addr").display == "2001:db8::99"


def test_fragments():
    first = dissect(ETHERNET_FRAMES["fragment-first"])
    assert first.find("ipv6.fraghdr.more").value == 1
    assert first.find("icmpv6.checksum.status").display == "Unverified"     # the rest is elsewhere
    later = dissect(ETHERNET_FRAMES["fragment-later"])
    assert [layer.name for layer in later.layers] == ["eth", "ipv6", "data"]
    assert later.find("ipv6.fraghdr.offset").value == 154
    assert later.info == "IPv6 fragment (off=1232 more=n ident=0x0000abcd nxt=58)"


def test_padding_after_the_payload_belongs_to_ethernet():
    d = dissect(ETHERNET_FRAMES["padded"])
    pad = d.find("eth.padding")
    assert (pad.offset, pad.length) == (54, 6)
    assert d.info == "IPv6 no next header"


def test_icmpv6_error_quotes_the_invoking_packet_and_keeps_the_summary():
    d = dissect(ETHERNET_FRAMES["too-big"])
    assert [layer.name for layer in d.layers] == ["eth", "ipv6", "icmpv6", "ipv6", "icmpv6"]
    assert d.find("icmpv6.mtu").value == 1280
    assert d.summary()["source"] == "2001:db8::2"
    assert d.info == "Packet Too Big"


def test_ndp_summaries():
    assert dissect(ETHERNET_FRAMES["ns"]).info == \
        "Neighbor Solicitation for 2001:db8::2 from 02:00:00:00:00:01"
    assert dissect(ETHERNET_FRAMES["na"]).info == \
        "Neighbor Advertisement 2001:db8::2 (sol, ovr) is at 02:00:00:00:00:02"
    ra = dissect(ETHERNET_FRAMES["ra"])
    assert ra.info == "Router Advertisement from 02:00:00:00:00:02"
    assert (ra.find("icmpv6.nd.ra.flag.m").value, ra.find("icmpv6.nd.ra.flag.o").value) == (1, 1)
    assert ra.find("icmpv6.opt.prefix").display == "2001:db8::"
    assert ra.find("icmpv6.opt.mtu").value == 1500


def test_option_length_zero_is_marked_and_ends_the_walk():
    d = dissect(ETHERNET_FRAMES["option-length-zero"])
    assert d.find("icmpv6.opt").problem == "malformed: option length 0"
    assert d.find("icmpv6.opt.linkaddr") is None


def test_bad_checksum_is_shown_not_fatal():
    d = dissect(ETHERNET_FRAMES["bad-checksum"])
    assert d.find("icmpv6.checksum.status").display == "Bad"
    assert any("bad checksum" in p for p in d.problems)


def test_null_family_in_either_byte_order():
    for name in ("null-ipv6-darwin-le", "null-ipv6-bsd-be"):
        d = dissect(OTHER_FRAMES[LINKTYPE_NULL][name], LINKTYPE_NULL)
        assert [layer.name for layer in d.layers] == ["null", "ipv6", "icmpv6"], name
    assert dissect(OTHER_FRAMES[LINKTYPE_NULL]["null-ipv4-le"], LINKTYPE_NULL).find("null.family").value == 2


def test_linux_cooked_captures():
    d = dissect(OTHER_FRAMES[LINKTYPE_SLL2]["sll2-ipv6"], LINKTYPE_SLL2)
    assert (d.find("sll.ifindex").value, d.find("sll.src.eth").display) == (3, "02:00:00:00:00:01")
    assert d.find("sll.etype").offset == 0
    d = dissect(OTHER_FRAMES[LINKTYPE_SLL]["sll-llc"], LINKTYPE_SLL)
    assert [layer.name for layer in d.layers] == ["sll", "llc", "stp"]


def test_raw_picks_the_network_layer_by_version():
    raw = OTHER_FRAMES[LINKTYPE_RAW]
    assert [layer.name for layer in dissect(raw["raw-ipv4"], LINKTYPE_RAW).layers] == ["raw", "ip", "icmp"]
    assert [layer.name for layer in dissect(raw["raw-ipv6"], LINKTYPE_RAW).layers] == \
        ["raw", "ipv6", "icmpv6"]


def test_llc_snap_hands_on_by_ethertype():
    d = dissect(ETHERNET_FRAMES["llc-snap-ipv4"])
    assert [layer.name for layer in d.layers] == ["eth", "llc", "ip", "icmp"]
    assert d.find("llc.type").value == 0x0800


# --- robustness -------------------------------------------------------------------------------

def all_frames():
    for linktype, frames in FRAMES.items():
        for frame in frames.values():
            yield linktype, frame
    for filename in sorted(CORPUS):
        for rec in read(DATA / filename):
            yield rec.linktype, rec.data


def check(frame: bytes, linktype: int) -> None:
    d = dissect(frame, linktype)
    for layer in d.layers:
        assert layer.name != "_ws.malformed", layer.problem       # a dissector raised
        for node in layer.walk():
            assert 0 <= node.offset and node.offset + node.length <= len(frame), node.name
            node.display


def test_truncation_at_every_length_never_raises():
    for linktype, frame in all_frames():
        for cut in range(len(frame) + 1):
            check(frame[:cut], linktype)


def test_seeded_random_byte_flips_never_raise():
    rnd = random.Random(20260611)
    frames = list(all_frames())
    for _ in range(20000):
        linktype, frame = rnd.choice(frames)
        mutated = bytearray(frame)
        for _ in range(rnd.randrange(1, 6)):
            if mutated:
                mutated[rnd.randrange(len(mutated))] = rnd.getrandbits(8)
        check(bytes(mutated), linktype)


def test_a_long_chain_of_extension_headers_is_walked_to_its_end_as_tshark_does():
    """No limit of our own: each header takes 8 bytes at least, so the packet bounds the walk."""
    chain = b"".join(ext(60, bytes(6)) for _ in range(199)) + ext(17, bytes(6))
    d = dissect(eth(0x86DD, ip6(60, chain + segment(17, A6, B6))))
    assert d.problems == []
    assert sum(1 for node in d.find("ipv6").children if node.name == "ipv6.dstopts") == 200
    assert d.summary()["protocol"] == "UDP"
    assert d.find("udp.checksum.status").display == "Good"


def test_llc_control_fields_read_as_tsharks(tmp_path):
    """Each U function (SARM as a command, DM as a response, the poll bit) and each S function:
    the Control field line and its function's name, as `tshark -V` writes them."""
    frames = [llc_frame(bytes([0xF0, 0xF0, ctl]) + bytes(10)) for ctl in (0x03, 0x0F, 0x43, 0x63, 0x6F, 0x87,
                                                                           0xAF, 0xE3, 0x13)]
    frames += [llc_frame(bytes([0xF0, 0xF1, 0x0F]) + bytes(10))]
    frames += [llc_frame(bytes([0xF0, 0xF0, ctl, 0x04]) + bytes(10)) for ctl in (0x01, 0x05, 0x09)]
    path = tmp_path / "llc.pcap"
    write_pcap(path, frames)
    text = subprocess.run([need("tshark"), "-n", "-r", str(path), "-V"], capture_output=True, text=True,
                          timeout=120).stdout
    theirs = re.findall(r"\n    Control field: (.*)\n", text)
    ours = [dissect(frame).find("llc.control").display for frame in frames]
    assert ours == theirs
    names = re.findall(r"= (?:Command|Response|Supervisory frame type): (.*)\n", text)
    ours = [node.display for frame in frames for node in dissect(frame).find("llc.control").children
            if node.name in ("llc.control.u_modifier_cmd", "llc.control.u_modifier_resp", "llc.control.s_ftype")]
    assert ours == names
