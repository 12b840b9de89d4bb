"""Router Advertisements (RFC 4861 6.3.4) and stateless address autoconfiguration (RFC 4862
5.5.3): a default route through each advertising router, on-link prefixes, and an
address (EUI-64 or RFC 7217, stack/l3/addrgen.py) in each autonomous /64 prefix, all with the lifetimes the router gave.

A link takes them as net.ipv6.conf.DEV.accept_ra says (`accepts_ra`); `check` is the decision the
receive path and the trace explainer share.  After its link-local address passes DAD, a
link sends up to `router_solicitations` Router Solicitations, `rtr_solicit_interval` apart,
until an advertisement comes.  Interface ids as addr_gen_mode says (stack/l3/addrgen.py).
Not yet: the MTU option, route information options, temporary addresses, sending RAs.
"""
from __future__ import annotations

from ..packet import Packet
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from ..l2.ndp import common_check, lladdr_option, options
from . import addrgen
from .addrconf import PREFIX_ROUTE_METRIC, Route6, is_link_local
from .fibfamily import INET6_FIB
from .route import RT_TABLE_MAIN

DEFAULT_ROUTE_METRIC = 1024         # IP6_RT_PRIO_USER: a router's default route
RA_HEADER_LEN = 16
PREFIX_OPTION_LEN = 32
TWO_HOURS = 7200.0
INFINITE = 0xFFFFFFFF
PREFERENCES = {0: "medium", 1: "high", 2: "medium", 3: "low"}      # 10 is reserved: medium
FLAG_ON_LINK = 0x80
FLAG_AUTONOMOUS = 0x40


def accepts_ra(ipv6, link) -> bool:
    """ipv6_accept_ra: accept_ra 1 while not forwarding, 2 even while forwarding, 0 never."""
    accept_ra = ipv6.conf(link)["accept_ra"]
    forwarding = ipv6.forwarding or ipv6.conf(link)["forwarding"]
    return accept_ra == 2 if forwarding else accept_ra > 0


def check(pkt: Packet, ignore: bool):
    """RFC 4861 6.1.2 for a Router Advertisement: a drop reason, or its options (`ignore`:
    accept_ra says no)."""
    buf, off, net = pkt.buf, pkt.data, pkt.network
    reason = common_check(pkt, RA_HEADER_LEN)
    if reason is not None:
        return reason
    if not is_link_local(buf[net + 8:net + 24]):
        return "IPV6_NDISC_RA_SOURCE"
    found = options(buf, off + RA_HEADER_LEN, pkt.tail)
    if type(found) is str:
        return found
    if ignore:
        return "IPV6_NDISC_RA_IGNORED"          # accept_ra 0, or 1 on a router
    return found


def _lifetime(now: float, seconds: int) -> float | None:
    return None if seconds == INFINITE else now + seconds


