"""IPv6 header (RFC 8200) and its extension headers: offsets, a builder, dissection."""
import ipaddress
import struct
from dataclasses import replace

from .dissect import F, Hidden, dissector, named
from .ethernet import dissect_ethernet
from .ipv4 import dissect_ipv4
from .skim import DECLINE, TextCache, skimmer, table
from .udp import pseudo_header_sum as udp_pseudo_header_sum
from .dsfield import dscp_text, dsfield_text, ecn_text
from .ipproto import show_protocol

HEADER = struct.Struct("!IHBB16s16s")   # version/class/flow, payload length, next header, hop limit, src, dst
HEADER_LEN = 40
FRAG_HEADER = struct.Struct("!BBHI")    # next header, reserved, offset/flags, identification
FRAG_HEADER_LEN = 8

NEXTHDR_HOP = 0
NEXTHDR_IPV4 = 4
NEXTHDR_TCP = 6
NEXTHDR_UDP = 17
NEXTHDR_IPV6 = 41
NEXTHDR_ROUTING = 43
NEXTHDR_FRAGMENT = 44
NEXTHDR_ICMP = 58
NEXTHDR_NONE = 59
NEXTHDR_DEST = 60
NEXTHDR_ETHERNET = 143              # RFC 8986: an SRv6 End.DX2 payload

show_nxt = show_protocol


# The fixed header's fields, once: the fast path uses their offsets, dissection the whole definition.
VERSION = F("ipv6.version", "Version", 0, 1, mask=0xF0)
TCLASS = F("ipv6.tclass", "Traffic Class", 0, 2, mask=0x0FF0, show=dsfield_text)
DSCP = F("ipv6.tclass.dscp", "Differentiated Services Codepoint", 0, 2, mask=0x0FC0, show=dscp_text)
ECN = F("ipv6.tclass.ecn", "Explicit Congestion Notification", 0, 2, mask=0x0030, show=ecn_text)
FLOW = F("ipv6.flow", "Flow Label", 1, 3, mask=0x0FFFFF, show=lambda v: f"0x{v:05x}")
PLEN = F("ipv6.plen", "Payload Length", 4, 2)
PLEN_JUMBO = replace(PLEN, show=lambda v: f"{v} (Jumbogram)")      # 0: a Jumbo Payload option says
NXT = F("ipv6.nxt", "Next Header", 6, 1, show=show_nxt)
HLIM = F("ipv6.hlim", "Hop Limit", 7, 1)
SRC = F("ipv6.src", "Source Address", 8, 16)
DST = F("ipv6.dst", "Destination Address", 24, 16)

OFF_PLEN = PLEN.offset
OFF_NXT = NXT.offset
OFF_HLIM = HLIM.offset
OFF_SRC = SRC.offset
OFF_DST = DST.offset

# Fragment header (RFC 8200 4.5); the offset field counts 8-octet units, tshark shows the raw units.
FRAG_NXT = F("ipv6.fraghdr.nxt", "Next header", 0, 1, show=show_nxt)
FRAG_RESERVED = F("ipv6.fraghdr.reserved_octet", "Reserved octet", 1, 1, show=lambda v: f"0x{v:02x}")
FRAG_OFFSET = F("ipv6.fraghdr.offset", "Offset", 2, 2, mask=0xFFF8, show=lambda v: f"{v} ({v * 8} bytes)")
FRAG_RESERVED_BITS = F("ipv6.fraghdr.reserved_bits", "Reserved bits", 2, 2, mask=0x0006)
FRAG_MORE = F("ipv6.fraghdr.more", "More Fragments", 2, 2, mask=0x0001, show=("No", "Yes").__getitem__)
FRAG_IDENT = F("ipv6.fraghdr.ident", "Identification", 4, 4, show=lambda v: f"0x{v:08x}")

