"""What a pcapng file records of each packet (section, interface and its name and description,
epb_flags) in the -V frame section and in display filters, beside tshark on the same file.
The file is made here: two interfaces (one named and described, one not) and packets with
every kind of flags word, or none."""
import struct
import subprocess

import pytest

from netsh.cli import main
from tests.cli.test_verbose_tshark import selected_by_both
from stack.capfile.pcapng import BYTE_ORDER_MAGIC, SHB, _LE, _block, _encode_options
from tests.tools import need

ARP = bytes.fromhex("ffffffffffff020000000001080600010800060400010200000000010000c000020100000000c0000202")
FLAGS = [0, 1, 2, 3, 1 | 1 << 2, 2 | 2 << 2, 3 << 2, 4 << 2, 5 << 2, 4 << 5, 15 << 5, 1 << 9, 1 << 24,
         0xFF << 24, 0xFFFFFFFF, None]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    blocks = [_block(SHB, _LE.shb.pack(BYTE_ORDER_MAGIC, 1, 0, -1) + _encode_options([])),
              _block(1, struct.pack("<HHI", 1, 0, 0) + _encode_options([(2, b"eth7"), (3, b"Wired link")])),
              _block(1, struct.pack("<HHI", 1, 0, 0) + _encode_options([]))]
    frame = ARP + bytes(60 - len(ARP))
    for i, flags in enumerate(FLAGS):
        options = [] if flags is None else [(2, struct.pack("<I", flags))]
        blocks.append(_block(6, struct.pack("<IIIII", i % 2, 0, i, len(frame), len(frame)) + frame
                             + _encode_options(options)))
    path = tmp_path_factory.mktemp("pcapng") / "flags.pcapng"
    path.write_bytes(b"".join(blocks))
    return path


def frame_sections(text: str) -> list[list[str]]:
    """Each frame's section: its `Frame N:` line and the indented lines under it (brackets dropped)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("Frame "):
            out.append([])
        inside = line.startswith(("Frame ", " ")) and (inside or line.startswith("Frame "))
        if inside:
            out[-1].append(line.replace("[", "").replace("]", ""))
    return out


def test_frame_sections_are_tsharks(recorded, tmp_path, capsys):
    batch = tmp_path / "b"
    batch.write_text(f"capture read {recorded}\ncapture show -V\n")
    assert main(["-b", str(batch)]) == 0
    ours = frame_sections(capsys.readouterr().out)
    theirs = frame_sections(subprocess.run([need("tshark"), "-n", "-r", str(recorded), "-V"], capture_output=True,
                                           text=True, timeout=120).stdout)
    assert len(ours) == len(theirs) == len(FLAGS)
    for number, (mine, its) in enumerate(zip(ours, theirs), 1):
        missing = [line for line in mine if line not in its]
        assert missing == [], f"frame {number}"
        # every recorded thing tshark shows, we show (its marks, time shift and "ignored" aside)
        recorded_lines = [line for line in its if "Interface" in line or "Section" in line or "Packet flags" in line
                          or " = " in line and line.startswith("        ") or "Point-to-Point" in line]
        assert [line for line in recorded_lines if line not in mine] == [], f"frame {number}"
    assert ours[0][0].endswith("on interface eth7, id 0")
    assert ours[1][0].endswith("on interface unknown, id 1 (inbound)")


FILTERS = ["frame.interface_id == 1", "frame.packet_flags_direction == 1", "frame.p2p_dir == 0", "frame.p2p_dir",
           "frame.packet_flags_crc_error", "frame.packet_flags_crc_error == 1", "frame.packet_flags_symbol_error",
           "frame.packet_flags_reception_type > 2", 'frame.interface_description contains "Wired"',
           'frame.interface_name == "unknown"', 'frame.interface_name == "eth7"', "frame.section_number == 1",
           "frame.packet_flags", "frame.packet_flags == 0", "frame.packet_flags_fcs_length == 4",
           "frame.packet_flags_reserved", "frame.packet_flags_reserved > 1", "!frame.interface_description"]


@pytest.mark.parametrize("expression", FILTERS)
def test_filters_select_what_tshark_selects(recorded, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, recorded, expression)
    assert ours == theirs
