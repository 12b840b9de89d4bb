"""``capture`` and ``replay``: what crossed a link, dissected, saved, read back, pushed again.

The stack keeps the ring and the taps; files are read and written here, in
the face (stack/capfile does the formats), except a capture's own ``write
FILE``, which the stack streams as packets arrive.
"""
from __future__ import annotations

import threading
import time
import weakref

from netsh import stats_render  # noqa: F401   (the renderers of capture stats)
from netsh.argtypes import FILE, LINK, ON_OFF, Choice, Integer
from netsh import capsource
from netsh.dfilter import DISPLAY_FILTER
from netsh.timefmt import FORMAT_HELP, FORMATS, format_time
from netsh.errors import CommandError
from netsh.grammar import ArgType, Node, expr, flag, leaf, opt, pos
from netsh.render import Result, View, renderer, row_renderer
from stack.errors import StackError

WORDS = ("capture",)
PACKETS = Integer(1, 2 ** 31, "N", "a packet number")
LAST = Integer(1, 2 ** 31, "N", "how many of the newest packets")
COUNT = Integer(1, 2 ** 31, "COUNT", "stop after COUNT packets")
SNAPLEN = Integer(14, 262144, "SNAPLEN", "bytes kept of each packet, 14..262144")
RATE = Integer(1, 1_000_000, "PPS", "packets per second, 1..1000000")
REPLAY_BATCH = 256
INTERRUPT_CHECK = 4096      # records read between two looks for an interrupt


class BpfFilter(ArgType):
    """A tcpdump filter expression, checked by libpcap as it is typed."""

    metavar = "EXPR"
    help = "a tcpdump (BPF) filter expression, quoted"

    def parse(self, token: str) -> str:
        from stack.capture import compile_filter
        try:
            compile_filter(token)
        except StackError as exc:
            raise ValueError(str(exc).partition(": ")[2]) from None
        return token


FILTER = BpfFilter()


# --- handlers --------------------------------------------------------------------------

def start(ctx, args):
    return Result("capture-status", ctx.stack.capture_start(
        args["dev"], args["filter"], args["count"], args["snaplen"], args["write"]))


def stop(ctx, args):
    return Result("capture-status", ctx.stack.capture_stop())


def status(ctx, args):
    """The ring's state, or the file's; of a file, how far its conversation analysis has come
    for paging (netsh/capsource.py analysis_state)."""
    data = ctx.stack.capture_status()
    if data.get("file"):
        data.update(capsource.analysis_state(ctx.stack.capture_packets()))
    return Result("capture-status", data)


def show(ctx, args):
    """`capture show`; with `checksums on|off`, TCP/UDP/IPv4 checksums verified or not in the
    dissections of its packets (stack/wire/dissect.py CHECKSUMS: off unless asked, as tshark)."""
    if args["checksums"] is None:
        return _show(ctx, args)
    from stack.wire.dissect import CHECKSUMS
    check = args["checksums"] == "on"
    token = CHECKSUMS.set(check)
    try:
        result = _show(ctx, args)
    finally:
        CHECKSUMS.reset(token)
    return Result(result.kind, result.data, result.status, _checking(result.rows, check))


def _checking(rows, check: bool):
    """`rows` (made as they are asked for) with checksums verified or not while each is made."""
    from stack.wire.dissect import CHECKSUMS
    rows = iter(rows)
    while True:
        token = CHECKSUMS.set(check)
        try:
            row = next(rows)
        except StopIteration:
            return
        finally:
            CHECKSUMS.reset(token)
        yield row