# Routing header (RFC 8200 4.4) and Segment Routing Header (RFC 8754)
ROUTING_TYPE_NAMES = {0: "Source Route", 1: "Nimrod", 2: "Type 2 Routing", 3: "RPL Source Route",
                      4: "Segment Routing", 5: "Compact Routing Header 16", 6: "Compact Routing Header 32"}
RT_TYPE = F("ipv6.routing.type", "Type", 2, 1, show=named(ROUTING_TYPE_NAMES))
RT_SEGLEFT = F("ipv6.routing.segleft", "Segments Left", 3, 1)
SRH_LAST = F("ipv6.routing.srh.last_entry", "Last Entry", 4, 1)
SRH_FLAGS = F("ipv6.routing.srh.flags", "Flags", 5, 1, show=lambda v: f"0x{v:02x}")

# Options inside Hop-by-Hop and Destination Options headers (RFC 8200 4.2)
OPT_TYPE = F("ipv6.opt.type", "Type", 0, 1, show=lambda v: f"{OPTION_NAMES.get(v, 'Unknown')} (0x{v:02x})")
OPT_ACTIONS = ("Skip and continue", "Discard", "Discard and send ICMP", "Discard and send ICMP if not multicast")
OPT_ACTION = F("ipv6.opt.type.action", "Action", 0, 1, mask=0xC0, show=lambda v: f"{OPT_ACTIONS[v]} ({v})")
OPT_CHANGE = F("ipv6.opt.type.change", "May Change", 0, 1, mask=0x20, show=lambda v: "Yes" if v else "No")
OPT_REST = F("ipv6.opt.type.rest", "Low-Order Bits", 0, 1, mask=0x1F, show=lambda v: f"0x{v:02x}")
OPT_LEN = F("ipv6.opt.length", "Length", 1, 1)
ALERTS = {0: "MLD", 1: "RSVP", 2: "Active Network"}
OPT_ROUTER_ALERT = F("ipv6.opt.router_alert", "Router Alert", 2, 2, show=named(ALERTS))
OPT_JUMBO = F("ipv6.opt.jumbo", "Payload Length", 2, 4)

OPT_PAD1 = 0
OPT_PADN = 1
OPT_JUMBO_TYPE = 0xC2
OPT_ROUTER_ALERT_TYPE = 0x05
OPT_HOME_ADDRESS_TYPE = 0xC9
OPT_CALIPSO_TYPE = 0x07
EXPERIMENTAL = (0x1E, 0x3E, 0x5E, 0x7E, 0x9E, 0xBE, 0xDE, 0xFE)
# tshark's names of the option types (the experimental ones of RFC 4727 named by their value)
OPTION_NAMES = {OPT_PAD1: "Pad1", OPT_PADN: "PadN", 0x04: "Tunnel Encapsulation Limit",
                OPT_ROUTER_ALERT_TYPE: "Router Alert", 0x07: "CALIPSO", 0x08: "SMF_DPD",
                0x0F: "Performance and Diagnostic Metrics", 0x26: "Quick-Start", 0x30: "Path MTU Option",
                0x31: "IOAM Option", 0x41: "Tunnel Payload Forwarding (TPF) Information", 0x63: "RPL Option",
                0x6D: "MPL Option", 0x8A: "Endpoint Identification", 0x8B: "ILNP Nonce",
                0x8C: "Line-Identification Option", OPT_JUMBO_TYPE: "Jumbo Payload",
                OPT_HOME_ADDRESS_TYPE: "Home Address", 0xEE: "IP_DFF",
                **{kind: f"Experimental (0x{kind:02X})" for kind in (0x1E, 0x3E, 0x5E, 0x7E, 0x9E, 0xBE, 0xDE, 0xFE)}}



def write_header(buf, off: int, payload_length: int, nxt: int, hlim: int, src: bytes, dst: bytes,
                 tclass: int = 0, flow: int = 0) -> None:
    """Write the 40-byte header at buf[off:off+40] (IPv6 has no header checksum)."""
    HEADER.pack_into(buf, off, (6 << 28) | (tclass << 20) | (flow & 0xFFFFF), payload_length,
                     nxt, hlim, src, dst)


