"""A capture file shown in the ring's place: opened as an index (stack/capfile/index.py, a few
bytes a packet), paged through, and analysed (stack/wire/analysis) as it is read.

- `open_view(ctx, path)`: the file's FileView, or None for what must be streamed into the
  ring (a FIFO, standard input); a gzip stream is inflated into an unlinked spool file.
- `stream_annotated(ctx, view)`: every packet shown, in file order, with the conversation
  analysis of all packets before it, one pass over the file; a packet is given out once
  the pass is `LOOKAHEAD` frames past it, so its links forward (a reply's frame) are in,
  as the listing of the ring has them (stack/wire/analysis MAX_RECENT).
- `window_annotated(ctx, view, chosen, quick)`: a few packets (a screen, one packet's -V)
  with the analysis carried by a cursor that feeds the file forward from where it stopped
  and keeps the notes of the last MAX_RECENT frames; a packet before those starts it again
  from the first. `quick` (the dashboard's paging): a cursor more than QUICK_FEED frames
  short of the packets is not moved there at once; they come without the analysis, and a
  thread feeds the cursor up to them behind (`analysis_state` says how far it has come), so
  a list that asks again once it has come gets them with it.
"""
from __future__ import annotations

import tempfile
import threading
import weakref
from array import array
from collections import OrderedDict, deque

from netsh.errors import CommandError

INTERRUPT_CHECK = 4096      # frames between two looks for an interrupt
AHEAD = 2048                # frames a window's cursor is fed past its last packet, for links forward
QUICK_FEED = 4096           # the most frames a quick request feeds the cursor
QUICK_AHEAD = 256           # frames a quick request feeds past its last packet (links forward)
CATCH_UP_SLICE = 2048       # frames the thread behind feeds between two takes of the lock


def open_view(ctx, path: str, ready_after: int | None = None):
    """The FileView of `path`, or None when it must be read as a stream (FIFO, "-"); with
    `ready_after`, as soon as so many packets are indexed (the rest is indexed behind)."""
    from stack.capfile import CaptureFileError
    from stack.capfile.index import index_file
    from stack.capture import FileView
    try:
        index = index_file(path, ctx.interrupted, spool_dir=tempfile.gettempdir(), ready_after=ready_after)
    except CaptureFileError as exc:
        raise CommandError(str(exc), token=path) from None
    except OSError as exc:
        raise CommandError(f'cannot read "{path}": {exc.strerror or exc}', token=path) from None
    return None if index is None else FileView(index)


def select(ctx, view, display):
    """The view narrowed to the packets `display` keeps (frame numbers in an array, 4 bytes
    each), the analysis run over the whole file as tshark's pass does."""
    from stack.capture import FileView
    kept = array("I", (pkt.number for pkt in stream_annotated(ctx, view) if display(pkt)))
    return FileView(view.index, kept, view.keep)


# --- the whole file, in order ---------------------------------------------------------------

def stream_annotated(ctx, view):
    """Every packet `view` shows, as `Annotated`, in file order; the analysis sees every packet
    of the file (a display filter's selection too)."""
    from stack.wire.analysis import MAX_RECENT, Analyser, Annotated
    from stack.wire.defrag_view import DefragView, attach as defrag_attach
    from stack.wire.dissect import dissect
    analyser, defrag = Analyser(), DefragView()
    selection = None if view.selection is None else set(view.selection)
    held: deque = deque()
    for index, pkt in enumerate(view.frames(everything=True), 1):
        d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
        frag = defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
        if frag is not None:
            d = defrag_attach(d, frag)
        notes = analyser.feed(pkt.number, pkt.ts_ns, d)
        if selection is None or pkt.number in selection:
            # the frame's columns kept (not a fragment's, which reassembly changed): the listing
            # reads them instead of skimming the frame again; four strings, not the dissection
            held.append(Annotated(pkt, notes, frag, None if frag is not None else
                                  (d.source, d.destination, d.protocol, d.info)))
        while held and held[0].number <= pkt.number - MAX_RECENT:
            yield held.popleft()
        if not index % INTERRUPT_CHECK:
            ctx.checkpoint()
    yield from held


def kept(ctx, packets, display):
    """The packets (a stream) a display filter keeps, as they come."""
    if display is None:
        yield from packets
        return
    for index, pkt in enumerate(packets, 1):
        if display(pkt):
            yield pkt
        if not index % INTERRUPT_CHECK:
            ctx.checkpoint()


# --- a window of the file -------------------------------------------------------------------

