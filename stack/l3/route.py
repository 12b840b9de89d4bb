"""The FIB: routing tables, longest-prefix match, policy rules' walk, multipath, a flow cache.

Each table keeps its routes in per-prefix-length hash tables.  A lookup walks
the policy rules (stack/l3/rule.py) in priority order, each naming the table
to look in (or refusing: unreachable, prohibit, blackhole), so our own
addresses and broadcasts are routes of type `local` and `broadcast` in the
`local` table, as `ip route show table local` shows them, rather than special
cases in the receive path.  A route's type is its verdict: unicast (through a
link, maybe a gateway, maybe several next hops chosen by a hash of the flow),
local, broadcast, blackhole, unreachable, prohibit, throw (go on to the next
rule).  Lookups take a flow key (destination, source, input link, output link,
mark, TOS) and their results are cached under it; any change to any table or
rule empties the cache, which is bounded.

Nothing here is IPv4's own: addresses are ints of the table's width (32 or
128 bits) and bytes of that length, so IPv6 builds a `Fib(rules, bits=128)`.
"""
from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass, field, replace

RT_TABLE_UNSPEC = 0
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
TABLE_NAMES = {RT_TABLE_LOCAL: "local", RT_TABLE_MAIN: "main", RT_TABLE_DEFAULT: "default"}
RT_TABLE_MAX = 0xFFFFFFFF

# Route types (rtm_type), as `ip route` names them.
UNICAST = "unicast"
LOCAL = "local"
BROADCAST = "broadcast"
BLACKHOLE = "blackhole"
UNREACHABLE = "unreachable"
PROHIBIT = "prohibit"
THROW = "throw"
ROUTE_TYPES = (UNICAST, LOCAL, BROADCAST, BLACKHOLE, UNREACHABLE, PROHIBIT, THROW)
LINKLESS = (BLACKHOLE, UNREACHABLE, PROHIBIT, THROW)     # types with no next hop

# What a lookup that ends in a refusal answers (fib_props[type].error), as errno names;
# NO_ROUTE is the answer when no rule's table has a route (ENETUNREACH).
ERRORS = {UNREACHABLE: "EHOSTUNREACH", PROHIBIT: "EACCES", BLACKHOLE: "EINVAL"}
NO_ROUTE = "ENETUNREACH"

SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}

CACHE_MAX = 4096


def addr_text(address: bytes) -> str:
    """An address (4 or 16 bytes) as `ip` writes it."""
    return str(ipaddress.ip_address(bytes(address)))


def prefix_mask(prefixlen: int, bits: int) -> int:
    return ((1 << bits) - 1) ^ ((1 << (bits - prefixlen)) - 1)


