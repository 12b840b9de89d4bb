"""Captured packets as people read them: tshark's summary line, its -V tree, its -x dump.

Packets arrive from the stack as raw bytes; dissection (stack/wire) happens
here, in the face, never on the stack's fast path.  `packet_view` turns one
into plain data (summary columns, layer trees with offsets, the bytes in hex)
that the text renderers below and -j share.
"""
from __future__ import annotations

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.analysis.tree import attach
from stack.wire.defrag_view import attach as defrag_attach
from stack.wire.dissect import dissect
from stack.wire.skim import columns

from netsh.timefmt import NS_PER_S, fraction, seconds


def _row(pkt, first_ns: int, source: str, destination: str, protocol: str, info: str) -> dict:
    """The columns; times from integer ns (`ts_ns`, at the packet's precision `digits`):
    "time" and "epoch" are numbers for -j, "time_text" the text shown (tshark -t r by default;
    `capture show -t` puts another format there)."""
    ts_ns, digits = pkt.ts_ns, pkt.digits
    relative = ts_ns - int(first_ns)
    return {"number": pkt.number, "time": round(relative / NS_PER_S, digits), "epoch": ts_ns / NS_PER_S,
            "ts_ns": ts_ns, "digits": digits, "time_text": seconds(relative, digits),
            "link": pkt.link, "direction": pkt.direction, "length": pkt.orig_len,
            "captured": len(pkt.data), "source": source, "destination": destination,
            "protocol": protocol, "info": info}


def summary_row(pkt, first_ns: int) -> dict:
    """A packet's summary columns (skimmed: stack/wire/skim.py), without its tree or problems;
    with the conversation analysis applied when the packet carries it (stack/wire/analysis)."""
    source, destination, protocol, info = columns(pkt.data, pkt.linktype, pkt.orig_len)
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
    d = dissect(pkt.data, pkt.linktype, orig_len=pkt.orig_len)
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
    row["bytes"] = pkt.data.hex()
    if d.buf != pkt.data:               # a reassembled datagram: tshark's second data source
        row["reassembled"] = d.buf.hex()
    return row


def summary_line(row: dict) -> str:
    """tshark's default columns: No. Time Source → Destination Protocol Length Info."""
    return ("%5d %12s %s → %s %s %d %s" % (row["number"], row["time_text"], row["source"], row["destination"],
                                             row["protocol"], row["length"], row["info"])).rstrip()


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc_date(ts_ns: int, digits: int = 9) -> str:
    """tshark's arrival time, "Jan 02, 2006 15:04:05.000000000", for any time a file can hold:
    the calendar is computed here (H. Hinnant's civil_from_days), not by the platform's
    gmtime, whose time_t ends short of what a pcapng timestamp and offset reach."""
    days, rest = divmod(ts_ns // NS_PER_S, 86400)
    days += 719468                      # from 1970-01-01 to 0000-03-01
    era, doe = divmod(days, 146097)
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    hour, minute, second = rest // 3600, rest // 60 % 60, rest % 60
    return (f"{MONTHS[month - 1]} {day:02d}, {year} {hour:02d}:{minute:02d}:{second:02d}."
            f"{fraction(ts_ns, digits)}")


def frame_header(row: dict) -> str:
    """tshark's first frame line; the interface and direction only when the file or the live
    capture recorded them (a pcap file records neither)."""
    where = ""
    if row.get("link"):
        where += f" on interface {row['link']}"
    if row.get("direction") in ("in", "out"):
        where += ", inbound" if row["direction"] == "in" else ", outbound"
    return (f"Frame {row['number']}: {row['length']} bytes on wire ({row['length'] * 8} bits), "
            f"{row['captured']} bytes captured ({row['captured'] * 8} bits){where}\n"
            f"    Arrival Time: {utc_date(*_arrival(row))} UTC")


def _arrival(row: dict) -> tuple[int, int]:
    """The packet's time as (ns, digits); tshark prints arrival times to 9 digits."""
    if "ts_ns" in row:
        return row["ts_ns"], 9
    return round(row["epoch"] * NS_PER_S), 9


def tree_lines(node: dict, depth: int = 0) -> list[str]:
    indent = "    " * depth
    if depth == 0 or node["value"] == "":       # a layer, or a group with no value of its own
        text = node["label"]
    else:
        text = f"{node['label']}: {node['value']}"
    if node.get("problem"):
        text += f"  [{node['problem']}]"
    lines = [indent + text]
    for child in node.get("fields", ()):
        lines += tree_lines(child, depth + 1)
    return lines


def hex_dump(data: bytes) -> str:
    """tshark -x: offset, 16 bytes in hex, their printable ASCII."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:04x}  {hexes:<47}   {text}")
    return "\n".join(lines)
