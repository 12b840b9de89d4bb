"""One packet as a compiled filter reads it: its fields' values, dissected no more than needed.

A `Plan` (made once, when the filter is compiled) says what the filter reads: frame
fields need no dissection; protocol names need the layers only (a dissection with no
tree); fields need the tree, and of the tree only the layers that can hold them,
read as rows (`Node.collect`), so no field node is made that the filter does not ask for.
"""
from __future__ import annotations

from collections import defaultdict

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.capfile import epb_flags
from stack.wire import mptcp
from stack.wire.defrag_view import attach as defrag_attach
from stack.wire.tcp import options_of_kind
from stack.wire.dissect import dissect

from .fields import ANALYSIS, DERIVED, FAST, FIELDS, FRAME_FIELDS, GENERATED, PROTOCOL, convert, homes, host_text


class Plan:
    """What a compiled filter reads of each packet."""

    def __init__(self):
        self.tree_names: set[str] = set()     # fields read from the dissection tree
        self.homes: set[str] = set()          # layers those can be in
        self.layers = False                   # protocol names or protocol bytes are read
        self.tree = False                     # the tree is read (`done` sets it)
        self.fast: dict[str, list] = {}       # with no tree: layer -> [(field, F, bytes it needs)]

    def want(self, name: str, kind: str) -> None:
        if name in FRAME_FIELDS:
            if name == "frame.protocols":
                self.layers = True
            return
        if kind == PROTOCOL:
            self.layers = self.layers or name != "frame"
            return
        for part in (name,) + GENERATED.get(name, ()) + DERIVED.get(name, ((),))[0]:
            self.tree_names.add(part)
            self.homes.update(homes(part.split(".")[0]))

    def done(self) -> "Plan":
        """Everything wanted is known: read the tree only if a field is not read from its header."""
        self.tree = not all(name in FAST or name in ANALYSIS or name in DERIVED
                            or set(GENERATED.get(name, (None,))) <= FAST.keys()
                            for name in self.tree_names)
        self.fast = {}
        for name in sorted(self.tree_names & FAST.keys()):
            f, need = FAST[name]
            self.fast.setdefault(name.split(".")[0], []).append((name, f, need))
        return self


def _read(f, buf: bytes, base: int):
    """A fast field's value as its dissector gives it: addresses as bytes, numbers as ints."""
    start = base + f.offset
    if f.size in (4, 6) and not f.mask and f.name.endswith(("src", "dst")):
        return buf[start:start + f.size]
    return f.read(buf, base)


SACK_EDGES = ("tcp.options.sack_le", "tcp.options.sack_re")


