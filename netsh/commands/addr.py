"""``address``: IPv4 and IPv6 addresses on the stack's links (ip address)."""
from __future__ import annotations

import ipaddress

from netsh.argtypes import (ADDR, ANY_IP_PREFIX, IP_PREFIX, LIFETIME, LINK, Choice, IPv4Prefix,
                            Word)
from netsh.commands.link import brief_json_row, brief_prefix, header_line, link_json_row, link_stanza
from netsh.grammar import ArgType, Node, flag, leaf, opt, pos
from netsh.render import Result, View, records, renderer, stats64_lines

WORDS = ("address",)
# IPv6 address flags in the order iproute2 prints them (ifa_flag_data, ip/ipaddress.c)
FLAG_WORDS = ("nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "dynamic",
              "mngtmpaddr", "stable-privacy")
SCOPE = Choice(("global", "site", "link", "host"), "SCOPE", "the address's scope")
LABEL = Word("LABEL", "a name for the address, DEV or DEV:TEXT")
TO_PREFIX = IPv4Prefix(default_len=32)


class Broadcast(ArgType):
    """``brd ADDR``, or ``+`` (``-``): the prefix with its host bits set (reset)."""

    metavar = "ADDR"
    help = "a broadcast address, or + (-): the prefix with host bits set (reset)"

    def parse(self, token: str):
        return token if token in ("+", "-") else ADDR.parse(token).packed


def add(ctx, args):
    prefix = args["prefix"]
    extra = {name: args[name] for name in ("nodad", "valid_lft", "preferred_lft") if args[name]}
    extra.update({name: args[name] for name in ("valid_lft", "preferred_lft") if args[name] == 0})
    extra.update({key: args[key] for key in ("scope", "label") if args[key] is not None})
    if args["brd"] is not None:
        extra["brd"] = args["brd"]
    ctx.stack.addr_add(args["dev"], prefix.address.packed, prefix.prefixlen, **extra)


def delete(ctx, args):
    prefix = args["prefix"]
    ctx.stack.addr_del(args["dev"], prefix.address.packed, prefix.prefixlen)


def show(ctx, args):
    """ip address show [dev DEV] [to PREFIX] [up]: a link is shown when it has a matching
    address (with `to`, only those), or when nothing filters addresses; -4/-6: that family's."""
    if ctx.options.family == "link":     # ip -0 addr: the links, no addresses (-br: ip -br link's)
        rows = ctx.stack.link_list(args["dev"]) if ctx.options.brief else [
            {k: v for k, v in row.items() if k != "addr_info"} for row in ctx.stack.addr_list(args["dev"])]
        if args["up"]:
            rows = [row for row in rows if "UP" in row.get("flags", ())]
        return Result("link" if ctx.options.brief else "addr", rows)
    rows = of_family(ctx.stack.addr_list(args["dev"]), ctx.options.family)
    if args["up"]:
        rows = [row for row in rows if "UP" in row.get("flags", ())]
    if args["to"] is not None:
        net = ipaddress.ip_network(f"{args['to'].address}/{args['to'].prefixlen}", strict=False)
        rows = [{**row, "addr_info": [ifa for ifa in row.get("addr_info", ())
                                      if ifa.get("family") == "inet"
                                      and ipaddress.ip_address(ifa["local"]) in net]}
                for row in rows]
        rows = [{**row, "address_only": True} for row in rows if row["addr_info"]]
    return Result("addr", rows)


def of_family(rows: list[dict], family: str | None) -> list[dict]:
    """`ip -4|-6 addr`: only that family's addresses, and only links that have one."""
    if family is None:
        return rows
    out = []
    for row in rows:
        kept = [ifa for ifa in row.get("addr_info", []) if ifa.get("family") == family]
        if kept:
            out.append({**row, "addr_info": kept})
    return out


def flush(ctx, args):
    if ctx.options.family:
        ctx.stack.addr_flush(args["dev"], family=ctx.options.family)
    else:
        ctx.stack.addr_flush(args["dev"])


