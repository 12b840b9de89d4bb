"""VLAN links (the kernel's 8021q): ``link add link DEV name NAME type vlan [protocol P] id N``.

A VLAN link sits on its parent DEV (an upper of it) and carries the frames of
one VLAN: 802.1Q (TPID 0x8100, the default) or 802.1ad (0x88a8, a provider's
service tag); an 802.1Q link on an 802.1ad one is QinQ.

Receive: the first VLAN link on DEV gives DEV a `VlanGroup` (`DEV.vlan_info`, the
kernel's vlan_info), which every VLAN link on DEV joins; it looks each frame's
outer tag up by (TPID, id), before DEV's rx_handler if it has one (as
__netif_receive_skb untags and hands a frame to its VLAN device before a bridge
or another upper sees it), so a bridge port or a bridge can carry VLAN links.
A tagged frame of a VLAN link goes to that link untagged, received again there
(its counters and taps: RX_HANDLER_ANOTHER); an untagged frame stays on DEV
(RX_HANDLER_PASS), and so does a priority-tagged one (id 0), untagged, as Linux
does; a tagged frame of a VLAN with no link is dropped, counted as DEV's
rx_dropped and VLAN_UNKNOWN, unless DEV is claimed by an upper (a bridge port):
that one gets the frame as it came, tag and all.  `decide` is that decision;
`VlanGroup.rx` acts on it and `explain_rx` tells it in a trace.

Transmit: the link's header is Ethernet with its tag (and those of the VLAN
links under it) after the addresses, pushed into the packet's headroom by
`hard_header` or from a neighbour's cached copy (`header_cache`), so the
frame is never copied; `xmit` counts it and hands it to DEV.  As on Linux
(reorder_hdr on), a capture on the VLAN link sees its frames without its tag.

State follows DEV as Linux's (stack/l2/vlan.py subscribes to the notifier
chain): DEV down takes its VLAN links down and DEV up brings them up; a VLAN
link cannot go up while DEV is down; DEV's carrier is its carrier; a smaller
MTU on DEV lowers theirs.  It starts with DEV's address and MTU.
"""
from __future__ import annotations

import struct

from ..errors import StackError
from ..packet import Packet
from ..wire.ethernet import header
from ..wire.vlan import TPID_8021AD, TPID_8021Q, VID_MASK
from .base import (RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_PASS, Link,
                   register_link_type)
from .kind import LinkOption, parse_count, parse_link_name

VLAN_HLEN = 4
TAG_TAIL = struct.Struct("!HH")         # the TCI, then the ethertype the tag wraps
PROTOCOLS = {"802.1Q": TPID_8021Q, "802.1ad": TPID_8021AD}     # iproute2's names (ll_proto)
PROTOCOL_NAMES = {tpid: name for name, tpid in PROTOCOLS.items()}
FLAGS = ["REORDER_HDR"]                 # Linux's default flags, the only ones we implement


def _protocol(text: str) -> str:
    for name in PROTOCOLS:                  # ll_proto_a2n compares without case
        if text.lower() == name.lower():
            return name
    raise ValueError("one of: 802.1Q, 802.1ad")


def _vlan_id(text: str) -> int:
    return parse_count(text, 1, 4094)       # 0 and 4095 are reserved (802.1Q)


OPTIONS = (
    LinkOption("link", parse_link_name, None, "the link it sits on (its parent)", "DEV",
               required=True, live="link"),
    LinkOption("protocol", _protocol, "802.1Q", "the tag's protocol: 802.1Q or 802.1ad (QinQ's outer)",
               "VLANPROTO", value_help="802.1Q | 802.1ad"),
    LinkOption("id", _vlan_id, None, "the VLAN id", "VLANID", required=True,
               value_help="a VLAN id, 1..4094"),
)


# --- receive: one handler per parent, dispatching by (TPID, id) -----------------------

