"""The text of ``capture stats``: tshark's -z conv, -z endpoints, -z io,phs and -z io,stat
tables, column for column (tshark 4.0's tap-iousers.c, tap-protohierstat.c, tap-iostat.c).
-j prints the rows as they are (stack/wire/stats.py)."""
from __future__ import annotations

from netsh.render import View, renderer

RULE = "=" * 80
TITLES = {"eth": "Ethernet", "ip": "IPv4", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP"}
PORTED = ("tcp", "udp")


def size(n: int) -> str:
    """tshark's format_size: whole units, a larger unit from ten of it on."""
    for unit, scale in (("TB", 10 ** 12), ("GB", 10 ** 9), ("MB", 10 ** 6), ("kB", 10 ** 3)):
        if n >= 10 * scale:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def _address(row: dict, side: str = "") -> str:
    address = row[f"address{side}"]
    if f"port{side}" not in row:
        return address
    return f"{address}:{row[f'port{side}']}"


@renderer("capture-conv")
def conversations_text(data: dict, view: View) -> str:
    ported = data["type"] in PORTED
    pad = " " * (59 if ported else 47)
    width = 26 if ported else 20
    out = [RULE, f"{TITLES[data['type']]} Conversations", "Filter:<No Filter>",
           pad + "|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |",
           pad + "| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |"]
    for row in data["conversations"]:
        out.append(f"{_address(row, '_a'):<{width}} <-> {_address(row, '_b'):<{width}}"
                   f"  {row['frames_b_to_a']:6} {size(row['bytes_b_to_a']):<9}"
                   f"  {row['frames_a_to_b']:6} {size(row['bytes_a_to_b']):<9}"
                   f"  {row['frames']:6} {size(row['bytes']):<9}"
                   f"  {row['rel_start']:14.9f}   {row['duration']:12.4f}")
    out.append(RULE)
    return "\n".join(out)


@renderer("capture-endpoints")
def endpoints_text(data: dict, view: View) -> str:
    ported = data["type"] in PORTED
    port_head = "|  Port  |" if ported else ""
    out = [RULE, f"{TITLES[data['type']]} Endpoints", "Filter:<No Filter>",
           " " * 23 + port_head + "|  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes |"
           " | Rx Packets | | Rx Bytes |"]
    for row in data["endpoints"]:
        port = f"      {row['port']:5}" if ported else " "
        out.append(f"{row['address']:<20}{port}     {row['frames']:6}     {row['bytes']:9}"
                   f"  {row['tx_frames']:9}     {row['tx_bytes']:11}  {row['rx_frames']:10}"
                   f"     {row['rx_bytes']:11}   ")
    out.append(RULE)
    return "\n".join(out)


@renderer("capture-phs")
def hierarchy_text(data: dict, view: View) -> str:
    rule = "=" * 67
    out = [rule, "Protocol Hierarchy Statistics", "Filter: ", ""]

    def walk(nodes: list, depth: int) -> None:
        for node in nodes:
            name = "  " * depth + node["protocol"]
            out.append(f"{name:<40} frames:{node['frames']} bytes:{node['bytes']}")
            walk(node["children"], depth + 1)
    walk(data["protocols"], 0)
    out.append(rule)
    return "\n".join(out)


def _decimals(interval: float) -> int:
    """The decimals an interval was given with (0.01: 2), as tshark prints its times."""
    for places in range(1, 6):
        if abs(round(interval, places) - interval) < 1e-9:
            return places
    return 6


def _seconds(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


@renderer("capture-io")
def io_text(data: dict, view: View) -> str:
    interval, duration = data["interval"], data["duration"]
    if interval > duration:         # tshark shrinks the interval to the capture's duration
        interval = duration
    whole = float(interval).is_integer() and interval > 0
    shrunk = interval != data["interval"]
    decimals = 0 if whole else 3 if shrunk else _decimals(interval)
    digits = len(_seconds(duration, decimals))
    w = digits
    rows = data["intervals"]
    bytes_w = max([5] + [len(str(r["bytes"])) for r in rows])
    frames_w = max([6] + [len(str(r["frames"])) for r in rows])
    spans = []          # tshark pads a one-digit span by a space each side
    for i, r in enumerate(rows):
        start = _seconds(r["start"], decimals)
        last = i == len(rows) - 1 and whole and r["end"] < (i + 1) * interval
        if digits == 1:
            spans.append(f" {start} <> Dur" if last else f" {start} <> {_seconds(r['end'], decimals)} ")
        else:
            end = "Dur" if last else _seconds(r["end"], decimals)
            spans.append(f"{start:>{w}} <> {end:<{w}}" if last else f"{start:>{w}} <> {end:>{w}}")
    span_w = max(len("Interval"), 2 * w + 4)
    cells = f"| {'Interval':<{span_w}} | {'Frames':>{frames_w}} | {'Bytes':>{bytes_w}} |"
    width = len(cells)
    inner = width - 2
    interval_text = f"{_seconds(interval, decimals):>{digits}}"
    box = lambda text: f"|{text:<{inner}}|"  # noqa: E731
    out = ["=" * width, box(" IO Statistics"), box(""),
           box(f" Duration: {duration:.6f} secs" if whole else f" Duration: {_seconds(duration, decimals)} secs"),
           box(f" Interval: {interval_text} secs"), box(""), box(" Col 1: Frames and bytes"),
           "|" + "-" * inner + "|",
           f"| {'':<{span_w}} |{'1':<{inner - span_w - 3}}|", cells, "|" + "-" * inner + "|"]
    for span, r in zip(spans, rows):
        end = " |" if len(span) <= span_w else "|"
        out.append(f"| {span:<{span_w}}{end} {r['frames']:>{frames_w}} | {r['bytes']:>{bytes_w}} |")
    out.append("=" * width)
    return "\n".join(out)
