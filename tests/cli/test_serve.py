"""``netsh serve`` and ``netsh -n NAME``: a stack served on a UNIX socket, faces attached.

Servers run as processes (pair links only: nothing touches the host's interfaces).
Every test gets its own runtime directory (a short one under /tmp: socket paths have a
108-byte limit) through XDG_RUNTIME_DIR, and every server it started is stopped, and
its files checked gone, on the way out.  Readiness is the server's ``netsh: serving``
line, or a reply line a command printed, never a sleep.  The `serving` fixture and
`Serving` are shared with tests/interop/test_serve_lab.py.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY = "netsh: serving"
START_TIMEOUT = 30.0

# Fixed MACs, so an embedded and a served stack print the same bytes.
SETUP = """\
link add a type pair peer b
link set a address 02:00:00:00:00:0a
link set b address 02:00:00:00:00:0b
addr add 192.0.2.1/24 dev a
addr add 192.0.2.2/24 dev b
link set a addrgenmode none up
link set b addrgenmode none up mtu 1400
"""


class Served:
    """One ``netsh serve`` process; its stdout is read by a thread after the ready line."""

    def __init__(self, env: dict, name: str, *args: str, batch: Path | None = None,
                 options: tuple[str, ...] = ()):
        self.name = name
        argv = [sys.executable, "-m", "netsh", *options, "serve", "--name", name, *args]
        if batch is not None:
            argv += ["-b", str(batch)]
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.ready_line = self._wait_ready()
        self.stderr = ""
        self._rest = threading.Thread(target=self._drain, daemon=True)
        self._rest.start()

    def _wait_ready(self) -> str:
        timer = threading.Timer(START_TIMEOUT, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                self.lines.append(line)
                if line.startswith(READY):
                    return line
        finally:
            timer.cancel()
        err = self.proc.stderr.read()
        raise AssertionError(f"netsh serve did not get ready: {''.join(self.lines)}{err}")

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait(self, timeout: float = 30.0) -> int:
        status = self.proc.wait(timeout)
        self._rest.join(5)
        if not self.proc.stderr.closed:
            self.stderr += self.proc.stderr.read()
        return status

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not self.proc.stderr.closed:
            self.stderr += self.proc.stderr.read()
        self._rest.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


class Serving:
    """The `serving` fixture: start servers, run netsh processes, all in one runtime dir."""

    def __init__(self, rundir: Path):
        self.rundir = rundir
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(rundir), "NO_COLOR": "1"}
        self.env.pop("NETSH_DEBUG", None)          # an internal error must be a line, not a trace
        self.servers: list[Served] = []

    def serve(self, name: str = "t", *args: str, setup: str | None = SETUP,
              options: tuple[str, ...] = ()) -> Served:
        batch = None
        if setup is not None:
            batch = self.rundir / f"{name}.batch"
            batch.write_text(setup)
        served = Served(self.env, name, *args, batch=batch, options=options)
        self.servers.append(served)
        return served

    def socket(self, name: str = "t") -> Path:
        return self.rundir / "netsh" / f"{name}.sock"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "netsh", *args]

    def run(self, *args: str, stdin: str | None = None, cwd=None, timeout: float = 60):
        return subprocess.run(self.argv(*args), cwd=cwd or ROOT, env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=timeout)

    def popen(self, *args: str, **kw) -> subprocess.Popen:
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.argv(*args), cwd=ROOT, env=self.env, text=True,
                                stdin=subprocess.DEVNULL, **kw)

    def close(self) -> None:
        for served in self.servers:
            served.stop()


@pytest.fixture
def serving(monkeypatch):
    rundir = Path(tempfile.mkdtemp(prefix="nshsrv-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(rundir))
    s = Serving(rundir)
    try:
        yield s
    finally:
        s.close()
        left = sorted(p.name for p in (rundir / "netsh").glob("*"))
        shutil.rmtree(rundir, ignore_errors=True)
    assert not left, f"served stacks left files behind: {left}"


# --- the tests ----------------------------------------------------------------------------------

import io  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

from netsh.app import GRAMMAR  # noqa: E402
from netsh.cli import main  # noqa: E402
from netsh.faces import is_face_launcher  # noqa: E402
from netsh.protocol import HEADER, MAX_REPLY, MAX_REQUEST, FrameReader, encode  # noqa: E402

# Lines whose output the embedded and the attached face must print byte for byte alike.
SAME_OUTPUT = [
    "link show", "-s link show", "-s -s link show a", "-br link", "-j link show", "-j -p -s link",
    "-j -s -s link show b", "addr", "-br addr", "-j addr show dev b", "-j -p addr", "route",
    "-j route", "neigh", "-j neigh", "stats Ip", "-j stats", "-j stats Drop", "trace show",
    "-j trace show", "capture status", "-j capture status", "capture show", "-j capture show",
    "capture show -V -x last 3", "-j -p capture show 2", "-j -p capture show -V last 3",
    "capture show -x last 2", "-j capture show -V", "help link set", "-j help",
    "show running-config",
]
# ... with packets in the capture ring that are the same on both sides: read from files
CAPTURES = "".join(f"capture read {ROOT / 'tests' / 'data' / name}\n"
                   for name in ("dns_udp.pcap", "icmpv6.pcap", "dhcp-mud.pcap"))


def embedded(tmp_path, line, capsys, setup=SETUP) -> tuple[int, str, str]:
    batch = tmp_path / "embedded.batch"
    batch.write_text(setup + line + "\n")
    status = main(["-b", str(batch)])
    out, err = capsys.readouterr()
    out = "".join(line for line in out.splitlines(keepends=True)    # the setup's own output
                  if " packets read from " not in line)
    return status, out, err


def attached(name, line, capsys) -> tuple[int, str, str]:
    status = main(["-n", name, *line.split()])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_and_json_identical_embedded_and_attached(serving, tmp_path, capsys):
    serving.serve("t", setup=SETUP + CAPTURES)
    different = []
    for line in SAME_OUTPUT:
        here = embedded(tmp_path, line, capsys, SETUP + CAPTURES)
        there = attached("t", line, capsys)
        if here != there:
            different.append((line, here, there))
    assert not different
    status, out, _ = attached("t", "-j -s link show b", capsys)
    assert status == 0 and json.loads(out)[0]["mtu"] == 1400


@pytest.mark.parametrize("line, status, err", [
    ("link show eth9", 1, 'Error: Cannot find device "eth9"\n'),
    ("link frob", 255, 'Error: unknown command "frob" for "link"; try "help"\n'),
    ("link set a mtu 10", 255, 'Error: invalid MTU "10": must be 68..65535\n'),
    ("ping -c 1 198.51.100.7", 2, "Error: connect: Network is unreachable\n"),
    ("addr add 192.0.2.9/24 dev nope", 1, 'Error: Cannot find device "nope"\n'),
])
def test_errors_and_exit_statuses_pass_through(serving, capsys, line, status, err):
    serving.serve("t")
    there = attached("t", line, capsys)
    assert main(line.split()) == status            # the same line on an embedded stack
    assert capsys.readouterr().err == err
    assert there == (status, "", err)


def test_process_one_shot_batch_and_exit(serving, tmp_path):
    serving.serve("t")
    r = serving.run("-n", "t", "-br", "link", "show", "a")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.startswith("a@b              UP             02:00:00:00:00:0a")
    batch = tmp_path / "b"
    batch.write_text("link show dev lo\nlink show eth9\nlink show dev lo\n")
    r = serving.run("-n", "t", "-b", str(batch))
    assert r.returncode == 1 and r.stdout.count("lo:") == 1
    assert r.stderr == f'Error: Cannot find device "eth9"\nCommand failed {batch}:2\n'
    r = serving.run("-n", "t", "-force", "-b", str(batch))
    assert r.returncode == 1 and r.stdout.count("lo:") == 2
    r = serving.run("-n", "t", "-b", "-", stdin="exit\nlink show\n")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_two_clients_at_once(serving):
    served = serving.serve("t")
    first = serving.popen("-n", "t", "ping", "-c", "6", "-i", "0.2", "192.0.2.2")
    second = serving.popen("-n", "t", "ping", "-c", "4", "-i", "0.2", "192.0.2.1")
    assert first.stdout.readline().startswith("PING 192.0.2.2")
    assert "bytes from 192.0.2.2" in first.stdout.readline()      # both are running now
    assert "bytes from 192.0.2.1" in second.stdout.readline() + second.stdout.readline()
    listed = serving.run("-j", "list")
    assert [row["name"] for row in json.loads(listed.stdout)] == ["t"]
    assert json.loads(listed.stdout)[0]["clients"] >= 2
    assert json.loads(listed.stdout)[0]["pid"] == served.pid
    third = serving.run("-n", "t", "-b", "-", stdin="link show dev a\n-j stats Icmp\n")
    assert third.returncode == 0 and "a@b:" in third.stdout and '"Icmp"' in third.stdout
    out1, err1 = first.communicate(timeout=30)
    out2, err2 = second.communicate(timeout=30)
    assert (first.returncode, second.returncode, err1, err2) == (0, 0, "", "")
    assert "6 packets transmitted, 6 received, 0% packet loss" in out1
    assert "4 packets transmitted, 4 received, 0% packet loss" in out2


def out_echos(serving) -> int:
    r = serving.run("-n", "t", "-j", "stats", "Icmp")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["Icmp"]["OutEchos"]


def settled(serving, window: float = 0.6, timeout: float = 15.0) -> int:
    """OutEchos once it stops growing over `window` seconds (no ping is sending any more)."""
    deadline = time.monotonic() + timeout
    before = out_echos(serving)
    while time.monotonic() < deadline:
        time.sleep(window)                  # an observation window, not a synchronisation
        now = out_echos(serving)
        if now == before:
            return now
        before = now
    raise AssertionError("a ping kept sending")


def test_client_killed_mid_command_harms_nothing(serving):
    served = serving.serve("t")
    pinger = serving.popen("-n", "t", "ping", "-i", "0.2", "192.0.2.2")      # no -c: forever
    pinger.stdout.readline()
    assert "bytes from" in pinger.stdout.readline()
    pinger.kill()
    pinger.communicate()
    sent = settled(serving)
    assert sent >= 1
    r = serving.run("-n", "t", "ping", "-c", "2", "-i", "0.2", "192.0.2.2")   # the stack is fine
    assert r.returncode == 0 and "2 received" in r.stdout
    assert out_echos(serving) == sent + 2
    served.stop()
    assert "Traceback" not in served.stderr


def test_ctrl_c_ends_an_attached_ping_with_its_summary(serving):
    serving.serve("t")
    pinger = serving.popen("-n", "t", "ping", "-i", "0.2", "192.0.2.2")
    pinger.stdout.readline()
    assert "bytes from" in pinger.stdout.readline()
    pinger.send_signal(signal.SIGINT)
    out, err = pinger.communicate(timeout=15)
    assert (pinger.returncode, err) == (0, "")
    assert "--- 192.0.2.2 ping statistics ---" in out
    # the interrupt may land between a request and its reply, which then counts as lost
    sent, received = map(int, re.search(r"(\d+) packets transmitted, (\d+) received", out).groups())
    assert 1 <= received and sent - 1 <= received <= sent, out


def frames(path: Path) -> tuple[socket.socket, FrameReader]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(path))
    reader = FrameReader(sock, MAX_REPLY)
    assert reader.read()["type"] == "hello"
    return sock, reader


def test_replies_are_strict_utf8_when_a_request_quotes_bytes_that_are_not(serving):
    serving.serve("t")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(serving.socket("t")))
    raw = FrameReader(sock, MAX_REPLY)
    raw.read()                                          # hello
    body = b'{"type":"run","tokens":["\xff\xfe"]}'    # not UTF-8, as a careless client sends
    sock.sendall(HEADER.pack(len(body)) + body)
    header = b""
    while len(header) < HEADER.size:
        header += sock.recv(HEADER.size - len(header))
    (size,) = HEADER.unpack(header)
    payload = b""
    while len(payload) < size:
        payload += sock.recv(size - len(payload))
    reply = json.loads(payload.decode("utf-8"))        # strict: no surrogates, no raw bytes
    assert reply["type"] == "error" and 'unknown command "\\xff\\xfe"' in reply["message"]
    sock.close()


def test_garbage_on_the_socket_gets_error_replies_and_serving_goes_on(serving):
    serving.serve("t")
    path = serving.socket("t")
    sock, reader = frames(path)
    cases = [
        (HEADER.pack(5) + b"{nope", "malformed message"),
        (HEADER.pack(2) + b"[]", 'not an object with a "type"'),
        (HEADER.pack(2) + b"\xff\xfe", "malformed message"),
        (HEADER.pack(0), "malformed message"),
        (encode({"type": "frob"}), 'unknown message type "frob"'),
        (encode({"type": "run", "tokens": "link show"}), "not a list of strings"),
        (HEADER.pack(MAX_REQUEST + 1) + b"x" * (MAX_REQUEST + 1), "too large"),
        (HEADER.pack(200_000) + b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32"),
    ]
    for data, message in cases:
        sock.sendall(data)
        reply = reader.read()
        assert reply["type"] == "error" and message in reply["message"], (data[:20], reply)
    # the same connection still runs commands; options of the wrong type are ignored, and
    # brackets inside strings do not count as nesting
    sock.sendall(encode({"type": "run", "tokens": ["-br", "link", "show", "a"],
                         "options": {"json": "yes", "stats": [1]}, "note": "[[[[" * 40}))
    reply = reader.read()
    assert (reply["type"], reply["kind"], reply["status"]) == ("result", "link", 0)
    assert reply["data"][0]["ifname"] == "a"
    sock.sendall(encode({"type": "live", "kind": "link"}))
    assert reader.read()["names"] == ["lo", "a", "b"]
    sock.close()
    other, other_reader = frames(path)                 # HTTP at a netsh socket
    other.sendall(b"GET / HTTP/1.1\r\nHost: netsh\r\n\r\n")
    assert "too large" in other_reader.read()["message"]
    other.close()
    rude, _ = frames(path)                             # noise, then gone mid-frame
    rude.sendall(HEADER.pack(100) + os.urandom(50))
    rude.close()
    r = serving.run("-n", "t", "link", "show", "dev", "b")
    assert r.returncode == 0 and "b@a:" in r.stdout


def test_a_served_stack_refuses_every_face_launching_command_with_one_line(serving):
    served = serving.serve("t")
    launchers = [command for command in GRAMMAR.root.commands() if is_face_launcher(command)]
    assert {command.name for command in launchers} == {"serve", "tui", "demo"}
    sock, reader = frames(serving.socket("t"))
    for command in launchers:          # what a face of ours never sends, but a client may
        sock.sendall(encode({"type": "run", "tokens": list(command.words)}))
        assert reader.read() == {
            "type": "error", "status": 1, "index": None,
            "message": f'"{command.name}" opens a face of its own: run it without -n, '
                       'not in the served stack'}
    sock.sendall(encode({"type": "run", "tokens": ["-br", "link", "show", "a"]}))
    assert reader.read()["status"] == 0
    sock.close()
    assert serving.run("-n", "t", "shutdown").returncode == 0
    assert served.wait() == 0
    assert served.stderr == ""


def test_stale_socket_is_detected_and_replaced(serving):
    served = serving.serve("t")
    os.kill(served.pid, signal.SIGKILL)               # a crash: socket and lock file stay
    served.wait()
    assert serving.socket("t").exists()
    r = serving.run("-n", "t", "link")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error: no stack is served as "t" (netsh list shows them)\n'
    assert serving.run("list").stdout == ""
    again = serving.serve("t")
    r = serving.run("-n", "t", "-br", "link", "show", "a")
    assert r.returncode == 0 and r.stdout.startswith("a@b")
    # a socket file nobody listens on, with no lock file at all
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(serving.socket("u")))
    dead.close()
    serving.serve("u", setup=None)
    rows = json.loads(serving.run("-j", "list").stdout)
    assert [(row["name"], row["pid"]) for row in rows] == [("t", again.pid), ("u", rows[1]["pid"])]


def test_a_name_in_use_fails_with_one_line(serving):
    served = serving.serve("t")
    r = serving.run("serve", "--name", "t")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f'Error: a stack is already served as "t" (pid {served.pid})\n'
    assert serving.run("-n", "t", "link").returncode == 0


def test_shutdown_stops_cleanly(serving):
    served = serving.serve("t")
    pinger = serving.popen("-n", "t", "ping", "-i", "0.2", "192.0.2.2")
    pinger.stdout.readline()
    assert "bytes from" in pinger.stdout.readline()
    r = serving.run("-n", "t", "shutdown")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert served.wait() == 0 and "Traceback" not in served.stderr
    assert not (serving.rundir / "netsh" / "t.sock").exists()
    assert not (serving.rundir / "netsh" / "t.lock").exists()
    out, err = pinger.communicate(timeout=15)          # its ping was interrupted, as by Ctrl-C
    assert pinger.returncode == 0 and "ping statistics" in out
    r = serving.run("-n", "t", "link")
    assert r.returncode == 1 and "no stack is served" in r.stderr


def test_shutdown_and_serve_only_where_they_make_sense(serving, tmp_path, capsys):
    assert main(["shutdown"]) == 1
    assert capsys.readouterr().err == ('Error: no served stack to shut down here: '
                                       '"netsh -n NAME shutdown" stops one\n')
    batch = tmp_path / "b"
    batch.write_text("serve --name x\n")
    assert main(["-b", str(batch)]) == 1
    assert capsys.readouterr().err.startswith('Error: "serve" runs on its own')
    assert main(["serve", "--name", "bad/name"]) == 255
    assert capsys.readouterr().err.startswith('Error: invalid NAME "bad/name"')
    serving.serve("t")
    assert main(["-n", "t", "serve"]) == 1
    assert capsys.readouterr().err.startswith('Error: "serve" runs on its own')
    assert main(["-n", "t", "demo"]) == 1
    assert capsys.readouterr().err == ('Error: "demo" builds its own stack and lab; '
                                       'run it without -n\n')
    assert main(["-n", "t", "-netns", "x", "link"]) == 1
    assert "-netns and -n do not go together" in capsys.readouterr().err
    # stateless commands need no server at all
    assert main(["-n", "nosuch", "help", "shutdown"]) == 0
    assert capsys.readouterr().out.startswith("Usage: shutdown\n")
    assert main(["-n", "nosuch", "sleep", "0"]) == 0       # sleep waits in the face
    assert main(["-n", "nosuch", "link"]) == 1
    assert capsys.readouterr().err == ('Error: no stack is served as "nosuch" '
                                       '(netsh list shows them)\n')


def test_relative_file_names_are_the_faces(serving, tmp_path):
    serving.serve("t")
    r = serving.run("-n", "t", "capture", "save", "ring.pcapng", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ring.pcapng").exists()
    assert r.stdout == f"0 packets saved to {tmp_path / 'ring.pcapng'}\n"


def test_attached_shell_runs_lines_and_completes_live_names(serving):
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from netsh.attach import AttachedExecutor
    from netsh.shell import NetshCompleter, run_shell
    served = serving.serve("t")
    out, err = io.StringIO(), io.StringIO()
    executor = AttachedExecutor("t", out=out, err=err, grammar=GRAMMAR)
    try:
        executor.connect()
        completer = NetshCompleter(executor.grammar, executor.live)
        cands, _ = completer.candidates("link set ")
        assert {"a", "b", "lo"} <= {c.text for c in cands}
        with create_pipe_input() as inp:
            inp.send_text("-br link show a\nlink show eth9\nshutdown\nlink show\n")
            inp.close()
            assert run_shell(executor, input=inp, output=DummyOutput(),
                             history=InMemoryHistory()) == 0
    finally:
        executor.close()
    assert out.getvalue().startswith("a@b              UP")
    assert err.getvalue() == 'link show eth9\n          ^^^^\nError: Cannot find device "eth9"\n'
    assert executor.exit_requested                      # shutdown ended the session
    assert executor.prompt == "netsh@t> "
    assert served.wait() == 0


def test_a_face_of_its_own_gets_structured_results(serving):
    """The seam a dashboard attaches through: Results, partial ones included, no text."""
    from netsh.attach import AttachedExecutor
    from netsh.context import Context
    serving.serve("t")
    partial = []

    class Collect(Context):
        def emit(self, result):
            partial.append(result)

    executor = AttachedExecutor("t", out=io.StringIO(), err=io.StringIO(), grammar=GRAMMAR)
    executor.context_class = Collect
    try:
        result = executor.execute(["link", "show", "a"])
        assert (result.kind, result.data[0]["ifname"], result.data[0]["peer"]) == ("link", "a", "b")
        result = executor.execute(["ping", "-c", "2", "-i", "0.2", "192.0.2.2"])
        assert (result.kind, result.status, result.data["received"]) == ("ping", 0, 2)
        assert [r.kind for r in partial] == ["ping-start", "ping-event", "ping-event"]
        assert executor.hello["name"] == "t"
    finally:
        executor.close()
    assert executor.out.getvalue() == executor.err.getvalue() == ""