def pseudo_header_sum(src, dst, length: int, nxt: int) -> int:
    """One's-complement sum of the upper-layer pseudo-header (RFC 8200 8.1), a checksum's seed;
    the IPv6 spelling (length before next header) of udp.pseudo_header_sum, which serves both."""
    return udp_pseudo_header_sum(src, dst, nxt, length)


def addr_to_str(addr) -> str:
    """RFC 5952 text, IPv4-mapped addresses in mixed notation (section 5)."""
    ip = ipaddress.IPv6Address(bytes(addr))
    if ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return ip.compressed


ADDR_TEXT = TextCache(addr_to_str)
NXT_SKIMMERS = table("ipv6.nxt")


def fragment_info(offset_bytes: int, more: bool, ident: int, nxt: int) -> str:
    return f"IPv6 fragment (off={offset_bytes} more={'y' if more else 'n'} ident=0x{ident:08x} nxt={nxt})"


def addr_from_str(text: str) -> bytes:
    """IPv6 text to 16 bytes; ValueError on anything else."""
    return ipaddress.IPv6Address(text).packed


# --- dissection ------------------------------------------------------------------

class _Chain:
    """What walking the extension headers learnt that later layers need."""

    __slots__ = ("final_dst", "home_src", "jumbo", "frag_offset", "frag_more", "frag_ident")

    def __init__(self):
        self.final_dst = None       # routing header: the destination the pseudo-header uses
        self.home_src = None        # Home Address option (RFC 6275): the source the pseudo-header uses
        self.jumbo = None
        self.frag_offset = 0        # in bytes
        self.frag_more = False
        self.frag_ident = 0


def add_address(node, name: str, label: str, buf, pos: int):
    """A 16-byte address field under `node`, shown as RFC 5952 text."""
    addr = bytes(buf[pos:pos + 16])
    return node.text(name, label, addr_to_str(addr), pos, 16, value=addr)


SRC_TEXT = replace(SRC, show=ADDR_TEXT.__getitem__)
DST_TEXT = replace(DST, show=ADDR_TEXT.__getitem__)


def has_jumbo(buf, pos: int, end: int) -> bool:
    """Does the Hop-by-Hop header at `pos` hold a Jumbo Payload option (what tshark looks for
    before it reads a payload length of 0 as a jumbogram's)?"""
    if pos + 2 > end:
        return False
    stop = min(end, pos + (buf[pos + 1] + 1) * 8)
    at = pos + 2
    while at < stop:
        if buf[at] == OPT_PAD1:
            at += 1
            continue
        if at + 1 >= stop:
            return False
        if buf[at] == OPT_JUMBO_TYPE and buf[at + 1] == 4:
            return True
        at += 2 + buf[at + 1]
    return False


def _fixed_rows(off: int, fields: tuple, jumbo: bool = False) -> tuple:
    vcf, plen, nxt, hlim, src, dst = fields
    tclass = (vcf >> 20) & 0xFF
    return ((VERSION, off, 6), (TCLASS, off, tclass, ((DSCP, off, tclass >> 2), (ECN, off, tclass & 3))),
            (FLOW, off + 1, vcf & 0xFFFFF), (PLEN_JUMBO if jumbo else PLEN, off + 4, plen), (NXT, off + 6, nxt),
            (HLIM, off + 7, hlim), (SRC_TEXT, off + 8, src), (DST_TEXT, off + 24, dst))