def _show(ctx, args):
    from stack.capture import FileView
    if args["at"] is not None:
        return show_displayed(ctx, args)
    if args["count"] is not None and args["start"] is None:
        raise CommandError('"count" needs "from" or "at": capture show from N count M', token="count")
    windowed = not (args["number"] is None and args["last"] is None and args["start"] is None)
    chosen = ctx.stack.capture_packets(args["number"], args["last"], args["start"], args["count"])
    everything = ctx.stack.capture_packets() if windowed else chosen
    if isinstance(everything, FileView):        # a file: paged through, never copied whole
        if windowed:
            packets = displayed(ctx, capsource.window_annotated(ctx, everything, chosen, bool(args["quick"])),
                                args["display"])
        else:
            packets = capsource.kept(ctx, capsource.stream_annotated(ctx, everything), args["display"])
        first = everything.ends()["first_ts_ns"] or 0
        previous = everything.time_of
    else:
        packets = displayed(ctx, annotated(ctx, everything, {pkt.number for pkt in chosen} if windowed else None),
                            args["display"])
        first = ctx.stack.capture_status()["first_ts_ns"] or 0
        previous = _ring_time_of(ctx)
    detail = bool(args["verbose"] or args["hex"] or ctx.options.json)
    return Result("capture", {"verbose": bool(args["verbose"]), "hex": bool(args["hex"])},
                  rows=packet_rows(packets, first, detail, args["time_format"] or "r", previous))


def show_displayed(ctx, args):
    """`at K [count N] -Y EXPR`: the K-th packet the filter keeps (and the N-1 after it), with
    how far the filter has come (data["displayed"]): what a filtered list pages by."""
    from netsh import displayed as displayed_set
    from stack.capture import FileView
    display = args["display"]
    if display is None:
        raise CommandError('"at" counts the packets a display filter keeps: add -Y EXPR', token="at")
    if args["number"] is not None or args["last"] is not None or args["start"] is not None:
        raise CommandError('"at" pages by the filter\'s count, not by packet numbers: leave out '
                           'N, last and from', token="at")
    chosen = displayed_set.selection(ctx, display, annotated)
    first, total = chosen.ordinal_range()
    wanted = chosen.numbers_at(args["at"], args["count"] or 1)
    source = ctx.stack.capture_packets()
    ordinals = {number: ordinal for ordinal, number in wanted}
    if isinstance(source, FileView):
        packets = capsource.window_annotated(ctx, source, [source.packet(n) for _, n in wanted], quick=True)
        first_ns, time_of = source.ends()["first_ts_ns"] or 0, source.time_of
    else:
        packets = annotated(ctx, source, set(ordinals)) if wanted else []
        first_ns, time_of = ctx.stack.capture_status()["first_ts_ns"] or 0, _ring_time_of(ctx)
    detail = bool(args["verbose"] or args["hex"])
    rows = [dict(row, ordinal=ordinals[row["number"]])
            for row in packet_rows(packets, first_ns, detail, args["time_format"] or "r", time_of)]
    return Result("capture", {"verbose": bool(args["verbose"]), "hex": bool(args["hex"]),
                              "displayed": {"first": first, "total": total, "scanned": chosen.scanned,
                                            "done": chosen.done}}, rows=rows)


def _ring_time_of(ctx):
    """The time (ns) of ring packet `number`, None when it has left the ring."""
    def time_of(number: int):
        found = ctx.stack.capture_packets(start=number, count=1)
        return found[0].ts_ns if found and found[0].number == number else None
    return time_of


class _Analysed:
    """The analysis of the ring so far, kept between commands: a listing paged through (the
    dashboard fetches a screen at a time) or a ring that moved on (a running capture) is
    analysed only for the frames it has not seen, as long as the last frame it saw is still
    there.  One is kept; a ring replaced (a file read, a new capture) is analysed anew."""

    def __init__(self, key):
        from stack.wire.analysis import Analyser
        from stack.wire.defrag_view import DefragView
        self.key = key
        self.analyser = Analyser()
        self.defrag = DefragView()
        self.notes: dict = {}
        self.views: dict = {}           # frame number -> its IP reassembly view, for fragments
        self.last = None            # (number, ts) of the last frame fed

    def fits(self, key, frames) -> bool:
        """Is `frames` the ring this analysis saw, perhaps grown since?"""
        if key != self.key:
            return False
        if self.last is None:
            return True
        number, ts = self.last
        at = self.seen_index(frames)
        return at is not None and frames[at].number == number and frames[at].ts == ts

    def seen_index(self, frames):
        """Where the last frame fed is in `frames` (numbers run on by one in the ring)."""
        at = self.last[0] - frames[0].number
        return at if 0 <= at < len(frames) else None


