"""Captured packets as people read them: tshark's summary line, its -V tree, its -x dump.

Packets arrive from the stack as raw bytes; dissection (stack/wire) happens
here, in the face, never on the stack's fast path.  `packet_view` turns one
into plain data (summary columns, layer trees with offsets, the bytes in hex)
that the text renderers below and -j share.
"""
from __future__ import annotations

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.capfile import epb_flags
from stack.capfile.epb_flags import bits32
from stack.wire import mptcp
from stack.wire.analysis.tree import attach
from stack.wire.defrag_view import attach as defrag_attach
from stack.wire.dissect import dissect
from stack.wire.skim import columns
from stack.wire.textfmt import utc_date

from netsh.dfilter.fields import BYTES, FIELDS
from netsh.timefmt import NS_PER_S, seconds


def _row(pkt, first_ns: int, source: str, destination: str, protocol: str, info: str) -> dict:
    """The columns; times from integer ns (`ts_ns`, at the packet's precision `digits`):
    "time" and "epoch" are numbers for -j, "time_text" the text shown (tshark -t r by default;
    `capture show -t` puts another format there)."""
    ts_ns, digits = pkt.ts_ns, pkt.digits
    relative = ts_ns - int(first_ns)
    return {"number": pkt.number, "time": round(relative / NS_PER_S, digits), "epoch": ts_ns / NS_PER_S,
            "ts_ns": ts_ns, "digits": digits, "time_text": seconds(relative, digits), "linktype": pkt.linktype,
            "link": pkt.link, "direction": pkt.direction, "length": pkt.orig_len,
            "captured": len(pkt.data), "source": source, "destination": destination,
            "protocol": protocol, "info": info, **_pending(pkt), **_recorded(pkt)}


def _recorded(pkt) -> dict:
    """What a pcapng file recorded of the packet's interface and flags (tshark's frame.section_number,
    frame.interface_id, frame.interface_description, frame.packet_flags)."""
    iface = getattr(pkt, "interface", None)
    if iface is None:
        return {}
    out = {"section": iface.section, "interface_id": pkt.ifindex}
    if iface.description is not None:
        out["interface_description"] = iface.description
    if pkt.pack_flags is not None:
        out["pack_flags"] = pkt.pack_flags
    return out


def _pending(pkt) -> dict:
    """A file's packet paged to ahead of its conversation analysis (netsh/capsource.py quick)
    says so: its Info lacks what the analysis adds until it is asked for again."""
    return {"analysis_pending": True} if getattr(pkt, "notes", False) is None else {}


def summary_row(pkt, first_ns: int) -> dict:
    """A packet's summary columns (skimmed: stack/wire/skim.py), without its tree or problems;
    with the conversation analysis applied when the packet carries it (stack/wire/analysis)."""
    made = getattr(pkt, "columns", None)        # by the analysis pass, if it kept them
    source, destination, protocol, info = made if made is not None else columns(pkt.data, pkt.linktype,
                                                                                 pkt.orig_len)
    view = getattr(pkt, "defrag", None)
    if view is not None:                # IP reassembly (stack/wire/defrag_view.py)
        protocol, info = view.columns()
    notes = getattr(pkt, "notes", None)
    if notes:
        protocol, info = notes.columns(protocol, info)
    return _row(pkt, first_ns, source, destination, protocol, info)


def packet_view(pkt, first_ns: int, tree: bool) -> dict:
    """Summary columns, and with `tree` the layers, problems and bytes (what -V, -x and -j show)."""
    if not tree:
        return summary_row(pkt, first_ns)
    d = dissect(pkt.data, pkt.linktype, orig_len=pkt.orig_len, ts_ns=pkt.ts_ns)
    view = getattr(pkt, "defrag", None)
    if view is not None:                # IP reassembly (stack/wire/defrag_view.py)
        d = defrag_attach(d, view)
    notes = getattr(pkt, "notes", None)
    protocol, info = d.protocol, d.info
    if notes:
        protocol, info = notes.columns(protocol, info)
        attach(d, notes, pkt.number)
    row = _row(pkt, first_ns, d.source, d.destination, protocol, info)
    if d.problems:
        row["problems"] = d.problems
    row["layers"] = [layer.to_dict() for layer in d.layers]
    if d.sources:                       # a reassembled TCP message: its bytes, for its bit fields
        for layer, out in zip(d.layers, row["layers"]):
            if id(layer) in d.sources:
                out["source"] = d.sources[id(layer)].hex()
    row["bytes"] = pkt.data.hex()
    if d.buf != pkt.data:               # a reassembled datagram: tshark's second data source
        row["reassembled"] = d.buf.hex()
    return row


def summary_line(row: dict) -> str:
    """tshark's default columns: No. Time Source → Destination Protocol Length Info."""
    return ("%5d %12s %s → %s %s %d %s" % (row["number"], row["time_text"], row["source"], row["destination"],
                                             row["protocol"], row["length"], row["info"])).rstrip()