def _fixed_header(d, layer, buf, off: int, end: int):
    """Add the fields of the 40-byte header that were captured; the header's fields when all
    are there and sane, else None."""
    if end - off >= HEADER_LEN and buf[off] >> 4 == 6:
        fields = HEADER.unpack_from(buf, off)
        if d.tree:
            jumbo = not fields[1] and fields[2] == NEXTHDR_HOP and has_jumbo(buf, off + HEADER_LEN, end)
            layer._kids.append((_fixed_rows, off, fields, jumbo))
        return fields
    for f in (VERSION, TCLASS, FLOW, PLEN, NXT, HLIM, SRC, DST):
        if off + f.offset + f.size > end:
            d.short(layer, HEADER_LEN, end - off, "IPv6 header")
            return None
        if f in (SRC, DST):
            add_address(layer, f.name, f.label, buf, off + f.offset)
            continue
        node = layer.field(f, buf, off)
        if f is TCLASS:
            node.field(DSCP, buf, off)
            node.field(ECN, buf, off)
        elif f is VERSION and node.value != 6:
            d.problem(node, f"malformed: version {node.value}, not 6")
            d.info = d.info or "[Malformed Packet: bogus IPv6 version]"
            return None
    return HEADER.unpack_from(buf, off)


def _fits(d, node, pos: int, need: int, stop: int, end: int, what: str) -> bool:
    """Does a `need`-byte item at `pos` lie inside the payload (`stop`)? Mark the node when not."""
    if pos + need <= stop:
        return True
    if stop >= end:
        d.short(node, pos + need - node.offset, end - node.offset, what)
    else:
        d.problem(node, f"malformed: {what} runs past the payload length")
    return False


def _ext_common(node, prefix: str, buf, pos: int) -> int:
    """Next header and length (8-octet units beyond the first 8); returns the length in bytes."""
    node.text(f"{prefix}.nxt", "Next Header", show_nxt(buf[pos]), pos, 1, value=buf[pos])
    units = buf[pos + 1]
    node.text(f"{prefix}.len", "Length", str(units), pos + 1, 1, value=units)
    octets = (units + 1) * 8
    node.text(f"{prefix}.len_oct", "Length", f"{octets} bytes", pos + 1, 1, value=octets)
    return octets


def _option_kind(node, buf, pos: int) -> None:
    kind = node.field(OPT_TYPE, buf, pos)
    for f in (OPT_ACTION, OPT_CHANGE, OPT_REST):
        kind.field(f, buf, pos)


def _options(d, hdr, buf, pos: int, stop: int, chain: _Chain) -> None:
    """Walk the TLV options of a Hop-by-Hop or Destination Options header (every step advances)."""
    while pos < stop:
        kind = buf[pos]
        name = OPTION_NAMES.get(kind) or f"Unknown IPv6 Option ({kind})"
        if kind == OPT_PAD1:                # one byte, no length field
            opt = hdr.text("ipv6.opt", name, "", pos, 1)
            opt.field(OPT_TYPE, buf, pos)
            opt.text("ipv6.opt.pad1", "Pad1", "", pos, 1)
            pos += 1
            continue
        if pos + 2 > stop or pos + 2 + buf[pos + 1] > stop:
            opt = hdr.text("ipv6.opt", name, "", pos, stop - pos)
            d.problem(opt, f"malformed: option 0x{kind:02x} runs past its header")
            return
        length = buf[pos + 1]
        opt = hdr.text("ipv6.opt", name, "", pos, 2 + length)
        _option_kind(opt, buf, pos)
        opt.field(OPT_LEN, buf, pos)
        if _option_value(d, opt, buf, pos, kind, length, chain, stop) is False:
            return False
        pos += 2 + length
    return True


