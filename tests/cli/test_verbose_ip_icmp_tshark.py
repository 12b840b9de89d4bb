"""ICMP, ICMPv6, IPv4 and IPv6 beside `tshark -V` (4.0): RFC 8335 extended echo with its RFC 4884
extension objects (interface identification and information, MPLS label stacks), the PREF64
NDP option, Hop-by-Hop options (experimental, CALIPSO, a payload length 0 with no Jumbo
Payload option) and IPv4 headers tshark gives up on (bad version, header or total length):
every line we print is one of tshark's, and so are the Protocol and Info columns."""
import struct

import pytest

from stack.wire.checksum import checksum
from stack.wire.icmpv6 import build
from tests.cli.test_capture_hostile import pcap
from tests.cli.test_verbose_tshark import DATA, columns_by_both, lines_not_tsharks, selected_by_both

FRAMES = [("icmp-rfc8335.pcap", n) for n in (1, 2, 3, 5, 6, 8, 9, 10)] + \
    [("icmp6-rfc8335.pcap", n) for n in (2, 4, 6)] + [("icmpv6-ra-pref64.pcap", n) for n in (1, 2, 3, 4)] + \
    [("icmp_ext_oob_poc.pcap", 1), ("ipv4_invalid_total_length_2.pcap", 1),
     ("ipv6_missing_jumbo_payload_option.pcap", 1), ("ipv6-too-long-jumbo.pcap", 1)]


@pytest.mark.parametrize("name,number", FRAMES, ids=[f"{n}:{i}" for n, i in FRAMES])
def test_every_line_we_print_is_one_of_tsharks(tmp_path, capsys, name, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / name, number) == []


@pytest.mark.parametrize("number", (1, 3, 5))
def test_an_icmpv6_extended_echo_request_is_tsharks(tmp_path, capsys, number):
    """tshark counts its extension structure as the icmp protocol (eth:ethertype:ipv6:icmpv6:icmp)."""
    assert lines_not_tsharks(tmp_path, capsys, DATA / "icmp6-rfc8335.pcap", number) == []


# --- crafted frames -----------------------------------------------------------------------

ETH4 = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
ETH6 = bytes.fromhex("020000000002020000000001") + b"\x86\xdd"
S4, D4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
SHORT = 21          # a header given up on makes a short tree: fewer lines than test_verbose_tshark asks
S6, D6 = bytes.fromhex("20010db8" + "00" * 11 + "01"), bytes.fromhex("20010db8" + "00" * 11 + "02")


def ip4(payload: bytes, proto: int = 1) -> bytes:
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, S4, D4))
    hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
    return ETH4 + bytes(hdr) + payload


def icmp(kind: int, code: int, rest: bytes) -> bytes:
    message = bytearray(struct.pack("!BBH", kind, code, 0) + rest)
    message[2:4] = struct.pack("!H", checksum(bytes(message)))
    return bytes(message)


def ip6(payload: bytes, nxt: int = 58, plen=None) -> bytes:
    length = len(payload) if plen is None else plen
    return ETH6 + struct.pack("!IHBB16s16s", 6 << 28, length, nxt, 255, S6, D6) + payload


def ext(objects, version: int = 2, csum=None) -> bytes:
    structure = bytearray(bytes([version << 4, 0, 0, 0]) + b"".join(objects))
    structure[2:4] = struct.pack("!H", checksum(bytes(structure)) if csum is None else csum)
    return bytes(structure)


def obj(kind: int, ctype: int, data: bytes, length=None) -> bytes:
    return struct.pack("!HBB", 4 + len(data) if length is None else length, kind, ctype) + data


def request(structure: bytes, code: int = 0) -> bytes:
    return ip4(icmp(42, code, struct.pack("!HBB", 0x1234, 5, 1) + structure))


INDEX = obj(3, 2, struct.pack("!I", 7))
RA = struct.pack("!BBHII", 64, 0, 1800, 0, 0)


def pref64(plc: int, length: int = 2) -> bytes:
    body = (struct.pack("!H", 100 << 3 | plc) + bytes.fromhex("20010db8000100640000ff9b")).ljust(22, b"\xaa")
    return bytes([38, length]) + body[:length * 8 - 2]


