"""IPv4 header (RFC 791): offsets, validation and a builder."""
import socket
import struct
from dataclasses import replace

from .checksum import checksum, ones_sum
from .dissect import F, Hidden, dissector, named, row_node
from .skim import DECLINE, TextCache, skimmer, table
from .dsfield import dscp_text, dsfield_text, ecn_text
from .ipproto import IP_PROTOCOL_NAMES, show_protocol

HEADER = struct.Struct("!BBHHHBBH4s4s")
MIN_LEN = 20

# The header's fields, once: the fast path uses their offsets, dissection the whole definition.
VERSION = F("ip.version", "Version", 0, 1, mask=0xF0)
HDR_LEN = F("ip.hdr_len", "Header Length", 0, 1, mask=0x0F, show=lambda v: f"{v * 4} bytes ({v})")
# tshark reports the header length in bytes, the fragment offset in 8-byte units
DSFIELD = F("ip.dsfield", "Differentiated Services Field", 1, 1, show=dsfield_text)
DSCP = F("ip.dsfield.dscp", "Differentiated Services Codepoint", 1, 1, mask=0xFC, show=dscp_text)
ECN = F("ip.dsfield.ecn", "Explicit Congestion Notification", 1, 1, mask=0x03, show=ecn_text)
TOTAL_LEN = F("ip.len", "Total Length", 2, 2)
IDENT = F("ip.id", "Identification", 4, 2, show=lambda v: f"0x{v:04x} ({v})")
FLAGS = F("ip.flags", "Flags", 6, 1, mask=0xE0,
          show=lambda v: ", ".join([f"0x{v:x}"] + [name for bit, name in ((4, "Reserved bit"), (2, "Don't fragment"),
                                                                          (1, "More fragments")) if v & bit]))
FLAG_RB = F("ip.flags.rb", "Reserved bit", 6, 1, mask=0x80)
FLAG_DF_F = F("ip.flags.df", "Don't fragment", 6, 1, mask=0x40)
FLAG_MF_F = F("ip.flags.mf", "More fragments", 6, 1, mask=0x20)
FRAG_OFFSET = F("ip.frag_offset", "Fragment Offset", 6, 2, mask=0x1FFF)
TTL = F("ip.ttl", "Time to Live", 8, 1)
PROTO = F("ip.proto", "Protocol", 9, 1)
CHECKSUM = F("ip.checksum", "Header Checksum", 10, 2, show=lambda v: f"0x{v:04x}")
SRC = F("ip.src", "Source Address", 12, 4)
DST = F("ip.dst", "Destination Address", 16, 4)

OFF_TOTLEN = TOTAL_LEN.offset
OFF_ID = IDENT.offset
OFF_FRAG = FRAG_OFFSET.offset
OFF_TTL = TTL.offset
OFF_PROTO = PROTO.offset
OFF_CSUM = CHECKSUM.offset
OFF_SRC = SRC.offset
OFF_DST = DST.offset

FLAG_DF = 0x4000
FLAG_MF = 0x2000
FRAG_MASK = 0x1FFF

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17

LIMITED_BROADCAST = b"\xff\xff\xff\xff"
ANY = b"\x00\x00\x00\x00"


def validate(buf, off: int, end: int):
    """Check a received header as ip_rcv_core does.

    Returns (ihl, total_length) or a tuple (reason, mib) naming the drop
    reason and the Ip MIB counter to bump.
    """
    avail = end - off
    if avail < MIN_LEN:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    vihl = buf[off]
    ihl = (vihl & 15) << 2
    if vihl >> 4 != 4 or ihl < MIN_LEN:
        return ("IP_INHDR", "InHdrErrors")
    if avail < ihl:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    if ones_sum(buf[off:off + ihl]) != 0xFFFF:
        return ("IP_CSUM", "InCsumErrors")
    total = (buf[off + 2] << 8) | buf[off + 3]
    if total > avail:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    if total < ihl:
        return ("IP_INHDR", "InHdrErrors")
    return ihl, total


