"""The 8021q module: VLAN links follow their parent, and tags nobody claims are counted.

VLAN links themselves are a link kind (stack/link/vlan.py).  What the kernel's
8021q module does beside them lives here, built with the stack:

- on the notifier chain, a parent's changes reach its VLAN links as Linux's
  vlan_device_event makes them: DEV down takes them down, DEV up brings them
  up, DEV's carrier change is theirs, a lower MTU on DEV lowers theirs;
- a tagged frame on a link with no VLAN link (nothing claimed its receive) is
  counted as the link's rx_dropped and VLAN_UNKNOWN, as one of an unknown VLAN
  on a parent is; a priority-tagged one (id 0) is received untagged.
"""
from __future__ import annotations

from ..link.notifier import NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_DOWN, NETDEV_UP
from ..link.vlan import PROTOCOL_NAMES, vlan_links_on
from ..wire.vlan import TPID_8021AD, TPID_8021Q, VID_MASK


class Vlan8021q:
    def __init__(self, stack):
        self.stack = stack
        stack.ethernet.register(TPID_8021Q, self.receive_untracked)
        stack.ethernet.register(TPID_8021AD, self.receive_untracked)
        stack.netdev.subscribe("vlan", self._netdev_event,
                               (NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEMTU))

    def _netdev_event(self, event: str, link) -> None:
        for vlan in vlan_links_on(link):
            if event == NETDEV_DOWN:
                vlan.set_up(False)
            elif event == NETDEV_UP:
                vlan.set_up(True)
            elif event == NETDEV_CHANGE:
                vlan._notify(NETDEV_CHANGE)         # its carrier is DEV's
            elif vlan.mtu > link.mtu:
                vlan.set_mtu(link.mtu)

    # --- a tag on a link no VLAN link claimed ----------------------------------------
    def receive_untracked(self, pkt) -> None:
        stack = self.stack
        link, frame = pkt.link, pkt.buf
        rec = stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_untracked, pkt)
        if pkt.tail - pkt.data < 4:
            link.stats.rx_length_errors += 1
            link.stats.rx_errors += 1
            stack.drop("PKT_TOO_SMALL")
            return
        if (frame[14] << 8 | frame[15]) & VID_MASK == 0:
            stack.ethernet.dispatch(link, frame[:12] + frame[16:pkt.tail])
            return
        link.stats.rx_dropped += 1
        stack.drop("VLAN_UNKNOWN")

    def explain_untracked(self, rec, pkt) -> str | None:
        link, frame = pkt.link, pkt.buf
        if pkt.tail - pkt.data < 4:
            rec.step("vlan", f"{pkt.tail - pkt.data} bytes after the ethertype: too short for a tag")
            return "PKT_TOO_SMALL"
        tpid = frame[12] << 8 | frame[13]
        vid = (frame[14] << 8 | frame[15]) & VID_MASK
        tag = f"{PROTOCOL_NAMES[tpid]} tag, id {vid}"
        if vid == 0:
            rec.step("vlan", f"{tag} (priority tag): untagged, stays on {link.name}")
            return rec.explain(self.stack.ethernet.explain_receive, link, frame[:12] + frame[16:pkt.tail])
        rec.step("vlan", f"{tag}: no VLAN link on {link.name}: dropped (rx_dropped)")
        return "VLAN_UNKNOWN"