class _Cursor:
    """The analysis of one file from its first packet up to `fed`."""

    def __init__(self, view):
        from stack.wire.analysis import Analyser
        from stack.wire.defrag_view import DefragView
        self.view = weakref.ref(view)
        self.analyser = Analyser()
        self.defrag = DefragView()
        self.frags: OrderedDict = OrderedDict()     # number -> IP reassembly view, the recent ones
        self.fed = 0
        self.target = 0          # where the thread behind feeds it to (a quick request's packets)
        self.behind = False      # the thread runs (set and cleared under _CURSOR_LOCK)

    def holds(self, number: int) -> bool:
        return number in self.analyser.recent

    def feed_to(self, checkpoint, view, stop: int) -> None:
        from stack.wire.analysis import MAX_RECENT
        from stack.wire.defrag_view import attach as defrag_attach
        from stack.wire.dissect import dissect
        for index, pkt in enumerate(view.frames(self.fed + 1, stop, everything=True), 1):
            d = dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len)
            frag = self.defrag.feed(pkt.number, pkt.data, pkt.linktype, pkt.orig_len, d)
            if frag is not None:
                d = defrag_attach(d, frag)
                self.frags[pkt.number] = frag
                if len(self.frags) > MAX_RECENT:
                    self.frags.popitem(last=False)
            self.analyser.feed(pkt.number, pkt.ts_ns, d)
            self.fed = pkt.number
            if not index % INTERRUPT_CHECK:
                checkpoint()

    def feed_behind(self, stop: int, shown) -> None:
        """Have a thread feed the cursor up to `stop`, a slice per take of the lock, so the
        requests of the list go on meanwhile; a later quick request moves `stop`. `shown()`
        says whether the stack still shows the file (it ends the thread when not)."""
        self.target = stop
        if not self.behind:
            self.behind = True
            threading.Thread(target=_catch_up, args=(weakref.ref(self), shown), daemon=True,
                             name="netsh-analysis").start()


def _catch_up(cursor_ref, shown) -> None:
    """The thread behind a cursor: it ends when the cursor is reached or replaced, or when the
    file is no longer shown (another read, a capture, the stack stopped)."""
    while True:
        cursor = cursor_ref()
        view = cursor.view() if cursor is not None else None
        still = view is not None and shown(view)        # asked of the stack's thread, outside the lock
        with _CURSOR_LOCK:
            if cursor is None:
                return
            stop = 0 if not still or not _CURSOR or _CURSOR[0] is not cursor else \
                min(cursor.target, cursor.fed + CATCH_UP_SLICE, len(view.index))
            if stop <= cursor.fed:
                cursor.behind = False
                return
            try:
                cursor.feed_to(_no_interrupt, view, stop)
            except Exception:        # noqa: BLE001 - the file went away under it: the list asks again
                cursor.behind = False
                return
        del cursor, view


def _shown_by(ctx):
    """Does the stack of `ctx` still show this view (a call into its thread; False once stopped)?"""
    def shown(view) -> bool:
        try:
            return ctx.stack.capture_packets() is view
        except Exception:        # noqa: BLE001 - the stack stopped, or the line's context is gone
            return False
    return shown


def _no_interrupt() -> None:
    """The thread behind has no user to interrupt it: it ends with its cursor."""


_CURSOR: list = []
_CURSOR_LOCK = threading.Lock()      # a served stack's faces may page at the same time


def window_annotated(ctx, view, chosen: list, quick: bool = False) -> list:
    """`chosen` (packets of `view`, in order) as `Annotated`, with the analysis of the file up to
    them and AHEAD frames past; `quick` leaves them without it when that is far off."""
    from stack.wire.analysis import Annotated
    if not chosen:
        return []
    lo, hi = chosen[0].number, chosen[-1].number
    with _CURSOR_LOCK:
        cursor = _CURSOR[0] if _CURSOR and _CURSOR[0].view() is view else None
        if cursor is None or (lo <= cursor.fed and not cursor.holds(lo)):
            cursor = _Cursor(view)          # the analysis starts again from the first frame
            _CURSOR[:] = [cursor]
        if quick and hi > cursor.fed + QUICK_FEED:
            # too far ahead for now: shown without the analysis, which the thread behind brings
            cursor.feed_behind(min(hi + QUICK_AHEAD, len(view.index)), _shown_by(ctx))
            return [Annotated(pkt, None) for pkt in chosen]
        stop = min(hi + AHEAD, len(view.index))
        if quick:
            stop = min(stop, cursor.fed + QUICK_FEED, hi + QUICK_AHEAD)
        cursor.target = stop            # the thread behind stops here: these are the packets looked at
        if stop > cursor.fed:
            cursor.feed_to(ctx.checkpoint, view, stop)
        recent, frags = cursor.analyser.recent, cursor.frags
        return [Annotated(pkt, recent.get(pkt.number), frags.get(pkt.number)) for pkt in chosen]


def analysis_state(view) -> dict:
    """How far the window cursor's analysis of `view` has come (`analysed`: its last frame,
    0 before it starts) and where the thread behind takes it (`analysing`: None when idle)."""
    cursor = _CURSOR[0] if _CURSOR else None         # a read: the lock would wait on a slice
    if cursor is None or cursor.view() is not view:
        return {"analysed": 0, "analysing": None}
    fed, target = cursor.fed, cursor.target
    return {"analysed": fed, "analysing": target if target > fed else None}
