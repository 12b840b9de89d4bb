"""ARP beside tshark, on frames made here: every opcode, hardware and protocol types that are
not Ethernet/IPv4 (their addresses shown raw), empty addresses, probes, announcements and
gratuitous ARP, and duplicate IPv4 addresses (a second MAC claiming an address: tshark's
"duplicate use of ... detected!").  The Info column, the -V lines and filters must be tshark's."""
import struct

import pytest

from tests.cli.test_capture_hostile import pcap
from tests.cli.test_verbose_tshark import columns_by_both, lines_not_tsharks, selected_by_both

M1, M2, M3, ZERO, BCAST = "020000000001", "020000000002", "020000000003", "000000000000", "ffffffffffff"
A, B, C, NONE = "c0000201", "c0000202", "c0000203", "00000000"

# (opcode, sender MAC, sender IP, target MAC, target IP[, hardware type, protocol type])
FRAMES = [
    (1, M1, A, ZERO, B), (1, M1, NONE, ZERO, B), (1, M1, A, ZERO, A), (1, M1, A, BCAST, A), (2, M1, A, M2, B),
    (2, M1, A, BCAST, A), (2, M1, A, M1, A), (3, M1, NONE, M2, NONE), (4, M1, A, M2, B), (5, M1, A, M2, B),
    (6, M1, A, M2, B), (7, M1, A, M2, B), (8, M1, NONE, M2, NONE), (9, M1, A, M2, B), (10, M1, A, M2, B),
    (0, M1, A, M2, B), (24, M1, A, M2, B), (0x7501, M1, A, ZERO, A), (1, M1, A, ZERO, B, 6),
    (1, M1, A, ZERO, B, 246), (1, M1, A, ZERO, B, 1, 0x86DD), (1, "", A, "", B), (1, M1, "", ZERO, ""),
    (1, M1, NONE, BCAST, B), (2, M1, NONE, ZERO, B), (1, M1, A, M2, A),
    # duplicates: M2 claims A (M1's); a reply's target is checked too, a request's is not
    (1, M1, A, ZERO, B), (1, M2, A, ZERO, B), (2, M2, B, M1, A), (2, M3, C, M2, A), (2, M3, B, M1, A),
    (1, "2b0000000001", A, ZERO, B), (2, M1, C, M2, A),
]


def arp_frame(op, sha, spa, tha, tpa, htype=1, ptype=0x0800) -> bytes:
    sha, spa, tha, tpa = (bytes.fromhex(x) for x in (sha, spa, tha, tpa))
    body = struct.pack("!HHBBH", htype, ptype, len(sha), len(spa), op) + sha + spa + tha + tpa
    frame = bytes.fromhex(BCAST + M1) + b"\x08\x06" + body
    return frame + bytes(max(0, 60 - len(frame)))


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("arp") / "arp.pcap"
    path.write_bytes(pcap([arp_frame(*case) for case in FRAMES]))
    return path


def test_info_column_is_tsharks(capture, tmp_path, capsys):
    ours, theirs = columns_by_both(tmp_path, capsys, capture)
    assert ours == theirs
    assert sum("duplicate use of" in info for _, _, info in ours) == 3


@pytest.mark.parametrize("number", range(1, len(FRAMES) + 1))
def test_every_line_we_print_is_one_of_tsharks(capture, tmp_path, capsys, number):
    assert lines_not_tsharks(tmp_path, capsys, capture, number) == []


@pytest.mark.parametrize("expression", [
    "arp.isgratuitous", "arp.isannouncement", "arp.isprobe", "arp.src.hw", "arp.dst.proto", "arp.src.hw_mac",
    "arp.duplicate-address-detected", "arp.duplicate-address-frame == 27", "arp.seconds-since-duplicate-address-frame",
    "arp.opcode == 9", "arp.hw.type == 6", "!arp.src.proto_ipv4"])
def test_filters_select_what_tshark_selects(capture, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, capture, expression)
    assert ours == theirs and (ours or expression.startswith("!"))