def write_header(buf, off: int, total_length: int, ident: int, flags_frag: int,
                 ttl: int, proto: int, src: bytes, dst: bytes, tos: int = 0) -> None:
    """Write a 20-byte header with its checksum at buf[off:off+20]."""
    HEADER.pack_into(buf, off, 0x45, tos, total_length, ident, flags_frag, ttl, proto, 0, src, dst)
    csum = checksum(buf[off:off + MIN_LEN])
    buf[off + 10] = csum >> 8
    buf[off + 11] = csum & 0xFF


def addr_to_str(addr) -> str:
    return socket.inet_ntoa(bytes(addr))


def addr_from_str(text: str) -> bytes:
    """Dotted quad to 4 bytes; ValueError on anything else (no shorthand like 10.1)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        raise ValueError("expected a dotted-quad IPv4 address")
    return bytes(int(p) for p in parts)


def mask(prefixlen: int) -> int:
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF if prefixlen else 0


def to_int(addr) -> int:
    return int.from_bytes(addr, "big")


def from_int(value: int) -> bytes:
    return value.to_bytes(4, "big")


# --- dissection ------------------------------------------------------------------

PROTO_NAMES = {1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE", 50: "ESP",
               51: "AH", 58: "ICMPv6", 89: "OSPF", 132: "SCTP"}
# tshark's names of the options (the option line) and of their numbers (the Type's low bits)
OPTION_NAMES = {0: "End of Options List (EOL)", 1: "No-Operation (NOP)", 7: "Record Route", 11: "MTU Probe",
                12: "MTU Reply", 25: "Quick-Start", 68: "Time Stamp", 82: "Traceroute", 130: "Security",
                131: "Loose Source Route", 133: "Extended Security", 134: "Commercial Security", 136: "Stream ID",
                137: "Strict Source Route", 148: "Router Alert", 149: "Selective Directed Broadcast"}
NUMBER_NAMES = {0: "End of Option List (EOL)", 1: "No-Operation (NOP)", 2: "Security", 3: "Loose source route",
                4: "Time stamp", 5: "Extended security", 6: "Commercial IP security option", 7: "Record route",
                8: "Stream identifier", 9: "Strict source route", 11: "MTU probe", 12: "MTU Reply",
                18: "Traceroute", 20: "Router Alert", 21: "Selective Directed Broadcast", 25: "Quick-Start"}
OPTION_MIN_LENGTHS = {7: 3, 131: 3, 137: 3, 68: 4}    # route options hold a pointer, time stamps a flag too


def fragment_info(proto: int, offset_bytes: int, ident: int) -> str:
    """tshark's Info for an IPv4 fragment it does not dissect ("proto=ICMP 1", no parentheses)."""
    name = IP_PROTOCOL_NAMES.get(proto, "Unknown")
    return f"Fragmented IP protocol (proto={name} {proto}, off={offset_bytes}, ID={ident:04x})"


ADDR_TEXT = TextCache(addr_to_str)
PROTO_SKIMMERS = table("ip.proto")


OPT_TYPE = F("ip.opt.type", "Type", 0, 1)
OPT_COPY = F("ip.opt.type.copy", "Copy on fragmentation", 0, 1, mask=0x80, show=lambda v: "Yes" if v else "No")
OPT_CLASSES = ("Control", "Reserved for future use", "Debugging and measurement", "Reserved for future use")
OPT_CLASS = F("ip.opt.type.class", "Class", 0, 1, mask=0x60, show=lambda v: f"{OPT_CLASSES[v]} ({v})")
OPT_NUMBER = F("ip.opt.type.number", "Number", 0, 1, mask=0x1F,
               show=named(NUMBER_NAMES))
OPT_LEN = F("ip.opt.len", "Length", 1, 1)
OPT_RA = F("ip.opt.ra", "Router Alert", 2, 2,
           show=lambda v: "Router shall examine packet (0)" if v == 0 else f"Unknown ({v})")


