"""``neighbour``: the ARP cache and the IPv6 neighbour (NDP) table (ip neigh)."""
from __future__ import annotations

import ipaddress

from netsh.argtypes import IP_ADDR, LINK, LLADDR, Choice, IPPrefix
from netsh.grammar import Node, leaf, opt, pos
from netsh.render import Result, View, renderer

WORDS = ("neighbour",)
NUD = Choice(("permanent", "noarp", "reachable", "stale", "none", "incomplete", "delay",
              "probe", "failed", "all"), "STATE", "a NUD state, or all")
TO_PREFIX = IPPrefix()


def show(ctx, args):
    """ip neigh show [to PREFIX] [dev DEV] [nud STATE]: the filters are iproute2's."""
    family = ctx.options.family
    rows = ctx.stack.neigh_list(args["dev"], family) if family else ctx.stack.neigh_list(args["dev"])
    if args["to"] is not None:
        net = ipaddress.ip_network(f"{args['to'].address}/{args['to'].prefixlen}", strict=False)
        rows = [r for r in rows if ipaddress.ip_address(r["dst"]).version == net.version
                and ipaddress.ip_address(r["dst"]) in net]
    if args["nud"] not in (None, "all"):
        rows = [r for r in rows if args["nud"].upper() in r["state"]]
    if args["dev"] is not None:         # ip leaves out what the filter already says
        rows = [{k: v for k, v in r.items() if k != "dev"} for r in rows]
    return Result("neigh", rows)


def add(ctx, args):
    ctx.stack.neigh_add(args["dev"], args["address"].packed, args["lladdr"])


def replace(ctx, args):
    ctx.stack.neigh_add(args["dev"], args["address"].packed, args["lladdr"], mode="replace")


def change(ctx, args):
    ctx.stack.neigh_add(args["dev"], args["address"].packed, args["lladdr"], mode="change")


def delete(ctx, args):
    ctx.stack.neigh_del(args["dev"], args["address"].packed)


def flush(ctx, args):
    ctx.stack.neigh_flush(args["dev"])


def register(root: Node) -> None:
    node = root.add(Node("neighbour", "the neighbour tables (ARP, and NDP for IPv6)",
                         synonyms=("neighbor", "neigh"), default="show"))
    dev = opt("dev", "dev", LINK, optional=False, help="the link")
    leaf(node, WORDS + ("show",),
         [pos("to", TO_PREFIX, optional=True, intro="to", help="only addresses in PREFIX"),
          opt("dev", "dev", LINK, help="only this link"),
          opt("nud", "nud", NUD, help="only entries in this state")],
         "show neighbour entries", show, synonyms=("list", "lst"))
    entry = [pos("address", IP_ADDR), opt("lladdr", "lladdr", LLADDR, optional=False), dev]
    leaf(node, WORDS + ("add",), entry, "add a permanent entry (refused if there is one)", add)
    leaf(node, WORDS + ("replace",), entry, "add a permanent entry, or make one permanent",
         replace)
    leaf(node, WORDS + ("change",), entry, "change an entry there is", change)
    leaf(node, WORDS + ("delete",), [pos("address", IP_ADDR), dev], "remove an entry",
         delete, synonyms=("del",))
    leaf(node, WORDS + ("flush",), [dev], "remove the entries of a link (not permanent ones)", flush)


def family_of(address: str) -> str:
    return "inet6" if ":" in address else "inet"


STATS_KEYS = ("used", "confirmed", "updated", "probes")       # shown with -s, as ip does


@renderer("neigh", "json")
def neigh_json(rows: list[dict], view: View) -> list[dict]:
    if view.options.stats:
        return rows
    return [{k: v for k, v in row.items() if k not in STATS_KEYS} for row in rows]


@renderer("neigh")
def neigh_text(rows: list[dict], view: View) -> str:
    """``192.0.2.2 dev v0 lladdr 02:00:00:00:00:02 REACHABLE `` (iproute2 6 spacing); with
    -s `` used 2/64/1probes 6 `` before the state, spaces as ip prints them."""
    paint = view.paint
    lines = []
    for row in rows:
        text = paint.inet(row["dst"] + " ", family_of(row["dst"]))
        if "dev" in row:
            text += "dev " + paint.ifname(row["dev"] + " ")
        if row.get("lladdr"):
            text += "lladdr " + paint.mac(row["lladdr"] + " ")
        if "router" in row:
            text += "router "
        if view.options.stats and "used" in row:
            text += f" used {row['used']}/{row['confirmed']}/{row['updated']}probes {row['probes']} "
        text += "".join(f"{state} " for state in row.get("state", []))
        lines.append(text)
    return "\n".join(lines)


@renderer("neigh", "brief")
def neigh_brief(rows: list[dict], view: View) -> str:
    paint = view.paint
    return "\n".join(paint.inet(f"{row['dst']:<39} ") + paint.ifname(f"{row.get('dev', ''):<16} ")
                     + paint.mac(row.get("lladdr", "")) for row in rows)
