"""An index of a capture file: per packet its record's file offset and a few numbers, in
compact arrays, so a file of any size is paged through, not copied into memory.

    idx = index_file("big.pcap")        # None: not indexable here (gzip, pcapng, FIFO)
    idx.record(1)                       # the first packet as a Record (frame numbers from 1)
    for number, ts_ns, data in idx.walk(): ...   # every packet in file order

Per packet the index holds 8 (offset) + 8 (ts_ns) + 4 (caplen) + 4 (orig_len) bytes:
a million packets cost 24 MB, whatever the file's size. Only classic pcap files that
are regular are indexed: a gzip stream cannot be seeked cheaply and a
FIFO not at all, so those stay on the streaming (ring) path of reader.read, unless the
caller gives a spool directory for the inflated gzip stream. pcapng is
not indexed yet (its interface blocks would have to be kept beside the index).
"""
from __future__ import annotations

import os
import stat
import zlib
from array import array
from typing import Callable, Iterator

from . import pcap
from .reader import GZIP_MAGIC
from .record import MAX_RECORD, NS_PER_S, CaptureFileError, Record

SCAN_CHUNK = 1 << 20            # bytes of the file read at a time while indexing
INTERRUPT_EVERY = 1 << 16       # records between two calls of `interrupted` while indexing


class CaptureIndex:
    """The packets of one pcap file, by frame number (1..len), read from disk on demand."""

    def __init__(self, path: str, linktype: int, ns_per_unit: int):
        self.path = path
        self.linktype = linktype
        self.digits = 9 if ns_per_unit == 1 else 6     # the file's precision, as tshark prints it
        self.offsets = array("q")       # file offset of each record's data
        self.ts_ns = array("q")
        self.caplen = array("I")
        self.orig_len = array("I")
        self.damage: str | None = None  # the CaptureFileError message of a damaged tail
        self._f = open(path, "rb")      # noqa: SIM115 - kept open for reads by number

    def __len__(self) -> int:
        return len(self.offsets)

    def close(self) -> None:
        self._f.close()

    def data(self, number: int) -> bytes:
        i = self._slot(number)
        self._f.seek(self.offsets[i])
        return self._f.read(self.caplen[i])

    def record(self, number: int) -> Record:
        i = self._slot(number)
        return Record(self.ts_ns[i], self.data(number), self.orig_len[i], self.linktype)

    def walk(self, start: int = 1, stop: int | None = None) -> Iterator[tuple[int, int, bytes]]:
        """(number, ts_ns, data) of packets start..stop (inclusive), in file order, read
        sequentially in large blocks."""
        stop = len(self) if stop is None else min(stop, len(self))
        if start > stop:
            return
        seek, read = self._f.seek, self._f.read
        offsets, caplen, ts_ns = self.offsets, self.caplen, self.ts_ns
        for i in range(start - 1, stop):
            seek(offsets[i])            # within the read buffer for contiguous records: cheap
            yield i + 1, ts_ns[i], read(caplen[i])

    def _slot(self, number: int) -> int:
        if not 1 <= number <= len(self):
            raise IndexError(f"no packet {number} (the file has {len(self)})")
        return number - 1


def index_file(path: str, interrupted: Callable[[], bool] | None = None,
               spool_dir: str | None = None) -> CaptureIndex | None:
    """Index a regular pcap file; None for anything else (pcapng, FIFO, standard input), which
    the caller reads as a stream. A gzipped file is None too, unless `spool_dir` is given:
    then it is inflated (with reader's bomb guard) into an unlinked file there, and indexed. A damaged tail ends the index at
    the last whole record and is kept in `damage`; a damaged file header raises
    CaptureFileError. OSError as open() raises it."""
    if path == "-" or not stat.S_ISREG(os.stat(path).st_mode):
        return None
    with open(path, "rb") as f:
        head = f.read(pcap.FILE_HEADER_LEN)
        if head[:2] == GZIP_MAGIC:
            return _index_gzip(path, f, spool_dir, interrupted) if spool_dir is not None else None
        size = os.fstat(f.fileno()).st_size
        layout = pcap.layout_of(head[:4]) if len(head) >= 4 else None
        if layout is None:
            return None
        if len(head) < pcap.FILE_HEADER_LEN:
            raise CaptureFileError(f"{path}: truncated pcap file header "
                                   f"({len(head)} of {pcap.FILE_HEADER_LEN} bytes) at offset 0")
        magic, _, _, _, _, _, network = layout.file_header.unpack(head)
        ns_per_unit, is_modified = pcap._MAGICS[magic]
        record = layout.modified if is_modified else layout.record
        idx = CaptureIndex(path, network & pcap.LINKTYPE_MASK, ns_per_unit)
        if size > pcap.FILE_HEADER_LEN:
            _scan(idx, f, size, record, ns_per_unit, interrupted)
    return idx


def _index_gzip(path: str, f, spool_dir: str, interrupted) -> CaptureIndex | None:
    import gzip
    import tempfile
    from .reader import _Bounded, _Prefixed
    f.seek(0)
    compressed = _Prefixed(b"", f)
    fd, spool = tempfile.mkstemp(prefix="netsh-", suffix=".pcap", dir=spool_dir)
    try:
        with os.fdopen(fd, "wb") as out, gzip.GzipFile(fileobj=compressed, mode="rb") as unzipped:
            bounded = _Bounded(unzipped, compressed, path)
            while True:
                try:
                    chunk = bounded.read(SCAN_CHUNK)
                except (OSError, EOFError, zlib.error) as exc:
                    raise CaptureFileError(f"{path}: read failed ({exc})") from None
                if not chunk:
                    break
                out.write(chunk)
                if interrupted is not None and interrupted():
                    raise KeyboardInterrupt
        idx = index_file(spool, interrupted)
        if idx is not None:
            idx.path = path
        return idx
    finally:
        os.unlink(spool)        # an index keeps its file open: the spool lives until it closes


def _scan(idx: CaptureIndex, f, size: int, record, ns_per_unit: int, interrupted) -> None:
    """Read only the record headers, a chunk at a time (a mapping of the file would count the
    whole file in the process's resident memory); a record's data is never read."""
    unpack_from, hlen = record.unpack_from, record.size
    offsets, ts_ns, caplen, orig_len = idx.offsets, idx.ts_ns, idx.caplen, idx.orig_len
    pos, n = pcap.FILE_HEADER_LEN, 0     # file offset of the next record
    base, buf = pos, b""                 # buf holds the file's bytes from offset base on
    while pos < size:
        at = pos - base
        if at + hlen > len(buf):
            f.seek(pos)
            base, buf, at = pos, f.read(SCAN_CHUNK), 0
            if len(buf) < hlen:
                idx.damage = (f"{idx.path}: truncated record header ({size - pos} of {hlen} "
                              f"bytes) at offset {pos}")
                return
        sec, frac, incl, orig = unpack_from(buf, at)[:4]
        if incl > MAX_RECORD:
            idx.damage = f"{idx.path}: record of {incl} bytes exceeds the limit at offset {pos}"
            return
        if pos + hlen + incl > size:
            idx.damage = (f"{idx.path}: truncated packet data ({size - pos - hlen} of {incl} "
                          f"bytes) at offset {pos + hlen}")
            return
        offsets.append(pos + hlen)
        ts_ns.append(sec * NS_PER_S + frac * ns_per_unit)
        caplen.append(incl)
        orig_len.append(orig)
        pos += hlen + incl
        n += 1
        if interrupted is not None and not n % INTERRUPT_EVERY and interrupted():
            raise KeyboardInterrupt
