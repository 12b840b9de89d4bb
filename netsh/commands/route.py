"""``route``: the routing table (ip route); connected routes for now."""
from __future__ import annotations

from netsh.grammar import Node, leaf
from netsh.render import Result, View, renderer

WORDS = ("route",)
DEFAULT_PROTOCOL = "boot"                # iproute2 leaves these out of its text
DEFAULT_SCOPES = ("global", "universe")


def show(ctx, args):
    return Result("route", ctx.stack.route_list())


def register(root: Node) -> None:
    node = root.add(Node("route", "the routing table", default="show"))
    leaf(node, WORDS + ("show",), [], "show routes", show, synonyms=("list", "lst"))


@renderer("route")
def route_text(rows: list[dict], view: View) -> str:
    """``192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 ``."""
    paint = view.paint
    lines = []
    for row in rows:
        dst = row["dst"]
        text = "default " if dst == "default" else paint.inet(dst + " ")
        if row.get("gateway"):
            text += "via " + paint.inet(row["gateway"] + " ")
        text += "dev " + paint.ifname(row["dev"] + " ")
        if row.get("protocol") and row["protocol"] != DEFAULT_PROTOCOL:
            text += f"proto {row['protocol']} "
        if row.get("scope") and row["scope"] not in DEFAULT_SCOPES:
            text += f"scope {row['scope']} "
        if row.get("prefsrc"):
            text += "src " + paint.inet(row["prefsrc"] + " ")
        if row.get("metric"):
            text += f"metric {row['metric']} "
        text += "".join(f"{flag} " for flag in row.get("flags", []))
        lines.append(text)
    return "\n".join(lines)
