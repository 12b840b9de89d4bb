"""Display filters through the netsh program: capture show, read and save with -Y or filter,
-j output, the caret under the bad word, and what tshark reads back of a filtered save."""
import json
import subprocess

from tests.cli.fakes import debug, run  # noqa: F401  (debug is autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_cli import SETUP, run_batch
from tests.frames import DATA
from tests.tools import need

TFO = DATA / "tfo-5c1fa7f9ae91.pcap"    # 14 TCP frames: SYN in 1-4 and 13 (SYN-ACK: 3, 4), data in 13


def test_show_filters_on_link_and_direction(tmp_path, capsys):
    assert run_batch(tmp_path, SETUP + "capture show -Y link == lo and dir == in\n") == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if "ICMP 98" in line]
    assert [int(line.split()[0]) for line in shown] == [2, 4, 6, 8]


def test_show_filters_on_fields_with_either_spelling(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {TFO}\n"
                               "capture show -Y tcp.flags.syn == 1 and tcp.flags.ack == 0\n"
                               "capture show filter 'ip.addr == 9.9.9.0/24 && tcp.flags.fin == 1'\n") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"14 packets read from {TFO}"
    assert [int(line.split()[0]) for line in out[1:4]] == [1, 2, 13]
    assert [int(line.split()[0]) for line in out[4:]] == [8, 9]


def test_show_json_keeps_only_matching_packets(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {TFO}\ncapture show -Y 'tcp.len > 0 or tcp.flags.fin == 1'\n", "-j") == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert [row["number"] for row in docs[-1]] == [7, 8, 9, 10, 13, 14]     # as tshark -Y selects them
    assert all(any(layer["name"] == "tcp" for layer in row["layers"]) for row in docs[-1])


def test_read_keeps_only_matching_packets_by_the_files_numbers(tmp_path, capsys):
    assert run_batch(tmp_path, f"capture read {TFO} -Y frame.number >= 12 or tcp.flags.syn == 1\n"
                               "capture show\n") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"7 packets read from {TFO} (7 of 14 matched the display filter)"
    assert len(out) == 8 and "[SYN]" in out[1] and "[SYN, ACK]" in out[3]      # renumbered 1..7 in the ring


def test_save_writes_only_matching_packets(tmp_path, capsys):
    target = tmp_path / "syn.pcapng"
    assert run_batch(tmp_path, f"capture read {TFO}\ncapture save {target} filter tcp.flags.syn == 1\n") == 0
    assert f"5 packets saved to {target}" in capsys.readouterr().out
    tshark = subprocess.run([need("tshark"), "-r", str(target), "-T", "fields", "-e", "tcp.flags.syn"],
                            capture_output=True, text=True, timeout=60)
    assert tshark.stdout.split() == ["1"] * 5, tshark.stderr


def test_a_bad_filter_is_one_line_with_a_caret_under_the_word(tmp_path, capsys):
    from netsh.cli import main
    path = tmp_path / "bad.batch"
    path.write_text(f"capture read {TFO}\ncapture show -Y ip.src == 9.9.9.9 and tcp.prot == 80\n")
    assert main(["-b", str(path)]) != 0
    err = capsys.readouterr().err
    assert 'Error: "tcp.prot" is neither a field nor a protocol name' in err and "Traceback" not in err
    assert err.count("Error:") == 1


def test_the_shell_caret_points_at_the_offending_word():
    line = "capture show -Y tcp.port == 80 and ip.src == 1.2.3"
    status, _out, err = run(line, caret=True)
    assert status != 0
    err = err.splitlines()
    assert err[0] == "capture show -Y tcp.port == 80 and ip.src == 1.2.3"
    assert err[1] == " " * err[0].index("1.2.3") + "^^^^^"
    assert err[2] == 'Error: "1.2.3" is not a valid IPv4 address'


def test_in_a_quoted_filter_the_caret_is_under_the_bad_part_alone():
    line = "capture show -Y 'ip.src == 9.9.9.9 and tcp.prot == 80'"
    status, _out, err = run(line, caret=True)
    assert status != 0
    err = err.splitlines()
    assert err[1] == " " * line.index("tcp.prot") + "^" * len("tcp.prot")
    assert err[2] == 'Error: "tcp.prot" is neither a field nor a protocol name'
    status, _out, err = run('capture show filter "udp.port in {53 80"', caret=True)
    assert err.splitlines()[1] == " " * (len('capture show filter "udp.port in {53 80"') + 1) + "^"   # past the end
