"""Calls on routes (ip route), for any family: the destination's length picks it.

Adding a route checks it as the kernel's fib_create_info does and refuses with
the kernel's words (`Nexthop has invalid gateway.`, `Device for nexthop is not
up.`, `RTNETLINK answers: File exists`), so a script written for `ip` reads
our answers the same.  `route_get` asks the decision functions the data path
uses (the FIB's rule walk, IPv4's route input) and only words what they say.
"""
from __future__ import annotations

from ..errors import NetlinkError, StackError, rtnetlink
from ..l3.route import (LINKLESS, LOCAL, ROUTE_TYPES, RT_TABLE_LOCAL, RT_TABLE_MAIN, SCOPES,
                        UNICAST, Nexthop, Route, prefix_mask)
from .family import families, family_of
from .link import find_link
from .registry import call

ADD_MODES = ("add", "replace", "change", "append", "prepend")
MAX_NEXTHOPS = 64
MAX_ROUTES = 100_000        # what a user may add, over all tables
TYPE_TABLES = {LOCAL: RT_TABLE_LOCAL, "broadcast": RT_TABLE_LOCAL}   # where iproute2 puts them


def default_scope(route_type: str, has_gateway: bool) -> str:
    """The scope iproute2 gives a route it is not told one for."""
    if route_type == LOCAL:
        return "host"
    if route_type == "broadcast" or (route_type == UNICAST and not has_gateway):
        return "link"
    return "global"


def _table(fam, table: str | int | None, route_type: str = UNICAST) -> int:
    if table is None or table == "":
        return TYPE_TABLES.get(route_type, RT_TABLE_MAIN)
    return fam.table_id(table)