def _option_value(d, opt, buf, pos: int, kind: int, length: int, chain: _Chain, stop: int) -> bool:
    data = bytes(buf[pos + 2:pos + 2 + length])
    if kind == OPT_PADN:
        opt.text("ipv6.opt.padn", "PadN", data.hex(), pos + 2, length, value=data)
    elif kind == OPT_ROUTER_ALERT_TYPE and length == 2:
        opt.field(OPT_ROUTER_ALERT, buf, pos)
    elif kind == OPT_JUMBO_TYPE and length == 4:
        chain.jumbo = opt.field(OPT_JUMBO, buf, pos).value
    elif kind == OPT_HOME_ADDRESS_TYPE and length == 16:
        chain.home_src = add_address(opt, "ipv6.opt.mipv6.home_address", "MIPv6 Home Address", buf, pos + 2).value
    elif kind in EXPERIMENTAL:
        opt.text("ipv6.opt.experimental", "Experimental Option", data.hex(), pos + 2, length, value=data)
    elif kind == OPT_CALIPSO_TYPE:
        return _calipso(d, opt, buf, pos, length, stop)
    else:
        opt.text("ipv6.opt.unknown", "Unknown Option Payload", data.hex(), pos + 2, length, value=data)
    return True


CALIPSO = (F("ipv6.opt.calipso.doi", "CALIPSO Domain of Interpretation", 2, 4),
           F("ipv6.opt.calipso.cmpt.length", "Compartment Length", 6, 1),
           F("ipv6.opt.calipso.sens_level", "Sensitivity Level", 7, 1),
           F("ipv6.opt.calipso.checksum", "Checksum", 8, 2, show=lambda v: f"0x{v:04x}"))


def _calipso(d, opt, buf, pos: int, length: int, stop: int) -> bool:
    """CALIPSO (RFC 5570): domain, compartment length, sensitivity, checksum, the bitmap. A length
    under 8 ends the walk, as tshark's read past the option does (an exception once past the
    header, `stop`)."""
    if length < 8:
        for f in CALIPSO:
            if pos + f.offset + f.size > stop:
                break
            opt.field(f, buf, pos)
        quiet_problem(d, opt, f"malformed: CALIPSO option length {length} < 8")
        return False
    for f in CALIPSO:
        opt.field(f, buf, pos)
    if length > 8:
        data = bytes(buf[pos + 10:pos + 2 + length])
        opt.text("ipv6.opt.calipso.cmpt_bitmap", "Compartment Bitmap", data.hex(), pos + 10, len(data), value=data)
    return True


def quiet_problem(d, parent, text: str) -> None:
    """A problem noted as tshark's expert item under `parent`, which our tree leaves out (the
    lines stay tshark's)."""
    item = parent.add(Hidden("_ws.malformed", "Malformed Packet", None, parent.offset, 0, text="Malformed Packet"))
    node = item.add(Hidden("_ws.malformed", "Malformed Packet", None, parent.offset, 0, text="Malformed Packet"))
    d.problem(node, text)


def _hopopts(d, layer, buf, pos: int, stop: int, end: int, chain: _Chain):
    return _with_options(d, layer, "ipv6.hopopts", "IPv6 Hop-by-Hop Option", buf, pos, stop, end, chain)


def _dstopts(d, layer, buf, pos: int, stop: int, end: int, chain: _Chain):
    return _with_options(d, layer, "ipv6.dstopts", "Destination Options for IPv6", buf, pos, stop, end, chain)


def _with_options(d, layer, prefix, label, buf, pos, stop, end, chain):
    hdr = layer.text(prefix, label, "", pos, min(8, end - pos))
    if not _fits(d, hdr, pos, 2, stop, end, label):
        return None
    octets = _ext_common(hdr, prefix, buf, pos)
    hdr.length = min(octets, end - pos)
    if not _fits(d, hdr, pos, octets, stop, end, label):
        return None
    if _options(d, hdr, buf, pos + 2, pos + octets, chain) is False:
        if not d.locked:
            d.info = "IPv6 hop-by-hop options[Malformed Packet]" if prefix == "ipv6.hopopts" else "[Malformed Packet]"
        return None
    return octets


