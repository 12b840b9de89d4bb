"""Bridge forwarding (net/bridge/br_input.c, br_forward.c): learn, forward, flood, deliver up.

A frame that arrives on a port goes through three decisions, each a function
the fast path calls and hands, with its result, to the trace's explainer (one
decision, two tellings):

- `ingress_decision`: a frame too short or with a bad source is dropped;
  link-local 01:80:C2:00:00:0X frames are not forwarded (group_fwd_mask
  semantics: 00 goes to STP while it runs and is flooded while it does not,
  01, MAC control, is dropped, the
  others go up on the port itself unless the mask names them); then the port's
  state: forwarding, learning (learn, then drop) or anything else (drop);
- `Fdb.learn_decision` (stack/l2/fdb.py): learn, refresh, move, or refuse at a bound;
- `egress_decision`: a local entry (the bridge's MAC, a port's, a permanent
  one) is delivered up on the bridge link; a known unicast goes to its port
  (never back out of the ingress port); broadcast, multicast and unknown
  unicast are flooded to every other forwarding port whose flood flag allows
  it (`flood_ports`), and broadcast and multicast go up as well.

Delivering up is the rx_handler's RX_HANDLER_ANOTHER: the frame is received
again on the bridge link, with its counters and taps, so addresses on the
bridge work with ARP, ping, capture and trace as on any link.  The host's own
frames sent on the bridge go through `egress_decision` too (`bridge_xmit`).

`Bridges` is the stack's layer for them all: the ``Bridge`` counter group, the
learned-entry count the hard limit bounds, and the link events that set port
states (a port is disabled while it or the bridge is down, as Linux's are).
"""
from __future__ import annotations

from ..counters import DROP_REASONS, Mib, counter_group
from ..wire.ethernet import BROADCAST, ZERO, mac_to_str
from .bridge_vlan import VLAN_NO_PVID, VLAN_NOT_MEMBER
from .fdb import (LEARN_GLOBAL_LIMIT, LEARN_KEPT, LEARN_LIMIT, LEARN_MOVE, LEARN_NEW, LEARN_OFF,
                  LEARN_REFRESH, fdb_key)

ETH_HLEN = 14
LINK_LOCAL = b"\x01\x80\xc2\x00\x00"           # 01:80:C2:00:00:0X, IEEE 802.1D reserved
GROUP_FWD_RESTRICTED = 0x0007                   # 00 (STP), 01 (pause), 02 (LACP): never by mask

# Port states (STP), with bridge(8)'s numbers
DISABLED, LISTENING, LEARNING, FORWARDING, BLOCKING = range(5)
STATE_NAMES = ("disabled", "listening", "learning", "forwarding", "blocking")

BRIDGE_COUNTERS = (
    "InFrames", "Learned", "Moved", "Aged", "LearnLimitHits", "LearnGlobalLimitHits",
    "Forwarded", "Flooded", "FloodCopies", "DeliveredUp", "LinkLocalUp", "HostSent",
    "BpduIn", "BpduOut", "TopologyChanges",
)

DROP_REASONS.update({
    "BRIDGE_PORT_STATE": "bridge port not forwarding (disabled, blocking, listening, learning)",
    "BRIDGE_HAIRPIN": "bridge: destination is behind the port the frame came in on",
    "BRIDGE_NO_PORT": "bridge: no port to send the frame to",
    "BRIDGE_MAC_CONTROL": "bridge: 802.3x MAC control (pause) frame, never bridged",
    "STP_INVALID": "BPDU too short, not LLC 42/42/03, or of an unknown type",
    "BRIDGE_BPDU_GUARD": "BPDU on a bridge port with guard on: the port is disabled",
})

# ingress_decision's answers
(IN_TOO_SHORT, IN_BAD_SOURCE, IN_MAC_CONTROL, IN_BPDU, IN_BLOCKED, IN_LEARNING, IN_LINK_LOCAL,
 IN_FORWARD) = range(8)
INGRESS_DROPS = {IN_TOO_SHORT: "PKT_TOO_SMALL", IN_BAD_SOURCE: "MAC_INVALID",
                 IN_MAC_CONTROL: "BRIDGE_MAC_CONTROL", IN_BLOCKED: "BRIDGE_PORT_STATE",
                 IN_LEARNING: "BRIDGE_PORT_STATE"}

