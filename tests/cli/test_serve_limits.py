"""The served stack's limits (netsh/protocol.py, docs/serve.md), each crossed by a test.

Servers are real `netsh serve` processes (pair links only); clients speak the frame
protocol over the socket, as a careless or hostile client would, or run netsh itself.
Thread counts are the server's own (/proc/PID/status), not guessed.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from netsh.protocol import MAX_FACES, MAX_PENDING, MAX_REPLY, FrameReader, encode
from stack.capfile import PcapWriter
from tests.checker import A_IP, B_IP, PEER_MAC, echo_packet, ethernet
from tests.cli.test_serve import SETUP, serving  # noqa: F401  (the fixture)

ETH_P_IP = 0x0800


class Face:
    """One raw connection; `hello=False` leaves it silent after the server's greeting."""

    def __init__(self, path: Path, hello: bool = True, timeout: float = 20.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.reader = FrameReader(self.sock, MAX_REPLY)
        self.greeting = self.reader.read()
        assert self.greeting["type"] in ("hello", "error"), self.greeting
        if hello:
            self.send({"type": "hello"})

    def send(self, msg: dict) -> None:
        self.sock.sendall(encode(msg))

    def run(self, *tokens: str, **options) -> None:
        self.send({"type": "run", "tokens": list(tokens), "options": options})

    def read(self) -> dict | None:
        return self.reader.read()

    def outcome(self) -> dict:
        """Frames up to the one that closes the command (rows gathered under "rows")."""
        rows: list = []
        while True:
            msg = self.read()
            assert msg is not None, "connection closed before the command ended"
            if msg["type"] == "rows":
                rows += msg["items"]
            elif msg["type"] in ("result", "error", "interrupted"):
                msg["rows"] = rows
                return msg

    def closed(self) -> bool:
        """Whether the server hung up (reading until the end of the stream)."""
        try:
            while self.read() is not None:
                pass
        except OSError:
            return False
        return True

    def close(self) -> None:
        self.sock.close()


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])          # utime + stime


