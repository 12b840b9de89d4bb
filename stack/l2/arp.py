"""ARP (RFC 826): answer for our addresses, resolve next hops, announce new addresses."""
from __future__ import annotations

from ..counters import ARP_STATS, Mib
from ..wire import arp as wire
from ..wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, ZERO, header
from ..wire.ipv4 import addr_to_str
from .neigh import NeighTable


class Arp:
    def __init__(self, stack):
        self.stack = stack
        self.stats = Mib("ArpStats", ARP_STATS)
        self.table = NeighTable(stack, "arp", ETH_P_IP, self.solicit, self.stats, addr_to_str)
        stack.ethernet.register(ETH_P_ARP, self.receive)

    # --- transmit ------------------------------------------------------
    def _send(self, link, dst_mac: bytes, op: int, spa: bytes, tha: bytes, tpa: bytes) -> None:
        frame = header(dst_mac, link.mac, ETH_P_ARP) + wire.build(op, link.mac, spa, tha, tpa)
        link.xmit(frame + bytes(60 - len(frame)))

    def solicit(self, entry, unicast: bytes | None) -> None:
        """Ask who has entry.addr: broadcast while INCOMPLETE, unicast when PROBEing."""
        link = entry.link
        src = self.stack.ipv4.source_for(link, entry.addr)
        if src is None:
            return
        self.stats.OutRequests += 1
        self._send(link, unicast or BROADCAST, wire.OP_REQUEST, src, ZERO, entry.addr)

    def announce(self, link, addr: bytes) -> None:
        """Gratuitous ARP: a request for our own new address (arp_notify style)."""
        if not link.admin_up:
            return
        self.stats.OutGratuitous += 1
        self._send(link, BROADCAST, wire.OP_REQUEST, addr, ZERO, addr)

    # --- receive (arp_process) -----------------------------------------
    def receive(self, pkt) -> None:
        stack = self.stack
        parsed = wire.parse(pkt.buf, pkt.data, pkt.tail)
        if type(parsed) is str:
            stack.drop(parsed)
            return
        op, sha, spa, tha, tpa = parsed
        link = pkt.link
        if sha[0] & 1 or sha == ZERO or op not in (wire.OP_REQUEST, wire.OP_REPLY):
            stack.drop("ARP_INVALID")
            return
        ipv4 = stack.ipv4
        ours = ipv4.owns(link, tpa)
        rec = stack.trace_rec
        if rec is not None:
            rec.step("arp", f"{'request' if op == wire.OP_REQUEST else 'reply'} "
                            f"{addr_to_str(spa)} → {addr_to_str(tpa)}"
                            f"{' (ours)' if ours else ''}")
        if spa == tpa:                       # gratuitous: someone announces spa
            self.stats.InGratuitous += 1
            self.table.confirm(link, spa, sha, reachable=False, create=False)
            return
        if op == wire.OP_REQUEST:
            self.stats.InRequests += 1
            if not ours:
                self.table.confirm(link, spa, sha, reachable=False, create=False)
                stack.drop("ARP_NOT_FOR_US")
                return
            if spa != b"\x00\x00\x00\x00":   # not an address-conflict probe
                self.table.confirm(link, spa, sha, reachable=False, create=True)
            self.stats.OutReplies += 1
            self._send(link, sha, wire.OP_REPLY, tpa, sha, spa)
            return
        self.stats.InReplies += 1
        reachable = not pkt.broadcast and ours
        self.table.confirm(link, spa, sha, reachable=reachable, create=False)
