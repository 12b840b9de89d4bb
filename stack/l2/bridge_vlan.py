"""Bridge VLAN filtering (net/bridge/br_vlan.c): membership, pvid, untagged egress.

Every port and the bridge device itself (bridge(8)'s ``self``) keep a VLAN
table (`VlanTable`): the VLANs it is a member of, its pvid, and the VLANs it
sends untagged.  As with Linux's, the tables exist whether or not the bridge
filters (a new port gets `vlan_default_pvid` as pvid, untagged; so does the
bridge), and `bridge vlan show` lists them either way; only with
``vlan_filtering 1`` do they decide what is forwarded:

- `ingress_vlan` (br_allowed_ingress): an untagged or priority-tagged frame
  belongs to the port's pvid (none: dropped, ``BRIDGE_VLAN_NO_PVID``); an
  802.1Q-tagged one to its tag's VLAN, which the port must be a member of
  (else ``BRIDGE_VLAN_FILTERED``).  The frame goes on untagged, its VLAN beside
  it, as the kernel keeps it in skb->vlan_tci;
- learning and the FDB lookup are keyed by (MAC, VID) (`fdb_key`);
- a port, or the bridge for delivery up, takes the frame only if it is a member
  of its VLAN (br_allowed_egress; else ``BRIDGE_VLAN_EGRESS``), and floods are
  limited to members;
- `egress_frame` (br_handle_vlan): an untagged member gets the frame as it is,
  a tagged member gets the 802.1Q tag pushed back.
"""
from __future__ import annotations

from ..counters import DROP_REASONS
from ..wire.vlan import TPID_8021Q, VID_MASK

VLAN_N_VID = 4096

DROP_REASONS.update({
    "BRIDGE_VLAN_FILTERED": "bridge VLAN filtering: a frame of a VLAN the ingress port is not in",
    "BRIDGE_VLAN_NO_PVID": "bridge VLAN filtering: an untagged frame on a port with no pvid",
    "BRIDGE_VLAN_EGRESS": "bridge VLAN filtering: the destination is not a member of the VLAN",
})

# ingress_vlan's answers beside a VLAN id
VLAN_OK, VLAN_NOT_MEMBER, VLAN_NO_PVID = range(3)
INGRESS_VLAN_DROPS = {VLAN_NOT_MEMBER: "BRIDGE_VLAN_FILTERED", VLAN_NO_PVID: "BRIDGE_VLAN_NO_PVID"}


class VlanTable:
    """The VLANs of one port, or of the bridge device (net_bridge_vlan_group)."""

    __slots__ = ("vids", "untagged", "pvid")

    def __init__(self):
        self.vids: set[int] = set()
        self.untagged: set[int] = set()
        self.pvid = 0

    def add(self, vid: int, pvid: bool = False, untagged: bool = False) -> None:
        """Add `vid`, or change its flags as Linux does (__vlan_flags_update): flags not
        given are cleared, so re-adding a pvid without ``pvid`` takes the pvid away."""
        self.vids.add(vid)
        if pvid:
            self.pvid = vid
        elif self.pvid == vid:
            self.pvid = 0
        if untagged:
            self.untagged.add(vid)
        else:
            self.untagged.discard(vid)

    def delete(self, vid: int) -> bool:
        if vid not in self.vids:
            return False
        self.vids.discard(vid)
        self.untagged.discard(vid)
        if self.pvid == vid:
            self.pvid = 0
        return True

    def entries(self) -> list[tuple[int, bool, bool]]:
        """(vid, pvid, untagged) in VLAN order."""
        return [(vid, vid == self.pvid, vid in self.untagged) for vid in sorted(self.vids)]

    def is_default(self, default_pvid: int) -> bool:
        """As a new port's (or a new bridge's) table is."""
        if not default_pvid:
            return not self.vids
        return (self.vids == {default_pvid} and self.pvid == default_pvid
                and self.untagged == {default_pvid})


def default_vlans(default_pvid: int) -> VlanTable:
    """A new port's (or bridge's) table: `vlan_default_pvid` as pvid, untagged (0: empty)."""
    table = VlanTable()
    if default_pvid:
        table.add(default_pvid, pvid=True, untagged=True)
    return table


def ingress_vlan(table: VlanTable, frame) -> tuple[int, int, object]:
    """(VLAN_*, vid, the frame untagged) for a frame that arrives where `table` applies."""
    if len(frame) >= 18 and frame[12] == 0x81 and frame[13] == 0x00:
        vid = ((frame[14] << 8) | frame[15]) & VID_MASK
        frame = frame[:12] + frame[16:]
        if vid:
            return (VLAN_OK if vid in table.vids else VLAN_NOT_MEMBER), vid, frame
    vid = table.pvid                    # untagged and priority-tagged frames: the pvid's
    if not vid:
        return VLAN_NO_PVID, 0, frame
    return VLAN_OK, vid, frame


def egress_frame(table: VlanTable, vid: int, frame) -> bytes:
    """The frame as it leaves where `table` applies: untagged, or with its 802.1Q tag."""
    if vid in table.untagged:
        return frame
    return bytes(frame[:12]) + TPID_8021Q.to_bytes(2, "big") + vid.to_bytes(2, "big") + bytes(frame[12:])


def parse_vid_range(text: str) -> tuple[int, int]:
    """``VID`` or ``VID-VID`` (bridge(8)), each 1..4094."""
    first, sep, last = str(text).partition("-")
    try:
        start = int(first)
        end = int(last) if sep else start
    except ValueError:
        raise ValueError(f'invalid VLAN id "{text}": a number 1..4094 or a range like 10-20') from None
    for vid in (start, end):
        if not 1 <= vid < VLAN_N_VID - 1:
            raise ValueError(f'invalid VLAN id "{vid}": 1..4094')
    if end < start or (sep and end == start):
        raise ValueError(f'invalid VLAN range "{text}"')
    return start, end