def _options(d, layer, buf, start: int, end: int) -> None:
    """The options as tshark lays them out: a line for each, its Type's bits, its Length; an
    option that does not fit ends the walk with tshark's note in its place."""
    opts = layer.text("ip.options", f"Options: ({end - start} bytes)", "", start, end - start)
    names = []
    pos = start
    while pos < end:
        kind = buf[pos]
        name = OPTION_NAMES.get(kind)
        if kind in (0, 1):
            _option_type(opts.text("ip.opt", f"IP Option - {name}", "", pos, 1), buf, pos)
            pos += 1
            if kind == 0:
                break
            continue
        name = name or f"Unknown (0x{kind:02x})"
        length = buf[pos + 1] if pos + 1 < end else None
        if length is None or length < 2 or pos + length > end:
            note = ("length byte past end of options" if length is None
                    else f"with too-short option length = {length} bytes" if length < 2
                    else f"option length = {length} bytes says option goes past end of options")
            d.problem(opts.text("ip.opt", f"{name} ({note})", "", pos, end - pos),
                      f"malformed: option {kind} runs past the header")
            break
        if kind not in OPTION_NAMES:
            opts.text("ip.opt", f"{name} ({length} bytes)", "", pos, length)
            pos += length
            continue
        option = opts.text("ip.opt", f"IP Option - {name} ({length} bytes)", "", pos, length)
        _option_type(option, buf, pos)
        option.field(OPT_LEN, buf, pos)
        if kind == 148 and length == 4:
            alert = option.field(OPT_RA, buf, pos)
            if d.tree:
                option.label += f": {alert.display}"
        if length < OPTION_MIN_LENGTHS.get(kind, 2):
            d.problem(option, f"malformed: option {kind} length {length} is too short")
            break
        names.append(name)
        pos += length
    if d.tree:
        opts.label = ", ".join([opts.label] + names)


def _option_type(option, buf, pos: int) -> None:
    kind = option.field(OPT_TYPE, buf, pos)
    for f in (OPT_COPY, OPT_CLASS, OPT_NUMBER):
        kind.field(f, buf, pos)


# How the tree shows what the fast path reads
HDR_LEN_BYTES = replace(HDR_LEN, show=lambda v: f"{v} bytes ({v // 4})")      # its value in bytes, as tshark's
FRAG_OFFSET_UNITS = replace(FRAG_OFFSET, show=lambda v: str(v * 8))      # in 8-byte units, shown in bytes
PROTO_NAMED = replace(PROTO, show=show_protocol)
SRC_TEXT = replace(SRC, show=ADDR_TEXT.__getitem__)
DST_TEXT = replace(DST, show=ADDR_TEXT.__getitem__)
CSUM_STATUS = F("ip.checksum.status", "Header checksum status", 10, 2, show=("Bad", "Good", "Unverified").__getitem__)
CSUM_UNVERIFIED = 2
CHECKSUM_UNCHECKED = replace(CHECKSUM, show=lambda v: f"0x{v:04x} [validation disabled]")
CHECKSUM_CORRECT = replace(CHECKSUM, show=lambda v: f"0x{v:04x} [correct]")
CALCULATED = F("ip.checksum_calculated", "Calculated Checksum", 10, 2, show=lambda v: f"0x{v:04x}")


def layer_label(src: bytes, dst: bytes) -> str:
    return f"Internet Protocol Version 4, Src: {ADDR_TEXT[src]}, Dst: {ADDR_TEXT[dst]}"


