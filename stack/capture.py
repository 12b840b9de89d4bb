"""Capture taps and the capture ring (DESIGN principles 6 and 10).

Taps sit where the kernel's AF_PACKET taps sit: on receive before any
protocol handler sees the frame (Ethernet receive calls `link.rx_tap`), and
on transmit with the exact bytes handed to the wire (`Link.flush_tx` calls
`link.tx_tap`).  A link no capture covers has both set to None, so the cost
when off is one attribute test per frame (Stack.refresh_taps sets them).  Filters are BPF compiled by libpcap; packets land in a ring
bounded by count and bytes whose overflow is counted.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from itertools import islice

from .capfile.index import packed_flags
from .errors import StackError

DLT_EN10MB = 1
RING_PACKETS = 100_000
RING_BYTES = 64 << 20
DEFAULT_SNAPLEN = 262144
MAX_FRAME = 65535            # no link here carries a longer frame: a snaplen this long never cuts


NS_PER_S = 1_000_000_000
LIVE_DIGITS = 6             # a live capture's times: microseconds (the float clock holds no more)


@dataclass(slots=True)
class Captured:
    number: int
    ts_ns: int                # nanoseconds since 1970: the file's own, or the stack clock's in us
    data: bytes               # the captured bytes (cut to snaplen)
    orig_len: int
    link: str
    ifindex: int
    direction: str            # "in" or "out"
    linktype: int = DLT_EN10MB
    digits: int = LIVE_DIGITS   # the time's precision in decimal digits (6 us, 9 ns), as tshark prints it
    interface: object = None    # a pcapng file's record of the interface (capfile.index.Interface)
    pack_flags: int | None = None     # a pcapng file's epb_flags for the packet, when it has them

    @property
    def ts(self) -> float:
        """Seconds, as a float (for arithmetic that needs no more than a microsecond)."""
        return self.ts_ns / NS_PER_S


def live_ns(ts) -> int:
    """A ring entry's time as ns: a tap's float seconds kept to the microsecond, or the exact
    ns of a packet read from a file."""
    return ts if type(ts) is int else round(ts * 1_000_000) * 1000


def compile_filter(expression: str, snaplen: int = DEFAULT_SNAPLEN):
    """A libpcap BPF program for Ethernet frames; StackError with libpcap's words if bad."""
    import pcapy
    try:
        return pcapy.compile(DLT_EN10MB, snaplen, expression, 1, 0xFFFFFFFF)
    except pcapy.PcapError as exc:
        raise StackError(f"bad filter '{expression}': {exc}") from None


