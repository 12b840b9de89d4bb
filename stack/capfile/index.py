"""An index of a capture file: per packet its data's file offset and a few numbers, in
compact arrays, so a file of any size is paged through, not copied into memory.

    idx = index_file("big.pcap")        # None: not indexable here (FIFO, standard input)
    idx.record(1)                       # the first packet as a Record (frame numbers from 1)
    for number, ts_ns, data in idx.walk(): ...   # every packet in file order

Per packet the index holds 8 (offset) + 8 (ts_ns) + 4 (caplen) + 4 (orig_len) bytes, and
for pcapng 2 (interface) + 1 (direction): a million packets cost 24-27 MB, whatever the
file's size. Classic pcap and pcapng files that are regular are indexed; a FIFO or standard
input cannot be seeked, so those stay on the streaming (ring) path of reader.read. A gzip
stream cannot be seeked cheaply: given a spool directory it is inflated (through reader's
bomb guard) into an unlinked file there, which lives as long as the index; without one it
is None too.

Reads go through os.pread on one descriptor, so any thread may page through the index
while another walks it.
"""
from __future__ import annotations

import math
import os
import stat
import threading
import time
import zlib
from array import array
from dataclasses import dataclass
from typing import Callable, Iterator

from . import pcap, pcapng
from .reader import GZIP_MAGIC
from .record import MAX_RECORD, NS_PER_S, CaptureFileError, Record, direction_from_flags

SCAN_CHUNK = 1 << 20            # bytes of the file read at a time while indexing or walking
INTERRUPT_EVERY = 1 << 16       # records between two calls of `interrupted` while indexing
INTERRUPT_MASK = INTERRUPT_EVERY - 1
READY_POLL = 0.002              # seconds between two looks at a scan behind (ready_after)
BEHIND_PAUSE = 0.004          # seconds a scan behind pauses before each chunk (~8 ms of work)
HUGE = -(1 << 63)               # ts_ns slot of a time beyond 64 bits of ns (kept in `huge_ts`)
_FITS = range(-(1 << 63) + 1, 1 << 63)


@dataclass(slots=True)
class Interface:
    """A pcapng interface (a pcap file has one): its link type, name and time precision."""
    linktype: int
    name: str | None = None
    digits: int = 6             # decimal digits of its timestamps, as tshark prints them
    section: int = 0            # the pcapng section it belongs to, from 1; 0: a pcap file's (none recorded)
    description: str | None = None


