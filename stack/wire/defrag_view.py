"""IP fragment reassembly for display, as tshark does it by default (`ip.defragment`,
`ipv6.defragment`): a pass over frames in capture order, sans-IO.

    view = DefragView()
    for number, buf, linktype in frames:
        seen = view.feed(number, buf, linktype)     # a FragmentView or None

The frame that completes a datagram gets a `dissection`: its own link and IP headers, then
the reassembled payload dissected whole, with tshark's `[N IPv4 Fragments (X bytes): ...]`
subtree (`ip.fragment`, `ip.fragment.count`, `ip.reassembled.length`).  An earlier
fragment gets tshark's columns (`Fragmented IP protocol (proto=ICMP 1, off=0, ID=1234)`)
and, once the datagram completes, `ip.reassembled_in` and the `[Reassembled in #N]`
suffix, written into the view kept for it (`recent`, as tshark's second pass shows it).
IPv6 the same with `ipv6.` names (tshark adds no suffix to an IPv6 fragment's Info).

Memory is bounded: at most `MAX_DATAGRAMS` datagrams being put together (the oldest given
up first), `MAX_HELD` bytes held across them, and the views of earlier fragments kept for
the last `MAX_RECENT` frames (a completing frame's view, which holds the datagram, is the
caller's to keep or drop).  Independent of the TCP analysis pass (stack/wire/analysis): the two compose by
feeding the same frames.
"""
from __future__ import annotations

import struct
from collections import OrderedDict

from . import protocols  # noqa: F401   (every dissector)
from .dissect import DISSECTORS, MAX_LAYERS, Dissection, Node, data_layer, dissect
from .ipv4 import fragment_info as ipv4_fragment_info
from .ipv6 import fragment_info as ipv6_fragment_info

MAX_DATAGRAMS = 4096
MAX_HELD = 64 << 20
MAX_RECENT = 65536
MAX_DATAGRAM = 65535 + 8        # no IPv4 or (non-jumbo) IPv6 datagram is longer
IPV6_EXTENSIONS = (0, 43, 60)   # hop-by-hop, routing, destination options: walked to a fragment header
QUOTING = ("icmp", "icmpv6")     # a packet quoted in an ICMP error is not reassembled
CUT = "[Packet size limited during capture]"


class FragmentView:
    """What reassembly changes about one frame: for the frame that completed a datagram, the
    reassembled dissection (`dissect`, made when asked); for an earlier fragment, tshark's
    `protocol`/`info` columns; for both, generated `fields` by tshark's names."""

    __slots__ = ("fields", "protocol", "info", "version", "suffix", "reassembled", "_quiet", "ip_offset")

    def __init__(self, version: int, protocol: str, info: str, ip_offset: int = 0):
        self.version, self.ip_offset = version, ip_offset
        self.fields: dict = {}
        self.protocol, self.info, self.suffix = protocol, info, ""
        self.reassembled = None         # dissect_reassembled's arguments, on the completing frame
        self._quiet = None

    @property
    def completes(self) -> bool:
        return self.reassembled is not None

    def dissect(self, tree: bool = True, ts_ns: int | None = None) -> Dissection | None:
        """The completing frame's reassembled dissection (None on an earlier fragment)."""
        if self.reassembled is None:
            return None
        if not tree:
            if self._quiet is None:
                self._quiet = dissect_reassembled(*self.reassembled, tree=False)
            return self._quiet
        return dissect_reassembled(*self.reassembled, ts_ns=ts_ns)

    @property
    def dissection(self) -> Dissection | None:
        return self.dissect(tree=True)

    def columns(self) -> tuple[str, str]:
        if self.reassembled is not None:
            d = self.dissect(tree=False)
            return d.protocol, d.info
        return self.protocol, self.info + self.suffix


class _Datagram:
    __slots__ = ("pieces", "total", "held")

    def __init__(self):
        self.pieces: dict[int, tuple[int, bytes]] = {}      # offset -> (frame, bytes)
        self.total = None                                   # known once the last fragment came
        self.held = 0


def _fragment_of(buf: bytes, linktype: int, d: Dissection | None):
    """(version, layer offset, key, offset, more, payload start, payload end, proto, ident)
    for the first IP layer of a frame that is a fragment, else None."""
    if d is None:
        d = dissect(buf, linktype, tree=False)
    for layer in d.layers:          # a tunnel's inner IP layer too, when the outer is whole
        name = layer.name
        if name == "ip":
            found = _ipv4(buf, layer.offset)
        elif name == "ipv6":
            found = _ipv6(buf, layer.offset)
        elif name in QUOTING:
            return None
        else:
            continue
        if found is not None:
            return found
    return None


