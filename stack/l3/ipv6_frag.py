"""IPv6 fragments: reassembly where the extension-header walk meets a Fragment header
(ipv6_frag_rcv, net/ipv6/reassembly.c) and fragmentation of our own packets on output
(ip6_fragment), with Ip6's Reasm* and Frag* counters.

Reassembly keeps its queues in the family-neutral `Reassembly` (stack/l3/reassembly.py),
keyed as Linux keys IPv6's: (source, destination, identification), and the input link
when the destination is link-local or multicast.  Before a fragment reaches the queues
Linux checks, in this order (`decide`):

- a first fragment must hold the header chain through the upper-layer header's first
  bytes (RFC 7112; ipv6frag_thdr_truncated: TCP 20, UDP 8, ICMPv6 8, others 1):
  FRAG_TINY, InHdrErrors, parameter problem code 3 pointer 0, no queue made;
- reassembly memory over ip6frag_high_thresh: FRAG_MEM_LIMIT, ReasmFails;
- offset + length past 65535: FRAG_OVERSIZE, InHdrErrors, parameter problem code 0
  pointing at the fragment offset;
- more fragments and a length not a multiple of 8: FRAG_UNALIGNED, InHdrErrors,
  parameter problem code 0 pointing at the payload length.

The rest (duplicates, RFC 5722 overlaps, ends, 2048 fragments a queue) is the shared
module's.  The datagram is the first fragment's unfragmentable part (its last next
header now the Fragment header's) over the data; the walk goes on over it, and a
Fragment header met again is refused as Linux refuses it (IP6SKB_FRAGMENTED).  A queue
whose first fragment came and that does not complete in `ip6frag_time` (60 s) is
answered with time exceeded, fragment reassembly time exceeded (code 1), quoting that
first fragment.

Fragmentation is ip6_fragment's slow path: the unfragmentable part (hop-by-hop, a
routing header and destination options before it, ip6_find_1stfragopt) repeated in
each fragment, then a Fragment header with one random identification per datagram
(ipv6_select_ident), data in 8-byte blocks, M on all but the last.
"""
from __future__ import annotations

import random

from ..packet import Packet
from ..wire import ipv6 as wire
from ..wire.icmpv6 import PARAM_PROBLEM, TIME_EXCEEDED
from .addrconf import is_link_local, is_multicast
from .ipv4_frag import fragment_plan
from .reassembly import COMPLETE, Reassembly

IP6FRAG_TIME = 60.0                 # net.ipv6.ip6frag_time
ICMPV6_EXC_FRAGTIME = 1             # time exceeded: fragment reassembly time exceeded
ICMPV6_HDR_FIELD = 0                # parameter problem: erroneous header field
ICMPV6_HDR_INCOMP = 3               # parameter problem: incomplete header chain (RFC 7112)
IPV6_MAXPLEN = 65535
NEXTHDR_AUTH = 51
QUOTE = 1280                        # an ICMPv6 error quotes what fits in the minimum MTU

# ipv6frag_thdr_truncated: how much of the upper-layer header a first fragment must hold
UPPER_MIN = {wire.NEXTHDR_TCP: 20, wire.NEXTHDR_UDP: 8, wire.NEXTHDR_ICMP: 8}
UPPER_MIN_DEFAULT = 1
# ipv6_ext_hdr: the headers ipv6_skip_exthdr steps over
SKIPPED = frozenset((wire.NEXTHDR_HOP, wire.NEXTHDR_ROUTING, wire.NEXTHDR_FRAGMENT, NEXTHDR_AUTH,
                     wire.NEXTHDR_DEST))

# The checks made before the queues, each with the counter it takes and the ICMPv6 error owed.
PRECHECKED = {"FRAG_TINY": "InHdrErrors", "FRAG_OVERSIZE": "InHdrErrors", "FRAG_UNALIGNED": "InHdrErrors"}


class Fragment:
    """One received fragment's fields: where its Fragment header is (`frag`, from the start
    of the buffer) and its place in the datagram."""

    __slots__ = ("key", "ident", "frag", "nhoff", "offset", "size", "more")

    def __init__(self, buf, net: int, end: int, frag: int, nhoff: int, link):
        field = (buf[frag + 2] << 8) | buf[frag + 3]
        self.ident = int.from_bytes(buf[frag + 4:frag + 8], "big")
        src, dst = bytes(buf[net + 8:net + 24]), bytes(buf[net + 24:net + 40])
        iif = link if is_link_local(dst) or is_multicast(dst) else None
        self.key = (src, dst, self.ident, iif)
        self.frag = frag
        self.nhoff = nhoff                  # from the IPv6 header: the byte naming the Fragment header
        self.offset = field & 0xFFF8
        self.size = end - frag - wire.FRAG_HEADER_LEN
        self.more = bool(field & 1)


