"""The packets a display filter keeps, remembered between commands so a face can page
through them by position (`capture show at K count N -Y EXPR`: the dashboard's filtered
packet list), as Wireshark's list does once a filter is applied.

A selection is found a slice at a time (`SCAN_BUDGET` packets a request), so a face that
asks again and again sees it grow while a large file is filtered, and is never held up
for the whole pass. Over the live ring it follows the ring: new packets are examined as
they come, packets the ring lets go leave the selection (counted in `dropped`, so the
position of a packet kept, its ordinal, never changes). One selection is kept: a new
filter, a new capture or another file starts a new one.
"""
from __future__ import annotations

import threading
import weakref
from array import array
from itertools import islice

SCAN_BUDGET = 20000         # packets examined by one request


class Selection:
    """The packet numbers `display` keeps of one source (the ring, or a FileView)."""

    def __init__(self, source_key, text: str, display):
        self.source_key = source_key
        self.text = text
        self.display = display
        self.numbers = array("I")       # kept and still in the source, in order (4 bytes each, as a FileView's)
        self.dropped = 0                 # kept, then let go by the ring
        self.scanned = 0                 # the last packet number examined
        self.done = False                # the whole source examined (a file; the ring: so far)
        self.stream = None               # a file's analysed stream, carried between requests

    def ordinal_range(self) -> tuple[int | None, int]:
        """(the first kept ordinal still there, how many are there)."""
        return (self.dropped + 1 if self.numbers else None), len(self.numbers)

    def numbers_at(self, ordinal: int, count: int) -> list[tuple[int, int]]:
        """(ordinal, number) of up to `count` kept packets from `ordinal` on."""
        start = max(ordinal - self.dropped - 1, 0)
        stop = min(start + max(count, 0), len(self.numbers))
        return [(self.dropped + 1 + i, self.numbers[i]) for i in range(start, stop)]

    # --- finding more ---------------------------------------------------------------------
    def advance_file(self, ctx, view, budget: int) -> None:
        from netsh import capsource
        if self.done:
            return
        if self.stream is None:
            self.stream = capsource.stream_annotated(ctx, view)
        examined = 0
        for pkt in islice(self.stream, budget):
            examined += 1
            self.scanned = pkt.number
            if self.display(pkt):
                self.numbers.append(pkt.number)
        if examined < budget:
            self.done, self.stream = True, None

    def advance_ring(self, ctx, annotated, budget: int) -> None:
        ends = ctx.stack.capture_status()
        first, last = ends.get("first_number"), ends.get("last_number")
        if first is None:
            self.dropped += len(self.numbers)
            self.numbers = array("I")
            self.done = True
            return
        gone = 0
        while gone < len(self.numbers) and self.numbers[gone] < first:
            gone += 1
        if gone:
            self.dropped += gone
            del self.numbers[:gone]
        start = max(self.scanned + 1, first)
        if start > last:
            self.done = True
            return
        stop = min(last, start + budget - 1)
        for pkt in annotated(ctx, ctx.stack.capture_packets(), set(range(start, stop + 1))):
            if self.display(pkt):
                self.numbers.append(pkt.number)
        self.scanned = stop
        self.done = stop >= last


_KEPT: list = []
_LOCK = threading.Lock()        # a served stack's faces may page at the same time


def selection(ctx, display, annotated, budget: int = SCAN_BUDGET) -> Selection:
    """The selection of `display` over what `capture show` shows now, advanced by `budget`
    packets at most; `annotated(ctx, frames, wanted)` gives the ring's packets with their
    conversation analysis (netsh/commands/capture.py)."""
    from stack.capture import FileView
    source = ctx.stack.capture_packets() if ctx.stack.capture_status().get("file") else None
    is_file = isinstance(source, FileView)
    with _LOCK:
        kept = _KEPT[0] if _KEPT else None
        if kept is None or kept.text != display.text or not _same_source(kept, ctx, source):
            key = weakref.ref(source) if is_file else _ring_key(ctx)
            kept = Selection(key, display.text, display)
            _KEPT[:] = [kept]
        if is_file:
            kept.advance_file(ctx, source, budget)
        else:
            kept.advance_ring(ctx, annotated, budget)
        return kept


def _ring_key(ctx) -> tuple:
    """The stack (held, so its id is not another's) and its numbering, which changes each
    time packet numbers start again from 1."""
    return ("ring", ctx.stack, ctx.stack.capture_status()["numbering"])


def _same_source(kept: Selection, ctx, source) -> bool:
    if source is not None:
        return isinstance(kept.source_key, weakref.ref) and kept.source_key() is source
    key = kept.source_key
    return (isinstance(key, tuple) and key[1] is ctx.stack
            and key[2] == ctx.stack.capture_status()["numbering"])
