"""``route``: the routing tables (ip route): show, get, add, del, replace, change, append,
prepend, flush, in iproute2's words and text layout."""
from __future__ import annotations

import ipaddress

from netsh.argtypes import (INET_ADDR, LINK, MARK, MTU, ROUTE_PREFIX, SHOW_TABLE, TABLE_ID, TOS,
                            Choice, Integer, Prefix, Word)
from netsh.errors import CommandError
from netsh.grammar import Node, ParseError, expr, flag, leaf, opt, pos
from netsh.render import Result, View, renderer

WORDS = ("route",)
DEFAULT_PROTOCOL = "boot"                # iproute2 leaves these out of its text
DEFAULT_SCOPES = ("global", "universe")
ROUTE_TYPES = ("unicast", "local", "broadcast", "blackhole", "unreachable", "prohibit", "throw")
SCOPE = Choice(("global", "universe", "site", "link", "host", "nowhere"), "SCOPE",
               "global (through a gateway), link (on the link), host (ours)")
PROTOCOL = Word("RTPROTO", "who made the route: boot (the default), static, kernel, or a name",
                words=("boot", "static", "kernel", "dhcp"))
METRIC = Integer(0, 2 ** 32 - 1, "NUMBER", "the route's preference: lower wins")
WEIGHT = Integer(1, 256, "WEIGHT", "a next hop's share of flows, 1..256")


class NexthopsParser:
    """``nexthop [via ADDR] [dev DEV] [weight W] [onlink] [nexthop ...]``: the rest of the line,
    one dict per next hop."""

    KEYWORDS = ("via", "dev", "weight", "onlink")

    def parse(self, tokens: list[str]) -> list[dict]:
        hops = [{}]
        i = 0
        while i < len(tokens):
            word = tokens[i]
            hop = hops[-1]
            if word == "nexthop":
                hops.append({})
            elif word == "onlink":
                hop["onlink"] = True
            elif word in ("via", "dev", "weight"):
                if i + 1 >= len(tokens):
                    raise ParseError(f'"{word}" needs a value', i)
                value = tokens[i + 1]
                slot = {"via": INET_ADDR, "dev": LINK, "weight": WEIGHT}[word]
                try:
                    hop[{"via": "gateway"}.get(word, word)] = slot.parse(value)
                except ValueError as exc:
                    raise ParseError(f'invalid {slot.metavar} "{value}": {exc}', i + 1) from None
                i += 1
            else:
                raise ParseError(f'unexpected "{word}" in a next hop: one of via, dev, weight, '
                                 f'onlink, nexthop', i)
            i += 1
        for n, hop in enumerate(hops):
            if "gateway" not in hop and "dev" not in hop:
                raise ParseError(f"next hop {n + 1} needs via ADDR or dev DEV", len(tokens))
        return hops

    def complete(self, before: list[str], partial: str, live) -> list:
        if before and before[-1] == "dev":
            return [name for name in live("link") if name.startswith(partial)]
        if before and before[-1] in ("via", "weight"):
            return []
        return [w for w in self.KEYWORDS + ("nexthop",) if w.startswith(partial)]

    def help(self, before: list[str]) -> list:
        if before and before[-1] == "via":
            return [("ADDR", "the gateway")]
        if before and before[-1] == "dev":
            return [("DEV", "the link")]
        if before and before[-1] == "weight":
            return [("WEIGHT", WEIGHT.help)]
        return [("via", "the gateway"), ("dev", "the link"), ("weight", WEIGHT.help),
                ("onlink", "the gateway is on the link, whatever its prefixes"),
                ("nexthop", "another next hop")]


def _packed(address):
    return address.packed if address is not None else None


FAMILY_OF_VERSION = {4: "inet", 6: "inet6"}
ANY = {"inet": ipaddress.IPv4Address(0), "inet6": ipaddress.IPv6Address(0)}


def _is_default(prefix) -> bool:
    """`default` (or 0.0.0.0/0): the family is the line's, not the prefix's."""
    return prefix is not None and prefix.prefixlen == 0 and prefix.address == ANY["inet"]


