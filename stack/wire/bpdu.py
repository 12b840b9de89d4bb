"""Spanning tree BPDUs as the inspector shows them (tshark's "stp"): 802.1D configuration and
topology change notification, 802.1w rapid (RST) BPDUs with their port role flags, and the common
part of an 802.1s (MST) BPDU. The bridge's own codec is stp.py; this module only reads.

A BPDU follows an LLC header whose DSAP is 0x42. Times travel in 1/256 s and show in seconds.
"""
from .dissect import F, dissector, named
from .ethernet import mac_to_str
from .stp import CONFIG, TCN

RST = 0x02
VERSIONS = {0: "Spanning Tree", 2: "Rapid Spanning Tree", 3: "Multiple Spanning Tree", 4: "Shortest Path Tree"}
TYPES = {CONFIG: "Configuration", TCN: "Topology Change Notification", RST: "Rapid/Multiple Spanning Tree"}
ROLES = ("Unknown", "Alternate or Backup", "Root", "Designated")
INFO_PREFIX = {0: "Conf.", 2: "RST.", 3: "MST.", 4: "SPT."}


def _yes_no(value: int) -> str:
    return "Yes" if value else "No"


def _seconds(ticks: int) -> str:
    return f"{ticks / 256:g}"


PROTOCOL = F("stp.protocol", "Protocol Identifier", 0, 2,
             show=lambda v: f"{'Spanning Tree Protocol' if v == 0 else 'Unknown'} (0x{v:04x})")
VERSION = F("stp.version", "Protocol Version Identifier", 2, 1,
            show=named(VERSIONS))
TYPE = F("stp.type", "BPDU Type", 3, 1, show=lambda v: f"{TYPES.get(v, 'Unknown')} (0x{v:02x})")
TCA = F("stp.flags.tcack", "Topology Change Acknowledgment", 4, 1, mask=0x80, show=_yes_no)
AGREEMENT = F("stp.flags.agreement", "Agreement", 4, 1, mask=0x40, show=_yes_no)
FORWARDING = F("stp.flags.forwarding", "Forwarding", 4, 1, mask=0x20, show=_yes_no)
LEARNING = F("stp.flags.learning", "Learning", 4, 1, mask=0x10, show=_yes_no)
PORT_ROLE = F("stp.flags.port_role", "Port Role", 4, 1, mask=0x0C, show=lambda v: f"{ROLES[v]} ({v})")
PROPOSAL = F("stp.flags.proposal", "Proposal", 4, 1, mask=0x02, show=_yes_no)
TC = F("stp.flags.tc", "Topology Change", 4, 1, mask=0x01, show=_yes_no)
STP_FLAGS = (TCA, TC)
RST_FLAGS = (TCA, AGREEMENT, FORWARDING, LEARNING, PORT_ROLE, PROPOSAL, TC)
ROOT_COST = F("stp.root.cost", "Root Path Cost", 13, 4)
PORT = F("stp.port", "Port identifier", 25, 2, show=lambda v: f"0x{v:04x}")
TIMES = (F("stp.msg_age", "Message Age", 27, 2, show=_seconds), F("stp.max_age", "Max Age", 29, 2, show=_seconds),
         F("stp.hello", "Hello Time", 31, 2, show=_seconds), F("stp.forward", "Forward Delay", 33, 2, show=_seconds))
VERSION_1_LENGTH = F("stp.version_1_length", "Version 1 Length", 35, 1)
VERSION_3_LENGTH = F("stp.version_3_length", "Version 3 Length", 36, 2)
CONFIG_LEN = 35


def _flags_text(flags: int, version: int) -> str:
    """The flags line: its hex, then what is set, as tshark words it."""
    parts = [f"0x{flags:02x}"]
    named = ((0x80, "Topology Change Acknowledgment"), (0x40, "Agreement"), (0x20, "Forwarding"),
             (0x10, "Learning")) if version >= 2 else ((0x80, "Topology Change Acknowledgment"),)
    parts += [name for bit, name in named if flags & bit]
    if version >= 2:
        parts.append(f"Port Role: {ROLES[(flags & 0x0C) >> 2]}")
    if version >= 2 and flags & 0x02:
        parts.append("Proposal")
    if flags & 0x01:
        parts.append("Topology Change")
    return ", ".join(parts)


def _identifier(layer, buf, at: int, which: str, label: str, title: str) -> str:
    """A root or bridge identifier: 4 bits of priority (in 4096s), 12 of system ID extension, a MAC."""
    word = (buf[at] << 8) | buf[at + 1]
    priority, extension, mac = word & 0xF000, word & 0x0FFF, mac_to_str(buf[at + 2:at + 8])
    text = f"{priority} / {extension} / {mac}"
    node = layer.text(f"stp.{which}", label, text, at, 8)
    node.text(f"stp.{which}.prio", f"{title} Priority", str(priority), at, 2, value=priority)
    node.text(f"stp.{which}.ext", f"{title} System ID Extension", str(extension), at, 2, value=extension)
    node.text(f"stp.{which}.hw", f"{title} System ID", mac, at + 2, 6, value=bytes(buf[at + 2:at + 8]))
    return f"{priority}/{extension}/{mac}"


@dissector("llc.dsap", 0x42)
def dissect_stp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("stp", "Spanning Tree Protocol", off, max(0, end - off))
    if d.short(layer, 4, end - off, "BPDU header"):
        return None
    layer.field(PROTOCOL, buf, off)
    version = layer.field(VERSION, buf, off).value
    kind = layer.field(TYPE, buf, off).value
    if kind == TCN:
        layer.length = 4
        d.summarise("STP", "Topology Change Notification")
        return None
    if d.short(layer, CONFIG_LEN, end - off, "BPDU"):
        return None
    flags = buf[off + 4]
    node = layer.text("stp.flags", "BPDU flags", _flags_text(flags, version), off + 4, 1, value=flags)
    for f in RST_FLAGS if version >= 2 else STP_FLAGS:
        node.field(f, buf, off)
    root = _identifier(layer, buf, off + 5, "root", "Root Identifier", "Root Bridge")
    cost = layer.field(ROOT_COST, buf, off).value
    _identifier(layer, buf, off + 17, "bridge", "Bridge Identifier", "Bridge")
    port = layer.field(PORT, buf, off).value
    for f in TIMES:                         # valued in seconds, as tshark's (1/256 s on the wire)
        ticks = (buf[off + f.offset] << 8) | buf[off + f.offset + 1]
        seconds = ticks // 256 if ticks % 256 == 0 else ticks / 256
        layer.text(f.name, f.label, _seconds(ticks), off + f.offset, 2, value=seconds)
    size = CONFIG_LEN
    if version >= 2 and end - off > CONFIG_LEN:
        layer.field(VERSION_1_LENGTH, buf, off)
        size += 1
    if version >= 3 and end - off >= CONFIG_LEN + 3:
        length = layer.field(VERSION_3_LENGTH, buf, off).value
        size += 2
        if length and end - off > size:         # the MST configuration and MSTIs: shown, not read
            stop = min(end, off + size + length)
            layer.text("stp.mst", "MST Extension", bytes(buf[off + size:stop]).hex(), off + size, stop - off - size,
                       value=bytes(buf[off + size:stop]))
            size = stop - off
    layer.length = min(size, end - off)
    prefix = INFO_PREFIX.get(version, "Conf.") + (" TC +" if flags & 0x01 else "")
    d.summarise("STP", f"{prefix} Root = {root}  Cost = {cost}  Port = 0x{port:04x}")
    return None
