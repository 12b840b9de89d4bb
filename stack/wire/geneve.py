"""Geneve (RFC 8926): UDP port 6081, an 8-byte header, options in 4-byte words, then the
payload its protocol type names (0x6558: an Ethernet frame; else an ethertype).

Shown as tshark shows it: version and options length as plain numbers, the flags as
True/False, the reserved byte only when it is not zero, and each option by its class's
owner and its type's critical bit (the option's bytes past its header as unknown data)."""
from .dissect import F, Hidden, Node, dissector, hexed
from .ethernet import ETHERTYPE_NAMES

PORT = 6081
HEADER_LEN = 8
OPTION_HEADER_LEN = 4
ETH_P_TEB = 0x6558
OAM = 0x80



_TRUE_FALSE = ("False", "True").__getitem__


def _bool(value: int) -> str:
    return "True" if value else "False"


def _bytes(value: int) -> str:
    return f"{value} bytes"


VERSION = F("geneve.version", "Version", 0, 1, mask=0xC0)
OPTLEN = F("geneve.option.length", "Options Length", 0, 1, mask=0x3F)
FLAG_OAM = F("geneve.flags.oam", "Operations, Administration and Management Frame", 1, 1, mask=OAM,
             show=_TRUE_FALSE)
FLAG_CRITICAL = F("geneve.flags.critical", "Critical Options Present", 1, 1, mask=0x40, show=_TRUE_FALSE)
FLAG_RESERVED = F("geneve.flags.reserved", "Reserved", 1, 1, mask=0x3F, show=_bool)
_FLAG_BITS = (FLAG_OAM, FLAG_CRITICAL, FLAG_RESERVED)


def _show_flags(value: int) -> str:
    """tshark's `0xc0, Operations, ..., Critical Options Present`: the byte, then each flag set."""
    return ", ".join([f"0x{value:02x}"] + [f.label for f in _FLAG_BITS if value & f.mask])


FLAGS = F("geneve.flags", "Flags", 1, 1, show=_show_flags)
PROTO = F("geneve.proto_type", "Protocol Type", 2, 2,
          show=lambda v: f"{ETHERTYPE_NAMES.get(v, 'Transparent Ethernet bridging' if v == ETH_P_TEB else 'Unknown')} (0x{v:04x})")
VNI = F("geneve.vni", "Virtual Network Identifier (VNI)", 4, 3, show=lambda v: f"0x{v:06x} ({v})")
RESERVED = F("geneve.reserved", "Reserved", 7, 1, show=hexed(2))

# tshark's owners of the option classes (ranges, first to last)
CLASS_RANGES = ((0x0000, 0x00FF, "Standard"), (0x0100, 0x0100, "Linux"), (0x0101, 0x0101, "Open vSwitch"),
                (0x0102, 0x0102, "Open Virtual Networking (OVN)"),
                (0x0103, 0x0103, "In-band Network Telemetry (INT)"), (0x0104, 0x0104, "VMware"),
                (0x0105, 0x0105, "Amazon.com, Inc."), (0x0106, 0x0106, "Cisco Systems, Inc."),
                (0x0107, 0x0107, "Oracle Corporation"), (0x0108, 0x0110, "Amazon.com, Inc."),
                (0x0111, 0x0118, "IBM"), (0x0119, 0x0128, "Ericsson"), (0x0129, 0x0129, "Oxide Computer Company"),
                (0x0130, 0x0131, "Cisco Systems, Inc."), (0x0132, 0x0135, "Google LLC"),
                (0x0136, 0x0136, "InfoQuick Global Connection Tech Ltd."), (0x0137, 0xFEFF, "Unassigned"),
                (0xFFF0, 0xFFFF, "Experimental"))
CLASS_GOOGLE = 0x0132
GOOGLE_TYPES = {0x01: "GCP Virtual Network ID", 0x02: "GCP Endpoint ID", 0x03: "GCP Profile ID"}
CRITICAL = 0x80


def class_name(value: int) -> str:
    for first, last, name in CLASS_RANGES:
        if first <= value <= last:
            return name
    return "Unknown"


def _show_class(value: int) -> str:
    return f"{class_name(value)} (0x{value:04x})"


def _show_type(value: int) -> str:
    return f"0x{value:02x} ({'Critical' if value & CRITICAL else 'Non-critical'})"


OPT_CLASS = F("geneve.option.class", "Class", 0, 2, show=_show_class)
OPT_TYPE = F("geneve.option.type", "Type", 2, 1, show=_show_type)
OPT_CRITICAL = F("geneve.option.type.critical", "Critical Option", 2, 1, mask=0x80)
OPT_FLAGS = F("geneve.option.flags", "Flags", 3, 1, mask=0xE0, show=hexed(2))
OPT_LEN = F("geneve.option.length", "Length", 3, 1, mask=0x1F)
GCP_ENDPOINT_LEN, GCP_PROFILE_LEN = 16, 8