def route_family(ctx, args, infer: bool = True) -> str:
    """The family of a route line as iproute2 finds it: -4/-6/-f, else the first address
    given (the prefix, unless default, then via, a next hop's via, src), else IPv4.  Without
    `infer` (show, flush: ip dumps IPv4 unless told) it is -6's or IPv4, and a prefix of the
    other family selects nothing."""
    if ctx.options.family in FAMILY_OF_VERSION.values():
        family = ctx.options.family
    elif not infer:
        family = "inet"
    else:
        given = [args.get(key) for key in ("prefix", "root", "match", "exact")]
        given = [p.address for p in given if p is not None and not _is_default(p)]
        given += [args.get(key) for key in ("via", "src", "address", "from")]
        given += [hop.get("gateway") for hop in args.get("nexthop") or []]
        found = [address for address in given if address is not None]
        family = FAMILY_OF_VERSION[found[0].version] if found else "inet"
    for key in ("via", "src", "from"):
        address = args.get(key)
        if address is not None and FAMILY_OF_VERSION[address.version] != family:
            raise CommandError(f'{family} address is expected rather than "{address}"')
    for key in ("prefix", "root", "match", "exact"):
        prefix = args.get(key)
        if prefix is None:
            continue
        if _is_default(prefix):
            args[key] = Prefix(ANY[family], 0)
        elif FAMILY_OF_VERSION[prefix.address.version] != family and (infer or ctx.options.family):
            raise CommandError(f'{family} prefix is expected rather than "{prefix}"')
    return family


def _route_args(ctx, args) -> dict:
    family = route_family(ctx, args)
    prefix = args["prefix"]
    kwargs = {"dst": prefix.address.packed, "prefixlen": prefix.prefixlen,
              "dev": args["dev"], "gateway": _packed(args["via"]),
              "table": args["table"], "tos": args["tos"] or 0, "family": family}
    return kwargs


def modify(mode: str):
    def handler(ctx, args):
        kwargs = _route_args(ctx, args)
        hops = args["nexthop"]
        if hops:
            hops = [dict(hop, gateway=_packed(hop.get("gateway"))) for hop in hops]
        ctx.stack.route_add(type=args["type"] or "unicast", metric=args["metric"] or 0,
                            prefsrc=_packed(args["src"]), mtu=args["mtu"] or 0,
                            protocol=args["proto"] or "boot", scope=args["scope"],
                            onlink=bool(args["onlink"]), nexthops=hops, mode=mode, **kwargs)
    return handler


def delete(ctx, args):
    ctx.stack.route_del(type=args["type"], metric=args["metric"], protocol=args["proto"],
                        scope=args["scope"], **_route_args(ctx, args))


def _selectors(ctx, args) -> dict:
    """What show and flush keep: IPv4's routes unless -6 (or -f), as ip route's dump."""
    family = route_family(ctx, args, infer=False)
    chosen = [(how, args[how]) for how in ("root", "match", "exact") if args[how] is not None]
    if args["prefix"] is not None:
        chosen.append(("exact", args["prefix"]))
    if len(chosen) > 1:
        raise CommandError("give one of root, match, exact or a prefix, not several")
    selected = {"table": args["table"], "dev": args["dev"], "protocol": args["proto"],
                "type": args["type"], "scope": args["scope"],
                "family": None if family == "inet" else family}     # inet: the calls' default
    if chosen:
        how, prefix = chosen[0]
        selected.update(prefix=(prefix.address.packed, prefix.prefixlen), how=how)
    return {key: value for key, value in selected.items() if value is not None}   # only what is given


def show(ctx, args):
    selected = _selectors(ctx, args)
    if ctx.options.details:
        selected["details"] = True
    return Result("route", ctx.stack.route_list(**selected))


def flush(ctx, args):
    if args.get("cache"):
        ctx.stack.route_cache_flush(family=ctx.options.family or "inet")
        return None
    ctx.stack.route_flush(**_selectors(ctx, args))


