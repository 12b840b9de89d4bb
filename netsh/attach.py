"""Faces attached to a served stack: ``netsh -n NAME [ COMMAND ... | -b FILE ]``.

`AttachedExecutor` is an Executor whose stack lives in a ``netsh serve``
process.  It parses each line itself (so bad words get the same caret and
message without a round trip), runs the stateless commands here (help,
completion, exit, list, lab down) and `sleep` (the served stack keeps running
meanwhile), and sends everything else to the server, which runs it and
returns the structured Result; it is rendered here with this face's options,
so text and ``-j`` come out as they would from an embedded stack.  Partial
results (ping's lines) are rendered as they arrive.  Ctrl-C sends an
interrupt; a second Ctrl-C drops the connection (the next line reconnects).
`execute` returns the Result itself, for faces that draw their own (a TUI).

`register` declares the served-stack commands: ``serve`` (which launches the
server face, netsh/serve.py), ``list`` and ``shutdown``.
"""
from __future__ import annotations

import os
import queue
import socket
import threading
from typing import Sequence, TextIO

from netsh.argtypes import FILE
from netsh.context import Context
from netsh.errors import EXIT_FAIL, CommandError
from netsh.executor import Executor
from netsh.faces import launches_face
from netsh.grammar import ArgType, Node, flag, leaf, opt
from netsh.options import Options
from netsh.protocol import (DEFAULT_NAME, MAX_FACES, MAX_REPLY, PROTOCOL, FrameError, FrameReader, encode,
                            name_problem, result_of, runtime_dir, socket_path, wire_options)
from netsh.render import Result, RowWriter, View, renderer

HELLO_TIMEOUT = 10.0       # seconds for a served stack to greet
LIVE_TIMEOUT = 2.0         # seconds completion waits for names
PROBE_TIMEOUT = 1.0        # seconds `list` gives each socket
FRAME_QUEUE = 16           # frames read ahead of what the face has shown

# Commands an attached face runs itself although they touch no stack, or refuses.
LOCAL = {("sleep",), ("tui",)}      # the dashboard runs in the face, attached over its own connections
REFUSED = {
    ("serve",): '"serve" runs on its own, not through -n: netsh serve --name NAME',
    ("demo",): '"demo" builds its own stack and lab; run it without -n',
}