_ANALYSED: list = []
_ANALYSED_LOCK = threading.Lock()      # a served stack's faces may list at the same time


def annotated(ctx, frames_in_order, wanted=None) -> list:
    """The frames (those numbered in `wanted`, or all) with the conversation analysis of every
    frame before them applied (stack/wire/analysis): what listings and display filters read.
    The analysis of the ring is kept and carried on from the last frame it saw."""
    from stack.capture import FileView
    frames = frames_in_order
    if isinstance(frames, FileView):        # a file: one pass, or the packets wanted by a cursor
        if wanted is None:
            return capsource.stream_annotated(ctx, frames)
        return capsource.window_annotated(ctx, frames, [pkt for pkt in map(frames.packet, sorted(wanted))])
    if not frames:
        return []
    with _ANALYSED_LOCK:
        return _annotated(ctx, frames, wanted)


def _annotated(ctx, frames, wanted) -> list:
    from stack.wire.analysis import Annotated
    from stack.wire.defrag_view import attach as defrag_attach
    from stack.wire.dissect import dissect
    head = frames[0]
    key = id(ctx.stack)
    state = _ANALYSED[0] if _ANALYSED else None
    if state is None or not state.fits(key, frames):
        state = _Analysed(key)
        _ANALYSED[:] = [state]
    elif state.notes and min(state.notes) < head.number:      # the ring let its oldest go
        state.notes = {number: notes for number, notes in state.notes.items() if number >= head.number}
        state.views = {number: view for number, view in state.views.items() if number >= head.number}
    start = 0 if state.last is None else state.seen_index(frames) + 1
    for index, pkt in enumerate(frames[start:], 1):
        d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
        view = state.defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
        if view is not None:
            state.views[pkt.number] = view
            d = defrag_attach(d, view)
        state.notes[pkt.number] = state.analyser.feed(pkt.number, pkt.ts_ns, d)
        state.last = (pkt.number, pkt.ts)
        if not index % INTERRUPT_CHECK:
            ctx.checkpoint()
    notes, views = state.notes, state.views
    return [Annotated(pkt, notes[pkt.number], views.get(pkt.number)) for pkt in frames
            if wanted is None or pkt.number in wanted]


def annotator():
    """One pass of the analysis over a stream of frames, for a filter that reads them as they
    come (a file being read): what tshark's single pass gives, links forward excepted."""
    from stack.wire.analysis import Analyser, Annotated
    from stack.wire.defrag_view import DefragView, attach as defrag_attach
    from stack.wire.dissect import dissect
    analyser = Analyser()
    defrag = DefragView()

    def annotate_one(pkt):
        d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
        view = defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
        if view is not None:
            d = defrag_attach(d, view)
        return Annotated(pkt, analyser.feed(pkt.number, pkt.ts_ns, d), view)
    return annotate_one


def displayed(ctx, packets, display):
    """The packets a display filter keeps (all of them with none)."""
    if display is None:
        return packets
    kept = []
    for index, pkt in enumerate(packets, 1):
        if display(pkt):
            kept.append(pkt)
        if not index % INTERRUPT_CHECK:
            ctx.checkpoint()
    return kept


def packet_rows(packets, first_ns: int, detail: bool, time_format: str = "r", time_of=None):
    """Each packet's view as it is rendered, so a full ring is never dissected all at once;
    times in tshark's -t `time_format` (`time_of(number)`: a packet's ns, for the delta from a
    previous packet that is not shown)."""
    from netsh.inspect import packet_view     # the dissectors load when packets are shown, not on Tab
    previous = None
    for packet in packets:
        row = packet_view(packet, first_ns, detail)
        if time_format != "r" or detail:
            if previous is not None and previous.number == packet.number - 1:
                before = previous.ts_ns
            else:
                before = time_of(packet.number - 1) if time_of is not None and packet.number > 1 else None
            shown_before = None if previous is None else previous.ts_ns
            if time_format != "r":
                row["time_text"] = format_time(time_format, packet.ts_ns, packet.digits, first_ns, before,
                                               shown_before)
            if detail:              # the frame section's deltas (-V)
                row["delta_ns"] = packet.ts_ns - (packet.ts_ns if before is None else before)
                row["delta_shown_ns"] = packet.ts_ns - (packet.ts_ns if shown_before is None else shown_before)
        previous = packet
        yield row


