"""The analysis pass: conversation state over frames fed in capture order, as tshark's.

    analyser = Analyser()
    for number, ts, d in frames:            # d: a Dissection (a summary-only one will do)
        notes = analyser.feed(number, ts, d)

`Notes` are what tshark's first pass adds to a frame: TCP stream index, relative
sequence and ACK numbers, scaled window, SEQ/ACK analysis (stack/wire/analysis/tcp.py),
UDP stream index, and request/response links for ICMP, ICMPv6 and DNS
(stack/wire/analysis/links.py).  Each is a field named as tshark names it, so a
display filter reads it like any other (`notes.fields`).

A link from a request forward to its response is known only when the response comes:
the pass then writes it into the request's notes (`Analyser.learn`), as tshark's second
pass shows it (`tshark -2`), for requests among the last `MAX_RECENT` frames.  Memory is
per stream and per recent frame, not per file: streams are kept in LRU order up to
`MAX_STREAMS` each kind.
"""
from __future__ import annotations

import re
from collections import OrderedDict

from .. import protocols  # noqa: F401   (every dissector: the pass dissects frames itself)
from ..dissect import dissect
from ..tcp import (ACE_BITS, ACE_SHIFT, ACK, FIN, RST, FLAGS_MASK, HEADER, HEADER_LEN, OPT_EOL, OPT_NOP, OPT_SACK, OPT_WSCALE, SYN, _skim_option_words,
                   head_text, info_text)
from . import links
from .arp_duplicates import DuplicateAddresses
from .reassembly import Assembler, Budget, app_for, dissect_pdu
from .tcp import Segment, TcpStream, accecn_step, analyse_segment, info_prefix, real_window, set_scaling

MAX_STREAMS = 65536
STILL_DISSECTED = ("tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission")
TCP_COLUMNS = ("TCP", "MPTCP")      # the Protocol column of a segment whose Info is TCP's own
MAX_RECENT = 65536           # frames whose notes a later frame may still add a link to
SACK_EDGE = re.compile(r"\b(SLE|SRE)=(\d+)")
NETWORK = ("ip", "ipv6")
ADDRESSES = {"ip": (12, 4), "ipv6": (8, 16)}
QUOTING = ("icmp", "icmpv6")         # a TCP/UDP header inside an ICMP error is not part of a stream


