"""IPv6 extension headers on receive (RFC 8200 section 4): the walk from the fixed header
to the upper-layer header, and what it decides.

`walk(buf, net, end, multicast)` is the one decision: the fast path acts on its
`Chain`, and the trace explainer tells the same `Chain` (its `steps`).  Hop-by-Hop
must come first; options are handled by their type's two high bits (skip,
discard, discard and answer with a parameter problem, the same unless the
destination was multicast); a routing header with segments left would need
forwarding and is refused as RFC 8200 4.4 says for an unknown type; a fragment other
than an atomic one ends the walk with `frag` set, for reassembly (stack/l3/ipv6_frag.py),
and a second Fragment header (or one in a reassembled datagram) is refused as Linux's
ipv6_frag_rcv refuses it.
"""
from __future__ import annotations

from ..wire.icmpv6 import PARAM_PROBLEM
from ..wire.ipv6 import (HEADER_LEN, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_NONE,
                         NEXTHDR_ROUTING, OPT_PAD1, OPT_PADN, OPT_ROUTER_ALERT_TYPE, OPTION_NAMES)

# Parameter problem codes (RFC 4443 3.4)
ERRONEOUS_FIELD = 0
UNKNOWN_NEXT_HEADER = 1
UNKNOWN_OPTION = 2

MAX_PADDING = 7             # Linux refuses more than 7 bytes of padding in a row (ip6_parse_tlv)

HEADER_NAMES = {NEXTHDR_HOP: "hop-by-hop options", NEXTHDR_DEST: "destination options",
                NEXTHDR_ROUTING: "routing", NEXTHDR_FRAGMENT: "fragment"}
EXTENSION_HEADERS = frozenset(HEADER_NAMES)


class Chain:
    """What walking the headers found: the upper layer (nxt, where it starts, the offset of the
    field that named it), or a drop with its counter and the ICMPv6 error owed, if any."""

    __slots__ = ("nxt", "pos", "nhoff", "reason", "counter", "icmp", "steps", "frag", "atomic")

    def __init__(self):
        self.nxt = -1
        self.pos = 0
        self.nhoff = 6              # offset (from the IPv6 header) of the byte naming `nxt`
        self.reason: str | None = None
        self.counter: str | None = None
        self.icmp: tuple | None = None      # (type, code, pointer) for a parameter problem
        self.steps: list[str] = []
        self.frag = 0               # where a Fragment header to reassemble starts (0: none)
        self.atomic = False         # an atomic fragment was walked (ReasmReqds and ReasmOKs)

    def refuse(self, reason: str, counter: str, text: str, icmp: tuple | None = None) -> "Chain":
        self.reason, self.counter, self.icmp = reason, counter, icmp
        self.steps.append(text)
        return self