def _routing(d, layer, buf, pos: int, stop: int, end: int, chain: _Chain):
    label = "Routing Header for IPv6"
    hdr = layer.text("ipv6.routing", label, "", pos, min(8, end - pos))
    if not _fits(d, hdr, pos, 4, stop, end, label):
        return None
    octets = _ext_common(hdr, "ipv6.routing", buf, pos)
    kind = hdr.field(RT_TYPE, buf, pos).value
    hdr.label = f"{label} ({ROUTING_TYPE_NAMES.get(kind, 'Unknown')})"
    segleft = hdr.field(RT_SEGLEFT, buf, pos).value
    hdr.length = min(octets, end - pos)
    if not _fits(d, hdr, pos, octets, stop, end, label):
        return None
    final = ROUTING_TYPES.get(kind, _routing_unknown)(hdr, buf, pos, pos + octets)
    if segleft and final is not None:
        chain.final_dst = final
    return octets


def _routing_type0(hdr, buf, pos: int, stop: int):
    """Type 0 (deprecated by RFC 5095): reserved word, then the addresses still to visit."""
    add_raw(hdr, "ipv6.routing.src.reserved", "Reserved", buf, pos + 4, pos + 8)
    final = None
    for number, at in enumerate(range(pos + 8, stop - 15, 16), 1):
        final = add_address(hdr, "ipv6.routing.src.addr", f"Address[{number}]", buf, at).value
    return final


def _routing_type2(hdr, buf, pos: int, stop: int):
    """Type 2 (Mobile IPv6, RFC 6275): one home address."""
    add_raw(hdr, "ipv6.routing.mipv6.reserved", "Reserved", buf, pos + 4, pos + 8)
    if pos + 24 <= stop:
        return add_address(hdr, "ipv6.routing.mipv6.home_address", "Address[1]", buf, pos + 8).value
    return None


def _routing_srh(hdr, buf, pos: int, stop: int):
    """Type 4, Segment Routing (RFC 8754): the segment list; Segment List[0] is the final segment.

    TLVs after the list are shown raw.
    """
    last = hdr.field(SRH_LAST, buf, pos).value
    hdr.field(SRH_FLAGS, buf, pos)
    add_raw(hdr, "ipv6.routing.srh.tag", "Tag", buf, pos + 6, pos + 8)
    at, final = pos + 8, None
    for number in range(last + 1):
        if at + 16 > stop:
            break
        addr = add_address(hdr, "ipv6.routing.srh.addr", f"Address[{number}]", buf, at).value
        final = addr if final is None else final
        at += 16
    if at < stop:
        add_raw(hdr, "ipv6.routing.srh.tlvs", "TLVs", buf, at, stop)
    return final


def _routing_unknown(hdr, buf, pos: int, stop: int):
    add_raw(hdr, "ipv6.routing.unknown_data", "Type-specific data", buf, pos + 4, stop)
    return None


ROUTING_TYPES = {0: _routing_type0, 2: _routing_type2, 4: _routing_srh}


def add_raw(node, name: str, label: str, buf, start: int, stop: int):
    """Bytes shown as they are (colon-separated hex, as tshark shows FT_BYTES)."""
    data = bytes(buf[start:stop])
    return node.text(name, label, data.hex(), start, len(data), value=data)


FRAGMENT = F("ipv6.fraghdr", "Fragment Header for IPv6", 0, FRAG_HEADER_LEN, show=lambda v: v)


def _fragment_rows(pos: int, nxt: int, reserved: int, offset_more: int, ident: int) -> tuple:
    return ((FRAGMENT, pos, "Fragment Header for IPv6",
             ((FRAG_NXT, pos, nxt), (FRAG_RESERVED, pos + 1, reserved), (FRAG_OFFSET, pos + 2, offset_more >> 3),
              (FRAG_RESERVED_BITS, pos + 2, (offset_more >> 1) & 3), (FRAG_MORE, pos + 2, offset_more & 1),
              (FRAG_IDENT, pos + 4, ident))),)