class Notes:
    """What the analysis adds to one frame.

    `fields`: generated fields by tshark's names (one value each, or a list for a frame that
    carries several messages); `prefix`/`suffix`: words tshark adds before/after the Info
    text; `tcp`: (raw head, relative head) of the TCP Info text, to replace one by the other;
    `tcp_label`: relative (seq, ack) for the TCP layer's label.
    """

    __slots__ = ("fields", "prefix", "suffix", "_tcp", "tcp_label", "sack_base", "_tcp_info", "pdus",
                 "pdu_segment", "protocols", "duplicates", "ace")

    def __init__(self):
        self.fields: dict = {}
        self.prefix = ""
        self.suffix = ""
        self._tcp = None             # the numbers of both heads, made into text when shown
        self.tcp_label = None
        self.sack_base = None        # SACK edges in the Info text are relative to this (the peer's ISN)
        self._tcp_info = None        # what the TCP Info text is made of (see `tcp_info`)
        self.pdus: list = []         # reassembled messages this frame ended (reassembly.Pdu)
        self.pdu_segment = False     # it carries part of a message not yet ended
        self.protocols: set = set()  # the layers of those messages (for protocol names in filters)
        self.duplicates: list = []   # ARP: (address, MAC, the MAC that held it, its frame, seconds since)
        self.ace = False             # a segment of an AccECN connection: AE, CWR, ECE are the ACE counter

    def columns(self, protocol: str, info: str) -> tuple[str, str]:
        """The Protocol and Info columns with the analysis applied: a frame that ends a
        reassembled message shows it; one that carries part of one says so."""
        if self.pdus:
            d = dissect_pdu(self.pdus[-1], tree=False)
            return d.protocol or protocol, self.prefix + d.info + self.suffix
        if self.pdu_segment and self.tcp_info:
            return "TCP", self.prefix + self.tcp_info + " [TCP segment of a reassembled PDU]"
        if self.undissected and protocol not in TCP_COLUMNS and self.tcp_info:
            return "TCP", self.prefix + self.tcp_info + self.suffix
        return protocol, self.info(protocol, info)

    @property
    def ends_at_tcp(self) -> bool:
        """The frame's own layers stop at TCP: what follows is a message it ended (shown from
        the notes), part of one, or the payload of a segment tshark does not dissect."""
        return bool(self.pdus) or self.pdu_segment or self.undissected

    @property
    def undissected(self) -> bool:
        """A retransmitted or out-of-order segment, whose payload tshark hands to no dissector
        (tcp.no_subdissector_on_error, on by default): it lists as TCP, its tree ends at TCP."""
        fields = self.fields
        if "tcp.analysis.out_of_order" in fields:
            return True
        # a fast or spurious retransmission also carries the retransmission field, not the flag
        return "tcp.analysis.retransmission" in fields and not any(name in fields for name in STILL_DISSECTED)

    @property
    def tcp(self):
        """(raw head, relative head) of the TCP Info text: "80 → 1234 [ACK] Seq=.. Ack=.. Win=.."."""
        if self._tcp is None:
            return None
        sport, dport, flags, seq, ack, window, rel_seq, rel_ack, win = self._tcp
        return (head_text(sport, dport, flags, seq, ack, window),
                head_text(sport, dport, flags, rel_seq, rel_ack, win, self.ace))

    @property
    def tcp_info(self) -> str:
        """The TCP Info text, relative (what a segment of a reassembled message shows)."""
        if self._tcp_info is None:
            return ""
        buf, off, hdr_len, seglen = self._tcp_info
        words = _skim_option_words(buf, off + HEADER_LEN, min(off + hdr_len, len(buf))) or []
        text = " ".join([info_text(self.tcp[0], False, self._tcp[2], HEADER.unpack_from(buf, off)[7], seglen)]
                        + words)
        return self._relative(text)

    def info(self, protocol: str, info: str) -> str:
        """The Info column with the analysis applied."""
        if protocol in TCP_COLUMNS:
            info = self._relative(info)
        return self.prefix + info + self.suffix

    def _relative(self, info: str) -> str:
        """A TCP Info text with its numbers made relative and its window scaled."""
        heads = self.tcp
        if heads is not None and info.startswith(heads[0]):
            info = heads[1] + info[len(heads[0]):]
            if self.sack_base is not None and " SLE=" in info:
                base = self.sack_base
                info = SACK_EDGE.sub(lambda m: f"{m[1]}={(int(m[2]) - base) & 0xFFFFFFFF}", info)
        return info

    def __bool__(self):     # an echo request with no reply has only its Info suffix
        return bool(self.fields or self.suffix or self.prefix or self.pdus or self.pdu_segment)


def _wscale_option(buf, pos: int, stop: int):
    """The shift of a window scale option in buf[pos:stop], or None."""
    while pos < stop:
        kind = buf[pos]
        if kind == OPT_EOL:
            return None
        if kind == OPT_NOP:
            pos += 1
            continue
        if pos + 1 >= stop or buf[pos + 1] < 2:
            return None
        if kind == OPT_WSCALE and buf[pos + 1] == 3 and pos + 2 < stop:
            return buf[pos + 2]
        pos += buf[pos + 1]
    return None


def _sack_bytes(buf, pos: int, stop: int):
    """The bytes the SACK blocks in buf[pos:stop] cover, or None without a SACK option."""
    while pos < stop:
        kind = buf[pos]
        if kind == OPT_EOL:
            return None
        if kind == OPT_NOP:
            pos += 1
            continue
        if pos + 1 >= stop or buf[pos + 1] < 2:
            return None
        length = buf[pos + 1]
        if kind == OPT_SACK and pos + length <= stop:
            return sum((int.from_bytes(buf[at + 4:at + 8], "big") - int.from_bytes(buf[at:at + 4], "big"))
                       & 0xFFFFFFFF for at in range(pos + 2, pos + length - 7, 8))
        pos += length
    return None


def _lru_get(table: OrderedDict, key):
    hit = table.get(key)
    if hit is not None:
        table.move_to_end(key)
    return hit


def _lru_put(table: OrderedDict, key, value) -> None:
    table[key] = value
    if len(table) > MAX_STREAMS:
        _, oldest = table.popitem(last=False)
        for assembler in getattr(oldest, "assemblers", {}).values():
            assembler.release()


