"""TCP, UDP and IPv4 header checksums are left unverified unless asked for, as tshark leaves
them by default (checksum offload makes them wrong in most captures); `capture show ...
checksums on` verifies them. Checked against tshark with its default preferences."""
from pathlib import Path

import pytest

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from netsh.cli import main
from stack.capfile import read
from stack.wire.dissect import CHECKSUMS, dissect
from tests.tshark import our_fields, tshark_fields

DATA = Path(__file__).resolve().parents[1] / "data"
STATUS = ("ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum_status")


@pytest.mark.parametrize("name", ["accecn_handshake.pcap", "dns_udp.pcap", "print-flags.pcap", "espudp1.pcap"])
def test_status_fields_agree_with_tsharks_defaults(name):
    theirs = tshark_fields(DATA / name, prefs=())
    for number, (rec, row) in enumerate(zip(read(str(DATA / name)), theirs), 1):
        ours = our_fields(dissect(rec.data, rec.linktype))
        for field in STATUS:
            assert [int(v) for v in ours.get(field, [])] == [int(v) for v in row.get(field, [])], (number, field)


def test_the_default_is_off_and_a_context_turns_it_on():
    rec = next(iter(read(str(DATA / "accecn_handshake.pcap"))))     # a SYN whose TCP checksum is wrong
    assert CHECKSUMS.get() is False
    assert our_fields(dissect(rec.data))["tcp.checksum.status"] == [2]       # unverified
    token = CHECKSUMS.set(True)
    try:
        assert our_fields(dissect(rec.data))["tcp.checksum.status"] == [0]   # bad
    finally:
        CHECKSUMS.reset(token)


def test_capture_show_checksums_on_flags_what_the_default_leaves(tmp_path, capsys):
    batch = tmp_path / "b"
    batch.write_text(f"capture read {DATA / 'accecn_handshake.pcap'}\ncapture show 1\n"
                     "capture show 1 checksums on\ncapture show 1\n")
    assert main(["-b", str(batch)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert ["CHECKSUM INCORRECT" in line for line in lines] == [False, True, False]
