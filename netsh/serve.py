"""``netsh serve``: one stack, headless, behind a UNIX socket; faces attach with ``-n NAME``.

The server parses and runs each command line a face sends against its stack,
with the face's options, and sends back the structured Result (and the
partial results a command emits while it runs: ping's lines); the face
renders them.  Frames and paths: netsh/protocol.py.

Threads: the main thread accepts; each connection has a reader thread and,
while a command runs, a worker thread; the stack keeps its own thread, which
every worker reaches through the runtime's call interface (DESIGN principle 9).
At most `MAX_RUNNING` commands run at once; a command beyond that waits for
a free slot.  Ctrl-C in a face becomes an ``interrupt``: the command's next
call into the stack, its next sleep and its next streamed row raise
KeyboardInterrupt (ping then prints its summary, as at home); a command still
busy `GRACE` seconds later is left to end unheard and the face is told
``interrupted``.  A face that vanishes is an interrupt nobody hears: its
command stops at the same points.  Results with rows (``capture show``) are
streamed: rows are encoded and sent a frame at a time, and a face that does
not read stalls only its own command, until `SEND_WAIT` drops it.
``shutdown`` (or SIGTERM, SIGINT) stops accepting, interrupts the running
commands, stops the stack (pcap handles closed), removes the lab's
namespaces if it built one, frees the name, and only then answers.  The
limits are in netsh/protocol.py and docs/serve.md.

The name is held by an flock on ``NAME.lock`` for the server's life: a
second ``serve`` with that name fails at once, and a socket left by a server
that crashed is stale by definition, so it is replaced.
"""
from __future__ import annotations

import collections
import contextlib
import fcntl
import os
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from typing import TextIO

from netsh import __version__
from netsh.context import Context
from netsh.errors import EXIT_INTERNAL, EXIT_OK, CommandError
from netsh.executor import Executor, debugging, failure, internal_failure
from netsh.faces import is_face_launcher
from netsh.options import Options
from netsh.protocol import (HEADER, HELLO_WAIT, MAX_FACES, MAX_NESTING, MAX_PENDING, MAX_REPLY,
                            MAX_REQUEST, MAX_RUNNING, PROTOCOL, ROWS_FRAME, SEND_WAIT, FrameError,
                            FrameReader, FrameTimeout, LIMITS_PROBLEM, encode_reply, encode_value,
                            ensure_runtime_dir, error_message, lock_path, name_problem,
                            options_from, result_message, rows_frame, socket_path, socket_timeout)
from netsh.render import Result
from stack.errors import StackError
from stack.runtime import StackProxy

GRACE = 1.5            # seconds an interrupted command has to answer before the face gives up on it
SHUTDOWN_WAIT = 15.0   # how long `shutdown` waits for the server to finish stopping

# --- the name --------------------------------------------------------------------------------

class NameClaim:
    """An flock on NAME.lock: NAME is ours while we live, and free again when we die."""

    def __init__(self, name: str):
        self.name = name
        self.path = lock_path(name)
        self.fd: int | None = None

    def acquire(self) -> "NameClaim":
        try:
            ensure_runtime_dir()
        except OSError as exc:
            raise CommandError(f"cannot serve: {exc.strerror or exc}"
                               + (f": {exc.filename}" if exc.filename else "")) from None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(fd, 32).decode(errors="replace").strip()
                os.close(fd)
                pid = f" (pid {owner})" if owner.isdigit() else ""
                raise CommandError(f'a stack is already served as "{self.name}"{pid}') from None
            try:        # the file we locked may have been unlinked by its last owner meanwhile
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None


# --- one command of one face -------------------------------------------------------------------

class GatedProxy(StackProxy):
    """The stack proxy a served command gets: after an interrupt, its next call raises
    KeyboardInterrupt (once), where Ctrl-C would have reached it in an embedded face."""

    def __init__(self, runtime, interrupted: threading.Event):
        super().__init__(runtime)
        self._interrupted = interrupted

    def __getattr__(self, name: str):
        call = super().__getattr__(name)
        flag = self._interrupted

        def gated(*args, **kwargs):
            if flag.is_set():
                flag.clear()
                raise KeyboardInterrupt
            return call(*args, **kwargs)

        gated.__name__ = name
        return gated


