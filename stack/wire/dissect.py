"""Dissection: a frame's bytes into a layer tree of fields with byte offsets.

The fast path reads headers through the offsets a wire module declares as
`F` definitions; dissection walks the very same definitions to build a tree
(DESIGN principle 4), so the two never disagree.  Each node knows its byte
offset and length in the frame (and a bit mask for bit fields), which is what
the hex pane highlights.

Dissectors register by what selects them, as the stack registers handlers:
``@dissector("ethertype", 0x0800)``, ``@dissector("ip.proto", 1)``,
``@dissector("linktype", 1)``.  One takes a `Dissection` and the span of its
header, adds a `Layer`, and returns the next (table, key, offset, end) or None.
Dissection never raises on bad bytes: a short or broken header becomes a
layer marked with the problem, and the walk stops there.
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable
from .textfmt import byte_count

DISSECTORS: dict[tuple[str, int], Callable] = {}
MAX_LAYERS = 32


def dissector(table: str, *keys: int):
    def register(fn):
        for key in keys:
            DISSECTORS[(table, key)] = fn
        return fn
    return register


@dataclass(frozen=True)
class F:
    """One header field: where it is, how wide, how to show it.

    `offset` and `size` are in bytes from the start of the header; a bit
    field adds `mask` (over the `size` bytes, big-endian) and its value is
    shifted down.  Fast-path code uses `offset` directly; `read` is for
    dissection and tests.
    """

    name: str                   # tshark's field name where one exists: "ip.ttl"
    label: str                  # "Time to Live"
    offset: int
    size: int
    mask: int = 0
    show: Callable[[Any], str] | None = None
    shift: int = field(init=False, default=0)

    def __post_init__(self):
        if self.mask:
            object.__setattr__(self, "shift", (self.mask & -self.mask).bit_length() - 1)

    def read(self, buf, base: int) -> int:
        start = base + self.offset
        value = int.from_bytes(buf[start:start + self.size], "big")
        if self.mask:
            value = (value & self.mask) >> self.shift
        return value


class Node:
    """A field in the tree: name, value, display text, where its bytes are.

    Hot dissectors add their fields as rows, ``(f, start, value)`` with optional
    ``subrows``, ``length`` and ``label`` after it (see `put`), or as a function
    that makes such rows from what the dissector read (see `later`); a row becomes
    a Node only when someone reads `children`, as Wireshark fakes the items of a
    tree nobody looks at.
    """

    __slots__ = ("name", "label", "value", "offset", "length", "mask", "_kids", "_rows",
                 "problem", "_show", "_text")

    def __init__(self, name: str, label: str, value: Any, offset: int, length: int,
                 mask: int = 0, show: Callable | None = None, text: str | None = None):
        self.name = name
        self.label = label
        self.value = value
        self.offset = offset
        self.length = length
        self.mask = mask
        self._kids: list[Node] = []
        self._rows = False          # some of _kids are rows not yet made into nodes
        self.problem: str | None = None
        self._show = show
        self._text = text

    @property
    def children(self) -> "list[Node]":
        if self._rows:
            self._rows = False
            self._kids = _nodes(self._kids)
        return self._kids

    @property
    def display(self) -> str:
        """The value as a person reads it (computed on demand: trees are cheap to build)."""
        if self._text is None:
            value = self.value
            self._text = self._show(value) if self._show else (
                value.hex() if isinstance(value, (bytes, bytearray)) else "" if value is None else str(value))
        return self._text

    def put(self, rows: tuple) -> None:
        """Add fields as rows: ``(f, start, value[, subrows[, length[, label]]])``, where `start`
        is the field's offset in the frame, `value` already shifted down by `f.mask`."""
        self._kids += rows
        self._rows = True

    def later(self, make: Callable, *args) -> None:
        """Add the rows `make(*args)` returns, made when `children` is first read; `args` hold
        what the dissector read (values, offsets), so nothing is read from the frame twice.
        Hot dissectors write ``layer._kids.append((make, *args))`` instead, on a layer that
        `Dissection.layer` made for a tree (it is marked as holding rows from the start)."""
        self._kids.append((make, *args))
        self._rows = True

    def add(self, node: "Node") -> "Node":
        self._kids.append(node)
        return node

    def field(self, f: F, buf, base: int, show: Callable | None = None) -> "Node":
        """Add field `f` of the header starting at `base`; returns the new node."""
        start = base + f.offset
        value = int.from_bytes(buf[start:start + f.size], "big")
        if f.mask:
            value = (value & f.mask) >> f.shift
        node = Node(f.name, f.label, value, start, f.size, f.mask, show or f.show)
        self._kids.append(node)
        return node

    def text(self, name: str, label: str, text: str, offset: int, length: int, value=None) -> "Node":
        return self.add(Node(name, label, value if value is not None else text, offset, length, text=text))

    def find(self, name: str) -> "Node | None":
        if self.name == name:
            return self
        for child in self.children:
            hit = child.find(name)
            if hit is not None:
                return hit
        return None

    def collect(self, names, into: dict) -> None:
        """Append to ``into[name]`` the value of every field below named in `names`, reading rows
        where they are, so a display filter's look-up makes no Node of a tree nobody shows."""
        _collect(self._kids, names, into)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict:
        row = {"name": self.name, "label": self.label, "value": self.display,
               "offset": self.offset, "length": self.length}
        if self.mask:
            row["mask"] = self.mask
        if self.problem:
            row["problem"] = self.problem
        if self.children:
            row["fields"] = [child.to_dict() for child in self.children]
        return row