def clear(ctx, args):
    ctx.stack.capture_clear()


def save(ctx, args):
    from stack.capfile import PcapngWriter, PcapWriter
    from stack.capture import FileView, to_record
    path = args["file"]
    packets = ctx.stack.capture_packets()
    if isinstance(packets, FileView):       # a file shown: its link types are its interfaces'
        linktypes = {iface.linktype for iface in packets.index.interfaces}
    else:
        linktypes = {p.linktype for p in packets}
    if args["display"] is not None:
        packets = (annotated_pkt.pkt for annotated_pkt in capsource.kept(ctx, annotated(ctx, packets), args["display"]))
    if path.endswith((".pcap", ".cap")):
        linktypes = linktypes or {1}
        if len(linktypes) > 1:
            raise CommandError(f'"{path}": pcap holds one link type and the ring has '
                               f'{len(linktypes)}; save as .pcapng', token=path)
        open_writer = lambda: PcapWriter(path, linktype=linktypes.pop())  # noqa: E731
    else:
        open_writer = lambda: PcapngWriter(path)  # noqa: E731
    count = 0
    try:
        with open_writer() as writer:
            for pkt in packets:
                try:
                    writer.write(to_record(pkt))
                except ValueError as exc:      # a packet the format cannot hold (its timestamp)
                    raise CommandError(f'cannot save packet {pkt.number} to "{path}": {exc}',
                                       token=path) from None
                count += 1
    except OSError as exc:
        raise CommandError(f'cannot write "{path}": {exc.strerror or exc}', token=path) from None
    return Result("text", f"{count} packets saved to {path}")


def read_records(ctx, path: str):
    """The records of a capture file, streamed (FILE may be a FIFO, or "-" for standard input).

    A damaged tail is a warning, not a loss of the rest; a record longer than the ring
    keeps of one packet is cut as it is read, and said so.
    """
    from stack.capfile import CaptureFileError, read
    from stack.capture import DEFAULT_SNAPLEN
    count = cut = 0
    first_cut = None
    try:
        for rec in read(path, keep=DEFAULT_SNAPLEN, interrupted=ctx.interrupted):
            count += 1
            if rec.cut:
                cut += 1
                first_cut = first_cut or (count, len(rec.data) + rec.cut)
            if not count % INTERRUPT_CHECK:
                ctx.checkpoint()
            yield rec
    except CaptureFileError as exc:
        if not count:
            raise CommandError(str(exc), token=path) from None
        ctx.err.write(f"Warning: {exc}; kept the {count} packets before it\n")
    except OSError as exc:
        raise CommandError(f'cannot read "{path}": {exc.strerror or exc}', token=path) from None
    if cut:
        ctx.err.write(f"Warning: {path}: {cut_text((cut, *first_cut), DEFAULT_SNAPLEN)}\n")


def cut_text(cut: tuple[int, int, int], keep: int) -> str:
    """What a file's records longer than the ring keeps of one packet became (count, first, size)."""
    count, number, size = cut
    return f"{count} records longer than {keep} bytes were cut to their first {keep} (record {number}: {size} bytes)"


SCREENFUL = 1000            # packets indexed before `capture read FILE behind` returns


def read(ctx, args):
    behind = bool(args["behind"]) and args["display"] is None     # a filter reads the whole file anyway
    view = capsource.open_view(ctx, args["file"], SCREENFUL if behind else None)
    if view is not None:
        return read_indexed(ctx, args, view)
    return read_streamed(ctx, args)