def get(ctx, args):
    family = route_family(ctx, args)
    if FAMILY_OF_VERSION[args["address"].version] != family:
        raise CommandError(f'{family} address is expected rather than "{args["address"]}"')
    return Result("route-get", [ctx.stack.route_get(
        args["address"].packed, src=_packed(args["from"]), iif=args["iif"], oif=args["oif"],
        mark=args["mark"] or 0, family=family)])


def _type_flags() -> list:
    return [flag(kind, "type", kind, help=f"a {kind} route") for kind in ROUTE_TYPES]


def _route_slots() -> list:
    """`[TYPE] PREFIX` and the route's keys (add, del, replace, change, append, prepend)."""
    return _type_flags() + [
        pos("prefix", ROUTE_PREFIX, help="the destination: A.B.C.D/LEN, 2001:db8::/LEN or default "
                                         "(IPv6 with -6, or an IPv6 gateway)", intro="to"),
        opt("via", "via", INET_ADDR, help="the gateway"),
        opt("dev", "dev", LINK, help="the link"),
        flag("onlink", "onlink", help="the gateway is on the link, whatever its prefixes"),
        opt("table", "table", TABLE_ID, help="the table (main by default)"),
        opt("metric", "metric", METRIC, help="the route's preference: lower wins"),
        opt("src", "src", INET_ADDR, help="the source address for what this route sends (prefsrc)"),
        opt("mtu", "mtu", MTU, help="the path MTU of this route"),
        opt("proto", "proto", PROTOCOL, help="who made the route (boot by default)"),
        opt("scope", "scope", SCOPE, help="the route's scope"),
        opt("tos", "tos", TOS, help="the TOS the route is for"),
        expr("nexthop", "nexthop", NexthopsParser(), metavar="NH",
             help="next hops of a multipath route: [via ADDR] [dev DEV] [weight W] [onlink], "
                  "each after nexthop"),
    ]


def _select_slots() -> list:
    return [
        opt("type", "type", Choice(ROUTE_TYPES, "TYPE"), help="only routes of this type"),
        pos("prefix", ROUTE_PREFIX, optional=True, help="only this prefix (as exact)"),
        opt("table", "table", SHOW_TABLE, help="which table: main (default), local, default, "
                                               "a number, or all"),
        opt("dev", "dev", LINK, help="only routes through this link"),
        opt("proto", "proto", PROTOCOL, help="only routes made by this protocol"),
        opt("scope", "scope", SCOPE, help="only routes of this scope"),
        opt("root", "root", ROUTE_PREFIX, help="only routes inside this prefix"),
        opt("match", "match", ROUTE_PREFIX, help="only routes holding this prefix"),
        opt("exact", "exact", ROUTE_PREFIX, help="only this very prefix"),
    ]


def register(root: Node) -> None:
    node = root.add(Node("route", "the routing tables", default="show"))
    leaf(node, WORDS + ("show",), _select_slots(),
         "show routes (the main table, or TABLE), those the selectors keep", show,
         synonyms=("list", "lst"))
    leaf(node, WORDS + ("flush",),
         [flag("cache", help="forget the path MTUs learned (the kernel's cached exceptions)"),
          *_select_slots()],
         "remove the routes the selectors keep", flush,
         require_one_of=("cache", "table", "dev", "proto", "type", "scope", "root", "match",
                         "exact", "prefix"))
    leaf(node, WORDS + ("get",),
         [pos("address", INET_ADDR, intro="to", help="the destination"),
          opt("from", "from", INET_ADDR, help="the source"),
          opt("iif", "iif", LINK, help="as if received on this link (route input)"),
          opt("oif", "oif", LINK, help="out of this link only"),
          opt("mark", "mark", MARK, help="the flow's firewall mark")],
         "the route a packet to ADDRESS takes, as the stack decides it", get,
         details="Asks the very decision the data path makes: the rules in order, the table a "
                 "rule names, the multipath choice for this flow; with iif, route input's "
                 "decision (forwarding, local delivery, or the refusal).")
    modes = (("add", "add a route (refused if one of that prefix and metric is there)"),
             ("replace", "add a route, or replace the one of that prefix and metric"),
             ("change", "replace the route of that prefix and metric"),
             ("append", "add a route beside those of that prefix and metric"),
             ("prepend", "add a route before those of that prefix and metric"))
    for mode, text in modes:
        leaf(node, WORDS + (mode,), _route_slots(), text, modify(mode),
             details="A gateway must be on a connected network (or onlink with dev); the "
                     "link must be up; an IPv6 link-local gateway needs dev.  TYPE: unicast "
                     "(default), local, broadcast, blackhole, unreachable, prohibit, throw.  "
                     "The family is -6's or the first address's, as ip route's.")
    leaf(node, WORDS + ("delete",), _route_slots(), "remove the first route matching what is given",
         delete, synonyms=("del",))


