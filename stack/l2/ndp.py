"""Neighbor Discovery (RFC 4861): Neighbor Solicitations and Advertisements on the same
NUD machine as ARP (stack/l2/neigh.py), and the probes of duplicate address detection.

`check` (the validity tests of RFC 4861 7.1) and `decide` (what ndisc_recv_ns and
ndisc_recv_na do) are the decisions; `receive_ns`, `receive_na` and the trace
explainer all act on or tell what they return.  Router Solicitations and
Advertisements are not handled yet (counted, then ICMP_UNHANDLED).
"""
from __future__ import annotations

from ..counters import Mib, counter_group
from ..packet import Packet
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from ..wire.ethernet import ETH_P_IPV6
from ..l3.addrconf import ALL_NODES, ALL_ROUTERS, UNSPECIFIED, is_multicast, solicited_node
from ..l3.icmpv6 import fill_checksum
from .neigh import REACHABLE, STALE, NeighTable

NDISC_STATS = ("allocs", "destroys", "lookups", "hits", "res_failed", "rcv_probes_mcast",
               "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs", "unresolved_discards",
               "table_fulls")
HOP_LIMIT = 255
BODY_LEN = 24                   # type, code, checksum, a 4-byte word, the target
LLADDR_OPT_LEN = 8              # an Ethernet link-layer address option

# What ndisc_recv_ns / ndisc_recv_na decide (after `check`)
DAD_FAILED, ANSWER_DAD, ANSWER, TENTATIVE, NOT_OURS, OUR_ADDRESS, UPDATE = (
    "dad failed", "answer dad", "answer", "tentative", "not ours", "our address", "update")
DROPS = {TENTATIVE: "IPV6_NDISC_TENTATIVE", NOT_OURS: "IPV6_NDISC_NS_OTHERHOST",
         OUR_ADDRESS: "IPV6_NDISC_OUR_ADDRESS"}


