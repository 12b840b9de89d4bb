"""The IPv4 routing table: longest-prefix match over per-length hash tables."""
from __future__ import annotations

from dataclasses import dataclass

from ..wire.ipv4 import addr_to_str, from_int, mask, to_int


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

    def to_dict(self) -> dict:
        dst = "default" if self.prefixlen == 0 else (
            addr_to_str(from_int(self.network)) +
            ("" if self.prefixlen == 32 else f"/{self.prefixlen}"))
        row = {"dst": dst}
        if self.gateway is not None:
            row["gateway"] = addr_to_str(self.gateway)
        row["dev"] = self.link.name
        row["protocol"] = self.protocol
        row["scope"] = self.scope
        if self.prefsrc is not None:
            row["prefsrc"] = addr_to_str(self.prefsrc)
        if self.metric:
            row["metric"] = self.metric
        row["flags"] = [] if self.link.running else ["linkdown"]
        return row


class Fib:
    def __init__(self):
        self.tables: dict[int, dict[int, list[Route]]] = {}
        self.lengths: list[int] = []
        self.cache: dict[bytes, Route | None] = {}

    def _changed(self) -> None:
        self.lengths = sorted(self.tables, reverse=True)
        self.cache.clear()

    def add(self, route: Route) -> None:
        bucket = self.tables.setdefault(route.prefixlen, {}).setdefault(route.network, [])
        bucket.append(route)
        bucket.sort(key=lambda r: r.metric)
        self._changed()

    def remove(self, predicate) -> int:
        removed = 0
        for plen, nets in list(self.tables.items()):
            for net, bucket in list(nets.items()):
                keep = [r for r in bucket if not predicate(r)]
                removed += len(bucket) - len(keep)
                if keep:
                    nets[net] = keep
                else:
                    del nets[net]
            if not nets:
                del self.tables[plen]
        if removed:
            self._changed()
        return removed

    def lookup(self, dst: bytes, oif=None) -> Route | None:
        """Longest match for `dst` among routes whose link is up (and is `oif`, if given)."""
        if oif is None:
            cached = self.cache.get(dst, False)
            if cached is not False:
                return cached
        value = to_int(dst)
        found = None
        for plen in self.lengths:
            bucket = self.tables[plen].get(value & mask(plen))
            if bucket:
                for route in bucket:
                    if route.link.admin_up and (oif is None or route.link is oif):
                        found = route
                        break
                if found:
                    break
        if oif is None:
            if len(self.cache) > 4096:
                self.cache.clear()
            self.cache[dst] = found
        return found

    def routes(self) -> list[Route]:
        out = []
        for plen in sorted(self.tables, reverse=True):
            for net in sorted(self.tables[plen]):
                out.extend(self.tables[plen][net])
        return out

    def flush_cache(self) -> None:
        self.cache.clear()
