"""ARP (RFC 826): answer for our addresses, resolve next hops, announce new addresses."""
from __future__ import annotations

from ..counters import ARP_STATS, Mib, counter_group
from ..packet import Packet
from ..wire import arp as wire
from ..wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, ZERO, mac_to_str
from ..wire.ipv4 import addr_to_str
from .neigh import NeighTable

MIN_PAYLOAD = 46            # an Ethernet frame's 60 bytes without its header

# What arp_process does with an ARP packet, as `decide` says (receive and its explainer)
INVALID, GRATUITOUS, REQUEST_FOR_US, REQUEST_NOT_FOR_US, REPLY = range(5)
OPCODES = (wire.OP_REQUEST, wire.OP_REPLY)


def decide(op: int, sha: bytes, spa: bytes, tpa: bytes, ours: bool) -> int:
    """arp_process's decision for a parsed body; `ours`: the target address is one of ours."""
    if sha[0] & 1 or sha == ZERO or op not in OPCODES:
        return INVALID                  # a bad opcode, or a sender MAC multicast or zero
    if spa == tpa:                       # gratuitous: someone announces spa
        return GRATUITOUS
    if op == wire.OP_REQUEST:
        return REQUEST_FOR_US if ours else REQUEST_NOT_FOR_US
    return REPLY


class Arp:
    def __init__(self, stack):
        self.stack = stack
        self.stats = Mib("ArpStats", ARP_STATS)
        self.table = NeighTable(stack, "arp", ETH_P_IP, self.solicit, self.stats, addr_to_str)
        stack.ethernet.register(ETH_P_ARP, self.receive)

    # --- transmit ------------------------------------------------------
    def _send(self, link, dst_mac: bytes, op: int, spa: bytes, tha: bytes, tpa: bytes) -> None:
        if link.noarp:                  # arp_send_dst: a NOARP link sends no ARP
            return
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
        if not link.admin_up or link.noarp:
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
        if link.noarp:                  # arp_rcv: consumed unread on a NOARP link (not a drop)
            return
        ours = stack.ipv4.owns(link, tpa)
        decision = decide(op, sha, spa, tpa, ours)
        if decision == INVALID:
            stack.drop("ARP_INVALID")
            return
        if rec is not None:
            rec.sending_begin()         # what a confirmed entry releases, and our reply: frames of their own
        if decision == GRATUITOUS:
            self.stats.InGratuitous += 1
            self.table.confirm(link, spa, sha, reachable=False, create=False)
        elif decision == REPLY:
            self.stats.InReplies += 1
            self.table.confirm(link, spa, sha, reachable=not pkt.broadcast and ours, create=False)
        elif decision == REQUEST_NOT_FOR_US:
            self.stats.InRequests += 1
            self.table.confirm(link, spa, sha, reachable=False, create=False)
        else:
            self.stats.InRequests += 1
            if spa != b"\x00\x00\x00\x00":   # not an address-conflict probe
                self.table.confirm(link, spa, sha, reachable=False, create=True)
            self.stats.OutReplies += 1
            self._send(link, sha, wire.OP_REPLY, tpa, sha, spa)
        if rec is not None:
            rec.sending_end()
        if decision == REQUEST_NOT_FOR_US:
            stack.drop("ARP_NOT_FOR_US")

    # --- trace: arp_process's decisions, one step each (only for a traced packet) ----
    def explain_receive(self, rec, pkt) -> str | None:
        """Tell `receive`'s checks and its decision; returns the drop reason, if any."""
        def step(text):
            rec.step("arp", text)
        buf, off = pkt.buf, pkt.data
        parsed = wire.parse(buf, off, pkt.tail)
        for text in _body_checks(buf, off, pkt.tail - off):
            step(text)
        if type(parsed) is str:
            return parsed
        op, sha, spa, tha, tpa = parsed
        ours = self.stack.ipv4.owns(pkt.link, tpa)
        decision = decide(op, sha, spa, tpa, ours)
        if op not in OPCODES:
            step(f"opcode {op}: neither request (1) nor reply (2)")
            return "ARP_INVALID"
        step(f"opcode {op} ({'request' if op == wire.OP_REQUEST else 'reply'})")
        if decision == INVALID:
            step(f"sender MAC {mac_to_str(sha)} is {'multicast' if sha[0] & 1 else 'all zeros'}: invalid")
            return "ARP_INVALID"
        step(f"sender {addr_to_str(spa)} is at {mac_to_str(sha)}")
        step(f"target {addr_to_str(tpa)} is {'ours' if ours else 'not ours'}")
        sender = addr_to_str(spa)
        if decision == GRATUITOUS:
            step(f"gratuitous: {sender} announces itself; an entry for it is updated, none is made")
        elif decision == REQUEST_NOT_FOR_US:
            step(f"a request for another host: no reply; an entry for {sender} is updated, none is made")
            return "ARP_NOT_FOR_US"
        elif decision == REQUEST_FOR_US:
            learn = ("an address probe (sender 0.0.0.0): nothing to learn" if spa == b"\0\0\0\0"
                     else f"learn {sender} (an entry is made if none)")
            step(f"a request for us: {learn}; reply to {mac_to_str(sha)}")
        else:
            proof = ("unicast and for us: proof of reachability" if not pkt.broadcast and ours
                     else "not both unicast and for us: only a hint (STALE)")
            step(f"a reply, {proof}; an entry for {sender} is updated, none is made")
        return None


def _body_checks(buf, off: int, avail: int) -> list[str]:
    """The checks `wire.parse` makes of the body, with the values it saw, to the first that fails."""
    if avail < wire.BODY_LEN:
        return [f"{avail} bytes: shorter than the {wire.BODY_LEN}-byte ARP body for Ethernet/IPv4"]
    htype, ptype, hlen, plen = wire.BODY.unpack_from(buf, off)[:4]
    if htype != wire.HTYPE_ETHER or hlen != 6:
        return [f"hardware type {htype}, address length {hlen}: not Ethernet (1, 6)"]
    checks = ["hardware type 1 (Ethernet), address length 6"]
    if ptype != wire.PTYPE_IP or plen != 4:
        return checks + [f"protocol type 0x{ptype:04x}, address length {plen}: not IPv4 (0x0800, 4)"]
    return checks + ["protocol type 0x0800 (IPv4), address length 4"]


counter_group("ArpStats", 50, lambda stack: stack.arp.stats.snapshot())