class Ring:
    """Captured packets, oldest first, bounded by count and by bytes.

    The ring holds plain tuples, (number, ts, data, orig_len, origin) with origin
    (link, ifindex, direction, linktype, digits) shared by the packets of one tap (ts
    float seconds from a tap, int ns from a file: `live_ns`), and
    makes `Captured` objects only for the packets read out.  A tuple of numbers,
    bytes and text drops out of the garbage collector's sight after its first
    pass; 100k dataclass instances would be walked by every full collection while
    a flood is captured.
    """

    def __init__(self, max_packets: int = RING_PACKETS, max_bytes: int = RING_BYTES):
        self.max_packets = max_packets
        self.max_bytes = max_bytes
        self.packets: deque[tuple] = deque()
        self.bytes = 0
        self.overflow = 0            # packets pushed out to make room

    def add(self, pkt: Captured) -> None:
        self.packets.append((pkt.number, pkt.ts_ns, pkt.data, pkt.orig_len,
                             (pkt.link, pkt.ifindex, pkt.direction, pkt.linktype, pkt.digits)))
        self.bytes += len(pkt.data)
        if len(self.packets) > self.max_packets or self.bytes > self.max_bytes:
            self.trim()

    def trim(self) -> None:
        """Push out the oldest packets until the ring is within its bounds again."""
        while len(self.packets) > self.max_packets or self.bytes > self.max_bytes:
            old = self.packets.popleft()
            self.bytes -= len(old[2])
            self.overflow += 1

    def clear(self) -> None:
        self.packets.clear()
        self.bytes = 0
        self.overflow = 0

    def __len__(self) -> int:
        return len(self.packets)

    def window(self, first_number: int, count: int) -> list[Captured]:
        """Up to `count` packets from number `first_number` on (numbers run on by one in the ring)."""
        packets = self.packets
        if not packets:
            return []
        start = max(first_number - packets[0][0], 0)
        stop = min(start + count, len(packets))
        if start > len(packets) // 2:     # a deque indexes from its nearer end; islice walks from the left
            entries = [packets[i] for i in range(start, stop)]
        else:
            entries = islice(packets, start, stop)
        return [Captured(number, live_ns(ts), data, orig_len, *origin)
                for number, ts, data, orig_len, origin in entries]

    def last(self, count: int) -> list[Captured]:
        if not self.packets or count <= 0:
            return []
        return self.window(self.packets[-1][0] - count + 1, count)

    def all(self) -> list[Captured]:
        return self.window(0, len(self.packets))

    def ends(self) -> dict:
        """The oldest packet's number and time, the newest's number (what a list view pages by)."""
        if not self.packets:
            return {"first_number": None, "first_ts": None, "first_ts_ns": None, "last_number": None}
        return {"first_number": self.packets[0][0], "first_ts": live_ns(self.packets[0][1]) / NS_PER_S,
                "first_ts_ns": live_ns(self.packets[0][1]), "last_number": self.packets[-1][0]}


class Capture:
    """One capture session on some links (or all), filtered, counted, maybe written to a file."""

    def __init__(self, stack, ring: Ring, links: list | None, program=None, expression: str = "",
                 count: int | None = None, snaplen: int = DEFAULT_SNAPLEN, writer=None,
                 wallclock=None):
        self.stack = stack
        self.ring = ring
        self.links = links                    # None: every link, also ones added later
        self.program = program
        self.expression = expression
        self.count = count
        self.snaplen = snaplen
        self.writer = writer
        # stack time to epoch seconds (for files), as one offset taken at the start: a
        # capture's timestamps stay monotonic even if the wall clock is stepped meanwhile
        self.epoch_offset = wallclock(0.0) if wallclock else 0.0
        self.seen = 0
        self.matched = 0                      # passed the filter, so captured (the ring may drop old ones)
        self.write_errors = 0
        self.running = False

    # --- attaching ---------------------------------------------------------
    def covers(self, link) -> bool:
        return self.links is None or link in self.links

    def start(self) -> None:
        self.running = True
        self.stack.refresh_taps()

    def stop(self) -> None:
        self.running = False
        self.stack.refresh_taps()
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError:
                self.write_errors += 1
            self.writer = None

    # --- the tap --------------------------------------------------------------
    @property
    def captured(self) -> int:
        """Frames that passed the filter (all seen, with none; the fast tap counts only those)."""
        return self.matched if self.program is not None else self.seen

    def tap_for(self, link, direction: str):
        """The tap for one link and direction: tap(frame).  A capture with no filter, count,
        file or snaplen shorter than a frame (`capture start` as most people type it) gets
        one closure with the ring's work inlined, since it runs for every frame of a flood."""
        if self.program is not None or self.writer is not None or self.count is not None \
                or self.snaplen < MAX_FRAME:
            tap = self.tap
            return lambda frame: tap(link, frame, direction)
        ring, numbers, now, offset = self.ring, self.stack.capture_numbers, self.stack.now, self.epoch_offset
        packets, max_packets, max_bytes = ring.packets, ring.max_packets, ring.max_bytes
        append, origin = packets.append, (link.name, link.index, direction, DLT_EN10MB, LIVE_DIGITS)

        def tap(frame):
            self.seen += 1                      # with no filter, every frame seen is matched
            append((numbers(), now() + offset, frame, len(frame), origin))
            ring.bytes += len(frame)
            if len(packets) > max_packets or ring.bytes > max_bytes:
                ring.trim()
        return tap

    def tap(self, link, frame: bytes, direction: str) -> None:
        self.seen += 1
        if self.program is not None and not self.program.filter(frame):
            return
        self.matched += 1
        data = frame if len(frame) <= self.snaplen else frame[:self.snaplen]
        pkt = Captured(self.stack.capture_numbers(), live_ns(self.stack.now() + self.epoch_offset), data,
                       len(frame), link.name, link.index, direction)
        self.ring.add(pkt)
        if self.writer is not None:
            try:
                self.writer.write(pkt)
            except OSError:
                self.write_errors += 1
        if self.count is not None and self.captured >= self.count:
            self.stop()

    def status(self) -> dict:
        return {"running": self.running, "links": None if self.links is None else
                [link.name for link in self.links], "filter": self.expression,
                "count": self.count, "snaplen": self.snaplen, "seen": self.seen,
                "matched": self.captured, "captured": self.captured,
                "ring_packets": len(self.ring), "ring_bytes": self.ring.bytes,
                "ring_overflow": self.ring.overflow, "write_errors": self.write_errors, **self.ring.ends()}