class CaptureIndex:
    """The packets of one capture file, by frame number (1..len), read from disk on demand."""

    def __init__(self, path: str, fd: int, interfaces: list[Interface], per_packet_interface: bool):
        self.path = path
        self.interfaces = interfaces
        self.offsets = array("q")       # file offset of each record's data
        self.ts_ns = array("q")
        self.caplen = array("I")
        self.orig_len = array("I")
        # pcapng: each packet's interface (index into `interfaces`) and epb_flags direction bits,
        # with FLAGS_RECORDED when the packet has the option; flags beyond the direction (reception
        # type, FCS length, link errors: rare) are kept whole in `other_flags`
        self.iface = array("H") if per_packet_interface else None
        self.flags = array("B") if per_packet_interface else None
        self.other_flags: dict[int, int] = {}
        self.huge_ts: dict[int, int] = {}   # slot -> a time that does not fit 64 bits of ns
        self.damage: str | None = None  # the CaptureFileError message of a damaged tail
        self._fd: int | None = fd
        self._scanner: threading.Thread | None = None     # indexing the rest, behind (ready_after)

    # --- what the file is ----------------------------------------------------------------
    @property
    def linktype(self) -> int:
        return self.interfaces[0].linktype if self.interfaces else 1

    @property
    def digits(self) -> int:
        """The file's time precision in decimal digits (6 microseconds, 9 nanoseconds)."""
        return max((iface.digits for iface in self.interfaces), default=6)

    def __len__(self) -> int:
        # the array a record is appended to last: while the rest is indexed behind, a packet
        # counted is one whose every field is in
        return len(self.flags) if self.flags is not None else len(self.orig_len)

    @property
    def complete(self) -> bool:
        """Is the whole file indexed (nothing left behind)?"""
        scanner = self._scanner
        return scanner is None or not scanner.is_alive()

    def wait(self) -> None:
        """Until the whole file is indexed."""
        scanner = self._scanner
        if scanner is not None:
            scanner.join()

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self):
        self.close()

    # --- one packet -------------------------------------------------------------------
    def data(self, number: int, keep: int | None = None) -> bytes:
        i = self._slot(number)
        size = self.caplen[i] if keep is None else min(self.caplen[i], keep)
        return self._pread(size, self.offsets[i])

    def time(self, number: int) -> int:
        i = self._slot(number)
        t = self.ts_ns[i]
        return self.huge_ts[i] if t == HUGE else t

    def interface(self, number: int) -> tuple[int, Interface]:
        """(interface id, Interface) of packet `number`."""
        ifid = 0 if self.iface is None else self.iface[self._slot(number)]
        return ifid, self.interfaces[ifid]

    def direction(self, number: int) -> str | None:
        return None if self.flags is None else direction_from_flags(self.flags[self._slot(number)])

    def pack_flags(self, number: int) -> int | None:
        """Packet `number`'s epb_flags, None if it has none."""
        if self.flags is None:
            return None
        i = self._slot(number)
        return packed_flags(self.flags[i], self.other_flags, i)

    def record(self, number: int, keep: int | None = None) -> Record:
        i = self._slot(number)
        ifid, iface = self.interface(number)
        data = self.data(number, keep)
        return Record(self.time(number), data, self.orig_len[i], iface.linktype, iface.name,
                      self.direction(number), ifid, self.caplen[i] - len(data))

    # --- in file order --------------------------------------------------------------
    def walk(self, start: int = 1, stop: int | None = None,
             keep: int | None = None) -> Iterator[tuple[int, int, bytes]]:
        """(number, ts_ns, data) of packets start..stop (inclusive), in file order, read a
        block at a time (`keep`: at most so many bytes of each)."""
        stop = len(self) if stop is None else min(stop, len(self))
        start = max(start, 1)
        offsets, caplen, ts_ns, huge = self.offsets, self.caplen, self.ts_ns, self.huge_ts
        base, block = 0, b""            # block holds the file's bytes from offset base on
        for i in range(start - 1, stop):
            at, size = offsets[i], caplen[i]
            if keep is not None and size > keep:
                size = keep
            rel = at - base
            if rel < 0 or rel + size > len(block):
                base, rel = at, 0
                block = self._pread(max(size, SCAN_CHUNK), at)
            t = ts_ns[i]
            yield i + 1, huge[i] if t == HUGE else t, block[rel:rel + size]

    def _pread(self, size: int, offset: int) -> bytes:
        if self._fd is None:
            raise ValueError(f"{self.path}: the index is closed")
        return os.pread(self._fd, size, offset)

    def _slot(self, number: int) -> int:
        if not 1 <= number <= len(self):
            raise IndexError(f"no packet {number} (the file has {len(self)})")
        return number - 1

    def _append(self, offset: int, ts: int, incl: int, orig: int) -> None:
        if ts not in _FITS:
            self.huge_ts[len(self.offsets)] = ts
            ts = HUGE
        self.offsets.append(offset)
        self.ts_ns.append(ts)
        self.caplen.append(incl)
        self.orig_len.append(orig)


def index_file(path: str, interrupted: Callable[[], bool] | None = None,
               spool_dir: str | None = None, ready_after: int | None = None) -> CaptureIndex | None:
    """Index a regular pcap or pcapng file; None for what must be read as a stream (a FIFO,
    standard input, gzip without `spool_dir`). A gzipped file with `spool_dir` is inflated
    (with reader's bomb guard) into an unlinked file there, and indexed. A damaged tail
    ends the index at the last whole record and is kept in `damage` (a bomb stopped too); a
    file that is no capture or whose file header is damaged raises CaptureFileError.
    OSError as open() raises it; KeyboardInterrupt when `interrupted` says so. With
    `ready_after`, it returns once so many packets are in (or the file ended), and the rest
    is indexed by a thread behind it (`complete`, `wait`): a screen of a huge file at once."""
    if path == "-" or not stat.S_ISREG(os.stat(path).st_mode):
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        head = os.pread(fd, 4, 0)
        if head[:2] == GZIP_MAGIC:
            return None if spool_dir is None else _index_gzip(path, fd, spool_dir, interrupted)
        idx = _index_fd(path, fd, head, interrupted, ready_after)
        fd = None                       # the index's now
        return idx
    finally:
        if fd is not None:
            os.close(fd)