# egress_decision's answers
OUT_LOCAL, OUT_FORWARD, OUT_FLOOD, OUT_HAIRPIN, OUT_PORT_STATE, OUT_VLAN = range(6)
EGRESS_DROPS = {OUT_HAIRPIN: "BRIDGE_HAIRPIN", OUT_PORT_STATE: "BRIDGE_PORT_STATE",
                OUT_VLAN: "BRIDGE_VLAN_EGRESS"}

# what a flood is for, and the port flag that lets it out
FLOOD_BROADCAST, FLOOD_MULTICAST, FLOOD_UNKNOWN = "bcast_flood", "mcast_flood", "flood"


def ingress_decision(bridge, port, frame) -> int:
    """br_handle_frame's decision for a frame that arrived on `port`."""
    if len(frame) < ETH_HLEN:
        return IN_TOO_SHORT
    if frame[6] & 1 or frame[6:12] == ZERO:
        return IN_BAD_SOURCE
    if frame[0] == 0x01 and frame[5] < 16 and frame[0:5] == LINK_LOCAL:
        low = frame[5]
        if low == 1:
            return IN_MAC_CONTROL
        if low == 0 and bridge.stp_state:
            return IN_BPDU
        forwarded = (low == 0 and not bridge.stp_state) or (bridge.group_fwd_mask >> low) & 1
        if not forwarded:
            return IN_LINK_LOCAL
    state = port.state
    if state == FORWARDING:
        return IN_FORWARD
    return IN_LEARNING if state == LEARNING else IN_BLOCKED


def egress_decision(bridge, ingress, dst: bytes, vid: int = 0):
    """(decision, FDB entry or None) for a frame to `dst` in VLAN `vid` (0: the bridge does
    not filter) that came in on `ingress` (None: the host sent it on the bridge)."""
    if dst[0] & 1:
        return OUT_FLOOD, None
    entries = bridge.fdb.entries
    if vid:
        entry = entries.get(fdb_key(dst, vid))
        if entry is None:
            entry = entries.get(dst)        # the links' own addresses are local in every VLAN
            if entry is None or not entry.local:
                return OUT_FLOOD, None
    else:
        entry = entries.get(dst)
        if entry is None:
            return OUT_FLOOD, None
    if entry.local:
        if vid and vid not in bridge.vlans.vids:
            return OUT_VLAN, entry
        return OUT_LOCAL, entry
    port = entry.port
    if port is ingress and not port.hairpin:
        return OUT_HAIRPIN, entry
    if port.state != FORWARDING:
        return OUT_PORT_STATE, entry
    if vid and vid not in port.vlans.vids:
        return OUT_VLAN, entry
    return OUT_FORWARD, entry


def flood_kind(dst: bytes) -> str:
    if dst[0] & 1:
        return FLOOD_BROADCAST if dst == BROADCAST else FLOOD_MULTICAST
    return FLOOD_UNKNOWN


def flood_ports(bridge, ingress, kind: str, vid: int = 0) -> list:
    """The ports a flood of `kind` goes out of (br_flood): forwarding, their flag on, not
    the ingress port unless it is in hairpin mode, and members of VLAN `vid` (when not 0)."""
    return [port for port in bridge.port_list
            if port.state == FORWARDING and getattr(port, kind)
            and (port is not ingress or port.hairpin)
            and (not vid or vid in port.vlans.vids)]


# --- trace: the decisions above, in words --------------------------------------------------

