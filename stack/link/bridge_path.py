"""The bridge's fast path: a port's rx_handler and the host's transmit on the bridge.

stack/l2/bridge.py decides (`ingress_decision`, `Fdb.learn_decision`, `egress_decision`,
`flood_ports`) and tells (its explainers); these act: learn, send out of ports, deliver up
with RX_HANDLER_ANOTHER, or count the drop.
"""
from __future__ import annotations

from ..l2.bridge_vlan import INGRESS_VLAN_DROPS, VLAN_OK, egress_frame, ingress_vlan
from ..l2.bridge import (EGRESS_DROPS, IN_BPDU, IN_FORWARD, IN_LEARNING, IN_LINK_LOCAL,
                         INGRESS_DROPS, OUT_FLOOD, OUT_FORWARD, OUT_LOCAL, egress_decision,
                         explain_egress, explain_ingress, flood_kind, flood_ports,
                         ingress_decision)
from ..packet import Packet
from .base import RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_PASS


def bridge_rx(link, frame):
    """A port's rx_handler: the bridge decides what becomes of each frame the port receives."""
    port = link.rx_handler_data
    bridge = port.bridge
    stack = bridge.stack
    counters = bridge.domain.counters
    counters.InFrames += 1
    rec = stack.trace_rec
    verdict = ingress_decision(bridge, port, frame)
    learning = None
    vid = 0
    vlan = None
    if verdict >= IN_LEARNING:
        if bridge.vlan_filtering:
            vlan = ingress_vlan(port.vlans, frame)
            allowed, vid, untagged = vlan
            if allowed != VLAN_OK:
                if rec is not None:
                    rec.explain(explain_ingress, bridge, port, frame, verdict, None, vlan)
                if verdict == IN_LINK_LOCAL:        # not learned, still the port's own
                    counters.LinkLocalUp += 1
                    return RX_HANDLER_PASS, link, frame
                stack.drop(INGRESS_VLAN_DROPS[allowed])
                return RX_HANDLER_CONSUMED, link, frame
            learning = bridge.fdb.learn_decision(port, frame[6:12], vid)
            if rec is not None:
                rec.explain(explain_ingress, bridge, port, frame, verdict, learning, vlan)
            frame = untagged
        else:
            learning = bridge.fdb.learn_decision(port, frame[6:12])
    if rec is not None and vlan is None:
        rec.explain(explain_ingress, bridge, port, frame, verdict, learning)
    if learning is not None:
        bridge.fdb.learn(learning, port, frame[6:12], stack.now(), vid)
    if verdict != IN_FORWARD:
        if verdict == IN_BPDU:
            bridge.receive_bpdu(port, frame)
            return RX_HANDLER_CONSUMED, link, frame
        if verdict == IN_LINK_LOCAL:
            counters.LinkLocalUp += 1
            return RX_HANDLER_PASS, link, frame
        stack.drop(INGRESS_DROPS[verdict])
        return RX_HANDLER_CONSUMED, link, frame
    dst = frame[0:6]
    decision, entry = egress_decision(bridge, port, dst, vid)
    if decision == OUT_FORWARD:
        if rec is not None:
            rec.explain(explain_egress, bridge, port, dst, decision, entry, None, vid)
            rec.verdict = f"bridged: forwarded to {entry.port.link.name}"
        entry.used = stack.now()
        counters.Forwarded += 1
        if vid:
            frame = egress_frame(entry.port.vlans, vid, frame)
        _send(rec, (entry.port,), Packet(frame, 0, len(frame), link, stack.now()))
        return RX_HANDLER_CONSUMED, link, frame
    targets = flood_ports(bridge, port, flood_kind(dst), vid) if decision == OUT_FLOOD else None
    if rec is not None:
        rec.explain(explain_egress, bridge, port, dst, decision, entry, targets, vid)
    if decision == OUT_LOCAL:
        entry.used = stack.now()
        counters.DeliveredUp += 1
        return RX_HANDLER_ANOTHER, bridge, egress_frame(bridge.vlans, vid, frame) if vid else frame
    if decision != OUT_FLOOD:
        stack.drop(EGRESS_DROPS[decision])
        return RX_HANDLER_CONSUMED, link, frame
    if targets:
        counters.Flooded += 1
        counters.FloodCopies += len(targets)
        if rec is not None:
            rec.verdict = "bridged: flooded to " + ", ".join(p.link.name for p in targets)
        if vid:
            _send_in_vlan(rec, targets, vid, frame, link, stack.now())
        else:
            _send(rec, targets, Packet(frame, 0, len(frame), link, stack.now()))
    if dst[0] & 1:                      # broadcast and multicast are the host's too
        if not vid:
            counters.DeliveredUp += 1
            return RX_HANDLER_ANOTHER, bridge, frame
        if vid in bridge.vlans.vids:
            counters.DeliveredUp += 1
            return RX_HANDLER_ANOTHER, bridge, egress_frame(bridge.vlans, vid, frame)
        if not targets:
            stack.drop("BRIDGE_VLAN_EGRESS")
        return RX_HANDLER_CONSUMED, link, frame
    if not targets:
        stack.drop("BRIDGE_NO_PORT")
    return RX_HANDLER_CONSUMED, link, frame


