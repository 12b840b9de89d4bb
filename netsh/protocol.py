"""The socket between a served stack (netsh/serve.py) and attached faces (netsh/attach.py).

Where: ``$XDG_RUNTIME_DIR/netsh/NAME.sock``; as root without XDG_RUNTIME_DIR,
``/run/netsh/NAME.sock``; otherwise ``/tmp/netsh-UID/NAME.sock``.  The
directory is 0700, the socket 0600, and ``NAME.lock`` (flock'd by the server
for its whole life) says whether a socket left there is alive or stale.

Frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON, one
object with a ``type``.  A face's frames are at most `MAX_REQUEST` bytes,
the server's at most `MAX_REPLY`.  A face asks::

    {"type": "run", "tokens": [...], "options": {...}, "cwd": "/dir"}
    {"type": "interrupt"}                       Ctrl-C for the running command
    {"type": "live", "kind": "link"}            names for completion

The server greets with ``{"type": "hello", "protocol": 1, "name", "pid", ...}``;
a face answers with its own ``{"type": "hello"}`` at once (any first frame
will do): a connection that sends nothing within `HELLO_WAIT` is closed.  The
server answers a run with any number of ``emit`` (a partial Result: ping's
lines), ``out`` / ``err`` (text a handler wrote), then exactly one of
``result`` (kind, data, status; ``exit`` when the command ends the session),
or, for a streamed result, ``stream`` (kind, data), ``rows`` frames (items)
and then ``result`` with ``streamed``,
``error`` (message, status, index of the offending token) or ``interrupted``.
A malformed or oversized frame gets ``error`` and the connection goes on.
Results are the handlers' plain data: the face renders them itself, so its
``-j``, ``-s``, ``-br`` and colours give what the embedded stack would.
"""
from __future__ import annotations

import json
import os
import re
import socket
import struct
import time
from pathlib import Path
from typing import Any

from netsh.options import Options
from netsh.render import Result

PROTOCOL = 1
HEADER = struct.Struct("!I")

# The served stack's limits, all here (docs/serve.md explains each; tests/cli/test_serve_limits.py
# crosses each one).
MAX_REQUEST = 1 << 20            # bytes in a face's frame: a command line, a completion request
MAX_REPLY = 64 << 20             # bytes in one frame of the server's (a streamed result takes many)
ROWS_FRAME = 1 << 20             # a streamed result's rows travel in frames of about this many bytes
MAX_NESTING = 32                 # brackets deep a request may go (ours go 3)
HELLO_WAIT = 5.0                 # seconds a new connection has to send its first frame
SEND_WAIT = 30.0                 # seconds a face may leave a reply unread before it is dropped
MAX_FACES = 256                  # faces attached at once (a classroom on one lab, with room)
MAX_PENDING = 64                 # connections at once that have not yet sent their first frame
MAX_RUNNING = 32                 # commands running at once, all faces together (one thread each)

# NETSH_SERVE_LIMITS="faces=400,hello_wait=2" tunes the limits a served stack starts with.
TUNABLE = {"faces": "MAX_FACES", "pending": "MAX_PENDING", "running": "MAX_RUNNING",
           "hello_wait": "HELLO_WAIT", "send_wait": "SEND_WAIT"}


def tune_limits(spec: str) -> str | None:
    """Apply NETSH_SERVE_LIMITS's `key=value,...`; the problem in one line, or None."""
    changes = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, value = item.partition("=")
        name = TUNABLE.get(key.strip())
        if name is None:
            return f'NETSH_SERVE_LIMITS: unknown limit "{key.strip()}" (one of: {", ".join(TUNABLE)})'
        kind = type(globals()[name])
        try:
            number = kind(value)
        except ValueError:
            number = 0
        if not number > 0:
            return f'NETSH_SERVE_LIMITS: {key.strip()} must be a positive {kind.__name__}, not "{value}"'
        changes[name] = number
    globals().update(changes)
    return None


LIMITS_PROBLEM = tune_limits(os.environ.get("NETSH_SERVE_LIMITS", ""))

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEFAULT_NAME = "default"
# The global options a command's handler and renderer may look at; the rest stay with the face.
WIRE_OPTIONS = ("json", "pretty", "stats", "brief", "color", "force")


class FrameError(Exception):
    """A frame that cannot be taken: too large, not JSON, not an object with a type."""


class FrameTimeout(FrameError):
    """The frame did not come whole before its deadline."""


class FrameTooLarge(FrameError):
    def __init__(self, size: int, limit: int):
        super().__init__(f"message of {size} bytes is too large (at most {limit})")
        self.size = size


# --- where ---------------------------------------------------------------------------

def name_problem(name: str) -> str | None:
    if not NAME_RE.fullmatch(name or ""):
        return ("a name has 1..64 letters, digits, '.', '_' or '-', "
                "and starts with a letter or digit")
    return None


def runtime_dir() -> Path:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "netsh"
    if os.geteuid() == 0:
        return Path("/run/netsh")
    import tempfile
    return Path(tempfile.gettempdir()) / f"netsh-{os.geteuid()}"


