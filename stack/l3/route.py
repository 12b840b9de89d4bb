"""The IPv4 FIB: routing tables (local, main, default), longest-prefix match, a flow cache.

Each table keeps its routes in per-prefix-length hash tables.  A lookup walks
the tables in the kernel's default rule order (local, then main, then default),
so our own addresses and broadcasts are routes of type `local` and `broadcast`
in the `local` table, as `ip route show table local` shows them, rather than
special cases in the receive path.  Lookups take a flow key (destination,
source, input link, output link, mark, TOS) and their results are cached under
it; any change to any table empties the cache, which is bounded.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..wire.ipv4 import addr_to_str, from_int
from .fibfamily import INET_FIB

RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
TABLE_NAMES = {RT_TABLE_LOCAL: "local", RT_TABLE_MAIN: "main", RT_TABLE_DEFAULT: "default"}
LOOKUP_ORDER = (RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT)   # the default policy rules

# Route types (rtm_type), as `ip route` names them.
UNICAST = "unicast"
LOCAL = "local"
BROADCAST = "broadcast"

CACHE_MAX = 4096


@dataclass
class Route:
    network: int              # host-order network address
    prefixlen: int
    link: object
    gateway: bytes | None = None
    prefsrc: bytes | None = None
    protocol: str = "kernel"
    scope: str = "link"
    metric: int = 0
    type: str = UNICAST
    table: int = RT_TABLE_MAIN

    def to_dict(self) -> dict:
        dst = "default" if self.prefixlen == 0 else (
            addr_to_str(from_int(self.network)) +
            ("" if self.prefixlen == 32 else f"/{self.prefixlen}"))
        row = {"type": self.type} if self.type != UNICAST else {}
        row["dst"] = dst
        if self.gateway is not None:
            row["gateway"] = addr_to_str(self.gateway)
        row["dev"] = self.link.name
        row["protocol"] = self.protocol
        row["scope"] = self.scope
        if self.prefsrc is not None:
            row["prefsrc"] = addr_to_str(self.prefsrc)
        if self.metric:
            row["metric"] = self.metric
        row["flags"] = [] if self.type == LOCAL or self.link.running else ["linkdown"]
        return row


class FibTable:
    """One routing table: per-prefix-length hash tables, longest first."""

    def __init__(self, table_id: int, family=INET_FIB):
        self.id = table_id
        self.mask = family.mask         # the family's address width (fibfamily.py)
        self.by_length: dict[int, dict[int, list[Route]]] = {}
        self.lengths: list[int] = []

    def add(self, route: Route) -> None:
        bucket = self.by_length.setdefault(route.prefixlen, {}).setdefault(route.network, [])
        bucket.append(route)
        bucket.sort(key=lambda r: r.metric)
        self.lengths = sorted(self.by_length, reverse=True)

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
        self.lengths = sorted(self.by_length, reverse=True)
        return removed

    def lookup(self, value: int, oif) -> Route | None:
        """Longest match among routes whose link is up (our own addresses count whatever
        their link's state) and, when `oif` is given, go out of it (our own addresses do not)."""
        mask = self.mask
        for plen in self.lengths:
            bucket = self.by_length[plen].get(value & mask(plen))
            if bucket:
                for route in bucket:
                    if oif is not None and (route.link is not oif or route.type == LOCAL):
                        continue
                    if route.type == LOCAL or route.link.admin_up:
                        return route
        return None

    def routes(self) -> list[Route]:
        """In the kernel's trie order: by network address, shorter prefixes first."""
        out = [r for nets in self.by_length.values() for bucket in nets.values() for r in bucket]
        out.sort(key=lambda r: (r.network, r.prefixlen, r.metric))
        return out


class Fib:
    def __init__(self, family=INET_FIB):
        self.family = family
        self.tables = {table_id: FibTable(table_id, family) for table_id in LOOKUP_ORDER}
        self.cache: dict[tuple, Route | None] = {}
        self.decisions: dict[tuple, tuple] = {}     # what a protocol decided from lookups (route input)

    def remember(self, key: tuple, decision: tuple) -> None:
        """Keep a decision made from this FIB's routes until they change."""
        if len(self.decisions) >= CACHE_MAX:
            self.decisions.clear()
        self.decisions[key] = decision

    def add(self, route: Route) -> None:
        self.tables[route.table].add(route)
        self.flush_cache()

    def remove(self, predicate) -> int:
        removed = sum(table.remove(predicate) for table in self.tables.values())
        if removed:
            self.flush_cache()
        return removed

    def lookup(self, dst: bytes, oif=None, src: bytes | None = None, iif=None,
               mark: int = 0, tos: int = 0) -> Route | None:
        """The route for a flow (fib_lookup): local, then main, then default; cached per flow."""
        key = (dst, src, iif, oif, mark, tos)
        cached = self.cache.get(key, False)
        if cached is not False:
            return cached
        value = int.from_bytes(dst, "big")
        found = None
        for table_id in LOOKUP_ORDER:
            found = self.tables[table_id].lookup(value, oif)
            if found is not None:
                break
        if len(self.cache) >= CACHE_MAX:
            self.cache.clear()
        self.cache[key] = found
        return found

    def routes(self, table: int = RT_TABLE_MAIN) -> list[Route]:
        return self.tables[table].routes()

    def flush_cache(self) -> None:
        self.cache.clear()
        self.decisions.clear()