def _index_fd(path: str, fd: int, head: bytes, interrupted, ready_after: int | None = None) -> CaptureIndex:
    """Index an open regular file; the index owns `fd` once returned (not if this raises)."""
    size = os.fstat(fd).st_size
    if ready_after is not None:
        interrupted = None              # the scan outlives the command that asked for it
    if head == pcapng.SHB_MAGIC:
        idx = CaptureIndex(path, fd, [], per_packet_interface=True)
        scan = lambda f: _scan_pcapng(idx, f, size, interrupted)      # noqa: E731
    else:
        layout = pcap.layout_of(head) if len(head) == 4 else None
        if layout is None:
            raise CaptureFileError(f"{path}: not a pcap or pcapng file")
        head = os.pread(fd, pcap.FILE_HEADER_LEN, 0)
        if len(head) < pcap.FILE_HEADER_LEN:
            raise CaptureFileError(f"{path}: truncated pcap file header "
                                   f"({len(head)} of {pcap.FILE_HEADER_LEN} bytes) at offset 0")
        magic, _, _, _, _, _, network = layout.file_header.unpack(head)
        ns_per_unit, is_modified = pcap._MAGICS[magic]
        record = layout.modified if is_modified else layout.record
        iface = Interface(network & pcap.LINKTYPE_MASK, None, 9 if ns_per_unit == 1 else 6)
        idx = CaptureIndex(path, fd, [iface], per_packet_interface=False)
        scan = lambda f: _scan_pcap(idx, f, size, record, ns_per_unit, interrupted)   # noqa: E731
    if ready_after is not None:
        return _index_behind(idx, scan, os.fdopen(os.dup(fd), "rb", buffering=0), ready_after)
    try:
        with os.fdopen(os.dup(fd), "rb", buffering=0) as f:
            scan(f)
    except BaseException:
        idx._fd = None                  # still the caller's
        raise
    return idx


class _Yielding:
    """A file whose reads pause first: the scan behind lets the face draw between chunks
    (a thread that never waits holds the GIL for whole switch intervals)."""

    def __init__(self, f, pause: float):
        self.f, self.pause = f, pause

    def seek(self, pos: int) -> None:
        self.f.seek(pos)

    def read(self, n: int) -> bytes:
        time.sleep(self.pause)
        return self.f.read(n)


def _index_behind(idx: CaptureIndex, scan, f, ready_after: int) -> CaptureIndex:
    """Scan in a thread; return once `ready_after` packets are in or the scan has ended."""
    def run():
        try:
            with f:
                scan(_Yielding(f, BEHIND_PAUSE))
        except Exception as exc:        # noqa: BLE001 - the file failed under the scan: its damage
            idx.damage = idx.damage or f"{idx.path}: read failed ({exc})"
    idx._scanner = threading.Thread(target=run, name=f"capindex {idx.path}", daemon=True)
    idx._scanner.start()
    while len(idx) < ready_after and idx._scanner.is_alive():
        time.sleep(READY_POLL)
    return idx


def _index_gzip(path: str, fd: int, spool_dir: str, interrupted) -> CaptureIndex:
    """Inflate into an unlinked spool file and index that; a bomb (or damage) in the gzip
    stream ends the spool where it was found, and is the index's `damage`."""
    import gzip
    import tempfile
    from .reader import _Bounded, _Prefixed
    compressed = _Prefixed(b"", os.fdopen(os.dup(fd), "rb"))
    spool_fd, spool = tempfile.mkstemp(prefix="netsh-", suffix=".pcap", dir=spool_dir)
    os.unlink(spool)            # the index keeps it open: the spool lives until it closes
    damage = None
    try:
        with gzip.GzipFile(fileobj=compressed, mode="rb") as unzipped:
            bounded = _Bounded(unzipped, compressed, path)
            with os.fdopen(os.dup(spool_fd), "wb") as out:
                while True:
                    try:
                        chunk = bounded.read(SCAN_CHUNK)
                    except CaptureFileError as exc:
                        damage = str(exc)
                        break
                    except (OSError, EOFError, zlib.error) as exc:
                        damage = f"{path}: read failed ({exc})"
                        break
                    if not chunk:
                        break
                    out.write(chunk)
                    if interrupted is not None and interrupted():
                        raise KeyboardInterrupt
    except BaseException:
        os.close(spool_fd)
        raise
    finally:
        compressed._f.close()
    try:
        idx = _index_fd(path, spool_fd, os.pread(spool_fd, 4, 0), interrupted)
    except CaptureFileError:
        os.close(spool_fd)
        if damage is not None:
            raise CaptureFileError(damage) from None
        raise
    except BaseException:
        os.close(spool_fd)
        raise
    if damage is not None:
        idx.damage = damage     # the bomb or the damage, not the cut it left in the spool
    return idx