def ensure_runtime_dir() -> Path:
    """The directory, made 0700 if missing; refused if someone else owns it or may write it."""
    path = runtime_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise OSError(f"{path}: not ours alone "
                      f"(owner uid {st.st_uid}, mode {st.st_mode & 0o777:o})")
    return path


def socket_path(name: str) -> Path:
    return runtime_dir() / f"{name}.sock"


def lock_path(name: str) -> Path:
    return runtime_dir() / f"{name}.lock"


# --- frames -----------------------------------------------------------------------------

def encode(msg: dict) -> bytes:
    """One frame; TypeError/ValueError when the message is not plain data."""
    payload = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8",
                                                                                "surrogateescape")
    return HEADER.pack(len(payload)) + payload


def encode_reply(msg: dict) -> bytes:
    """A served stack's frame: strict UTF-8 whatever it quotes (see `encode_value`)."""
    payload = encode_value(msg)
    return HEADER.pack(len(payload)) + payload


def encode_value(value) -> bytes:
    """Compact JSON in strict UTF-8.  Bytes a request carried that are not UTF-8 (kept as
    surrogates by `decode`) are written as visible ``\\xff`` escapes."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(_escaped(value), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def rows_frame(items: list[bytes]) -> bytes:
    """A ``rows`` frame from rows already encoded by `encode_value`."""
    payload = b'{"type":"rows","items":[' + b",".join(items) + b"]}"
    return HEADER.pack(len(payload)) + payload


def _escaped(value):
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[][{}]")


def nesting(payload: bytes) -> int:
    """How deep the JSON text's brackets go (strings left out), without parsing it."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b"", payload)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def decode(payload: bytes, max_nesting: int | None = None) -> dict:
    """A frame's message; FrameError for anything else.  A request's depth is bounded before
    it is parsed (`max_nesting`), so no frame can make the parser recurse without end."""
    if max_nesting is not None and nesting(payload) > max_nesting:
        raise FrameError(f"malformed message: nested deeper than {max_nesting}")
    try:
        msg = json.loads(payload.decode("utf-8", "surrogateescape"))
    except ValueError as exc:
        raise FrameError(f"malformed message: {exc}") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise FrameError('malformed message: not an object with a "type"')
    return msg


class FrameReader:
    """Frames off a stream socket.  A too-large frame raises FrameTooLarge once and its
    bytes are skipped as they come, so the next frame is read as usual."""

    def __init__(self, sock: socket.socket, limit: int, max_nesting: int | None = None):
        self.sock = sock
        self.limit = limit
        self.max_nesting = max_nesting
        self.buf = bytearray()
        self.skip = 0

    def read(self, deadline: float | None = None) -> dict | None:
        """The next message; None at end of stream.  With a `deadline` (time.monotonic()),
        FrameTimeout once it passes, however slowly the bytes trickle in."""
        while True:
            if self.skip and self.buf:
                n = min(self.skip, len(self.buf))
                del self.buf[:n]
                self.skip -= n
            if not self.skip and len(self.buf) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buf)
                if size > self.limit:
                    del self.buf[:HEADER.size]
                    self.skip = size
                    raise FrameTooLarge(size, self.limit)
                end = HEADER.size + size
                if len(self.buf) >= end:
                    payload = bytes(self.buf[HEADER.size:end])
                    del self.buf[:end]
                    return decode(payload, self.max_nesting)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FrameTimeout("no whole message in time")
                socket_timeout(self.sock, socket.SO_RCVTIMEO, left)
            try:
                chunk = self.sock.recv(1 << 18)
            except BlockingIOError:       # SO_RCVTIMEO ran out
                raise FrameTimeout("no whole message in time") from None
            if not chunk:
                return None
            self.buf += chunk


def socket_timeout(sock: socket.socket, option: int, seconds: float) -> None:
    """SO_RCVTIMEO / SO_SNDTIMEO on a blocking socket (0: wait for ever); a blocked call then
    fails with EAGAIN, while the other direction keeps blocking as before."""
    whole = int(seconds)
    sock.setsockopt(socket.SOL_SOCKET, option,
                    struct.pack("@ll", whole, int((seconds - whole) * 1_000_000)))


# --- what travels ---------------------------------------------------------------------------

def result_message(type_: str, result: Result) -> dict:
    return {"type": type_, "kind": result.kind, "data": result.data, "status": result.status}


def result_of(msg: dict) -> Result:
    return Result(str(msg.get("kind", "none")), msg.get("data"), int(msg.get("status") or 0))


def error_message(message: str, status: int = 1, index: int | None = None) -> dict:
    return {"type": "error", "message": message, "status": status, "index": index}


def wire_options(options: Options) -> dict[str, Any]:
    return {key: getattr(options, key) for key in WIRE_OPTIONS}


def options_from(data: Any) -> Options:
    """A face's options, taking only known keys of the right type (anything else: default)."""
    options = Options()
    if isinstance(data, dict):
        for key in WIRE_OPTIONS:
            value = data.get(key)
            if value is not None and type(value) is type(getattr(options, key)):
                setattr(options, key, value)
    return options
