"""ARP (RFC 826): answer for our addresses, resolve next hops, announce new addresses."""
from __future__ import annotations

from ..counters import ARP_STATS, Mib, counter_group
from ..packet import Packet
from ..wire import arp as wire
from ..wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, ZERO, mac_to_str
from ..wire.ipv4 import addr_to_str
from .neigh import NeighTable

MIN_PAYLOAD = 46            # an Ethernet frame's 60 bytes without its header


class Arp:
    def __init__(self, stack):
        self.stack = stack
        self.stats = Mib("ArpStats", ARP_STATS)
        self.table = NeighTable(stack, "arp", ETH_P_IP, self.solicit, self.stats, addr_to_str)
        stack.ethernet.register(ETH_P_ARP, self.receive)

    # --- transmit ------------------------------------------------------
    def _send(self, link, dst_mac: bytes, op: int, spa: bytes, tha: bytes, tpa: bytes) -> None:
        pkt = Packet.of(wire.build(op, link.mac, spa, tha, tpa), MIN_PAYLOAD)
        link.hard_header(pkt, dst_mac, ETH_P_ARP)
        link.xmit(pkt)

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
        rec = stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_receive, pkt)
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

    # --- trace: arp_process's checks, one step each (only for a traced packet) ----
    def explain_receive(self, rec, pkt) -> str | None:
        """Walk `receive`'s checks and its decision; returns the drop reason, if any."""
        def step(text):
            rec.step("arp", text)
        buf, off = pkt.buf, pkt.data
        avail = pkt.tail - off
        if avail < wire.BODY_LEN:
            step(f"{avail} bytes: shorter than the {wire.BODY_LEN}-byte ARP body for Ethernet/IPv4")
            return "PKT_TOO_SMALL"
        htype, ptype, hlen, plen, op, sha, spa, tha, tpa = wire.BODY.unpack_from(buf, off)
        if htype != wire.HTYPE_ETHER or hlen != 6:
            step(f"hardware type {htype}, address length {hlen}: not Ethernet (1, 6)")
            return "ARP_UNSUPPORTED"
        step("hardware type 1 (Ethernet), address length 6")
        if ptype != wire.PTYPE_IP or plen != 4:
            step(f"protocol type 0x{ptype:04x}, address length {plen}: not IPv4 (0x0800, 4)")
            return "ARP_UNSUPPORTED"
        step("protocol type 0x0800 (IPv4), address length 4")
        if op not in (wire.OP_REQUEST, wire.OP_REPLY):
            step(f"opcode {op}: neither request (1) nor reply (2)")
            return "ARP_INVALID"
        step(f"opcode {op} ({'request' if op == wire.OP_REQUEST else 'reply'})")
        if sha[0] & 1 or sha == ZERO:
            step(f"sender MAC {mac_to_str(sha)} is {'multicast' if sha[0] & 1 else 'all zeros'}: invalid")
            return "ARP_INVALID"
        step(f"sender {addr_to_str(spa)} is at {mac_to_str(sha)}")
        ours = self.stack.ipv4.owns(pkt.link, tpa)
        step(f"target {addr_to_str(tpa)} is {'ours' if ours else 'not ours'}")
        return self._explain_decision(step, op, spa, tpa, sha, ours, pkt.broadcast)

    @staticmethod
    def _explain_decision(step, op: int, spa: bytes, tpa: bytes, sha: bytes, ours: bool,
                          broadcast: bool) -> str | None:
        sender = addr_to_str(spa)
        if spa == tpa:
            step(f"gratuitous: {sender} announces itself; an entry for it is updated, none is made")
        elif op == wire.OP_REQUEST and not ours:
            step(f"a request for another host: no reply; an entry for {sender} is updated, none is made")
            return "ARP_NOT_FOR_US"
        elif op == wire.OP_REQUEST:
            learn = ("an address probe (sender 0.0.0.0): nothing to learn" if spa == b"\0\0\0\0"
                     else f"learn {sender} (an entry is made if none)")
            step(f"a request for us: {learn}; reply to {mac_to_str(sha)}")
        else:
            proof = ("unicast and for us: proof of reachability" if not broadcast and ours
                     else "not both unicast and for us: only a hint (STALE)")
            step(f"a reply, {proof}; an entry for {sender} is updated, none is made")
        return None


counter_group("ArpStats", 50, lambda stack: stack.arp.stats.snapshot())
