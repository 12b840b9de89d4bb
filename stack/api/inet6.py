"""The IPv6 family adapter: addresses on links (stack/l3/addrconf.py), the NDP neighbour
table, the IPv6 FIB (the same tables as IPv4's: local, main, default)."""
from __future__ import annotations

from ..l3.addrconf import LOOPBACK, link_local_address, trie_order
from ..wire.ipv6 import addr_to_str
from ..errors import StackError, rtnetlink
from ..l3.route import LOCAL, UNICAST
from .family import register_family
from .inet import Inet
from .link import find_link
from .registry import call
from .route import decision_row
from .sysctl import ALL, DEFAULT, Sysctl, _attr, register_sysctl


class Inet6(Inet):
    name = "inet6"
    address_length = 16
    max_prefixlen = 128
    kernel_name = "ipv6"

    def addr_to_str(self, address: bytes) -> str:
        return addr_to_str(address)

    def addresses(self, link) -> list:
        return link.stack.ipv6.addresses(link) if link.stack is not None else []

    def addr_add(self, stack, link, address: bytes, prefixlen: int, **options) -> None:
        if set(options) - {"nodad", "valid_lft", "preferred_lft"}:
            raise StackError("brd, scope and label are taken for IPv4 addresses only (so far)")
        stack.ipv6.addr_add(link, address, prefixlen, **options)

    def addr_del(self, stack, link, address: bytes, prefixlen: int | None) -> None:
        stack.ipv6.addr_del(link, address, prefixlen)

    def neighbours(self, stack):
        return stack.ndp.table

    def routes(self, stack, table_id: int) -> list:
        return sorted(stack.ipv6.fib.routes(table_id), key=trie_order)

    def fib(self, stack):
        return stack.ipv6.fib

    def is_local(self, stack, address: bytes) -> bool:
        return address in stack.ipv6.local

    def address_type(self, stack, address: bytes) -> str:
        return LOCAL if address in stack.ipv6.local else UNICAST

    def route_get(self, stack, dst: bytes, src, iif, oif, mark: int) -> dict:
        """The decision route output makes for a flow, as `ip -6 -j route get` words it."""
        if iif is not None:
            raise StackError("route get iif is not supported for IPv6 yet")
        fib = stack.ipv6.fib
        decided = fib.decide(dst, oif, src, None, mark, 0)
        if decided.error is not None:
            raise rtnetlink(decided.error)
        route = decided.route
        prefsrc = None
        if src is None:
            link = stack.loopback if route.type == LOCAL else route.link
            prefsrc = route.prefsrc or stack.ipv6.source_for(link, dst)
        return decision_row(self, route, dst, src, prefsrc, self._dev(stack, route), route.type,
                            None, mark, self._table(fib, route))

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        """What bringing a link up gives it: ::1 on loopback, the EUI-64 link-local on Ethernet."""
        if not link.admin_up or link in link.stack.ipv6.disabled:
            return []
        if link.iff_loopback:
            return [(LOOPBACK, 128)]
        if not link.has_mac or link in link.stack.ipv6.no_link_local:
            return []
        return [(link_local_address(link.mac), 64)]

    def addresses_in_creation_order(self, link) -> list:
        """Those configured (not what SLAAC made), in the order they were added."""
        return sorted((ifa for ifa in self.addresses(link) if not ifa.slaac), key=lambda ifa: ifa.serial)

    def address_options(self, ifa) -> dict:
        """nodad, and the lifetimes left (`ip addr add ... valid_lft N preferred_lft N`)."""
        options = {"nodad": True} if ifa.nodad else {}
        if ifa.valid_until is not None:
            options["valid_lft"] = ifa.remaining(ifa.valid_until)
        if ifa.preferred_until is not None and ifa.preferred_until != ifa.valid_until:
            options["preferred_lft"] = ifa.remaining(ifa.preferred_until)
        return options


INET6 = register_family(Inet6())


ADDR_GEN_MODES = ("eui64", "none")         # addr_gen_mode 0 and 1 (`ip link set DEV addrgenmode`)


@call
def inet6_conf(stack, dev: str, disable_ipv6: bool | None = None,
               addr_gen_mode: str | None = None) -> dict:
    """Per-link IPv6 settings as net.ipv6.conf.DEV.* names them (set what is given); returns them.
    addr_gen_mode none: no link-local is made when the link comes up (one made stays, as in Linux)."""
    link = find_link(stack, dev)
    if addr_gen_mode is not None and addr_gen_mode not in ADDR_GEN_MODES:
        raise StackError(f'addrgenmode "{addr_gen_mode}": one of {", ".join(ADDR_GEN_MODES)}')
    if disable_ipv6 is not None:
        stack.ipv6.set_disabled(link, bool(disable_ipv6))
    if addr_gen_mode == "none":
        stack.ipv6.no_link_local.add(link)
    elif addr_gen_mode == "eui64":
        stack.ipv6.no_link_local.discard(link)
    return {"disable_ipv6": int(link in stack.ipv6.disabled),
            "addr_gen_mode": "none" if link in stack.ipv6.no_link_local else "eui64"}


def _disable_get(stack, scope) -> int:
    ipv6 = stack.ipv6
    if scope == ALL:
        return int(ipv6.all_disabled)
    if scope == DEFAULT:
        return int(ipv6.default_disabled)
    return int(scope in ipv6.disabled)


def _disable_set(stack, scope, value: int) -> None:
    ipv6 = stack.ipv6
    if scope == ALL:
        ipv6.set_all_disabled(bool(value))
    elif scope == DEFAULT:
        ipv6.default_disabled = bool(value)
    else:
        ipv6.set_disabled(scope, bool(value))


register_sysctl(Sysctl("net.ipv6.conf.{dev}.disable_ipv6", _disable_get, _disable_set, 0, 0, 1))

# IPv6 reassembly (stack/l3/ipv6_frag.py): a queue's life in seconds, and the memory bound
register_sysctl(Sysctl("net.ipv6.ip6frag_time", *_attr("ip6frag.reasm.timeout", float), 60))
register_sysctl(Sysctl("net.ipv6.ip6frag_high_thresh", *_attr("ip6frag.reasm.high_thresh"), 4 * 1024 * 1024))