def _fragment(d, layer, buf, pos: int, stop: int, end: int, chain: _Chain):
    label = "Fragment Header for IPv6"
    if pos + FRAG_HEADER_LEN > min(stop, end):
        hdr = layer.text("ipv6.fraghdr", label, "", pos, min(FRAG_HEADER_LEN, end - pos))
        _fits(d, hdr, pos, FRAG_HEADER_LEN, stop, end, label)
        return None
    nxt, reserved, offset_more, ident = FRAG_HEADER.unpack_from(buf, pos)
    if d.tree:
        layer.later(_fragment_rows, pos, nxt, reserved, offset_more, ident)
    chain.frag_offset, chain.frag_more, chain.frag_ident = offset_more & 0xFFF8, bool(offset_more & 1), ident
    return FRAG_HEADER_LEN


EXTENSION_HEADERS = {NEXTHDR_HOP: _hopopts, NEXTHDR_ROUTING: _routing,
                     NEXTHDR_FRAGMENT: _fragment, NEXTHDR_DEST: _dstopts}


def _walk_chain(d, layer, buf, pos: int, stop: int, end: int, nxt: int, chain: _Chain):
    """Walk the extension headers; returns (next header, offset after the chain) or None if broken.

    Every header is at least 8 bytes long, so the walk ends within the packet's bytes; like
    tshark, it sets no limit of its own on the chain's length."""
    while True:
        walker = EXTENSION_HEADERS.get(nxt)
        if walker is None:
            return nxt, pos
        length = walker(d, layer, buf, pos, stop, end, chain)
        if length is None:
            return None
        nxt = buf[pos]
        pos += length
        if chain.frag_offset:               # after a later fragment's header comes fragment data
            return nxt, pos


def layer_label(src: bytes, dst: bytes) -> str:
    return f"Internet Protocol Version 6, Src: {ADDR_TEXT[src]}, Dst: {ADDR_TEXT[dst]}"


def _summarise(d, src: bytes, dst: bytes) -> None:
    d.layers[-1]._text = (layer_label, src, dst)      # layer.label_from, inline
    if not d.locked:
        d.source, d.destination = ADDR_TEXT[src], ADDR_TEXT[dst]
        d.protocol = "IPv6"


