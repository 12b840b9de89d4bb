"""Ethernet receive: account, filter by destination MAC, dispatch by ethertype.

Protocol handlers register in `ptypes` (the kernel's ptype list) with
`register(ethertype, handler)`; a handler takes a Packet whose data starts
after the Ethernet header.  Frames that are not for us are counted under a
named reason, never silently lost.

A link with VLAN links (`link.vlan_info`, stack/link/vlan.py) hands each frame
to them first, as the kernel untags in __netif_receive_skb before any
rx_handler: a tag of one of them is received again on it, anything else goes on.
A link claimed by an upper (`link.rx_handler`, stack/link/base.py) hands each
frame to that handler after the capture tap and before the destination check:
it consumes the frame, passes it on, or gives it to another link, on which the
frame is received again (that link's counters and taps).  A handler whose data
has `explain_rx(rec, link, frame) -> (result, frame or drop)` tells its
decision in a trace (a VLAN parent's); others leave it undecided.
"""
from __future__ import annotations

from ..link.base import RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_PASS
from ..packet import Packet
from ..trace import UNDECIDED, handler_name
from ..wire.ethernet import BROADCAST, ETHERTYPE_NAMES, mac_to_str

ETH_HLEN = 14

# What a received frame is to the link, as `classify` decides (dispatch and its explainer)
TOO_SHORT, OURS, BROADCAST_DST, MULTICAST_DST, OTHERHOST = range(5)


def classify(frame, mac: bytes) -> int:
    """The frame's length and destination decision for a link whose address is `mac`."""
    if len(frame) < ETH_HLEN:
        return TOO_SHORT
    if frame[0] & 1:
        return BROADCAST_DST if frame[0:6] == BROADCAST else MULTICAST_DST
    return OURS if frame[0:6] == mac else OTHERHOST


class EthernetLayer:
    def __init__(self, stack):
        self.stack = stack
        self.ptypes: dict[int, object] = {}

    def register(self, ethertype: int, handler) -> None:
        self.ptypes[ethertype] = handler

    def receive(self, link, frame) -> None:
        """netif_receive_skb + eth_type_trans for one frame from `link`."""
        stats = link.stats
        stats.rx_packets += 1
        stats.rx_bytes += len(frame)
        rx_tap = link.rx_tap                # where AF_PACKET sees it: before any handler
        if rx_tap is not None and rx_tap(frame):
            self.stack.traced(link, frame)  # a trace wants this one: it runs it through dispatch
            return
        self.dispatch(link, frame)

    def dispatch(self, link, frame) -> None:
        """Check the frame is for us and hand it to its ethertype's handler."""
        stats = link.stats
        stack = self.stack
        if not link.admin_up:
            stats.rx_dropped += 1
            stack.drop("LINK_DOWN")
            return
        if link.vlan_info is not None:
            result, link, frame = link.vlan_info.rx(link, frame)
            if result != RX_HANDLER_PASS:
                self._another(result, link, frame)
                return
        if link.rx_handler is not None:
            result, link, frame = link.rx_handler(link, frame)
            if result != RX_HANDLER_PASS:
                self._another(result, link, frame)
                return
        kind = classify(frame, link.mac)
        if kind > OURS:                     # broadcast, multicast or another host's
            if kind == OTHERHOST:
                stats.rx_otherhost += 1
                stack.drop("OTHERHOST")
                return
            if kind == MULTICAST_DST:
                stats.rx_multicast += 1
        elif kind == TOO_SHORT:
            stats.rx_length_errors += 1
            stats.rx_errors += 1
            stack.drop("PKT_TOO_SMALL")
            return
        handler = self.ptypes.get((frame[12] << 8) | frame[13])
        if handler is None:
            stats.rx_nohandler += 1
            stack.drop("UNHANDLED_PROTO")
            return
        pkt = Packet(frame, ETH_HLEN, len(frame), link, stack.now())
        pkt.mac = 0
        pkt.broadcast = kind != OURS
        handler(pkt)

    def _another(self, result: int, link, frame) -> None:
        """A handler consumed the frame, or gave it to `link` to be received again."""
        if result == RX_HANDLER_ANOTHER:
            if self.stack.trace_rec is not None:
                self.stack.trace_rec.explain(self.explain_receive, link, frame)
            self.receive(link, frame)

    # --- trace: dispatch's decisions, one step each (only for a traced frame) -------
    def explain_receive(self, rec, link, frame) -> str | None:
        """Tell `dispatch`'s decisions for `rec`; returns the drop reason they lead to, if any."""
        def step(text):
            rec.step("ethernet", text)
        if not link.admin_up:
            step(f"{link.name} is administratively down: received frames are dropped")
            return "LINK_DOWN"
        if link.vlan_info is not None:
            result, outcome = link.vlan_info.explain_rx(rec, link, frame)
            if result != RX_HANDLER_PASS:
                return outcome
            frame = outcome
        if link.rx_handler is not None:
            explain = getattr(link.rx_handler_data, "explain_rx", None)
            if explain is None:
                step(f"{link.name} is claimed by {handler_name(link.rx_handler)}: its rx_handler decides")
                return UNDECIDED
            result, outcome = explain(rec, link, frame)     # the handler's decision, told
            if result != RX_HANDLER_PASS:
                return outcome                  # dropped, or explained again where it goes
            frame = outcome
        kind = classify(frame, link.mac)
        if kind == TOO_SHORT:
            step(f"frame length {len(frame)} < {ETH_HLEN}: too short for an Ethernet header"
                 " (rx_length_errors)")
            return "PKT_TOO_SMALL"
        dst, src = bytes(frame[0:6]), frame[6:12]
        step(f"{mac_to_str(src)} → {mac_to_str(dst)}: destination is {_destination(kind, link)}")
        if kind == OTHERHOST:
            return "OTHERHOST"
        ethertype = (frame[12] << 8) | frame[13]
        name = f"0x{ethertype:04x}" + (f" ({ETHERTYPE_NAMES[ethertype]})" if ethertype in ETHERTYPE_NAMES else "")
        handler = self.ptypes.get(ethertype)
        if handler is None:
            step(f"ethertype {name}: no handler registered (rx_nohandler)")
            return "UNHANDLED_PROTO"
        step(f"ethertype {name} → {handler_name(handler)}")
        return None


def _destination(kind: int, link) -> str:
    """What `classify`'s destination decision means, in the words of the trace."""
    if kind == BROADCAST_DST:
        return "broadcast: for every host on the link, taken"
    if kind == MULTICAST_DST:
        return "multicast: taken like a broadcast (rx_multicast)"
    if kind == OURS:
        return f"ours ({link.name}): taken"
    return f"another host's, ours is {mac_to_str(link.mac)}: not for us (rx_otherhost)"
