"""The Statistics tab's and the follow view's content as plain data: tshark's `-z conv`,
`-z io,phs` and `-z io,stat` results (the `capture stats` commands) made into table rows and
an I/O graph, and a followed stream (`capture follow`) made into two-coloured text.  No
Textual here, so it is tested directly."""
from __future__ import annotations

from rich.text import Text

CONVERSATION_TYPES = ("ip", "ipv6", "tcp", "udp", "eth")
IO_INTERVAL = "1"
BARS = " ▁▂▃▄▅▆▇█"
NODE_STYLES = ("bold red", "bold blue")       # Wireshark's: the client red, the server blue


def stats_queries(conv_type: str) -> dict:
    return {"conv": ("capture", "stats", "conv", conv_type), "phs": ("capture", "stats", "phs"),
            "io": ("capture", "stats", "io", IO_INTERVAL)}


def conversation_rows(data: dict) -> dict:
    """Rows of tshark's conversation table: A, B, frames and bytes each way, total, start, span."""
    rows = {}
    for row in (data or {}).get("conversations", []):
        a, b = row["address_a"], row["address_b"]
        if "port_a" in row:
            a, b = f"{a}:{row['port_a']}", f"{b}:{row['port_b']}"
        rows[f"{a} {b}"] = (a, b, str(row["frames_a_to_b"]), str(row["bytes_a_to_b"]),
                            str(row["frames_b_to_a"]), str(row["bytes_b_to_a"]), str(row["frames"]),
                            str(row["bytes"]), f"{row['rel_start']:.6f}", f"{row['duration']:.4f}")
    return rows


def hierarchy_rows(data: dict) -> dict:
    """The protocol hierarchy, one row a protocol, indented under its parent."""
    rows: dict = {}
    total = None

    def walk(nodes, depth: int, path: str) -> None:
        nonlocal total
        for node in nodes:
            key = f"{path}:{node['protocol']}" if path else node["protocol"]
            if total is None:
                total = node["frames"] or 1
            rows[key] = ("  " * depth + node["protocol"], str(node["frames"]),
                         f"{100 * node['frames'] / total:.1f}%", str(node["bytes"]))
            walk(node.get("children", ()), depth + 1, key)
    walk((data or {}).get("protocols", []), 0, "")
    return rows


def io_graph(data: dict, width: int, height: int = 6, key: str = "frames") -> Text:
    """Packets (or bytes) per interval as columns of block characters, newest at the right,
    with the peak and the interval in a title line."""
    intervals = (data or {}).get("intervals", [])
    values = [item[key] for item in intervals][-max(1, width - 8):]
    text = Text()
    if not values:
        text.append("no packets yet", style="dim")
        return text
    peak = max(values) or 1
    text.append(f"{key} per {data.get('interval', 1):g} s, peak {peak}, last {values[-1]}\n", style="bold")
    levels = len(BARS) - 1
    for row in range(height, 0, -1):
        line = []
        for value in values:
            filled = value * height * levels / peak - (row - 1) * levels
            line.append(BARS[max(0, min(levels, round(filled)))])
        text.append("".join(line) + "\n", style="green")
    return text


def follow_text(data: dict, limit: int = 200_000) -> Text:
    """A followed stream as Wireshark colours it: what node 0 sent in red, node 1 in blue;
    bytes that are not printable ASCII shown as `.` (the `ascii` view), `limit` characters
    at most."""
    nodes = {node["node"]: node for node in (data or {}).get("nodes", [])}
    text = Text()
    for number, node in sorted(nodes.items()):
        where = f"{node.get('address', '')}:{node.get('port', '')}"
        text.append(f"Node {number}: {where}\n", style=NODE_STYLES[number % 2])
    text.append("\n")
    shown = 0
    for chunk in (data or {}).get("chunks", []):
        raw = bytes.fromhex(chunk["data"])
        printable = "".join(chr(b) if 32 <= b < 127 or b in (9, 10) else "." for b in raw)
        if shown + len(printable) > limit:
            text.append(f"\n[the stream goes on: the first {limit} characters are shown]", style="dim")
            break
        text.append(printable, style=NODE_STYLES[chunk["node"] % 2])
        if not printable.endswith("\n"):
            text.append("\n")
        shown += len(printable)
    return text


def stream_of(detail: dict | None) -> tuple[str, int] | None:
    """('tcp'|'udp', stream index) of a packet's full row, from its tcp.stream or udp.stream."""
    if not detail:
        return None
    found = {}

    def walk(nodes) -> None:
        for node in nodes or ():
            if node.get("name") in ("tcp.stream", "udp.stream") and node["name"] not in found:
                found[node["name"]] = node.get("value")
            walk(node.get("fields"))
    walk(detail.get("layers"))
    for proto in ("tcp", "udp"):
        value = found.get(f"{proto}.stream")
        if value is not None and str(value).isdigit():
            return proto, int(value)
    return None