class VlanGroup:
    """The VLAN links on one parent (the kernel's vlan_info): DEV's `vlan_info`."""

    def __init__(self, parent):
        self.parent = parent
        self.name = parent.name
        self.links: dict[tuple[int, int], VlanLink] = {}

    def rx(self, link, frame):
        """A tagged frame to its VLAN link; what no VLAN link takes stays on DEV."""
        result, target, out, _tpid, _vid = decide(self, frame, link.rx_handler is not None)
        if result == RX_HANDLER_ANOTHER:
            return result, target, out
        if result == RX_HANDLER_CONSUMED:
            link.stats.rx_dropped += 1
            link.stack.drop("VLAN_UNKNOWN")
        return result, link, out

    def explain_rx(self, rec, link, frame) -> tuple:
        """`decide`'s decision for a traced frame, in words: (result, frame) when it stays
        on `link`, else (result, the drop it leads to or None)."""
        claimed = link.rx_handler is not None
        result, target, out, tpid, vid = decide(self, frame, claimed)
        tag = f"{PROTOCOL_NAMES.get(tpid, '')} tag, id {vid}"
        if result == RX_HANDLER_ANOTHER:
            rec.step("vlan", f"{tag} → {target.name}: untagged, received on {target.name}")
            return result, None
        if result == RX_HANDLER_CONSUMED:
            rec.step("vlan", f"{tag}: no VLAN link on {link.name} for it: dropped (rx_dropped)")
            return result, "VLAN_UNKNOWN"
        if tpid and vid is None:
            rec.step("vlan", f"{PROTOCOL_NAMES[tpid]} tag cut short ({len(frame)} bytes): "
                             f"left to {link.name}")
        elif tpid and claimed:
            rec.step("vlan", f"{tag}: no VLAN link on {link.name} for it: left, tagged, to "
                             f"{handler_owner(link)}")
        elif tpid:
            rec.step("vlan", f"{tag} (priority tag): untagged, stays on {link.name}")
        else:
            rec.step("vlan", f"untagged: stays on {link.name}")
        return result, out


def handler_owner(link) -> str:
    return getattr(link.rx_handler_data, "name", None) or getattr(
        getattr(link.rx_handler_data, "bridge", None), "name", "its rx_handler")


def decide(group: VlanGroup, frame, claimed: bool = False) -> tuple:
    """What a frame received on the group's parent is to its VLAN links:
    (RX_HANDLER_*, the VLAN link or None, the frame to go on with, TPID or 0, id or None).
    `claimed`: the parent has an rx_handler too, which gets what no VLAN link takes as it
    came (the kernel keeps the tag in skb->vlan_tci for it)."""
    if len(frame) < 14:
        return RX_HANDLER_PASS, None, frame, 0, 0
    tpid = (frame[12] << 8) | frame[13]
    if tpid != TPID_8021Q and tpid != TPID_8021AD:
        return RX_HANDLER_PASS, None, frame, 0, 0
    if len(frame) < 18:                     # a tag cut short: the parent counts it
        return RX_HANDLER_PASS, None, frame, tpid, None
    vid = ((frame[14] << 8) | frame[15]) & VID_MASK
    target = group.links.get((tpid, vid))
    if target is not None:
        return RX_HANDLER_ANOTHER, target, frame[:12] + frame[16:], tpid, vid
    if claimed:
        return RX_HANDLER_PASS, None, frame, tpid, vid
    if vid == 0:                            # priority-tagged: the parent's, untagged
        return RX_HANDLER_PASS, None, frame[:12] + frame[16:], tpid, vid
    return RX_HANDLER_CONSUMED, None, frame, tpid, vid


# --- the link kind -------------------------------------------------------------------

