"""TCP reassembly for the application dissectors: DNS over TCP and HTTP/1.x.

Each direction of a stream on a known port has an `Assembler`: it takes the segment
payloads in sequence order (a retransmitted byte once, a segment after a gap held back
until the gap fills, at most `MAX_WAITING`), cuts the byte stream into messages (DNS: a
two-byte length, then the message; HTTP: the header block, then Content-Length bytes or
chunks), and says for each segment which messages it ended and whether it left one
unfinished.  A message is kept only while it is being put together, up to `MAX_PDU`
bytes; a longer one is given up (its frames stay plain TCP).  All the directions of one
analysis share a `Budget` of `MAX_HELD` bytes (messages being put together and segments
waiting for a gap): a direction that would overdraw it gives up instead.

`dissect_pdu` dissects a finished message by itself, as tshark dissects the reassembled
tvb: the layers it gives go on the frame that ended the message.
"""
from __future__ import annotations

from .. import http
from ..dissect import Dissection, Node
from ..dns import dissect_dns
from .tcp import MASK, gt

MAX_PDU = 1 << 20
MAX_WAITING = 256
MAX_HELD = 64 << 20


class Budget:
    """The bytes every assembler of one analysis holds, against one limit."""

    def __init__(self, limit: int = MAX_HELD):
        self.limit = limit
        self.used = 0
DNS_PORT = 53


def app_for(sport: int, dport: int) -> str | None:
    """Which reassembling dissector a TCP stream between these ports gets, as tshark picks it
    (the lower port first)."""
    for port in sorted((sport, dport)):
        if port == DNS_PORT:
            return "dns"
        if port in http.PORTS:
            return "http"
    return None


class Pdu:
    """A finished message: its bytes and the (frame, bytes) pieces it came in."""

    __slots__ = ("app", "data", "pieces")

    def __init__(self, app: str, data: bytes, pieces: list):
        self.app, self.data, self.pieces = app, data, pieces


class Assembler:
    """One direction's byte stream, cut into messages."""

    def __init__(self, app: str, budget: Budget | None = None):
        self.app = app
        self.budget = budget if budget is not None else Budget()
        self.expected = None
        self.waiting: dict[int, tuple[int, bytes, bool]] = {}
        self.buffer = bytearray()
        self.pieces: list = []           # (frame, bytes) of what is in the buffer
        self.broken = False              # past a message we could not follow: stop cutting

    def held(self) -> int:
        return len(self.buffer) + sum(len(item[1]) for item in self.waiting.values())

    def release(self) -> None:
        """Give back what this direction holds (its stream is forgotten)."""
        self.budget.used -= self.held()
        self.buffer, self.waiting, self.pieces = bytearray(), {}, []

    def feed(self, frame: int, seq: int, payload: bytes, syn: bool, fin: bool) -> tuple[list, bool]:
        """(the messages this segment finished, whether it left one unfinished)."""
        before = self.held()
        result = self._feed(frame, seq, payload, syn, fin)
        budget = self.budget
        budget.used += self.held() - before
        if budget.used > budget.limit:
            self.release()
            self.broken = True
            return result[0], False
        return result

    def _feed(self, frame: int, seq: int, payload: bytes, syn: bool, fin: bool) -> tuple[list, bool]:
        if syn:
            self.expected = (seq + 1) & MASK
            seq = (seq + 1) & MASK
        if not payload:
            return (self._cut(fin) if fin else []), False
        if self.expected is None:
            self.expected = seq
        if gt(seq, self.expected):
            if len(self.waiting) < MAX_WAITING:
                self.waiting[seq] = (frame, payload, fin)
            return [], False
        done = self._take(frame, seq, payload, fin)
        while self.waiting:
            ready = [s for s in self.waiting if not gt(s, self.expected)]
            if not ready:
                break
            later_frame, data, later_fin = self.waiting.pop(ready[0])
            done += self._take(later_frame, ready[0], data, later_fin)
        pending = any(f == frame for f, _ in self.pieces)
        return done, pending

    def _take(self, frame: int, seq: int, payload: bytes, fin: bool) -> list:
        skip = (self.expected - seq) & MASK
        if skip >= len(payload):
            return []
        data = payload[skip:]
        self.expected = (seq + len(payload)) & MASK
        if self.broken:
            return []
        self.buffer += data
        self.pieces.append((frame, len(data)))
        return self._cut(fin)

    def _cut(self, closing: bool) -> list:
        out = []
        while self.buffer:
            length = self._length(closing)
            if length is None:
                if len(self.buffer) > MAX_PDU:
                    self.broken, self.buffer, self.pieces = True, bytearray(), []
                break
            if length <= 0:
                self.broken, self.buffer, self.pieces = True, bytearray(), []
                break
            out.append(Pdu(self.app, bytes(self.buffer[:length]), self._split(length)))
            del self.buffer[:length]
        return out

    def _length(self, closing: bool) -> int | None:
        buf = self.buffer
        if self.app == "dns":
            if len(buf) < 2:
                return None
            need = 2 + int.from_bytes(buf[:2], "big")
            return need if len(buf) >= need else None
        if not http.starts_message(bytes(buf[:16])) and len(buf) >= 16:
            return -1
        return http.message_length(bytes(buf), closing)

    def _split(self, length: int) -> list:
        """The (frame, bytes) pieces of the first `length` bytes of the buffer, taken out."""
        taken, left = [], length
        while left and self.pieces:
            frame, size = self.pieces[0]
            if size <= left:
                taken.append((frame, size))
                left -= size
                self.pieces.pop(0)
            else:
                taken.append((frame, left))
                self.pieces[0] = (frame, size - left)
                left = 0
        return taken


def _dns_over_tcp(d, off: int, end: int):
    """A DNS message after its two-byte length (RFC 1035 4.2.2), as tshark shows it."""
    dissect_dns(d, off + 2, end)
    layer = d.layers[-1]
    layer.offset, layer.length = off, end - off
    if d.tree:
        layer.children.insert(0, Node("dns.length", "Length", int.from_bytes(d.buf[off:off + 2], "big"), off, 2))
    return None


DISSECT = {"dns": _dns_over_tcp, "http": http.dissect_http}


def dissect_pdu(pdu: Pdu, tree: bool = True) -> Dissection:
    """The message dissected by itself (offsets are into `pdu.data`)."""
    d = Dissection(pdu.data, tree=tree)
    try:
        DISSECT[pdu.app](d, 0, len(pdu.data))
    except (IndexError, ValueError, KeyError) as exc:
        layer = d.layer("_ws.malformed", f"[Malformed Packet: {pdu.app}]", 0, len(pdu.data))
        d.problem(layer, f"malformed: {type(exc).__name__}: {exc}")
    return d


def segments_label(pdu: Pdu) -> str:
    pieces = ", ".join(f"#{frame}({size})" for frame, size in pdu.pieces)
    return f"[{len(pdu.pieces)} Reassembled TCP Segments ({len(pdu.data)} bytes): {pieces}]"
