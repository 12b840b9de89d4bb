"""The IPv6 family adapter: addresses on links (stack/l3/addrconf.py), the NDP neighbour
table, the IPv6 FIB (the same tables as IPv4's: local, main, default)."""
from __future__ import annotations

from dataclasses import replace

from ..l3.addrconf import (LOOPBACK, UNSPECIFIED, USER_ROUTE_METRIC, Route6, is_link_local,
                           is_multicast, link_local_address, trie_order)
from ..wire.ipv6 import addr_to_str
from ..errors import NetlinkError, StackError, rtnetlink
from ..l3.route import ERRORS, LOCAL, NO_ROUTE, RT_TABLE_DEFAULT, RT_TABLE_MAIN, UNICAST, Nexthop, table_text
from .family import register_family
from .inet import Inet
from .link import find_link
from .registry import call
from .route import with_pmtu
from ..l3 import addrgen
from ..l3.addrconf import LINK_LOCAL_PREFIX
from .sysctl import ALL, DEFAULT, Sysctl, _attr, register_sysctl


class Inet6(Inet):
    name = "inet6"
    address_length = 16
    max_prefixlen = 128
    kernel_name = "ipv6"
    invalid_prefsrc = "Invalid source address."

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

    def table_ids(self, stack, table: str) -> list[int]:
        """`table all` in the kernel's fib6 dump order: by the table hash (id & 0xFF)."""
        fib = stack.ipv6.fib
        present = [t for t in fib.tables if t != RT_TABLE_DEFAULT or fib.tables[t].size]
        if table == "all":
            return sorted(present, key=lambda t: (t & 0xFF, t))
        if self.table_id(table) not in present:      # no default table unless routes made one
            raise NetlinkError(f"{self.kernel_name}: FIB table does not exist.")
        return super().table_ids(stack, table)

    def new_route(self, **fields) -> Route6:
        """ip6_route_info_create: a metric of 0 is IP6_RT_PRIO_USER (1024)."""
        fields["metric"] = fields.get("metric") or USER_ROUTE_METRIC
        return Route6(**fields)

    joins_nexthops = True

    @staticmethod
    def _hops(route) -> tuple:
        return route.nexthops or (Nexthop(route.link, route.gateway, 1, onlink=route.onlink),)

    @staticmethod
    def _ecmp(route) -> bool:
        """rt6_qualify_for_ecmp: a unicast route through a gateway, not one a router gave."""
        return route.type == UNICAST and route.protocol != "ra" and all(
            nh.gateway is not None for nh in Inet6._hops(route))

    def joined(self, old, new):
        if not (self._ecmp(old) and self._ecmp(new)):
            return None
        hops = self._hops(old)
        added = self._hops(new)
        if any((h.gateway, h.link) == (a.gateway, a.link) for h in hops for a in added):
            raise rtnetlink("EEXIST")                     # rt6_duplicate_nexthop
        return self._with_hops(old, hops + added)

    def without_nexthop(self, route, gateway: bytes, link):
        hops = tuple(nh for nh in route.nexthops
                     if not (nh.gateway == gateway and (link is None or nh.link is link)))
        if len(hops) == len(route.nexthops):
            raise rtnetlink("ESRCH")
        return self._with_hops(route, hops)

    @staticmethod
    def _with_hops(route, hops: tuple):
        """The route with these next hops: one is a plain route again."""
        if len(hops) == 1:
            hop = hops[0]
            return replace(route, link=hop.link, gateway=hop.gateway, onlink=hop.onlink, nexthops=(),
                           legs=(), parent=None, upper_bound=0)
        return replace(route, link=None, gateway=None, onlink=False, nexthops=hops, legs=(),
                       parent=None, upper_bound=0)

    def check_nexthop(self, stack, fib, gateway: bytes | None, dev: str | None, onlink: bool,
                      scope: str, table: int, weight: int = 1) -> Nexthop:
        """fib6_nh_init and ip6_validate_gw: a link-local gateway needs `dev`; another must
        be reached by a route with no gateway (through `dev` if given), unless `onlink`;
        our own address is no gateway; the link must be up."""
        link = find_link(stack, dev) if dev else None
        if onlink and link is None:
            raise NetlinkError("Nexthop device required for onlink.")
        if gateway is not None:
            if len(gateway) != 16:
                raise StackError("the gateway is not of the route's family")
            if is_multicast(gateway) or gateway == UNSPECIFIED:
                raise NetlinkError("Invalid gateway address.")
            if link is not None and gateway in stack.ipv6.local:
                raise NetlinkError("Gateway can not be a local address.")
            if onlink:
                found = fib.tables[table].lookup(int.from_bytes(gateway, "big"), None) \
                    if table in fib.tables else None
                if found is not None and found.type not in ERRORS and found.prefixlen \
                        and (found.type != UNICAST or found.link is not link):
                    raise NetlinkError("Nexthop has invalid gateway or device mismatch.")
            elif not is_link_local(gateway):
                link = self._gateway_link(stack, fib, gateway, link, table)
            if link is None:
                raise NetlinkError("Egress device not specified.")
            if link.iff_loopback:
                raise NetlinkError("Egress device can not be loopback device for this route.")
            if gateway in stack.ipv6.local:
                raise NetlinkError("Gateway can not be a local address.")
        if link is None:
            raise rtnetlink("ENODEV")
        if not link.admin_up:
            raise NetlinkError("Nexthop device is not up.")
        return Nexthop(link, gateway, weight, onlink=onlink and gateway is not None)

    @staticmethod
    def _gateway_link(stack, fib, gateway: bytes, link, table: int):
        """ip6_route_check_nh: the route's own table first, then the rules; the route found
        must be neither a refusal nor through a gateway, and through `link` if one is given
        (No route to host otherwise)."""
        def direct(found) -> bool:
            return (found is not None and found.type not in ERRORS and found.gateway is None
                    and found.link is not None and (link is None or found.link is link))
        found = fib.tables[table].lookup(int.from_bytes(gateway, "big"), link) \
            if table in fib.tables else None
        if not direct(found):
            found = fib.decide(gateway, link).route
        if not direct(found):
            raise rtnetlink("EHOSTUNREACH")
        return found.link

    def route_get(self, stack, dst: bytes, src, iif, oif, mark: int) -> dict:
        """The decision route output (or, with `iif`, route input: the function the data
        path calls) makes for a flow, as `ip -6 -j route get` words it."""
        fib = stack.ipv6.fib
        if iif is not None:
            _decision, route = stack.ipv6.route_input(src or UNSPECIFIED, dst, iif)
            if route is None:
                raise rtnetlink(NO_ROUTE)
        else:
            decided = fib.decide(dst, oif, src, None, mark, 0)
            if decided.error is not None:
                raise rtnetlink(decided.error)
            route = decided.route
        if route.type in ERRORS:
            raise rtnetlink(ERRORS[route.type])
        prefsrc = None
        if iif is None:
            link = stack.loopback if route.type == LOCAL else route.link
            prefsrc = src or route.prefsrc or stack.ipv6.source_for(link, dst)
        row = decision_row6(route, dst, src, prefsrc, iif)
        redirected = stack.ipv6.redirects.gateway(dst, route.link) if iif is None else None
        if redirected is not None and "gateway" in row:
            row["gateway"] = addr_to_str(redirected)      # Linux shows only the new gateway
        return with_pmtu(row, stack.ipv6.pmtu.remaining(dst))

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        """What bringing a link up gives it: ::1 on loopback, the EUI-64 link-local on Ethernet."""
        if not link.admin_up or link in link.stack.ipv6.disabled:
            return []
        if link.iff_loopback:
            return [(LOOPBACK, 128)]
        made = addrgen.interface_id(link.stack.ipv6, link, LINK_LOCAL_PREFIX)
        return [] if made is None else [(LINK_LOCAL_PREFIX + made[0], 64)]

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