def _nexthop(stack, fib, gateway: bytes | None, dev: str | None, onlink: bool, scope: str,
             table: int, weight: int = 1) -> Nexthop:
    """One next hop, checked as fib_check_nh does; its link found through the connected
    routes when only a gateway is given."""
    link = find_link(stack, dev) if dev else None
    if gateway is None:
        if link is None:
            raise rtnetlink("ENODEV")
        if onlink:
            raise NetlinkError("Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
        if not link.admin_up:
            raise NetlinkError("Device for nexthop is not up.")
        return Nexthop(link, None, weight)
    if len(gateway) != fib.width:
        raise StackError("the gateway is not of the route's family")
    if onlink:
        if SCOPES[scope] >= SCOPES["link"]:
            raise NetlinkError("Nexthop has invalid scope")
        if link is None:
            raise NetlinkError("Nexthop device required for onlink")
        if not link.admin_up:
            raise NetlinkError("Nexthop device is not up.")
        if family_of(gateway).address_type(stack, gateway) != UNICAST:
            raise NetlinkError("Nexthop has invalid gateway.")
        return Nexthop(link, gateway, weight, onlink=True)
    connected = fib.connected(gateway, table, link, max(SCOPES[scope] + 1, SCOPES["link"]))
    if connected is None:
        raise NetlinkError("Nexthop has invalid gateway.")
    if not connected.link.admin_up:
        raise rtnetlink("ENETDOWN")
    return Nexthop(connected.link, gateway, weight)


@call
def route_add(stack, dst: bytes, prefixlen: int, dev: str | None = None,
              gateway: bytes | None = None, type: str = UNICAST, table: str | None = None,
              metric: int = 0, prefsrc: bytes | None = None, mtu: int = 0,
              protocol: str = "boot", scope: str | None = None, onlink: bool = False,
              tos: int = 0, nexthops: list[dict] | None = None, mode: str = "add",
              family: str | None = None) -> None:
    """ip route add|replace|change|append|prepend: `nexthops` is a list of
    {"gateway", "dev", "weight", "onlink"} for a multipath route."""
    fam = family_of(dst, family)
    fib = fam.fib(stack)
    if gateway is not None and len(gateway) != len(dst):
        raise StackError("the gateway is not of the route's family")
    if mode not in ADD_MODES:
        raise StackError(f'unknown mode "{mode}"; one of: {", ".join(ADD_MODES)}')
    if type not in ROUTE_TYPES:
        raise StackError(f'unknown route type "{type}"; one of: {", ".join(ROUTE_TYPES)}')
    if not 0 <= prefixlen <= fam.max_prefixlen:
        raise StackError(f"prefix length {prefixlen} out of range 0..{fam.max_prefixlen}")
    if dst != (int.from_bytes(dst, "big") & prefix_mask(prefixlen, fib.bits)).to_bytes(len(dst), "big"):
        raise NetlinkError("Invalid prefix for given prefix length.")
    if scope is None:
        scope = default_scope(type, gateway is not None or bool(nexthops))
    if scope not in SCOPES:
        raise StackError(f'unknown scope "{scope}"; one of: {", ".join(SCOPES)}')
    table_id = _table(fam, table, type)
    legs: tuple = ()
    link = None
    if type in LINKLESS:
        if nexthops or gateway is not None:
            raise NetlinkError("Gateway can not be specified for this route type." if gateway
                               else "Nexthops can not be specified for this route type.")
        link = find_link(stack, dev) if dev else None
    elif nexthops:
        if gateway is not None or dev:
            raise StackError("give next hops either with via/dev or with nexthop, not both")
        if len(nexthops) > MAX_NEXTHOPS:
            raise StackError(f"at most {MAX_NEXTHOPS} next hops")
        if not all(1 <= int(nh.get("weight", 1)) <= 256 for nh in nexthops):
            raise StackError("a next hop's weight is 1..256")
        check = fam.check_nexthop or _nexthop
        legs = tuple(check(stack, fib, nh.get("gateway"), nh.get("dev"),
                              bool(nh.get("onlink")), scope, table_id, int(nh.get("weight", 1)))
                     for nh in nexthops)
        if len(legs) == 1:
            link, gateway, onlink, legs = legs[0].link, legs[0].gateway, legs[0].onlink, ()
    else:
        hop = (fam.check_nexthop or _nexthop)(stack, fib, gateway, dev, onlink, scope, table_id)
        link = hop.link
    if prefsrc is not None and type != LOCAL and not fam.is_local(stack, prefsrc):
        raise NetlinkError(fam.invalid_prefsrc)
    route = fam.new_route(network=int.from_bytes(dst, "big"), prefixlen=prefixlen,
                          link=None if legs else link, gateway=gateway, prefsrc=prefsrc,
                          protocol=protocol, scope=scope, metric=metric, type=type,
                          table=table_id, mtu=mtu, onlink=onlink and not legs, tos=tos,
                          nexthops=legs, bits=fib.bits)
    _insert(fam, fib, route, mode)


def _insert(fam, fib, route: Route, mode: str) -> None:
    """fib_table_insert: `add` refuses a route of the same prefix, TOS and metric; `replace`
    takes its place (or adds); `change` only takes its place; `append` and `prepend` add
    beside it unless the very same route is there."""
    table = fib.table(route.table)
    same = [r for r in (table.bucket(route.network, route.prefixlen) if table else [])
            if r.key() == route.key()]
    if mode == "add" and same:
        raise rtnetlink("EEXIST")
    if mode == "change" and not same:
        if fib.bits == 128:                         # ip6_route_replace's own words
            raise NetlinkError("Can not replace route - no match found.")
        raise rtnetlink("ENOENT")
    if mode in ("append", "prepend") and any(r.to_dict(True) == route.to_dict(True) for r in same):
        raise rtnetlink("EEXIST")
    if mode in ("append", "prepend") and fam.joins_nexthops:
        for old in same:
            joined = fam.joined(old, route)
            if joined is not None:
                fib.replace(old, joined)
                return
    if mode in ("replace", "change") and same:
        fib.replace(same[0], route)
        return
    if fib.size() >= MAX_ROUTES:
        raise StackError(f"too many routes (at most {MAX_ROUTES})")
    fib.add(route, first=mode == "prepend")


def _selected(route: Route, link=None, protocol: str | None = None, type: str | None = None,
              scope: str | None = None) -> bool:
    return ((link is None or route.link is link)          # a multipath route has no one dev: not kept
            and (protocol is None or route.protocol == protocol)
            and (type is None or route.type == type) and (scope is None or route.scope == scope))


def _prefix_selected(route: Route, value: int | None, plen: int | None, how: str) -> bool:
    """`root P` (inside P), `match P` (holds P), `exact P` (is P)."""
    if value is None:
        return True
    bits = route.bits
    if how == "root":
        return route.prefixlen >= plen and route.network & prefix_mask(plen, bits) == value
    if how == "match":
        return route.prefixlen <= plen and value & prefix_mask(route.prefixlen, bits) == route.network
    return route.prefixlen == plen and route.network == value


@call
def route_del(stack, dst: bytes, prefixlen: int, dev: str | None = None,
              gateway: bytes | None = None, type: str | None = None, table: str | None = None,
              metric: int | None = None, protocol: str | None = None, scope: str | None = None,
              tos: int = 0, family: str | None = None) -> None:
    """fib_table_delete: the first route of that prefix and TOS that every given key matches."""
    fam = family_of(dst, family)
    fib = fam.fib(stack)
    link = find_link(stack, dev) if dev else None
    table_id = _table(fam, table, type or UNICAST)
    value = int.from_bytes(dst, "big")
    found = fib.table(table_id)
    for route in list(found.bucket(value, prefixlen) if found else []):
        if route.tos != tos:
            continue
        if metric is not None and route.metric != metric:
            continue
        if gateway is not None and route.gateway != gateway \
                and not any(nh.gateway == gateway for nh in route.nexthops):
            continue
        if gateway is not None and route.nexthops and fam.joins_nexthops \
                and _selected(route, None, protocol, type, scope):
            fib.replace(route, fam.without_nexthop(route, gateway, link))
            return
        if _selected(route, link, protocol, type, scope):
            fib.remove(lambda r: r is route)
            return
    raise rtnetlink("ESRCH")


def _routes(stack, fam, table: str, link, protocol, type, scope, prefix, how) -> list:
    value = plen = None
    if prefix is not None:
        value, plen = int.from_bytes(prefix[0], "big"), prefix[1]
    out = []
    for table_id in fam.table_ids(stack, table):
        for route in fam.routes(stack, table_id):         # in the family's `ip route` order
            if _selected(route, link, protocol, type, scope) and _prefix_selected(route, value, plen, how):
                out.append(route)
    return out


@call
def route_list(stack, family: str | None = "inet", table: str = "main", dev: str | None = None,
               protocol: str | None = None, type: str | None = None, scope: str | None = None,
               prefix: tuple | None = None, how: str = "root", details: bool = False) -> list[dict]:
    """The routes of `table` (a name, a number, or "all": every table, each row naming it)
    that the selectors keep; a key a selector fixes is left out of the rows, as `ip` does.
    IPv4's unless `family` says otherwise (None: every family), as `ip route` does."""
    link = find_link(stack, dev) if dev else None
    rows = []
    for fam in families(family):
        if prefix is not None and len(prefix[0]) != fam.address_length:
            continue
        for route in _routes(stack, fam, table, link, protocol, type, scope, prefix, how):
            row = route.to_dict(details)
            if table == "all" and route.table != RT_TABLE_MAIN:
                row = _with_table(row, fam.table_name(route.table))
            for key, given in (("dev", dev), ("protocol", protocol), ("scope", scope)):
                if given is not None:
                    row.pop(key, None)
            rows.append(row)
    return rows


def _with_table(row: dict, name: str) -> dict:
    """`table NAME` after `dev` (where `ip` puts it)."""
    out = {}
    placed = False
    for key, value in row.items():
        if key in ("protocol", "scope", "prefsrc", "metric", "flags") and not placed:
            out["table"] = name
            placed = True
        out[key] = value
    if not placed:
        out["table"] = name
    return out


@call
def route_flush(stack, family: str | None = "inet", table: str = "main", dev: str | None = None,
                protocol: str | None = None, type: str | None = None, scope: str | None = None,
                prefix: tuple | None = None, how: str = "root") -> int:
    """Remove every route `route_list` would show; returns how many."""
    link = find_link(stack, dev) if dev else None
    count = 0
    for fam in families(family):
        if prefix is not None and len(prefix[0]) != fam.address_length:
            continue
        doomed = {id(r) for r in _routes(stack, fam, table, link, protocol, type, scope, prefix, how)}
        count += fam.fib(stack).remove(lambda r: id(r) in doomed)
    return count


@call
def route_cache_flush(stack, family: str | None = "inet") -> int:
    """ip route flush cache: forget the path MTUs learned; returns how many went."""
    count = 0
    for fam in families(family):
        count += (stack.ipv4 if fam.address_length == 4 else stack.ipv6).pmtu.flush()
        if fam.address_length == 4:
            count += stack.ipv4.redirects.flush()          # fnhe entries go with the genid
    return count


@call
def route_get(stack, dst: bytes, src: bytes | None = None, iif: str | None = None,
              oif: str | None = None, mark: int = 0, family: str | None = None) -> dict:
    """ip route get: the decision the data path makes for this flow, as `ip -j route get`
    words it; a refusal is the kernel's answer (RTNETLINK answers: ...)."""
    fam = family_of(dst, family)
    if src is not None:
        family_of(src, fam.name)
    in_link = find_link(stack, iif) if iif else None
    out_link = find_link(stack, oif) if oif else None
    return fam.route_get(stack, dst, src, in_link, out_link, mark)


def with_pmtu(row: dict, cached: tuple[int, int] | None) -> dict:
    """A learned path MTU in a `route get` row as the kernel's exception shows it:
    `expires 599sec mtu 1400` (the keys `expires` and `metrics`)."""
    if cached is None:
        return row
    mtu, left = cached
    row.pop("metrics", None)
    after = {key: row.pop(key) for key in ("iif", "pref") if key in row}
    row["expires"] = left
    row["metrics"] = [{"mtu": mtu}]
    row.update(after)
    return row


def with_redirect(row: dict, cached, addr_to_str) -> dict:
    """A redirected next hop in a `route get` row as the kernel's exception shows it:
    `via NEW ... cache <redirected> expires 299sec`."""
    if cached is None:
        return row
    gateway, left = cached
    rebuilt = {}
    for key, value in row.items():
        if key == "dev" and "gateway" not in row:
            rebuilt["gateway"] = addr_to_str(gateway)
        rebuilt[key] = addr_to_str(gateway) if key == "gateway" else value
    rebuilt["cache"] = ["redirected"]
    after = {key: rebuilt.pop(key) for key in ("iif", "metrics") if key in rebuilt}
    rebuilt["expires"] = left
    rebuilt.update(after)
    return rebuilt


def decision_row(fam, route, dst: bytes, src, prefsrc, dev: str, route_type: str, iif, mark: int,
                 table: int | None) -> dict:
    """`ip -j route get`'s row for a decision, key for key."""
    row = {"type": route_type} if route_type != UNICAST else {}
    row["dst"] = fam.addr_to_str(dst)
    if src is not None:
        row["from"] = fam.addr_to_str(src)
    if route is not None and route.gateway is not None:
        row["gateway"] = fam.addr_to_str(route.gateway)
    row["dev"] = dev
    if table is not None and table != RT_TABLE_MAIN:
        row["table"] = fam.table_name(table)
    if prefsrc is not None:
        row["prefsrc"] = fam.addr_to_str(prefsrc)
    row["flags"] = []
    if mark:
        row["mark"] = mark
    if iif is None:
        row["uid"] = 0
    row["cache"] = {LOCAL: ["local"], "broadcast": ["local", "brd"]}.get(route_type, [])
    if iif is not None:
        row["iif"] = iif.name
    if route is not None and route.mtu:
        row["metrics"] = [{"mtu": route.mtu}]
    return row