class FrameStream:
    """What a served handler writes to ctx.out / ctx.err travels as ``out`` / ``err`` frames."""

    def __init__(self, worker: "Worker", kind: str):
        self.worker = worker
        self.kind = kind

    def write(self, text: str) -> int:
        if text:
            self.worker.send({"type": self.kind, "text": str(text)})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class ServedContext(Context):
    def emit(self, result: Result) -> None:
        """A partial result goes to the face as it is, to be rendered there."""
        self.executor.worker.send(result_message("emit", result))

    def interrupted(self) -> bool:
        return self.executor.worker.interrupted.is_set()

    def checkpoint(self) -> None:
        self.executor.worker.checkpoint()

    def sleep(self, seconds: float) -> None:
        self.executor.worker.checkpoint(seconds)


class ServedExecutor(Executor):
    """Runs one face's line against the served stack; `server` is what ``shutdown`` needs."""

    context_class = ServedContext

    def __init__(self, worker: "Worker"):
        super().__init__(None, worker.options, FrameStream(worker, "out"),
                         FrameStream(worker, "err"),
                         stack=GatedProxy(worker.server.runtime, worker.interrupted),
                         grammar=worker.server.grammar)
        self.worker = worker
        self.server = worker.server

    def prepare(self, tokens):
        """The parsed line, with the face's relative file names made absolute."""
        options, parsed = self.parse(tokens)
        if is_face_launcher(parsed.command):    # it would open its face in the server's process
            raise CommandError(f'"{parsed.command.name}" opens a face of its own: run it without -n, '
                               'not in the served stack')
        cwd = self.worker.cwd
        for slot in parsed.command.slots:      # a face's relative file names are its own
            value = parsed.args.get(slot.dest)
            if (cwd and slot.type is not None and slot.type.kind == "file"
                    and isinstance(value, str) and value not in ("", "-")
                    and not os.path.isabs(value)):
                parsed.args[slot.dest] = os.path.join(cwd, value)
        return options, parsed

    def _execute(self, tokens):
        return self.call(*self.prepare(tokens))


