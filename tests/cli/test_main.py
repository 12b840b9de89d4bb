"""The netsh program: one-shot commands, batches, the shell hand-over, as a process too.

Tests that need a stack use a real embedded one (`Runtime()`, no namespace) with
pair links only; nothing touches the host's interfaces.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import netsh
from netsh.cli import main
from tests.cli.fakes import debug  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SETUP = """\
# two ends of an in-process cable
link add a type pair peer b
addr add 192.0.2.1/24 dev a
addr add 192.0.2.2/24 dev b     # the other end
link set a up
link set dev b up mtu 1400
"""


def netsh_process(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "netsh", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NETSH_DEBUG": "1", **(env or {})})


def test_version(capsys):
    assert main(["-V"]) == 0
    assert capsys.readouterr().out == f"netsh utility, netsh-{netsh.__version__}\n"


@pytest.mark.parametrize("argv", [["help"], ["-h"], ["-help"]])
def test_help(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: netsh [ OPTIONS ] OBJECT { COMMAND | help }\n")
    assert ("where  OBJECT := { link | address | neighbour | route | rule | bridge | sysctl | ping | "
            "traceroute | stats") in out
    assert "OPTIONS := { -V[ersion] |" in out


def test_object_help_lines_are_scrapable(capsys):
    assert main(["link", "help"]) == 0
    out = capsys.readouterr().out
    assert "       TYPE := { pair | impair | bridge | vlan | veth }\n" in out
    assert main(["help", "completion"]) == 0
    assert "where  SHELL := { bash | zsh | fish }\n" in capsys.readouterr().out


def test_bad_option(capsys):
    assert main(["-frob", "link"]) == 1
    assert capsys.readouterr().err == 'Error: Option "-frob" is unknown, try "netsh -help".\n'


def test_bad_command_needs_no_stack(capsys, monkeypatch):
    import stack.runtime
    monkeypatch.setattr(stack.runtime, "Runtime", None)       # would fail if started
    assert main(["link", "frob"]) == 255            # bad syntax, as ip
    assert capsys.readouterr().err == 'Error: unknown command "frob" for "link"; try "help"\n'


def test_one_shot_with_a_stack(capsys):
    assert main(["-br", "link", "show"]) == 0
    assert capsys.readouterr().out.startswith("lo               UNKNOWN        00:00:00:00:00:00")
    assert main(["link", "show", "eth9"]) == 1
    assert capsys.readouterr().err == 'Error: Cannot find device "eth9"\n'


def test_batch_on_a_real_stack(tmp_path, capsys):
    path = tmp_path / "setup"
    path.write_text(SETUP + "-j addr show b\n")
    assert main(["-b", str(path)]) == 0
    out = capsys.readouterr().out
    assert '"ifname":"b"' in out and '"mtu":1400' in out and '"local":"192.0.2.2"' in out


def test_batch_and_words_conflict(capsys):
    assert main(["-b", "x", "link"]) == 1
    assert "Error: unexpected \"link\"" in capsys.readouterr().err


def test_batch_then_shell_keeps_the_stack(tmp_path, monkeypatch):
    seen = {}

    def fake_shell(executor, banner=None):
        seen["links"] = [row["ifname"] for row in executor.stack.link_list()]
        return 0
    import netsh.shell
    monkeypatch.setattr(netsh.shell, "run_shell", fake_shell)
    path = tmp_path / "setup"
    path.write_text(SETUP)
    assert main(["-b", str(path), "-i"]) == 0
    assert seen["links"] == ["lo", "a", "b"]


def test_no_command_opens_the_shell(monkeypatch):
    import netsh.shell
    calls = []
    monkeypatch.setattr(netsh.shell, "run_shell", lambda executor, banner=None: calls.append(executor))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)     # a pipe would run as a batch
    assert main(["-j"]) == 0
    assert len(calls) == 1 and calls[0].options.json and calls[0].stack is not None


def test_missing_netns(capsys):
    assert main(["-netns", "netsh-no-such-ns", "link"]) == 1
    assert capsys.readouterr().err.startswith(
        'Error: Cannot open network namespace "netsh-no-such-ns"')


def test_completion_script(capsys):
    pytest.importorskip("netsh.completion_gen")
    assert main(["completion", "bash"]) == 0
    assert "netsh" in capsys.readouterr().out


# --- as a process ----------------------------------------------------------------------

def test_process_batch_file(tmp_path):
    path = tmp_path / "setup.batch"
    path.write_text(SETUP + "ping -c 2 -i 0.2 192.0.2.2\nneigh\n")
    proc = netsh_process("-b", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PING 192.0.2.2 (192.0.2.2) 56(84) bytes of data.\n")
    assert "2 packets transmitted, 2 received, 0% packet loss" in proc.stdout


def test_process_batch_failure(tmp_path):
    path = tmp_path / "bad.batch"
    path.write_text(SETUP + "\naddr add 192.0.2.1/33 dev a\nlink show\n")
    proc = netsh_process("-b", str(path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == ('Error: invalid PREFIX "192.0.2.1/33": prefix length must be 0..32\n'
                           f"Command failed {path}:8\n")


def test_process_batch_stdin_force():
    proc = netsh_process("-force", "-batch", "-", stdin="link set eth9 up\nlink add x type pair peer y\n"
                                                      "-br link show x\n")
    assert proc.returncode == 1
    assert proc.stderr == 'Error: Cannot find device "eth9"\nCommand failed -:1\n'
    assert proc.stdout.startswith("x@y ")


def test_process_ping_without_reply_fails_the_batch():
    proc = netsh_process("-b", "-", stdin=SETUP + "ping -c 1 -W 0.3 192.0.2.99\nroute\n")
    assert proc.returncode == 1 and proc.stderr == "Command failed -:7\n"
    assert "1 packets transmitted, 0 received" in proc.stdout and "proto kernel" not in proc.stdout


def test_process_one_shot_help():
    proc = netsh_process("help")
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: netsh")


def test_a_reader_that_goes_away_ends_netsh_quietly(tmp_path):
    """`netsh -b F | head -2`: the listing stops at the closed pipe without an error message."""
    batch = tmp_path / "b"
    batch.write_text(f"capture read {DATA / 'kernel_tcp_http_dns.pcap'}\ncapture show -V\n")
    proc = subprocess.Popen([sys.executable, "-m", "netsh", "-b", str(batch)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NETSH_DEBUG": "0"})     # as a user runs it
    first = proc.stdout.readline()
    proc.stdout.close()                 # the reader goes away with most of the listing unread
    _, err = proc.communicate(timeout=60)
    assert first.endswith(b"packets read from " + str(DATA / "kernel_tcp_http_dns.pcap").encode() + b"\n")
    assert err == b"" and proc.returncode == 1


# --- the demo (needs root: network namespaces) -----------------------------------------------

@pytest.mark.interop
def test_demo(monkeypatch, capsys):
    import netsh.shell
    seen = {}

    def fake_shell(executor, banner=None):
        seen["banner"] = banner
        seen["ping"] = executor.run_line("ping -c 1 -W 5 192.0.2.11")
        seen["links"] = [row["ifname"] for row in executor.stack.link_list()]
        return 0
    monkeypatch.setattr(netsh.shell, "run_shell", fake_shell)
    assert main(["demo"]) == 0
    assert seen["ping"] == 0 and seen["links"] == ["lo", "veth-h1", "veth-h2"]
    assert "ping -c 3 192.0.2.11" in seen["banner"]
    assert "1 received" in capsys.readouterr().out


def test_neigh_show_filters_like_iproute2(tmp_path, capsys):
    batch = tmp_path / "neigh.batch"
    batch.write_text(SETUP + "neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev a\n"
                             "neigh add 198.51.100.7 lladdr 02:00:00:00:00:08 dev b\n"
                             "neigh show to 192.0.2.0/24\n"
                             "neigh show 198.51.100.7 nud permanent\n"
                             "neigh show nud reachable\n")
    assert main(["-b", str(batch)]) == 0
    assert capsys.readouterr().out == (
        "192.0.2.7 dev a lladdr 02:00:00:00:00:07 PERMANENT \n"
        "198.51.100.7 dev b lladdr 02:00:00:00:00:08 PERMANENT \n")