@register_link_type
class VlanLink(Link):
    """802.1Q or 802.1ad VLAN on DEV: tagged frames of one VLAN id."""
    kind = "vlan"
    creatable = True
    options = OPTIONS
    qdisc = "noqueue"
    min_mtu = 0

    def __init__(self, name: str, lower, values: dict):
        super().__init__(name, lower.mac, lower.mtu)        # DEV's address and MTU
        self.lower = lower
        self.protocol = values["protocol"]
        self.tpid = PROTOCOLS[self.protocol]
        self.vid = values["id"]
        outer = lower.tag_bytes if isinstance(lower, VlanLink) else 0
        self.tag_bytes = outer + VLAN_HLEN      # tags in its frames: its own and its lowers'

    @classmethod
    def create(cls, stack, name: str, values: dict) -> list:
        lower = stack.links.get(values["link"])
        if lower is None:
            raise StackError(f'Cannot find device "{values["link"]}"')
        if lower.iff_loopback or lower.link_type != "ether":
            raise StackError(f"VLANs not supported on {lower.name}")
        group = lower.vlan_info
        key = (PROTOCOLS[values["protocol"]], values["id"])
        if group is not None and key in group.links:
            raise StackError(f"{lower.name} already has a VLAN link of protocol {values['protocol']}"
                             f" id {values['id']}: {group.links[key].name}")
        link = cls(name, lower, values)
        if group is None:
            group = lower.vlan_info = VlanGroup(lower)
        group.links[key] = link
        try:
            stack.add_link(link)
        except StackError:
            link.close()                        # DEV as it was
            raise
        lower.upper_link(link)
        return [link]

    def close(self) -> None:
        lower = self.lower
        if lower is None:
            return
        self.lower = None
        group = lower.vlan_info
        if group is not None and group.links.get((self.tpid, self.vid)) is self:
            del group.links[(self.tpid, self.vid)]
            if not group.links:
                lower.vlan_info = None
        lower.upper_unlink(self)

    # --- state: DEV's --------------------------------------------------------------
    def has_carrier(self) -> bool:
        return self.lower is not None and self.lower.running

    def flags(self) -> list[str]:
        flags = super().flags()
        if self.lower is not None and not self.lower.admin_up:
            flags.append("M-DOWN")              # iproute2: the link it is on is down
        return flags

    def set_problem(self, up: bool | None = None, mtu: int | None = None) -> str | None:
        if mtu is not None and self.lower is not None and mtu > self.lower.mtu:
            return f"mtu {mtu} is more than {self.lower.name}'s ({self.lower.mtu}) for {self.name}"
        if up and self.lower is not None and not self.lower.admin_up:
            return f"cannot bring {self.name} up: {self.lower.name} is down (Network is down)"
        return super().set_problem(up, mtu)

    # --- transmit ----------------------------------------------------------------
    def tagged_header(self, dst: bytes, src: bytes, ethertype: int) -> bytes:
        """Ethernet with the tags of this link and the VLAN links under it, outermost first."""
        lower = self.lower
        if isinstance(lower, VlanLink):
            outer = lower.tagged_header(dst, src, self.tpid)
        else:
            outer = header(dst, src, self.tpid)
        return outer + TAG_TAIL.pack(self.vid, ethertype)

    def header_cache(self, dst: bytes, ethertype: int) -> bytes:
        return self.tagged_header(dst, self.mac, ethertype)

    def hard_header(self, pkt, dst: bytes, ethertype: int) -> None:
        hh = self.tagged_header(dst, self.mac, ethertype)
        start = pkt.push(len(hh))
        pkt.buf[start:start + len(hh)] = hh
        pkt.mac = start

    def xmit(self, pkt) -> bool:
        """Count the tagged frame and hand it to DEV (no queue of its own: noqueue)."""
        stats = self.stats
        lower = self.lower
        if not self.admin_up or lower is None:
            stats.tx_dropped += 1
            self.stack.drop("LINK_DOWN")
            return False
        if self.tx_tap is not None:
            self.tx_tap(self.untagged(pkt))
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("vlan", f"tx on {self.name}: {self.protocol} tag, id {self.vid}, "
                             f"out of {lower.name}")
        if lower.xmit(pkt):
            stats.tx_packets += 1
            stats.tx_bytes += len(pkt) - self.tag_bytes
            return True
        stats.tx_dropped += 1
        return False

    def forward(self, pkt) -> bool:
        """A frame a bridge forwards out of this link leaves with the link's tags put in,
        as vlan_dev_hard_start_xmit tags every frame handed to it."""
        frame = pkt.tobytes()
        if len(frame) < 14:
            return self.xmit(pkt)
        tagged = self.tagged_header(frame[0:6], frame[6:12], (frame[12] << 8) | frame[13]) + frame[14:]
        return self.xmit(Packet(tagged, 0, len(tagged), pkt.link, pkt.ts))

    def untagged(self, pkt) -> bytes:
        """The frame as this link's own capture sees it: without its tag and those under it."""
        buf, start = pkt.buf, pkt.data
        return bytes(buf[start:start + 12]) + bytes(buf[start + 12 + self.tag_bytes:pkt.tail])

    # --- the kind's description ----------------------------------------------------
    def option_values(self) -> list:
        values = {"link": self.lower.name if self.lower else None, "protocol": self.protocol,
                  "id": self.vid}
        return [(opt, values[opt.name]) for opt in OPTIONS
                if opt.required or values[opt.name] != opt.default]

    def info_data(self) -> dict:
        return {"protocol": self.protocol, "id": self.vid, "flags": list(FLAGS)}


def vlan_links_on(link) -> list:
    """The VLAN links whose parent is `link`."""
    if link.vlan_info is None:
        return []
    return list(link.vlan_info.links.values())