class Worker:
    """One command of one face: parsed in the face's reader thread, run in a thread of its own
    once one of the server's MAX_RUNNING places is free (until then it waits in a queue)."""

    def __init__(self, conn: "Connection", tokens: list[str], options: Options, cwd: str | None):
        self.conn = conn
        self.server = conn.server
        self.tokens = tokens
        self.options = options
        self.cwd = cwd
        self.interrupted = threading.Event()
        self.detached = False          # nobody listens any more: frames are dropped
        self.counted = False           # holds one of the server's running places
        self.executor = ServedExecutor(self)
        self.parsed = None
        self.thread = threading.Thread(target=self.run, name="netsh-command", daemon=True)

    def prepare(self) -> bytes | None:
        """Parse the line; the error frame when it does not parse."""
        try:
            self.parsed = self.executor.prepare(self.tokens)
        except Exception as exc:
            return self.error_frame(exc)
        return None

    @property
    def exempt(self) -> bool:
        """`shutdown` needs no running place: it is how an operator frees them."""
        return self.parsed[1].command.words == ("shutdown",)

    def send(self, msg: dict) -> None:
        self.conn.send_for(self, encode_reply(msg))

    def interrupt(self, grace: float | None = GRACE) -> None:
        self.interrupted.set()
        if self.server.unqueue(self):       # it never started: it ends here
            self.conn.finish(self, encode_reply({"type": "interrupted"}))
            return
        if grace is not None:
            timer = threading.Timer(grace, self.conn.give_up, (self,))
            timer.daemon = True
            timer.start()

    def checkpoint(self, wait: float = 0.0) -> None:
        """Where a command stops when interrupted: KeyboardInterrupt (once), at once or
        within `wait` seconds of waiting."""
        if self.interrupted.wait(wait) if wait > 0 else self.interrupted.is_set():
            self.interrupted.clear()
            raise KeyboardInterrupt
        if self.detached:                  # nobody waits for what it makes
            raise KeyboardInterrupt

    def run(self) -> None:
        try:
            try:
                data = self.outcome()
            except KeyboardInterrupt:      # an interrupt that came as the command ended
                data = encode_reply({"type": "interrupted"})
        finally:
            self.server.done(self)
        self.conn.finish(self, data)

    def error_frame(self, exc: BaseException) -> bytes:
        known = failure(exc, self.tokens)
        if known is None:
            self.server.log_internal(exc)
            known = internal_failure(exc)
        return encode_reply(error_message(*known))

    def outcome(self) -> bytes:
        """The closing frame: result, error or interrupted."""
        executor = self.executor
        try:
            self.checkpoint()              # interrupted, or its face gone, while it waited
            _, result = executor.call(*self.parsed)
            if result.rows is not None:
                self.send({"type": "stream", "kind": result.kind, "data": result.data})
                self.stream(result.rows)
            msg = result_message("result", result)
            msg["exit"] = executor.exit_requested
            if result.rows is not None:
                msg["streamed"] = True
            try:
                data = encode_reply(msg)
            except (TypeError, ValueError) as exc:
                return encode_reply(error_message(
                    f'internal: the result of kind "{result.kind}" is not plain data: {exc}',
                    EXIT_INTERNAL))
            if len(data) - HEADER.size > MAX_REPLY:
                return encode_reply(error_message(
                    f"the result is too large to send ({len(data) - HEADER.size} bytes, "
                    f"at most {MAX_REPLY}): ask for less"))
            return data
        except KeyboardInterrupt:
            return encode_reply({"type": "interrupted"})
        except Exception as exc:
            return self.error_frame(exc)

    def stream(self, rows) -> None:
        """A streamed result's rows, encoded one by one and sent about ROWS_FRAME bytes at a time:
        the send blocks while the face is behind, and an interrupt or a vanished face stops
        the rows being made."""
        items: list[bytes] = []
        size = 0
        for row in rows:
            self.checkpoint()
            item = encode_value(row)
            if len(item) > MAX_REPLY - 64:
                raise CommandError(f"a row of the result is too large to send ({len(item)} bytes, "
                                   f"at most {MAX_REPLY - 64})")
            if items and size + len(item) > ROWS_FRAME:
                self.conn.send_for(self, rows_frame(items))
                items, size = [], 0
            items.append(item)
            size += len(item) + 1
        if items:
            self.conn.send_for(self, rows_frame(items))


# --- one face ----------------------------------------------------------------------------------