def _ipv4(buf: bytes, off: int):
    if len(buf) - off < 20:
        return None
    vihl, _, total, ident, frag, _, proto = struct.unpack_from("!BBHHHBB", buf, off)
    ihl = (vihl & 15) * 4
    if vihl >> 4 != 4 or ihl < 20 or not frag & 0x3FFF or total < ihl or off + total > len(buf):
        return None
    key = (4, buf[off + 12:off + 20], ident, proto)
    return 4, off, key, (frag & 0x1FFF) * 8, bool(frag & 0x2000), off + ihl, off + total, proto, ident


def _ipv6(buf: bytes, off: int):
    if len(buf) - off < 40:
        return None
    plen, nxt = struct.unpack_from("!HB", buf, off + 4)
    stop = off + 40 + plen
    if plen == 0 or stop > len(buf):
        return None
    pos = off + 40
    while nxt in IPV6_EXTENSIONS and pos + 8 <= stop:
        nxt, pos = buf[pos], pos + (buf[pos + 1] + 1) * 8
    if nxt != 44 or pos + 8 > stop:
        return None
    inner, _, offset_more, ident = struct.unpack_from("!BBHI", buf, pos)
    if not offset_more & 0xFFF9:
        return None                 # an atomic fragment: the whole datagram already
    key = (6, buf[off + 8:off + 40], ident)
    return 6, off, key, offset_more & 0xFFF8, bool(offset_more & 1), pos + 8, stop, inner, ident


class DefragView:
    def __init__(self, max_datagrams: int = MAX_DATAGRAMS, max_held: int = MAX_HELD):
        self.datagrams: OrderedDict = OrderedDict()
        self.max_datagrams, self.max_held = max_datagrams, max_held
        self.held = 0
        self.recent: OrderedDict[int, FragmentView] = OrderedDict()

    def feed(self, number: int, buf: bytes, linktype: int = 1, orig_len: int | None = None,
             d: Dissection | None = None) -> FragmentView | None:
        """The frame's view, when it is an IP fragment (a frame the capture cut short is shown
        as a fragment and not reassembled, as tshark does).  `d`: the frame's dissection,
        when the caller has one (a quiet one will do), to save dissecting it again."""
        buf = bytes(buf)
        found = _fragment_of(buf, linktype, d)
        if found is None:
            return None
        version, ip_off, key, offset, more, start, stop, proto, ident = found
        if version == 4:
            view = FragmentView(4, "IPv4", ipv4_fragment_info(proto, offset, ident), ip_off)
        else:
            view = FragmentView(6, "IPv6", ipv6_fragment_info(offset, more, ident, proto), ip_off)
        if orig_len is not None and orig_len > len(buf):
            view.suffix = CUT
            return view
        gram = self.datagrams.get(key)
        if gram is None:
            gram = self.datagrams[key] = _Datagram()
            self._bound()
        else:
            self.datagrams.move_to_end(key)
        data = buf[start:stop]
        if offset + len(data) > MAX_DATAGRAM or self.held + len(data) > self.max_held:
            return self._remember(number, view)
        if offset not in gram.pieces:
            gram.pieces[offset] = (number, data)
            gram.held += len(data)
            self.held += len(data)
        if not more:
            gram.total = offset + len(data)
        whole = self._whole(gram)
        if whole is None:
            return self._remember(number, view)
        del self.datagrams[key]
        self.held -= gram.held
        pieces = [(frame, off, len(piece)) for off, (frame, piece) in sorted(gram.pieces.items())]
        view.reassembled = (buf, linktype, ip_off, start, version, proto, whole, pieces)
        self.recent.pop(number, None)       # only an earlier fragment is written to later
        name = "ip" if version == 4 else "ipv6"
        view.fields = {f"{name}.fragment": [frame for frame, _, _ in pieces],
                       f"{name}.fragment.count": len(pieces), f"{name}.reassembled.length": len(whole)}
        for frame, _, _ in pieces:
            earlier = self.recent.get(frame)
            if earlier is not None and frame != number:
                earlier.fields["ip.reassembled_in" if version == 4 else "ipv6.reassembled.in"] = number
                if version == 4:
                    earlier.suffix = f" [Reassembled in #{number}]"
        return view

    def _remember(self, number: int, view: FragmentView) -> FragmentView:
        self.recent[number] = view
        if len(self.recent) > MAX_RECENT:
            self.recent.popitem(last=False)
        return view

    def _bound(self) -> None:
        while len(self.datagrams) > self.max_datagrams:
            _, old = self.datagrams.popitem(last=False)
            self.held -= old.held

    @staticmethod
    def _whole(gram: _Datagram) -> bytes | None:
        """The datagram once its pieces cover 0..total with no hole (an overlap keeps the
        bytes that came first, as tshark's default)."""
        if gram.total is None:
            return None
        out = bytearray(gram.total)
        reach = 0
        for off, (_, piece) in sorted(gram.pieces.items()):
            if off > reach:
                return None
            if off + len(piece) > reach:
                new = piece[reach - off:]
                out[reach:reach + len(new)] = new
                reach = off + len(piece)
        return bytes(out[:gram.total]) if reach >= gram.total else None


