"""GRE (RFC 2784/2890, and PPTP's enhanced version 1 of RFC 2637) and ERSPAN types I and II.

GRE's protocol field is an ethertype: the payload goes to the ethertype table (IPv4, IPv6,
MPLS), except transparent Ethernet bridging (0x6558: a whole Ethernet frame) and ERSPAN
(0x88BE: type II when a sequence number is present, else type I, which is Ethernet
straight away), as tshark decodes them.
"""
from .dissect import F, dissector, hexed, named
from .ethernet import ETHERTYPE_NAMES

PROTO_GRE = 47
ETH_P_TEB = 0x6558              # transparent Ethernet bridging
ETH_P_ERSPAN = 0x88BE           # ERSPAN type I/II
FLAG_C, FLAG_R, FLAG_K, FLAG_S = 0x8000, 0x4000, 0x2000, 0x1000
FLAG_A = 0x0080                 # version 1: acknowledgment number present
GRE_NAMES = {**ETHERTYPE_NAMES, ETH_P_TEB: "Transparent Ethernet bridging", ETH_P_ERSPAN: "ERSPAN",
             0x880B: "PPP", 0x2001: "NHRP"}
_YES_NO = ("No", "Yes").__getitem__


def _show_proto(value: int) -> str:
    return f"{GRE_NAMES.get(value, 'Unknown')} (0x{value:04x})"



FLAGS = F("gre.flags_and_version", "Flags and Version", 0, 2, show=hexed(4))
F_CHECKSUM = F("gre.flags.checksum", "Checksum Bit", 0, 2, mask=FLAG_C, show=_YES_NO)
F_ROUTING = F("gre.flags.routing", "Routing Bit", 0, 2, mask=FLAG_R, show=_YES_NO)
F_KEY = F("gre.flags.key", "Key Bit", 0, 2, mask=FLAG_K, show=_YES_NO)
F_SEQ = F("gre.flags.sequence_number", "Sequence Number Bit", 0, 2, mask=FLAG_S, show=_YES_NO)
F_SSR = F("gre.flags.strict_source_route", "Strict Source Route Bit", 0, 2, mask=0x0800, show=_YES_NO)
F_RECUR = F("gre.flags.recursion_control", "Recursion control", 0, 2, mask=0x0700)
F_ACK = F("gre.flags.ack", "Acknowledgment", 0, 2, mask=FLAG_A, show=_YES_NO)
F_RESERVED0 = F("gre.flags.reserved", "Flags (Reserved)", 0, 2, mask=0x00F8)
F_RESERVED1 = F("gre.flags.reserved", "Flags (Reserved)", 0, 2, mask=0x0078)
F_VERSION = F("gre.flags.version", "Version", 0, 2, mask=0x0007,
              show=named({0: "GRE", 1: "Enhanced GRE"}))
PROTO = F("gre.proto", "Protocol Type", 2, 2, show=_show_proto)
CHECKSUM = F("gre.checksum", "Checksum", 0, 2, show=hexed(4))
OFFSET = F("gre.offset", "Offset", 0, 2)
KEY = F("gre.key", "Key", 0, 4, show=hexed(8))
KEY_LENGTH = F("gre.key.payload_length", "Payload Length", 0, 2)
KEY_CALL = F("gre.key.call_id", "Call ID", 0, 2)
SEQUENCE = F("gre.sequence_number", "Sequence Number", 0, 4)
ACK = F("gre.ack_number", "Acknowledgment Number", 0, 4)

ER_VERSION = F("erspan.version", "Version", 0, 2, mask=0xF000, show=named({1: "Type II", 2: "Type III"}))
ER_VLAN = F("erspan.vlan", "Vlan", 0, 2, mask=0x0FFF)
ER_COS = F("erspan.cos", "COS", 2, 2, mask=0xE000)
ER_ENCAP = F("erspan.encap", "Encap", 2, 2, mask=0x1800, show=named({
    0: "Originally without VLAN tag", 1: "Originally ISL encapsulated", 2: "Originally 802.1Q encapsulated", 3: "VLAN tag preserved in frame"}))
