"""IPv4 fragments: reassembly before local delivery (ip_defrag) and fragmentation on
output (ip_fragment), with the Ip MIB's Reasm* and Frag* counters.

Reassembly keeps its queues in a family-neutral `Reassembly` (stack/l3/reassembly.py),
keyed as the kernel keys IPv4's: (source, destination, id, protocol).  A datagram
whose first fragment came and that does not complete within `ipfrag_time` (30 s) is
answered with time exceeded, fragment reassembly time exceeded (code 1).

Fragmentation is ip_do_fragment's slow path: every fragment carries the first
header's length, the first one all its options, the others only those whose copy
flag is set (the rest become NOPs, as ip_options_fragment does); data in 8-byte
blocks, MF on all but the last (and on the last too when the datagram was itself
a fragment with MF).
"""
from __future__ import annotations

from ..packet import Packet
from ..wire import ipv4 as wire
from ..wire.checksum import checksum
from ..wire.icmp import TIME_EXCEEDED
from .reassembly import COMPLETE, Reassembly

IPFRAG_TIME = 30.0                  # net.ipv4.ipfrag_time
ICMP_EXC_FRAGTIME = 1               # time exceeded: fragment reassembly time exceeded
MAX_DATAGRAM = 65535
QUOTE = 8                           # bytes of the first fragment's data a time exceeded quotes

# How much of the datagram the first fragment must hold (RFC 1858, RFC 3128): the transport
# header's ports and flags; any first fragment at least one 8-byte block.
FIRST_MIN = {wire.PROTO_TCP: 20}
FIRST_MIN_DEFAULT = 8

IPOPT_END = 0
IPOPT_NOOP = 1
IPOPT_COPIED = 0x80


class IPv4Fragments:
    """The stack's `ipfrag`: IPv4's reassembly queues and its fragmenter."""

    def __init__(self, stack):
        self.stack = stack
        ipv4 = stack.ipv4
        self.reasm = Reassembly(stack, IPFRAG_TIME, ipv4.mib, self._expired,
                                overlaps=(ipv4.ext, "ReasmOverlaps"))

    # --- receive: ip_defrag ------------------------------------------------------
    def defrag(self, pkt: Packet) -> Packet | None:
        """Queue the fragment at pkt.network; the whole datagram once it completes, else None
        (held, or dropped and counted)."""
        buf, off = pkt.buf, pkt.network
        ihl = (buf[off] & 15) * 4
        key, offset, more, first_min = fragment_fields(buf, off)
        payload = memoryview(buf)[off + ihl:pkt.tail]
        head = bytes(buf[off:off + ihl]) if offset == 0 else None
        verdict, queue = self.reasm.add(key, offset, payload, more, head, pkt.link, first_min,
                                        MAX_DATAGRAM - ihl)
        if verdict is not COMPLETE:
            return None
        return reassembled(queue, pkt)

    def explain_defrag(self, step, pkt: Packet) -> str:
        """The trace's words for what `defrag` does with the fragment; returns the verdict
        (QUEUED, COMPLETE or the drop reason)."""
        buf, off = pkt.buf, pkt.data
        ihl = (buf[off] & 15) * 4
        total = (buf[off + 2] << 8) | buf[off + 3]
        key, offset, more, first_min = fragment_fields(buf, off)
        return self.reasm.explain(step, key, f"0x{key[2]:04x}", offset, total - ihl, more,
                                  first_min, MAX_DATAGRAM - ihl)

    def _expired(self, queue) -> None:
        """ip_expire with the first fragment in: time exceeded back to its sender, quoting it."""
        link = queue.link
        if link is None or self.stack.links.get(link.name) is not link:
            return                                  # the link it came in on is gone
        pkt = Packet.of(queue.head + queue.first_bytes(QUOTE))
        pkt.network = pkt.data
        pkt.link = link
        self.stack.icmp.send_error(pkt, TIME_EXCEEDED, ICMP_EXC_FRAGTIME)

    # --- output: ip_fragment ---------------------------------------------------------
    def fragment(self, pkt: Packet, mtu: int, send) -> str | None:
        """Send the datagram at pkt.data in fragments of at most `mtu` bytes, each through
        `send(fragment)`; returns the drop reason when it cannot be fragmented."""
        mib = self.stack.ipv4.mib
        buf, off = pkt.buf, pkt.data
        ihl = (buf[off] & 15) * 4
        field = (buf[off + 6] << 8) | buf[off + 7]
        refused = fragment_refusal(field, ihl, mtu)
        if refused is not None:
            mib.FragFails += 1
            self.stack.drop(refused)
            return refused
        header = bytes(buf[off:off + ihl])
        later = options_fragment(header)
        base = (field & wire.FRAG_MASK) << 3
        data = off + ihl
        pieces = fragment_plan(ihl, pkt.tail - data, mtu)
        last = len(pieces) - 1
        for i, (start, length) in enumerate(pieces):
            frag = Packet.alloc(ihl + length, ts=pkt.ts)
            fb, s = frag.buf, frag.data
            fb[s:s + ihl] = header if i == 0 else later
            fb[s + ihl:s + ihl + length] = buf[data + start:data + start + length]
            more = i < last or field & wire.FLAG_MF
            set_fragment_header(fb, s, ihl + length, ((base + start) >> 3) | (wire.FLAG_MF if more else 0))
            frag.network = s
            mib.FragCreates += 1
            send(frag)
        mib.FragOKs += 1
        return None

    def explain_fragment(self, step, length: int, ihl: int, mtu: int, link_name: str, df: bool) -> str | None:
        """Words for what output does with a datagram longer than the MTU; the drop it predicts."""
        if df:
            step(f"length {length} > mtu {mtu} of {link_name}, don't fragment: refused (message too long)")
            return "PKT_TOO_BIG"
        if fragment_refusal(0, ihl, mtu) is not None:
            step(f"length {length} > mtu {mtu} of {link_name}: too small an MTU for a fragment (FragFails)")
            return "PKT_TOO_BIG"
        sizes = [size for _, size in fragment_plan(ihl, length - ihl, mtu)]
        step(f"length {length} > mtu {mtu} of {link_name}: sent in {len(sizes)} fragments of "
             f"{', '.join(map(str, sizes))} data bytes (FragCreates, FragOKs)")
        return None


