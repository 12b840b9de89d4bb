"""Open a capture file of either format, gzipped or not, and iterate its records.

A path may name a FIFO or "-" (standard input, as tcpdump -r - reads it): such
inputs are opened without blocking and read as they fill, waiting in short slices
so that whoever reads can be interrupted. A gzip stream that inflates more than
INFLATION_RATIO times its compressed size, once past INFLATION_FLOOR bytes, is
stopped with a CaptureFileError (a decompression bomb, not a capture).
"""
from __future__ import annotations

import gzip
import os
import select
import stat
from typing import Callable, Iterator

from . import pcap, pcapng
from .record import CaptureFileError, Record
from .stream import Source

GZIP_MAGIC = b"\x1f\x8b"
INFLATION_RATIO = 100           # real captures compress 2-20 times; a bomb some 1000 times
INFLATION_FLOOR = 64 << 20      # below this many inflated bytes any ratio is let through
WAIT_SLICE_MS = 100             # how long a read of a FIFO waits before asking "interrupted?"
STDIN = "-"


def read(source, keep: int | None = None,
         interrupted: Callable[[], bool] | None = None) -> Iterator[Record]:
    """Records of a pcap or pcapng file (a path, "-" or a binary file object), gunzipped if need be.

    The file is opened on the first next(). A damaged file yields the records before
    the damage, then raises one CaptureFileError("FILE: reason at offset N"); offsets
    count decompressed bytes. Opening a path can raise OSError (no such file, ...).
    Of a record longer than `keep` bytes only the first `keep` are read (Record.cut
    says how many were skipped). While a FIFO or pipe has nothing to read, `interrupted`
    is asked every WAIT_SLICE_MS; when it says True, KeyboardInterrupt is raised, as
    Ctrl-C would have.
    """
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        with _open(name, interrupted) as f:
            yield from _read_stream(f, name, keep)
    else:
        yield from _read_stream(source, getattr(source, "name", None) or "<stream>", keep)


def _open(name: str, interrupted):
    """A regular file as a buffered file; a FIFO, pipe or terminal as a _Polled one.
    Opening never blocks (a FIFO with no writer yet opens at once; its reads wait)."""
    if name == STDIN:
        fd = os.dup(0)
    else:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        return _Polled(fd, name, interrupted)
    except BaseException:
        os.close(fd)
        raise


class _Polled:
    """Reads of a descriptor that may have nothing yet: wait for input in short slices,
    asking between them whether to give up. A read returns what is there (b"" at end)."""

    def __init__(self, fd: int, name: str, interrupted):
        self._fd = fd
        self.name = name
        self._interrupted = interrupted
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def read(self, n: int = -1) -> bytes:
        n = 1 << 16 if n is None or n < 0 else n
        while not self._poll.poll(WAIT_SLICE_MS):
            if self._interrupted is not None and self._interrupted():
                raise KeyboardInterrupt
        try:
            return os.read(self._fd, n)
        except BlockingIOError:      # a FIFO we opened non-blocking: poll again
            return self.read(n)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read_stream(f, name: str, keep: int | None) -> Iterator[Record]:
    src = Source(f, name)
    head = src.read_upto(4)
    if head[:2] == GZIP_MAGIC:
        compressed = _Prefixed(head, f)
        with gzip.GzipFile(fileobj=compressed, mode="rb") as unzipped:
            src = Source(_Bounded(unzipped, compressed, name), name)
            head = src.read_upto(4)
            yield from _read_format(src, head, keep)
    else:
        yield from _read_format(src, head, keep)


def _read_format(src: Source, head: bytes, keep: int | None) -> Iterator[Record]:
    if head == pcapng.SHB_MAGIC:
        return pcapng.read_pcapng(src, head, keep)
    if len(head) == 4 and pcap.layout_of(head) is not None:
        return pcap.read_pcap(src, head, keep)
    raise CaptureFileError(f"{src.name}: not a pcap or pcapng file")


class _Prefixed:
    """A read-only stream that gives back bytes already taken from `f` before the rest of
    it, counting what it gave."""

    def __init__(self, head: bytes, f):
        self._head = head
        self._f = f
        self.given = 0

    def read(self, n: int = -1) -> bytes:
        data = self._read(n)
        self.given += len(data)
        return data

    def _read(self, n: int) -> bytes:
        if not self._head:
            return self._f.read(n)
        if n is None or n < 0:
            data, self._head = self._head + self._f.read(), b""
            return data
        data, self._head = self._head[:n], self._head[n:]
        return data


class _Bounded:
    """A gzip stream that refuses to inflate far beyond its compressed size."""

    def __init__(self, unzipped, compressed: _Prefixed, name: str):
        self._unzipped = unzipped
        self._compressed = compressed
        self._name = name
        self.inflated = 0

    def read(self, n: int = -1) -> bytes:
        data = self._unzipped.read(n)
        self.inflated += len(data)
        given = self._compressed.given
        if self.inflated > INFLATION_FLOOR and self.inflated > INFLATION_RATIO * given:
            raise CaptureFileError(
                f"{self._name}: {given} bytes of gzip inflated to {self.inflated} "
                f"(over {INFLATION_RATIO} times: not read further) at offset {self.inflated}")
        return data