def walk(buf, net: int, end: int, multicast: bool, reassembled: bool = False) -> Chain:
    """Walk the extension headers of the IPv6 packet at buf[net:end] (its payload length checked);
    `reassembled`: it is a datagram made of fragments (no Fragment header may follow)."""
    chain = Chain()
    fragmented = reassembled
    pos = net + HEADER_LEN
    nxt = buf[net + 6]
    nhoff = 6
    first = True
    while nxt in EXTENSION_HEADERS or nxt == NEXTHDR_NONE:
        if nxt == NEXTHDR_NONE:
            chain.nxt, chain.pos, chain.nhoff = nxt, pos, nhoff
            chain.steps.append("next header 59: no next header, nothing more to deliver")
            return chain
        name = HEADER_NAMES[nxt]
        if nxt == NEXTHDR_HOP and not first:
            return chain.refuse("IP_NOPROTO", "InUnknownProtos",
                                f"a hop-by-hop header not right after the IPv6 header: unknown "
                                f"next header (parameter problem, pointer {nhoff})",
                                (PARAM_PROBLEM, UNKNOWN_NEXT_HEADER, nhoff))
        if nxt == NEXTHDR_FRAGMENT:
            length = 8
        else:
            if pos + 2 > end:
                return chain.refuse("IPV6_BAD_EXTHDR", "InHdrErrors",
                                    f"{name} header at {pos - net} runs past the payload")
            length = (buf[pos + 1] + 1) * 8
        if pos + length > end:
            return chain.refuse("IPV6_BAD_EXTHDR", "InHdrErrors",
                                f"{name} header at {pos - net}, {length} bytes, runs past the payload")
        if nxt in (NEXTHDR_HOP, NEXTHDR_DEST):
            if not _options(chain, buf, net, pos, pos + length, nxt == NEXTHDR_HOP, multicast, name):
                return chain
        elif nxt == NEXTHDR_ROUTING:
            kind, segleft = buf[pos + 2], buf[pos + 3]
            if segleft:
                return chain.refuse("IPV6_RTHDR", "InHdrErrors",
                                    f"routing header type {kind} with {segleft} segments left: this "
                                    f"host does not route (parameter problem, pointer {pos + 2 - net})",
                                    (PARAM_PROBLEM, ERRONEOUS_FIELD, pos + 2 - net))
            chain.steps.append(f"routing header type {kind}, no segments left: skipped")
        else:
            offset_more = (buf[pos + 2] << 8) | buf[pos + 3]
            if fragmented:
                return chain.refuse("IPV6_BAD_EXTHDR", "InHdrErrors",
                                    f"a fragment header at {pos - net} in a packet already reassembled "
                                    f"or atomic (parameter problem, pointer {pos - net})",
                                    (PARAM_PROBLEM, ERRONEOUS_FIELD, pos - net))
            if offset_more & 0xFFF9:
                chain.nxt, chain.pos, chain.nhoff, chain.frag = nxt, pos, nhoff, pos
                chain.steps.append(f"a fragment (offset {offset_more & 0xFFF8}, "
                                   f"{'more follow' if offset_more & 1 else 'the last'}): to reassembly")
                return chain
            chain.atomic = fragmented = True
            chain.steps.append("an atomic fragment (offset 0, no more): processed as a whole packet "
                               "(ReasmReqds, ReasmOKs)")
        nhoff = pos - net
        nxt = buf[pos]
        pos += length
        first = False
    chain.nxt, chain.pos, chain.nhoff = nxt, pos, nhoff
    return chain


def _options(chain: Chain, buf, net: int, start: int, stop: int, hop: bool, multicast: bool,
             name: str) -> bool:
    """ip6_parse_tlv over the options of one header; False (and the chain refused) to drop."""
    off = start + 2
    padding = 0
    while off < stop:
        kind = buf[off]
        if kind == OPT_PAD1:
            padding += 1
            off += 1
            if padding > MAX_PADDING:
                break
            continue
        if off + 2 > stop or off + 2 + buf[off + 1] > stop:
            chain.refuse("IPV6_BAD_EXTHDR", "InHdrErrors",
                         f"{name} header: option 0x{kind:02x} at {off - net} runs past the header")
            return False
        size = 2 + buf[off + 1]
        if kind == OPT_PADN:
            padding += size
            if padding > MAX_PADDING or any(buf[off + 2:off + size]):
                break
        else:
            padding = 0
            if not (hop and kind == OPT_ROUTER_ALERT_TYPE and size == 4):
                action = kind >> 6
                if action == 0:
                    chain.steps.append(f"{name}: unknown option 0x{kind:02x}: skipped (action 00)")
                elif action == 1 or (action == 3 and multicast):
                    chain.refuse("IPV6_UNKNOWN_OPTION", "InHdrErrors",
                                 f"{name}: unknown option 0x{kind:02x}: discard, no error "
                                 f"(action {action:02b}{', to a multicast address' if action == 3 else ''})")
                    return False
                else:
                    chain.refuse("IPV6_UNKNOWN_OPTION", "InHdrErrors",
                                 f"{name}: unknown option 0x{kind:02x}: discard, parameter problem "
                                 f"pointer {off - net} (action {action:02b})",
                                 (PARAM_PROBLEM, UNKNOWN_OPTION, off - net))
                    return False
            else:
                chain.steps.append(f"{name}: {OPTION_NAMES[kind]} option")
        off += size
    else:
        if padding <= MAX_PADDING:
            chain.steps.append(f"{name} header, {stop - start} bytes: options good")
            return True
    chain.refuse("IPV6_BAD_EXTHDR", "InHdrErrors",
                 f"{name} header: more than {MAX_PADDING} bytes of padding, or PadN not zero")
    return False
