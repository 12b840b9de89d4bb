"""TCP conversation state as tshark's first pass keeps it (epan/dissectors/packet-tcp.c).

One `TcpFlow` per direction of a stream; `analyse_segment` is tshark's
tcp_analyze_sequence_number: it reads a segment against the state of both
directions, says what it is (retransmission, duplicate ACK, window full, ...),
and moves the state on.  Sequence numbers are compared modulo 2**32.

Everything here is plain data in, plain data out (no I/O, no dissection), so a
trace explainer can replay a segment and tell why it was flagged.
"""
from __future__ import annotations

from ..tcp import ACK, FIN, PSH, RST, SYN

MASK = 0xFFFFFFFF
WSCALE_UNKNOWN = -1          # no SYN seen: tshark's "unknown" scale factor
WSCALE_NONE = -2             # a SYN without the option: the window is not scaled
MAX_SHIFT = 14
OOO_DEFAULT = 0.003          # tshark's out-of-order threshold while no RTT is known
FAST_RETRANS_WINDOW = 0.02   # a retransmission this soon after the second dup ACK is "fast"
MAX_UNACKED = 4096           # segments remembered per direction for ACK RTTs (bounded memory)

# Analysis flags: tshark's field names, in the order tshark puts their words in the
# Info column (each is prepended, so the later ones come first).
RETRANSMISSION = "retransmission"
FAST_RETRANSMISSION = "fast_retransmission"
SPURIOUS_RETRANSMISSION = "spurious_retransmission"
OUT_OF_ORDER = "out_of_order"
LOST_SEGMENT = "lost_segment"
ACK_LOST_SEGMENT = "ack_lost_segment"
KEEP_ALIVE = "keep_alive"
WINDOW_UPDATE = "window_update"
WINDOW_FULL = "window_full"
KEEP_ALIVE_ACK = "keep_alive_ack"
DUPLICATE_ACK = "duplicate_ack"
ZERO_WINDOW_PROBE = "zero_window_probe"
ZERO_WINDOW = "zero_window"
ZERO_WINDOW_PROBE_ACK = "zero_window_probe_ack"
REUSED_PORTS = "reused_ports"

INFO_WORDS = {
    RETRANSMISSION: "[TCP Retransmission]", FAST_RETRANSMISSION: "[TCP Fast Retransmission]",
    SPURIOUS_RETRANSMISSION: "[TCP Spurious Retransmission]", OUT_OF_ORDER: "[TCP Out-Of-Order]",
    LOST_SEGMENT: "[TCP Previous segment not captured]", ACK_LOST_SEGMENT: "[TCP ACKed unseen segment]",
    KEEP_ALIVE: "[TCP Keep-Alive]", WINDOW_UPDATE: "[TCP Window Update]", WINDOW_FULL: "[TCP Window Full]",
    KEEP_ALIVE_ACK: "[TCP Keep-Alive ACK]", DUPLICATE_ACK: "[TCP Dup ACK {frame}#{num}]",
    ZERO_WINDOW_PROBE: "[TCP ZeroWindowProbe]", ZERO_WINDOW: "[TCP ZeroWindow]",
    ZERO_WINDOW_PROBE_ACK: "[TCP ZeroWindowProbeAck]", REUSED_PORTS: "[TCP Port numbers reused]",
}
PRINT_ORDER = (RETRANSMISSION, FAST_RETRANSMISSION, SPURIOUS_RETRANSMISSION, OUT_OF_ORDER, REUSED_PORTS,
               LOST_SEGMENT, ACK_LOST_SEGMENT, KEEP_ALIVE, WINDOW_UPDATE, WINDOW_FULL, KEEP_ALIVE_ACK,
               DUPLICATE_ACK, ZERO_WINDOW_PROBE, ZERO_WINDOW, ZERO_WINDOW_PROBE_ACK)
# tshark's expert messages, what -V shows under [Expert Info]
EXPERT = {
    RETRANSMISSION: "This frame is a (suspected) retransmission",
    FAST_RETRANSMISSION: "This frame is a (suspected) fast retransmission",
    SPURIOUS_RETRANSMISSION: "This frame is a (suspected) spurious retransmission",
    OUT_OF_ORDER: "This frame is a (suspected) out-of-order segment",
    LOST_SEGMENT: "Previous segment(s) not captured (common at capture start)",
    ACK_LOST_SEGMENT: "ACKed segment that wasn't captured (common at capture start)",
    KEEP_ALIVE: "TCP keep-alive segment", WINDOW_UPDATE: "TCP window update",
    WINDOW_FULL: "TCP window specified by the receiver is now completely full",
    KEEP_ALIVE_ACK: "ACK to a TCP keep-alive segment", DUPLICATE_ACK: "Duplicate ACK (#{num})",
    ZERO_WINDOW_PROBE: "TCP Zero Window Probe", ZERO_WINDOW: "TCP Zero Window segment",
    ZERO_WINDOW_PROBE_ACK: "ACK to a TCP Zero Window Probe", REUSED_PORTS: "A new tcp session is started with the same ports as an earlier session in this trace",
}