class _FileWriter:
    """Captured packets streamed into a pcapng file (stack/capfile.py does the format)."""

    def __init__(self, path: str):
        from . import capfile
        self._capfile = capfile
        try:
            self._out = capfile.PcapngWriter(path)
        except OSError as exc:
            raise StackError(f'cannot write "{path}": {exc.strerror}') from None

    def write(self, pkt: Captured) -> None:
        self._out.write(to_record(pkt))

    def close(self) -> None:
        self._out.close()


def open_writer(path: str) -> _FileWriter:
    return _FileWriter(path)


def to_record(pkt: Captured):
    from .capfile import Record
    return Record(ts_ns=pkt.ts_ns, data=pkt.data, orig_len=pkt.orig_len,
                  linktype=pkt.linktype, ifname=pkt.link, direction=pkt.direction,
                  ifindex=pkt.ifindex)


def from_record(rec, number: int = 0, digits: int = LIVE_DIGITS) -> Captured:
    return Captured(number, rec.ts_ns, rec.data, rec.orig_len, rec.ifname or "", rec.ifindex,
                    rec.direction or "", rec.linktype, digits)


class FileView:
    """A capture file shown in the ring's place: its packets by the file's numbers, read from
    disk when asked for (stack/capfile/index.py), never copied whole. `selection` holds the
    frame numbers a display filter kept (None: all). Iterating gives the packets in file
    order; a packet longer than `keep` bytes is cut to them, as the ring would keep it."""

    def __init__(self, index, selection=None, keep: int = DEFAULT_SNAPLEN):
        self.index = index
        self.selection = selection            # an array('I') of frame numbers, ascending
        self.keep = keep

    @property
    def path(self) -> str:
        return self.index.path

    @property
    def digits(self) -> int:
        return self.index.digits

    def __len__(self) -> int:
        return len(self.index) if self.selection is None else len(self.selection)

    def cut(self) -> tuple[int, int, int] | None:
        """The packets longer than `keep` (cut when read): (how many, the first's number, its
        size), None when there are none or the file is still being indexed; counted once."""
        if not self.index.complete:
            return None
        found = getattr(self.index, "cut_found", False)
        if found is False:
            caplen, found = self.index.caplen, None
            if caplen and max(caplen) > self.keep:
                first = next(n for n, size in enumerate(caplen, 1) if size > self.keep)
                found = (sum(1 for size in caplen if size > self.keep), first, caplen[first - 1])
            self.index.cut_found = found
        return found

    def number_at(self, position: int) -> int:
        """The frame number of the position-th packet shown (0-based)."""
        return position + 1 if self.selection is None else self.selection[position]

    def position_of(self, number: int) -> int:
        """Where packet `number` is among those shown, or would be (the first at or after it)."""
        if self.selection is None:
            return min(max(number - 1, 0), len(self))
        return bisect_left(self.selection, number)

    def time_of(self, number: int) -> int | None:
        """The time (ns) of the file's packet `number`, shown or not."""
        return self.index.time(number) if 1 <= number <= len(self.index) else None

    def packet(self, number: int) -> Captured:
        idx = self.index
        ifid, iface = idx.interface(number)
        return Captured(number, idx.time(number), idx.data(number, self.keep), idx.orig_len[number - 1],
                        _link_name(iface), ifid, idx.direction(number) or "", iface.linktype, iface.digits,
                        iface if iface.section else None, idx.pack_flags(number))

    def __getitem__(self, position: int) -> Captured:
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        return self.packet(self.number_at(position % len(self)))

    def window(self, first_number: int, count: int) -> list[Captured]:
        """Up to `count` packets shown from number `first_number` on."""
        start = self.position_of(first_number)
        stop = min(start + max(count, 0), len(self))
        if self.selection is None:
            return list(self.frames(start + 1, stop))
        return [self.packet(self.selection[i]) for i in range(start, stop)]

    def last(self, count: int) -> list[Captured]:
        if count <= 0 or not len(self):
            return []
        return self.window(self.number_at(max(len(self) - count, 0)), count)

    def __iter__(self):
        return self.frames()

    def frames(self, start: int = 1, stop: int | None = None, everything: bool = False):
        """The packets shown numbered start..stop (inclusive), in file order; with `everything`,
        those a display filter left out too (what an analysis pass must see)."""
        idx = self.index
        if stop is None:
            idx.wait()                  # the whole file: wait for an index still being made
        stop = len(idx) if stop is None else min(stop, len(idx))
        ifaces, iface, flags, other_flags = idx.interfaces, idx.iface, idx.flags, idx.other_flags
        orig_len = idx.orig_len
        if self.selection is not None and not everything:
            wanted = self.selection
            at, end = bisect_left(wanted, start), bisect_left(wanted, stop + 1)
            if (end - at) * 8 < stop - start + 1:      # sparse: a read each, not the whole file
                for i in range(at, end):
                    yield self.packet(wanted[i])
                return
            wanted = set(wanted[at:end])
        else:
            wanted = None
        for number, ts, data in idx.walk(start, stop, self.keep):
            if wanted is not None and number not in wanted:
                continue
            i = number - 1
            ifid = iface[i] if iface is not None else 0
            info = ifaces[ifid]
            if flags is not None:
                direction, pack_flags = _DIRECTIONS[flags[i] & 3], packed_flags(flags[i], other_flags, i)
            else:
                direction = pack_flags = None
            yield Captured(number, ts, data, orig_len[i], _link_name(info), ifid, direction or "", info.linktype,
                           info.digits, info if info.section else None, pack_flags)

    def ends(self) -> dict:
        """What a list view pages by, as the ring's; times are the file's: relative to its
        first packet, whatever a display filter kept."""
        if not len(self):
            return {"first_number": None, "first_ts": None, "first_ts_ns": None, "last_number": None}
        first_ns = self.index.time(1)
        return {"first_number": self.number_at(0), "first_ts": first_ns / NS_PER_S, "first_ts_ns": first_ns,
                "last_number": self.number_at(len(self) - 1)}

    def status(self) -> dict:
        return {"file": self.path, "file_packets": len(self.index), "reading": not self.index.complete,
                "digits": self.digits,
                "selected": None if self.selection is None else len(self.selection),
                "damage": self.index.damage, "cut": self.cut(), "keep": self.keep,
                "ring_packets": len(self), "ring_bytes": 0,
                "ring_overflow": 0, **self.ends()}


_DIRECTIONS = ("", "in", "out", "")


def _link_name(iface) -> str:
    """A file interface's name as tshark gives it: a pcapng interface without one is "unknown";
    a pcap file records none."""
    return iface.name or ("unknown" if iface.section else "")