def _send_in_vlan(rec, ports, vid: int, frame, link, now: float) -> None:
    """A flood in VLAN `vid`: untagged to its untagged members, tagged to the others (one
    copy of each kind, shared by the ports that take it)."""
    untagged = tagged = None
    if rec is not None:
        rec.sending_begin()
    try:
        for port in ports:
            if vid in port.vlans.untagged:
                if untagged is None:
                    untagged = Packet(frame, 0, len(frame), link, now)
                port.link.forward(untagged)
            else:
                if tagged is None:
                    out = egress_frame(port.vlans, vid, frame)
                    tagged = Packet(out, 0, len(out), link, now)
                port.link.forward(tagged)
    finally:
        if rec is not None:
            rec.sending_end()


def _send(rec, ports, pkt) -> None:
    """Out of each of `ports`; what becomes of those copies is theirs, not the frame's fate."""
    if rec is not None:
        rec.sending_begin()
    try:
        for port in ports:
            port.link.forward(pkt)
    finally:
        if rec is not None:
            rec.sending_end()


def bridge_xmit(bridge, pkt) -> bool:
    """The host sends `pkt` (its Ethernet header pushed) on the bridge (br_dev_xmit); with VLAN
    filtering the bridge's own table decides its VLAN, as a port's decides on ingress."""
    stack = bridge.stack
    counters = bridge.domain.counters
    counters.HostSent += 1
    vid = 0
    if bridge.vlan_filtering:
        allowed, vid, frame = ingress_vlan(bridge.vlans, bytes(pkt.buf[pkt.data:pkt.tail]))
        if allowed != VLAN_OK:
            stack.drop(INGRESS_VLAN_DROPS[allowed])
            return False
    dst = bytes(pkt.buf[pkt.data:pkt.data + 6])
    decision, entry = egress_decision(bridge, None, dst, vid)
    if decision == OUT_FORWARD:
        entry.used = stack.now()
        counters.Forwarded += 1
        if vid:
            pkt = Packet.of(egress_frame(entry.port.vlans, vid, frame))
        entry.port.link.forward(pkt)
        return True
    if decision == OUT_FLOOD:
        targets = flood_ports(bridge, None, flood_kind(dst), vid)
        if targets:
            counters.Flooded += 1
            counters.FloodCopies += len(targets)
            if vid:
                _send_in_vlan(None, targets, vid, frame, bridge, stack.now())
                return True
            for port in targets:
                port.link.forward(pkt)
            return True
    stack.drop(EGRESS_DROPS.get(decision, "BRIDGE_NO_PORT"))
    return False