def _fixed_rows(off: int, fields: tuple, checked: bool, good, calculated: int | None = None) -> tuple:
    """The fixed header's rows; the checksum's status and, when verified, the checksum it
    should be (`calculated`) follow it, as tshark lists them."""
    vihl, tos, total, ident, frag, ttl, proto, csum, src, dst = fields
    flags = frag >> 13
    return ((VERSION, off, vihl >> 4), (HDR_LEN_BYTES, off, (vihl & 15) * 4),
            (DSFIELD, off + 1, tos, ((DSCP, off + 1, tos >> 2), (ECN, off + 1, tos & 3))),
            (TOTAL_LEN, off + 2, total), (IDENT, off + 4, ident),
            (FLAGS, off + 6, flags, ((FLAG_RB, off + 6, flags >> 2), (FLAG_DF_F, off + 6, flags >> 1 & 1),
                                     (FLAG_MF_F, off + 6, flags & 1))),
            (FRAG_OFFSET_UNITS, off + 6, frag & FRAG_MASK), (TTL, off + 8, ttl), (PROTO_NAMED, off + 9, proto),
            (CHECKSUM_UNCHECKED if good is None else CHECKSUM_CORRECT if good else CHECKSUM, off + 10, csum),
            *(((CSUM_STATUS, off + 10, CSUM_UNVERIFIED if good is None else int(good)),) if checked else ()),
            *(((CALCULATED, off + 10, calculated),) if calculated is not None else ()),
            (SRC_TEXT, off + 12, src), (DST_TEXT, off + 16, dst))


def _quiet_problem(d, parent, text: str, name: str = "ip.bogus_ip_length", label: str = "Bogus IP length") -> None:
    """A problem noted as tshark's expert item (`name`) under `parent`, which our tree leaves out
    (the item's line is tshark's expert info): the lines stay tshark's."""
    node = parent.add(Hidden(name, label, None, parent.offset, 0, text=""))
    d.problem(node, text)


def _bogus(d, layer, buf, off: int, end: int, fields: tuple):
    """A header tshark gives up on: a version other than 4 (6 is read as IPv6 instead), a header
    length under 20 bytes, a total length under the header's. It shows the fields up to the bad
    one, the layer unlabelled by addresses."""
    vihl, tos, total = fields[:3]
    version, ihl = vihl >> 4, (vihl & 15) * 4
    node = layer.field(VERSION, buf, off)
    layer.length = 1 if version != 4 or ihl < MIN_LEN else 4      # what it shows: no address is read
    if not d.locked:
        d.protocol = "IPv4"
    if version != 4:
        _quiet_problem(d, node, f"malformed: bogus IPv4 version {version}", "ip.bogus_ip_version", "Bogus IP version")
        if version == 6:
            return ("ethertype", 0x86DD, off, end)
        d.info = d.info or f"Bogus IPv4 version ({version}, must be 4)"
        return None
    node = layer.field(HDR_LEN_BYTES, buf, off, show=lambda v: f"{v * 4} bytes ({v})")
    if ihl < MIN_LEN:
        _quiet_problem(d, node, f"malformed: header length {ihl} < 20", "ip.bogus_header_length",
                       "Bogus IP header length")
        d.info = d.info or f"Bogus IP header length ({ihl}, must be at least {MIN_LEN})"
        return None
    dsfield = layer.field(DSFIELD, buf, off)
    dsfield.field(DSCP, buf, off)
    dsfield.field(ECN, buf, off)
    node = layer.field(TOTAL_LEN, buf, off, show=lambda v: f"{v} bytes (bogus, less than header length {ihl})")
    _quiet_problem(d, node, f"malformed: total length {total} < header length {ihl}")
    d.info = d.info or f"Bogus IP length ({total}, less than header length {ihl})"
    return None