def explain_ingress(rec, bridge, port, frame, verdict: int, learning, vlan=None) -> str | None:
    """`vlan`: `ingress_vlan`'s answer when the bridge filters by VLAN."""
    def step(text):
        rec.step("bridge", text)
    where = f"{bridge.name} port {port.link.name} ({STATE_NAMES[port.state]})"
    if verdict == IN_TOO_SHORT:
        step(f"{where}: frame length {len(frame)} < {ETH_HLEN}, too short to bridge")
        return "PKT_TOO_SMALL"
    src, dst = mac_to_str(frame[6:12]), mac_to_str(frame[0:6])
    step(f"{where}: {src} → {dst}")
    if verdict == IN_BAD_SOURCE:
        step(f"source {src} is multicast or zero: not bridged")
        return "MAC_INVALID"
    if verdict == IN_MAC_CONTROL:
        step(f"{dst} is MAC control (pause): never bridged")
        return "BRIDGE_MAC_CONTROL"
    if verdict == IN_BPDU:
        step(f"{dst} is the STP group and STP runs on {bridge.name}: not forwarded")
        return None
    vid = 0
    if vlan is not None and verdict in (IN_LEARNING, IN_LINK_LOCAL, IN_FORWARD):
        allowed, vid, _ = vlan
        tagged = (len(frame) >= 18 and frame[12] == 0x81 and frame[13] == 0x00
                  and (frame[14] & 0x0F or frame[15]))
        refused = _explain_vlan_ingress(rec, port, bool(tagged), allowed, vid)
        if refused is not None:
            if verdict == IN_LINK_LOCAL:
                step(f"{dst} is link-local: not learned, passed up on {port.link.name}"
                     " (BridgeLinkLocalUp)")
                handler = bridge.stack.ethernet.ptypes.get((frame[12] << 8) | frame[13])
                return None if handler is not None else "UNHANDLED_PROTO"
            return refused
    if learning is not None:
        step(_learning_text(bridge, port, frame[6:12], learning, vid))
    if verdict == IN_LINK_LOCAL:
        step(f"{dst} is link-local (group_fwd_mask {bridge.group_fwd_mask:#x} does not forward it):"
             f" not forwarded, passed up on {port.link.name} (BridgeLinkLocalUp)")
        handler = bridge.stack.ethernet.ptypes.get((frame[12] << 8) | frame[13])
        return None if handler is not None else "UNHANDLED_PROTO"
    if verdict == IN_LEARNING:
        step(f"blocked by port state: {port.link.name} is learning, it learns and forwards nothing")
        return "BRIDGE_PORT_STATE"
    if verdict == IN_BLOCKED:
        step(f"blocked by port state: {port.link.name} is {STATE_NAMES[port.state]}")
        return "BRIDGE_PORT_STATE"
    return None


def explain_bpdu(rec, bridge, port, bpdu) -> str | None:
    """What becomes of a BPDU (`bpdu` as stack/wire/stp.py parsed it: a Bpdu or a reason)."""
    where = f"{bridge.name} port {port.link.name}"
    if isinstance(bpdu, str):
        rec.step("bridge", f"{where}: a BPDU that does not parse: dropped")
        return bpdu
    if port.guard:
        rec.step("bridge", f"{where}: a BPDU on a port with guard on: the port is disabled")
        return "BRIDGE_BPDU_GUARD"
    kind = "topology change notification" if bpdu.type == 0x80 else "configuration BPDU"
    rec.step("bridge", f"{where}: {kind} for STP (BridgeBpduIn)")
    return None


def _learning_text(bridge, port, src: bytes, learning: int, vid: int = 0) -> str:
    mac, name = mac_to_str(src), port.link.name
    if vid:
        mac += f" vlan {vid}"
    if learning == LEARN_NEW:
        return f"learned {mac} on {name} (BridgeLearned)"
    if learning == LEARN_REFRESH:
        return f"{mac} is on {name} already: its age starts again"
    if learning == LEARN_MOVE:
        old = bridge.fdb.entries[fdb_key(src, vid)].port
        return f"moved {mac} from {old.link.name} to {name} (BridgeMoved)"
    if learning == LEARN_KEPT:
        entry = bridge.fdb.entries[fdb_key(src, vid)]
        return f"{mac} has a {entry.state} entry: not learned again"
    if learning == LEARN_OFF:
        return f"learning is off on {name}: {mac} not learned"
    if learning == LEARN_LIMIT:
        return (f"not learned: dropped at the FDB bound, fdb_max_learned {bridge.fdb.max_learned}"
                " (BridgeLearnLimitHits); the frame goes on")
    return ("not learned: dropped at the FDB bound of all bridges (BridgeLearnGlobalLimitHits);"
            " the frame goes on")