class Connection:
    """One face: a reader thread, at most one running command (`worker`).

    It is *pending* until its first frame (the face's hello) and must send that within
    HELLO_WAIT; then it is *attached*, and may idle for as long as its user thinks.
    """

    def __init__(self, server: "Server", sock: socket.socket):
        self.server = server
        self.sock = sock
        self.lock = threading.Lock()        # `worker` and `gone`
        self.write_lock = threading.Lock()  # whole frames on the socket; taken before `lock`
        self.worker: Worker | None = None
        self.gone = False
        self.attached = False
        self.thread = threading.Thread(target=self.run, name="netsh-face", daemon=True)

    # --- writing (whole frames, under the write lock) -------------------------------------------
    def _send(self, data: bytes) -> None:
        if self.gone:
            return
        try:
            self.sock.sendall(data)        # SO_SNDTIMEO: a face that reads nothing for SEND_WAIT
        except OSError:
            self.gone = True
            self.close()                   # wakes the reader, which cleans up

    def send(self, msg: dict) -> None:
        data = encode_reply(msg)
        with self.write_lock:
            self._send(data)

    def send_for(self, worker: Worker, data: bytes) -> None:
        with self.write_lock:
            if not worker.detached:
                self._send(data)

    def finish(self, worker: Worker, data: bytes) -> None:
        with self.write_lock:
            with self.lock:
                if self.worker is worker:
                    self.worker = None
            if not worker.detached:
                self._send(data)
            worker.detached = True

    def give_up(self, worker: Worker) -> None:
        """An interrupted command did not answer in time: free the face, let it end unheard."""
        with self.write_lock:
            with self.lock:
                if self.worker is not worker:
                    return
                worker.detached = True
                self.worker = None
            self._send(encode_reply({"type": "interrupted"}))

    def hang_up(self, reason: str) -> None:
        """Say why in one frame (if the peer takes it at once), then close."""
        data = encode_reply(error_message(reason))
        if self.write_lock.acquire(blocking=False):    # never inside another frame
            try:
                with contextlib.suppress(OSError):
                    self.sock.send(data, socket.MSG_DONTWAIT)
            finally:
                self.write_lock.release()
        self.close()

    def close(self) -> None:
        """Wake the reader (it closes the socket); the peer sees the end of the stream."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    # --- reading ---------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            socket_timeout(self.sock, socket.SO_SNDTIMEO, SEND_WAIT)
            self.send(self.server.hello(self))
            reader = FrameReader(self.sock, MAX_REQUEST, MAX_NESTING)
            deadline = time.monotonic() + HELLO_WAIT
            while True:
                try:
                    msg = reader.read(None if self.attached else deadline)
                except FrameTimeout:
                    self.send(error_message(f"nothing received within {HELLO_WAIT:g} s "
                                            "of connecting: closed"))
                    break
                except FrameError as exc:
                    if not self.attach():
                        break
                    self.send(error_message(str(exc)))
                    continue
                if msg is None or not self.attach():
                    break
                self.dispatch(msg)
        except OSError:
            pass
        except Exception as exc:         # a bug here must not take the server down
            self.server.log_internal(exc)
        finally:
            with self.lock:
                self.gone = True
                worker = self.worker
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
            if worker is not None:
                worker.interrupt(grace=None)      # nobody waits for its answer
            self.server.forget(self)

    def attach(self) -> bool:
        """The first frame came: attach (False, and told so, when MAX_FACES are)."""
        if self.attached:
            return True
        socket_timeout(self.sock, socket.SO_RCVTIMEO, 0)
        if self.server.attach(self):
            return True
        self.send(error_message(f"too many faces attached (at most {MAX_FACES})"))
        return False

    def dispatch(self, msg: dict) -> None:
        kind = msg["type"]
        if kind == "run":
            self.start(msg)
        elif kind == "interrupt":
            with self.lock:
                worker = self.worker
            if worker is not None:
                worker.interrupt()
        elif kind == "live":
            what = msg.get("kind")
            names = self.server.live(what) if isinstance(what, str) else []
            self.send({"type": "live", "kind": what, "names": names})
        elif kind != "hello":
            self.send(error_message(f'unknown message type "{kind[:40]}"'))

    def start(self, msg: dict) -> None:
        tokens = msg.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            self.send(error_message('malformed "run" message: "tokens" is not a list of strings'))
            return
        cwd = msg.get("cwd")
        cwd = cwd if isinstance(cwd, str) and os.path.isabs(cwd) else None
        refusal = None
        with self.lock:
            if self.worker is not None:
                refusal = "a command is already running for this face"
            elif self.server.stopping.is_set():
                refusal = "the stack is shutting down"
        if refusal:
            self.send(error_message(refusal))
            return
        worker = Worker(self, tokens, options_from(msg.get("options")), cwd)
        error = worker.prepare()
        if error is not None:
            with self.write_lock:
                self._send(error)
            return
        with self.lock:
            self.worker = worker
        self.server.submit(worker)


# --- the server ----------------------------------------------------------------------------------

class Server:
    def __init__(self, name: str, runtime, grammar, *, netns: str | None = None, lab=None,
                 err: TextIO | None = None):
        self.name = name
        self.runtime = runtime
        self.grammar = grammar
        self.netns = netns
        self.lab = lab
        self.err = err or sys.stderr
        self.path = socket_path(name)
        self.started = time.time()
        self.connections: set[Connection] = set()
        self.pending: collections.deque[Connection] = collections.deque()   # no frame sent yet
        self.attached = 0
        self.running = 0                        # commands holding a running place
        self.waiting: collections.deque[Worker] = collections.deque()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.stopped = threading.Event()
        self.closers: list[Worker] = []         # workers running `shutdown`: they answer last
        self.listener: socket.socket | None = None
        self._inode: int | None = None
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._names = Executor(None, Options(), stack=StackProxy(runtime), grammar=grammar)

    # --- listening ------------------------------------------------------------------------------
    def listen(self) -> None:
        path = str(self.path)
        if len(os.fsencode(path)) > 107:
            raise CommandError(f"{path}: too long for a UNIX socket; "
                               "point XDG_RUNTIME_DIR at a shorter directory")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)                # stale: nobody holds the name's lock but us
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        old = os.umask(0o177)
        try:
            sock.bind(path)
        except OSError as exc:
            sock.close()
            raise CommandError(f"cannot serve at {path}: {exc.strerror or exc}") from None
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        sock.listen(MAX_FACES + MAX_PENDING)    # a burst of faces queues here, not refused
        self._inode = os.stat(path).st_ino
        self.listener = sock

    def serve_forever(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ, "accept")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self.stopping.is_set():
                for key, _ in sel.select():
                    if key.data == "accept":
                        self._accept()
                    else:
                        with contextlib.suppress(BlockingIOError):
                            os.read(self._wake_r, 64)
        finally:
            sel.close()

    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as exc:              # EMFILE and the like: refuse this one, go on
            self.err.write(f"netsh serve: accept: {exc.strerror or exc}\n")
            time.sleep(0.05)
            return
        conn = Connection(self, sock)
        with self.lock:
            self.connections.add(conn)
            self.pending.append(conn)
            evicted = self.pending.popleft() if len(self.pending) > MAX_PENDING else None
        if evicted is not None:            # silent ones cannot lock faces out: the oldest goes
            evicted.hang_up(f"closed: more than {MAX_PENDING} connections were waiting to "
                            "send their first frame")
        conn.thread.start()

    def attach(self, conn: Connection) -> bool:
        with self.lock:
            if conn not in self.pending or self.attached >= MAX_FACES:
                return False
            self.pending.remove(conn)
            self.attached += 1
            conn.attached = True
            return True

    def forget(self, conn: Connection) -> None:
        with self.lock:
            self.connections.discard(conn)
            if conn.attached:
                conn.attached = False
                self.attached -= 1
            elif conn in self.pending:
                self.pending.remove(conn)

    # --- running commands: at most MAX_RUNNING at once, the others queued ----------------------
    def submit(self, worker: Worker) -> None:
        with self.lock:
            if not worker.exempt:
                if self.running >= MAX_RUNNING:
                    self.waiting.append(worker)
                    return
                self.running += 1
                worker.counted = True
        worker.thread.start()

    def unqueue(self, worker: Worker) -> bool:
        """Take a worker that has not started out of the queue; whether it was there."""
        with self.lock:
            try:
                self.waiting.remove(worker)
            except ValueError:
                return False
            return True

    def done(self, worker: Worker) -> None:
        """A worker's thread ends: its place goes to the next in the queue."""
        with self.lock:
            if not worker.counted:
                return
            worker.counted = False
            if not self.waiting:
                self.running -= 1
                return
            successor = self.waiting.popleft()
            successor.counted = True
        successor.thread.start()

    def hello(self, conn: Connection) -> dict:
        with self.lock:
            others = self.attached
        return {"type": "hello", "protocol": PROTOCOL, "version": __version__, "name": self.name,
                "pid": os.getpid(), "netns": self.netns, "lab": self.lab is not None,
                "started": self.started, "clients": others}

    def live(self, kind: str) -> list[str]:
        return self._names.live(kind)

    def log_internal(self, exc: BaseException) -> None:
        if debugging():
            traceback.print_exception(exc, file=self.err)
            self.err.flush()

    # --- stopping -------------------------------------------------------------------------------
    def request_shutdown(self, worker: Worker | None = None) -> None:
        with self.lock:
            if worker is not None:
                self.closers.append(worker)
        self.stopping.set()
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")

    def stop_clients(self) -> None:
        """No new faces; interrupt running commands and give them GRACE to answer."""
        self.stopping.set()
        if self.listener is not None:
            self.listener.close()
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_ino == self._inode:
                    os.unlink(self.path)
        with self.lock:
            conns, closers = list(self.connections), list(self.closers)
            waiting = list(self.waiting)
            self.waiting.clear()
        for worker in waiting:
            worker.conn.finish(worker, encode_reply(error_message("the stack is shutting down")))
        workers = [c.worker for c in conns if c.worker is not None and c.worker not in closers
                   and c.worker not in waiting]
        for worker in workers:
            worker.interrupt()
        deadline = time.monotonic() + GRACE
        for worker in workers:
            worker.thread.join(max(0.0, deadline - time.monotonic()))

    def finish(self) -> None:
        """The stack is stopped: let `shutdown` answer, then hang up on everyone."""
        self.stopped.set()
        with self.lock:
            conns, closers = list(self.connections), list(self.closers)
        for worker in closers:
            worker.thread.join(5.0)
        for conn in conns:
            conn.close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def run_server(name: str, options: Options, out: TextIO, err: TextIO, *, grammar,
               batch: str | None = None, lab: bool = False) -> int:
    """Claim NAME, start the stack (in a lab, or -netns NS), run the batch, serve until stopped."""
    from stack.runtime import Runtime
    problem = name_problem(name)
    if problem:
        raise CommandError(f'invalid NAME "{name}": {problem}', token=name)
    if LIMITS_PROBLEM:
        raise CommandError(LIMITS_PROBLEM)
    if lab and options.netns:
        raise CommandError('"--lab" makes its own namespaces: leave out -netns')
    claim = NameClaim(name).acquire()
    the_lab = runtime = server = None
    try:
        if lab:
            from netsh.lab import CommandError as LabError, Lab
            try:
                the_lab = Lab().up()
            except (OSError, RuntimeError, LabError) as exc:     # Lab.up removed what it made
                raise CommandError(f"serve: the lab: {exc}") from None
        netns = the_lab.stack_ns if the_lab else options.netns
        try:
            runtime = Runtime(netns=netns).start()
        except StackError as exc:
            raise CommandError(str(exc)) from None
        executor = Executor(runtime, options, out, err, grammar=grammar)
        if the_lab:
            for line in the_lab.setup_lines():
                if executor.run_line(line) != 0:
                    raise CommandError(f'serve: setting up the lab failed at "{line}"')
            the_lab.ping_stack(interval=1.0)
        if batch is not None:
            from netsh.batch import run_batch
            status = run_batch(executor, batch, force=options.force)
            if status and not options.force:
                return status
        server = Server(name, runtime, grammar, netns=netns, lab=the_lab, err=err)
        server.listen()
        out.write(f'netsh: serving "{name}" at {server.path} (pid {os.getpid()})\n')
        out.flush()
        server.serve_forever()
        return EXIT_OK
    finally:
        with signals_deferred():          # a second SIGTERM must not cut the cleanup short
            if server is not None:
                server.stop_clients()
            if runtime is not None:
                runtime.stop()
            if the_lab is not None:
                the_lab.down()
            claim.release()               # the name is free before `shutdown` says so
            if server is not None:
                server.finish()


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGTERM, SIGHUP and SIGINT until the block is done, then deliver the first."""
    caught: list[int] = []
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            saved[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


def shutdown(ctx) -> None:
    """The ``shutdown`` command, run by a served stack for one of its faces."""
    server: Server | None = getattr(ctx.executor, "server", None)
    if server is None:
        raise CommandError('no served stack to shut down here: "netsh -n NAME shutdown" stops one')
    server.request_shutdown(ctx.executor.worker)
    ctx.executor.exit_requested = True
    server.stopped.wait(SHUTDOWN_WAIT)