def _fragments_label(version: int, pieces: list, size: int) -> str:
    parts = ", ".join(f"#{frame}({length})" for frame, _, length in pieces)
    return f"[{len(pieces)} IPv{version} Fragments ({size} bytes): {parts}]"


def dissect_reassembled(buf: bytes, linktype: int, ip_off: int, payload_off: int, version: int, proto: int,
                        whole: bytes, pieces: list, tree: bool = True, ts_ns: int | None = None) -> Dissection:
    """The completing frame dissected as tshark shows it: its headers up to the IP layer
    that fragmented, the fragments subtree, then the reassembled payload dissected whole
    (its byte offsets are into `d.buf`: the frame's headers followed by the payload)."""
    d = dissect(buf, linktype, tree=tree, ts_ns=ts_ns)
    index = next(i for i, layer in enumerate(d.layers) if layer.offset == ip_off and layer.name in ("ip", "ipv6"))
    layer = d.layers[index]
    del d.layers[index + 1:]
    name = "ip" if version == 4 else "ipv6"
    label = _fragments_label(version, pieces, len(whole))
    tree = layer.add(Node(f"{name}.fragments", label, "", payload_off, len(buf) - payload_off, text=""))
    for frame, off, length in pieces:
        tree.add(Node(f"{name}.fragment", "Frame", frame, payload_off, 0,
                      text=f"{frame}, payload: {off}-{off + length - 1} ({length} bytes)"))
    tree.add(Node(f"{name}.fragment.count", "Fragment count", len(pieces), payload_off, 0, text=str(len(pieces))))
    tree.add(Node(f"{name}.reassembled.length", f"Reassembled IPv{version} length", len(whole), payload_off, 0,
                  text=str(len(whole))))
    d.buf = buf[:payload_off] + whole
    d.length = len(d.buf)
    d.claimed = None
    d.payload_complete = True
    d.problems = [p for p in d.problems if "fragment" not in p]
    d._info = ""
    _walk(d, "ip.proto" if version == 4 else "ipv6.nxt", proto, payload_off, len(d.buf))
    return d


def attach(d: Dissection, view: FragmentView | None) -> Dissection:
    """The dissection to show for a frame (made with a tree) once the pass has seen it: the
    reassembled one for the frame that completed a datagram; for an earlier fragment its
    headers, the link forward (`Reassembled IPv4 in frame: N`) and its payload as Data, as
    tshark shows a fragment it reassembles."""
    if view is None:
        return d
    if view.completes:
        return view.dissect(d.tree, d.ts_ns)
    name = "ip" if view.version == 4 else "ipv6"
    index = next((i for i, layer in enumerate(d.layers) if layer.name == name and layer.offset == view.ip_offset),
                 None)
    if index is None:
        return d
    layer = d.layers[index]
    found = _ipv4(d.buf, layer.offset) if view.version == 4 else _ipv6(d.buf, layer.offset)
    if found is None:
        return d
    start, stop = found[5], found[6]
    del d.layers[index + 1:]
    linked = "ip.reassembled_in" if view.version == 4 else "ipv6.reassembled.in"
    if linked in view.fields:
        frame = view.fields[linked]
        layer.add(Node(linked, f"Reassembled IPv{view.version} in frame", frame, start, 0, text=str(frame)))
    d.protocol, d.info = view.protocol, view.info + view.suffix
    if start < stop:
        data_layer(d, start, stop)
    return d


def _walk(d: Dissection, table: str, key: int, off: int, end: int) -> None:
    """dissect()'s walk from one step on: the reassembled payload's layers."""
    for _ in range(MAX_LAYERS):
        fn = DISSECTORS.get((table, key))
        if fn is None:
            if off < end:
                data_layer(d, off, end)
                if not d.protocol:
                    d.protocol = "DATA"
            return
        try:
            step = fn(d, off, end)
        except (IndexError, ValueError, KeyError) as exc:
            layer = d.layer("_ws.malformed", f"[Malformed Packet: {fn.__module__}]", off, end - off)
            d.problem(layer, f"malformed: {type(exc).__name__}: {exc}")
            return
        if step is None:
            return
        table, key, off, end = step