def read_indexed(ctx, args, view):
    """A regular file (gzip spooled): indexed, shown in the ring's place by the file's numbers."""
    path, display, total = args["file"], args["display"], len(view)
    if display is not None:
        view = capsource.select(ctx, view, display)
    ctx.stack.capture_open_file(view)
    if not view.index.complete:
        return Result("text", f"{len(view)} packets of {path} indexed so far; the rest is being indexed "
                              f"(`capture status` tells of damage or cut records once it is done)")
    if view.index.damage:
        ctx.err.write(f"Warning: {view.index.damage}; kept the {total} packets before it\n")
    cut = view.cut()
    if cut:
        ctx.err.write(f"Warning: {path}: {cut_text(cut, view.keep)}\n")
    matched = f" ({len(view)} of {total} matched the display filter)" if display is not None else ""
    return Result("text", f"{len(view)} packets read from {path}{matched}")


def read_streamed(ctx, args):
    """A FIFO or standard input: streamed into the ring, which keeps the newest."""
    from stack.capture import Ring, from_record
    kept = Ring()           # what the stack's ring can hold, so memory follows it, not the file
    display = args["display"]
    number = 0
    analyser = annotator() if display is not None else None
    for rec in read_records(ctx, args["file"]):
        number += 1
        pkt = from_record(rec, number, digits=9)     # the filter sees the file's frame numbers
        if display is None or display(analyser(pkt)):
            kept.add(pkt)
    count = ctx.stack.capture_load(kept.all())
    older = f" (the newest; {kept.overflow} older did not fit the ring)" if kept.overflow else ""
    matched = f" ({count} of {number} matched the display filter)" if display is not None else ""
    return Result("text", f"{count} packets read from {args['file']}{matched}{older}")


def replay(ctx, args):
    from stack.capfile import to_ethernet
    dev = args["dev"]
    link = ctx.stack.link_list(dev)[0]
    dst = bytes.fromhex(link["address"].replace(":", ""))
    rate = args["rate"]
    batch = 1 if rate and rate < REPLAY_BATCH else REPLAY_BATCH
    start_time = time.monotonic()
    frames: list[bytes] = []
    sent = skipped = 0

    def push() -> int:
        if rate:
            delay = start_time + sent / rate - time.monotonic()
            if delay > 0:
                ctx.sleep(delay)
        return ctx.stack.replay(dev, frames)

    for rec in read_records(ctx, args["file"]):
        frame = to_ethernet(rec, dst, b"\x02\x00\x00\x00\x00\xfe")
        if frame is None:
            skipped += 1
            continue
        frames.append(frame)
        if len(frames) == batch:
            sent += push()
            frames = []
    if frames:
        sent += push()
    note = f" ({skipped} skipped: not convertible to Ethernet)" if skipped else ""
    return Result("text", f"{sent} frames replayed into {dev}{note}")


FOLLOW_PROTOS = Choice(("tcp", "udp"), "PROTO", "tcp or udp")
FOLLOW_MODES = Choice(("ascii", "hex", "raw"), "MODE", "ascii (default), hex or raw, as tshark -z follow")
MODES = ("ascii", "hex", "raw")


class StreamOrMode(ArgType):
    """A stream index, or (when a filter chooses the stream) the output mode."""

    metavar = "STREAM"
    help = "a stream index (tcp.stream, udp.stream), or ascii/hex/raw when -Y chooses the stream"

    def parse(self, token: str):
        if token.isdigit():
            return Integer(0, 2 ** 31 - 1).parse(token)
        try:
            return FOLLOW_MODES.parse(token)
        except ValueError:
            raise ValueError(f'"{token}" is neither a stream number nor one of: {", ".join(MODES)}') from None

    def choices(self) -> list[str]:
        return list(MODES)