def frame_header(row: dict) -> str:
    """tshark's frame section; the interface and direction only when the file or the live
    capture recorded them (a pcap file records neither)."""
    where = ""
    if row.get("link"):
        where += f" on interface {row['link']}"
        if "interface_id" in row:
            where += f", id {row['interface_id']}"
    if row.get("direction") in ("in", "out"):
        where += " (inbound)" if row["direction"] == "in" else " (outbound)"
    lines = [f"Frame {row['number']}: {row['length']} bytes on wire ({row['length'] * 8} bits), "
             f"{row['captured']} bytes captured ({row['captured'] * 8} bits){where}"]
    if "section" in row:
        lines += [f"    Section number: {row['section']}",
                  f"    Interface id: {row['interface_id']} ({row['link']})",
                  f"        Interface name: {row['link']}"]
        if "interface_description" in row:
            lines.append(f"        Interface description: {row['interface_description']}")
    if "pack_flags" in row:
        lines += packet_flags_lines(row["pack_flags"])
    if "linktype" in row:
        name, number = ENCAPSULATIONS.get(row["linktype"], (f"LINKTYPE {row['linktype']}", row["linktype"]))
        lines.append(f"    Encapsulation type: {name} ({number})")
    lines.append(f"    Arrival Time: {utc_date(*_arrival(row))} UTC")
    if "ts_ns" in row:
        ns, since_first = row["ts_ns"], round(row["time"] * NS_PER_S)
        lines += [f"    Epoch Time: {seconds(ns, 9)} seconds",
                  f"    [Time delta from previous captured frame: {seconds(row.get('delta_ns', 0), 9)} seconds]",
                  f"    [Time delta from previous displayed frame: {seconds(row.get('delta_shown_ns', 0), 9)} "
                  f"seconds]",
                  f"    [Time since reference or first frame: {seconds(since_first, 9)} seconds]"]
    lines += [f"    Frame Number: {row['number']}",
              f"    Frame Length: {row['length']} bytes ({row['length'] * 8} bits)",
              f"    Capture Length: {row['captured']} bytes ({row['captured'] * 8} bits)"]
    if row.get("direction") in ("in", "out") and "section" in row:
        lines.append("    Point-to-Point Direction: Received (1)" if row["direction"] == "in"
                     else "    Point-to-Point Direction: Sent (0)")
    if row.get("layers"):
        lines.append(f"    [Protocols in frame: {protocols_in_frame(row)}]")
    return "\n".join(lines)


def packet_flags_lines(flags: int) -> list[str]:
    return [f"    Packet flags: 0x{flags:08x}"] + [f"        {bits32(flags, f.mask)} = {f.label}: {f.shown(flags)}"
                                                  for f in epb_flags.FIELDS]


# tshark's wiretap encapsulations of the link types we read: (name, its number)
ENCAPSULATIONS = {1: ("Ethernet", 1), 101: ("Raw IP", 7), 228: ("Raw IPv4", 129), 229: ("Raw IPv6", 130),
                  113: ("Linux cooked-mode capture v1", 25), 276: ("Linux cooked-mode capture v2", 210),
                  0: ("NULL/Loopback", 15)}


IPV6_EXTENSION_PROTOCOLS = ("ipv6.hopopts", "ipv6.routing", "ipv6.dstopts", "ipv6.fraghdr")


MESSAGES = ("dns", "http")         # what TCP reassembly may put several of in one frame
ONCE = MESSAGES + ("mpls",)         # named once in frame.protocols however many follow in a row (an MPLS label stack)


def protocols_in_frame(row: dict) -> str:
    """tshark's frame.protocols: the layers' names, with its "ethertype" steps."""
    names = []
    for layer in row["layers"]:
        if layer["name"] == "tcp.segments" or layer["name"] in ONCE and names and names[-1] == layer["name"]:
            continue            # the reassembly's subtree is no protocol; messages in one segment count once
        names.append(layer["name"])
        if layer["name"] == "ipv6":
            names += [f["name"] for f in layer.get("fields", ()) if f["name"] in IPV6_EXTENSION_PROTOCOLS]
        if layer["name"] == "dhcp":     # option 43 read by a vendor's rules is a dhcp of its own to tshark
            names += ["dhcp" for option in layer.get("fields", ()) for f in option.get("fields", ())
                      if f["name"] == "dhcp"]
        if layer["name"] == "icmpv6" and any(f["name"] == "icmp.ext" and f["length"] >= 4 for f in layer.get("fields", ())):
            names.append("icmp")        # an extended echo's extension objects are ICMP's
        if layer["name"] == "tcp":      # each MPTCP option is a protocol of its own to tshark
            names += [option["name"] for group in layer.get("fields", ()) if group["name"] == "tcp.options"
                      for option in group.get("fields", ()) if option["name"] == "mptcp"]
        if any(f["name"] == "data" for f in layer.get("fields", ())):      # an echo's payload
            names.append("data")
        if layer["name"] in ("vlan", "ieee8021ad") or layer["name"] in ("eth", "sll") and any(
                f["name"].endswith((".type", ".etype")) for f in layer.get("fields", ())):
            names.append("ethertype")
    return ":".join(names)


