"""capture stats conv|endpoints|phs|io through the netsh program: tshark's -z tables line for
line, -j rows with their keys, and the errors."""
import json
import subprocess

import pytest

from tests.cli.fakes import debug, run  # noqa: F401  (debug is autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_cli import run_batch
from tests.frames import DATA
from tests.tools import need

MPTCP = DATA / "mptcp-v0.pcap"          # 264 TCP frames over 9 s, two conversations
DHCP = DATA / "dhcp-rfc4388.pcap"       # DHCP, ICMP errors and ARP over 1951 s


def tshark_text(path, table: str) -> list[str]:
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-q", "-z", table],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]


def ours_text(tmp_path, capsys, path, command: str) -> list[str]:
    assert run_batch(tmp_path, f"capture read {path}\ncapture stats {command}\n") == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    return [line.rstrip() for line in lines if line.strip()]


@pytest.mark.parametrize("path, command, table", [
    (MPTCP, "conv tcp", "conv,tcp"), (MPTCP, "conv ip", "conv,ip"), (DHCP, "conv eth", "conv,eth"),
    (DHCP, "conv udp", "conv,udp"), (MPTCP, "endpoints tcp", "endpoints,tcp"),
    (DHCP, "endpoints ip", "endpoints,ip"), (DHCP, "endpoints eth", "endpoints,eth"),
    (DATA / "icmpv6.pcap", "phs", "io,phs"), (DATA / "dns_udp.pcap", "phs", "io,phs"),
    (DATA / "mptcp-v1.pcap", "conv ip", "conv,ip"), (DATA / "icmpv6.pcap", "conv ipv6", "conv,ipv6"),
    (DATA / "icmpv6.pcap", "endpoints ipv6", "endpoints,ipv6"),
    (DHCP, "io 10", "io,stat,10"), (MPTCP, "io 0.5", "io,stat,0.5"),
    (DATA / "tfo-5c1fa7f9ae91.pcap", "io 0.01", "io,stat,0.01"),
    (DATA / "dns_udp.pcap", "io 1", "io,stat,1")])
def test_text_is_tsharks_line_for_line(tmp_path, capsys, path, command, table):
    assert ours_text(tmp_path, capsys, path, command) == tshark_text(path, table)


def test_io_duration_is_printed_whole(tmp_path, capsys):
    """tshark 4.0 prints 9.065041 s as "9. 65041" (its zero-padding is lost); we do not."""
    ours = ours_text(tmp_path, capsys, MPTCP, "io 1")
    theirs = tshark_text(MPTCP, "io,stat,1")
    assert [a for a, b in zip(ours, theirs) if a != b] == ["| Duration: 9.065041 secs   |"]
    assert len(ours) == len(theirs) == 22


def test_json_rows_and_their_keys(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {MPTCP}\ncapture stats conv tcp\ncapture stats endpoints ip\n"
                               "capture stats phs\ncapture stats io 5\n", "-j") == 0
    conv, ends, phs, io = [json.loads(line) for line in capsys.readouterr().out.splitlines()[1:]]
    assert conv["type"] == "tcp" and len(conv["conversations"]) == 2
    first = conv["conversations"][0]
    assert set(first) == {"address_a", "port_a", "address_b", "port_b", "frames_a_to_b", "bytes_a_to_b",
                          "frames_b_to_a", "bytes_b_to_a", "frames", "bytes", "rel_start", "duration"}
    assert (first["address_a"], first["port_a"], first["port_b"], first["frames"]) == \
        ("10.2.1.2", 35961, 22, 190)
    assert [(e["address"], e["frames"], e["bytes"]) for e in ends["endpoints"]] == [
        ("10.2.1.2", 264, 35146), ("10.1.1.2", 190, 24478), ("10.1.2.2", 74, 10668)]
    assert phs["protocols"][0]["protocol"] == "eth" and phs["protocols"][0]["frames"] == 264
    assert [(r["start"], r["frames"]) for r in io["intervals"]] == [(0, 191), (5, 73)]


def test_an_empty_ring_gives_empty_tables(tmp_path, capsys):
    assert run_batch(tmp_path, "capture stats conv ip\ncapture stats phs\ncapture stats io 1\n", "-j") == 0
    conv, phs, io = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert conv["conversations"] == [] and phs["protocols"] == [] and io["intervals"] == []


@pytest.mark.parametrize("command, message", [
    ("capture stats conv ipx", '"ipx"'), ("capture stats endpoints", "TYPE"),
    ("capture stats io 0", "0.000001..1000000000"), ("capture stats io soon", '"soon" is not a number'),
    ("capture stats io", "INTERVAL"), ("capture stats phs now", '"now"')])
def test_bad_words_are_one_line_errors(tmp_path, capsys, command, message):
    assert run_batch(tmp_path, command + "\n") != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_too_many_intervals_is_a_one_line_error(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {DHCP}\ncapture stats io 0.0001\n") != 0
    err = capsys.readouterr().err
    assert "at most 1000000, take a longer interval" in err and "Traceback" not in err