def lt(a: int, b: int) -> bool:
    """a < b in sequence space."""
    return (a - b) & MASK > 0x7FFFFFFF


def gt(a: int, b: int) -> bool:
    return lt(b, a)


def le(a: int, b: int) -> bool:
    return not gt(a, b)


class TcpFlow:
    """One direction of a stream: what it sent and what it last acknowledged."""

    __slots__ = ("base_seq", "nextseq", "nextseqtime", "nextseqframe", "maxseqtobeacked", "lastack", "lastacktime",
                 "window", "win_scale", "lastnondupack", "dupacknum", "lastsegmentflags", "segments",
                 "valid_bif", "push_bytes_sent", "push_set_last", "sacked", "span")

    def __init__(self):
        self.base_seq = None
        self.nextseq = 0                 # 0: nothing sent yet (as tshark, which tests it for zero)
        self.nextseqtime = 0.0
        self.nextseqframe = 0
        self.maxseqtobeacked = 0
        self.lastack = 0
        self.lastacktime = 0.0
        self.window = None               # the last window it advertised, scaled
        self.win_scale = WSCALE_UNKNOWN
        self.lastnondupack = 0
        self.dupacknum = 0
        self.lastsegmentflags: frozenset = frozenset()
        self.segments: list = []         # unacknowledged [frame, seq, nextseq, ts], oldest first
        self.valid_bif = True
        self.push_bytes_sent = 0
        self.push_set_last = False       # the last segment counted had PSH set
        self.sacked = 0                  # bytes its last segment's SACK blocks say arrived
        self.span = None                 # (segments, how many, base_seq, first, last): unacked_span's cache


class TcpStream:
    """A TCP conversation: its index and its two directions, keyed by the sender's end."""

    __slots__ = ("index", "flows", "first_rtt", "syn_time", "syn_frame", "first_ts", "assemblers", "requests",
                 "early", "accecn")

    def __init__(self, index: int, end_a, end_b):
        self.index = index
        self.flows = {end_a: TcpFlow(), end_b: TcpFlow()}
        self.first_rtt = None
        self.syn_time = None
        self.syn_frame = None
        self.first_ts = None
        self.assemblers: dict = {}       # sender's end -> reassembly.Assembler (known ports only)
        self.requests: list = []         # HTTP requests awaiting their response: (frame, ts)
        self.early: list = []            # notes of analysed frames before the iRTT was known
        self.accecn = 0                  # AccECN: 1 the SYN asked (AE, CWR, ECE), 2 the SYN/ACK agreed


# AE, CWR, ECE of a SYN/ACK that agrees to AccECN (tshark: any of these answers)
ACCECN_SYNACK = (0b010, 0b011, 0b100, 0b110)


def accecn_step(stream: TcpStream, flags: int) -> bool:
    """Follow the AccECN handshake; True when the segment's AE, CWR and ECE are one ACE counter."""
    handshake = flags & 0x12                 # SYN, ACK
    if handshake == 0x02:
        stream.accecn = 1 if flags & 0x1C0 == 0x1C0 else 0
    elif handshake == 0x12:
        stream.accecn = 2 if stream.accecn and (flags >> 6) & 7 in ACCECN_SYNACK else 0
    return stream.accecn == 2 and not flags & 0x02


class Segment:
    """What the analysis needs of one segment (read from its header by the caller)."""

    __slots__ = ("frame", "ts", "seq", "ack", "flags", "window", "seglen", "wscale", "sacked")

    def __init__(self, frame: int, ts: float, seq: int, ack: int, flags: int, window: int, seglen: int,
                 wscale: int | None, sacked: int | None = None):
        self.frame, self.ts, self.seq, self.ack, self.flags = frame, ts, seq, ack, flags
        self.window, self.seglen, self.wscale = window, seglen, wscale
        self.sacked = sacked             # bytes in its SACK blocks, None without the option


def set_scaling(seg: Segment, fwd: TcpFlow, rev: TcpFlow) -> None:
    """A SYN's window scale option (or its absence) as tshark reads it: a SYN or SYN+ACK
    without the option means neither direction scales."""
    if not seg.flags & SYN:
        return
    if seg.wscale is not None:
        fwd.win_scale = min(seg.wscale, MAX_SHIFT)
    elif fwd.win_scale == WSCALE_UNKNOWN or seg.flags & ACK:
        fwd.win_scale = rev.win_scale = WSCALE_NONE


