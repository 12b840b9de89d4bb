"""What the dashboard shows, as plain data: snapshots of the stack's results and
the rates between two of them.  No Textual here, so it is tested directly.

A `Snapshot` is taken through the executor (``execute(["link", "show"])`` and
so on): the same structured results the shell renders, whether the stack is
embedded or attached (DESIGN principle 8).  `Rates` turns successive snapshots
into per-second deltas and a short history per counter for the sparklines.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

HISTORY = 60                 # samples kept per counter (a minute at 1 Hz, 15 s at 4 Hz)
SPARKS = "▁▂▃▄▅▆▇█"

# what each pane reads: the result kind and the command that gives it
QUERIES = {
    "links": ("link", "show"),
    "stats": ("stats",),
    "neighbours": ("neigh", "show"),
    "capture": ("capture", "status"),
    "trace": ("trace", "show"),
    "bridge_ports": ("bridge", "link", "show"),
    "fdb": ("bridge", "fdb", "show"),
    "bridge_vlans": ("bridge", "vlan", "show"),
}
ROUTE_TABLES = ("main", "all")       # what the Routes tab shows: the main tables, or every table
FAMILIES = (("inet", "-4"), ("inet6", "-6"))


def route_queries(table: str = "main") -> dict:
    """The Routes tab's queries: `route show table TABLE` and `rule show`, for each family."""
    queries = {}
    for family, option in FAMILIES:
        queries[f"routes_{family}"] = (option, "route", "show", "table", table)
        queries[f"rules_{family}"] = (option, "rule", "show")
    return queries


@dataclass
class Snapshot:
    """One batch of results, taken at one moment (monotonic seconds)."""

    taken: float
    results: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def links(self) -> list:
        return self.results.get("links") or []

    @property
    def stats(self) -> dict:
        return self.results.get("stats") or {}


def take_snapshot(execute, wanted=None, clock=time.monotonic, route_table: str = "main") -> Snapshot:
    """Ask for each wanted result (all by default); a failing query is noted, never raised
    (the pane says why).  `route_table` is the Routes tab's choice (main or all)."""
    queries = {**QUERIES, **route_queries(route_table)}
    snap = Snapshot(clock())
    for name in wanted if wanted is not None else queries:
        try:
            snap.results[name] = execute(list(queries[name])).data
        except Exception as exc:        # noqa: BLE001 - one pane's trouble must not stop the others
            snap.errors[name] = str(exc) or type(exc).__name__
    return snap


def link_counters(row: dict) -> dict:
    rx, tx = row.get("stats64", {}).get("rx", {}), row.get("stats64", {}).get("tx", {})
    return {"rx_packets": rx.get("packets", 0), "rx_bytes": rx.get("bytes", 0),
            "rx_dropped": rx.get("dropped", 0) + rx.get("errors", 0),
            "tx_packets": tx.get("packets", 0), "tx_bytes": tx.get("bytes", 0),
            "tx_dropped": tx.get("dropped", 0) + tx.get("errors", 0)}


def flat_stats(stats: dict) -> dict:
    """{"Ip.InReceives": 12, ...}: the `stats` groups flattened, numbers only."""
    out = {}
    for group, counters in stats.items():
        if isinstance(counters, dict):
            for name, value in counters.items():
                if isinstance(value, (int, float)):
                    out[f"{group}.{name}"] = value
    return out


class Rates:
    """Per-second deltas between snapshots, with a bounded history per counter."""

    def __init__(self, history: int = HISTORY):
        self.history = history
        self.last: dict[str, float] = {}
        self.last_time: float | None = None
        self.rate: dict[str, float] = {}
        self.series: dict[str, deque] = {}

    def update(self, now: float, counters: dict) -> None:
        elapsed = None if self.last_time is None else now - self.last_time
        for key, value in counters.items():
            before = self.last.get(key)
            if elapsed and elapsed > 0 and before is not None:
                # a counter that went down was reset (link re-created, ring cleared): no rate
                per_second = max(value - before, 0) / elapsed
            else:
                per_second = 0.0
            self.rate[key] = per_second
            self.series.setdefault(key, deque(maxlen=self.history)).append(per_second)
        for gone in set(self.last) - set(counters):
            self.rate.pop(gone, None)
            self.series.pop(gone, None)
        self.last = dict(counters)
        self.last_time = now

    def moving(self, key: str) -> bool:
        return self.rate.get(key, 0.0) > 0


def sparkline(values, width: int = 12) -> str:
    """The last `width` values as block characters, scaled to their maximum."""
    values = list(values)[-width:]
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(int(v / top * (len(SPARKS) - 1) + 0.5), len(SPARKS) - 1)] for v in values)


def human_rate(value: float, unit: str = "") -> str:
    """1234.5 -> '1.2k'; what fits a narrow column."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.1f}{suffix}{unit}"
    return f"{value:.0f}{unit}" if value >= 10 or value == 0 else f"{value:.1f}{unit}"


def link_addresses(row: dict) -> str:
    return " ".join(f"{a['local']}/{a['prefixlen']}" for a in row.get("addr_info", ()))


def route_count(snap: Snapshot) -> int:
    return sum(len(snap.results.get(f"routes_{family}") or []) for family, _ in FAMILIES)


def route_rows(snap: Snapshot, limit: int | None = None) -> dict:
    """The Routes tab's route table: {key: (family, table, type, destination, gateway, dev,
    metric, proto, src, flags)}, IPv4's then IPv6's, in `ip route`'s order, the first `limit`.
    A multipath route lists its next hops' gateways and links, joined."""
    rows = {}
    for family, _ in FAMILIES:
        for row in snap.results.get(f"routes_{family}") or []:
            if limit is not None and len(rows) >= limit:
                return rows
            hops = row.get("nexthops") or []
            gateway = row.get("gateway") or ",".join(hop.get("gateway", "") for hop in hops)
            dev = row.get("dev") or ",".join(hop.get("dev", "") for hop in hops)
            cells = (family, row.get("table", "main"), row.get("type", "unicast"), row.get("dst", ""),
                     gateway, dev, str(row.get("metric", "")), row.get("protocol", ""),
                     row.get("prefsrc", ""), " ".join(row.get("flags", ())))
            key = " ".join(cells[:6] + cells[6:7])
            n = 1
            while f"{key} {n}" in rows:
                n += 1
            rows[f"{key} {n}"] = cells
    return rows


def rule_rows(snap: Snapshot, text) -> dict:
    """The Routes tab's rule table: {key: (family, priority, rule)}, `text(row)` saying the
    rule as `ip rule` does after its priority."""
    rows = {}
    for family, _ in FAMILIES:
        for n, row in enumerate(snap.results.get(f"rules_{family}") or []):
            rows[f"{family} {n}"] = (family, str(row.get("priority", "")), text(row))
    return rows
