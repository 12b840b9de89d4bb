"""IPv6 addresses (the kernel's addrconf): link-local addresses from the MAC (EUI-64),
flags and lifetimes as `ip -6 addr` shows them, and the routes an address brings.

Duplicate address detection (RFC 4862 5.4) runs on each new address: it is
`tentative` (not ours to receive on, its solicited-node group joined) until
`dad_transmits` Neighbor Solicitations went unanswered for `retrans_time`
each, after a random delay of up to `rtr_solicit_delay`; a Neighbor
Advertisement for it, or another node's solicitation from `::` for it, marks
it `dadfailed` (stack/l2/ndp.py tells us).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from ..wire.ipv6 import addr_to_str
from .fibfamily import INET6_FIB
from .route import LOCAL, RT_TABLE_LOCAL, RT_TABLE_MAIN, UNICAST, Route, table_text

INFINITY_LIFE_TIME = 0xFFFFFFFF
LOOPBACK = bytes(15) + b"\x01"
UNSPECIFIED = bytes(16)
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS = bytes.fromhex("ff020000000000000000000000000002")
LINK_LOCAL_PREFIX = bytes.fromhex("fe80000000000000")
SOLICITED_NODE_PREFIX = bytes.fromhex("ff0200000000000000000001ff")
MULTICAST = "multicast"                 # the route type of ff00::/8 in the local table
PREFIX_ROUTE_METRIC = 256               # IP6_RT_PRIO_ADDRCONF
USER_ROUTE_METRIC = 1024                # IP6_RT_PRIO_USER: a route added with metric 0
# The order iproute2 prints an address's flags in (ifa_flag_data in ip/ipaddress.c)
FLAG_ORDER = ("nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "dynamic",
              "mngtmpaddr")
# Where a new address goes among a link's: by scope (global, host, link), newest first
SCOPE_RANK = {"global": 0, "host": 0x10, "link": 0x20}


def eui64_interface_id(mac: bytes) -> bytes:
    """RFC 4291 appendix A: the MAC split by ff:fe, the universal/local bit inverted."""
    return bytes((mac[0] ^ 0x02, mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]))


def link_local_address(mac: bytes) -> bytes:
    return LINK_LOCAL_PREFIX + eui64_interface_id(mac)


def solicited_node(addr: bytes) -> bytes:
    """ff02::1:ffXX:XXXX, the group a node joins for each of its addresses (RFC 4291 2.7.1)."""
    return SOLICITED_NODE_PREFIX + addr[13:16]


def multicast_mac(group: bytes) -> bytes:
    """33:33 and the group's last four bytes (RFC 2464 section 7)."""
    return b"\x33\x33" + group[12:16]


def is_multicast(addr) -> bool:
    return addr[0] == 0xFF


def is_link_local(addr) -> bool:
    return addr[0] == 0xFE and addr[1] & 0xC0 == 0x80


def scope_of(addr: bytes) -> str:
    if addr == LOOPBACK:
        return "host"
    return "link" if is_link_local(addr) else "global"


class Inet6Addr:
    """One address of a link (inet6_ifaddr)."""

    made = count()                  # creation order: the running config adds them in it

    def __init__(self, address: bytes, prefixlen: int, link, nodad: bool = False):
        self.serial = next(self.made)
        self.address = address
        self.prefixlen = prefixlen
        self.link = link
        self.scope = scope_of(address)
        self.nodad = nodad
        self.tentative = True
        self.dadfailed = False
        self.dad_timer = None
        self.dad_probes = 0
        self.auto = False           # made by the stack (a link-local, ::1), not by `addr add`
        self.slaac = False          # made from a router's prefix (not part of the running config)
        self.stable_privacy = False     # its interface id is RFC 7217's (stack/l3/addrgen.py)
        self.dad_count = 0              # the RFC 7217 DAD counter it was made with
        self.mngtmpaddr = False     # Linux marks SLAAC addresses so (the base of temporary ones)
        self.valid_until: float | None = None       # None: forever
        self.preferred_until: float | None = None
        self.clock = None           # the stack's now(), for lifetimes
        self.expiry = None          # the timer that removes it when its valid lifetime ends

    @property
    def usable(self) -> bool:
        """Ours to send from and receive on: DAD passed (or was not asked for)."""
        return not self.tentative

    @property
    def network(self) -> int:
        return int.from_bytes(self.address, "big") & INET6_FIB.mask(self.prefixlen)

    def covers(self, addr: bytes) -> bool:
        return int.from_bytes(addr, "big") & INET6_FIB.mask(self.prefixlen) == self.network

    @property
    def dynamic(self) -> bool:
        """Not permanent (no IFA_F_PERMANENT): it has a valid lifetime that runs out."""
        return self.valid_until is not None

    @property
    def deprecated(self) -> bool:
        """Its preferred lifetime is over: still ours, no longer chosen as a source."""
        return self.preferred_until is not None and self.clock() >= self.preferred_until

    def flags(self) -> list[str]:
        names = [name for name in FLAG_ORDER if getattr(self, name, False)]
        if self.stable_privacy:                 # RFC 7217 (IFA_F_STABLE_PRIVACY), iproute2's last
            names.append("stable-privacy")
        return names

    def remaining(self, until: float | None) -> int:
        """A lifetime as `ip addr` shows it: whole seconds left, or 0xffffffff for forever."""
        if until is None:
            return INFINITY_LIFE_TIME
        return max(0, int(until - self.clock()))

    def to_dict(self) -> dict:
        row = {"family": "inet6", "local": addr_to_str(self.address), "prefixlen": self.prefixlen,
               "scope": self.scope}
        for name in self.flags():
            row[name] = True
        row["valid_life_time"] = self.remaining(self.valid_until)
        row["preferred_life_time"] = self.remaining(self.preferred_until)
        return row