def prefix_text(network: int, prefixlen: int, bits: int) -> str:
    """``default``, ``192.0.2.0/24`` or a host address without its length, as `ip route` does."""
    if prefixlen == 0:
        return "default"
    text = addr_text(network.to_bytes(bits // 8, "big"))
    return text if prefixlen == bits else f"{text}/{prefixlen}"


def table_text(table_id: int) -> str:
    return TABLE_NAMES.get(table_id, str(table_id))


@dataclass(eq=False)
class Nexthop:
    """One next hop of a multipath route (`nexthop via A dev D weight W`)."""

    link: object
    gateway: bytes | None = None
    weight: int = 1
    onlink: bool = False

    def to_dict(self) -> dict:
        row = {}
        if self.gateway is not None:
            row["gateway"] = addr_text(self.gateway)
        row["dev"] = self.link.name
        row["weight"] = self.weight
        row["flags"] = (["onlink"] if self.onlink else []) + ([] if self.link.running else ["linkdown"])
        return row


@dataclass(eq=False)
class Route:
    network: int              # host-order network address
    prefixlen: int
    link: object              # None for the types with no next hop (LINKLESS), and multipath
    gateway: bytes | None = None
    prefsrc: bytes | None = None
    protocol: str = "kernel"
    scope: str = "link"
    metric: int = 0
    type: str = UNICAST
    table: int = RT_TABLE_MAIN
    mtu: int = 0              # 0: the link's
    onlink: bool = False
    tos: int = 0
    nexthops: tuple = ()      # a multipath route's Nexthops (two or more)
    bits: int = 32
    legs: tuple = field(default=(), repr=False)     # one Route per next hop, what lookups return
    upper_bound: int = field(default=0, repr=False)  # a leg's share of the hash space
    parent: "Route | None" = field(default=None, repr=False)   # a leg's multipath route

    def __post_init__(self):
        if self.nexthops:
            total = sum(nh.weight for nh in self.nexthops)
            legs, running = [], 0
            for nh in self.nexthops:
                running += nh.weight
                legs.append(replace(self, link=nh.link, gateway=nh.gateway, onlink=nh.onlink,
                                    nexthops=(), parent=self,
                                    upper_bound=((running << 31) + total // 2) // total - 1))
            self.legs = tuple(legs)

    @property
    def whole(self) -> "Route":
        """The route as configured: a multipath leg's parent, else itself."""
        return self.parent or self

    def usable(self) -> bool:
        """Whether a lookup may return it: a link that is up (our own addresses and the
        link-less verdicts whatever the state)."""
        return self.link is None or self.type == LOCAL or self.link.admin_up

    def mtu_out(self) -> int:
        return self.mtu or self.link.mtu

    def to_dict(self, details: bool = False) -> dict:
        """iproute2's keys, printed as it prints them (`protocol boot`, `scope global`, the
        `unicast` type left out unless `details`)."""
        route = self.whole
        row = {"type": route.type} if route.type != UNICAST or details else {}
        row["dst"] = prefix_text(route.network, route.prefixlen, route.bits)
        if route.gateway is not None and not route.nexthops:
            row["gateway"] = addr_text(route.gateway)
        if route.link is not None and not route.nexthops:
            row["dev"] = route.link.name
        if details and route.table != RT_TABLE_MAIN:
            row["table"] = table_text(route.table)
        if route.protocol != "boot" or details:
            row["protocol"] = route.protocol
        if route.scope != "global" or details:
            row["scope"] = route.scope
        if route.prefsrc is not None:
            row["prefsrc"] = addr_text(route.prefsrc)
        if route.metric:
            row["metric"] = route.metric
        flags = ["onlink"] if route.onlink and not route.nexthops else []
        if route.link is not None and route.type != LOCAL and not route.link.running \
                and not route.nexthops:
            flags.append("linkdown")
        row["flags"] = flags
        if route.mtu:
            row["metrics"] = [{"mtu": route.mtu}]
        if route.nexthops:
            row["nexthops"] = [nh.to_dict() for nh in route.nexthops]
        return row

    def key(self) -> tuple:
        """What makes two routes the same one for add/replace (table, prefix, tos, metric)."""
        return (self.table, self.network, self.prefixlen, self.tos, self.metric)


def flow_hash(src: bytes | None, dst: bytes, proto: int = 0, flowlabel: int = 0) -> int:
    """The multipath hash of a flow (policy 0), 31 bits: IPv4's over its addresses
    (fib_multipath_hash), IPv6's over its addresses, flow label and next header
    (rt6_multipath_hash)."""
    if not (proto or flowlabel):
        return zlib.crc32((src or b"") + b"|" + dst) >> 1
    return zlib.crc32((src or b"") + b"|" + dst + (flowlabel << 8 | proto).to_bytes(4, "big")) >> 1


def select_leg(route: Route, src: bytes | None, dst: bytes, oif, proto: int = 0,
               flowlabel: int = 0) -> Route | None:
    """The next hop a flow takes (fib_select_multipath): the first leg whose share of the hash
    space holds the flow's hash, among the legs that are usable (and leave by `oif`)."""
    legs = [leg for leg in route.legs if leg.usable() and (oif is None or leg.link is oif)]
    if not legs:
        return None
    value = flow_hash(src, dst, proto, flowlabel)
    for leg in legs:
        if value <= leg.upper_bound:
            return leg
    return legs[-1]


class FibTable:
    """One routing table: per-prefix-length hash tables, longest first."""

    def __init__(self, table_id: int, bits: int = 32):
        self.id = table_id
        self.bits = bits
        self.by_length: dict[int, dict[int, list[Route]]] = {}
        self.lengths: list[tuple[int, int]] = []      # (prefix length, mask), longest first
        self.size = 0

    def add(self, route: Route, first: bool = False) -> None:
        nets = self.by_length.get(route.prefixlen)
        if nets is None:
            nets = self.by_length[route.prefixlen] = {}
            self._lengths()
        bucket = nets.setdefault(route.network, [])
        bucket.insert(0, route) if first else bucket.append(route)
        bucket.sort(key=lambda r: (r.tos, r.metric))
        self.size += 1

    def bucket(self, network: int, prefixlen: int) -> list[Route]:
        """The routes of one prefix, in lookup order."""
        return self.by_length.get(prefixlen, {}).get(network, [])

    def _lengths(self) -> None:
        self.lengths = [(plen, prefix_mask(plen, self.bits))
                        for plen in sorted(self.by_length, reverse=True)]

    def remove(self, predicate) -> int:
        removed = 0
        for plen, nets in list(self.by_length.items()):
            for net, bucket in list(nets.items()):
                keep = [r for r in bucket if not predicate(r)]
                removed += len(bucket) - len(keep)
                if keep:
                    nets[net] = keep
                else:
                    del nets[net]
            if not nets:
                del self.by_length[plen]
        self._lengths()
        self.size -= removed
        return removed

    def lookup(self, value: int, oif, tos: int = 0) -> Route | None:
        """Longest match among routes whose link is up (our own addresses and verdicts count
        whatever their link's state) and, when `oif` is given, go out of it (our own
        addresses do not)."""
        for plen, netmask in self.lengths:
            bucket = self.by_length[plen].get(value & netmask)
            if bucket:
                for route in bucket:
                    if route.tos and route.tos != tos:
                        continue
                    if oif is not None:
                        if route.type == LOCAL or route.type in LINKLESS:
                            continue
                        if route.link is not oif and not any(nh.link is oif for nh in route.nexthops):
                            continue
                    if route.nexthops:
                        if any(leg.usable() for leg in route.legs):
                            return route
                    elif route.usable():
                        return route
        return None

    def lookup_scoped(self, value: int, oif, min_scope: int) -> Route | None:
        """Longest match among routes of at least `min_scope` (link: the connected routes and
        our own addresses), whatever their link's state (FIB_LOOKUP_IGNORE_LINKSTATE)."""
        for plen, netmask in self.lengths:
            for route in self.by_length[plen].get(value & netmask, ()):
                if SCOPES[route.scope] < min_scope or route.nexthops:
                    continue
                if oif is not None and route.link is not oif:
                    continue
                return route
        return None

    def routes(self) -> list[Route]:
        """In the kernel's trie order: by network address, shorter prefixes first."""
        out = [r for nets in self.by_length.values() for bucket in nets.values() for r in bucket]
        out.sort(key=lambda r: (r.network, r.prefixlen, r.tos, r.metric))
        return out


@dataclass(frozen=True)
class Decision:
    """What a lookup decided for a flow: the rule that ended the walk and the route it gave
    (a route of the table the rule names, a verdict route for a refusing rule, or None:
    no rule's table had a route)."""

    rule: object
    route: Route | None

    @property
    def error(self) -> str | None:
        """The errno a refusal answers with (`ip route get`'s RTNETLINK answer), or None."""
        if self.route is None:
            return NO_ROUTE
        if self.rule is not None and self.rule.action == UNREACHABLE:
            return NO_ROUTE                 # fib_rule's FR_ACT_UNREACHABLE: -ENETUNREACH
        return ERRORS.get(self.route.type)


class Fib:
    def __init__(self, rules, bits: int = 32):
        self.bits = bits
        self.width = bits // 8
        self.rules = rules
        rules.on_change = self.flush_cache
        self.tables = {table_id: FibTable(table_id, bits) for table_id in TABLE_NAMES}
        self.cache: dict[tuple, Decision] = {}
        self.decisions: dict[tuple, tuple] = {}     # what a protocol decided from lookups (route input)
        self.verdicts = {kind: Route(0, 0, None, protocol="boot", scope="global", type=kind,
                                     table=RT_TABLE_UNSPEC, bits=bits)
                         for kind in (UNREACHABLE, PROHIBIT, BLACKHOLE)}   # refusing rules' routes

    def remember(self, key: tuple, decision: tuple) -> None:
        """Keep a decision made from this FIB's routes until they change."""
        if len(self.decisions) >= CACHE_MAX:
            self.decisions.clear()
        self.decisions[key] = decision

    def table(self, table_id: int, create: bool = False) -> FibTable | None:
        found = self.tables.get(table_id)
        if found is None and create:
            found = self.tables[table_id] = FibTable(table_id, self.bits)
        return found

    def add(self, route: Route, first: bool = False) -> None:
        self.table(route.table, create=True).add(route, first)
        self.flush_cache()

    def replace(self, old: Route, new: Route) -> None:
        """`new` takes `old`'s place (same table, prefix, TOS and metric)."""
        bucket = self.tables[old.table].by_length[old.prefixlen][old.network]
        bucket[bucket.index(old)] = new
        self.flush_cache()

    def size(self) -> int:
        return sum(table.size for table in self.tables.values())

    def remove(self, predicate) -> int:
        removed = sum(table.remove(predicate) for table in self.tables.values())
        if removed:
            self.flush_cache()
        return removed

    def lookup(self, dst: bytes, oif=None, src: bytes | None = None, iif=None,
               mark: int = 0, tos: int = 0, proto: int = 0, flowlabel: int = 0) -> Route | None:
        """The route for a flow (fib_lookup, then the multipath choice); cached per flow.
        `proto` and `flowlabel` (IPv6) only weigh in the multipath hash."""
        key = (dst, src, iif, oif, mark, tos, proto, flowlabel)
        cached = self.cache.get(key)
        if cached is None:
            cached = self.decide(dst, oif, src, iif, mark, tos, proto, flowlabel)
        return cached.route

    def decide(self, dst: bytes, oif=None, src: bytes | None = None, iif=None,
               mark: int = 0, tos: int = 0, proto: int = 0, flowlabel: int = 0) -> Decision:
        """The rule and route for a flow: the rules in priority order, each naming a table to
        look in (a `throw` route, or no route there, goes on to the next rule) or refusing;
        a multipath route gives the leg the flow hashes to.  Cached per flow."""
        key = (dst, src, iif, oif, mark, tos, proto, flowlabel)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        value = int.from_bytes(dst, "big")
        src_value = int.from_bytes(src, "big") if src is not None else 0
        iif_name = iif.name if iif is not None else "lo"      # output lookups come from lo
        oif_name = oif.name if oif is not None else None
        decided = Decision(None, None)
        for rule in self.rules.rules:
            if not rule.matches(src_value, value, iif_name, oif_name, mark, tos):
                continue
            if rule.action != "lookup":
                decided = Decision(rule, self.verdicts[rule.action])
                break
            table = self.tables.get(rule.table)
            found = table.lookup(value, oif, tos) if table is not None else None
            if found is None or found.type == THROW:
                continue
            if rule.suppress_prefixlength >= 0 and found.prefixlen <= rule.suppress_prefixlength:
                continue
            if found.nexthops:
                found = select_leg(found, src, dst, oif, proto, flowlabel)
            decided = Decision(rule, found)
            break
        if len(self.cache) >= CACHE_MAX:
            self.cache.clear()
        self.cache[key] = decided
        return decided

    def connected(self, gateway: bytes, table: int, oif, min_scope: int) -> Route | None:
        """The route a gateway is reached by (fib_check_nh_v4_gw): looked up in the route's own
        table (unless main), else through the rules, among routes of at least `min_scope`;
        only a unicast or local route will do."""
        value = int.from_bytes(gateway, "big")
        found = None
        if table != RT_TABLE_MAIN and table in self.tables:
            found = self.tables[table].lookup_scoped(value, oif, min_scope)
        if found is None:
            for rule in self.rules.rules:
                if not rule.matches(0, value, "lo", oif.name if oif else None, 0, 0):
                    continue
                if rule.action != "lookup":
                    return None
                hit = self.tables[rule.table].lookup_scoped(value, oif, min_scope) \
                    if rule.table in self.tables else None
                if hit is not None and hit.type != THROW:
                    found = hit
                    break
        if found is None or found.type not in (UNICAST, LOCAL) or found.link is None:
            return None
        return found

    def routes(self, table: int = RT_TABLE_MAIN) -> list[Route]:
        found = self.tables.get(table)
        return found.routes() if found is not None else []

    def flush_cache(self) -> None:
        self.cache.clear()
        self.decisions.clear()