ER_TRUNCATED = F("erspan.truncated", "Truncated", 2, 2, mask=0x0400, show=named({0: "Not truncated", 1: "Truncated"}))
ER_SPANID = F("erspan.spanid", "SpanID", 2, 2, mask=0x03FF)
ER_RESERVED = F("erspan.reserved", "Reserved", 4, 4, mask=0xFFF00000)
ER_INDEX = F("erspan.index", "Index", 4, 4, mask=0x000FFFFF)
ERSPAN_LEN = 8


@dissector("ip.proto", PROTO_GRE)
@dissector("ipv6.nxt", PROTO_GRE)
def dissect_gre(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("gre", "Generic Routing Encapsulation", off, min(4, end - off))
    if d.short(layer, 4, end - off, "GRE header"):
        return None
    flags = FLAGS.read(buf, off)
    version = flags & 7
    proto = PROTO.read(buf, off)
    need = 4 + (4 if flags & (FLAG_C | FLAG_R) else 0) + (4 if flags & FLAG_K else 0) \
        + (4 if flags & FLAG_S else 0) + (4 if version == 1 and flags & FLAG_A else 0)
    layer.length = min(need, end - off)
    layer.label = f"Generic Routing Encapsulation ({GRE_NAMES.get(proto, f'0x{proto:04x} - unknown')})"
    node = layer.field(FLAGS, buf, off)
    bits = [F_CHECKSUM, F_ROUTING, F_KEY, F_SEQ, F_SSR, F_RECUR]
    bits += [F_ACK, F_RESERVED1] if version == 1 else [F_RESERVED0]
    for bit in bits + [F_VERSION]:
        node.field(bit, buf, off)
    layer.field(PROTO, buf, off)
    if d.short(layer, need, end - off, "GRE header"):
        return None
    pos = off + 4
    if flags & (FLAG_C | FLAG_R):
        layer.field(CHECKSUM, buf, pos)
        layer.field(OFFSET, buf, pos + 2)
        pos += 4
    if flags & FLAG_K:
        if version == 1:
            layer.field(KEY_LENGTH, buf, pos)
            layer.field(KEY_CALL, buf, pos + 2)
        else:
            layer.field(KEY, buf, pos)
        pos += 4
    if flags & FLAG_S:
        layer.field(SEQUENCE, buf, pos)
        pos += 4
    if version == 1 and flags & FLAG_A:
        layer.field(ACK, buf, pos)
        pos += 4
    d.summarise("GRE", f"Encapsulated {GRE_NAMES.get(proto, f'0x{proto:04x}')}")
    if pos >= end:
        return None
    if proto == ETH_P_TEB:
        return ("linktype", 1, pos, end)
    if proto == ETH_P_ERSPAN:
        return _erspan(d, pos, end, bool(flags & FLAG_S))
    return ("ethertype", proto, pos, end)


def _erspan(d, off: int, end: int, with_header: bool):
    """Type II carries an 8-byte header (the sequence bit says so); type I is bare Ethernet."""
    if not with_header:
        d.layer("erspan", "Encapsulated Remote Switch Packet ANalysis Type I", off, 0)
        return ("linktype", 1, off, end)
    buf = d.buf
    layer = d.layer("erspan", "Encapsulated Remote Switch Packet ANalysis Type II", off,
                    min(ERSPAN_LEN, end - off))
    if d.short(layer, ERSPAN_LEN, end - off, "ERSPAN header"):
        return None
    for f in (ER_VERSION, ER_VLAN, ER_COS, ER_ENCAP, ER_TRUNCATED, ER_SPANID, ER_RESERVED, ER_INDEX):
        layer.field(f, buf, off)
    return ("linktype", 1, off + ERSPAN_LEN, end)
