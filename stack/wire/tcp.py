"""TCP header (RFC 9293): offsets, flag bits, a builder, and dissection with options.

Sequence and acknowledgment numbers are shown raw (tcp.seq_raw, tcp.ack_raw).
tshark's tcp.seq/tcp.ack are relative to the connection's first sequence
number, which needs per-conversation state this dissector does not keep (yet);
the Info column therefore matches tshark run with
`-o tcp.relative_sequence_numbers:FALSE`.
"""
import struct

from .checksum import checksum
from .dissect import F, Node, dissector
from .skim import DECLINE, skimmer
from .udp import (CSUM_BAD, CSUM_GOOD, CSUM_UNVERIFIED, calculated_checksum, checksum_status, next_port,
                  pseudo_header_sum, reported_end, skim_next, verify)

# source port, destination port, seq, ack, data offset + flags, window, checksum, urgent pointer
HEADER = struct.Struct("!HHIIHHHH")
HEADER_LEN = 20
MAX_HEADER_LEN = 60
PROTO_TCP = 6

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE = 0x001, 0x002, 0x004, 0x008, 0x010, 0x020, 0x040, 0x080, 0x100
FLAGS_MASK = 0x0FFF
RESERVED = 0x0E00


def _hex(width: int):
    return lambda value: f"0x{value:0{width}x}"


SRCPORT = F("tcp.srcport", "Source Port", 0, 2)
DSTPORT = F("tcp.dstport", "Destination Port", 2, 2)
SEQ_RAW = F("tcp.seq_raw", "Sequence Number (raw)", 4, 4)
ACK_RAW = F("tcp.ack_raw", "Acknowledgment number (raw)", 8, 4)
HDR_LEN = F("tcp.hdr_len", "Header Length", 12, 1, mask=0xF0, show=lambda v: f"{v * 4} bytes ({v})")
FLAGS = F("tcp.flags", "Flags", 12, 2, mask=FLAGS_MASK, show=_hex(3))
FLAG_RES = F("tcp.flags.res", "Reserved", 12, 2, mask=RESERVED)   # shown as one boolean, as tshark does
FLAG_FIELDS = (
    F("tcp.flags.ae", "Accurate ECN", 12, 2, mask=AE),
    F("tcp.flags.cwr", "Congestion Window Reduced", 12, 2, mask=CWR),
    F("tcp.flags.ece", "ECN-Echo", 12, 2, mask=ECE),
    F("tcp.flags.urg", "Urgent", 12, 2, mask=URG),
    F("tcp.flags.ack", "Acknowledgment", 12, 2, mask=ACK),
    F("tcp.flags.push", "Push", 12, 2, mask=PSH),
    F("tcp.flags.reset", "Reset", 12, 2, mask=RST),
    F("tcp.flags.syn", "Syn", 12, 2, mask=SYN),
    F("tcp.flags.fin", "Fin", 12, 2, mask=FIN),
)
WINDOW = F("tcp.window_size_value", "Window", 14, 2)
CHECKSUM = F("tcp.checksum", "Checksum", 16, 2, show=_hex(4))
URGENT = F("tcp.urgent_pointer", "Urgent Pointer", 18, 2)

OFF_SEQ = SEQ_RAW.offset
OFF_ACK = ACK_RAW.offset
OFF_FLAGS = FLAGS.offset
OFF_WINDOW = WINDOW.offset
OFF_CSUM = CHECKSUM.offset