class RouterDiscovery:
    def __init__(self, stack):
        self.stack = stack
        self.autoconf = True                    # net.ipv6.conf.default.autoconf
        self.router_solicitations = 3
        self.rtr_solicit_interval = 4.0
        self.advertised: set = set()            # links an RA came on (no more solicitations)
        self.timers: dict[int, object] = {}     # id(route) -> its expiry timer
        stack.icmp6.handlers[wire.ROUTER_ADVERT] = self.receive
        stack.icmp6.explainers[wire.ROUTER_ADVERT] = self.explain_receive

    # --- router solicitation ------------------------------------------------------
    def start_soliciting(self, link, src: bytes) -> None:
        """The link-local passed DAD (addrconf_dad_completed): ask for routers."""
        if link.iff_loopback or link in self.advertised or not accepts_ra(self.stack.ipv6, link):
            return
        self._solicit(link, src, self.router_solicitations)

    def _solicit(self, link, src: bytes, left: int) -> None:
        if left <= 0 or link in self.advertised or not link.admin_up or link.stack is not self.stack:
            return
        self.stack.ndp.solicit_router(link, src)
        self.stack.timers.arm(self.stack.now() + self.rtr_solicit_interval, self._solicit, link, src,
                               left - 1, name="rs")

    # --- receive (ndisc_router_discovery) ---------------------------------------------
    def receive(self, pkt: Packet) -> None:
        stack = self.stack
        found = check(pkt, not accepts_ra(stack.ipv6, pkt.link))
        if type(found) is str:
            stack.drop(found)
            return
        buf, off, link = pkt.buf, pkt.data, pkt.link
        router = bytes(buf[pkt.network + 8:pkt.network + 24])
        self.advertised.add(link)
        hop_limit, flags = buf[off + 4], buf[off + 5]
        lifetime = (buf[off + 6] << 8) | buf[off + 7]
        reachable = int.from_bytes(buf[off + 8:off + 12], "big")
        retrans = int.from_bytes(buf[off + 12:off + 16], "big")
        params = stack.ndp.table.params
        if reachable and reachable / 1000.0 != params.base_reachable_time:
            params.base_reachable_time = reachable / 1000.0
            stack.ndp.table.reachable_time = stack.ndp.table._random_reachable()
        if retrans:
            params.retrans_time = retrans / 1000.0
        lladdr = lladdr_option(buf, found, wire.ND_OPT_SOURCE_LL_ADDR)
        rec = stack.trace_rec
        if rec is not None:
            rec.sending_begin()             # what the entry releases is not this packet's fate
        try:
            if lladdr is not None:
                entry = stack.ndp.table.confirm(link, router, lladdr, reachable=False, create=True)
                if entry is not None:
                    stack.ndp.table.routers.add(entry.key)
        finally:
            if rec is not None:
                rec.sending_end()
        self._default_router(link, router, lifetime, PREFERENCES[(flags >> 3) & 3], hop_limit)
        for pos, length in found.get(wire.ND_OPT_PREFIX_INFO, []):
            if length == PREFIX_OPTION_LEN:
                self._prefix(link, buf, pos)

    def _find(self, link, network: int, prefixlen: int, gateway) -> Route6 | None:
        for route in self.stack.ipv6.fib.routes(RT_TABLE_MAIN):
            if route.link is link and route.network == network and route.prefixlen == prefixlen \
                    and route.gateway == gateway and getattr(route, "expires_at", None) is not None:
                return route
        return None

    def _default_router(self, link, router: bytes, lifetime: int, pref: str, hop_limit: int) -> None:
        route = self._find(link, 0, 0, router)
        if lifetime == 0:
            if route is not None:
                self._remove(route)
            return
        if route is None:
            route = Route6(0, 0, link, gateway=router, protocol="ra", metric=DEFAULT_ROUTE_METRIC,
                           scope="global", clock=self.stack.now)
            self._install(route)
        route.pref, route.hoplimit = pref, hop_limit
        self._expire_at(route, self.stack.now() + lifetime)

    def _prefix(self, link, buf, pos: int) -> None:
        """One Prefix Information option (RFC 4862 5.5.3)."""
        now = self.stack.now()
        prefixlen, flags = buf[pos + 2], buf[pos + 3]
        valid = int.from_bytes(buf[pos + 4:pos + 8], "big")
        preferred = int.from_bytes(buf[pos + 8:pos + 12], "big")
        if prefixlen > 128:
            return
        prefix = INET6_FIB.from_int(int.from_bytes(buf[pos + 16:pos + 32], "big") & INET6_FIB.mask(prefixlen))
        if is_link_local(prefix) or preferred > valid:
            return
        if flags & FLAG_ON_LINK:
            self._on_link(link, prefix, prefixlen, valid, now)
        if flags & FLAG_AUTONOMOUS and self.autoconf and self.stack.ipv6.conf(link)["autoconf"] \
                and prefixlen == 64 and link.has_mac:
            made = addrgen.interface_id(self.stack.ipv6, link, prefix)
            if made is not None:
                self._autoconfigure(link, prefix[:8] + made[0], valid, preferred, now, made[1])

    def _on_link(self, link, prefix: bytes, prefixlen: int, valid: int, now: float) -> None:
        network = int.from_bytes(prefix, "big")
        route = self._find(link, network, prefixlen, None)
        if valid == 0:
            if route is not None:
                self._remove(route)
            return
        if route is None:
            if any(r.link is link and r.network == network and r.prefixlen == prefixlen and r.gateway is None
                   for r in self.stack.ipv6.fib.routes(RT_TABLE_MAIN)):
                return                          # an address's own prefix route: it stays as it is
            route = Route6(network, prefixlen, link, metric=PREFIX_ROUTE_METRIC, clock=self.stack.now)
            self._install(route)
        self._expire_at(route, _lifetime(now, valid))

    def _autoconfigure(self, link, address: bytes, valid: int, preferred: int, now: float,
                       dad_count: int = 0) -> None:
        ipv6 = self.stack.ipv6
        ifa = ipv6.local.get(address)
        if ifa is None:
            if valid == 0:
                return
            ifa = ipv6.addr_add(link, address, 64, with_prefix_route=False)
            ifa.slaac = ifa.mngtmpaddr = True
            ifa.stable_privacy = ipv6.conf(link)["addr_gen_mode"] >= addrgen.STABLE_SECRET
            ifa.dad_count = dad_count
            valid_until = _lifetime(now, valid)
        elif not ifa.slaac:
            return                              # configured by hand: a router does not change it
        else:                                   # RFC 4862 5.5.3 (e): the two-hour rule
            valid_until = ifa.valid_until
            remaining = None if valid_until is None else valid_until - now
            if valid == INFINITE or valid > TWO_HOURS or (remaining is not None and valid > remaining):
                valid_until = _lifetime(now, valid)
            elif remaining is None or remaining > TWO_HOURS:
                valid_until = now + TWO_HOURS
        ipv6.set_lifetimes(ifa, valid_until, _lifetime(now, preferred))

    def link_down(self, link) -> None:
        """What routers said of a link holds no more: its learnt routes and addresses go."""
        self.advertised.discard(link)
        for route in [r for r in self.stack.ipv6.fib.routes(RT_TABLE_MAIN)
                      if r.link is link and getattr(r, "expires_at", None) is not None]:
            self._remove(route)
        for ifa in [i for i in self.stack.ipv6.addresses(link) if i.slaac]:
            self.stack.ipv6.addr_del(link, ifa.address, ifa.prefixlen)

    # --- route lifetimes --------------------------------------------------------------
    def _install(self, route: Route6) -> None:
        self.stack.ipv6.fib.add(route)

    def _expire_at(self, route: Route6, when: float | None) -> None:
        route.expires_at = when
        timer = self.timers.pop(id(route), None)
        if timer is not None:
            timer.cancel()
        if when is not None:
            self.timers[id(route)] = self.stack.timers.arm(when, self._remove, route, name="ra-route")
        self.stack.ipv6.fib.flush_cache()

    def _remove(self, route: Route6) -> None:
        timer = self.timers.pop(id(route), None)
        if timer is not None:
            timer.cancel()
        self.stack.ipv6.fib.remove(lambda r: r is route)

    # --- trace ------------------------------------------------------------------------
    def explain_receive(self, rec, pkt: Packet, what: str) -> str | None:
        found = check(pkt, not accepts_ra(self.stack.ipv6, pkt.link))
        buf, off = pkt.buf, pkt.data
        if type(found) is str:
            words = {"IPV6_NDISC_HOP_LIMIT": f"hop limit {buf[pkt.network + 7]}, not 255",
                     "IPV6_NDISC_BAD_CODE": f"code {buf[off + 1]}, not 0",
                     "PKT_TOO_SMALL": f"{pkt.tail - off} bytes: shorter than {RA_HEADER_LEN}",
                     "IPV6_NDISC_RA_SOURCE": "its source is not a link-local address",
                     "IPV6_NDISC_BAD_OPTIONS": "an option with length 0 or past the message",
                     "IPV6_NDISC_RA_IGNORED": "accept_ra says no (0, or 1 while forwarding)"}
            rec.step("ndisc", f"{what}: {words[found]}")
            return found
        lifetime = (buf[off + 6] << 8) | buf[off + 7]
        prefixes = len(found.get(wire.ND_OPT_PREFIX_INFO, []))
        rec.step("ndisc", f"{what} from {ipwire.addr_to_str(buf[pkt.network + 8:pkt.network + 24])}: "
                          f"router lifetime {lifetime} s, {prefixes} prefix option{'s' if prefixes != 1 else ''}")
        return None
