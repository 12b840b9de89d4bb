"""capture and replay through the netsh program: files tshark reads, -j trees, bad input."""
import json
import subprocess
from pathlib import Path

from netsh.cli import main
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.tools import need

SETUP = """\
link add a type pair peer b
link set a up
link set b up
addr add 192.0.2.1/24 dev a
capture start filter "icmp"
ping -c 2 -i 0.05 192.0.2.1
capture stop
"""


def run_batch(tmp_path, text, *options):
    path = tmp_path / "c.batch"
    path.write_text(text)
    return main([*options, "-b", str(path)])


def test_save_and_read_back_pcap_and_pcapng(tmp_path, capsys):
    for name in ("ring.pcapng", "ring.pcap"):
        target = tmp_path / name
        assert run_batch(tmp_path, SETUP + f"capture save {target}\ncapture clear\n"
                                           f"capture read {target}\ncapture show\n") == 0
        out = capsys.readouterr().out
        assert f"8 packets saved to {target}" in out and f"8 packets read from {target}" in out
        assert out.count("ICMP 98 Echo (ping)") == 8
        tshark = subprocess.run([need("tshark"), "-r", str(target)], capture_output=True, text=True)
        assert tshark.stdout.count("Echo (ping)") == 8, tshark.stderr


def test_json_has_layers_with_offsets(tmp_path, capsys):
    assert run_batch(tmp_path, SETUP + "capture show 1\n", "-j") == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    (packet,) = docs[-1]
    assert [layer["name"] for layer in packet["layers"]] == ["eth", "ip", "icmp"]
    ttl = next(f for f in packet["layers"][1]["fields"] if f["name"] == "ip.ttl")
    assert (ttl["offset"], ttl["length"], ttl["value"]) == (22, 1, "64")


def test_verbose_and_hex(tmp_path, capsys):
    assert run_batch(tmp_path, SETUP + "capture show -V -x 2\n") == 0
    out = capsys.readouterr().out
    assert "Frame 2: 98 bytes on wire (784 bits), 98 bytes captured (784 bits) on interface lo" in out
    assert "    Time to Live: 64" in out
    assert "0000  00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00   ..............E." in out


def test_replay_into_a_link(tmp_path, capsys):
    target = tmp_path / "echo.pcapng"
    assert run_batch(tmp_path, SETUP + f"capture save {target}\n") == 0
    assert run_batch(tmp_path, "link add a type pair peer b\nlink set a up\n"
                               "addr add 192.0.2.1/24 dev a\n"
                               f"replay {target} dev a\nstats Drop\n") == 0
    out = capsys.readouterr().out
    assert "8 frames replayed into a" in out
    # loopback frames carry the all-zero MAC: off a wire they are for another host
    assert "DropOTHERHOST                   8" in out


def test_bad_filter_and_missing_file_are_one_line(tmp_path, capsys):
    assert run_batch(tmp_path, 'capture start filter "tcp port"\n') == 1
    err = capsys.readouterr().err
    assert 'Error: invalid EXPR "tcp port": ' in err and "Traceback" not in err
    assert run_batch(tmp_path, f"capture read {tmp_path}/nope.pcap\n") == 1
    err = capsys.readouterr().err
    assert "nope.pcap" in err and err.count("\n") == 2      # the error and Command failed



def test_show_a_window_of_packets_by_number(tmp_path, capsys):
    """What a list view pages by: `from N count M`, numbered and timed as in the whole list."""
    data = Path(__file__).resolve().parents[1] / "data" / "print-flags.pcap"
    assert run_batch(tmp_path, f"capture read {data}\ncapture show", "-j") == 0
    everything = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert len(everything) >= 4
    assert run_batch(tmp_path, f"capture read {data}\ncapture show from 2 count 2", "-j") == 0
    window = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [row["number"] for row in window] == [2, 3]
    assert [row["time"] for row in window] == [row["time"] for row in everything[1:3]]
    assert run_batch(tmp_path, f"capture read {data}\ncapture show count 2") == 1
    assert '"count" needs "from"' in capsys.readouterr().err