class Analyser:
    """Conversation state, fed frames in capture order."""

    def __init__(self):
        self.tcp_streams: OrderedDict = OrderedDict()
        self.udp_streams: OrderedDict = OrderedDict()
        self.next_tcp = 0
        self.next_udp = 0
        self.links = links.Links()
        self.arp = DuplicateAddresses()
        self.recent: OrderedDict = OrderedDict()     # frame number -> its Notes, the latest MAX_RECENT
        self.budget = Budget()                       # what reassembly holds, all streams together
        self.tcp_last_ts: dict = {}
        self.base_ns: int | None = None              # the first frame's time, when fed in ns

    def feed(self, number: int, ts, d) -> Notes:
        """The frame's notes; `ts` in float seconds, or int ns since 1970 (a capture's own
        time): those are kept relative to the first frame's, so the deltas the analysis
        gives (dns.time, tcp.time_delta, RTTs) carry no float noise from the epoch."""
        seconds = ts // 1_000_000_000 if ts.__class__ is int else int(ts)      # the whole seconds of its time
        if ts.__class__ is int:
            if self.base_ns is None:
                self.base_ns = ts
            ts = (ts - self.base_ns) / 1_000_000_000
        notes = Notes()
        network = None
        net_index = None
        quoted = False
        for index, layer in enumerate(d.layers):
            name = layer.name
            if name in NETWORK and not quoted:
                network, net_index = layer, index
            elif name in QUOTING:
                if network is not None:
                    self.links.icmp(self, number, ts, d, layer, network, notes)
                quoted = True
            elif name == "tcp" and not quoted and network is not None:
                self._tcp(number, ts, d, layer, network, net_index, index, notes)
            elif name == "udp" and not quoted and network is not None:
                self._udp(d, layer, network, notes)
            elif name in ("dns", "mdns", "llmnr") and not quoted and network is not None:
                self.links.dns(self, number, ts, d, layer, network, notes)
            elif name == "arp":
                self.arp.check(number, seconds, d, layer, notes)
        recent = self.recent
        recent[number] = notes
        if len(recent) > MAX_RECENT:
            recent.popitem(last=False)
        return notes

    def learn(self, frame: int, field: str, value) -> None:
        """A link forward found now for an earlier frame: written into its notes."""
        notes = self.recent.get(frame)
        if notes is None:
            return
        if field == "suffix":
            notes.suffix = value
            return
        known = notes.fields
        if field in known:               # a frame of several messages: one link each
            old = known[field]
            known[field] = (old if old.__class__ is list else [old]) + [value]
        else:
            known[field] = value

    @staticmethod
    def _ends(d, layer, network):
        """The addresses that key the conversation: those the pseudo-header uses, as tshark's."""
        if d.moved_ends:
            for index, ends in d.moved_ends.items():
                if d.layers[index] is network:
                    return ends
        start, size = ADDRESSES[network.name]
        buf = d.buf
        src = bytes(buf[network.offset + start:network.offset + start + size])
        dst = bytes(buf[network.offset + start + size:network.offset + start + 2 * size])
        return src, dst

    def _udp(self, d, layer, network, notes: Notes) -> None:
        if layer.length < 8:
            return
        buf, off = d.buf, layer.offset
        src, dst = self._ends(d, layer, network)
        a = (src, int.from_bytes(buf[off:off + 2], "big"))
        b = (dst, int.from_bytes(buf[off + 2:off + 4], "big"))
        key = (a, b) if a <= b else (b, a)
        index = _lru_get(self.udp_streams, key)
        if index is None:
            index = self.next_udp
            self.next_udp += 1
            _lru_put(self.udp_streams, key, index)
        notes.fields["udp.stream"] = index

    def _tcp(self, number, ts, d, layer, network, net_index, index, notes: Notes) -> None:
        buf, off = d.buf, layer.offset
        if len(buf) - off < HEADER_LEN:
            return
        sport, dport, seq, ack, off_flags, window, _, _ = HEADER.unpack_from(buf, off)
        hdr_len, flags = (off_flags >> 12) * 4, off_flags & FLAGS_MASK
        if hdr_len < HEADER_LEN:
            return
        end = d.network_end(net_index)
        seglen = max(0, end - off - hdr_len)
        src, dst = self._ends(d, layer, network)
        a, b = (src, sport), (dst, dport)
        key = (a, b) if a <= b else (b, a)
        stream = _lru_get(self.tcp_streams, key)
        reused = False
        if stream is not None and flags & (SYN | ACK) == SYN:
            base = stream.flows[a].base_seq
            if base is not None and base != seq:
                stream, reused = None, True          # tshark: the same ports, a new session
        if stream is None:
            stream = TcpStream(self.next_tcp, a, b)
            self.next_tcp += 1
            _lru_put(self.tcp_streams, key, stream)
        fwd, rev = stream.flows[a], stream.flows[b]
        if (flags & ACE_BITS or stream.accecn) and accecn_step(stream, flags):
            notes.ace = True
            notes.fields["tcp.flags.ace"] = (flags & ACE_BITS) >> ACE_SHIFT
        wscale = _wscale_option(buf, off + HEADER_LEN, min(off + hdr_len, len(buf))) if flags & SYN else None
        sacked = _sack_bytes(buf, off + HEADER_LEN, min(off + hdr_len, len(buf))) if hdr_len > 20 else None
        seg = Segment(number, ts, seq, ack, flags, window, seglen, wscale, sacked)
        set_scaling(seg, fwd, rev)
        if fwd.base_seq is None:
            fwd.base_seq = seq if flags & SYN else (seq - 1) & 0xFFFFFFFF
        if flags & ACK and rev.base_seq is None:
            rev.base_seq = (ack - 1) & 0xFFFFFFFF
        if flags & SYN and not flags & ACK:
            stream.syn_time, stream.syn_frame = ts, number
        if stream.first_ts is None:
            stream.first_ts = ts
        win = real_window(seg, fwd)
        rel_seq = (seq - fwd.base_seq) & 0xFFFFFFFF
        rel_ack = (ack - rev.base_seq) & 0xFFFFFFFF if flags & ACK else 0
        analysis = analyse_segment(seg, fwd, rev, stream.first_rtt)
        self._handshake_rtt(stream, a, seg)
        fields = notes.fields
        fields["tcp.stream"] = stream.index
        fields["tcp.seq"] = rel_seq
        fields["tcp.nxtseq"] = (rel_seq + seglen + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        fields["tcp.ack"] = rel_ack if flags & ACK else ack
        fields["tcp.window_size"] = win
        if not flags & SYN:
            fields["tcp.window_size_scalefactor"] = fwd.win_scale if fwd.win_scale < 0 else 1 << fwd.win_scale
        last = self.tcp_last_ts.get(stream.index)
        fields["tcp.time_relative"] = ts - stream.first_ts
        fields["tcp.time_delta"] = ts - last if last is not None else 0.0
        self.tcp_last_ts[stream.index] = ts
        if len(self.tcp_last_ts) > MAX_STREAMS:
            self.tcp_last_ts.pop(next(iter(self.tcp_last_ts)))
        if analysis:                       # tshark shows the iRTT where a frame has SEQ/ACK analysis
            if stream.first_rtt is not None:
                fields["tcp.analysis.initial_rtt"] = stream.first_rtt
            elif len(stream.early) < 8:
                stream.early.append(notes)     # the handshake's frames: told once the iRTT is known
        if reused:
            analysis["reused_ports"] = True
        flagged = False
        for name, value in analysis.items():
            fields["tcp.analysis." + name] = value
            if value is True:
                flagged = True
        if flagged:
            fields["tcp.analysis.flags"] = True
        if "fast_retransmission" in analysis or "spurious_retransmission" in analysis:
            fields["tcp.analysis.retransmission"] = True     # tshark adds both experts
        notes.prefix = info_prefix(analysis)
        notes._tcp = (sport, dport, flags, seq, ack, window, rel_seq, rel_ack, win)
        notes._tcp_info = (buf, off, hdr_len, seglen)
        notes.tcp_label = (rel_seq, rel_ack)
        notes.sack_base = rev.base_seq
        app = app_for(sport, dport) if not flags & RST else None     # a reset's payload is its cause
        if app is not None:
            self._reassemble(number, ts, d, stream, a, app, seq, flags, off + hdr_len, end, notes,
                             (src, sport, dst, dport))

    def _reassemble(self, number, ts, d, stream, a, app, seq, flags, start, end, notes, ends) -> None:
        assembler = stream.assemblers.get(a)
        if assembler is None:
            assembler = stream.assemblers[a] = Assembler(app, self.budget)
        payload = bytes(d.buf[start:min(end, len(d.buf))])
        done, pending = assembler.feed(number, seq, payload, bool(flags & SYN), bool(flags & FIN))
        notes.pdu_segment = pending and not done
        for pdu in done:
            notes.pdus.append(pdu)
            if len(pdu.pieces) > 1 or pdu.pieces[0][0] != number:
                notes.fields.setdefault("tcp.segment", []).extend(frame for frame, _ in pdu.pieces)
                notes.fields["tcp.reassembled.length"] = len(pdu.data)
                for frame, _ in pdu.pieces:
                    if frame != number:
                        self.learn(frame, "tcp.reassembled_in", number)
            message = dissect_pdu(pdu)
            for layer in message.layers:
                notes.protocols.add(layer.name)
                for node in layer.walk():
                    if node is not layer and node.name:
                        notes.fields.setdefault(node.name, []).append(node.value)
            self.links.message(self, number, ts, stream, pdu, ends, notes)

    @staticmethod
    def _handshake_rtt(stream, a, seg) -> None:
        """tshark's iRTT: from the SYN to the first ACK after it (the one that completes the
        handshake, or whatever ACK comes first when the SYN+ACK was not seen).  tshark takes a
        zero iRTT for none yet: an ACK with the SYN's very time leaves it to the next."""
        if (stream.first_rtt is None and stream.syn_frame is not None and seg.flags & (SYN | ACK) == ACK
                and seg.frame != stream.syn_frame and seg.ts != stream.syn_time):
            stream.first_rtt = seg.ts - stream.syn_time
            for notes in stream.early:
                notes.fields["tcp.analysis.initial_rtt"] = stream.first_rtt
            stream.early = []


def annotate(frames) -> list:
    """[(frame, notes)] for the frames of `frames` in order, each dissected without a tree; the
    links forward are in the notes once the list is made.  A frame needs `number`, `ts`, `data`,
    `linktype` and `orig_len` (a stack.capture.Captured)."""
    analyser = Analyser()
    return [(pkt, analyser.feed(pkt.number, pkt.ts_ns, dissect(pkt.data, pkt.linktype, tree=False,
                                                            orig_len=pkt.orig_len)))
            for pkt in frames]


class Annotated:
    """A captured frame with its analysis notes: what `capture show` lists and a display
    filter reads (`notes.fields` beside the dissection's own fields)."""

    __slots__ = ("pkt", "notes", "number", "ts", "ts_ns", "digits", "data", "orig_len", "link", "ifindex",
                 "direction", "linktype", "interface", "pack_flags", "defrag", "columns")

    def __init__(self, pkt, notes: Notes, defrag=None, columns=None):
        self.pkt = pkt
        self.notes = notes
        self.columns = columns      # (source, destination, protocol, info) of the analysis pass's dissection
        self.defrag = defrag         # IP reassembly's view of the frame (stack/wire/defrag_view.py)
        self.number, self.ts, self.data, self.orig_len = pkt.number, pkt.ts, pkt.data, pkt.orig_len
        self.ts_ns, self.digits = pkt.ts_ns, pkt.digits
        self.link, self.ifindex, self.direction, self.linktype = pkt.link, pkt.ifindex, pkt.direction, pkt.linktype
        self.interface, self.pack_flags = pkt.interface, pkt.pack_flags


def annotated(frames, wanted=None) -> list:
    """The frames of `frames` (all, or those whose numbers are in `wanted`) as `Annotated`,
    the analysis run over all of them in order."""
    from ..defrag_view import DefragView, attach as defrag_attach     # IP reassembly, a pass of its own
    analyser, defrag = Analyser(), DefragView()
    out = []
    for pkt in frames:
        d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
        view = defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
        if view is not None:
            d = defrag_attach(d, view)
        notes = analyser.feed(pkt.number, pkt.ts_ns, d)
        if wanted is None or pkt.number in wanted:
            out.append(Annotated(pkt, notes, view))
    return out