def _arrival(row: dict) -> tuple[int, int]:
    """The packet's time as (ns, digits); tshark prints arrival times to 9 digits."""
    if "ts_ns" in row:
        return row["ts_ns"], 9
    return round(row["epoch"] * NS_PER_S), 9


def tree_lines(node: dict, depth: int = 0, data: bytes | None = None) -> list[str]:
    """A layer's -V lines; with the frame's bytes (`data`), a bit field shows its bits as
    tshark's do (``.1.. .... = Don't fragment: Set``)."""
    indent = "    " * depth
    mask = node.get("mask")
    pattern = bit_pattern(data, node) if depth and mask and data is not None else None
    if pattern is None:
        text = node_text(node, depth)
    else:
        value = node["value"]
        if value in ("0", "1") and (mask & (mask - 1) == 0 or node["name"] in MULTIBIT_FLAGS) \
                and node["name"] not in NUMERIC_BITS:
            value = "Set" if value == "1" else "Not set"
        text = f"{pattern} = {node['label']}: {value}"
    if node.get("problem"):
        text += f"  [{node['problem']}]"
    lines = [indent + text]
    for child in node.get("fields", ()):
        if not child.get("hidden"):
            lines += tree_lines(child, depth + 1, data)
    return lines


def node_text(node: dict, depth: int) -> str:
    """A tree line without bits: `Label: value`, or the label alone for a layer and for a
    group that has no value of its own (or whose value only repeats its label)."""
    value = node.get("value")
    if depth and node.get("name") in BYTE_FIELDS:
        value = shown_bytes(value, node.get("length"), node["name"])
    if depth == 0 or value in (None, "") or value == node["label"]:
        return node["label"]
    if not node["label"]:           # a line that is its value alone (tshark's classless routes)
        return value
    return f"{node['label']}: {value}"


BYTE_FIELDS = {name for name, field in FIELDS.items() if field.type == BYTES}
SHOWN_BYTES = 36                # tshark shows this many of a byte string's bytes, then "…"


EMPTY_ALLOWED = {"ipv6.opt.padn"}       # byte fields tshark shows as <none> when empty, not <MISSING>


def shown_bytes(text: str, length, name: str = "") -> str:
    """A byte string's hex as tshark shows it in a tree: cut after 36 bytes, `<MISSING>` when
    it has no bytes (a summary line such as `UDP payload (8 bytes)` has bytes but no value)."""
    if not text and length == 0:
        return "<none>" if name in EMPTY_ALLOWED else "<MISSING>"
    if len(text) > 2 * SHOWN_BYTES and ":" not in text:
        return text[:2 * SHOWN_BYTES] + "…"
    return text


MULTIBIT_FLAGS = {"tcp.flags.res"}     # several bits shown as one flag: Set or Not set
NUMERIC_BITS = {"ieee8021ad.dei", "mpls.bottom", "gtp.flags.reserved"} | mptcp.NUMERIC_FLAGS  # one bit shown as its number
PATTERN_LESS = {"tcp.flags"}           # a whole field's bits, shown by its value alone, as tshark
FLAG_BITS = {"tcp.flags": 12,          # fields whose bits tshark counts narrower than their bytes
             **{name: 4 for name in mptcp.FOUR_BIT_FLAGS}}
# fields tshark draws over other bytes than their own: name -> (first byte from the field's, bytes)
CONTAINERS = {"ipv6.tclass": (0, 4), "ipv6.tclass.dscp": (0, 4), "ipv6.tclass.ecn": (0, 4)}


def bit_pattern(data: bytes, node: dict) -> str | None:
    """The field's bits among its bytes' as tshark writes them (``0100 ....``), from the frame."""
    name, offset, length, mask = node["name"], node["offset"], node["length"], node["mask"]
    if name in PATTERN_LESS or not 0 < length <= 4 or offset + length > len(data):
        return None
    if name in CONTAINERS:
        delta, size = CONTAINERS[name]
        mask <<= 8 * (delta + size - length)
        offset, length = offset + delta, size
        if offset < 0 or offset + length > len(data):
            return None
    width = FLAG_BITS.get(name) or FLAG_BITS.get(name.rpartition(".")[0] if name.count(".") > 1 else name,
                                                length * 8)
    word = int.from_bytes(data[offset:offset + length], "big")
    bits = "".join(str(word >> i & 1) if mask >> i & 1 else "." for i in range(width - 1, -1, -1))
    return " ".join(bits[i:i + 4] for i in range(0, width, 4))


def hex_dump(data: bytes) -> str:
    """tshark -x: offset, 16 bytes in hex, their printable ASCII."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:04x}  {hexes:<47}   {text}")
    return "\n".join(lines)
