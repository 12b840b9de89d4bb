"""`capture show N -V` beside `tshark -V` for tunnels and link layers: VXLAN, Geneve, MPLS,
GTP-U, PPPoE, AH/ESP (also over UDP 4500), Linux cooked captures (v1, v2) and BSD loopback.
Every line we print must be one of tshark's (brackets aside), as in test_verbose_tshark.

Public captures from tcpdump's tests (tests/data, PROVENANCE), and frames made here for what
those do not hold (VXLAN's group policy bits, Geneve's options of each class, MPLS's reserved
labels, GTP-U's optional fields and extension headers, PPPoE discovery tags, SLL v2, loopback
families), written to a capture of their link type and read back.
"""
import struct

import pytest

from tests.checker import ipv4, udp
from tests.cli.test_verbose_tshark import DATA, lines_not_tsharks
from tests.tshark import write_pcap
from tests.unit.test_encapsulation_tshark import A, B, FRAMES as ENCAPSULATED, eth, inner_echo, ipv6, pppoe

CAPTURES = [("gso-ipv4-vxlan-ipv4.pcap", 1), ("gso-ipv6-geneve-ipv6.pcap", 1), ("geneve-gcp.pcap", 1),
            ("espudp1.pcap", 1), ("espudp1.pcap", 8), ("02-sunrise-sunset-esp.pcap", 3),
            ("tcp-handshake-nano.pcap", 1), ("tcp-handshake-nano.pcap", 2),     # SLL v1, no address
            ("dns-badcookie.pcap", 1), ("dns-badcookie.pcap", 2),               # loopback, IPv4
            ("mpls-over-udp.pcap", 1), ("mpls-over-udp.pcap", 2)]



def _vxlan(flags: int, gbp: int, vni: int) -> bytes:
    header = struct.pack("!HHI", flags, gbp, vni << 8)
    return eth(0x0800, ipv4(A, B, 17, udp(50000, 4789, header + eth(0x0800, inner_echo()))))


def _geneve(first: int, flags: int, proto: int, vni: int, reserved: int, options: bytes, payload: bytes) -> bytes:
    header = struct.pack("!BBHI", first, flags, proto, (vni << 8) | reserved) + options
    return eth(0x0800, ipv4(A, B, 17, udp(50000, 6081, header + payload)))