def _scan_pcap(idx: CaptureIndex, f, size: int, record, ns_per_unit: int, interrupted) -> None:
    """Read only the record headers, a chunk at a time (a mapping of the file would count the
    whole file in the process's resident memory); a record's data is never read."""
    unpack_from, hlen = record.unpack_from, record.size
    add_offset, add_ts = idx.offsets.append, idx.ts_ns.append      # bound once: the loop runs per record
    add_caplen, add_orig = idx.caplen.append, idx.orig_len.append
    pos, n = pcap.FILE_HEADER_LEN, 0     # file offset of the next record
    base, buf, end = pos, b"", 0         # buf holds the file's bytes from offset base on (end: its length)
    while pos < size:
        at = pos - base
        if at + hlen > end:
            f.seek(pos)
            base, buf, at = pos, f.read(SCAN_CHUNK), 0
            end = len(buf)
            if end < hlen:
                idx.damage = (f"{idx.path}: truncated record header ({size - pos} of {hlen} "
                              f"bytes) at offset {pos}")
                return
        sec, frac, incl, orig = unpack_from(buf, at)[:4]
        if incl > MAX_RECORD:
            idx.damage = (f"{idx.path}: record of {incl} bytes exceeds the {MAX_RECORD >> 20} MiB "
                          f"limit at offset {pos}")
            return
        if pos + hlen + incl > size:
            idx.damage = (f"{idx.path}: truncated packet data ({size - pos - hlen} of {incl} "
                          f"bytes) at offset {pos + hlen}")
            return
        add_offset(pos + hlen)
        add_ts(sec * NS_PER_S + frac * ns_per_unit)     # a u32 of seconds fits 64 bits of ns
        add_caplen(incl)
        add_orig(orig)
        pos += hlen + incl
        n += 1
        if not n & INTERRUPT_MASK and interrupted is not None and interrupted():
            raise KeyboardInterrupt


# --- pcapng -------------------------------------------------------------------------------

class _Window:
    """The file's bytes at [pos, pos + n), from a chunk read ahead (or read on their own)."""

    def __init__(self, f, size: int):
        self.f, self.size = f, size
        self.base, self.buf = 0, b""

    def get(self, pos: int, n: int) -> bytes:
        at = pos - self.base
        if at < 0 or at + n > len(self.buf):
            self.f.seek(pos)
            if n > SCAN_CHUNK:
                return self.f.read(n)
            self.base, self.buf, at = pos, self.f.read(SCAN_CHUNK), 0
        return self.buf[at:at + n]


def _digits(units_per_s: int) -> int:
    """if_tsresol as the decimal digits tshark prints: 10^-n gives n (at most 9)."""
    n = round(math.log10(units_per_s)) if units_per_s > 0 else 9
    return min(n, 9) if 10 ** n == units_per_s else 9