def fragment_fields(buf, off: int) -> tuple:
    """(queue key, offset in bytes, more fragments, what the first fragment must hold)."""
    field = (buf[off + 6] << 8) | buf[off + 7]
    proto = buf[off + 9]
    key = (bytes(buf[off + 12:off + 16]), bytes(buf[off + 16:off + 20]),
           (buf[off + 4] << 8) | buf[off + 5], proto)
    return key, (field & wire.FRAG_MASK) << 3, bool(field & wire.FLAG_MF), FIRST_MIN.get(proto, FIRST_MIN_DEFAULT)


def reassembled(queue, last: Packet) -> Packet:
    """The datagram of a completed queue: the first fragment's header over all the data
    (ip_frag_reasm), received as the fragment that completed it was."""
    header = queue.head
    ihl = len(header)
    data = queue.assemble()
    total = ihl + len(data)
    pkt = Packet.alloc(total, ts=last.ts)
    buf, s = pkt.buf, pkt.data
    buf[s:s + ihl] = header
    buf[s + ihl:s + total] = data
    set_fragment_header(buf, s, total, 0)
    pkt.buf = bytes(buf)                # received packets are immutable bytes, as the layers expect
    pkt.network = s
    pkt.link = last.link
    pkt.broadcast = last.broadcast
    return pkt


def set_fragment_header(buf, s: int, total: int, frag_field: int) -> None:
    """Write the total length and flags/offset of the header at buf[s:], and its checksum."""
    ihl = (buf[s] & 15) * 4
    buf[s + 2], buf[s + 3] = total >> 8, total & 0xFF
    buf[s + 6], buf[s + 7] = frag_field >> 8, frag_field & 0xFF
    buf[s + 10] = buf[s + 11] = 0
    csum = checksum(buf[s:s + ihl])
    buf[s + 10], buf[s + 11] = csum >> 8, csum & 0xFF


def fragment_refusal(field: int, ihl: int, mtu: int) -> str | None:
    """Why ip_fragment will not split a datagram: DF set, or not one 8-byte block fits."""
    if field & wire.FLAG_DF or mtu - ihl < 8:
        return "PKT_TOO_BIG"
    return None


def fragment_plan(ihl: int, size: int, mtu: int) -> list[tuple[int, int]]:
    """(offset, length) of each fragment's data: as much as fits, in 8-byte blocks but the last."""
    room = mtu - ihl
    pieces = []
    start = 0
    while start < size:
        left = size - start
        length = left if left <= room else room & ~7
        pieces.append((start, length))
        start += length
    return pieces


def options_fragment(header: bytes) -> bytes:
    """The header for fragments after the first (ip_options_fragment): options whose copy
    flag is clear become NOPs, the header keeps its length."""
    out = bytearray(header)
    pos, end = wire.MIN_LEN, len(out)
    while pos < end:
        kind = out[pos]
        if kind == IPOPT_END:
            break
        if kind == IPOPT_NOOP:
            pos += 1
            continue
        if pos + 1 >= end or out[pos + 1] < 2 or pos + out[pos + 1] > end:
            break                                   # malformed: left as it is, as the kernel does
        length = out[pos + 1]
        if not kind & IPOPT_COPIED:
            out[pos:pos + length] = bytes([IPOPT_NOOP]) * length
        pos += length
    return bytes(out)