def decision_row6(route, dst: bytes, src, prefsrc, iif) -> dict:
    """`ip -6 -j route get`'s row, key for key: `from ::` unless given, the route's own keys
    (a multipath route's leg: its gateway and link), `iif` for an input decision."""
    whole = route.whole
    row = {"type": route.type} if route.type != UNICAST else {}
    row["dst"] = addr_to_str(dst)
    row["from"] = addr_to_str(src or UNSPECIFIED)
    if route.gateway is not None:
        row["gateway"] = addr_to_str(route.gateway)
    row["dev"] = "lo" if route.type == LOCAL or route.link is None else route.link.name
    if route.table != RT_TABLE_MAIN:
        row["table"] = table_text(route.table)
    if whole.protocol != "boot":
        row["protocol"] = whole.protocol
    if prefsrc is not None:
        row["prefsrc"] = addr_to_str(prefsrc)
    row["metric"] = whole.metric
    row["flags"] = []
    if whole.mtu:
        row["metrics"] = [{"mtu": whole.mtu}]
    if iif is not None:
        row["iif"] = iif.name
    row["pref"] = getattr(whole, "pref", "medium")
    return row


ADDR_GEN_MODES = addrgen.MODES          # addr_gen_mode 0..3 (`ip link set DEV addrgenmode`)


