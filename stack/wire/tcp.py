"""TCP header (RFC 9293): offsets, flag bits, a builder, and dissection with options.

Sequence and acknowledgment numbers are shown raw (tcp.seq_raw, tcp.ack_raw).
tshark's tcp.seq/tcp.ack are relative to the connection's first sequence
number, which needs per-conversation state this dissector does not keep (yet);
the Info column therefore matches tshark run with
`-o tcp.relative_sequence_numbers:FALSE`.
"""
import struct
from dataclasses import replace

from . import mptcp
from .checksum import checksum
from .dissect import F, Node, dissector, hexed, row_node
from .skim import DECLINE, skimmer
from .textfmt import byte_count
from .udp import (CSUM_BAD, CSUM_GOOD, CSUM_STATUS, CSUM_UNVERIFIED, calculated_checksum, checksum_row,
                  is_fragment, next_port, pseudo_header_sum, reported_end, segment_sum, skim_next, verify)

# source port, destination port, seq, ack, data offset + flags, window, checksum, urgent pointer
HEADER = struct.Struct("!HHIIHHHH")
HEADER_LEN = 20
MAX_HEADER_LEN = 60
PROTO_TCP = 6

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE = 0x001, 0x002, 0x004, 0x008, 0x010, 0x020, 0x040, 0x080, 0x100
FLAGS_MASK = 0x0FFF
RESERVED = 0x0E00



SRCPORT = F("tcp.srcport", "Source Port", 0, 2)
DSTPORT = F("tcp.dstport", "Destination Port", 2, 2)
SEQ_RAW = F("tcp.seq_raw", "Sequence Number (raw)", 4, 4)
ACK_RAW = F("tcp.ack_raw", "Acknowledgment number (raw)", 8, 4)
HDR_LEN = F("tcp.hdr_len", "Header Length", 12, 1, mask=0xF0, show=lambda v: f"{v * 4} bytes ({v})")
FLAGS = F("tcp.flags", "Flags", 12, 2, mask=FLAGS_MASK, show=lambda value: f"0x{value:03x} ({flags_text(value)})")
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
CHECKSUM = F("tcp.checksum", "Checksum", 16, 2, show=hexed(4))
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
OPT_ECHO, OPT_ECHO_REPLY, OPT_MD5, OPT_USER_TIMEOUT, OPT_AO = 6, 7, 19, 28, 29
# an option's field name and its word in the Options line (its own line: `option_label`)
OPTION_NAMES = {OPT_EOL: ("tcp.options.eol", "End of Option List (EOL)"),
                OPT_NOP: ("tcp.options.nop", "No-Operation (NOP)"),
                OPT_MSS: ("tcp.options.mss", "Maximum segment size"),
                OPT_WSCALE: ("tcp.options.wscale", "Window scale"),
                OPT_SACK_PERM: ("tcp.options.sack_perm", "SACK permitted"),
                OPT_SACK: ("tcp.options.sack", "SACK"),
                OPT_ECHO: ("tcp.options.echo", "Echo"),
                OPT_ECHO_REPLY: ("tcp.options.echoreply", "Echo reply"),
                OPT_TIMESTAMP: ("tcp.options.timestamp", "Timestamps"),
                OPT_MD5: ("tcp.options.md5", "TCP MD5 signature"),
                OPT_USER_TIMEOUT: ("tcp.options.user_to", "User Timeout"),
                OPT_AO: ("tcp.options.ao", "TCP AO"),
                mptcp.KIND: ("mptcp", "MPTCP"),
                OPT_TFO: ("tcp.options.tfo", "TCP Fast Open"),
                OPT_ACCECN0: ("tcp.options.acc_ecn", "Accurate ECN"),
                OPT_ACCECN1: ("tcp.options.acc_ecn", "Accurate ECN"),
                OPT_EXP1: ("tcp.options.experimental", "Experimental"),
                OPT_EXP2: ("tcp.options.experimental", "Experimental")}