def _scan_pcapng(idx: CaptureIndex, f, size: int, interrupted) -> None:
    """Walk the blocks: section and interface blocks are read whole (they are small), packet
    blocks only up to their fixed fields (and their options, for the direction)."""
    win = _Window(f, size)
    damage = lambda reason, at: f"{idx.path}: {reason} at offset {at}"    # noqa: E731
    layout, section, zones = None, [], []     # this section's interfaces: global ids, _Interface
    pos, n, sections = 0, 0, 0
    while pos < size:
        head = win.get(pos, 8)
        if len(head) < 8:
            idx.damage = damage(f"truncated block header ({len(head)} of 8 bytes)", pos)
            return
        if head[:4] == pcapng.SHB_MAGIC:
            bom = win.get(pos + 8, 4)
            layout = pcapng._layout_of_bom(bom) if len(bom) == 4 else None
            if layout is None:
                if n == 0 and pos == 0 and len(bom) < 4:
                    raise CaptureFileError(damage("truncated section header", pos))
                idx.damage = damage(f"bad byte-order magic 0x{bom.hex()} in section header", pos)
                return
            section, zones = [], []
            sections += 1
        elif layout is None:
            raise CaptureFileError(f"{idx.path}: not a pcap or pcapng file")
        btype, length = layout.block_header.unpack(head)
        problem = _length_problem(length, pos, size, btype == pcapng.SHB)
        if problem:
            idx.damage = damage(problem, pos)
            return
        trailer = win.get(pos + length - 4, 4)
        if layout.u32.unpack(trailer)[0] != length:
            idx.damage = damage(f"block trailer length {layout.u32.unpack(trailer)[0]} does not "
                                f"match {length}", pos)
            return
        try:
            if btype == pcapng.SHB:
                body = win.get(pos + 8, length - 12)
                if layout.shb.unpack_from(body)[1] != 1:
                    major, minor = layout.shb.unpack_from(body)[1:3]
                    idx.damage = damage(f"unsupported pcapng version {major}.{minor}", pos)
                    return
            elif btype == pcapng.IDB:
                iface = pcapng._parse_idb(win.get(pos + 8, length - 12), layout)
                section.append(len(idx.interfaces))
                zones.append(iface)
                idx.interfaces.append(Interface(iface.linktype, iface.name, _digits(iface.units_per_s),
                                                sections, iface.description))
            elif btype in (pcapng.EPB, pcapng.PB, pcapng.SPB):
                _index_packet(idx, win, layout, btype, pos, length, section, zones)
                n += 1
                if interrupted is not None and not n % INTERRUPT_EVERY and interrupted():
                    raise KeyboardInterrupt
        except pcapng._Malformed as exc:
            idx.damage = damage(str(exc), pos)
            return
        pos += length


FLAGS_RECORDED = 0x80       # in CaptureIndex.flags: the packet has an epb_flags option


def packed_flags(slot_flags: int, other_flags: dict[int, int], slot: int) -> int | None:
    """A packet's epb_flags from the index's byte for it (and `other_flags`), None if it has none."""
    if not slot_flags & FLAGS_RECORDED:
        return None
    return other_flags.get(slot, slot_flags & 3)


def _length_problem(length: int, pos: int, size: int, shb: bool) -> str | None:
    minimum = pcapng.MIN_SHB if shb else pcapng.MIN_BLOCK
    if length < minimum:
        return f"block length {length} is too short"
    if length % 4:
        return f"block length {length} is not a multiple of 4"
    if length > MAX_RECORD:
        return f"block of {length} bytes exceeds the {MAX_RECORD >> 20} MiB limit"
    if pos + length > size:
        return f"truncated block body ({size - pos - 8} of {length - 8} bytes)"
    return None


def _index_packet(idx, win, layout, btype, pos, length, section, zones) -> None:
    body_len = length - 12
    if btype == pcapng.SPB:
        if body_len < 4:
            raise pcapng._Malformed("simple packet block too short")
        if not zones:
            raise pcapng._Malformed("packet on undefined interface 0")
        (orig,) = layout.u32.unpack(win.get(pos + 8, 4))
        snaplen = zones[0].snaplen
        incl = min(orig, snaplen) if snaplen else orig
        if incl > body_len - 4:
            raise pcapng._Malformed(f"captured length {incl} overruns its block")
        idx._append(pos + 12, 0, incl, orig)
        idx.iface.append(section[0])
        idx.flags.append(0)
        return
    fixed = layout.epb if btype == pcapng.EPB else layout.pb
    if body_len < fixed.size:
        name = "enhanced packet block" if btype == pcapng.EPB else "packet block"
        raise pcapng._Malformed(f"{name} too short")
    fields = fixed.unpack(win.get(pos + 8, fixed.size))
    if btype == pcapng.EPB:
        if_id, high, low, incl, orig = fields
    else:
        if_id, _, high, low, incl, orig = fields
    if if_id >= len(zones):
        raise pcapng._Malformed(f"packet on undefined interface {if_id}")
    if incl > body_len - fixed.size:
        raise pcapng._Malformed(f"captured length {incl} overruns its block")
    start = pos + 8 + fixed.size
    flags = 0
    options = body_len - fixed.size - pcapng._pad4(incl)
    if options >= 4:
        opts = win.get(start + pcapng._pad4(incl), options)
        for code, value in pcapng._options(opts, 0, layout):
            if code == pcapng.EPB_FLAGS and len(value) == 4:
                full = layout.u32.unpack(value)[0]
                flags = FLAGS_RECORDED | full & 3
                if full & ~3:
                    idx.other_flags[len(idx.flags)] = full
    idx._append(start, zones[if_id].ts_ns(high, low), incl, orig)
    idx.iface.append(section[if_id])
    idx.flags.append(flags)
