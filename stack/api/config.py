"""The running configuration: what recreates this stack's setup on a fresh one.

Sections register in the order a fresh stack must be given them (links before
the addresses and neighbours on them).  A new kind of object adds a section
here (a generator of its objects) and one writer in netsh/commands/config.py.
"""
from __future__ import annotations

import inspect
from typing import Callable, Iterator

from ..l3 import addrgen
from ..link.base import DEFAULT_TXQLEN
from ..wire.ethernet import mac_to_str
from .family import families
from .link import links_in_order
from .registry import call

SECTIONS: dict[str, Callable] = {}


def section(kind: str):
    """Register `fn(stack, links) -> objects` as the config section of `kind`."""
    def register(fn: Callable) -> Callable:
        SECTIONS[kind] = fn
        return fn
    return register


@call
def config(stack) -> list[dict]:
    """Plain objects ``{"kind": ..., ...}`` in order; keys equal to what a fresh object gets
    are left out (docs/stack-api.md).  Links no command can make (a pair end whose peer
    belongs to another stack) are left out with everything on them."""
    links = [link for link in links_in_order(stack) if link.in_config()]
    return [{"kind": kind, **obj} for kind, fn in SECTIONS.items() for obj in fn(stack, links)]


def _fresh_mtu(link) -> int:
    """The MTU a new link of this type gets: its constructor's default."""
    param = inspect.signature(type(link).__init__).parameters.get("mtu")
    return param.default if param is not None and isinstance(param.default, int) else 1500


@section("link")
def _links(stack, links: list) -> Iterator[dict]:
    for link in links:
        obj = {"ifname": link.name, "link_kind": link.kind}
        if link.made_by is not None:                 # None: the link exists by itself (lo)
            obj.update(link.config_options())
        if link.has_mac:
            obj["address"] = mac_to_str(link.mac)    # random when made: always part of it
        if link.mtu != _fresh_mtu(link):
            obj["mtu"] = link.mtu
        mode = stack.ipv6.conf(link)["addr_gen_mode"]
        if mode in (addrgen.NONE, addrgen.RANDOM):      # stable_secret: its sysctl sets the mode
            obj["addrgenmode"] = addrgen.MODES[mode]    # before up: the link-local is made then
        if link.admin_up != link.starts_up:
            obj["up"] = link.admin_up
        if link.txqlen != DEFAULT_TXQLEN:
            obj["txqlen"] = link.txqlen
        if link.promisc:
            obj["promisc"] = True
        if link.noarp and not link.iff_loopback:
            obj["arp"] = False
        yield obj


@section("address")
def _addresses(stack, links: list) -> Iterator[dict]:
    for link in links:
        for fam in families():
            addrs = {(ifa.address, ifa.prefixlen): ifa for ifa in fam.addresses_in_creation_order(link)}
            for address, prefixlen in fam.fixed_addresses(link):
                if (address, prefixlen) in addrs:
                    del addrs[(address, prefixlen)]
                else:                                   # taken away: say so
                    yield {"dev": link.name, "family": fam.name, "local": fam.addr_to_str(address),
                           "prefixlen": prefixlen, "absent": True}
            for (address, prefixlen), ifa in addrs.items():
                yield {"dev": link.name, "family": fam.name, "local": fam.addr_to_str(address),
                       "prefixlen": prefixlen, **fam.address_options(ifa)}


@section("neighbour")
def _neighbours(stack, links: list) -> Iterator[dict]:
    from ..l2.neigh import PERMANENT
    kept = {id(link) for link in links}
    for fam in families():
        entries = [e for e in fam.neighbours(stack).entries.values()
                   if e.state is PERMANENT and id(e.link) in kept]
        for entry in sorted(entries, key=lambda e: (e.link.index, e.addr)):
            yield {"dev": entry.link.name, "dst": fam.addr_to_str(entry.addr),
                   "lladdr": mac_to_str(entry.lladdr)}


@section("sysctl")
def _sysctls(stack, links: list) -> Iterator[dict]:
    from .sysctl import changed
    yield from changed(stack)


@section("rule")
def _rules(stack, links: list) -> Iterator[dict]:
    """Rules a fresh stack lacks, and default rules taken away (written as deletions)."""
    for fam in families():
        rules = fam.fib(stack).rules
        for priority, table in rules.defaults_missing():
            yield {"family": fam.name, "priority": priority, "table": fam.table_name(table),
                   "absent": True}
        for rule in rules.rules:
            if not rules.is_default(rule):
                yield {"family": fam.name, **rule.to_dict()}


@section("route")
def _routes(stack, links: list) -> Iterator[dict]:
    """Routes a user made (not those addresses or routers bring), table by table, through
    kept links."""
    kept = {id(link) for link in links}
    for fam in families():
        fib = fam.fib(stack)
        for table_id in sorted(fib.tables):
            for route in fib.routes(table_id):
                through = [route.link] if route.link is not None else [nh.link for nh in route.nexthops]
                if route.protocol in ("kernel", "ra") or any(id(link) not in kept for link in through):
                    continue
                row = route.to_dict(details=True)
                row["table"] = fam.table_name(table_id)
                yield {"family": fam.name, **row}