EXID_NAMES = {0x00AC: "TCP ACK Rate Request", 0x0348: "Host ID", 0x0A0D: "Autonomous System Compensation",
              0x0CA0: "Capability Option", 0x0ED0: "Extended Data Offset", 0x454E: "Encryption Negotiation",
              0x5323: "Service Number", 0x75EC: "Timestamp Interval", EXID_ACCECN0: "Accurate ECN - Order 0",
              EXID_ACCECN1: "Accurate ECN - Order 1", 0xACCE: "Accurate ECN",
              0xE2D4: "Shared Memory communications over RMDA protocol", EXID_TFO: "Fast Open",
              0xF990: "Low Latency"}
ACCECN_LABELS = {"ee0b": "Accurate ECN Echo ECT(0) Byte Counter", "eceb": "Accurate ECN Echo CE Byte Counter",
                 "ee1b": "Accurate ECN Echo ECT(1) Byte Counter"}


def option_name(kind: int) -> tuple[str, str]:
    """An option's field name and its word in the Options line; an unknown kind as tshark words it."""
    return OPTION_NAMES.get(kind) or ("tcp.options.unknown", f"Unknown (0x{kind:02x})")


OPTION_LENGTHS = {OPT_MSS: (4,), OPT_WSCALE: (3,), OPT_SACK_PERM: (2,), OPT_TIMESTAMP: (10,),
                  OPT_SACK: (10, 18, 26, 34), OPT_ECHO: (6,), OPT_ECHO_REPLY: (6,), OPT_MD5: (18,),
                  OPT_USER_TIMEOUT: (4,)}
# tshark's names of the option kinds (tcp.option_kind), shown as "Maximum Segment Size (2)"
KIND_NAMES = {0: "End of Option List", 1: "No-Operation", 2: "Maximum Segment Size", 3: "Window Scale",
              4: "SACK Permitted", 5: "SACK", 6: "Echo", 7: "Echo Reply", 8: "Time Stamp Option",
              9: "Partial Order Connection Permitted", 10: "Partial Order Service Profile", 11: "CC",
              12: "CC.NEW", 13: "CC.ECHO", 14: "TCP Alternate Checksum Request", 15: "TCP Alternate Checksum Data",
              16: "Skeeter", 17: "Bubba", 18: "Trailer Checksum Option", 19: "MD5 Signature Option",
              20: "SCPS Capabilities", 21: "Selective Negative Acknowledgements", 22: "Record Boundaries",
              23: "Corruption experienced", 24: "SNAP", 25: "Unassigned", 26: "TCP Compression Filter",
              27: "Quick-Start Response", 28: "User Timeout Option", 29: "The TCP Authentication Option",
              30: "Multipath TCP", 34: "TCP Fast Open Cookie", 76: "Riverbed Probe", 78: "Riverbed Transparency",
              172: "Accurate ECN Order 0", 174: "Accurate ECN Order 1", 253: "RFC3692-style Experiment 1",
              254: "RFC3692-style Experiment 2"}


def kind_text(kind: int) -> str:
    return f"{KIND_NAMES.get(kind, 'Unknown')} ({kind})"


def option_label(kind: int, buf, pos: int, length: int) -> str:
    """An option's line as tshark's -V shows it: its name, and its values where they are few."""
    if kind not in OPTION_NAMES:
        return "TCP Option - Unknown"
    label = "TCP Option - " + OPTION_NAMES[kind][1]
    if kind == mptcp.KIND:
        return mptcp.label(buf, pos, length)
    if kind in (OPT_ECHO, OPT_ECHO_REPLY):
        return f"TCP Option - Echo: {_u(buf, pos + 2, 4)}" if length == 6 else "TCP Option - Echo"
    if kind in (OPT_ACCECN0, OPT_ACCECN1):
        return label + _accecn_words(buf, pos + 2, pos + length, kind == OPT_ACCECN1)
    if kind in (OPT_EXP1, OPT_EXP2) and length >= 4:
        exid = _u(buf, pos + 2, 2)
        label += ": " + EXID_NAMES.get(exid, "Unknown")
        if exid in (EXID_ACCECN0, EXID_ACCECN1) and (length - 4) % 3 == 0:
            label += ": Accurate ECN" + _accecn_words(buf, pos + 4, pos + length, exid == EXID_ACCECN1)
        return label
    if kind == OPT_MSS and length == 4:
        return f"{label}: {(buf[pos + 2] << 8) | buf[pos + 3]} bytes"
    if kind == OPT_WSCALE and length == 3:
        return f"{label}: {buf[pos + 2]} (multiply by {1 << min(buf[pos + 2], 14)})"
    if kind == OPT_TIMESTAMP and length == 10:
        tsval, tsecr = _TWO_U32.unpack_from(buf, pos + 2)
        return f"{label}: TSval {tsval}, TSecr {tsecr}"
    if kind == OPT_SACK and length in OPTION_LENGTHS[OPT_SACK]:
        edges = [_TWO_U32.unpack_from(buf, at) for at in range(pos + 2, pos + length, 8)]
        return f"{label} " + " ".join(f"{left}-{right}" for left, right in edges)
    return label


