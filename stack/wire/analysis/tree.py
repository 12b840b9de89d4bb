"""The analysis in a frame's tree, where tshark's -V puts it.

`attach(d, notes)` adds the generated fields of `notes` to the layers of a dissection
made with a tree: the TCP stream index after the ports, relative sequence and ACK numbers
beside the raw ones, the scaled window after the window field, [Timestamps] and
[SEQ/ACK analysis] at the end of the header; UDP's stream index; the request/response
links at the end of ICMP, ICMPv6 and DNS.  It adds and relabels, and moves nothing the
dissector made.
"""
from __future__ import annotations

from ..dissect import Layer, Node
from ..tcp import ACE_BITS, ACE_SHIFT, ace_flags_str, flags_text
from ..textfmt import byte_count
from .reassembly import dissect_pdu, segments_label
from .tcp import EXPERT, INFO_WORDS

RELATIVE_SEQ = "    (relative sequence number)"


def _seconds(value: float) -> str:
    return f"{value:.9f} seconds"


def _node(name: str, label: str, value, text: str | None = None) -> Node:
    return Node(name, label, value, 0, 0, text=str(value) if text is None else text)


def _group(label: str, kids: list) -> Node:
    node = Node("", label, "", 0, 0, text="")
    for kid in kids:
        node.add(kid)
    return node


def _insert_after(layer, names: tuple, nodes: list) -> None:
    """Put `nodes` after the last child named one of `names` (at the end if none is there)."""
    kids = layer.children
    at = len(kids)
    for i, kid in enumerate(kids):
        if kid.name in names:
            at = i + 1
    kids[at:at] = nodes


def _insert_before(layer, name: str, nodes: list) -> None:
    kids = layer.children
    at = next((i for i, kid in enumerate(kids) if kid.name == name), len(kids))
    kids[at:at] = nodes


def _tcp(layer, fields: dict, notes) -> None:
    get = fields.get
    _insert_after(layer, ("tcp.dstport",), [_node("tcp.stream", "Stream index", get("tcp.stream"))])
    _insert_before(layer, "tcp.seq_raw", [_node("tcp.seq", "Sequence Number", get("tcp.seq"),
                                                f"{get('tcp.seq')}{RELATIVE_SEQ}")])
    _insert_after(layer, ("tcp.seq_raw",), [_node("tcp.nxtseq", "Next Sequence Number", get("tcp.nxtseq"),
                                                  f"{get('tcp.nxtseq')}{RELATIVE_SEQ}")])
    if "tcp.ack" in fields:
        ack = get("tcp.ack")
        relative = "Ack=" in notes.tcp[1]
        _insert_before(layer, "tcp.ack_raw", [_node("tcp.ack", "Acknowledgment Number", ack,
                                                    f"{ack}    (relative ack number)" if relative else str(ack))])
    window = [_node("tcp.window_size", "Calculated window size", get("tcp.window_size"))]
    if "tcp.window_size_scalefactor" in fields:
        factor = get("tcp.window_size_scalefactor")
        text = {-1: "-1 (unknown)", -2: "-2 (no window scaling used)"}.get(factor, str(factor))
        window.append(_node("tcp.window_size_scalefactor", "Window size scaling factor", factor, text))
    _insert_after(layer, ("tcp.window_size_value",), window)
    tail = [_group("Timestamps", [
        _node("tcp.time_relative", "Time since first frame in this TCP stream", get("tcp.time_relative"),
              _seconds(get("tcp.time_relative"))),
        _node("tcp.time_delta", "Time since previous frame in this TCP stream", get("tcp.time_delta"),
              _seconds(get("tcp.time_delta")))])]
    analysis = _analysis(fields)
    if analysis:
        tail.append(_group("SEQ/ACK analysis", analysis))
    _insert_before(layer, "tcp.payload", tail)
    if notes.sack_base is not None:
        _relative_sack(layer, notes.sack_base)
    if notes.ace:
        _ace(layer)
    if notes.pdu_segment and not notes.pdus:
        _segment_of_message(layer, fields)
    seq, ack = notes.tcp_label
    label = layer.label
    head, _, rest = label.partition(", Seq: ")
    if rest:
        length = rest.rpartition(", Len: ")[2]
        layer.label = (f"{head}, Seq: {seq}" + (f", Ack: {ack}" if ", Ack: " in rest else "")
                       + f", Len: {length}")


