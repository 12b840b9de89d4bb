"""capture follow tcp|udp through the netsh program: tshark -z follow's text byte for byte,
the -j form, the stream chosen by a display filter, and the errors."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.fakes import debug, run  # noqa: F401  (debug is autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_cli import run_batch
from tests.frames import DATA
from tests.tools import need

ROOT = Path(__file__).resolve().parents[2]
KERNEL = DATA / "kernel_tcp_http_dns.pcap"    # HTTP, DNS over TCP/UDP, a bulk transfer with a retransmission


def tshark_follow(path, proto, mode, index) -> str:
    proc = subprocess.run([need("tshark"), "-r", str(path), "-q", "-z", f"follow,{proto},{mode},{index}"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode()


def ours(tmp_path, capsys, path, command, *options) -> str:
    """The program's standard output as bytes would show it (capsys would fold the CR of
    ascii mode's CR LF)."""
    batch = tmp_path / "follow.batch"
    batch.write_text(f"capture read {path}\n{command}\n")
    proc = subprocess.run([sys.executable, "-m", "netsh", *options, "-b", str(batch)], capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode().split("\n", 1)[1]       # after "N packets read from ..."


@pytest.mark.parametrize("proto, index, mode", [
    ("tcp", 0, "ascii"), ("tcp", 0, "hex"), ("tcp", 3, "hex"), ("tcp", 3, "raw"), ("tcp", 4, "ascii"),
    ("tcp", 4, "hex"), ("tcp", 4, "raw"), ("tcp", 2, "ascii"), ("udp", 0, "raw"), ("udp", 0, "hex"),
    ("udp", 7, "ascii"), ("tcp", 99, "hex")])
def test_follow_is_tsharks_byte_for_byte(tmp_path, capsys, proto, index, mode):
    assert ours(tmp_path, capsys, KERNEL, f"capture follow {proto} {index} {mode}") == \
        tshark_follow(KERNEL, proto, mode, index)


@pytest.mark.parametrize("path, proto, index", [(DATA / "mptcp-v1.pcap", "tcp", 0),
                                                (DATA / "ipv4_tcp_http_xml.pcap", "tcp", 0),
                                                (DATA / "dns_udp.pcap", "udp", 0)])
def test_follow_other_files(tmp_path, capsys, path, proto, index):
    assert ours(tmp_path, capsys, path, f"capture follow {proto} {index} hex") == \
        tshark_follow(path, proto, "hex", index)


def test_a_display_filter_chooses_the_stream(tmp_path, capsys):
    text = ours(tmp_path, capsys, KERNEL, "capture follow tcp raw -Y tcp.port == 53 and tcp.len > 0")
    assert text == tshark_follow(KERNEL, "tcp", "raw", 3)


def test_json_gives_nodes_and_chunks_in_order(tmp_path, capsys):
    data = json.loads(ours(tmp_path, capsys, KERNEL, "capture follow tcp 3", "-j"))
    assert data["stream"] == 3 and data["proto"] == "tcp" and data["mode"] == "ascii"
    assert data["nodes"] == [{"node": 0, "address": "192.0.2.10", "port": data["nodes"][0]["port"]},
                             {"node": 1, "address": "192.0.2.20", "port": 53}]
    chunks = data["chunks"]
    assert [c["node"] for c in chunks] == [0, 0, 1, 0, 1, 1]
    assert bytes.fromhex(chunks[0]["data"] + chunks[1]["data"])[2:4] == b"\x33\x33"   # the query's ID
    assert all(isinstance(c["frame"], int) for c in chunks)


def test_errors_are_one_line(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {KERNEL}\ncapture follow tcp\n") != 0
    err = capsys.readouterr().err
    assert "takes a stream number or a display filter" in err and "Traceback" not in err
    assert run_batch(tmp_path, f"capture read {KERNEL}\ncapture follow tcp hex -Y udp\n") != 0
    assert "no TCP packet in the ring matches the filter" in capsys.readouterr().err
    assert run_batch(tmp_path, f"capture read {KERNEL}\ncapture follow tcp sideways\n") != 0
    assert "neither a stream number nor one of" in capsys.readouterr().err
