"""AccECN (RFC 9768) as tshark shows it: after a SYN with AE, CWR and ECE set and a SYN/ACK that
agrees, the three bits of every later segment are one counter, ACE (`[ACK, ACE=3]`, `ACE: 5`,
`···-5-·AP···`, tcp.flags.ace); a SYN/ACK that does not agree leaves them three flags."""
import struct

import pytest

from tests.cli.test_capture_hostile import pcap
from tests.cli.test_verbose_tshark import DATA, columns_by_both, lines_not_tsharks, selected_by_both

SYN, ACK, PSH, ECE, CWR, AE = 0x02, 0x10, 0x08, 0x40, 0x80, 0x100
ANSWERS = [CWR, ECE, CWR | ECE, AE, AE | CWR, AE | CWR | ECE, 0]       # the SYN/ACK's AE, CWR, ECE


def segment(sport: int, dport: int, seq: int, ack: int, flags: int) -> bytes:
    tcp = struct.pack("!HHIIHHHH", sport, dport, seq, ack, (5 << 12) | flags, 65535, 0, 0)
    src, dst = (1, 2) if sport == 40000 else (2, 1)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([192, 0, 2, src]), bytes([192, 0, 2, dst]))
    return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp


@pytest.fixture(scope="module")
def handshakes(tmp_path_factory):
    frames = []
    for port, answer in enumerate(ANSWERS, 80):
        frames += [segment(40000, port, 1000, 0, SYN | AE | CWR | ECE),
                   segment(port, 40000, 5000, 1001, SYN | ACK | answer),
                   segment(40000, port, 1001, 5001, ACK | CWR | ECE), segment(port, 40000, 5001, 1001, ACK | PSH | AE)]
    frames += [segment(40000, 99, 1000, 0, SYN | CWR | ECE), segment(99, 40000, 5000, 1001, SYN | ACK | CWR),
               segment(40000, 99, 1001, 5001, ACK | AE)]
    path = tmp_path_factory.mktemp("accecn") / "accecn.pcap"
    path.write_bytes(pcap(frames))
    return path


def test_info_column_is_tsharks(handshakes, tmp_path, capsys):
    ours, theirs = columns_by_both(tmp_path, capsys, handshakes)
    assert ours == theirs
    assert sum("ACE=" in info for _, _, info in ours) == 8


@pytest.mark.parametrize("number", [3, 4, 7, 8, 30])
def test_every_line_we_print_is_one_of_tsharks(handshakes, tmp_path, capsys, number):
    assert lines_not_tsharks(tmp_path, capsys, handshakes, number) == []


@pytest.mark.parametrize("number", [3, 4, 5, 6])
def test_the_public_capture_reads_as_tsharks(tmp_path, capsys, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / "accecn_handshake.pcap", number) == []


@pytest.mark.parametrize("expression", ["tcp.flags.ace", "tcp.flags.ace == 3", "tcp.flags.ae", "tcp.flags.ece == 1",
                                        "tcp.flags.cwr", "tcp.flags & 0x1c0"])
def test_filters_select_what_tshark_selects(handshakes, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, handshakes, expression)
    assert ours == theirs and ours