class Hidden(Node):
    """A field tshark gives for filters but leaves out of its tree (proto_item_set_hidden):
    in -j and the filters' reach, not in -V or the dashboard's tree."""

    __slots__ = ()

    @classmethod
    def of(cls, node: Node) -> "Hidden":
        return cls(node.name, node.label, node.value, node.offset, node.length, node.mask, node._show, node._text)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "hidden": True}


def _nodes(kids: list) -> "list[Node]":
    """Nodes of a list of nodes, rows and `later` entries."""
    out = []
    for kid in kids:
        if kid.__class__ is not tuple:
            out.append(kid)
        elif kid[0].__class__ is F:
            out.append(row_node(*kid))
        else:
            out += _nodes(kid[0](*kid[1:]))
    return out


def _collect(kids: list, names, into: dict) -> None:
    for kid in kids:
        if kid.__class__ is not tuple:
            if kid.name in names:
                into[kid.name].append(kid.value)
            _collect(kid.children, names, into)
        elif kid[0].__class__ is F:
            if kid[0].name in names:
                into[kid[0].name].append(kid[2])
            if len(kid) > 3 and kid[3]:
                _collect(kid[3], names, into)
        else:
            _collect(kid[0](*kid[1:]), names, into)


def row_node(f: F, start: int, value, subrows=(), length=None, label=None) -> Node:
    node = Node(f.name, f.label if label is None else label, value, start,
                f.size if length is None else length, f.mask, f.show)
    if subrows:
        node.put(subrows)
    return node


class Layer(Node):
    """A protocol's header: a node whose children are its fields.

    Its label may be made when first read (`label_from`): most trees are never shown.
    """

    __slots__ = ()

    def __init__(self, name: str, label: str, offset: int, length: int):
        self.name = name
        self._text = label              # a layer's display is its label; (make, *args) until made
        self.value = None
        self.offset = offset
        self.length = length
        self.mask = 0
        self._kids = []
        self._rows = False
        self.problem = None

    @property
    def label(self) -> str:
        text = self._text
        if text.__class__ is tuple:
            text = self._text = text[0](*text[1:])
        return text

    @label.setter
    def label(self, text: str) -> None:
        self._text = text

    def label_from(self, make: Callable, *args) -> None:
        """The label is `make(*args)`, made when first read."""
        self._text = (make, *args)

    @property
    def display(self) -> str:
        return self.label


DATA = F("data.data", "Data", 0, 0, show=bytes.hex)
DATA_GROUP = F("data", "Data", 0, 0)
DATA_LEN = F("data.len", "Length", 0, 0)          # generated: how many bytes the Data holds

_NO_CHILDREN: list = []          # shared, never appended to
_new = object.__new__


class _Quiet:
    """Field-adding that keeps nothing: what summary-only nodes and layers share.

    Dissectors write the same code either way; callers may read the returned
    node's `value` or note a problem on it, and whatever they hang under it
    is not kept.
    """

    __slots__ = ()

    def field(self, f: F, buf, base: int, show: Callable | None = None) -> "Node":
        return _quiet_field(f, buf, base, show)

    def text(self, name: str, label: str, text: str, offset: int, length: int, value=None) -> "Node":
        return QuietNode(name, value if value is not None else text, offset, length, text=text)

    def add(self, node: "Node") -> "Node":
        return node

    def put(self, rows: tuple) -> None:
        pass

    def later(self, make: Callable, *args) -> None:
        pass