def _explain_vlan_ingress(rec, port, tagged: bool, verdict: int, vid: int) -> str | None:
    """What VLAN filtering makes of a frame on `port` (`ingress_vlan`'s answer)."""
    name = port.link.name
    if verdict == VLAN_NO_PVID:
        rec.step("bridge", f"untagged on {name}, which has no pvid: filtered by VLAN"
                           " (BRIDGE_VLAN_NO_PVID)")
        return "BRIDGE_VLAN_NO_PVID"
    if verdict == VLAN_NOT_MEMBER:
        rec.step("bridge", f"802.1Q tag, id {vid}: {name} is not in VLAN {vid}: filtered by VLAN"
                           " (BRIDGE_VLAN_FILTERED)")
        return "BRIDGE_VLAN_FILTERED"
    how = f"802.1Q tag, id {vid}" if tagged else f"untagged: pvid {vid}"
    rec.step("bridge", f"{how}: {name} is in VLAN {vid}, the frame is bridged in VLAN {vid}")
    return None


def explain_egress(rec, bridge, ingress, dst: bytes, decision: int, entry, targets,
                   vid: int = 0) -> str | None:
    def step(text):
        rec.step("bridge", text)
    mac = mac_to_str(dst)
    if decision == OUT_VLAN:
        owner = entry.port.link.name if entry.port is not None and not entry.local else bridge.name
        step(f"{mac} is behind {owner}, which is not in VLAN {vid}: filtered by VLAN"
             " (BRIDGE_VLAN_EGRESS)")
        return "BRIDGE_VLAN_EGRESS"
    if decision == OUT_LOCAL:
        owner = entry.port.link.name if entry.port is not None else bridge.name
        step(f"{mac} is a local address (of {owner}): delivered up on {bridge.name}"
             " (BridgeDeliveredUp)")
        return None
    if decision == OUT_FORWARD:
        step(f"{mac} is on {entry.port.link.name}: forwarded to {entry.port.link.name}"
             " (BridgeForwarded)")
        return None
    if decision == OUT_HAIRPIN:
        step(f"{mac} is on {entry.port.link.name}, the port it came in on: not sent back")
        return "BRIDGE_HAIRPIN"
    if decision == OUT_PORT_STATE:
        step(f"{mac} is on {entry.port.link.name}: blocked by port state"
             f" ({STATE_NAMES[entry.port.state]})")
        return "BRIDGE_PORT_STATE"
    kind = flood_kind(dst)
    what = {FLOOD_BROADCAST: "broadcast", FLOOD_MULTICAST: "multicast",
            FLOOD_UNKNOWN: "unknown unicast"}[kind]
    names = ", ".join(port.link.name for port in targets)
    members = f", in VLAN {vid}" if vid else ""
    if targets:
        step(f"{mac} is {what}: flooded to {names}{members} (BridgeFlooded)")
    else:
        step(f"{mac} is {what}: no other port to flood to ({kind} on, forwarding{members})")
    if dst[0] & 1:
        if vid and vid not in bridge.vlans.vids:
            step(f"{what}: not delivered up, {bridge.name} is not in VLAN {vid}")
            return None if targets else "BRIDGE_VLAN_EGRESS"
        step(f"{what}: delivered up on {bridge.name} too (BridgeDeliveredUp)")
        return None
    return None if targets else "BRIDGE_NO_PORT"


# --- the stack's bridges together ----------------------------------------------------------

class Bridges:
    """The stack's layer for its bridges: counters, the learned count under HARD_LIMIT, and
    the bridges themselves (stack/link/bridge.py keeps their ports' states with link events)."""

    def __init__(self, stack):
        self.stack = stack
        self.counters = Mib("Bridge", BRIDGE_COUNTERS)
        self.learned = 0            # learned FDB entries in all bridges (fdb.HARD_LIMIT)
        self.bridges: list = []     # the bridge links, as they are made
        self.watching = False       # subscribed to the notifier chain (with the first bridge)


def bridge_counters(stack) -> dict:
    return stack.bridges.counters.snapshot()


counter_group("Bridge", 55, bridge_counters)