# --- rendering -------------------------------------------------------------------------

def _flags(flags: list) -> str:
    return "".join(f"{flag} " for flag in flags)


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
        if row.get("dev"):
            text += "dev " + paint.ifname(row["dev"] + " ")
        if row.get("table") and row["table"] != "main":
            text += f"table {row['table']} "
        if row.get("protocol") and (row["protocol"] != DEFAULT_PROTOCOL or view.options.details):
            text += f"proto {row['protocol']} "
        if row.get("scope") and (row["scope"] not in DEFAULT_SCOPES or view.options.details):
            text += f"scope {row['scope']} "
        if row.get("prefsrc"):
            text += "src " + paint.inet(row["prefsrc"] + " ")
        if "metric" in row:                         # IPv6 routes carry one always, 0 too
            text += f"metric {row['metric']} "
        text += _flags(row.get("flags", []))
        if "expires" in row:                        # learnt from a router (IPv6)
            text += f"expires {row['expires']}sec "
        for metrics in row.get("metrics", []):
            text += "".join(f"{key} {value} " for key, value in metrics.items())
        if row.get("pref"):
            text += f"pref {row['pref']}"         # iproute2 prints no space after this one
        for hop in row.get("nexthops", []):
            text += "\n\tnexthop "
            if hop.get("gateway"):
                text += "via " + paint.inet(hop["gateway"] + " ")
            text += "dev " + paint.ifname(hop["dev"] + " ") + f"weight {hop['weight']} "
            text += _flags(hop.get("flags", []))
        lines.append(text)
    return "\n".join(lines)


@renderer("route-get")
def route_get_text(rows: list[dict], view: View) -> str:
    """iproute2's print_route for a decision: ``203.0.113.9 via 192.0.2.3 dev v0 src 192.0.2.1
    uid 0 `` and IPv4's ``    cache `` line; IPv6's ``2001:db8:1::5 from :: via 2001:db8::2 dev
    v0 src 2001:db8::1 metric 1024 pref medium`` (no cache line unless the row has one)."""
    paint = view.paint
    lines = []
    for row in rows:
        text = f"{row['type']} " if row.get("type") else ""
        text += paint.inet(row["dst"] + " ")
        if row.get("from"):
            text += "from " + paint.inet(row["from"] + " ")
        if row.get("gateway"):
            text += "via " + paint.inet(row["gateway"] + " ")
        text += "dev " + paint.ifname(row["dev"] + " ")
        if row.get("table"):
            text += f"table {row['table']} "
        if row.get("protocol"):
            text += f"proto {row['protocol']} "
        if row.get("prefsrc"):
            text += "src " + paint.inet(row["prefsrc"] + " ")
        if "metric" in row:
            text += f"metric {row['metric']} "
        text += _flags(row.get("flags", []))
        if row.get("mark"):
            text += f"mark {row['mark']} "
        if "uid" in row:
            text += f"uid {row['uid']} "
        if "cache" in row:
            lines.append(text)
            text = "    cache "
            if row["cache"]:
                text += "<" + ",".join(row["cache"]) + "> "
        if "expires" in row:
            text += f"expires {row['expires']}sec "
        for metrics in row.get("metrics", []):
            text += "".join(f"{key} {value} " for key, value in metrics.items())
        if row.get("iif"):
            text += f"iif {row['iif']} "
        if row.get("pref"):
            text += f"pref {row['pref']}"
        lines.append(text)
    return "\n".join(lines)