class QuietNode(_Quiet, Node):
    """A field of a summary-only dissection: name, value, where its bytes are; no tree."""

    __slots__ = ()

    def __init__(self, name: str, value, offset: int, length: int, show=None, text=None):
        self.name = name
        self.value = value
        self.offset = offset
        self.length = length
        self._show = show
        self._text = text
        self.problem = None
        self._kids = _NO_CHILDREN
        self._rows = False


def _quiet_field(f: F, buf, base: int, show=None) -> QuietNode:
    start = base + f.offset
    value = int.from_bytes(buf[start:start + f.size], "big")
    return QuietNode(f.name, (value & f.mask) >> f.shift if f.mask else value, start, f.size,
                     show or f.show)


class QuietLayer(_Quiet, Layer):
    """A layer of a summary-only dissection: its span and name, none of its fields."""

    __slots__ = ()

    def __init__(self, name: str, label: str, offset: int, length: int):
        self.name = name
        self._text = label
        self.value = None
        self.offset = offset
        self.length = length
        self.mask = 0
        self._kids = _NO_CHILDREN
        self._rows = False
        self.problem = None


class Dissection:
    """The walk over one frame and what it found.

    `layers` is the tree; `source`, `destination`, `protocol` and `info` make
    the one-line summary (tshark's columns), set by whichever layer knows best
    (the highest one wins).  `problems` collects every malformed/truncated
    note and bad checksum, so a summary can flag them.  A dissector may leave the
    Info text to be made when first read (`summarise_later`).
    """

    __slots__ = ("buf", "length", "orig_len", "layers", "source", "destination", "protocol", "_info",
                 "problems", "net_src", "net_dst", "tree", "claimed", "locked", "payload_complete",
                 "ip_ttl", "ipv6_hlim", "udp_ports", "reported_ends", "moved_ends", "checksums", "ts_ns",
                 "sources")

    def __init__(self, buf: bytes, tree: bool = True, orig_len: int | None = None):
        # dissect() sets these inline (one call fewer a frame): keep the two alike
        self.buf = buf
        self.length = len(buf)
        self.orig_len = self.length if orig_len is None else orig_len    # on the wire
        self.layers: list[Layer] = []
        self.source = ""
        self.destination = ""
        self.protocol = ""
        self._info = ""
        self.problems: list[str] = []
        self.net_src = None            # addresses for L4 pseudo-header checksums
        self.net_dst = None
        self.tree = tree
        self.claimed = None            # where a length field says the payload ends
        self.locked = False            # summary fixed (e.g. by an ICMP error quoting a packet)
        self.payload_complete = True   # False when the network layer's payload was cut by snaplen
        # What upper layers need from lower ones, kept here so they never search the tree
        # (which a summary-only dissection does not build):
        self.ip_ttl = None             # the first IPv4 header's TTL
        self.ipv6_hlim = None          # the innermost IPv6 header's hop limit
        self.udp_ports = None          # the first UDP header's (source, destination)
        self.reported_ends: dict[int, int] = {}   # layer index -> where its length field ends it
        self.moved_ends = None         # {layer index: (src, dst)} where extension headers name others
        self.ts_ns = None              # the frame's capture time, when the caller gave it (ICMP data times)
        self.sources = None            # {id(layer): bytes} for layers whose offsets are into other bytes

    def network_end(self, index: int) -> int:
        """Where the network layer at `index` says its payload ends (past a snap-length cut too),
        never past the frame's length on the wire: an IP length that claims more than the frame
        held counts what there was, as tshark does."""
        end = self.reported_ends.get(index, self.claimed if self.claimed is not None else len(self.buf))
        return min(end, self.orig_len)

    def claim(self, end: int) -> None:
        """A network layer's length field ends the packet at `end`; the rest is padding."""
        if self.claimed is None:
            self.claimed = end

    @property
    def info(self) -> str:
        info = self._info
        if info.__class__ is tuple:
            info = self._info = info[0](*info[1:])
        return info

    @info.setter
    def info(self, text: str) -> None:
        self._info = text

    def summarise(self, protocol: str, info: str, source: str = "", destination: str = "") -> None:
        """Set the summary columns unless an outer layer fixed them."""
        if self.locked:
            return
        self.protocol = protocol
        self._info = info
        if source:
            self.source, self.destination = source, destination

    def default_info(self, make: Callable, *args) -> None:
        """The Info text is `make(*args)` (made when first read) unless a layer set one."""
        if not self.info:
            self._info = (make, *args)

    def summarise_later(self, protocol: str, make: Callable, *args) -> None:
        """`summarise`, with the Info text `make(*args)` made when first read."""
        if not self.locked:
            self.protocol = protocol
            self._info = (make, *args)

    def layer(self, name: str, label: str, offset: int, length: int) -> Layer:
        if self.tree:               # Layer.__init__, inline: a frame makes three or four of these
            layer = _new(Layer)
            layer._kids = []
            layer._rows = True      # so a dissector may append (make, *args) to _kids itself
        else:
            layer = _new(QuietLayer)
            layer._kids = _NO_CHILDREN
            layer._rows = False
        layer.name = name
        layer._text = label
        layer.value = None
        layer.offset = offset
        layer.length = length
        layer.mask = 0
        layer.problem = None
        self.layers.append(layer)
        return layer

    def problem(self, node: Node, text: str) -> None:
        node.problem = text
        self.problems.append(f"{node.name}: {text}")

    @property
    def cut(self) -> bool:
        """The capture kept fewer bytes than the wire carried (snaplen)."""
        return self.orig_len > self.length

    def can_verify(self) -> bool:
        """Whether an L4 checksum can be checked: the whole payload is here, and it is
        not a packet quoted inside an ICMP error (tshark leaves those unverified)."""
        return self.payload_complete and not self.locked

    def short(self, layer: Layer, need: int, have: int, what: str) -> bool:
        """Mark `layer` truncated when `have` < `need` bytes; True if it is."""
        if have >= need:
            return False
        self.problem(layer, f"truncated: {what} needs {need} bytes, {have} captured")
        if not self.info:
            self.info = "[Malformed Packet]"
        return True

    def find(self, name: str) -> Node | None:
        for layer in self.layers:
            hit = layer.find(name)
            if hit is not None:
                return hit
        return None

    def summary(self) -> dict:
        return {"source": self.source, "destination": self.destination,
                "protocol": self.protocol, "length": self.length, "info": self.info}