def _segment_of_message(layer, fields: dict) -> None:
    """A segment carrying part of a message that a later frame ends: tshark's link to that
    frame and the segment's bytes, in place of a dissection of a part."""
    payload = next((kid for kid in layer.children if kid.name == "tcp.payload"), None)
    if payload is None:
        return
    nodes = []
    if "tcp.reassembled_in" in fields:
        nodes.append(_node("tcp.reassembled_in", "Reassembled PDU in frame", fields["tcp.reassembled_in"]))
    label = f"TCP segment data ({byte_count(int(payload.label.partition('(')[2].partition(' ')[0]))})"
    nodes.append(Node("tcp.segment_data", label, payload.value, payload.offset, payload.length, text=label))
    _insert_after(layer, ("tcp.payload",), nodes)


def _relative_sack(node, base: int) -> None:
    """SACK blocks relative to the peer's first sequence number, in tshark's words:
    `TCP Option - SACK 70457-71905`, `left edge = 70457 (relative)`."""
    for child in node.children:
        if child.name != "tcp.options.sack":
            _relative_sack(child, base)
            continue
        edges = []
        for edge in child.children:
            if edge.name in ("tcp.options.sack_le", "tcp.options.sack_re"):
                edge.value = (edge.value - base) & 0xFFFFFFFF
                side = "left" if edge.name == "tcp.options.sack_le" else "right"
                edge.label = edge._text = f"{side} edge = {edge.value} (relative)"
                edges.append(edge.value)
        blocks = " ".join(f"{left}-{right}" for left, right in zip(edges[::2], edges[1::2]))
        child.label = child._text = f"TCP Option - SACK {blocks}"


def _analysis(fields: dict) -> list:
    get = fields.get
    out = []
    if "tcp.analysis.acks_frame" in fields:
        out.append(_node("tcp.analysis.acks_frame", "This is an ACK to the segment in frame",
                         get("tcp.analysis.acks_frame")))
        if "tcp.analysis.ack_rtt" in fields:
            out.append(_node("tcp.analysis.ack_rtt", "The RTT to ACK the segment was", get("tcp.analysis.ack_rtt"),
                             _seconds(get("tcp.analysis.ack_rtt"))))
    if "tcp.analysis.initial_rtt" in fields:
        out.append(_node("tcp.analysis.initial_rtt", "iRTT", get("tcp.analysis.initial_rtt"),
                         _seconds(get("tcp.analysis.initial_rtt"))))
    if "tcp.analysis.bytes_in_flight" in fields:
        out.append(_node("tcp.analysis.bytes_in_flight", "Bytes in flight", get("tcp.analysis.bytes_in_flight")))
    if "tcp.analysis.push_bytes_sent" in fields:
        out.append(_node("tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag",
                         get("tcp.analysis.push_bytes_sent")))
    flagged = [name for name in INFO_WORDS if fields.get("tcp.analysis." + name) is True]
    if flagged:
        num = get("tcp.analysis.duplicate_ack_num")
        kids = [_node("tcp.analysis." + name, EXPERT[name].format(num=num), "", "") for name in flagged]
        if "tcp.analysis.rto" in fields:
            kids.append(_node("tcp.analysis.rto", "The RTO for this segment was", get("tcp.analysis.rto"),
                              _seconds(get("tcp.analysis.rto"))))
            kids.append(_node("tcp.analysis.rto_frame", "RTO based on delta from frame",
                              get("tcp.analysis.rto_frame")))
        flags = _group("TCP Analysis Flags", kids)
        flags.name = "tcp.analysis.flags"
        out.append(flags)
    if "tcp.analysis.duplicate_ack_num" in fields:
        out.append(_node("tcp.analysis.duplicate_ack_num", "Duplicate ACK #", get("tcp.analysis.duplicate_ack_num")))
        out.append(_node("tcp.analysis.duplicate_ack_frame", "Duplicate to the ACK in frame",
                         get("tcp.analysis.duplicate_ack_frame")))
    return out


LINKS = {
    "icmp": (("icmp.resp_in", "Response frame", None), ("icmp.resp_to", "Request frame", None),
             ("icmp.resptime", "Response time", "{:.3f} ms")),
    "icmpv6": (("icmpv6.resp_in", "Response In", None), ("icmpv6.resp_to", "Response To", None),
               ("icmpv6.resptime", "Response Time", "{:.3f} ms")),
    "dns": (("dns.response_in", "Response In", None), ("dns.response_to", "Request In", None),
            ("dns.time", "Time", "{:.9f} seconds")),
}


def _links(layer, fields: dict, nth: int = 0) -> None:
    """The links of the `nth` message of its protocol in this frame (a list holds one a message)."""
    nodes = []
    for name, label, form in LINKS[layer.name if layer.name in LINKS else "dns"]:
        if name in fields:
            value = fields[name]
            if value.__class__ is list:
                if nth >= len(value):
                    continue
                value = value[nth]
            nodes.append(_node(name, label, value, form.format(value) if form else None))
    if nodes:
        kids = layer.children
        at = next((i for i, kid in enumerate(kids) if kid.name in ("data", "data.data", "icmp.data_time")),
                  len(kids))
        kids[at:at] = nodes