def follow(ctx, args):
    """One TCP or UDP stream's bytes in order, by index or as the first packet a display filter
    keeps (tshark -z follow,PROTO,MODE,N)."""
    from stack.wire.analysis.follow import Follower
    from stack.wire.dissect import dissect
    proto, index, display, mode = args["proto"], args["stream"], args["display"], args["mode"]
    if isinstance(index, str):              # capture follow tcp hex -Y ...: the mode, no stream
        index, mode = None, index
    if (index is None) == (display is None):
        raise CommandError(f"capture follow {proto} takes a stream number or a display filter "
                           f"(-Y EXPR), one of them", token=proto)
    source = ctx.stack.capture_packets()
    if index is None:
        key = f"{proto}.stream"
        index = next((pkt.notes.fields[key] for pkt in annotated(ctx, source)
                      if pkt.notes and key in pkt.notes.fields and display(pkt)), None)
        if index is None:
            raise CommandError(f"no {proto.upper()} packet in the ring matches the filter", token="-Y")
    follower = Follower(proto, index)
    for number, pkt in enumerate(annotated(ctx, source), 1):
        follower.feed(pkt.number, dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len), pkt.notes)
        if not number % INTERRUPT_CHECK:
            ctx.checkpoint()
    data = follower.to_dict()
    data["mode"] = mode or "ascii"
    data["text"] = follower.text(data["mode"])
    return Result("capture-follow", data)


@renderer("capture-follow")
def follow_text(data: dict, view: View) -> str:
    return data["text"]


@renderer("capture-follow", "json")
def follow_json(data: dict, view: View):
    return {key: value for key, value in data.items() if key != "text"}


STAT_TYPES = ("eth", "ip", "ipv6", "tcp", "udp")
STAT_TYPE = Choice(STAT_TYPES, "TYPE", "eth, ip, ipv6, tcp or udp")


class Seconds(ArgType):
    """A length of time in seconds, fractions allowed (0.001 for a millisecond)."""

    metavar = "INTERVAL"
    help = "seconds, e.g. 1 or 0.1"

    def parse(self, token: str) -> float:
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f'"{token}" is not a number of seconds') from None
        if not 0.000001 <= value <= 10 ** 9:
            raise ValueError(f'"{token}": an interval is 0.000001..1000000000 seconds')
        return value


_FILE_STATISTICS: list = []            # [(weakref to a FileView, its Statistics)]: a file does not change
_FILE_STATISTICS_LOCK = threading.Lock()


def ring_statistics(ctx):
    """Every table over the packets of the ring, each packet dissected once; of a file shown,
    computed once and kept while it is shown (the dashboard asks every few seconds)."""
    from stack.capture import FileView
    source = ctx.stack.capture_packets()
    if not isinstance(source, FileView):
        return _statistics(ctx, source)
    with _FILE_STATISTICS_LOCK:
        if _FILE_STATISTICS and _FILE_STATISTICS[0][0]() is source:
            return _FILE_STATISTICS[0][1]
        stats = _statistics(ctx, source)
        _FILE_STATISTICS[:] = [(weakref.ref(source), stats)]
        return stats


def _statistics(ctx, packets):
    from stack.wire import protocols  # noqa: F401   (registers the dissectors)
    from stack.wire.defrag_view import DefragView, attach as defrag_attach
    from stack.wire.dissect import dissect
    from stack.wire.stats import Statistics
    stats = Statistics()
    defrag = DefragView()           # tshark counts a reassembled datagram's layers on its last frame
    for index, pkt in enumerate(packets, 1):
        d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
        view = defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
        stats.add(pkt.ts, pkt.orig_len, d if view is None else defrag_attach(d, view))
        if not index % INTERRUPT_CHECK:
            ctx.checkpoint()
    return stats


def stats_conv(ctx, args):
    kind = args["type"]
    return Result("capture-conv", {"type": kind, "conversations": ring_statistics(ctx).conversations(kind)})


def stats_endpoints(ctx, args):
    kind = args["type"]
    return Result("capture-endpoints", {"type": kind, "endpoints": ring_statistics(ctx).endpoints(kind)})


def stats_phs(ctx, args):
    return Result("capture-phs", {"protocols": ring_statistics(ctx).hierarchy()})


def stats_io(ctx, args):
    try:
        return Result("capture-io", ring_statistics(ctx).io(args["interval"]))
    except ValueError as exc:
        raise CommandError(str(exc), token=str(args["interval"])) from None


# --- grammar -----------------------------------------------------------------------------