def _data_label(size: int) -> str:
    return f"Data ({byte_count(size)})"


def _data_rows(buf, off: int, end: int) -> tuple:
    return ((DATA, off, buf[off:end], (), end - off), (DATA_LEN, off, end - off, (), 0))


def data_layer(d, off: int, end: int) -> None:
    """What no dissector took, as tshark's data protocol: `Data (N bytes)`, its bytes and length."""
    layer = d.layer("data", "Data", off, end - off)
    layer._text = (_data_label, end - off)        # layer.label_from, inline
    if d.tree:
        layer._kids.append((_data_rows, d.buf, off, end))


def hexed(width: int):
    """A `show` for a number tshark writes in hex, `width` digits: `0x0800`."""
    return lambda value: f"0x{value:0{width}x}"


def named(names: dict, unknown: str = "Unknown"):
    """A `show` for a value tshark names from a table: "Name (n)", "Unknown (n)" past it."""
    return lambda value: f"{names.get(value, unknown)} ({value})"


def data_row(buf, start: int, stop: int) -> tuple:
    """Bytes inside a header that no dissector reads (an echo's payload), as tshark shows them:
    `Data (N bytes)` over the bytes and their length."""
    size = stop - start
    return (DATA_GROUP, start, "", _data_rows(buf, start, stop), size, f"Data ({byte_count(size)})")


# Whether TCP, UDP and IPv4 header checksums are verified: off, as tshark's tcp/udp/ip.check_checksum
# (a capture with checksum offload would otherwise be all "bad"); `capture show ... checksums on`
# sets it for its packets. ICMP and ICMPv6 checksums are always verified, as tshark does.
CHECKSUMS: ContextVar[bool] = ContextVar("checksums", default=False)