def _plain(parent: Node, f: F, base: int, value: int, label: str | None = None, show=None) -> Node:
    """A bit field tshark shows as a plain number, without its bits (`Version: 0`)."""
    return parent.add(Node(f.name, label or f.label, value, base + f.offset, f.size, show=show or f.show))


def _hidden(parent: Node, f: F, buf, base: int) -> None:
    """A field tshark keeps for filters but leaves out of its tree."""
    start = base + f.offset
    parent.add(Hidden(f.name, f.label, f.read(buf, base), start, f.size, f.mask, f.show))


@dissector("udp.port", PORT)
def dissect_geneve(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("geneve", "Generic Network Virtualization Encapsulation", off,
                    min(HEADER_LEN, end - off))
    if d.short(layer, HEADER_LEN, end - off, "Geneve header"):
        return None
    _plain(layer, VERSION, off, VERSION.read(buf, off))
    options_len = OPTLEN.read(buf, off) * 4
    _plain(layer, OPTLEN, off, options_len, label="Length", show=_bytes)    # tshark: bytes
    node = layer.field(FLAGS, buf, off)
    for bit in _FLAG_BITS:
        node.field(bit, buf, off)
    proto = layer.field(PROTO, buf, off).value
    vni = layer.field(VNI, buf, off).value
    if RESERVED.read(buf, off):
        layer.field(RESERVED, buf, off)
    else:
        _hidden(layer, RESERVED, buf, off)
    layer.length = min(HEADER_LEN + options_len, end - off)
    oam = ", OAM" if buf[off + 1] & OAM else ""
    layer.label = f"Generic Network Virtualization Encapsulation, VNI: 0x{vni:06x}{oam}"
    if d.short(layer, HEADER_LEN + options_len, end - off, "Geneve options"):
        return None
    if options_len:
        start = off + HEADER_LEN
        raw = buf[start:start + options_len]
        # the line is its label (`Options: (40 bytes)`), as tshark's; the value is the bytes
        options = layer.text("geneve.options", f"Options: ({options_len} bytes)", "", start, options_len, value=raw)
        _options(buf, start, start + options_len, options)
    d.summarise("Geneve", f"Encapsulated {ETHERTYPE_NAMES.get(proto, f'0x{proto:04x}')}")
    pos = off + HEADER_LEN + options_len
    if pos >= end:
        return None
    if proto == ETH_P_TEB:
        return ("linktype", 1, pos, end)
    return ("ethertype", proto, pos, end)


def _options(buf, pos: int, end: int, parent: Node) -> None:
    while pos + OPTION_HEADER_LEN <= end:
        length = OPTION_HEADER_LEN + OPT_LEN.read(buf, pos) * 4
        length = min(length, end - pos)
        raw = buf[pos:pos + length]
        klass, kind = OPT_CLASS.read(buf, pos), OPT_TYPE.read(buf, pos)
        name = GOOGLE_TYPES.get(kind, "Unknown") if klass == CLASS_GOOGLE else "Unknown"
        label = f"{name}, Class: {_show_class(klass)} Type: {_show_type(kind)}"
        option = parent.add(Node("geneve.option", label, raw, pos, length, text=""))
        option.field(OPT_CLASS, buf, pos)
        option.field(OPT_TYPE, buf, pos)
        _hidden(option, OPT_CRITICAL, buf, pos)
        _hidden(option, OPT_FLAGS, buf, pos)
        _plain(option, OPT_LEN, pos, length, show=_bytes)       # tshark: bytes
        _option_data(option, buf, pos + OPTION_HEADER_LEN, pos + length, klass, kind)
        pos += length


def _option_data(option: Node, buf, pos: int, end: int, klass: int, kind: int) -> None:
    """The option's bytes past its header: Google's endpoint and profile IDs as tshark shows them
    (its virtual network ID, drawn by tshark over other bits, is left out), else unknown data."""
    data = bytes(buf[pos:end])
    if klass == CLASS_GOOGLE and kind in GOOGLE_TYPES:
        if kind == 0x02 and len(data) == GCP_ENDPOINT_LEN:
            option.text("geneve.option.gcp.endpoint", "GCP Endpoint ID", data.hex(), pos, len(data), value=data)
        elif kind == 0x03 and len(data) == GCP_PROFILE_LEN:
            profile = int.from_bytes(data, "big")
            option.text("geneve.option.gcp.profile", "GCP Profile ID", str(profile), pos, len(data), value=profile)
        return
    option.text("geneve.option.unknown.data", "Unknown Option Data", data.hex(), pos, len(data), value=data)