class Channel:
    """One connection to a served stack; a reader thread turns its frames into a queue."""

    def __init__(self, name: str, timeout: float = HELLO_TIMEOUT):
        problem = name_problem(name)
        if problem:
            raise CommandError(f'invalid NAME "{name}": {problem}')
        self.name = name
        path = socket_path(name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            self.sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            self.sock.close()
            raise CommandError(f'no stack is served as "{name}" (netsh list shows them)') from None
        except OSError as exc:
            self.sock.close()
            raise CommandError(f'cannot attach to "{name}" at {path}: '
                               f'{exc.strerror or exc}') from None
        # Bounded: a face that renders slower than the stack sends makes the reader wait, and
        # through the socket the served command's sends (backpressure, not memory).
        self.frames: queue.Queue = queue.Queue(FRAME_QUEUE)
        self.lost = False
        self._reader = FrameReader(self.sock, MAX_REPLY)
        threading.Thread(target=self._read, name="netsh-attach", daemon=True).start()
        hello = self.next(timeout)
        if hello is None or hello.get("type") != "hello":
            message = hello.get("message") if hello and hello.get("type") == "error" else None
            self.close()
            raise CommandError(f'the stack served as "{name}" did not greet'
                               + (f": {message}" if message else ""))
        if hello.get("protocol") != PROTOCOL:
            self.close()
            raise CommandError(f'the stack served as "{name}" speaks protocol '
                               f'{hello.get("protocol")}, this netsh {PROTOCOL}')
        self.hello = hello
        self.send({"type": "hello"})        # attached: from now on it may idle

    def _read(self) -> None:
        try:
            while True:
                msg = self._reader.read()
                if msg is None:
                    break
                self.frames.put(msg)
        except (OSError, FrameError):
            pass
        self.lost = True
        self.frames.put(None)

    def next(self, timeout: float | None = None) -> dict | None:
        """The next frame; None once the connection is gone (or on timeout)."""
        try:
            return self.frames.get(timeout=timeout)
        except queue.Empty:
            return None

    def send(self, msg: dict) -> bool:
        try:
            self.sock.sendall(encode(msg))
            return True
        except OSError:
            self.lost = True
            return False

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class _Interrupted(Exception):
    """The server says the command was interrupted."""


class _Shown:
    """A streamed result shown as its rows arrive; what closes it has nothing left to show."""

    def __init__(self, head: Result, ctx: Context):
        self.writer = RowWriter(head.kind, head.data, ctx.view, ctx.out)

    def write(self, rows: list) -> None:
        self.writer.write(rows)

    def end(self, result: Result | None) -> Result | None:
        self.writer.close()
        return None if result is None else Result("none", None, result.status)


class _Collected:
    """A streamed result kept whole, for a face that draws it itself (the dashboard)."""

    def __init__(self, head: Result):
        self.head = head
        self.rows: list = []

    def write(self, rows: list) -> None:
        self.rows += rows

    def end(self, result: Result | None) -> Result | None:
        if result is None:
            return None
        return Result(self.head.kind, {**(self.head.data or {}), "rows": self.rows}, result.status)


class AttachedExecutor(Executor):
    def __init__(self, name: str, options: Options | None = None, out: TextIO | None = None,
                 err: TextIO | None = None, *, grammar):
        super().__init__(None, options, out, err, grammar=grammar)
        self.attached = name
        self.stack_name = name              # what a dashboard shows as its subtitle
        self.prompt = f"netsh@{name}> "
        self.channel: Channel | None = None
        self._collecting = False
        self._lock = threading.Lock()       # one exchange at a time (completion runs in a thread)

    # --- the connection ---------------------------------------------------------------------
    def connect(self) -> Channel:
        if self.channel is None or self.channel.lost:
            self.close()
            self.channel = Channel(self.attached)
        return self.channel

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    @property
    def hello(self) -> dict:
        return self.connect().hello

    # --- running ----------------------------------------------------------------------------
    def _execute(self, tokens: Sequence[str]) -> tuple[Context, Result]:
        options, parsed = self.parse(tokens)
        words = parsed.command.words
        if words in REFUSED:
            raise CommandError(REFUSED[words])
        if parsed.command.stateless or words in LOCAL:
            return self.call(options, parsed)
        return self._remote(list(tokens), options)

    def execute(self, tokens: Sequence[str]) -> Result:
        self._collecting = True            # a streamed result is kept whole, not shown
        try:
            return super().execute(tokens)
        finally:
            self._collecting = False

    def _remote(self, tokens: list[str], options: Options) -> tuple[Context, Result]:
        ctx = self.context_class(self, options)
        ctx.stream = None                  # where a streamed result's rows go as they come
        with self._lock:
            channel = self.connect()
            try:
                cwd = os.getcwd()
            except OSError:
                cwd = None
            channel.send({"type": "run", "tokens": tokens, "options": wire_options(self.options),
                          "cwd": cwd})
            interrupted = False
            while True:
                try:
                    msg = channel.next()
                    if msg is None:
                        self.close()
                        self.exit_requested = True     # nothing else can work now
                        raise CommandError(f'the stack served as "{self.attached}" went away')
                    done = self._frame(ctx, msg)
                    if done is not None:
                        return ctx, done
                except _Interrupted:
                    raise KeyboardInterrupt from None
                except KeyboardInterrupt:
                    if interrupted or not channel.send({"type": "interrupt"}):
                        self.close()           # a second Ctrl-C: stop waiting for it
                        raise
                    interrupted = True

    def _frame(self, ctx: Context, msg: dict) -> Result | None:
        """Show one frame; the Result when it closes the command."""
        kind = msg.get("type")
        if kind == "emit":
            ctx.emit(result_of(msg))
        elif kind == "stream":
            ctx.stream = self._stream_sink(ctx, result_of(msg))
        elif kind == "rows" and ctx.stream is not None:
            items = msg.get("items")
            ctx.stream.write(items if isinstance(items, list) else [])
        elif kind in ("out", "err"):
            stream = self.out if kind == "out" else self.err
            stream.write(str(msg.get("text", "")))
            stream.flush()
        elif kind == "result":
            if msg.get("exit"):
                self.exit_requested = True
            result = result_of(msg)
            if msg.get("streamed") and ctx.stream is not None:
                return ctx.stream.end(result)
            return result
        elif kind == "error":
            index = msg.get("index")
            raise CommandError(str(msg.get("message", "error")),
                               int(msg.get("status") or EXIT_FAIL),
                               index=index if isinstance(index, int) else None)
        elif kind == "interrupted":
            if ctx.stream is not None:
                ctx.stream.end(None)          # what was shown stays a whole document
            raise _Interrupted()
        return None                      # stale completion answers and the like

    def _stream_sink(self, ctx: Context, head: Result):
        return _Collected(head) if self._collecting else _Shown(head, ctx)

    # --- completion -----------------------------------------------------------------------
    def live(self, kind: str) -> list[str]:
        if not self._lock.acquire(blocking=False):
            return []                    # a command is running; no names now
        try:
            channel = self.connect()
            if not channel.send({"type": "live", "kind": kind}):
                return []
            while True:
                msg = channel.next(LIVE_TIMEOUT)
                if msg is None:
                    return []
                if msg.get("type") == "live" and msg.get("kind") == kind:
                    names = msg.get("names")
                    return [str(n) for n in names] if isinstance(names, list) else []
        except CommandError:
            return []
        finally:
            self._lock.release()


def served_stacks() -> list[dict]:
    """The stacks served here that answer: their greeting, and the socket's path."""
    rows = []
    try:
        paths = sorted(runtime_dir().glob("*.sock"))
    except OSError:
        return rows
    for path in paths:
        name = path.name[:-len(".sock")]
        if name_problem(name):
            continue
        try:
            channel = Channel(name, PROBE_TIMEOUT)
        except CommandError:
            continue                     # stale (its server died) or starting
        hello = channel.hello
        channel.close()
        rows.append({"name": name, "pid": hello.get("pid"), "netns": hello.get("netns"),
                     "lab": bool(hello.get("lab")), "clients": hello.get("clients"),
                     "started": hello.get("started"), "socket": str(path)})
    return rows


def with_attached(options: Options, body, *, grammar, connect: bool = True) -> int:
    """body(executor) on the stack served as options.name; `connect` first for a shell or batch."""
    import sys
    if options.netns is not None:
        print('Error: -netns and -n do not go together: a served stack has its namespace',
              file=sys.stderr)
        return EXIT_FAIL
    executor = AttachedExecutor(options.name, options, grammar=grammar)
    try:
        if connect:
            executor.connect()
    except CommandError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return exc.status
    try:
        return body(executor)
    finally:
        executor.close()


# --- the served-stack commands -----------------------------------------------------------------

class ServedName(ArgType):
    metavar = "NAME"
    help = "the name faces attach with (netsh -n NAME)"

    def parse(self, token: str) -> str:
        problem = name_problem(token)
        if problem:
            raise ValueError(problem)
        return token


NAME = ServedName()


def serve(ctx, args):
    executor = ctx.executor
    if executor.stack is not None or getattr(executor, "attached", None):
        raise CommandError('"serve" runs on its own: netsh [ -netns NS ] serve [ --name NAME ] '
                           '[ -b FILE ] [ --lab ]')
    from netsh.serve import run_server       # the server's code loads only when it runs
    status = run_server(args["name"] or DEFAULT_NAME, ctx.options, ctx.out, ctx.err,
                        batch=args["batch"], lab=bool(args["lab"]), grammar=executor.grammar)
    return Result("none", None, status)


def list_(ctx, args):
    return Result("served", served_stacks())


def shutdown(ctx, args):
    from netsh.serve import shutdown as stop  # runs in the server, where it is loaded already
    stop(ctx)


def register(root: Node) -> None:
    launches_face(leaf(
        root, ("serve",),
        [opt("--name", "name", NAME, help=f"the name to serve as (default: {DEFAULT_NAME})"),
         opt("-b", "batch", FILE, help="configure the stack with this batch first (- for stdin)"),
         flag("--lab", "lab", help="build the demo's lab (root) and serve the stack in it")],
        "run a stack headless, served on a UNIX socket for netsh -n NAME", serve, stateless=True,
        details=f"Faces attach with netsh -n NAME [ COMMAND ]: up to {MAX_FACES} at once. "
                "It runs until netsh -n NAME shutdown, SIGTERM or Ctrl-C."))
    leaf(root, ("list",), [], "the served stacks (netsh serve) and how many faces each has",
         list_, stateless=True)
    leaf(root, ("shutdown",), [], "stop the served stack this face is attached to", shutdown,
         details="netsh -n NAME shutdown: running commands are interrupted, pcap handles closed, "
                 "a lab's namespaces removed.")


@renderer("served")
def served_text(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = f"{row['name']}: pid {row['pid']}, {row['clients']} attached"
        if row.get("netns"):
            text += f", netns {row['netns']}" + (" (lab)" if row.get("lab") else "")
        lines.append(text + f", {row['socket']}")
    return "\n".join(lines)