CRAFTED = {
    "extension checksum zero": request(ext([INDEX], csum=0)),
    "extension checksum bad": request(ext([INDEX], csum=0x1234)),
    "extension version 1": request(ext([INDEX], version=1)),
    "extension version 3": request(ext([INDEX], version=3)),
    "identification, unknown c-type": request(ext([obj(3, 5, b"abcd")])),
    "identification by name": request(ext([obj(3, 1, b"eth0\0\0\0\0")])),
    "identification, name past the message": request(ext([obj(3, 1, b"eth0", length=20)])),
    "object with bad length": request(ext([obj(3, 2, b"", length=2)])),
    "mpls label stack": request(ext([obj(1, 1, bytes.fromhex("0006413fdeadbe0100"))])),
    "interface information, every part": request(ext([obj(2, 0x0F, struct.pack("!IHH4s", 9, 1, 0, S4) + bytes([8])
                                                           + b"eth0123" + struct.pack("!I", 1500))])),
    "interface information, ipv6 next hop": request(ext([obj(2, 0xC4, struct.pack("!HH16s", 2, 0, S6))])),
    "interface information, unknown family": request(ext([obj(2, 0x0F, struct.pack("!IHH4s", 9, 7, 0, S4))])),
    "extension of 2 bytes": request(b"\x20\x00"),
    "no extension": request(b""),
    "identification by ipv6 address": request(ext([obj(3, 3, struct.pack("!HBB16s", 2, 16, 0, S6))])),
    "identification by unknown family": request(ext([obj(3, 3, struct.pack("!HBB", 7, 3, 0) + b"abc")])),
    "identification, index past the message": request(ext([obj(3, 2, b"\x00")])),
    "unknown object, then another": request(ext([obj(99, 1, b""), INDEX])),
    "truncated object": request(ext([INDEX, obj(58, 51, b"\x00\x0d", length=26003)])),
    "unknown code": request(ext([INDEX]), code=5),
    "reply": ip4(icmp(43, 3, struct.pack("!HBB", 0x1234, 5, 0x47))),
    "reply, unknown state and code": ip4(icmp(43, 9, struct.pack("!HBB", 0x1234, 5, 0xFF) + ext([INDEX]))),
    "request cut in its header": ip4(icmp(42, 0, struct.pack("!HB", 0x1234, 5))),
    "icmpv6 request": ip6(build(160, 0, struct.pack("!HBB", 0x1234, 5, 1) + ext([INDEX]), S6, D6)),
    "icmpv6 reply": ip6(build(161, 0, struct.pack("!HBB", 0x1234, 5, 0x47) + ext([INDEX]), S6, D6)),
    "icmpv6 request, no extension": ip6(build(160, 3, struct.pack("!HBB", 0x1234, 5, 1), S6, D6)),
    "icmpv6 reply, unknown code": ip6(build(161, 9, struct.pack("!HBB", 0x1234, 5, 0xFF), S6, D6)),
    "icmpv6 request cut in its header": ip6(build(160, 0, struct.pack("!HB", 0x1234, 5), S6, D6)),
    **{f"pref64, plc {plc}": ip6(build(134, 0, RA + pref64(plc), S6, D6)) for plc in range(8)},
    "pref64, longer": ip6(build(134, 0, RA + pref64(0, 3), S6, D6)),
    "pref64, too short for its prefix": ip6(build(134, 0, RA + pref64(1, 1), S6, D6)),
    "hop-by-hop, experimental and calipso": ip6(bytes([59, 1, 0xFE, 2, 0xAB, 0xCD, 0x07, 8]) + struct.pack(
        "!IBBH", 3, 0, 9, 0x1234), nxt=0),
    "hop-by-hop, calipso too short": ip6(bytes([59, 0, 0x07, 4, 0, 0, 0, 3]), nxt=0),
    "ipv4, bad version": ETH4 + bytes([0x55]) + ip4(bytes(40))[15:],
    "ipv4, header length 16": ETH4 + bytes([0x44]) + ip4(bytes(40))[15:],
    "ipv4, total length under the header's": ETH4 + ip4(bytes(40))[14:16] + b"\x00\x13" + ip4(bytes(40))[18:],
}
NAMES = list(CRAFTED)


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    path = tmp_path_factory.mktemp("crafted") / "ip_icmp.pcap"
    path.write_bytes(pcap(list(CRAFTED.values())))
    return path


def test_a_header_too_short_for_its_length_reads_as_tsharks(tmp_path, capsys):
    assert lines_not_tsharks(tmp_path, capsys, DATA / "ipv4_invalid_hdr_length.pcap", 1, SHORT) == []


@pytest.mark.parametrize("name", NAMES)
def test_crafted_frames_read_as_tsharks(crafted, tmp_path, capsys, name):
    assert lines_not_tsharks(tmp_path, capsys, crafted, NAMES.index(name) + 1, SHORT) == []


def test_summary_columns_are_tsharks(crafted, tmp_path, capsys):
    ours, theirs = columns_by_both(tmp_path, capsys, crafted)
    assert len(ours) == len(theirs) == len(NAMES)
    assert {NAMES[n]: (o, t) for n, (o, t) in enumerate(zip(ours, theirs)) if o != t} == {}


@pytest.mark.parametrize("expression", [
    "icmp.ext.echo.req.local == 1", "icmp.ext.checksum.status == 0",
    "icmp.ext.class == 2", "icmp.int_info.mtu == 1500", "icmp.mpls.label == 100", "icmp.ext.echo.rsp.state == 2",
    "icmpv6.ext.echo.seq == 5", "icmpv6.opt.pref64.plc == 1", "icmpv6.opt.pref64.scaled_lifetime == 100",
    "ipv6.opt.calipso.doi == 3"])
def test_filters_select_what_tshark_selects(crafted, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, crafted, expression)
    assert ours == theirs and ours
