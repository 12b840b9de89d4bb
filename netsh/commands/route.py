"""``route``: the routing tables (ip route): main by default, local, default, or all."""
from __future__ import annotations

from netsh.argtypes import Choice
from netsh.grammar import Node, leaf, opt
from netsh.render import Result, View, renderer

WORDS = ("route",)
DEFAULT_PROTOCOL = "boot"                # iproute2 leaves these out of its text
DEFAULT_SCOPES = ("global", "universe")


TABLE = Choice(("main", "local", "default", "all"), "TABLE",
               "main (the routes you see by default), local (our addresses and broadcasts), "
               "default, or all")


def show(ctx, args):
    asked = {"family": ctx.options.family, "table": args["table"]}     # ip route: IPv4 unless -6
    return Result("route", ctx.stack.route_list(**{k: v for k, v in asked.items() if v}))


def register(root: Node) -> None:
    node = root.add(Node("route", "the routing tables", default="show"))
    leaf(node, WORDS + ("show",), [opt("table", "table", TABLE, help="which table")],
         "show routes (the main table, or TABLE)", show, synonyms=("list", "lst"))


@renderer("route")
def route_text(rows: list[dict], view: View) -> str:
    """``192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 ``."""
    paint = view.paint
    lines = []
    for row in rows:
        dst = row["dst"]
        text = f"{row['type']} " if row.get("type") else ""
        text += "default " if dst == "default" else paint.inet(dst + " ")
        if row.get("gateway"):
            text += "via " + paint.inet(row["gateway"] + " ")
        text += "dev " + paint.ifname(row["dev"] + " ")
        if row.get("table") and row["table"] != "main":
            text += f"table {row['table']} "
        if row.get("protocol") and row["protocol"] != DEFAULT_PROTOCOL:
            text += f"proto {row['protocol']} "
        if row.get("scope") and row["scope"] not in DEFAULT_SCOPES:
            text += f"scope {row['scope']} "
        if row.get("prefsrc"):
            text += "src " + paint.inet(row["prefsrc"] + " ")
        if "metric" in row:                         # IPv6 routes carry one always, 0 too
            text += f"metric {row['metric']} "
        text += "".join(f"{flag} " for flag in row.get("flags", []))
        if "expires" in row:                        # learnt from a router (IPv6)
            text += f"expires {row['expires']}sec "
        text += "".join(f"{name} {value} " for metric in row.get("metrics", []) for name, value in metric.items())
        if row.get("pref"):
            text += f"pref {row['pref']}"         # iproute2 prints no space after this one
        lines.append(text)
    return "\n".join(lines)