def write_header(buf, off: int, sport: int, dport: int, seq: int, ack: int, flags: int,
                 window: int, csum: int = 0, urgent: int = 0, hdr_len: int = HEADER_LEN) -> None:
    """Write the fixed 20 bytes; options (hdr_len - 20 bytes) are the caller's to fill."""
    HEADER.pack_into(buf, off, sport, dport, seq, ack, (hdr_len // 4) << 12 | (flags & FLAGS_MASK),
                     window, csum, urgent)


def fill_checksum(buf, off: int, length: int, src, dst) -> None:
    """Compute and store the checksum of the segment at buf[off:off+length]."""
    buf[off + OFF_CSUM:off + OFF_CSUM + 2] = b"\0\0"
    csum = checksum(buf[off:off + length], pseudo_header_sum(src, dst, PROTO_TCP, length))
    buf[off + OFF_CSUM:off + OFF_CSUM + 2] = csum.to_bytes(2, "big")


# --- dissection ------------------------------------------------------------------

# Info column names, in tshark's order (lowest bit first)
FLAG_NAMES = ((FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"), (URG, "URG"),
              (ECE, "ECE"), (CWR, "CWR"), (AE, "AE"))
FLAG_LETTERS = "RRRACEUAPRSF"          # tcp.flags.str, highest bit first

OPT_EOL, OPT_NOP, OPT_MSS, OPT_WSCALE, OPT_SACK_PERM, OPT_SACK, OPT_TIMESTAMP, OPT_TFO = 0, 1, 2, 3, 4, 5, 8, 34
OPT_ACCECN0, OPT_ACCECN1, OPT_EXP1, OPT_EXP2 = 172, 174, 253, 254
EXID_TFO, EXID_ACCECN0, EXID_ACCECN1 = 0xF989, 0xACC0, 0xACC1      # RFC 6994 experiment identifiers
ACCECN_ORDER = {0: ("ee0b", "eceb", "ee1b"), 1: ("ee1b", "eceb", "ee0b")}
OPTION_NAMES = {OPT_EOL: ("tcp.options.eol", "End of Option List (EOL)"),
                OPT_NOP: ("tcp.options.nop", "No-Operation (NOP)"),
                OPT_MSS: ("tcp.options.mss", "Maximum segment size"),
                OPT_WSCALE: ("tcp.options.wscale", "Window scale"),
                OPT_SACK_PERM: ("tcp.options.sack_perm", "SACK permitted"),
                OPT_SACK: ("tcp.options.sack", "SACK"),
                OPT_TIMESTAMP: ("tcp.options.timestamp", "Timestamps"),
                OPT_TFO: ("tcp.options.tfo", "TCP Fast Open"),
                OPT_ACCECN0: ("tcp.options.acc_ecn", "Accurate ECN Order 0"),
                OPT_ACCECN1: ("tcp.options.acc_ecn", "Accurate ECN Order 1"),
                OPT_EXP1: ("tcp.options.experimental", "RFC3692-style Experiment 1"),
                OPT_EXP2: ("tcp.options.experimental", "RFC3692-style Experiment 2")}
OPTION_LENGTHS = {OPT_MSS: (4,), OPT_WSCALE: (3,), OPT_SACK_PERM: (2,), OPT_TIMESTAMP: (10,),
                  OPT_SACK: (10, 18, 26, 34)}


_FLAGS_TEXT: dict[int, str] = {}


def flags_text(flags: int) -> str:
    text = _FLAGS_TEXT.get(flags)
    if text is None:
        names = [name for bit, name in FLAG_NAMES if flags & bit] + (["Reserved"] if flags & RESERVED else [])
        text = _FLAGS_TEXT[flags] = ", ".join(names) if names else "<None>"
    return text


def head_text(sport: int, dport: int, flags: int, seq: int, ack: int, window: int) -> str:
    """The start of the Info column: ports, flags, numbers, window."""
    return (f"{sport} \u2192 {dport} [{flags_text(flags)}] Seq={seq}" + (f" Ack={ack}" if flags & ACK else "")
            + f" Win={window}")


def info_text(head: str, bad_checksum: bool, flags: int, urgent: int, seg_len: int) -> str:
    return (head + (" [TCP CHECKSUM INCORRECT]" if bad_checksum else "")
            + (f" Urg={urgent}" if flags & URG else "") + f" Len={seg_len}")


def _sack_word(buf, pos: int, length: int) -> str:
    return " ".join(f"SLE={_u(buf, edge, 4)} SRE={_u(buf, edge + 4, 4)}" for edge in range(pos + 2, pos + length, 8))


_U16, _TWO_U32 = struct.Struct("!H"), struct.Struct("!II")


def _timestamps_word(buf, pos: int, length: int) -> str:
    tsval, tsecr = _TWO_U32.unpack_from(buf, pos + 2)
    return f"TSval={tsval} TSecr={tsecr}"


# Info words of the everyday options (the others' words come from their own walkers)
OPTION_WORDS = {
    OPT_MSS: lambda buf, pos, length: f"MSS={_U16.unpack_from(buf, pos + 2)[0]}",
    OPT_WSCALE: lambda buf, pos, length: f"WS={1 << min(buf[pos + 2], 14)}",
    OPT_SACK_PERM: lambda buf, pos, length: "SACK_PERM",
    OPT_SACK: _sack_word,
    OPT_TIMESTAMP: _timestamps_word,
}


def flags_str(flags: int) -> str:
    return "".join(letter if flags & (0x800 >> i) else "\u00b7" for i, letter in enumerate(FLAG_LETTERS))


def _u(buf, off: int, size: int) -> int:
    return int.from_bytes(buf[off:off + size], "big")


def _option_fields(opt: Node, buf, kind: int, pos: int, length: int, info: list) -> None:
    """The fields inside one well-formed option, and its words for the Info column."""
    def num(name, label, off, size):
        value = _u(buf, off, size)
        opt.add(Node(name, label, value, off, size))
        return value

    if kind in OPTION_WORDS:
        info.append(OPTION_WORDS[kind](buf, pos, length))
    if kind == OPT_MSS:
        num("tcp.options.mss_val", "MSS Value", pos + 2, 2)
    elif kind == OPT_WSCALE:
        shift = num("tcp.options.wscale.shift", "Shift count", pos + 2, 1)
        opt.add(Node("tcp.options.wscale.multiplier", "Multiplier", 1 << min(shift, 14), pos + 2, 1))
    elif kind == OPT_SACK:
        for edge in range(pos + 2, pos + length, 8):
            num("tcp.options.sack_le", "TCP SACK Left Edge", edge, 4)
            num("tcp.options.sack_re", "TCP SACK Right Edge", edge + 4, 4)
        opt.add(Node("tcp.options.sack.count", "TCP SACK Count", (length - 2) // 8, pos, length))
    elif kind == OPT_TIMESTAMP:
        num("tcp.options.timestamp.tsval", "Timestamp value", pos + 2, 4)
        num("tcp.options.timestamp.tsecr", "Timestamp echo reply", pos + 6, 4)
    elif kind == OPT_TFO:
        _tfo(opt, buf, pos + 2, pos + length, info)
    elif kind in (OPT_ACCECN0, OPT_ACCECN1):
        _accecn(opt, buf, pos + 2, pos + length, kind == OPT_ACCECN1, info)
    elif kind in (OPT_EXP1, OPT_EXP2) and length >= 4:
        _experimental(opt, buf, pos, length, info)
    elif length > 2:
        opt.add(Node("tcp.options.unknown.payload", "Payload", bytes(buf[pos + 2:pos + length]),
                     pos + 2, length - 2))


def _tfo(opt: Node, buf, start: int, end: int, info: list) -> None:
    """TCP Fast Open (RFC 7413): an empty cookie is a request."""
    if end > start:
        opt.add(Node("tcp.options.tfo.cookie", "Fast Open Cookie", bytes(buf[start:end]), start, end - start))
        info.append("TFO=C")
    else:
        opt.add(Node("tcp.options.tfo.request", "Fast Open Cookie Request", "", start, 0))
        info.append("TFO=R")


def _accecn(opt: Node, buf, start: int, end: int, order1: bool, info: list) -> None:
    """AccECN byte counters, 24 bits each, in the option's order."""
    for name, at in zip(ACCECN_ORDER[order1], range(start, end - 2, 3)):
        value = _u(buf, at, 3)
        opt.add(Node(f"tcp.options.acc_ecn.{name}", f"Accurate ECN Echo {name.upper()} Counter", value, at, 3))
        info.append(f"{name.upper()}={value}")


def _experimental(opt: Node, buf, pos: int, length: int, info: list) -> None:
    """RFC 6994 shared experimental option: a 16-bit ExID, then the experiment's data."""
    exid = _u(buf, pos + 2, 2)
    opt.add(Node("tcp.options.experimental.exid", "Experiment Identifier", exid, pos + 2, 2, show=_hex(4)))
    if exid == EXID_TFO:
        _tfo(opt, buf, pos + 4, pos + length, info)
    elif exid in (EXID_ACCECN0, EXID_ACCECN1):
        _accecn(opt, buf, pos + 4, pos + length, exid == EXID_ACCECN1, info)
    else:
        info.append(f"ExID={exid:X}")
        if length > 4:
            opt.add(Node("tcp.options.experimental.data", "Data", bytes(buf[pos + 4:pos + length]), pos + 4,
                         length - 4))


def _options(d, layer: Node, buf, start: int, end: int, captured: int, info: list) -> None:
    """The options in buf[start:end], of which those before `captured` are there to read."""
    stop = min(end, captured)
    opts = layer.add(Node("tcp.options", f"Options: ({end - start} bytes)", bytes(buf[start:stop]),
                          start, stop - start))
    pos = start
    while pos < stop:
        kind = buf[pos]
        name, label = OPTION_NAMES.get(kind, ("tcp.options.unknown", f"Unknown (kind {kind})"))
        if kind in (OPT_EOL, OPT_NOP):
            opt = opts.add(Node(name, f"TCP Option - {label}", bytes(buf[pos:pos + 1]), pos, 1))
            opt.add(Node("tcp.option_kind", "Kind", kind, pos, 1))
            pos += 1
            if kind == OPT_EOL and pos < stop and buf[pos]:
                break                   # after EOL only zero padding is read (as more EOLs, like tshark)
            continue
        length = buf[pos + 1] if pos + 1 < stop else 0
        if pos + 1 < stop and (length < 2 or pos + length > end
                               or length not in OPTION_LENGTHS.get(kind, (length,))):
            d.problem(opts, f"malformed: option {kind} length {length}"
                      + (" runs past the header" if pos + length > end else " is invalid"))
            return
        have = min(pos + max(length, 1), stop)
        opt = opts.add(Node(name, f"TCP Option - {label}", bytes(buf[pos:have]), pos, have - pos))
        opt.add(Node("tcp.option_kind", "Kind", kind, pos, 1))
        if pos + 1 < stop:
            opt.add(Node("tcp.option_len", "Length", length, pos + 1, 1))
        if pos + max(length, 2) > stop:
            return                      # cut by the snap length: the layer says so already
        _option_fields(opt, buf, kind, pos, length, info)
        pos += length


def _checksum(d, layer: Node, off: int, end: int, hdr_len: int) -> int:
    """Add the checksum field and its status; returns the status."""
    if d.net_src is None or not d.payload_complete or end - off < hdr_len:
        status = CSUM_UNVERIFIED
    else:
        status = CSUM_GOOD if verify(d.buf, off, end - off, d.net_src, d.net_dst, PROTO_TCP) else CSUM_BAD
    calculated = None
    if status in (CSUM_GOOD, CSUM_BAD):
        calculated = calculated_checksum(d.buf, off, end - off, d.net_src, d.net_dst, PROTO_TCP, OFF_CSUM)
    checksum_status(d, layer.field(CHECKSUM, d.buf, off), status, off + OFF_CSUM, "tcp", calculated)
    return status


def _flags(layer: Node, buf, off: int, flags: int) -> None:
    node = layer.field(FLAGS, buf, off)
    node.add(Node(FLAG_RES.name, FLAG_RES.label, int(bool(flags & RESERVED)), off + 12, 2, RESERVED))
    for f in FLAG_FIELDS:
        node.field(f, buf, off)
    node.add(Node("tcp.flags.str", "TCP Flags", flags_str(flags), off + 12, 2))


def _numbers(layer: Node, buf, off: int, hdr_len: int, seg_len: int) -> Node:
    """Ports, segment length, sequence numbers and header length (what even a bogus header shows)."""
    layer.field(SRCPORT, buf, off)
    layer.field(DSTPORT, buf, off)
    layer.add(Node("tcp.len", "TCP Segment Len", seg_len, off, 0))
    layer.field(SEQ_RAW, buf, off)
    if hdr_len >= HEADER_LEN:
        layer.field(ACK_RAW, buf, off)
    return layer.add(Node(HDR_LEN.name, HDR_LEN.label, hdr_len, off + 12, 1, HDR_LEN.mask,
                          lambda v: f"{v} bytes ({v // 4})"))


@dissector("ip.proto", PROTO_TCP)
@dissector("ipv6.nxt", PROTO_TCP)
def dissect_tcp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("tcp", "Transmission Control Protocol", off, min(HEADER_LEN, end - off))
    d.summarise("TCP", "")
    if end - off < HEADER_LEN:          # e.g. the 8 bytes an ICMP error quotes: ports and sequence number
        for f in (SRCPORT, DSTPORT, SEQ_RAW):
            if f.offset + f.size <= end - off:
                layer.field(f, buf, off)
        d.short(layer, HEADER_LEN, end - off, "TCP header")
        return None
    sport, dport, seq, ack, off_flags, window, _, urgent = HEADER.unpack_from(buf, off)
    hdr_len, flags = (off_flags >> 12) * 4, off_flags & FLAGS_MASK
    seg_len = reported_end(d, end) - off - hdr_len       # from the IP length, also past a snaplen cut
    hdr_node = _numbers(layer, buf, off, hdr_len, seg_len)
    layer.label = (f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}, Seq: {seq}"
                   + (f", Ack: {ack}" if flags & ACK else "") + f", Len: {seg_len}")
    head = head_text(sport, dport, flags, seq, ack, window)
    if hdr_len < HEADER_LEN:
        d.problem(hdr_node, f"malformed: header length {hdr_len} < {HEADER_LEN}")
        d.summarise("TCP", f"{head}, bogus TCP header length ({hdr_len}, must be at least {HEADER_LEN})")
        return None
    _flags(layer, buf, off, flags)
    layer.field(WINDOW, buf, off)
    bad = _checksum(d, layer, off, end, hdr_len) == CSUM_BAD
    layer.field(URGENT, buf, off)
    info = info_text(head, bad, flags, urgent, seg_len)
    layer.length = min(hdr_len, end - off)
    words = [info]
    if hdr_len > HEADER_LEN:
        _options(d, layer, buf, off + HEADER_LEN, off + hdr_len, end, words)
    if d.short(layer, hdr_len, end - off, "TCP header with options"):
        d.summarise("TCP", f"{info}[Packet size limited during capture]")
        return None
    d.summarise("TCP", " ".join(words))
    if end <= off + hdr_len:
        return None
    start = off + hdr_len
    layer.add(Node("tcp.payload", "TCP payload", bytes(buf[start:end]), start, end - start))
    return (*next_port("tcp.port", sport, dport), start, end)


def _skim_option_words(buf, pos: int, stop: int) -> list | None:
    """The Info words of well-formed everyday options in buf[pos:stop]; None for anything else."""
    words = []
    while pos < stop:
        kind = buf[pos]
        if kind == OPT_NOP:
            pos += 1
            continue
        if kind == OPT_EOL:
            break
        word = OPTION_WORDS.get(kind)
        if word is None or pos + 1 >= stop:
            return None
        length = buf[pos + 1]
        if pos + length > stop or length not in OPTION_LENGTHS[kind]:
            return None
        words.append(word(buf, pos, length))
        pos += length
    return words


@skimmer("ip.proto", PROTO_TCP)
@skimmer("ipv6.nxt", PROTO_TCP)
def skim_tcp(s, off: int, end: int):
    buf = s.buf
    if end - off < HEADER_LEN:
        return DECLINE
    sport, dport, seq, ack, off_flags, window, _, urgent = HEADER.unpack_from(buf, off)
    hdr_len, flags = (off_flags >> 12) * 4, off_flags & FLAGS_MASK
    if hdr_len < HEADER_LEN or off + hdr_len > end:
        return DECLINE
    words = _skim_option_words(buf, off + HEADER_LEN, off + hdr_len) if hdr_len > HEADER_LEN else []
    if words is None:
        return DECLINE
    bad = s.complete and not verify(buf, off, end - off, s.net_src, s.net_dst, PROTO_TCP)
    s.protocol = "TCP"
    s.info = " ".join([info_text(head_text(sport, dport, flags, seq, ack, window), bad, flags, urgent,
                                 end - off - hdr_len)] + words)
    if end <= off + hdr_len:
        return None
    return skim_next(s, "tcp.port", sport, dport, off + hdr_len, end)