def _accecn_words(buf, start: int, end: int, order1: bool) -> str:
    """` (Order 0): EE0B 1, ECEB 2`: the counters an AccECN option carries, in its order."""
    counters = [f"{name.upper()} {_u(buf, at, 3)}" for name, at in zip(ACCECN_ORDER[order1], range(start, end - 2, 3))]
    return f" (Order {int(order1)}): " + ", ".join(counters) if counters else ""


def options_label(size: int, names: list) -> str:
    """The Options line: its length and its options' names, as tshark's -V."""
    return ", ".join([f"Options: ({size} bytes)"] + names)


_FLAGS_TEXT: dict[int, str] = {}
ACE_BITS = AE | CWR | ECE      # after an AccECN handshake: one 3-bit counter, ACE (tcp.flags.ace)
ACE_SHIFT = 6


def flags_text(flags: int, ace: bool = False) -> str:
    """The flags' names; with `ace` (a segment of an AccECN connection), the ACE counter's value
    in place of AE, CWR and ECE."""
    key = flags | (0x10000 if ace else 0)
    text = _FLAGS_TEXT.get(key)
    if text is None:
        names = [name for bit, name in FLAG_NAMES if flags & bit and not (ace and bit & ACE_BITS)] \
            + (["Reserved"] if flags & RESERVED else []) + ([f"ACE={(flags & ACE_BITS) >> ACE_SHIFT}"] if ace else [])
        text = _FLAGS_TEXT[key] = ", ".join(names) if names else "<None>"
    return text


def ace_flags_str(flags: int) -> str:
    """tcp.flags.str of an AccECN segment: the ACE counter's digit between dashes (`···-5-·AP···`)."""
    plain = flags_str(flags & ~ACE_BITS)
    return plain[:3] + f"-{(flags & ACE_BITS) >> ACE_SHIFT}-" + plain[6:]