class IPv6Fragments:
    """The stack's `ip6frag`: IPv6's reassembly queues and its fragmenter."""

    def __init__(self, stack):
        self.stack = stack
        self.mib = stack.ipv6.mib
        self.reasm = Reassembly(stack, IP6FRAG_TIME, self.mib, self._expired)

    # --- receive: ipv6_frag_rcv ----------------------------------------------------
    def precheck(self, buf, end: int, f: Fragment) -> str | None:
        """ipv6_frag_rcv's and ip6_frag_queue's own refusals, in their order, or None."""
        if f.offset == 0 and header_chain_truncated(buf, f.frag, end):
            return "FRAG_TINY"
        reasm = self.reasm
        if reasm.mem <= reasm.high_thresh:          # else fq_find fails: the shared judge says so
            last = f.offset + f.size
            if last > IPV6_MAXPLEN:
                return "FRAG_OVERSIZE"
            if f.more and last & 7:
                return "FRAG_UNALIGNED"
        return None

    def decide(self, buf, end: int, f: Fragment) -> str:
        """QUEUED, COMPLETE or the drop reason."""
        return self.precheck(buf, end, f) or self.reasm.judge(f.key, f.offset, f.size, f.more, 0,
                                                              IPV6_MAXPLEN)

    def defrag(self, pkt: Packet, frag: int, nhoff: int) -> Packet | None:
        """Queue the fragment whose Fragment header is at `frag`; the whole datagram once it
        completes, else None (held, or dropped and counted)."""
        buf, net, end = pkt.buf, pkt.network, pkt.tail
        f = Fragment(buf, net, end, frag, nhoff, pkt.link)
        refused = self.precheck(buf, end, f)
        if refused is not None:
            self._refuse(pkt, f, refused)
            return None
        head = (bytes(buf[net:frag + wire.FRAG_HEADER_LEN]), nhoff) if f.offset == 0 else None
        verdict, queue = self.reasm.add(f.key, f.offset, memoryview(buf)[frag + wire.FRAG_HEADER_LEN:end],
                                   f.more, head, pkt.link, 0, IPV6_MAXPLEN)
        if verdict is not COMPLETE:
            return None
        if too_long(queue.head, queue.length):
            self.mib.ReasmOKs -= 1                  # ip6_frag_reasm's out_oversize: a failure after all
            self.mib.ReasmFails += 1
            self.stack.drop("FRAG_OVERSIZE")
            return None
        return reassembled(queue.head, queue.assemble(), pkt)

    def _refuse(self, pkt: Packet, f: Fragment, reason: str) -> None:
        mib = self.mib
        mib.ReasmReqds += 1
        mib.InHdrErrors += 1
        if reason == "FRAG_TINY":
            self.stack.icmp6.send_error(pkt, PARAM_PROBLEM, ICMPV6_HDR_INCOMP, 0)
        else:
            self.stack.icmp6.send_error(pkt, PARAM_PROBLEM, ICMPV6_HDR_FIELD, refusal_pointer(reason, f, pkt.network))
        self.stack.drop(reason)

    def explain_defrag(self, step, buf, net: int, end: int, frag: int, nhoff: int, link, multicast: bool):
        """The trace's words for what `defrag` does; returns (verdict, the datagram when it
        completes, else None)."""
        f = Fragment(buf, net, end, frag, nhoff, link)
        verdict = self.decide(buf, end, f)
        ident = f"0x{f.ident:08x}"
        if verdict in PRECHECKED:
            what = (f"fragment of datagram {ident} (offset {f.offset}, {f.size} bytes, "
                    + ("more follow)" if f.more else "the last)"))
            if verdict == "FRAG_TINY":
                why = ("the first fragment does not hold the whole header chain through the upper-layer "
                       "header (RFC 7112): parameter problem code 3, pointer 0")
            elif verdict == "FRAG_OVERSIZE":
                why = (f"it ends at byte {f.offset + f.size}, past 65535: parameter problem code 0, "
                       f"pointer {refusal_pointer(verdict, f, net)}")
            else:
                why = (f"{f.size} bytes with more to follow, not a multiple of 8: parameter problem "
                       f"code 0, pointer {refusal_pointer(verdict, f, net)}")
            step(f"{what}: dropped: {verdict} ({why}; InHdrErrors)")
            return verdict, None
        self.reasm.explain(step, f.key, ident, f.offset, f.size, f.more, 0, IPV6_MAXPLEN)
        if verdict is not COMPLETE:
            return verdict, None
        queue = self.reasm.queues.get(f.key)
        held = list(queue.frags) if queue is not None else []
        data = bytes(buf[frag + wire.FRAG_HEADER_LEN:end])
        held.append((f.offset, data))
        head = queue.head if queue is not None and queue.head is not None else \
            (bytes(buf[net:frag + wire.FRAG_HEADER_LEN]), nhoff)
        length = max(offset + len(piece) for offset, piece in held)
        if too_long(head, length):
            step(f"the datagram would be {len(head[0]) - wire.FRAG_HEADER_LEN + length} bytes, longer "
                 "than 65535 with its header: dropped (ReasmFails)")
            return "FRAG_OVERSIZE", None
        payload = b"".join(piece for _, piece in sorted(held, key=lambda h: h[0]))
        received = Packet.of(b"")
        received.link, received.broadcast = link, multicast
        whole = reassembled(head, payload, received)
        step(f"the datagram: its unfragmentable part ({len(head[0]) - wire.FRAG_HEADER_LEN} bytes) "
             f"over {len(payload)} bytes, walked on")
        return COMPLETE, whole

    def _expired(self, queue) -> None:
        """ip6_expire_frag_queue with the first fragment in: time exceeded to its sender."""
        link = queue.link
        if link is None or self.stack.links.get(link.name) is not link:
            return                                  # the link it came in on is gone
        head, _ = queue.head
        pkt = Packet.of(head + queue.first_bytes(QUOTE))
        pkt.network = pkt.data
        pkt.link = link
        self.stack.icmp6.send_error(pkt, TIME_EXCEEDED, ICMPV6_EXC_FRAGTIME)

    # --- output: ip6_fragment -------------------------------------------------------
    def fragment(self, pkt: Packet, mtu: int, send) -> str | None:
        """Send the packet at pkt.data (its IPv6 header first) in fragments of at most `mtu`
        bytes, each through `send(fragment)`; returns the drop reason when it cannot be."""
        mib = self.mib
        buf, off, tail = pkt.buf, pkt.data, pkt.tail
        hlen, nhoff = unfragmentable(buf, off, tail)
        if hlen < 0 or mtu - hlen - wire.FRAG_HEADER_LEN < 8:
            mib.FragFails += 1
            self.stack.drop("PKT_TOO_BIG")
            return "PKT_TOO_BIG"
        ident = select_ident()
        nxt = buf[off + nhoff]
        unfrag = bytearray(buf[off:off + hlen])
        unfrag[nhoff] = wire.NEXTHDR_FRAGMENT
        front = hlen + wire.FRAG_HEADER_LEN
        pieces = fragment_plan(front, tail - off - hlen, mtu)
        last = len(pieces) - 1
        for i, (start, length) in enumerate(pieces):
            frag = Packet.alloc(front + length, ts=pkt.ts)
            fb, s = frag.buf, frag.data
            fb[s:s + hlen] = unfrag
            plen = front + length - wire.HEADER_LEN
            fb[s + 4], fb[s + 5] = plen >> 8, plen & 0xFF
            wire.FRAG_HEADER.pack_into(fb, s + hlen, nxt, 0, start | (i < last), ident)
            data = off + hlen + start
            fb[s + front:s + front + length] = buf[data:data + length]
            frag.network = s
            mib.FragCreates += 1
            send(frag)
        mib.FragOKs += 1
        return None

    def explain_fragment(self, step, length: int, mtu: int, link_name: str, dontfrag: bool) -> str | None:
        """Words for what output does with a packet longer than the MTU; the drop it predicts
        (the packet has no extension headers here: ours carry none worth splitting)."""
        if dontfrag:
            step(f"length {length} > mtu {mtu} of {link_name}, don't fragment: refused (message too long)")
            return "PKT_TOO_BIG"
        front = wire.HEADER_LEN + wire.FRAG_HEADER_LEN
        if mtu - front < 8:
            step(f"length {length} > mtu {mtu} of {link_name}: too small an MTU for a fragment (FragFails)")
            return "PKT_TOO_BIG"
        sizes = [size for _, size in fragment_plan(front, length - wire.HEADER_LEN, mtu)]
        step(f"length {length} > mtu {mtu} of {link_name}: sent in {len(sizes)} fragments of "
             f"{', '.join(map(str, sizes))} data bytes behind a fragment header (FragCreates, FragOKs)")
        return None


