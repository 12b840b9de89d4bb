"""Calls on the capture ring: start, stop, read, clear, load a file, replay frames.

A capture file may be shown in the ring's place (`capture_open_file`): an index of it
(stack/capture.py FileView), paged through by the same calls, until a capture starts, the
ring is cleared or loaded, or another file is opened."""
from __future__ import annotations

import itertools

from ..capture import DEFAULT_SNAPLEN, Capture, compile_filter, open_writer
from ..errors import StackError
from .link import find_link
from .registry import call


@call
def capture_start(stack, dev: str | None = None, expression: str | None = None,
                  count: int | None = None, snaplen: int | None = None,
                  write: str | None = None) -> dict:
    """Start capturing (a fresh ring) on `dev` or every link; refused while one runs."""
    if stack.capture is not None and stack.capture.running:
        raise StackError('a capture is already running; "capture stop" first')
    links = [find_link(stack, dev)] if dev else None
    snaplen = snaplen or DEFAULT_SNAPLEN
    program = compile_filter(expression, snaplen) if expression else None
    writer = open_writer(write) if write else None
    capture_clear(stack)                # and any file shown
    stack.capture = Capture(stack, stack.ring, links, program, expression or "", count, snaplen,
                           writer, stack.clock.to_epoch)
    stack.capture.start()
    return stack.capture.status()


@call
def capture_stop(stack) -> dict:
    if stack.capture is None or not stack.capture.running:
        raise StackError("no capture is running")
    stack.capture.stop()
    return stack.capture.status()


@call
def capture_status(stack) -> dict:
    """What the capture does and the ring (or the file shown) holds; `numbering` changes each
    time packet numbers start again from 1 (a clear, a new capture, a file shown)."""
    if stack.capture_file is not None:
        status = {"running": False, **stack.capture_file.status()}
    elif stack.capture is None:
        status = {"running": False, "ring_packets": len(stack.ring), "ring_bytes": stack.ring.bytes,
                  "ring_overflow": stack.ring.overflow, **stack.ring.ends()}
    else:
        status = stack.capture.status()
    status["numbering"] = stack.capture_numbering
    return status


@call
def capture_packets(stack, number: int | None = None, last: int | None = None,
                    start: int | None = None, count: int | None = None) -> list:
    """Captured packets: all, packet `number`, the `last` N, or `count` from number `start`
    on (copies; the ring moves on). Of a file shown, "all" is the FileView itself: it reads
    the packets from disk, in order, as it is iterated (len and [position] too)."""
    ring = stack.ring if stack.capture_file is None else stack.capture_file
    if ring is stack.capture_file and start is None and number is None and last is None:
        return ring
    if start is not None:
        return ring.window(start, len(ring) if count is None else count)
    if number is not None:
        found = ring.window(number, 1)       # numbers run on by one: no search
        if not found or found[0].number != number:
            where = "the capture ring" if ring is stack.ring else f"the packets shown of {ring.path}"
            raise StackError(f"no packet {number} in {where}")
        return found
    if last is not None:
        return ring.last(last)
    return ring.all()


@call
def capture_clear(stack) -> int:
    count = len(stack.ring)
    stack.ring.clear()
    stack.capture_file = None           # its index closes with the last reader done with it
    stack.capture_numbers = itertools.count(1).__next__    # 1, 2, ... again
    stack.capture_numbering += 1
    stack.refresh_taps()                  # a running capture's taps hold the counter
    return count


@call
def capture_load(stack, packets: list) -> int:
    """Replace the ring's contents with packets read from a file (numbered from 1)."""
    if stack.capture is not None and stack.capture.running:
        raise StackError('a capture is running; "capture stop" first')
    capture_clear(stack)
    for pkt in packets:
        pkt.number = stack.capture_numbers()
        stack.ring.add(pkt)
    return len(stack.ring)


@call
def capture_open_file(stack, view) -> dict:
    """Show a capture file (a FileView over its index) in the ring's place; the ring is emptied."""
    if stack.capture is not None and stack.capture.running:
        raise StackError('a capture is running; "capture stop" first')
    capture_clear(stack)
    stack.capture_file = view
    return capture_status(stack)


@call
def replay(stack, dev: str, frames: list[bytes]) -> int:
    """Frames into `dev`'s receive path as if they came off its wire."""
    link = find_link(stack, dev)
    for frame in frames:
        link.deliver(frame)
    return len(frames)