def _option(klass: int, kind: int, data: bytes = b"") -> bytes:
    return struct.pack("!HBB", klass, kind, len(data) // 4) + data


def _mpls(labels: list[int]) -> bytes:
    entries = b"".join(struct.pack("!I", (label << 12) | (int(i == len(labels) - 1) << 8) | 63)
                       for i, label in enumerate(labels))
    return eth(0x8847, entries + inner_echo())


def _gtp(flags: int, message: int, extra: bytes, payload: bytes = b"") -> bytes:
    body = extra + payload
    gtp = struct.pack("!BBHI", flags, message, len(body), 0x1F2E3D4C) + body
    return eth(0x0800, ipv4(A, B, 17, udp(2152, 2152, gtp)))


def _tags(*tags: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("!HH", kind, len(value)) + value for kind, value in tags)


GENEVE_OPTIONS = (_option(0x0101, 0x80, b"\x00\x00\x00\x01") + _option(0x0000, 0x00, bytes(8))
                  + _option(0x0300, 0x00) + _option(0xFF00, 0x01) + _option(0x0132, 0x03, bytes(6) + b"\x12\x34"))
ETHERNET_MADE = {
    "vxlan-gbp": _vxlan(0x88C8, 0x1234, 5001),
    "vxlan-no-vni": _vxlan(0x0000, 0, 1),
    "geneve-options": _geneve(len(GENEVE_OPTIONS) // 4, 0xC1, 0x6558, 0x123456, 0xAB, GENEVE_OPTIONS,
                              eth(0x0800, inner_echo())),
    "geneve-ipv4": _geneve(0, 0x00, 0x0800, 0xABCDEF, 0, b"", inner_echo()),
    "mpls-reserved-labels": _mpls([0, 1, 2, 3, 7, 13, 14, 15, 16]),
    "gtp-npdu": _gtp(0x31, 0xFF, struct.pack("!HBB", 42, 7, 0), inner_echo()),
    "gtp-sequence": _gtp(0x32, 0xFF, struct.pack("!HBB", 42, 0, 0), inner_echo()),
    "gtp-echo-request": _gtp(0x32, 0x01, struct.pack("!HBB", 1, 0, 0)),
    "gtp-error-indication": _gtp(0x30, 0x1A, b""),
    "gtp-end-marker": _gtp(0x30, 0xFE, b""),
    "gtp-pdu-session-pdcp": _gtp(0x34, 0xFF, struct.pack("!HBB", 0, 0, 0x85) + bytes((1, 0x00, 0x09, 0xC0))
                                 + bytes((1, 0x00, 0x07, 0x00)), inner_echo()),
    "gtp-udp-port": _gtp(0x34, 0xFF, struct.pack("!HBB", 0, 0, 0x40) + bytes((1, 0x08, 0x68, 0x00)), inner_echo()),
    "gtp-unknown-extension": _gtp(0x34, 0xFF, struct.pack("!HBB", 0, 0, 0x99) + bytes((1, 0xAA, 0xBB, 0x00)),
                                  inner_echo()),
    "gtp-uplink": _gtp(0x34, 0xFF, struct.pack("!HBB", 0, 0, 0x85) + bytes((1, 0x10, 0x09, 0x00)), inner_echo()),
    "gtp-paging": _gtp(0x37, 0xFF, struct.pack("!HBB", 42, 7, 0x85) + bytes((2, 0x00, 0x8A, 0x20, 0, 0, 0, 0)),
                       inner_echo()),
    "pppoe-pado": eth(0x8863, pppoe(0x07, 0, _tags(
        (0x0101, b"abc"), (0x0102, b"AC"), (0x0103, b"\xab\xcd"), (0x0104, b"\x11\x22\x33"),
        (0x0105, struct.pack("!I", 1500) + b"\x01\x02\x03\x04"), (0x0110, b"\xbe\xef"), (0x0999, b"\x01\x02"),
        (0x0201, b"no"), (0x0202, b"no"), (0x0203, b"no"), (0x0108, b"\x00\x07"), (0x0109, b"\x00\x03"),
        (0x0111, b"hi"), (0x0112, b"hi"), (0x0120, b"\x05\xdc"), (0x0106, b"\x00\x01\x00\x02"), (0x0101, b""),
        (0x0000, b"")))),
    "pppoe-padt": eth(0x8863, pppoe(0xA7, 0x0011, _tags((0x0102, b"AC"), (0x0103, b"\x01\x02\x03\x04"),
                                                       (0x0203, b"session over")))),
    **{name: ENCAPSULATED[name] for name in ("ah", "esp-ipv6", "pppoe-session-ip", "gtpu",
                                              "gtpu-seq-ext", "mpls-two-labels")},
}

ECHO = bytes(inner_echo())
SLL2_MADE = {       # protocol, reserved, ifindex, hatype, packet type, address length, address (8 bytes)
    "sll2-ipv4": struct.pack("!HHIHBB8s", 0x0800, 0, 3, 1, 0, 6, b"\x02\0\0\0\0\x01") + ECHO,
    "sll2-outgoing-loopback": struct.pack("!HHIHBB8s", 0x0800, 0, 1, 772, 4, 6, bytes(6)) + ECHO,
    "sll2-none": struct.pack("!HHIHBB8s", 0x0800, 0, 2, 65534, 4, 0, b"") + ECHO,
}
SLL_MADE = {        # packet type, hatype, address length, address (8 bytes), protocol
    "sll-gre": struct.pack("!HHH8sH", 0, 778, 4, bytes((192, 0, 2, 9)), 0x0800) + ECHO,
    "sll-broadcast": struct.pack("!HHH8sH", 1, 1, 6, b"\x02\0\0\0\0\x01", 0x0800) + ECHO,
}
LOOPBACK6 = bytes(15) + b"\x01"
V6_UDP = bytes(ipv6(17, bytes(udp(50000, 50001, b"loopback!", src=LOOPBACK6, dst=LOOPBACK6)),
                    src=LOOPBACK6, dst=LOOPBACK6))
NULL_MADE = {       # the family in the capturing host's order (little-endian here), then its packet
    f"null-family-{family}": struct.pack("<I", family) + V6_UDP for family in (24, 28, 30)
}
NULL_MADE["null-family-big-endian"] = struct.pack(">I", 2) + ECHO

MADE = [(name, linktype, frames) for linktype, frames in ((1, ETHERNET_MADE), (276, SLL2_MADE), (113, SLL_MADE),
                                                          (0, NULL_MADE)) for name in frames]


@pytest.mark.parametrize("name,number", CAPTURES, ids=[f"{n}:{i}" for n, i in CAPTURES])
def test_public_captures_print_only_tsharks_lines(tmp_path, capsys, name, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / name, number) == []


@pytest.mark.parametrize("name,linktype,frames", MADE, ids=[name for name, _, _ in MADE])
def test_made_frames_print_only_tsharks_lines(tmp_path, capsys, name, linktype, frames):
    path = tmp_path / f"{name}.pcap"
    write_pcap(path, [frames[name]], linktype)
    assert lines_not_tsharks(tmp_path, capsys, path, 1) == []
