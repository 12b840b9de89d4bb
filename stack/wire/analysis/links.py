"""Requests and their responses, linked as tshark links them.

ICMP and ICMPv6 echoes are matched by addresses, identifier and sequence number;
DNS messages by their conversation (addresses, ports) and transaction ID.  A
response points back at its request (`icmp.resp_to`, `dns.response_to`) with the
time between them; the request points forward (`icmp.resp_in`, `dns.response_in`),
written into the request's notes when the response comes (`Analyser.learn`).  Requests waiting for
an answer are kept in LRU order up to `MAX_PENDING`.
"""
from __future__ import annotations

from collections import OrderedDict

from ..http import message_uri

MAX_PENDING = 65536
ECHO = {"icmp": (8, 0), "icmpv6": (128, 129)}       # (request, reply) types


class Links:
    def __init__(self):
        self.pending: OrderedDict = OrderedDict()     # key -> (frame, ts)

    def _remember(self, key, frame: int, ts: float) -> None:
        self.pending[key] = (frame, ts)
        self.pending.move_to_end(key)
        if len(self.pending) > MAX_PENDING:
            self.pending.popitem(last=False)

    def icmp(self, analyser, number: int, ts: float, d, layer, network, notes) -> None:
        """An echo request or reply (ICMP or ICMPv6)."""
        if layer.length < 8 or len(d.buf) < layer.offset + 8:
            return
        buf, off, proto = d.buf, layer.offset, layer.name
        kind = buf[off]
        request, reply = ECHO[proto]
        if kind not in (request, reply):
            return
        src, dst = analyser._ends(d, layer, network)
        ident, seq = buf[off + 4:off + 6], buf[off + 6:off + 8]
        if kind == request:
            self._remember((proto, src, dst, ident, seq), number, ts)
            if proto == "icmp":
                notes.suffix = " (no response found!)"       # until a reply says otherwise
            return
        hit = self.pending.pop((proto, dst, src, ident, seq), None)
        if hit is None:
            return
        frame, then = hit
        notes.fields[f"{proto}.resp_to"] = frame
        notes.fields[f"{proto}.resptime"] = round((ts - then) * 1000, 6)
        notes.suffix = f" (request in {frame})"
        analyser.learn(frame, f"{proto}.resp_in", number)
        analyser.learn(frame, "suffix", f" (reply in {number})")

    def dns(self, analyser, number: int, ts: float, d, layer, network, notes) -> None:
        """A DNS message over UDP: a query waits for the response with its ID."""
        if layer.length < 12 or len(d.buf) < layer.offset + 4:
            return
        buf, off = d.buf, layer.offset
        ident = buf[off:off + 2]
        response = buf[off + 2] & 0x80
        src, dst = analyser._ends(d, layer, network)
        sport, dport = d.udp_ports or (0, 0)
        if not response:
            self._remember(("dns", src, sport, dst, dport, ident), number, ts)
            return
        hit = self.pending.pop(("dns", dst, dport, src, sport, ident), None)
        if hit is None:
            return
        frame, then = hit
        analyser.learn(frame, "dns.response_in", number)
        if not layer.problem:           # tshark stops at a broken response before linking it back
            notes.fields["dns.response_to"] = frame
            notes.fields["dns.time"] = ts - then

    def message(self, analyser, number: int, ts: float, stream, pdu, ends, notes) -> None:
        """A reassembled message: DNS over TCP by its ID, HTTP responses to requests in order."""
        src, sport, dst, dport = ends
        data = pdu.data
        if pdu.app == "dns" and len(data) >= 6:
            ident, response = data[2:4], data[4] & 0x80
            if not response:
                self._remember(("dns", src, sport, dst, dport, ident), number, ts)
                return
            hit = self.pending.pop(("dns", dst, dport, src, sport, ident), None)
            if hit is not None:
                notes.fields["dns.response_to"] = hit[0]
                notes.fields["dns.time"] = ts - hit[1]
                analyser.learn(hit[0], "dns.response_in", number)
        elif pdu.app == "http":
            if not data.startswith(b"HTTP/"):
                if len(stream.requests) < 1024:
                    stream.requests.append((number, ts, message_uri(data)))
                return
            if stream.requests:
                frame, then, uri = stream.requests.pop(0)
                notes.fields["http.request_in"] = frame
                notes.fields["http.time"] = ts - then
                if uri is not None:
                    notes.fields["http.response_for.uri"] = uri
                analyser.learn(frame, "http.response_in", number)