class NdiscTable(NeighTable):
    """The neighbour table of IPv6, with the router flag NA messages carry."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.routers: set[tuple] = set()

    def add_flags(self, entry, row: dict) -> None:
        if entry.key in self.routers:
            row["router"] = None

    def _destroy(self, entry, reason: str = "NEIGH_DEAD") -> None:
        self.routers.discard(entry.key)
        super()._destroy(entry, reason)


def options(buf, pos: int, end: int):
    """The ND options from `pos`: {type: [(offset, length), ...]}, or a drop reason."""
    found = {}
    while pos < end:
        if pos + 2 > end or buf[pos + 1] == 0 or pos + buf[pos + 1] * 8 > end:
            return "IPV6_NDISC_BAD_OPTIONS"
        found.setdefault(buf[pos], []).append((pos, buf[pos + 1] * 8))
        pos += buf[pos + 1] * 8
    return found


def lladdr_option(buf, found: dict, kind: int):
    """The 6-byte MAC of (the first) source or target link-layer address option, or None."""
    if kind not in found:
        return None
    pos, length = found[kind][0]
    return bytes(buf[pos + 2:pos + 8]) if length >= LLADDR_OPT_LEN else None


def common_check(pkt: Packet, min_len: int) -> str | None:
    """What every ND message must be (RFC 4861 6.1, 7.1): sent with hop limit 255, so from this
    link; code 0; long enough for its type."""
    buf, off = pkt.buf, pkt.data
    if buf[pkt.network + 7] != HOP_LIMIT:
        return "IPV6_NDISC_HOP_LIMIT"
    if buf[off + 1] != 0:
        return "IPV6_NDISC_BAD_CODE"
    if pkt.tail - off < min_len:
        return "PKT_TOO_SMALL"
    return None


def check(pkt: Packet):
    """RFC 4861 7.1.1 / 7.1.2 for an NS or NA: a drop reason, or (src, dst, target, options)."""
    buf, off, net = pkt.buf, pkt.data, pkt.network
    reason = common_check(pkt, BODY_LEN)
    if reason is not None:
        return reason
    target = bytes(buf[off + 8:off + 24])
    src, dst = bytes(buf[net + 8:net + 24]), bytes(buf[net + 24:net + 40])
    if is_multicast(target):
        return "IPV6_NDISC_BAD_OPTIONS"
    found = options(buf, off + BODY_LEN, pkt.tail)
    if type(found) is str:
        return found
    if buf[off] == wire.NEIGHBOUR_SOLICIT and src == UNSPECIFIED and (
            dst != solicited_node(target) or wire.ND_OPT_SOURCE_LL_ADDR in found):
        return "IPV6_NDISC_BAD_OPTIONS"         # a DAD probe goes to the solicited-node group, bare
    if buf[off] == wire.NEIGHBOUR_ADVERT and is_multicast(dst) and buf[off + 4] & 0x40:
        return "IPV6_NDISC_BAD_OPTIONS"         # solicited, yet multicast
    return src, dst, target, found


def decide(kind: int, src: bytes, ifa, looped: bool) -> str:
    """What to do with a valid NS or NA for `target`, whose address entry of ours is `ifa`."""
    if kind == wire.NEIGHBOUR_SOLICIT:
        if ifa is None:
            return NOT_OURS
        if ifa.tentative:
            return DAD_FAILED if src == UNSPECIFIED and not looped and not ifa.dadfailed else TENTATIVE
        return ANSWER_DAD if src == UNSPECIFIED else ANSWER
    if ifa is None:
        return UPDATE
    if ifa.tentative and not ifa.dadfailed and not looped:
        return DAD_FAILED
    return OUR_ADDRESS


class Ndp:
    def __init__(self, stack):
        self.stack = stack
        self.stats = Mib("NdiscCache", NDISC_STATS)
        self.table = NdiscTable(stack, "ndisc", ETH_P_IPV6, self.solicit, self.stats, ipwire.addr_to_str)
        self.table.on_failed = lambda pkt: stack.icmp6.send_error(pkt, wire.DEST_UNREACH, 3)
        self.table.start()
        icmp6 = stack.icmp6
        for kind in (wire.NEIGHBOUR_SOLICIT, wire.NEIGHBOUR_ADVERT):
            icmp6.handlers[kind] = self.receive
            icmp6.explainers[kind] = self.explain_receive

    # --- transmit -----------------------------------------------------------------
    def _send(self, link, kind: int, src: bytes, dst: bytes, word: int, target: bytes,
              option: int | None) -> None:
        """An ND message: type, a 4-byte word, the target (none in an RS), a link-layer option."""
        body = 8 + len(target)
        pkt = Packet.alloc(body + (LLADDR_OPT_LEN if option is not None else 0))
        buf, s = pkt.buf, pkt.data
        buf[s] = kind
        buf[s + 4:s + 8] = word.to_bytes(4, "big")
        buf[s + 8:s + body] = target
        if option is not None:
            buf[s + body] = option
            buf[s + body + 1] = 1
            buf[s + body + 2:s + body + 8] = link.mac
        fill_checksum(buf, s, pkt.tail, src, dst)
        self.stack.icmp6.count_out(kind)
        self.stack.ipv6.output(pkt, src, dst, ipwire.NEXTHDR_ICMP, hlim=HOP_LIMIT, oif=link)

    def solicit(self, entry, unicast: bytes | None) -> None:
        """Ask for entry.addr: to its solicited-node group while INCOMPLETE, unicast when PROBEing."""
        link, target = entry.link, entry.addr
        src = self._queued_source(entry) or self.stack.ipv6.source_for(link, target)
        if src is None:
            return
        dst = target if unicast is not None else solicited_node(target)
        self._send(link, wire.NEIGHBOUR_SOLICIT, src, dst, 0, target, wire.ND_OPT_SOURCE_LL_ADDR)

    def _queued_source(self, entry) -> bytes | None:
        """ndisc_solicit's choice: the source of the packet waiting, when it is ours."""
        if not entry.queue:
            return None
        pkt = entry.queue[0]
        src = bytes(pkt.buf[pkt.data + 8:pkt.data + 24])
        ifa = self.stack.ipv6.owns(entry.link, src)
        return src if ifa is not None and ifa.usable else None

    def send_dad_probe(self, ifa) -> None:
        """A DAD probe: an NS for the tentative address, from ::, to its solicited-node group."""
        self._send(ifa.link, wire.NEIGHBOUR_SOLICIT, UNSPECIFIED, solicited_node(ifa.address), 0,
                   ifa.address, None)

    def solicit_router(self, link, src: bytes) -> None:
        """A Router Solicitation to all routers, with our link-layer address."""
        self._send(link, wire.ROUTER_SOLICIT, src, ALL_ROUTERS, 0, b"", wire.ND_OPT_SOURCE_LL_ADDR)

    def advertise(self, link, target: bytes, dst: bytes, solicited: bool) -> None:
        flags = wire.NA_OVERRIDE | (wire.NA_SOLICITED if solicited else 0) | (
            wire.NA_ROUTER if self.stack.ipv6.forwarding else 0)
        self._send(link, wire.NEIGHBOUR_ADVERT, target, dst, flags, target, wire.ND_OPT_TARGET_LL_ADDR)

    # --- receive (ndisc_rcv) ----------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        stack = self.stack
        checked = check(pkt)
        if type(checked) is str:
            stack.drop(checked)
            return
        src, dst, target, found = checked
        buf, off, link = pkt.buf, pkt.data, pkt.link
        kind = buf[off]
        looped = bytes(buf[pkt.mac + 6:pkt.mac + 12]) == link.mac if pkt.mac >= 0 else False
        ifa = stack.ipv6.owns(link, target)
        decision = decide(kind, src, ifa, looped)
        rec = stack.trace_rec
        if rec is not None:
            rec.sending_begin()
        try:
            if decision == DAD_FAILED:
                stack.ipv6.dad_failed(ifa)
            elif decision == ANSWER_DAD:
                self.advertise(link, target, ALL_NODES, solicited=False)
            elif decision == ANSWER:
                self.stats.rcv_probes_mcast += is_multicast(dst)
                self.stats.rcv_probes_ucast += not is_multicast(dst)
                lladdr = lladdr_option(buf, found, wire.ND_OPT_SOURCE_LL_ADDR)
                if lladdr is not None:
                    self.table.confirm(link, src, lladdr, reachable=False, create=True)
                self.advertise(link, target, src, solicited=True)
            elif decision == UPDATE:
                self._update(link, target, buf[off + 4],
                             lladdr_option(buf, found, wire.ND_OPT_TARGET_LL_ADDR))
        finally:
            if rec is not None:
                rec.sending_end()
        if decision in DROPS:
            stack.drop(DROPS[decision])

    def _update(self, link, target: bytes, flags: int, lladdr: bytes | None) -> None:
        """An NA about a neighbour (ndisc_recv_na + __neigh_update with its override rules)."""
        table = self.table
        entry = table.entries.get((link.index, target))
        if entry is None:
            return                              # unsolicited, for nobody we asked about: ignored
        solicited, override = bool(flags & 0x40), bool(flags & 0x20)
        if lladdr is None:
            lladdr = entry.lladdr
            if lladdr is None:
                return
        if not override and entry.lladdr is not None and lladdr != entry.lladdr:
            if entry.state is REACHABLE:        # a different address, not overriding: only doubt
                entry.state = STALE
                table._disarm(entry)
            return
        table.confirm(link, target, lladdr, reachable=solicited, create=False)
        if flags & 0x80:
            table.routers.add(entry.key)
        else:
            table.routers.discard(entry.key)

    # --- trace ---------------------------------------------------------------------
    def explain_receive(self, rec, pkt: Packet, what: str) -> str | None:
        def step(text):
            rec.step("ndisc", text)
        checked = check(pkt)
        if type(checked) is str:
            step(f"{what}: {_check_text(pkt, checked)}")
            return checked
        src, dst, target, found = checked
        buf, off, link = pkt.buf, pkt.data, pkt.link
        looped = bytes(buf[pkt.mac + 6:pkt.mac + 12]) == link.mac if pkt.mac >= 0 else False
        ifa = self.stack.ipv6.owns(link, target)
        decision = decide(buf[off], src, ifa, looped)
        name = ipwire.addr_to_str(target)
        words = {
            DAD_FAILED: f"{name} is ours and still tentative: another node holds it, DAD failed",
            ANSWER_DAD: f"a DAD probe for {name}, ours: advertise it to all nodes",
            ANSWER: f"a solicitation for {name}, ours, from {ipwire.addr_to_str(src)}: learn the "
                    "sender (an entry is made if none) and advertise, solicited",
            TENTATIVE: f"{name} is ours but tentative: no answer (RFC 4862 5.4.3)",
            NOT_OURS: f"{name} is not an address of ours on {link.name}: no answer",
            OUR_ADDRESS: f"an advertisement of {name}, which is ours: ignored",
            UPDATE: f"an advertisement of {name} (flags 0x{buf[off + 4]:02x}): the neighbour entry, "
                    "if there is one, is updated",
        }
        step(f"{what}: {words[decision]}")
        return DROPS.get(decision)


def _check_text(pkt: Packet, reason: str) -> str:
    buf, off, net = pkt.buf, pkt.data, pkt.network
    if reason == "IPV6_NDISC_HOP_LIMIT":
        return f"hop limit {buf[net + 7]}, not 255: it crossed a router (RFC 4861 7.1)"
    if reason == "IPV6_NDISC_BAD_CODE":
        return f"code {buf[off + 1]}, not 0"
    if reason == "PKT_TOO_SMALL":
        return f"{pkt.tail - off} bytes: shorter than {BODY_LEN}"
    return "a multicast target, a bad option length, or a DAD probe not as RFC 4861 7.1.1 wants"


def ndisc_stats(stack) -> dict:
    return stack.ndp.stats.snapshot()


counter_group("NdiscCache", 51, ndisc_stats)
