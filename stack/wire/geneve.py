"""Geneve (RFC 8926): UDP port 6081, an 8-byte header, options in 4-byte words, then the
payload its protocol type names (0x6558: an Ethernet frame; else an ethertype)."""
from .dissect import F, Node, dissector
from .ethernet import ETHERTYPE_NAMES

PORT = 6081
HEADER_LEN = 8
ETH_P_TEB = 0x6558


def _hex(width: int):
    return lambda value: f"0x{value:0{width}x}"


VERSION = F("geneve.version", "Version", 0, 1, mask=0xC0)
OPTLEN = F("geneve.option.length", "Options Length", 0, 1, mask=0x3F)
FLAGS = F("geneve.flags", "Flags", 1, 1, show=_hex(2))
FLAG_OAM = F("geneve.flags.oam", "Operations, Administration and Management Frame", 1, 1, mask=0x80)
FLAG_CRITICAL = F("geneve.flags.critical", "Critical Options Present", 1, 1, mask=0x40)
FLAG_RESERVED = F("geneve.flags.reserved", "Reserved", 1, 1, mask=0x3F)
PROTO = F("geneve.proto_type", "Protocol Type", 2, 2,
          show=lambda v: f"{ETHERTYPE_NAMES.get(v, 'Transparent Ethernet bridging' if v == ETH_P_TEB else 'Unknown')} (0x{v:04x})")
VNI = F("geneve.vni", "Virtual Network Identifier (VNI)", 4, 3, show=_hex(6))
RESERVED = F("geneve.reserved", "Reserved", 7, 1, show=_hex(2))
OPT_CLASS = F("geneve.option.class", "Class", 0, 2, show=_hex(4))
OPT_TYPE = F("geneve.option.type", "Type", 2, 1, show=_hex(2))
OPT_CRITICAL = F("geneve.option.type.critical", "Critical Option", 2, 1, mask=0x80)
OPT_FLAGS = F("geneve.option.flags", "Flags", 3, 1, mask=0xE0, show=_hex(2))
OPT_LEN = F("geneve.option.length", "Length", 3, 1, mask=0x1F)


@dissector("udp.port", PORT)
def dissect_geneve(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("geneve", "Generic Network Virtualization Encapsulation", off,
                    min(HEADER_LEN, end - off))
    if d.short(layer, HEADER_LEN, end - off, "Geneve header"):
        return None
    layer.field(VERSION, buf, off)
    options_len = OPTLEN.read(buf, off) * 4
    layer.field(OPTLEN, buf, off, show=lambda v: f"{v} bytes").value = options_len
    node = layer.field(FLAGS, buf, off)
    for bit in (FLAG_OAM, FLAG_CRITICAL, FLAG_RESERVED):
        node.field(bit, buf, off)
    proto = layer.field(PROTO, buf, off).value
    vni = layer.field(VNI, buf, off).value
    layer.field(RESERVED, buf, off)
    layer.length = min(HEADER_LEN + options_len, end - off)
    layer.label = f"Generic Network Virtualization Encapsulation, VNI: 0x{vni:06x}"
    if d.short(layer, HEADER_LEN + options_len, end - off, "Geneve options"):
        return None
    if options_len:
        start = off + HEADER_LEN
        raw = buf[start:start + options_len]
        options = layer.text("geneve.options", "Options", raw.hex(), start, options_len, value=raw)
        _options(buf, start, start + options_len, options)
    d.summarise("Geneve", f"Encapsulated {ETHERTYPE_NAMES.get(proto, f'0x{proto:04x}')}")
    pos = off + HEADER_LEN + options_len
    if pos >= end:
        return None
    if proto == ETH_P_TEB:
        return ("linktype", 1, pos, end)
    return ("ethertype", proto, pos, end)


def _options(buf, pos: int, end: int, parent: Node) -> None:
    while pos + 4 <= end:
        length = 4 + OPT_LEN.read(buf, pos) * 4
        length = min(length, end - pos)
        raw = buf[pos:pos + length]
        option = parent.add(Node("geneve.option", "Option", raw, pos, length, text=raw.hex()))
        for f in (OPT_CLASS, OPT_TYPE, OPT_CRITICAL, OPT_FLAGS):
            option.field(f, buf, pos)
        option.field(OPT_LEN, buf, pos, show=lambda v: f"{v} bytes").value = length   # tshark: bytes
        pos += length