def insert_in_order(addrs: list, ifa: Inet6Addr) -> None:
    """ipv6_link_dev_addr: before the first address of the same or a wider scope rank."""
    rank = SCOPE_RANK[ifa.scope]
    for i, other in enumerate(addrs):
        if SCOPE_RANK[other.scope] >= rank:
            addrs.insert(i, ifa)
            return
    addrs.append(ifa)


@dataclass
class Route6(Route):
    """An IPv6 route: as `ip -6 route` shows it (a metric always, a preference, no scope)."""

    bits: int = 128
    pref: str = "medium"
    expires_at: float | None = None     # learnt from a router: gone then
    hoplimit: int = 0                   # a router's hop limit, shown among the route's metrics
    clock: object = None

    def to_dict(self, details: bool = False) -> dict:
        """`ip -6 -j route`'s keys in its order: a verdict (unreachable, prohibit, blackhole,
        throw) is `dev lo`; a multipath route names its next hops after `pref`."""
        route = self.whole
        row = {"type": route.type} if route.type != UNICAST or details else {}
        row["dst"] = INET6_FIB.prefix_text(route.network, route.prefixlen)
        if route.gateway is not None and not route.nexthops:
            row["gateway"] = addr_to_str(route.gateway)
        if not route.nexthops:
            row["dev"] = route.link.name if route.link is not None else "lo"
        if details and route.table != RT_TABLE_MAIN:
            row["table"] = table_text(route.table)
        if route.protocol != "boot" or details:
            row["protocol"] = route.protocol
        if details:
            row["scope"] = "global"
        if route.prefsrc is not None:
            row["prefsrc"] = addr_to_str(route.prefsrc)
        row["metric"] = route.metric
        flags = ["onlink"] if route.onlink and not route.nexthops else []
        if route.link is not None and route.type not in (LOCAL, MULTICAST) \
                and not route.link.running and not route.nexthops:
            flags.append("linkdown")
        row["flags"] = flags
        if route.expires_at is not None:
            row["expires"] = max(0, int(route.expires_at - route.clock()))
        metrics = {}
        if route.mtu:
            metrics["mtu"] = route.mtu
        if route.hoplimit:
            metrics["hoplimit"] = route.hoplimit
        if metrics:
            row["metrics"] = [metrics]
        row["pref"] = route.pref
        if route.nexthops:
            row["nexthops"] = [nh.to_dict() for nh in route.nexthops]
        return row


def trie_order(route) -> tuple:
    """Where `ip -6 route` lists a route: the kernel walks its fib6 trie children first, so
    a prefix comes after the longer ones inside it (the default route last)."""
    return (f"{route.network:0128b}"[:route.prefixlen] + "2", route.metric)


def prefix_route(ifa: Inet6Addr) -> Route6:
    """The connected route an address brings to main (addrconf_prefix_route)."""
    return Route6(ifa.network, ifa.prefixlen, ifa.link, metric=PREFIX_ROUTE_METRIC)


def local_route(ifa: Inet6Addr) -> Route6:
    """The address itself as `local` in the local table, once DAD has passed."""
    return Route6(int.from_bytes(ifa.address, "big"), 128, ifa.link, type=LOCAL,
                  table=RT_TABLE_LOCAL)


def multicast_route(link) -> Route6:
    """ff00::/8 on each multicast link (addrconf_add_mroute)."""
    return Route6(0xFF << 120, 8, link, type=MULTICAST, table=RT_TABLE_LOCAL,
                  metric=PREFIX_ROUTE_METRIC)
