"""Ethernet receive: account, filter by destination MAC, dispatch by ethertype.

Protocol handlers register in `ptypes` (the kernel's ptype list) with
`register(ethertype, handler)`; a handler takes a Packet whose data starts
after the Ethernet header.  Frames that are not for us are counted under a
named reason, never silently lost.
"""
from __future__ import annotations

from ..packet import Packet


class EthernetLayer:
    def __init__(self, stack):
        self.stack = stack
        self.ptypes: dict[int, object] = {}

    def register(self, ethertype: int, handler) -> None:
        self.ptypes[ethertype] = handler

    def receive(self, link, frame) -> None:
        """netif_receive_skb + eth_type_trans for one frame from `link`."""
        stats = link.stats
        n = len(frame)
        stats.rx_packets += 1
        stats.rx_bytes += n
        rx_tap = link.rx_tap                # where AF_PACKET sees it: before any handler
        if rx_tap is not None and rx_tap(link, frame):
            return                          # a traced frame: the tap ran it through the stack
        self.dispatch(link, frame)

    def dispatch(self, link, frame) -> None:
        """Check the frame is for us and hand it to its ethertype's handler."""
        stats = link.stats
        n = len(frame)
        stack = self.stack
        if not link.admin_up:
            stats.rx_dropped += 1
            stack.drop("LINK_DOWN")
            return
        if n < 14:
            stats.rx_length_errors += 1
            stats.rx_errors += 1
            stack.drop("PKT_TOO_SMALL")
            return
        broadcast = False
        if frame[0] & 1:
            broadcast = True
            if frame[0:6] != b"\xff\xff\xff\xff\xff\xff":
                stats.rx_multicast += 1
        elif frame[0:6] != link.mac:
            stats.rx_otherhost += 1
            stack.drop("OTHERHOST")
            return
        handler = self.ptypes.get((frame[12] << 8) | frame[13])
        if handler is None:
            stats.rx_nohandler += 1
            stack.drop("UNHANDLED_PROTO")
            return
        pkt = Packet(frame, 14, n, link, stack.now())
        pkt.mac = 0
        pkt.broadcast = broadcast
        rec = stack.trace_rec
        if rec is not None:
            rec.step("ethernet", f"ethertype 0x{(frame[12] << 8) | frame[13]:04x} → "
                                 f"{getattr(handler, '__qualname__', handler)}"
                                 + (" (broadcast)" if broadcast else ""))
        handler(pkt)