def head_text(sport: int, dport: int, flags: int, seq: int, ack: int, window: int, ace: bool = False) -> str:
    """The start of the Info column: ports, flags, numbers, window."""
    return (f"{sport} \u2192 {dport} [{flags_text(flags, ace)}] Seq={seq}" + (f" Ack={ack}" if flags & ACK else "")
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


_FLAGS_STR: dict[int, str] = {}


def flags_str(flags: int) -> str:
    text = _FLAGS_STR.get(flags)
    if text is None:
        text = _FLAGS_STR[flags] = "".join(letter if flags & (0x800 >> i) else "\u00b7"
                                           for i, letter in enumerate(FLAG_LETTERS))
    return text


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
    elif kind in (OPT_ECHO, OPT_ECHO_REPLY):
        num("tcp.options.echo_value", "TCP Echo Option", pos + 2, 4)
    elif kind == OPT_MD5:
        opt.add(Node("tcp.options.md5.digest", "MD5 digest", bytes(buf[pos + 2:pos + 18]), pos + 2, 16))
    elif kind == OPT_USER_TIMEOUT:
        opt.field(USER_TIMEOUT_GRANULARITY, buf, pos)
        opt.field(USER_TIMEOUT, buf, pos)
    elif kind == OPT_AO and length >= 4:
        num("tcp.options.ao.keyid", "AO KeyID", pos + 2, 1)
        num("tcp.options.ao.rnextkeyid", "AO RNextKeyID", pos + 3, 1)
        if length > 4:
            opt.add(Node("tcp.options.ao.mac", "AO MAC", bytes(buf[pos + 4:pos + length]), pos + 4, length - 4))
    elif kind == mptcp.KIND:
        mptcp.dissect_option(opt, buf, pos, length)
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
        opt.add(Node(f"tcp.options.acc_ecn.{name}", ACCECN_LABELS[name], value, at, 3))
        info.append(f"{name.upper()}={value}")


def _experimental(opt: Node, buf, pos: int, length: int, info: list) -> None:
    """RFC 6994 shared experimental option: a 16-bit ExID, then the experiment's data."""
    exid = _u(buf, pos + 2, 2)
    opt.add(Node("tcp.options.experimental.exid", "Experiment Identifier", exid, pos + 2, 2,
                 text=f"{EXID_NAMES.get(exid, 'Unknown')} (0x{exid:04x})"))
    if exid == EXID_TFO:
        _tfo(opt, buf, pos + 4, pos + length, info)
    elif exid in (EXID_ACCECN0, EXID_ACCECN1):
        _accecn(opt, buf, pos + 4, pos + length, exid == EXID_ACCECN1, info)
    else:
        info.append(f"ExID={exid:X}")
        if length > 4:
            opt.add(Node("tcp.options.experimental.data", "Data", bytes(buf[pos + 4:pos + length]), pos + 4,
                         length - 4))


OPTION_KIND = F("tcp.option_kind", "Kind", 0, 1, show=kind_text)
USER_TIMEOUT_GRANULARITY = F("tcp.options.user_to_granularity", "Granularity", 2, 2, mask=0x8000,
                             show=("Seconds", "Minutes").__getitem__)
USER_TIMEOUT = F("tcp.options.user_to_val", "User Timeout", 2, 2, mask=0x7FFF)
OPTION_LEN = F("tcp.option_len", "Length", 1, 1)
# The option lines carry their summary in the label (tshark's -V), so their own value shows nothing;
# the bytes are the frame's (offset, length)
OPTIONS = F("tcp.options", "Options", 0, 0, show=lambda value: "")
OPTION_FIELDS = {kind: F(name, f"TCP Option - {label}", 0, 0, show=lambda value: "")
                 for kind, (name, label) in OPTION_NAMES.items()}
MSS_VAL = F("tcp.options.mss_val", "MSS Value", 2, 2)
WSCALE_SHIFT = F("tcp.options.wscale.shift", "Shift count", 2, 1)
WSCALE_MULTIPLIER = F("tcp.options.wscale.multiplier", "Multiplier", 2, 1)
SACK_LE = F("tcp.options.sack_le", "TCP SACK Left Edge", 0, 4)
SACK_RE = F("tcp.options.sack_re", "TCP SACK Right Edge", 4, 4)
SACK_COUNT = F("tcp.options.sack.count", "TCP SACK Count", 0, 0)
TSVAL = F("tcp.options.timestamp.tsval", "Timestamp value", 2, 4)
TSECR = F("tcp.options.timestamp.tsecr", "Timestamp echo reply", 6, 4)


def _sack_rows(buf, pos: int, length: int) -> tuple:
    edges = tuple(row for edge in range(pos + 2, pos + length, 8)
                  for row in ((SACK_LE, edge, _u(buf, edge, 4)), (SACK_RE, edge + 4, _u(buf, edge + 4, 4))))
    return edges + ((SACK_COUNT, pos, (length - 2) // 8, (), length),)


# The fields inside the everyday options, as rows
OPTION_ROWS = {
    OPT_MSS: lambda buf, pos, length: ((MSS_VAL, pos + 2, _U16.unpack_from(buf, pos + 2)[0]),),
    OPT_WSCALE: lambda buf, pos, length: ((WSCALE_SHIFT, pos + 2, buf[pos + 2]),
                                          (WSCALE_MULTIPLIER, pos + 2, 1 << min(buf[pos + 2], 14))),
    OPT_SACK_PERM: lambda buf, pos, length: (),
    OPT_SACK: _sack_rows,
    OPT_TIMESTAMP: lambda buf, pos, length: ((TSVAL, pos + 2, _TWO_U32.unpack_from(buf, pos + 2)[0]),
                                             (TSECR, pos + 6, _TWO_U32.unpack_from(buf, pos + 2)[1])),
}


def _everyday_options(buf, pos: int, stop: int) -> bool:
    """Are the options in buf[pos:stop] all well-formed everyday ones (NOP, MSS, window scale, SACK,
    timestamps)?  Those are shown as rows, made when read."""
    while pos < stop:
        kind = buf[pos]
        if kind == OPT_NOP:
            pos += 1
            continue
        if kind not in OPTION_ROWS or pos + 1 >= stop:
            return False
        length = buf[pos + 1]
        if pos + length > stop or length not in OPTION_LENGTHS[kind]:
            return False
        pos += length
    return True


def _option_rows(buf, start: int, stop: int) -> tuple:
    """The Options row of everyday options (see `_everyday_options`) in buf[start:stop]."""
    rows, pos = [], start
    while pos < stop:
        kind = buf[pos]
        if kind == OPT_NOP:
            rows.append((OPTION_FIELDS[OPT_NOP], pos, buf[pos:pos + 1], ((OPTION_KIND, pos, OPT_NOP),), 1))
            pos += 1
            continue
        length = buf[pos + 1]
        rows.append((OPTION_FIELDS[kind], pos, buf[pos:pos + length],
                     ((OPTION_KIND, pos, kind), (OPTION_LEN, pos + 1, length)) + OPTION_ROWS[kind](buf, pos, length),
                     length, option_label(kind, buf, pos, length)))
        pos += length
    names = [OPTION_NAMES[row[2][0]][1] for row in rows]
    return ((OPTIONS, start, buf[start:stop], rows, stop - start, options_label(stop - start, names)),)


def _options(d, layer: Node, buf, start: int, end: int, captured: int, info: list) -> None:
    """The options in buf[start:end], of which those before `captured` are there to read."""
    stop = min(end, captured)
    opts = layer.add(Node("tcp.options", f"Options: ({end - start} bytes)", bytes(buf[start:stop]),
                          start, stop - start, text=""))
    names: list = []
    pos = start
    while pos < stop:
        kind = buf[pos]
        name, label = option_name(kind)
        names.append(label)
        opts.label = options_label(end - start, names)
        if kind in (OPT_EOL, OPT_NOP):
            opt = opts.add(Node(name, f"TCP Option - {label}", bytes(buf[pos:pos + 1]), pos, 1, text=""))
            opt.add(Node("tcp.option_kind", "Kind", kind, pos, 1, show=kind_text))
            pos += 1
            if kind == OPT_EOL and pos < stop and buf[pos]:
                break                   # after EOL only zero padding is read (as more EOLs, like tshark)
            continue
        if pos + 1 == end:              # the kind is the header's last byte: tshark notes it, no option
            _past_end(opts, start, end, stop, names, pos, f"{label} (length byte past end of options)")
            return
        length = buf[pos + 1] if pos + 1 < stop else 0
        if pos + 1 < stop and (length < 2 or pos + length > end
                               or length not in OPTION_LENGTHS.get(kind, (length,))):
            d.problem(opts, f"malformed: option {kind} length {length}"
                      + (" runs past the header" if pos + length > end else " is invalid"))
            if pos + length > end:
                _past_end(opts, start, end, stop, names, pos,
                          f"{label} (option length = {length} bytes says option goes past end of options)")
            return
        have = min(pos + max(length, 1), stop)
        whole = pos + max(length, 2) <= stop
        opt = opts.add(Node(name, option_label(kind, buf, pos, length) if whole else f"TCP Option - {label}",
                            bytes(buf[pos:have]), pos, have - pos, text=""))
        opt.add(Node("tcp.option_kind", "Kind", kind, pos, 1, show=kind_text))
        if pos + 1 < stop:
            opt.add(Node("tcp.option_len", "Length", length, pos + 1, 1))
        if pos + max(length, 2) > stop:
            return                      # cut by the snap length: the layer says so already
        _option_fields(opt, buf, kind, pos, length, info)
        pos += length


def _past_end(opts: Node, start: int, end: int, stop: int, names: list, pos: int, note: str) -> None:
    """An option that does not fit the header (of which bytes up to `stop` were captured):
    tshark's note in its place, and not among the options the Options line names."""
    names.pop()
    opts.label = options_label(end - start, names)
    opts.add(Node("tcp.option.past_end", note, b"", pos, min(end, stop) - pos, text=""))


CALCULATED = F("tcp.checksum_calculated", "Calculated Checksum", 16, 2, show=hexed(4))
STATUS = F("tcp.checksum.status", "Checksum Status", 16, 2, show=CSUM_STATUS.__getitem__)
HDR_LEN_BYTES = replace(HDR_LEN, show=lambda v: f"{v} bytes ({v // 4})")       # its value in bytes, as tshark's
SEG_LEN = F("tcp.len", "TCP Segment Len", 0, 0)
FLAG_STR = F("tcp.flags.str", "TCP Flags", 12, 2)
PAYLOAD = F("tcp.payload", "TCP payload", 0, 0, show=lambda value: "")   # the label says it


def _checksum(d, off: int, end: int, hdr_len: int, csum: int, all_there: bool) -> tuple:
    """(status, the checksum field's row); verified only when the whole segment is `all_there`."""
    if not d.checksums or d.net_src is None or not all_there or end - off < hdr_len:
        status, calculated = CSUM_UNVERIFIED, None
    else:
        total = segment_sum(d.buf, off, end - off, d.net_src, d.net_dst, PROTO_TCP)
        status, calculated = (CSUM_GOOD if total == 0xFFFF else CSUM_BAD), calculated_checksum(total, csum)
    return status, checksum_row(d, CHECKSUM, CALCULATED, STATUS, off + OFF_CSUM, csum, status, calculated)


def _flag_rows(off: int, flags: int) -> tuple:
    at = off + 12
    return ((FLAG_RES, at, int(bool(flags & RESERVED))),
            *[(f, at, (flags & f.mask) >> f.shift) for f in FLAG_FIELDS],
            (FLAG_STR, at, flags_str(flags)))


def _number_rows(off: int, fields: tuple, hdr_len: int, seg_len: int) -> tuple:
    """Ports, segment length, sequence numbers and header length (what even a bogus header shows)."""
    sport, dport, seq, ack = fields[:4]
    rows = ((SRCPORT, off, sport), (DSTPORT, off + 2, dport), (SEG_LEN, off, seg_len), (SEQ_RAW, off + 4, seq))
    return rows + ((ACK_RAW, off + 8, ack),) if hdr_len >= HEADER_LEN else rows


def _fixed_rows(off: int, fields: tuple, hdr_len: int, seg_len: int, csum_row) -> tuple:
    flags = fields[4] & FLAGS_MASK
    return _number_rows(off, fields, hdr_len, seg_len) + (
        (HDR_LEN_BYTES, off + 12, hdr_len), (FLAGS, off + 12, flags, _flag_rows(off, flags)),
        (WINDOW, off + 14, fields[5]), csum_row, (URGENT, off + 18, fields[7]))


def _payload_rows(buf, start: int, end: int, seg_len: int) -> tuple:
    """The payload's bytes; its label counts the segment's bytes, captured or not (tshark's)."""
    return ((PAYLOAD, start, buf[start:end], (), end - start, f"TCP payload ({byte_count(max(seg_len, end - start))})"),)


def layer_label(sport: int, dport: int, seq: int, ack: int, flags: int, seg_len: int) -> str:
    return (f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}, Seq: {seq}"
            + (f", Ack: {ack}" if flags & ACK else "") + f", Len: {seg_len}")


def _info(fields: tuple, bad_checksum: bool, seg_len: int, buf, opt_start: int, opt_stop: int) -> str:
    """The Info column of a segment whose options are everyday ones."""
    sport, dport, seq, ack, off_flags, window, _, urgent = fields
    flags = off_flags & FLAGS_MASK
    info = info_text(head_text(sport, dport, flags, seq, ack, window), bad_checksum, flags, urgent, seg_len)
    if opt_stop > opt_start:
        return " ".join([info] + _skim_option_words(buf, opt_start, opt_stop))
    return info


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
    fields = HEADER.unpack_from(buf, off)
    sport, dport, seq, ack, off_flags, window, csum, urgent = fields
    hdr_len, flags = (off_flags >> 12) * 4, off_flags & FLAGS_MASK
    # past a snaplen cut, up to where IP says the segment ends; never past the frame's length on
    # the wire (an IP length that claims more than the frame held counts what there was, as tshark)
    seg_end = end if d.payload_complete else min(reported_end(d, end), d.orig_len)
    seg_len = seg_end - off - hdr_len
    layer._text = (layer_label, sport, dport, seq, ack, flags, seg_len)    # layer.label_from, inline
    if hdr_len < HEADER_LEN:
        hdr_node = row_node(HDR_LEN_BYTES, off + 12, hdr_len)
        layer.put(_number_rows(off, fields, hdr_len, seg_len) + (hdr_node,))
        d.problem(hdr_node, f"malformed: header length {hdr_len} < {HEADER_LEN}")
        d.summarise("TCP", f"{head_text(sport, dport, flags, seq, ack, window)}, bogus TCP header length "
                           f"({hdr_len}, must be at least {HEADER_LEN})")
        return None
    all_there = seg_end <= end and not d.locked and not is_fragment(d, end)
    status, csum_row = _checksum(d, off, end, hdr_len, csum, all_there)
    if d.tree:
        layer._kids.append((_fixed_rows, off, fields, hdr_len, seg_len, csum_row))
    layer.length = min(hdr_len, end - off)
    start = off + hdr_len
    if hdr_len == HEADER_LEN or (start <= end and _everyday_options(buf, off + HEADER_LEN, start)):
        if hdr_len > HEADER_LEN and d.tree:
            layer._kids.append((_option_rows, buf, off + HEADER_LEN, start))
        if not d.locked:                    # d.summarise_later, inline
            d.protocol, d._info = "TCP", (_info, fields, status == CSUM_BAD, seg_len, buf, off + HEADER_LEN, start)
    else:
        info = info_text(head_text(sport, dport, flags, seq, ack, window), status == CSUM_BAD, flags, urgent,
                         seg_len)
        words = [info]
        _options(d, layer, buf, off + HEADER_LEN, start, end, words)
        if d.short(layer, hdr_len, end - off, "TCP header with options"):
            d.summarise("TCP", f"{info}[Packet size limited during capture]")
            return None
        d.summarise("MPTCP" if mptcp.KIND in option_kinds(buf, off + HEADER_LEN, min(start, end)) else "TCP",
                    " ".join(words))
    if end <= start:
        return None
    if flags & RST:                     # RFC 1122's diagnostic text: no payload for anyone else (tshark)
        cause = bytes(buf[start:end]).split(b"\0", 1)[0].decode("ascii", "replace")
        layer.text("tcp.reset_cause", "Reset cause", cause, start, end - start)
        return None
    if d.tree:
        layer._kids.append((_payload_rows, buf, start, end, seg_len))
    table, port = next_port("tcp.port", sport, dport)
    return (table, port, start, end)


def options_of_kind(buf, off: int, kind: int) -> list[tuple[int, int]]:
    """(offset, length) of each option of `kind` in the TCP header at buf[off:] (what a filter
    on an option carried as a protocol of its own, such as `mptcp`, reads without a tree)."""
    if len(buf) < off + HEADER_LEN:
        return []
    stop = min(off + (buf[off + 12] >> 4) * 4, len(buf))
    found, pos = [], off + HEADER_LEN
    while pos < stop:
        if buf[pos] == OPT_EOL:         # the list ends (what follows is padding)
            break
        if buf[pos] == OPT_NOP:
            pos += 1
            continue
        if pos + 1 >= stop or buf[pos + 1] < 2:
            break
        if buf[pos] == kind:
            found.append((pos, min(buf[pos + 1], stop - pos)))
        pos += buf[pos + 1]
    return found


def option_kinds(buf, pos: int, stop: int) -> list[int]:
    """The kinds of the options in buf[pos:stop], up to the end of the list or the first malformed one."""
    kinds = []
    while pos < stop:
        kind = buf[pos]
        kinds.append(kind)
        if kind == OPT_EOL:             # the list ends (what follows is padding)
            break
        if kind == OPT_NOP:
            pos += 1
            continue
        if pos + 1 >= stop or buf[pos + 1] < 2:
            break
        pos += buf[pos + 1]
    return kinds


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
    bad = s.checksums and s.complete and not verify(buf, off, end - off, s.net_src, s.net_dst, PROTO_TCP)
    s.protocol = "TCP"
    s.info = " ".join([info_text(head_text(sport, dport, flags, seq, ack, window), bad, flags, urgent,
                                 end - off - hdr_len)] + words)
    if end <= off + hdr_len:
        return None
    return skim_next(s, "tcp.port", sport, dport, off + hdr_len, end)