@dissector("ethertype", 0x86DD)
@dissector("ip.proto", NEXTHDR_IPV6)
@dissector("ipv6.nxt", NEXTHDR_IPV6)
def dissect_ipv6(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("ipv6", "Internet Protocol Version 6", off, min(HEADER_LEN, max(end - off, 0)))
    fields = _fixed_header(d, layer, buf, off, end)
    if fields is None:
        return None
    _, plen, nxt, d.ipv6_hlim, src, dst = fields
    d.reported_ends[len(d.layers) - 1] = off + HEADER_LEN + plen
    _summarise(d, src, dst)
    d.net_src, d.net_dst = src, dst
    if nxt not in EXTENSION_HEADERS and plen:           # the everyday case: no chain to walk
        limit = off + HEADER_LEN + plen
        d.payload_complete = limit <= end
        if limit < end:
            d.claim(limit)
            end = limit
        if nxt == NEXTHDR_NONE and not d.locked:
            d.info = "IPv6 no next header"
        if off + HEADER_LEN >= end and not d.payload_complete:
            return None
        return ("ipv6.nxt", nxt, off + HEADER_LEN, end)
    jumbo_possible = plen == 0 and nxt == NEXTHDR_HOP
    if jumbo_possible and not has_jumbo(buf, off + HEADER_LEN, end):
        # tshark takes the payload length as it is, 0: the Hop-by-Hop header is past the packet
        hopopts = layer.add(Hidden("ipv6.hopopts", "IPv6 Hop-by-Hop Option", None, off + HEADER_LEN, 0, text=""))
        quiet_problem(d, hopopts, "malformed: payload length 0 without a Jumbo Payload option")
        if not d.locked:
            d.info = "Invalid IPv6 payload length , IPv6 hop-by-hop options[Malformed Packet]"
        return None
    limit = off + HEADER_LEN + plen
    chain = _Chain()
    walked = _walk_chain(d, layer, buf, off + HEADER_LEN, end if jumbo_possible else min(end, limit),
                         end, nxt, chain)
    if jumbo_possible and chain.jumbo is not None:
        limit = off + HEADER_LEN + chain.jumbo
    elif jumbo_possible:
        d.problem(layer, "malformed: payload length 0 without a Jumbo Payload option")
    if walked is None:
        return None
    nxt, pos = walked
    layer.length = pos - off
    limit = max(limit, pos)                 # a missing jumbo length must not make headers padding
    payload_end = min(end, limit)
    d.payload_complete = limit <= end and not chain.frag_more
    if limit < end:
        d.claim(limit)
    if chain.final_dst is not None or chain.home_src is not None:
        # the columns name the addresses the pseudo-header uses, the layer's label the header's
        d.net_src, d.net_dst = chain.home_src or src, chain.final_dst or dst
        d.moved_ends = {**(d.moved_ends or {}), len(d.layers) - 1: (d.net_src, d.net_dst)}
        if not d.locked:
            d.source, d.destination = ADDR_TEXT[d.net_src], ADDR_TEXT[d.net_dst]
    if chain.frag_offset:
        return _later_fragment(d, nxt, chain, buf, pos, payload_end)
    if nxt == NEXTHDR_NONE and not d.locked:
        d.info = "IPv6 no next header"
    if pos >= payload_end and not d.payload_complete:
        return None                         # cut (or quoted) right after the headers: nothing to show
    return ("ipv6.nxt", nxt, pos, payload_end)


RAW_DATA = F("data.data", "Data", 0, 0)


def _fragment_label(size: int) -> str:
    return f"IPv6 fragment ({size} bytes)"


def _fragment_data_rows(buf, pos: int, stop: int) -> tuple:
    return ((RAW_DATA, pos, buf[pos:stop], (), stop - pos),)


def _later_fragment(d, nxt: int, chain: _Chain, buf, pos: int, stop: int):
    """A fragment other than the first holds no upper-layer header: it is data."""
    d.summarise_later(d.protocol, fragment_info, chain.frag_offset, chain.frag_more, chain.frag_ident, nxt)
    if pos < stop:
        layer = d.layer("data", "IPv6 fragment", pos, stop - pos)
        layer.label_from(_fragment_label, stop - pos)
        if d.tree:
            layer.later(_fragment_data_rows, buf, pos, stop)
    return None


dissector("ipv6.nxt", NEXTHDR_IPV4)(dissect_ipv4)     # IPv4 in IPv6 (RFC 2473)
dissector("ipv6.nxt", NEXTHDR_ETHERNET)(dissect_ethernet)


@skimmer("ethertype", 0x86DD)
def skim_ipv6(s, off: int, end: int):
    """The fixed header, at most a Fragment header after it, and a payload length that fits."""
    if end - off < HEADER_LEN:
        return DECLINE
    vcf, plen, nxt, hlim, src, dst = HEADER.unpack_from(s.buf, off)
    limit = off + HEADER_LEN + plen
    if vcf >> 28 != 6 or not plen or limit > end:
        return DECLINE
    s.source, s.destination = ADDR_TEXT[src], ADDR_TEXT[dst]
    s.protocol = "IPv6"
    s.ipv6_hlim, s.net_src, s.net_dst = hlim, src, dst
    pos = off + HEADER_LEN
    if nxt == NEXTHDR_FRAGMENT:
        if limit - pos < FRAG_HEADER_LEN:
            return DECLINE
        following, _, offset_more, ident = FRAG_HEADER.unpack_from(s.buf, pos)
        pos += FRAG_HEADER_LEN
        s.complete = not offset_more & 1
        if offset_more & 0xFFF8:
            s.info = fragment_info(offset_more & 0xFFF8, offset_more & 1, ident, following)
            return None
        nxt = following
        if pos >= limit and not s.complete:
            return None
    following = NXT_SKIMMERS.get(nxt)
    return DECLINE if following is None else following(s, pos, limit)
