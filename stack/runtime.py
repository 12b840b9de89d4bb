"""The runtime: the stack's own thread, its I/O, its clock, and the call interface.

DESIGN principle 9: all protocol state belongs to this thread.  Faces call
`runtime.call(fn, *args)`; fn(stack, *args) runs here between receive rounds
and its result (or exception) comes back to the caller.  The thread sleeps in
poll() on the pcap descriptors, an eventfd that wakes it for calls, and the
next timer deadline.
"""
from __future__ import annotations

import ctypes
import os
import queue
import select
import threading

from .api import lookup
from .errors import StackError
from .stack import Stack

CLONE_NEWNET = 0x40000000


def enter_netns(name: str) -> None:
    """Move the calling thread into network namespace `name` (ip netns layout)."""
    path = name if name.startswith("/") else f"/run/netns/{name}"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise StackError(f'Cannot open network namespace "{name}": {exc.strerror}') from None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise StackError(f'setting the network namespace "{name}" failed: {os.strerror(err)}')
    finally:
        os.close(fd)


class _Call:
    __slots__ = ("fn", "args", "kwargs", "done", "result", "error")

    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.done = threading.Event()
        self.result = None
        self.error = None


class Runtime:
    def __init__(self, stack: Stack | None = None, netns: str | None = None):
        self.stack = stack or Stack()
        self.netns = netns
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._wake = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._stop = False
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    # --- lifecycle -------------------------------------------------------------
    def start(self) -> "Runtime":
        self._thread = threading.Thread(target=self._main, name="netsh-stack", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            raise self._start_error
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop = True
        os.eventfd_write(self._wake, 1)
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the call interface --------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Run fn(stack, *args) in the stack thread; return its result or raise its error."""
        if threading.current_thread() is self._thread:
            return fn(self.stack, *args, **kwargs)
        if not self.running:
            raise StackError("the stack is not running")
        call = _Call(fn, args, kwargs)
        self._calls.put(call)
        os.eventfd_write(self._wake, 1)
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    # --- the loop -----------------------------------------------------------------------
    def _main(self) -> None:
        try:
            if self.netns:
                enter_netns(self.netns)
        except BaseException as exc:      # reported to start()'s caller
            self._start_error = exc
            self._started.set()
            return
        self._started.set()
        try:
            self._loop()
        finally:
            self.stack.close()
            self._fail_pending()

    def _loop(self) -> None:
        stack = self.stack
        clock = stack.clock
        poller = select.poll()
        poller.register(self._wake, select.POLLIN)
        watched: dict[int, object] = {}
        while not self._stop:
            current = stack.pollable()
            if current.keys() != watched.keys():
                for fd in watched.keys() - current.keys():
                    poller.unregister(fd)
                for fd in current.keys() - watched.keys():
                    poller.register(fd, select.POLLIN)
                watched = current
            busy = stack.poll()
            if busy or stack.rx_pending():
                timeout = 0
            else:
                deadline = stack.poll_at()
                if deadline is None:
                    timeout = 1000
                else:
                    timeout = max(0, min(1000, (deadline - clock.now()) * 1000.0))
                    timeout = int(timeout) + (1 if timeout % 1 else 0)
            events = poller.poll(timeout)
            for fd, _ in events:
                if fd == self._wake:
                    try:
                        os.eventfd_read(self._wake)
                    except BlockingIOError:
                        pass
                    self._run_calls()

    def _run_calls(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            try:
                call.result = call.fn(self.stack, *call.args, **call.kwargs)
            except BaseException as exc:     # handed to the caller, who decides
                call.error = exc
            call.done.set()
        
    def _fail_pending(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            call.error = StackError("the stack stopped")
            call.done.set()


class StackProxy:
    """`proxy.link_list()` runs the `link_list` call in the stack's thread; only registered
    calls (stack/api/) exist, any other name is refused with one line (UnknownCall)."""

    def __init__(self, runtime: Runtime):
        self._runtime = runtime

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        method = lookup(name)
        runtime = self._runtime

        def call(*args, **kwargs):
            return runtime.call(method, *args, **kwargs)

        call.__name__ = name
        return call