def register(root: Node) -> None:
    node = root.add(Node("address", "IPv4 and IPv6 addresses of the links", synonyms=("addr",),
                         default="show"))
    dev = opt("dev", "dev", LINK, optional=False, help="the link")
    leaf(node, WORDS + ("add",),
         [pos("prefix", IP_PREFIX, intro="local"), dev,
          opt("brd", "brd", Broadcast(), help="IPv4: the broadcast address (+: the subnet's)"),
          opt("scope", "scope", SCOPE, help="IPv4: global, site, link or host"),
          opt("label", "label", LABEL, help="IPv4: a label (DEV or DEV:TEXT)"),
          flag("nodad", help="IPv6: no duplicate address detection, usable at once"),
          opt("valid_lft", "valid_lft", LIFETIME, help="IPv6: seconds until the address goes (default forever)"),
          opt("preferred_lft", "preferred_lft", LIFETIME,
              help="IPv6: seconds until it is deprecated (default: its valid_lft)")],
         "add an address (no /LEN: a host address, /32 or /128)", add)
    leaf(node, WORDS + ("delete",), [pos("prefix", ANY_IP_PREFIX), dev],
         "remove an address (no /LEN: whatever its length)", delete, synonyms=("del",))
    leaf(node, WORDS + ("show",),
         [pos("dev", LINK, optional=True, intro="dev"),
          opt("to", "to", TO_PREFIX, help="only addresses in PREFIX"),
          flag("up", "up", True, help="only links that are up")],
         "show links with their addresses", show, synonyms=("list", "lst"))
    leaf(node, WORDS + ("flush",), [dev], "remove every address of a link", flush)


# --- rendering -------------------------------------------------------------------------

def inet_lines(ifa: dict, view: View) -> list[str]:
    """``    inet 192.0.2.1/24 brd 192.0.2.255 scope global v0`` and its lifetime line."""
    family = ifa.get("family", "inet")
    paint = view.paint
    text = f"    {family} {paint.inet(ifa['local'], family)}/{ifa['prefixlen']} "
    if ifa.get("broadcast"):
        text += "brd " + paint.inet(ifa["broadcast"] + " ", family)
    text += f"scope {ifa.get('scope', 'global')} "
    if ifa.get("secondary"):
        text += "secondary "
    text += "".join(f"{word} " for word in FLAG_WORDS if ifa.get(word))
    if family == "inet" and ifa.get("label"):
        text += ifa["label"]
    return [text, f"       valid_lft {lifetime(ifa, 'valid_life_time')} "
                  f"preferred_lft {lifetime(ifa, 'preferred_life_time')}"]


def lifetime(ifa: dict, key: str) -> str:
    value = ifa.get(key, 0xFFFFFFFF)
    return "forever" if value == 0xFFFFFFFF else f"{value}sec"


@renderer("addr")
def addr_text(rows: list[dict], view: View) -> str:
    if view.options.oneline:        # ip -o address: one line an address, after "N: DEV"
        return records(([f"{row['ifindex']}: {row['ifname']}" + inet_lines(ifa, view)[0],
                         inet_lines(ifa, view)[1]]
                        for row in rows for ifa in row.get("addr_info", [])), view)
    lines = []
    for row in rows:
        if row.get("address_only"):      # ip address show to: the header and the address lines
            lines.append(header_line(row, view, mode=False))
        else:
            lines += link_stanza(row, view, mode=False, stats=False)
        for ifa in row.get("addr_info", []):
            lines += inet_lines(ifa, view)
        if view.options.stats and "stats64" in row:
            lines += stats64_lines(row["stats64"], view.options.stats)
    return "\n".join(lines)


@renderer("addr", "brief")
def addr_brief(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = brief_prefix(row, view)
        for ifa in row.get("addr_info", []):
            text += view.paint.inet(ifa["local"], ifa.get("family", "inet")) + f"/{ifa['prefixlen']} "
        lines.append(text)
    return "\n".join(lines)


@renderer("addr", "json")
def addr_json(rows: list[dict], view: View) -> list[dict]:
    if view.options.brief:
        return [{**brief_json_row(row), "addr_info": [{"local": ifa["local"], "prefixlen": ifa["prefixlen"]}
                                                      for ifa in row.get("addr_info", ())]}
                for row in rows]
    rows = [link_json_row(row, view.options.stats, addresses=True, details=view.options.details)
            for row in rows]
    return [{k: v for k, v in row.items() if k not in ("linkmode", "address_only")} for row in rows]