def real_window(seg: Segment, fwd: TcpFlow) -> int:
    """The window in bytes: never scaled in a SYN, else shifted by the sender's own scale."""
    if seg.flags & SYN or fwd.win_scale < 0:
        return seg.window
    return seg.window << fwd.win_scale


def analyse_segment(seg: Segment, fwd: TcpFlow, rev: TcpFlow, first_rtt) -> dict:
    """tshark's tcp_analyze_sequence_number: the analysis of `seg` (flag names, plus
    acks_frame, ack_rtt, bytes_in_flight, push_bytes_sent, duplicate_ack_num/frame),
    moving `fwd` (the sender's direction) and `rev` on."""
    flags, seq, ack, seglen, ts = seg.flags, seg.seq, seg.ack, seg.seglen, seg.ts
    window = real_window(seg, fwd)
    notes: dict = {}
    control = flags & (SYN | FIN | RST)

    def flag(name):
        notes[name] = True

    if flags & ACK:
        rev.valid_bif = True
    fwd.sacked = seg.sacked or 0          # its latest segment's blocks only, as tshark keeps them
    if seglen == 1 and seq == fwd.nextseq and rev.window == 0:
        flag(ZERO_WINDOW_PROBE)            # one byte at the edge of a closed window
    else:
        _window_and_ack_checks(seg, window, control, fwd, rev, flag, notes)
    if ack != fwd.lastack:
        fwd.lastnondupack = seg.frame
        fwd.dupacknum = 0

    # an ACK for data we never saw sent
    if flags & ACK and rev.maxseqtobeacked and gt(ack, rev.maxseqtobeacked):
        flag(ACK_LOST_SEGMENT)
        rev.maxseqtobeacked = rev.nextseq         # so the same loss is not told twice

    if (seglen > 0 or flags & (SYN | FIN)) and KEEP_ALIVE not in notes:
        _retransmission_kind(seg, fwd, rev, first_rtt, flag)
        if RETRANSMISSION in notes:
            # the RTO: from the eldest segment still unacknowledged (the one likely resent)
            frame, then = (fwd.segments[0][0], fwd.segments[0][3]) if fwd.segments else \
                (fwd.nextseqframe, fwd.nextseqtime)
            if ts != then:
                notes["rto"] = ts - then
                notes["rto_frame"] = frame

    nextseq = (seq + seglen) & MASK
    if seglen or flags & (SYN | FIN):
        if flags & (SYN | FIN):
            nextseq = (nextseq + 1) & MASK
        if len(fwd.segments) < MAX_UNACKED:
            fwd.segments.append([seg.frame, seq, nextseq, ts])
    if (not fwd.nextseq or gt(nextseq, fwd.nextseq)) and ZERO_WINDOW_PROBE not in notes:
        fwd.nextseq = nextseq
        fwd.nextseqtime = ts
        fwd.nextseqframe = seg.frame
    if (not fwd.maxseqtobeacked or seq == fwd.maxseqtobeacked) and ZERO_WINDOW_PROBE not in notes:
        fwd.maxseqtobeacked = fwd.nextseq

    fwd.window = window
    fwd.lastack = ack
    fwd.lastacktime = ts
    fwd.lastsegmentflags = frozenset(name for name in notes if name in INFO_WORDS)

    _acknowledge(seg, rev, notes)
    if seglen and fwd.segments and fwd.valid_bif:
        first, last = unacked_span(fwd)
        in_flight = (last - first - rev.sacked) & MASK        # what the peer SACKed has arrived
        if 0 < in_flight < 2_000_000_000:
            notes["bytes_in_flight"] = in_flight - (1 if flags & (SYN | FIN) else 0)
        # bytes sent since the last PSH, this segment's included
        if fwd.push_set_last:
            fwd.push_bytes_sent = seglen
        else:
            fwd.push_bytes_sent += seglen
        fwd.push_set_last = bool(flags & PSH)
        notes["push_bytes_sent"] = fwd.push_bytes_sent
    return notes