def header_chain_truncated(buf, frag: int, end: int) -> bool:
    """ipv6frag_thdr_truncated: a first fragment that stops before the upper-layer header's
    first bytes (RFC 7112).  A chain that cannot be walked is left to reassembly, as Linux
    leaves it (ipv6_skip_exthdr fails)."""
    nxt = buf[frag]
    pos = frag + wire.FRAG_HEADER_LEN
    while nxt in SKIPPED:
        if pos + 2 > end:
            return False
        if nxt == wire.NEXTHDR_FRAGMENT:
            if pos + 4 > end:
                return False
            if ((buf[pos + 2] << 8) | buf[pos + 3]) & 0xFFF8:
                return False                    # a later fragment's header: nothing to check
            length = 8
        elif nxt == NEXTHDR_AUTH:
            length = (buf[pos + 1] + 2) * 4
        else:
            length = (buf[pos + 1] + 1) * 8
        nxt = buf[pos]
        pos += length
    if nxt == wire.NEXTHDR_NONE:
        return False
    return pos + UPPER_MIN.get(nxt, UPPER_MIN_DEFAULT) > end


def refusal_pointer(reason: str, f: Fragment, net: int) -> int:
    """The parameter problem's pointer: the fragment offset, or the payload length."""
    return f.frag + 2 - net if reason == "FRAG_OVERSIZE" else wire.OFF_PLEN


