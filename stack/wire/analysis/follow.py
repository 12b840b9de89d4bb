"""Follow stream: the bytes of one TCP or UDP conversation, each direction in order, as
tshark's `-z follow,tcp|udp,ascii|hex|raw,N` collects and prints them.

`Follower` is fed frames in capture order with their analysis notes (the stream index
comes from there); it keeps the chunks of its one stream: which node sent them, in which
frame, and the bytes.  TCP data is taken in sequence order per direction: a retransmitted
byte is not repeated, a segment after a gap waits (at most `MAX_WAITING` of them) until the
gap fills.  `text(mode)` prints what tshark prints; `to_dict()` is the -j form.
"""
from __future__ import annotations

import ipaddress

from ..tcp import HEADER, SYN
from .tcp import MASK, gt

MODES = ("ascii", "hex", "raw")
RULE = "=" * 67
MAX_WAITING = 1024


class Chunk:
    __slots__ = ("node", "frame", "data")

    def __init__(self, node: int, frame: int, data: bytes):
        self.node, self.frame, self.data = node, frame, data


def _address(raw: bytes) -> str:
    address = ipaddress.ip_address(raw)
    return f"[{address}]" if address.version == 6 else str(address)


class _Direction:
    __slots__ = ("expected", "waiting")

    def __init__(self):
        self.expected = None
        self.waiting: dict[int, tuple[int, bytes]] = {}     # seq -> (frame, payload)


class Follower:
    """The chunks of stream `index` of `proto` ("tcp" or "udp")."""

    def __init__(self, proto: str, index: int):
        self.proto = proto
        self.index = index
        self.nodes: list[tuple[bytes, int]] = []
        self.chunks: list[Chunk] = []
        self._dirs: dict = {}

    def feed(self, number: int, d, notes) -> None:
        if notes is None or notes.fields.get(f"{self.proto}.stream") != self.index:
            return
        network = layer = None
        net_index = None
        for index, candidate in enumerate(d.layers):
            if candidate.name in ("ip", "ipv6") and layer is None:
                network, net_index = candidate, index
            elif candidate.name == self.proto:
                layer = candidate
                break
        if layer is None or network is None:
            return
        buf, off = d.buf, layer.offset
        start, size = (12, 4) if network.name == "ip" else (8, 16)
        src = bytes(buf[network.offset + start:network.offset + start + size])
        sport = int.from_bytes(buf[off:off + 2], "big")
        end = d.network_end(net_index)
        if not self.nodes:
            dst = bytes(buf[network.offset + start + size:network.offset + start + 2 * size])
            self.nodes = [(src, sport), (dst, int.from_bytes(buf[off + 2:off + 4], "big"))]
        node = 0 if (src, sport) == self.nodes[0] else 1
        if self.proto == "udp":
            payload = bytes(buf[off + 8:min(end, len(buf))])
            if payload:
                self.chunks.append(Chunk(node, number, payload))
            return
        seq, _, off_flags = HEADER.unpack_from(buf, off)[2:5]
        hdr_len, flags = (off_flags >> 12) * 4, off_flags & 0xFFF
        payload = bytes(buf[off + hdr_len:min(end, len(buf))])
        length = max(end - off - hdr_len, len(payload))   # on the wire: a cut capture holds less
        way = self._dirs.setdefault(node, _Direction())
        if flags & SYN:
            way.expected = (seq + 1) & MASK
            seq = (seq + 1) & MASK
        if not length:
            return
        if way.expected is None:
            way.expected = seq
        self._take(way, node, number, seq, payload, length)

    def _take(self, way: _Direction, node: int, number: int, seq: int, payload: bytes, length: int) -> None:
        """The new part of a segment of `length` bytes (of which `payload` was captured)."""
        if gt(seq, way.expected):
            if len(way.waiting) < MAX_WAITING:
                way.waiting[seq] = (number, payload, length)
            return
        skip = (way.expected - seq) & MASK
        if skip >= length:
            return                          # all of it seen already (a retransmission)
        if payload[skip:]:
            self.chunks.append(Chunk(node, number, payload[skip:]))
        way.expected = (seq + length) & MASK
        while way.waiting:                  # the segments the gap held back
            ready = [s for s in way.waiting if not gt(s, way.expected)]
            if not ready:
                break
            first = ready[0]
            frame, data, size = way.waiting.pop(first)
            skip = (way.expected - first) & MASK
            if skip < size:
                if data[skip:]:
                    self.chunks.append(Chunk(node, frame, data[skip:]))
                way.expected = (first + size) & MASK

    # --- output ---------------------------------------------------------------------

    def node_text(self, i: int) -> str:
        if len(self.nodes) <= i:
            return ":0"
        address, port = self.nodes[i]
        return f"{_address(address)}:{port}"

    def text(self, mode: str) -> str:
        """tshark's -z follow output, its blank first line and rules included."""
        lines = ["", RULE, f"Follow: {self.proto},{mode}", f"Filter: {self.proto}.stream eq {self.index}",
                 f"Node 0: {self.node_text(0)}", f"Node 1: {self.node_text(1)}"]
        offsets = [0, 0]
        for chunk in self.chunks:
            tab = "\t" if chunk.node else ""
            if mode == "ascii":
                lines.append(f"{tab}{len(chunk.data)}")
                lines.append(_printable(chunk.data))
            elif mode == "hex":
                lines += [tab + line for line in _hex_lines(chunk.data, offsets[chunk.node])]
            else:
                lines.append(tab + chunk.data.hex())
            offsets[chunk.node] += len(chunk.data)
        lines.append(RULE)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"stream": self.index, "proto": self.proto,
                "nodes": [{"node": i, "address": str(ipaddress.ip_address(addr)), "port": port}
                          for i, (addr, port) in enumerate(self.nodes)],
                "chunks": [{"node": c.node, "frame": c.frame, "data": c.data.hex()} for c in self.chunks]}


def _printable(data: bytes) -> str:
    """The bytes as tshark's ascii mode shows them: printable ASCII and line breaks kept, the
    rest as dots."""
    return "".join(chr(b) if 32 <= b < 127 or b in (10, 13) else "." for b in data)


def _hex_lines(data: bytes, base: int) -> list[str]:
    lines = []
    for at in range(0, len(data), 16):
        row = data[at:at + 16]
        hexes = " ".join(f"{b:02x}" for b in row[:8]) + ("  " + " ".join(f"{b:02x}" for b in row[8:])
                                                         if len(row) > 8 else "")
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        if len(text) > 8:
            text = text[:8] + " " + text[8:]
        lines.append(f"{base + at:08X}  {hexes:<49} {text}".rstrip(" "))
    return lines