DISPLAY_FILTER_DETAILS = (
    "Display filters take Wireshark's syntax on the fields the dissectors name as tshark does: "
    "== != < <= > >= (eq ne lt le gt ge), === and !== (all equal, any unequal), contains, "
    "matches, and or not && || !, parentheses, a field or protocol alone for its presence "
    "(tcp.flags.syn, dns), sets (tcp.port in {80 443 8000..8080}), slices (eth.src[0:3] == "
    "00:00:5e), networks (ip.addr == 192.0.2.0/24), & (tcp.flags & 0x02), len() count() "
    "lower() upper() string(), and link == NAME, dir == in | out for the link and direction.")


TIME_FORMAT = Choice(FORMATS, "FORMAT")


def display_filter_slots():
    """-Y EXPR as tshark spells it, and the word form filter EXPR: one filter, either way."""
    return [expr("-Y", "display", DISPLAY_FILTER, help="only packets the display filter keeps"),
            expr("filter", "display", DISPLAY_FILTER, help="the same as -Y")]


def register(root: Node) -> None:
    node = root.add(Node("capture", "capture packets on links, dissect, save and read them",
                         default="show"))
    leaf(node, WORDS + ("start",),
         [opt("dev", "dev", LINK, help="only this link (default: every link)"),
          opt("filter", "filter", FILTER, help="a tcpdump filter expression"),
          opt("count", "count", COUNT, help="stop after COUNT packets"),
          opt("snaplen", "snaplen", SNAPLEN, help="bytes kept of each packet"),
          opt("write", "write", FILE, help="also stream packets into a pcapng FILE")],
         "start capturing into the ring (a new capture empties it)", start)
    leaf(node, WORDS + ("stop",), [], "stop the running capture", stop)
    leaf(node, WORDS + ("status",), [], "what the capture is doing and the ring holds", status)
    leaf(node, WORDS + ("show",),
         [flag("-V", "verbose", help="the layer tree of each packet"),
          flag("-x", "hex", help="the bytes, in hex and ASCII"),
          pos("number", PACKETS, optional=True),
          opt("last", "last", LAST),
          opt("from", "start", PACKETS, help="packets from number N on"),
          opt("at", "at", PACKETS, help="from the N-th packet the display filter keeps on (with -Y)"),
          opt("count", "count", LAST, help="at most N packets (with from or at)"),
          opt("-t", "time_format", TIME_FORMAT, help="the time column as tshark -t: " + FORMAT_HELP),
          opt("checksums", "checksums", ON_OFF, help="verify TCP, UDP and IPv4 header checksums (off by "
                                                     "default, as tshark: offload leaves them wrong)"),
          flag("quick", "quick", help="of a file: packets far past the conversation analysis come "
                                      "without it, at once, not after it (the dashboard pages so)")]
         + display_filter_slots(),
         "captured packets: one line each, or trees and bytes", show,
         synonyms=("list", "lst"),
         details="-Y (or filter) takes the rest of the line as a Wireshark display filter, "
                 "e.g. capture show -Y tcp.port == 80 and ip.addr == 192.0.2.0/24; "
                 "it keeps some of the packets the other options chose. " + DISPLAY_FILTER_DETAILS)
    leaf(node, WORDS + ("clear",), [], "empty the ring", clear)
    leaf(node, WORDS + ("save",), [pos("file", FILE)] + display_filter_slots(),
         "write the ring to FILE (pcap for .pcap/.cap, else pcapng)", save,
         details="With -Y (or filter) EXPR only the packets the display filter keeps are written.")
    leaf(node, WORDS + ("read",), [pos("file", FILE),
                                   flag("behind", "behind", help="return once the first packets are indexed; "
                                                                 "the rest is indexed behind (the dashboard opens so)")]
         + display_filter_slots(),
         "show a pcap/pcapng file (gzip too) in the ring's place", read,
         details="A file of any size is indexed (a few bytes a packet), not copied: capture show, "
                 "save, follow and stats page through it by the file's frame numbers and times. A "
                 "FIFO or standard input (-) is read into the ring, which keeps the newest packets. "
                 "With -Y (or filter) EXPR only the packets the display filter keeps are shown; "
                 "the filter sees the file's frame numbers (frame.number).")
    leaf(node, WORDS + ("follow",),
         [pos("proto", FOLLOW_PROTOS), pos("stream", StreamOrMode(), optional=True),
          pos("mode", FOLLOW_MODES, optional=True)] + display_filter_slots(),
         "one TCP or UDP stream's bytes, both directions in order, as tshark -z follow", follow,
         details="Give the stream index (tcp.stream, udp.stream, as capture show -V tells) or a display "
                 "filter, whose first packet's stream is followed: capture follow tcp 0 hex, "
                 "capture follow tcp -Y tcp.port == 8080. ascii prints each chunk's length then its "
                 "bytes, hex a dump with offsets per direction, raw one hex line a chunk; the second "
                 "node's chunks are indented by a tab. -j gives the nodes and the chunks (node, frame, "
                 "data in hex).")
    stats = WORDS + ("stats",)
    stats_node = node.add(Node("stats", "tshark's statistics over the ring: conv, endpoints, phs, io"))
    leaf(stats_node, stats + ("conv",), [pos("type", STAT_TYPE)],
         "conversations in the ring, as tshark -z conv,TYPE", stats_conv)
    leaf(stats_node, stats + ("endpoints",), [pos("type", STAT_TYPE)],
         "endpoints in the ring, as tshark -z endpoints,TYPE", stats_endpoints)
    leaf(stats_node, stats + ("phs",), [], "the protocol hierarchy of the ring, as tshark -z io,phs",
         stats_phs)
    leaf(stats_node, stats + ("io",), [pos("interval", Seconds())],
         "frames and bytes per INTERVAL seconds, as tshark -z io,stat,INTERVAL", stats_io)
    leaf(root, ("replay",),
         [pos("file", FILE), opt("dev", "dev", LINK, optional=False),
          opt("rate", "rate", RATE)],
         "push a file's frames into a link's receive path, as if off the wire", replay)