@dissector("ethertype", 0x0800)
@dissector("ip.proto", 4)               # IPv4 in IPv4 (RFC 2003)
def dissect_ipv4(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("ip", "Internet Protocol Version 4", off, min(MIN_LEN, end - off))
    if end - off < MIN_LEN:
        d.short(layer, MIN_LEN, end - off, "IPv4 header")
        return None
    fields = HEADER.unpack_from(buf, off)
    vihl, _, total, ident, frag, ttl, proto, _, src, dst = fields
    version, ihl = vihl >> 4, (vihl & 15) * 4
    if total == 0 and version == 4:
        # segmentation offload (TSO, BIG TCP) hands the capture a datagram whose length is
        # not written: its length is the frame's, as tshark presumes
        total = end - off + (d.orig_len - d.length if end == d.length else 0)
        fields = fields[:2] + (total,) + fields[3:]
    if version != 4 or ihl < MIN_LEN or total < ihl:
        return _bogus(d, layer, buf, off, end, fields)
    checked = version == 4 and ihl >= MIN_LEN and ihl <= end - off
    if not d.checksums:
        good = None                         # unverified, as tshark's ip.check_checksum FALSE
    elif checked:   # ones_sum(header) == 0xFFFF, inline: an even length, at most 60 bytes, needs no fold
        whole = int.from_bytes(buf[off:off + ihl], "big")
        good = whole % 0xFFFF == 0 and whole != 0
    else:
        good = False
    bad_csum = calculated = None
    if checked and good is not None:        # the checksum the header should carry
        calculated = checksum(buf[off:off + 10] + b"\0\0" + buf[off + 12:off + ihl])
    if checked and good is False:           # a node of its own, to carry the problem
        rows = _fixed_rows(off, fields, checked, good, calculated)
        bad_csum = row_node(*rows[9])
        bad_csum._text = f"0x{fields[7]:04x} [incorrect, should be 0x{calculated:04x}]"
        layer.put(rows[:9] + (bad_csum,) + rows[10:])
    elif d.tree:
        layer._kids.append((_fixed_rows, off, fields, checked, good, calculated))
    if d.ip_ttl is None:
        d.ip_ttl = ttl
    d.net_src, d.net_dst = src, dst
    if not d.locked:                    # a packet quoted in an ICMP error keeps the error's columns
        d.source, d.destination = ADDR_TEXT[src], ADDR_TEXT[dst]
        d.protocol = "IPv4"
    layer._text = (layer_label, src, dst)           # layer.label_from, inline
    if ihl != MIN_LEN:                      # version 4, ihl > 20 and total >= ihl: _bogus took the rest
        layer.length = min(ihl, end - off)
        if d.short(layer, ihl, end - off, "IPv4 header with options"):
            return None
    if bad_csum is not None:
        d.problem(bad_csum, "bad checksum")
    if ihl > MIN_LEN:
        _options(d, layer, buf, off + MIN_LEN, off + ihl)
    stop = off + total
    d.reported_ends[len(d.layers) - 1] = stop
    fragment = frag & (FLAG_MF | FRAG_MASK)
    if stop > end:
        if not d.cut:
            _quiet_problem(d, layer, f"malformed: IPv4 total length exceeds packet length ({end - off} bytes)")
        d.payload_complete = False
    else:
        # an L4 checksum covers the whole datagram: not checkable in one fragment of it
        d.payload_complete = not fragment
        if stop < end:
            d.claim(stop)
            end = stop
    if fragment:
        d.default_info(fragment_info, proto, (frag & FRAG_MASK) * 8, ident)
        if frag & FRAG_MASK:
            return None
    return ("ip.proto", proto, off + ihl, end)


@skimmer("ethertype", 0x0800)
def skim_ipv4(s, off: int, end: int):
    """A 20-byte header (no options) whose total length fits what was captured."""
    if end - off < MIN_LEN:
        return DECLINE
    vihl, _, total, ident, frag, ttl, proto, _, src, dst = HEADER.unpack_from(s.buf, off)
    if vihl != 0x45 or total < MIN_LEN or off + total > end:
        return DECLINE
    s.source, s.destination = ADDR_TEXT[src], ADDR_TEXT[dst]
    s.protocol = "IPv4"
    s.ip_ttl, s.net_src, s.net_dst = ttl, src, dst
    if frag & (FLAG_MF | FRAG_MASK):
        s.complete = False
        s.info = fragment_info(proto, (frag & FRAG_MASK) * 8, ident)
        if frag & FRAG_MASK:
            return None
    following = PROTO_SKIMMERS.get(proto)
    return DECLINE if following is None else following(s, off + MIN_LEN, off + total)