def dissect(buf: bytes, linktype: int = 1, tree: bool = True, orig_len: int | None = None,
            ts_ns: int | None = None) -> Dissection:
    """Dissect one captured frame (`orig_len`: its length on the wire, if the capture
    cut it; `ts_ns`: when it was captured, for what reads times from packets, as tshark's
    "Timestamp from icmp data"); never raises on bad bytes."""
    d = _new(Dissection)            # Dissection.__init__, inline
    d.buf = buf = bytes(buf)
    d.length = length = len(buf)
    d.orig_len = length if orig_len is None else orig_len
    d.layers = []
    d.source = d.destination = d.protocol = d._info = ""
    d.problems = []
    d.net_src = d.net_dst = d.claimed = d.ip_ttl = d.ipv6_hlim = d.udp_ports = None
    d.tree = tree
    d.locked = False
    d.payload_complete = True
    d.reported_ends = {}
    d.moved_ends = None
    d.checksums = CHECKSUMS.get()
    d.ts_ns = ts_ns
    d.sources = None
    table, key, off, end = "linktype", linktype, 0, len(buf)
    for _ in range(MAX_LAYERS):
        fn = DISSECTORS.get((table, key))
        if fn is None:
            if off < end:
                data_layer(d, off, end)
                if not d.protocol:
                    d.protocol = "DATA"
            break
        try:
            step = fn(d, off, end)
        except (IndexError, ValueError, KeyError) as exc:     # a dissector bug must not kill a capture
            layer = d.layer("_ws.malformed", f"[Malformed Packet: {fn.__module__}]", off, end - off)
            d.problem(layer, f"malformed: {type(exc).__name__}: {exc}")
            break
        if step is None:
            break
        table, key, off, end = step
    if d.claimed is not None and d.claimed < d.length and d.layers and d.layers[0].name == "eth":
        _padding(d)
    return d


ETH_MIN_FRAME = 60          # without FCS: what a sender pads to


def _padding(d: Dissection) -> None:
    """Bytes after the payload: Ethernet's padding; in a tagged frame, as Wireshark splits
    them, padding up to the 60-byte minimum and the rest the tag's trailer."""
    end = len(d.buf)
    tags = [layer for layer in d.layers if layer.name in ("vlan", "ieee8021ad")]
    if tags and end > ETH_MIN_FRAME:
        pad_end = max(d.claimed, ETH_MIN_FRAME)
        trailer = d.buf[pad_end:]
        tags[-1].text("vlan.trailer", "Trailer", trailer.hex(), pad_end, len(trailer), value=trailer)
        end = pad_end
        if end > d.claimed:
            pad = d.buf[d.claimed:end]
            d.layers[0].text("eth.padding", "Padding", pad.hex(), d.claimed, len(pad), value=pad)
        return
    _trailer(d)


def _trailer(d: Dissection) -> None:
    """An untagged frame's bytes past its payload, split as tshark guesses when the capture
    does not say whether frames carry their FCS: padding up to 60 bytes (if it is all zeros:
    else it is part of the trailer), then, in a frame of 64 bytes or more, the last 4 as the FCS
    and what is between as a trailer."""
    eth, claimed, frame_len = d.layers[0], d.claimed, d.orig_len
    padding = ETH_MIN_FRAME - claimed if frame_len >= ETH_MIN_FRAME and claimed < ETH_MIN_FRAME else 0
    if d.buf[claimed:claimed + padding].count(0) != min(padding, max(len(d.buf) - claimed, 0)):
        padding = 0
    if padding:
        pad = d.buf[claimed:claimed + padding]
        eth.text("eth.padding", "Padding", pad.hex(), claimed, len(pad), value=pad)
    start = claimed + padding
    rest = frame_len - start
    fcs_at = frame_len - 4 if frame_len >= ETH_MIN_FRAME + 4 and rest >= 4 else None
    stop = min(len(d.buf), fcs_at if fcs_at is not None else frame_len)
    if stop > start:
        trailer = d.buf[start:stop]
        eth.text("eth.trailer", "Trailer", trailer.hex(), start, len(trailer), value=trailer)
    if fcs_at is not None and fcs_at + 4 <= len(d.buf):
        fcs = int.from_bytes(d.buf[fcs_at:fcs_at + 4], "big")
        eth.add(Node("eth.fcs", "Frame check sequence", fcs, fcs_at, 4, text=f"0x{fcs:08x} [unverified]"))
        eth.add(Node("eth.fcs.status", "FCS Status", 2, fcs_at, 4, text="Unverified"))