def _messages(d, notes, number: int) -> None:
    """The messages this frame ended, after its TCP layer (what its own bytes dissected to
    past it is gone): each behind a [N Reassembled TCP Segments] layer when it came in more
    than this frame."""
    for pdu in notes.pdus:
        if len(pdu.pieces) > 1 or pdu.pieces[0][0] != number:
            layer = Layer("tcp.segments", segments_label(pdu), 0, len(pdu.data))
            start = 0
            for frame, size in pdu.pieces:
                layer.add(_node("tcp.segment", "Frame", frame,
                                f"{frame}, payload: {start}-{start + size - 1} ({size} bytes)"))
                start += size
            layer.add(_node("tcp.segment.count", "Segment count", len(pdu.pieces)))
            layer.add(_node("tcp.reassembled.length", "Reassembled TCP length", len(pdu.data)))
            d.layers.append(layer)
        message = dissect_pdu(pdu)
        d.sources = d.sources or {}
        for layer in message.layers:        # their offsets are into the message, not the frame
            d.sources[id(layer)] = pdu.data
        d.layers += message.layers
        d.problems += message.problems


def attach(d, notes, number: int = 0) -> None:
    """Add the analysis `notes` of frame `number` to its dissection `d` (made with a tree)."""
    if not notes or not d.tree:
        return
    if notes.ends_at_tcp:
        at = next((i for i, layer in enumerate(d.layers) if layer.name == "tcp"), None)
        if at is not None:
            del d.layers[at + 1:]
            if notes.pdus:
                _messages(d, notes, number)
    fields = notes.fields
    seen_tcp = seen_udp = False
    nth: dict = {}
    for layer in d.layers:
        name = layer.name
        if name == "tcp" and not seen_tcp and "tcp.stream" in fields:
            seen_tcp = True
            _tcp(layer, fields, notes)
        elif name == "udp" and not seen_udp and "udp.stream" in fields:
            seen_udp = True
            _insert_before(layer, "udp.payload", [_node("udp.stream", "Stream index", fields["udp.stream"])])
        elif name in LINKS or name in ("mdns", "llmnr"):
            _links(layer, fields, nth.get(name, 0))
            nth[name] = nth.get(name, 0) + 1
        elif name == "http":
            _http_links(layer, fields)
        elif name == "arp" and notes.duplicates:
            _duplicates(layer, notes.duplicates)


def _duplicates(layer, duplicates: list) -> None:
    """tshark puts these after the ARP layer, at the top of the tree; here they end the layer."""
    for address, mac, holder, frame, seconds in duplicates:
        layer.add(_group(f"Duplicate IP address detected for {address} ({mac}) - also in use by {holder} "
                         f"(frame {frame})", [
                             _node("arp.duplicate-address-frame", "Frame showing earlier use of IP address", frame),
                             _node("arp.seconds-since-duplicate-address-frame", "Seconds since earlier frame seen",
                                   seconds)]))


def _ace(layer) -> None:
    """A segment of an AccECN connection: its AE, CWR and ECE bits shown as the one ACE counter."""
    flags = next((kid for kid in layer.children if kid.name == "tcp.flags"), None)
    if flags is None:
        return
    value = flags.value
    flags._text = f"0x{value:03x} ({flags_text(value, ace=True)})"
    kids = [kid for kid in flags.children if kid.name not in ("tcp.flags.ae", "tcp.flags.cwr", "tcp.flags.ece")]
    at = next((i + 1 for i, kid in enumerate(kids) if kid.name == "tcp.flags.res"), 0)
    kids.insert(at, Node("tcp.flags.ace", "ACE", (value & ACE_BITS) >> ACE_SHIFT, flags.offset, 2, mask=ACE_BITS))
    for kid in kids:
        if kid.name == "tcp.flags.str":
            kid.value, kid._text = ace_flags_str(value), None
    flags.children[:] = kids


def _http_links(layer, fields: dict) -> None:
    for name, label, form in (("http.response_in", "Response in frame", None),
                              ("http.time", "Time since request", "{:.9f} seconds"),
                              ("http.request_in", "Request in frame", None),
                              ("http.response_for.uri", "Request URI", None)):
        value = fields.get(name)
        if value is not None and value.__class__ is not list:      # before the body, as tshark's
            _insert_before(layer, "http.file_data", [_node(name, label, value, form.format(value) if form else None)])