class Frame:
    """The values a filter asks of one packet (a `stack.capture.Captured`), each computed once."""

    __slots__ = ("pkt", "plan", "_dissection", "_raw", "_cache")

    def __init__(self, pkt, plan: Plan):
        self.pkt = pkt
        self.plan = plan
        self._dissection = None
        self._raw = None
        self._cache: dict = {}

    @property
    def dissection(self):
        if self._dissection is None:
            pkt = self.pkt
            self._dissection = d = dissect(pkt.data, pkt.linktype, tree=self.plan.tree, orig_len=pkt.orig_len,
                                           ts_ns=pkt.ts_ns)
            view = getattr(pkt, "defrag", None)
            if view is not None:            # IP reassembly (stack/wire/defrag_view.py)
                self._dissection = defrag_attach(d, view)
        return self._dissection

    def layers(self) -> list:
        """The dissection's layers; a frame whose payload the analysis put into a reassembled
        message (stack/wire/analysis) keeps only those up to TCP: the message is in its notes;
        so does a retransmitted or out-of-order segment (tshark dissects no payload of one)."""
        layers = self.dissection.layers
        notes = getattr(self.pkt, "notes", None)
        if notes is not None and notes.ends_at_tcp:
            for i, layer in enumerate(layers):
                if layer.name == "tcp":
                    return layers[:i + 1]
        return layers

    def has(self, protocol: str) -> bool:
        if protocol == "frame":
            return True
        for layer in self.layers():
            if layer.name == protocol:
                return True
        if protocol == "data" and self._inner_data():
            return True
        if protocol == "mptcp" and self._mptcp_options():
            return True
        notes = getattr(self.pkt, "notes", None)
        return notes is not None and protocol in notes.protocols

    def _mptcp_options(self) -> list:
        """(offset, length) of the MPTCP options of the frame's TCP headers (tshark's "mptcp" protocol)."""
        buf = self.dissection.buf
        return [span for layer in self.layers() if layer.name == "tcp"
                for span in options_of_kind(buf, layer.offset, mptcp.KIND)]

    def _inner_data(self) -> list:
        """The Data an echo carries (a group inside ICMP's layer: tshark's "data" protocol);
        its nodes need a tree, made here only for a frame with ICMP in it."""
        layers = [layer for layer in self.layers() if layer.name in ("icmp", "icmpv6")]
        if layers and not self.dissection.tree:
            pkt = self.pkt
            d = dissect(pkt.data, pkt.linktype, orig_len=pkt.orig_len, ts_ns=pkt.ts_ns)
            view = getattr(pkt, "defrag", None)
            d = defrag_attach(d, view) if view is not None else d
            layers = [layer for layer in d.layers if layer.name in ("icmp", "icmpv6")]
        return [node for layer in layers for node in layer.children if node.name == "data"]

    def raw(self) -> dict:
        if self._raw is None:
            plan = self.plan
            raw = self._raw = defaultdict(list)
            d = self.dissection
            if d.tree:
                for layer in self.layers():
                    if layer.name in plan.homes:
                        layer.collect(plan.tree_names, raw)
            else:
                buf, fast = d.buf, plan.fast
                for layer in self.layers():
                    for name, f, need in fast.get(layer.name, ()):
                        if layer.length >= need:
                            raw[name].append(_read(f, buf, layer.offset))
            view = getattr(self.pkt, "defrag", None)
            if view is not None and not d.tree:     # with a tree, its nodes hold these
                for name, value in view.fields.items():
                    if name in plan.tree_names:
                        raw[name] += value if value.__class__ is list else [value]
            notes = getattr(self.pkt, "notes", None)
            if notes and notes.sack_base is not None:      # SACK edges relative, as tshark's fields
                for name in SACK_EDGES:
                    if name in raw:
                        raw[name] = [(edge - notes.sack_base) & 0xFFFFFFFF for edge in raw[name]]
            if notes:
                for name, value in notes.fields.items():
                    if name in plan.tree_names:
                        if value.__class__ is list:
                            raw[name] += value
                        else:
                            raw[name].append(b"" if value is True else value)
        return self._raw

    def values(self, name: str, kind: str) -> list:
        """The values of field or protocol `name` in this packet, as type `kind` compares them."""
        hit = self._cache.get(name)
        if hit is None:
            hit = self._cache[name] = self._compute(name, kind)
        return hit

    def _compute(self, name: str, kind: str) -> list:
        if name in FRAME_FIELDS:
            return self._frame_field(name)
        if name in ACE_REPLACES and getattr(getattr(self.pkt, "notes", None), "ace", False):
            return []                   # an AccECN segment: these bits are its ACE counter (tcp.flags.ace)
        if kind == PROTOCOL:
            if name == "frame":
                return [bytes(self.pkt.data)]
            buf = self.dissection.buf
            found = [buf[layer.offset:layer.offset + layer.length] for layer in self.layers() if layer.name == name]
            if name == "data":
                found += [buf[node.offset:node.offset + node.length] for node in self._inner_data()]
            if name == "mptcp":
                found += [buf[at:at + size] for at, size in self._mptcp_options()]
            return found
        raw = self.raw()
        if name in DERIVED:
            parts, make = DERIVED[name]
            return [make(value) for part in parts for value in raw.get(part, ())]
        if name in GENERATED and not raw.get(name):
            parts = GENERATED[name]
            part_kind = FIELDS[parts[0]].type
            values = [v for part in parts for v in convert(part_kind, raw.get(part, ()))]
            return [host_text(part_kind, v) for v in values] if name.endswith("host") else values
        return convert(kind, raw.get(name, ()))

    def _frame_field(self, name: str) -> list:
        pkt = self.pkt
        if name == "frame.number":
            return [pkt.number]
        if name == "frame.len":
            return [pkt.orig_len]
        if name == "frame.cap_len":
            return [len(pkt.data)]
        if name == "frame.interface_name":
            return [pkt.link] if pkt.link else []
        if name == "frame.direction":
            return [pkt.direction] if pkt.direction else []
        if name == "frame.time_epoch":
            return [float(pkt.ts)]
        if name == "frame.protocols":
            return [":".join(layer.name for layer in self.dissection.layers)]
        return recorded_field(pkt, name)


ACE_REPLACES = ("tcp.flags.ae", "tcp.flags.cwr", "tcp.flags.ece")


def recorded_field(pkt, name: str) -> list:
    """What a pcapng file recorded of the packet's interface and flags (netsh/inspect.py shows them)."""
    iface = getattr(pkt, "interface", None)
    if iface is None:
        return []
    if name == "frame.section_number":
        return [iface.section]
    if name == "frame.interface_id":
        return [pkt.ifindex]
    if name == "frame.interface_description":
        return [iface.description] if iface.description is not None else []
    flags = pkt.pack_flags
    if flags is None:
        return []
    if name == "frame.packet_flags":
        return [flags]
    if name == "frame.p2p_dir":
        return [1] if flags & 3 == 1 else [0] if flags & 3 == 2 else []
    return [next(f.value(flags) for f in epb_flags.FIELDS if f.name == name)]