def too_long(head, length: int) -> bool:
    """ip6_frag_reasm's check: the unfragmentable part and the data past 65535 bytes."""
    return len(head[0]) - wire.FRAG_HEADER_LEN - wire.HEADER_LEN + length > IPV6_MAXPLEN


def reassembled(head, data: bytes, last: Packet) -> Packet:
    """The datagram of a completed queue (ip6_frag_reasm): the first fragment's unfragmentable
    part, the byte that named the Fragment header now naming what it did, then the data;
    received as the fragment that completed it was."""
    header, nhoff = head
    unfrag = len(header) - wire.FRAG_HEADER_LEN
    total = unfrag + len(data)
    pkt = Packet.alloc(total, ts=last.ts)
    buf, s = pkt.buf, pkt.data
    buf[s:s + unfrag] = header[:unfrag]
    buf[s + nhoff] = header[unfrag]             # the Fragment header's next header
    plen = total - wire.HEADER_LEN
    buf[s + 4], buf[s + 5] = plen >> 8, plen & 0xFF
    buf[s + unfrag:s + total] = data
    pkt.buf = bytes(buf)                        # received packets are immutable bytes, as the layers expect
    pkt.network = s
    pkt.link = last.link
    pkt.broadcast = last.broadcast
    return pkt


def unfragmentable(buf, off: int, tail: int) -> tuple[int, int]:
    """ip6_find_1stfragopt: (length of the unfragmentable part, offset of its last next header
    byte); hop-by-hop, routing, and destination options unless after a routing header.
    (-1, 6) when the chain runs past the packet."""
    pos, nhoff, found_rhdr = wire.HEADER_LEN, wire.OFF_NXT, False
    while True:
        nxt = buf[off + nhoff]
        if nxt == wire.NEXTHDR_ROUTING:
            found_rhdr = True
        elif nxt == wire.NEXTHDR_DEST:
            if found_rhdr:
                return pos, nhoff
        elif nxt != wire.NEXTHDR_HOP:
            return pos, nhoff
        if off + pos + 2 > tail:
            return -1, wire.OFF_NXT
        nhoff = pos
        pos += (buf[off + pos + 1] + 1) * 8
        if pos > IPV6_MAXPLEN:
            return -1, wire.OFF_NXT


def select_ident() -> int:
    """ipv6_select_ident: a random, non-zero 32-bit identification for each datagram."""
    return random.randrange(1, 1 << 32)