def settle(pid: int, expect, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        count = threads_of(pid)
        if expect(count) or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def capture_file(path: Path, packets: int) -> Path:
    with PcapWriter(str(path)) as writer:
        for n in range(packets):
            frame = ethernet(b"\x02\x00\x00\x00\x00\x0a", PEER_MAC, ETH_P_IP,
                             bytes(echo_packet(A_IP, B_IP, payload=bytes(range(256)) * 4, seq=n % 65536)))
            writer.write((1_700_000_000 + n / 1000, frame))
    return path


def served_with_ring(serving, tmp_path, packets: int, env: str | None = None):  # noqa: F811
    if env is not None:
        serving.env["NETSH_SERVE_LIMITS"] = env
    pcap = capture_file(tmp_path / "ring.pcap", packets)
    return serving.serve("t", setup=SETUP + f"capture read {pcap}\n")


# --- connections that never say hello --------------------------------------------------------

def test_a_connection_silent_or_trickling_past_the_hello_wait_is_closed(serving):  # noqa: F811
    serving.env["NETSH_SERVE_LIMITS"] = "hello_wait=1"
    serving.serve("t")
    silent = Face(serving.socket("t"), hello=False)
    trickle = Face(serving.socket("t"), hello=False)
    start = time.monotonic()
    frame = encode({"type": "hello"})
    for byte in frame[:-1]:                 # one byte at a time, never the whole frame
        try:
            trickle.sock.send(bytes([byte]))
        except OSError:
            break
        time.sleep(0.15)
    for face in (silent, trickle):
        msg = face.read()
        assert msg["type"] == "error"
        assert msg["message"] == "nothing received within 1 s of connecting: closed"
        assert face.read() is None
    assert 0.9 < time.monotonic() - start < 4
    attached = Face(serving.socket("t"))    # one that says hello stays, idle, past the wait
    time.sleep(1.5)
    attached.run("-br", "link", "show", "a")
    assert attached.outcome()["status"] == 0


def test_silent_connections_cannot_lock_faces_out(serving):  # noqa: F811
    served = serving.serve("t")
    silent = [Face(serving.socket("t"), hello=False) for _ in range(MAX_PENDING)]
    r = serving.run("-n", "t", "-br", "link", "show", "a")       # connection 65 gets in
    assert r.returncode == 0 and r.stdout.startswith("a@b"), r.stderr
    evicted = silent[0].read()                                     # the oldest silent one went
    assert evicted == {"type": "error", "status": 1, "index": None,
                       "message": f"closed: more than {MAX_PENDING} connections were waiting "
                                  "to send their first frame"}
    for face in silent:
        face.close()
    assert served.proc.poll() is None


# --- attached faces ---------------------------------------------------------------------------

def test_attached_faces_are_bounded_at_a_classroom_size(serving):  # noqa: F811
    served = serving.serve("t")
    faces = [Face(serving.socket("t")) for _ in range(MAX_FACES)]
    faces[-1].run("-br", "link", "show", "a")                      # all of them are attached
    assert faces[-1].outcome()["status"] == 0
    extra = Face(serving.socket("t"))
    assert extra.read()["message"] == f"too many faces attached (at most {MAX_FACES})"
    assert extra.closed()
    faces.pop().close()
    settle(served.pid, lambda n: True, 0)                          # let the server see it go
    deadline = time.monotonic() + 5
    while True:
        again = Face(serving.socket("t"))
        again.run("-br", "link", "show", "a")
        reply = again.read()
        if reply["type"] != "error" or time.monotonic() > deadline:
            break
        again.close()
        time.sleep(0.05)
    assert reply["type"] in ("result", "stream"), reply
    assert again.greeting["clients"] == MAX_FACES - 1
    for face in faces + [again]:
        face.close()


def test_a_hundred_faces_at_once_all_get_their_answers(serving):  # noqa: F811
    serving.serve("t")
    results: list[dict] = []
    lock = threading.Lock()

    def one() -> None:
        face = Face(serving.socket("t"))
        face.run("-br", "link", "show", "a")
        reply = face.outcome()
        face.close()
        with lock:
            results.append(reply)

    workers = [threading.Thread(target=one) for _ in range(100)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert len(results) == 100
    assert all(r["type"] == "result" and r["status"] == 0 and r["data"][0]["ifname"] == "a"
               for r in results)


# --- threads ----------------------------------------------------------------------------------

def test_running_commands_are_bounded_and_the_rest_wait_their_turn(serving):  # noqa: F811
    serving.env["NETSH_SERVE_LIMITS"] = "running=4"
    served = serving.serve("t")
    idle = threads_of(served.pid)
    sleepers = [Face(serving.socket("t")) for _ in range(10)]
    for face in sleepers:
        face.run("sleep", "3600")
    # 10 readers, 4 command threads; the other 6 commands wait without a thread
    count = settle(served.pid, lambda n: n >= idle + 14)
    time.sleep(0.3)
    assert threads_of(served.pid) == count == idle + 14
    quick = Face(serving.socket("t"))
    quick.run("-br", "link", "show", "a")
    quick.sock.settimeout(0.5)
    with pytest.raises(socket.timeout):     # queued behind the sleepers
        quick.read()
    quick.sock.settimeout(20)
    for face in sleepers[:7]:                # interrupted, queued or running: each ends
        face.send({"type": "interrupt"})
        assert face.outcome()["type"] == "interrupted"
    assert quick.outcome()["status"] == 0
    for face in sleepers:
        face.close()
    quick.close()
    assert settle(served.pid, lambda n: n == idle) == idle


def test_commands_of_connections_that_go_stop_and_leave_no_thread(serving):  # noqa: F811
    served = serving.serve("t")
    idle = threads_of(served.pid)
    faces = [Face(serving.socket("t")) for _ in range(200)]
    for face in faces:
        face.run("sleep", "3600")
    settle(served.pid, lambda n: n >= idle + 200)
    for face in faces:
        face.close()
    assert settle(served.pid, lambda n: n == idle) == idle


# --- results ----------------------------------------------------------------------------------

def test_a_face_that_does_not_read_stalls_only_itself_and_is_dropped(serving, tmp_path):  # noqa: F811
    served = served_with_ring(serving, tmp_path, 3000, env="send_wait=2")
    idle = threads_of(served.pid)
    stalled = Face(serving.socket("t"))
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.run("-j", "capture", "show", "-V", json=True)
    time.sleep(0.5)
    r = serving.run("-n", "t", "-br", "link", "show", "a")        # everyone else goes on
    assert r.returncode == 0 and r.stdout.startswith("a@b")
    time.sleep(4.5)           # a send that moves nothing for send_wait (after a last partial one)
    assert stalled.closed()                                        # the rows it took, then the end
    assert settle(served.pid, lambda n: n == idle) == idle


def test_a_streamed_result_stops_being_made_when_interrupted(serving, tmp_path):  # noqa: F811
    served = served_with_ring(serving, tmp_path, 3000)
    face = Face(serving.socket("t"))
    face.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    face.run("capture", "show", "-V", json=True)
    assert face.read()["type"] == "stream"
    assert face.read()["type"] == "rows"
    face.send({"type": "interrupt"})
    rows = 0
    while (msg := face.read())["type"] == "rows":
        rows += len(msg["items"])
    assert msg["type"] == "interrupted"
    assert rows < 2500                                 # it did not finish the listing
    before = cpu_ticks(served.pid)
    time.sleep(1.0)
    assert cpu_ticks(served.pid) - before < 20         # the server is idle again (< 0.2 s of CPU)
    face.run("-br", "link", "show", "a")               # and the face can go on
    assert face.outcome()["status"] == 0


def test_a_streamed_result_is_the_whole_listing(serving, tmp_path):  # noqa: F811
    served_with_ring(serving, tmp_path, 3000)
    face = Face(serving.socket("t"))
    face.run("capture", "show", "-V", json=True)
    assert face.read() == {"type": "stream", "kind": "capture",
                           "data": {"verbose": True, "hex": False}}
    reply = face.outcome()
    assert (reply["type"], reply["status"], reply["streamed"]) == ("result", 0, True)
    assert [row["number"] for row in reply["rows"]] == list(range(1, 3001))
    r = serving.run("-n", "t", "-j", "capture", "show", "-V")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1
    import json
    assert [p["number"] for p in json.loads(r.stdout)] == list(range(1, 3001))


# --- shutdown ---------------------------------------------------------------------------------

def test_shutdown_answers_when_everything_is_stopped_however_busy(serving, tmp_path):  # noqa: F811
    served = served_with_ring(serving, tmp_path, 3000, env="running=4")
    busy = [Face(serving.socket("t")) for _ in range(6)]
    for face in busy[:5]:
        face.run("sleep", "3600")
    busy[5].sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    busy[5].run("capture", "show", "-V", json=True)          # never read
    time.sleep(0.3)
    r = serving.run("-n", "t", "shutdown")
    answered = time.monotonic()
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert not serving.socket("t").exists()
    assert not (serving.rundir / "netsh" / "t.lock").exists()
    assert served.wait(5) == 0
    assert time.monotonic() - answered < 2
    assert "Traceback" not in served.stderr


def test_limits_are_tuned_by_the_environment_or_refused_in_one_line(serving):  # noqa: F811
    serving.env["NETSH_SERVE_LIMITS"] = "faces=0"
    r = serving.run("serve", "--name", "bad")
    assert (r.returncode, r.stderr) == (1, 'Error: NETSH_SERVE_LIMITS: faces must be a positive '
                                           'int, not "0"\n')
    serving.env["NETSH_SERVE_LIMITS"] = "threads=3"
    r = serving.run("serve", "--name", "bad")
    assert r.returncode == 1 and r.stderr.startswith(
        'Error: NETSH_SERVE_LIMITS: unknown limit "threads" (one of: faces, pending, running, '
        'hello_wait, send_wait)')
