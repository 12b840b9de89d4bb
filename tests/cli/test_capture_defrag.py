"""IP reassembly for display through the netsh program: `capture show`, `-Y` on the
reassembly fields and `capture stats phs` agree with tshark on a capture of fragments
(IPv4 and IPv6 echo requests of 3000 bytes, made by tests/unit/test_defrag_view.py)."""
import subprocess

import pytest

from tests.cli.fakes import debug, run  # noqa: F401  (debug is autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_cli import run_batch
from tests.tools import need
from tests.tshark import write_pcap
from tests.unit.test_defrag_view import echo4, echo6, v4_fragments, v6_fragments


@pytest.fixture
def fragments(tmp_path):
    path = tmp_path / "fragments.pcap"
    write_pcap(path, v4_fragments(echo4(3000), 0x1234) + v6_fragments(echo6(3000), 0xABCD))
    return path


def tshark(path, *args) -> list[str]:
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]


def ours(tmp_path, capsys, commands: str) -> list[str]:
    assert run_batch(tmp_path, commands) == 0
    return [line.rstrip() for line in capsys.readouterr().out.splitlines()[1:] if line.strip()]


def test_phs_counts_the_reassembled_layers(tmp_path, capsys, fragments):
    assert ours(tmp_path, capsys, f"capture read {fragments}\ncapture stats phs\n") == \
        tshark(fragments, "-q", "-z", "io,phs")


@pytest.mark.parametrize("expr", ["icmp", "ip.reassembled_in == 3", "ip.fragment == 2", "ipv6.reassembled.in",
                                  "ip.fragment.count == 3", "ipv6.reassembled.length > 3000",
                                  "ip.addr == 192.0.2.2 && icmp.type == 8", "icmpv6 && ipv6.fragment == 4",
                                  "ip.fragments", "ipv6.fragments",
                                  "ip.fragment == 1 && ip.ttl == 64", "frame.number == 1 && !icmp"])
def test_filters_select_what_tshark_selects(tmp_path, capsys, fragments, expr):
    lines = ours(tmp_path, capsys, f"capture read {fragments}\ncapture show -Y {expr}\n")
    numbers = [int(line.split()[0]) for line in lines]
    assert numbers == [int(line) for line in tshark(fragments, "-2", "-Y", expr, "-T", "fields", "-e", "frame.number")]
    assert numbers


def test_listing_is_tsharks_second_pass(tmp_path, capsys, fragments):
    """Columns line for line; the reassembled echo requests are analysed too (no response).
    The analysis pass (stack/wire/analysis/links.py) gives "(no response found!)" to ICMP
    only; tshark -2 gives it to an unanswered ICMPv6 echo request too: not compared here."""
    mine = ours(tmp_path, capsys, f"capture read {fragments}\ncapture show\n")
    theirs = [line.replace(" (no response found!)", "") if "ICMPv6" in line else line
              for line in tshark(fragments, "-2")]
    assert [line.split()[2:] for line in mine] == [line.split()[2:] for line in theirs]


def test_a_file_read_through_a_filter_shows_what_tshark_2_Y_shows(tmp_path, capsys, fragments):
    """`capture read FILE -Y` keeps the file's numbers and its whole analysis (the file is
    indexed, not copied): the last fragments kept are the reassembled pings, as `tshark -2 -Y`."""
    expression = "ip.fragment.count == 3 || ipv6.fragment == 4"
    mine = ours(tmp_path, capsys, f"capture read {fragments} -Y {expression}\ncapture show\n")
    theirs = [line.replace(" (no response found!)", "") if "ICMPv6" in line else line
              for line in tshark(fragments, "-2", "-Y", expression)]
    assert [line.split()[0] for line in mine] == ["3", "6"]
    assert [line.split()[2:] for line in mine] == [line.split()[2:] for line in theirs]
