"""Open a capture file of either format, gzipped or not, and iterate its records."""
from __future__ import annotations

import gzip
import os
from typing import Iterator

from . import pcap, pcapng
from .record import CaptureFileError, Record
from .stream import Source

GZIP_MAGIC = b"\x1f\x8b"


def read(source) -> Iterator[Record]:
    """Records of a pcap or pcapng file (a path or a binary file object), gunzipped if need be.

    The file is opened on the first next(). A damaged file yields the records before
    the damage, then raises one CaptureFileError("FILE: reason at offset N"); offsets
    count decompressed bytes. Opening a path can raise OSError (no such file, ...).
    """
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        with open(name, "rb") as f:
            yield from _read_stream(f, name)
    else:
        yield from _read_stream(source, getattr(source, "name", None) or "<stream>")


def _read_stream(f, name: str) -> Iterator[Record]:
    src = Source(f, name)
    head = src.read_upto(4)
    if head[:2] == GZIP_MAGIC:
        with gzip.GzipFile(fileobj=_Prefixed(head, f), mode="rb") as unzipped:
            src = Source(unzipped, name)
            head = src.read_upto(4)
            yield from _read_format(src, head)
    else:
        yield from _read_format(src, head)


def _read_format(src: Source, head: bytes) -> Iterator[Record]:
    if head == pcapng.SHB_MAGIC:
        return pcapng.read_pcapng(src, head)
    if len(head) == 4 and pcap.layout_of(head) is not None:
        return pcap.read_pcap(src, head)
    raise CaptureFileError(f"{src.name}: not a pcap or pcapng file")


class _Prefixed:
    """A read-only stream that gives back bytes already taken from `f` before the rest of it."""

    def __init__(self, head: bytes, f):
        self._head = head
        self._f = f

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._f.read(n)
        if n is None or n < 0:
            data, self._head = self._head + self._f.read(), b""
            return data
        data, self._head = self._head[:n], self._head[n:]
        return data