def unacked_span(fwd: TcpFlow) -> tuple[int, int]:
    """The lowest relative start and the highest relative end of the segments not yet
    acknowledged (tshark's bytes in flight). Kept from the last call while segments were only
    appended, so a flow whose ACKs are not in the capture costs a step a segment, not a walk
    of up to MAX_UNACKED."""
    segments, base = fwd.segments, fwd.base_seq
    cached = fwd.span
    if cached is not None and cached[0] is segments and cached[2] == base and cached[1] <= len(segments):
        first, last, start = cached[3], cached[4], cached[1]
    else:
        first = (segments[0][1] - base) & MASK if base is not None else 0
        last, start = first, 0
    base = base or 0
    for _, useq, unext, _ in segments[start:] if start else segments:
        first = min(first, (useq - base) & MASK)
        last = max(last, (unext - base) & MASK)
    fwd.span = (segments, len(segments), fwd.base_seq, first, last)
    return first, last


def _window_and_ack_checks(seg, window, control, fwd, rev, flag, notes) -> None:
    seq, ack, seglen = seg.seq, seg.ack, seg.seglen
    if window == 0 and not control:
        flag(ZERO_WINDOW)
    if fwd.nextseq and gt(seq, fwd.nextseq) and not seg.flags & RST:
        flag(LOST_SEGMENT)
        fwd.valid_bif = False             # until an ACK comes the other way
    if seglen <= 1 and seq == (fwd.nextseq - 1) & MASK and not control:
        flag(KEEP_ALIVE)
    same = seglen == 0 and seq == fwd.nextseq and ack == fwd.lastack and not control
    if same and window and window != fwd.window:
        flag(WINDOW_UPDATE)
    if (seglen > 0 and rev.win_scale != WSCALE_UNKNOWN and rev.window is not None
            and (seq + seglen) & MASK == (rev.lastack + rev.window) & MASK and not control):
        flag(WINDOW_FULL)
    if same and window and window == fwd.window and KEEP_ALIVE in rev.lastsegmentflags:
        flag(KEEP_ALIVE_ACK)
        return
    if same and window == 0 and window == fwd.window and ZERO_WINDOW_PROBE in rev.lastsegmentflags:
        flag(ZERO_WINDOW_PROBE_ACK)
        return
    if same and window and window == fwd.window:
        fwd.dupacknum = 1 if fwd.dupacknum == -1 else fwd.dupacknum + 1
        flag(DUPLICATE_ACK)
        notes["duplicate_ack_num"] = fwd.dupacknum
        notes["duplicate_ack_frame"] = fwd.lastnondupack


def _retransmission_kind(seg, fwd, rev, first_rtt, flag) -> None:
    """A segment that does not advance the sequence: spurious, fast, out of order, or plain."""
    seq, seglen, ts = seg.seq, seg.seglen, seg.ts
    not_advanced = bool(fwd.nextseq) and lt(seq, fwd.nextseq)
    if seglen > 1 and (fwd.nextseq - 1) & MASK == seq:
        not_advanced = False
    if seglen > 0 and rev.lastack and le((seq + seglen) & MASK, rev.lastack):
        flag(SPURIOUS_RETRANSMISSION)
        return
    if (not_advanced and rev.dupacknum >= 2 and rev.lastack == seq
            and ts - rev.lastacktime < FAST_RETRANS_WINDOW):
        flag(FAST_RETRANSMISSION)
        return
    threshold = first_rtt if first_rtt else OOO_DEFAULT
    virtual = 1 if seg.flags & (SYN | FIN) else 0
    if not_advanced and ts - fwd.nextseqtime < threshold and fwd.nextseq != (seq + seglen + virtual) & MASK:
        flag(OUT_OF_ORDER)
        return
    if not_advanced:
        flag(RETRANSMISSION)


def _acknowledge(seg, rev: TcpFlow, notes: dict) -> None:
    """Drop the segments this ACK covers; one it ends exactly gives acks_frame and the RTT."""
    ack = seg.ack
    kept = []
    changed = False
    for entry in reversed(rev.segments):          # newest first, as tshark walks its list
        if ack == entry[2]:
            notes["acks_frame"] = entry[0]
            if seg.ts != entry[3]:                # tshark leaves out an RTT of zero
                notes["ack_rtt"] = seg.ts - entry[3]
            else:
                notes.pop("ack_rtt", None)
        elif gt(ack, entry[1]) and le(ack, entry[2]):
            entry[1] = ack
            kept.append(entry)
            changed = True
            continue
        elif gt(entry[2], ack):
            kept.append(entry)
            continue
        changed = True
    if changed:         # a new list: unacked_span's cache holds to the old one only
        kept.reverse()
        rev.segments = kept


def info_prefix(notes: dict) -> str:
    """The words tshark puts before a flagged segment's Info: "[TCP Window Full] [TCP Retransmission] "."""
    words = [INFO_WORDS[name].format(frame=notes.get("duplicate_ack_frame"), num=notes.get("duplicate_ack_num"))
             for name in PRINT_ORDER if name in notes]
    return "".join(word + " " for word in reversed(words))