# --- rendering ---------------------------------------------------------------------------

@row_renderer("capture")
def capture_row(row: dict, data: dict, view: View, index: int) -> str:
    from netsh.inspect import frame_header, hex_dump, summary_line, tree_lines
    if not (data["verbose"] or data["hex"]):
        return summary_line(row)
    out = [""] if index else []          # a blank line between two packets' blocks
    if data["verbose"]:
        out.append(frame_header(row))
        frame = bytes.fromhex(row["reassembled"] if "reassembled" in row else row["bytes"])
        for layer in row["layers"]:
            out += tree_lines(layer, 0, bytes.fromhex(layer["source"]) if "source" in layer else frame)
    else:
        out.append(summary_line(row))
    if data["hex"]:
        out.append("")
        out.append(hex_dump(bytes.fromhex(row["bytes"])))
    return "\n".join(out)


@renderer("capture-status")
def status_text(data: dict, view: View) -> str:
    if data.get("file"):
        shown = data["ring_packets"]
        text = f"capture stopped; file {data['file']}: {data['file_packets']} packets"
        if data.get("selected") is not None:
            text += f", {shown} shown (display filter)"
        if data.get("reading"):
            text += " so far (being indexed)"
        if data.get("analysing"):
            text += f"; conversation analysis at packet {data.get('analysed', 0)} of {data['analysing']}"
        if data.get("cut"):
            text += f"; {cut_text(data['cut'], data['keep'])}"
        return text + (f"; damaged: {data['damage']}" if data.get("damage") else "")
    state = "running" if data.get("running") else "stopped"
    where = ", ".join(data["links"]) if data.get("links") else "every link"
    text = f"capture {state}"
    if "seen" in data:
        text += f" on {where}"
        if data.get("filter"):
            text += f", filter '{data['filter']}'"
        text += (f": {data['captured']} captured of {data['matched']} matched, "
                 f"{data['seen']} seen")
    text += (f"; ring {data['ring_packets']} packets, {data['ring_bytes']} bytes, "
             f"{data['ring_overflow']} overflowed")
    if data.get("write_errors"):
        text += f"; {data['write_errors']} write errors"
    return text