@call
def inet6_conf(stack, dev: str, disable_ipv6: bool | None = None,
               addr_gen_mode: str | None = None) -> dict:
    """Per-link IPv6 settings as net.ipv6.conf.DEV.* names them (set what is given); returns them.
    addr_gen_mode says how the link-local is made when the link comes up (one made stays, as in
    Linux); stable_secret needs net.ipv6.conf.{DEV,default}.stable_secret set first."""
    link = find_link(stack, dev)
    if addr_gen_mode is not None and addr_gen_mode not in ADDR_GEN_MODES:
        raise StackError(f'addrgenmode "{addr_gen_mode}": one of {", ".join(ADDR_GEN_MODES)}')
    if disable_ipv6 is not None:
        stack.ipv6.set_disabled(link, bool(disable_ipv6))
    if addr_gen_mode is not None:
        mode = ADDR_GEN_MODES.index(addr_gen_mode)
        if mode == addrgen.STABLE_SECRET and addrgen.secret_of(stack.ipv6, link) is None:
            raise StackError("addrgenmode stable_secret: set net.ipv6.conf.DEV.stable_secret "
                             "(or .default.) first: Invalid argument")
        stack.ipv6.conf(link)["addr_gen_mode"] = mode
    return {"disable_ipv6": int(link in stack.ipv6.disabled),
            "addr_gen_mode": ADDR_GEN_MODES[stack.ipv6.conf(link)["addr_gen_mode"]]}


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


def _forwarding_get(stack, scope) -> int:
    ipv6 = stack.ipv6
    if scope == ALL:
        return ipv6.conf_all["forwarding"]
    if scope == DEFAULT:
        return ipv6.conf_default["forwarding"]
    return ipv6.conf(scope)["forwarding"]


def _forwarding_set(stack, scope, value: int) -> None:
    ipv6 = stack.ipv6
    if scope == ALL:
        ipv6.forwarding = value                 # all, default and every link (as Linux)
    elif scope == DEFAULT:
        ipv6.conf_default["forwarding"] = int(value)
    else:
        ipv6.set_link_forwarding(scope, int(value))
    ipv6.fib.flush_cache()


register_sysctl(Sysctl("net.ipv6.conf.{dev}.forwarding", _forwarding_get, _forwarding_set, 0, 0, 1,
                       cascades=True))
register_sysctl(Sysctl("net.ipv6.route.mtu_expires",
                       lambda stack, scope: int(stack.ipv6.pmtu.expires),
                       lambda stack, scope, value: setattr(stack.ipv6.pmtu, "expires", int(value)),
                       600))

# IPv6 reassembly (stack/l3/ipv6_frag.py): a queue's life in seconds, and the memory bound
register_sysctl(Sysctl("net.ipv6.ip6frag_time", *_attr("ip6frag.reasm.timeout", float), 60))
register_sysctl(Sysctl("net.ipv6.ip6frag_high_thresh", *_attr("ip6frag.reasm.high_thresh"), 4 * 1024 * 1024))


# --- net.ipv6.conf.DEV.* kept in IPv6's devconf dicts --------------------------------

def _conf_row(key: str):
    def get(stack, scope):
        ipv6 = stack.ipv6
        return (ipv6.conf_all if scope == ALL else ipv6.conf_default if scope == DEFAULT
                else ipv6.conf(scope))[key]

    def set(stack, scope, value):
        ipv6 = stack.ipv6
        (ipv6.conf_all if scope == ALL else ipv6.conf_default if scope == DEFAULT
         else ipv6.conf(scope))[key] = value
    return get, set


register_sysctl(Sysctl("net.ipv6.conf.{dev}.accept_ra", *_conf_row("accept_ra"), 1, 0, 2))
register_sysctl(Sysctl("net.ipv6.conf.{dev}.autoconf", *_conf_row("autoconf"), 1, 0, 1))
register_sysctl(Sysctl("net.ipv6.conf.{dev}.accept_redirects", *_conf_row("accept_redirects"), 1, 0, 1))
register_sysctl(Sysctl("net.ipv6.conf.{dev}.addr_gen_mode", *_conf_row("addr_gen_mode"), 0, 0, 3))


def _secret_get(stack, scope):
    secret = _conf_row("stable_secret")[0](stack, scope)
    if secret is None:                          # Linux: reading an unset secret is EIO
        raise StackError("sysctl: reading key: Input/output error")
    return addr_to_str(secret)


def _secret_set(stack, scope, value: bytes) -> None:
    """addrconf_sysctl_stable_secret: writing it turns the link (default: every link) to
    addr_gen_mode stable_secret; `all` has none."""
    ipv6 = stack.ipv6
    if scope == ALL:
        raise StackError("sysctl: setting key \"net.ipv6.conf.all.stable_secret\": Input/output error")
    _conf_row("stable_secret")[1](stack, scope, value)
    if scope == DEFAULT:
        ipv6.conf_default["addr_gen_mode"] = addrgen.STABLE_SECRET
        for conf in ipv6.devconf.values():
            conf["addr_gen_mode"] = addrgen.STABLE_SECRET
    else:
        ipv6.conf(scope)["addr_gen_mode"] = addrgen.STABLE_SECRET


def _parse_secret(text: str) -> bytes:
    from ..wire.ipv6 import addr_from_str
    return addr_from_str(text.strip())


register_sysctl(Sysctl("net.ipv6.conf.{dev}.stable_secret", _secret_get, _secret_set, None,
                       parse=_parse_secret))
