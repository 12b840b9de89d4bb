"""IPv6 receive (ipv6_rcv), local delivery, output (ip6_xmit) and the addresses of links.

Protocols register with `register(nexthdr, handler)`; a handler gets a Packet
whose data starts at its own header and whose `network` marks the IPv6 header.
Extension headers are walked by stack/l3/exthdrs.py, addresses and their
routes are stack/l3/addrconf.py's, neighbours and DAD messages stack/l2/ndp.py's.
"""
from __future__ import annotations

import random
from collections import Counter

from ..counters import Mib, counter_group
from ..errors import StackError
from ..link.notifier import NETDEV_CHANGEADDR, NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP
from ..netfilter.hooks import NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, \
    NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, HookPoints
from ..packet import Packet
from ..trace import handler_name
from ..wire import ipv6 as wire
from ..wire.ethernet import ETH_P_IPV6
from .addrconf import (ALL_NODES, ALL_ROUTERS, LOOPBACK, MULTICAST, UNSPECIFIED, Inet6Addr, insert_in_order,
                       is_link_local, is_multicast, local_route,
                       multicast_mac, multicast_route, prefix_route, solicited_node)
from . import addrgen
from .addrconf import LINK_LOCAL_PREFIX
from .exthdrs import EXTENSION_HEADERS, walk
from .pmtu import PmtuCache
from .reassembly import COMPLETE as REASM_COMPLETE
from .reassembly import QUEUED as REASM_QUEUED
from .route import BLACKHOLE, LOCAL, PROHIBIT, UNICAST, UNREACHABLE, Fib
from .rule import RuleList, rule_text

DEFAULT_HOP_LIMIT = 64
MIN_MTU = 1280

# Ip6 as /proc/net/snmp6 and nstat name it (without the "Ip6" they are shown after)
IP6_MIB = (
    "InReceives", "InHdrErrors", "InTooBigErrors", "InNoRoutes", "InAddrErrors",
    "InUnknownProtos", "InTruncatedPkts", "InDiscards", "InDelivers", "OutForwDatagrams",
    "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs",
    "ReasmFails", "FragOKs", "FragFails", "FragCreates", "InMcastPkts", "OutMcastPkts",
    "InOctets", "OutOctets", "InMcastOctets", "OutMcastOctets", "InBcastOctets",
    "OutBcastOctets", "InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts", "OutTransmits",
)
ECN_COUNTERS = ("InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts")

WALKED = EXTENSION_HEADERS | {wire.NEXTHDR_NONE}     # next headers local delivery must walk

# What route input decides for a received packet (besides a drop reason).
DELIVER_LOCAL = "local"
DELIVER_MULTICAST = "multicast"
FORWARD = "forward"

# Route input's refusals (ip6_pkt_discard, ip6_pkt_prohibit, dst_discard): the destination
# unreachable code each answers with (None: silent).  All but blackhole count InNoRoutes.
ICMPV6_NOROUTE, ICMPV6_ADM_PROHIBITED, ICMPV6_NOT_NEIGHBOUR = 0, 1, 2
ROUTE_REFUSALS = {
    "IP_INNOROUTES": ICMPV6_NOROUTE,            # no route (sent only while forwarding)
    "ROUTE_UNREACHABLE": ICMPV6_NOROUTE,        # an unreachable route or rule
    "ROUTE_PROHIBIT": ICMPV6_ADM_PROHIBITED,    # a prohibit route or rule
    "ROUTE_BLACKHOLE": None,                    # a blackhole route or rule: silent, uncounted
}
TYPE_REFUSALS = {UNREACHABLE: "ROUTE_UNREACHABLE", PROHIBIT: "ROUTE_PROHIBIT",
                 BLACKHOLE: "ROUTE_BLACKHOLE"}

# Per-link settings under net.ipv6.conf.{all,default,DEV} (stack/api/inet6.py names them).
# net.ipv6.conf.DEV.*: addr_gen_mode (stack/l3/addrgen.py), accept_ra and autoconf (ra.py),
# accept_redirects; stable_secret None while unset
DEVCONF_DEFAULTS = {"forwarding": 0, "addr_gen_mode": 0, "stable_secret": None, "accept_ra": 1,
                    "autoconf": 1, "accept_redirects": 1}


def validate(buf, off: int, end: int):
    """ipv6_rcv's checks of the fixed header: (drop reason, counter) or (total length,)."""
    if end - off < wire.HEADER_LEN:
        return "PKT_TOO_SMALL", "InHdrErrors"
    if buf[off] >> 4 != 6:
        return "IPV6_INHDR", "InHdrErrors"
    plen = (buf[off + 4] << 8) | buf[off + 5]
    if plen == 0 and buf[off + 6] == wire.NEXTHDR_HOP:
        return "IPV6_INHDR", "InHdrErrors"         # a jumbogram: not supported
    if wire.HEADER_LEN + plen > end - off:
        return "PKT_TOO_SMALL", "InTruncatedPkts"
    if buf[off + 8] == 0xFF:
        return "IPV6_INVALID_SOURCE", "InHdrErrors"     # a multicast source
    return (wire.HEADER_LEN + plen,)


class IPv6:
    """IPv6 in the kernel's stages, each with its netfilter hook point:

    receive:  validate -> PRE_ROUTING -> route input -> LOCAL_IN -> extension headers -> deliver
    output:   route output -> source -> header -> LOCAL_OUT -> POST_ROUTING -> fragments when
              longer than the MTU -> neighbour (or loopback, or a multicast MAC)

                                                     -> FORWARD -> POST_ROUTING -> neighbour

    Forwarding follows net.ipv6.conf.all.forwarding, as ip6_forward does; a link's own
    setting makes it a router on that link (all-routers joined, NA's router flag).
    Fragments are reassembled where the extension-header walk meets them and our own
    packets longer than the path MTU go out in fragments (stack/l3/ipv6_frag.py).
    """

    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Ip6", IP6_MIB)
        self.protos: dict[int, object] = {}
        self.fib = Fib(RuleList(bits=128), bits=128)
        self.hooks = HookPoints(stack, "ip6")
        self.nf_chain = self.hooks.chain
        self.local: dict[bytes, Inet6Addr] = {}        # every address of ours, tentative too
        self.addrs: dict[object, list[Inet6Addr]] = {}  # per link, in `ip -6 addr` order
        self.groups: dict[object, Counter] = {}        # per link: multicast groups joined
        self.conf_all = dict(DEVCONF_DEFAULTS)          # net.ipv6.conf.all
        self.conf_default = dict(DEVCONF_DEFAULTS)      # what a new link starts with
        self.devconf: dict[object, dict] = {}           # net.ipv6.conf.DEV, by link
        self.pmtu = PmtuCache(stack, MIN_MTU)           # path MTUs learned (stack/l3/pmtu.py)
        self.redirects = None                           # next hops redirected (stack/l3/redirect.py)
        self.disabled: set = set()                      # links with net.ipv6.conf.DEV.disable_ipv6=1
        self.all_disabled = False                       # net.ipv6.conf.all.disable_ipv6
        self.default_disabled = False                   # net.ipv6.conf.default: what new links get
        self.dad_transmits = 1                          # net.ipv6.conf.default.dad_transmits
        self.rtr_solicit_delay = 1.0
        stack.ethernet.register(ETH_P_IPV6, self.receive)
        stack.netdev.subscribe("ipv6", self.netdev_event)

    def register(self, nxt: int, handler) -> None:
        self.protos[nxt] = handler

    # --- forwarding settings (addrconf_fixup_forwarding) ---------------------------------
    def conf(self, link) -> dict:
        """The link's net.ipv6.conf.DEV settings."""
        found = self.devconf.get(link)
        if found is None:
            found = self.devconf[link] = dict(self.conf_default)
        return found

    @property
    def forwarding(self) -> bool:
        """net.ipv6.conf.all.forwarding: whether packets for other hosts are forwarded."""
        return bool(self.conf_all["forwarding"])

    @forwarding.setter
    def forwarding(self, value) -> None:
        """Writing conf.all.forwarding sets default and every link too."""
        value = int(value)
        self.conf_all["forwarding"] = self.conf_default["forwarding"] = value
        for link in list(self.stack.links.values()):
            self.set_link_forwarding(link, value)
        self.fib.flush_cache()

    def set_link_forwarding(self, link, value: int) -> None:
        """A link's forwarding: a router there joins all-routers (dev_forward_change)."""
        conf = self.conf(link)
        if bool(conf["forwarding"]) == bool(value):
            conf["forwarding"] = int(value)
            return
        conf["forwarding"] = int(value)
        if link.iff_loopback or link in self.disabled or not link.admin_up:
            return
        if value:
            self.join(link, ALL_ROUTERS)
        elif self.joined(link, ALL_ROUTERS):
            self.leave(link, ALL_ROUTERS)

    # --- link events (addrconf_notify) ----------------------------------------
    def netdev_event(self, event: str, link) -> None:
        if event == NETDEV_REGISTER:
            self.devconf[link] = dict(self.conf_default)
            if self.default_disabled:
                self.disabled.add(link)
        elif event == NETDEV_UP:
            self.link_up(link)
        elif event == NETDEV_DOWN:
            self.link_down(link)
            self.stack.ra.link_down(link)
        elif event == NETDEV_UNREGISTER:
            self.stack.radv.link_gone(link)
            self.remove_link(link)
            self.disabled.discard(link)
            self.devconf.pop(link, None)
        elif event == NETDEV_CHANGEADDR:
            pass                                        # Linux keeps the link-local it made
        self.fib.flush_cache()

    def set_disabled(self, link, disabled: bool) -> None:
        """disable_ipv6: a disabled link loses its IPv6 addresses and routes, takes no IPv6
        packet and sends none; enabled again, it is brought up as a link coming up is."""
        if disabled == (link in self.disabled):
            return
        if disabled:
            self.link_down(link)
            self.remove_link(link)
            self.disabled.add(link)
        else:
            self.disabled.discard(link)
            if link.admin_up:
                self.link_up(link)
        self.fib.flush_cache()

    def set_all_disabled(self, disabled: bool) -> None:
        """all.disable_ipv6: the default and every link take the value (addrconf_set_all_disable)."""
        self.all_disabled = self.default_disabled = disabled
        for link in list(self.stack.links.values()):
            self.set_disabled(link, disabled)

    def link_up(self, link) -> None:
        """Addresses come to life: ::1 on loopback, the EUI-64 link-local on Ethernet, all-nodes
        joined, and DAD for every address the link holds."""
        if link in self.disabled:
            return
        if link.iff_loopback:
            if LOOPBACK not in self.local:
                self.addr_add(link, LOOPBACK, 128, with_prefix_route=False).auto = True
            for ifa in self.addrs.get(link, []):
                self._dad_start(ifa)
            return
        self.join(link, ALL_NODES)
        if self.conf(link)["forwarding"]:
            self.join(link, ALL_ROUTERS)
        self.fib.add(multicast_route(link))
        self.stack.mld.link_up(link)
        self._add_link_local(link, 0)
        for ifa in self.addrs.get(link, []):
            self._dad_start(ifa)

    def _add_link_local(self, link, dad_count: int) -> None:
        made = addrgen.interface_id(self, link, LINK_LOCAL_PREFIX, dad_count)
        if made is None:
            return
        address = LINK_LOCAL_PREFIX + made[0]
        if address not in self.local:
            ifa = self.addr_add(link, address, 64)
            ifa.auto = True
            ifa.stable_privacy = self.conf(link)["addr_gen_mode"] >= addrgen.STABLE_SECRET
            ifa.dad_count = made[1]

    def link_down(self, link) -> None:
        """The link-local goes with the link; other addresses stay (keep_addr_on_down) but are
        tentative again, so DAD runs when the link comes back."""
        for ifa in list(self.addrs.get(link, [])):
            if ifa.auto:
                self.addr_del(link, ifa.address, ifa.prefixlen)
            else:
                self._make_tentative(ifa)
        if not link.iff_loopback:
            self.leave(link, ALL_NODES)
        self.fib.remove(lambda r: r.link is link and r.type == MULTICAST)

    def remove_link(self, link) -> None:
        for ifa in list(self.addrs.get(link, [])):
            self.addr_del(link, ifa.address, ifa.prefixlen)
        self.fib.remove(lambda r: r.link is link)
        self.addrs.pop(link, None)
        self.groups.pop(link, None)

    # --- multicast membership ----------------------------------------------------
    def join(self, link, group: bytes) -> None:
        joined = self.groups.setdefault(link, Counter())
        joined[group] += 1
        self.fib.flush_cache()
        if joined[group] == 1:
            self.stack.mld.joined(link, group)

    def leave(self, link, group: bytes) -> None:
        joined = self.groups.get(link)
        if joined is not None and joined[group] > 0:
            joined[group] -= 1
            if not joined[group]:
                del joined[group]
                self.stack.mld.left(link, group)
        self.fib.flush_cache()

    def joined(self, link, group: bytes) -> bool:
        joined = self.groups.get(link)
        return joined is not None and group in joined

    # --- addresses ---------------------------------------------------------------
    def addresses(self, link) -> list[Inet6Addr]:
        return self.addrs.get(link, [])

    def addr_add(self, link, address: bytes, prefixlen: int, nodad: bool = False,
                 with_prefix_route: bool = True, valid_lft: int | None = None,
                 preferred_lft: int | None = None) -> Inet6Addr:
        """A new address, tentative until DAD passes; its prefix route in main at once (a /128
        too, as Linux makes one; not for loopback's ::1).  Lifetimes in seconds, None: forever."""
        if link in self.disabled:
            raise StackError(f"IPv6 is disabled on {link.name} (disable_ipv6)")
        if valid_lft == 0:
            raise StackError("valid_lft must be more than 0")       # the kernel's EINVAL
        if preferred_lft is not None and preferred_lft > (0xFFFFFFFF if valid_lft is None else valid_lft):
            raise StackError("preferred_lft is greater than valid_lft")
        if is_multicast(address) or address == UNSPECIFIED:
            raise StackError(f"{wire.addr_to_str(address)} cannot be a link's address")
        if address == LOOPBACK and not link.iff_loopback:
            raise StackError("::1 belongs to the loopback link")
        owner = self.local.get(address)
        if owner is not None:
            if owner.link is link:
                raise StackError("Address already assigned.")
            raise StackError(f"{wire.addr_to_str(address)} is already on {owner.link.name}")
        ifa = Inet6Addr(address, prefixlen, link, nodad=nodad)
        ifa.clock = self.stack.now
        insert_in_order(self.addrs.setdefault(link, []), ifa)
        self.local[address] = ifa
        if with_prefix_route and not self._has_prefix_route(ifa):
            self.fib.add(prefix_route(ifa))
        if valid_lft is not None or preferred_lft is not None:
            now = self.stack.now()
            valid_until = None if valid_lft is None else now + valid_lft
            self.set_lifetimes(ifa, valid_until, valid_until if preferred_lft is None else now + preferred_lft)
        self.join(link, solicited_node(address))
        self._dad_start(ifa)
        return ifa

    def addr_del(self, link, address: bytes, prefixlen: int | None) -> None:
        for ifa in self.addrs.get(link, []):
            if ifa.address == address and (prefixlen is None or ifa.prefixlen == prefixlen):
                break
        else:
            raise StackError("Cannot assign requested address")
        self._cancel_dad(ifa)
        if ifa.expiry is not None:
            ifa.expiry.cancel()
        self.addrs[link].remove(ifa)
        del self.local[address]
        self.leave(link, solicited_node(address))
        self._remove_local_route(ifa)
        if not any(o.prefixlen == ifa.prefixlen and o.network == ifa.network for o in self.addrs[link]):
            self.fib.remove(lambda r: r.link is link and r.type != LOCAL and r.table != 255
                            and r.prefixlen == ifa.prefixlen and r.network == ifa.network
                            and r.gateway is None and getattr(r, "expires_at", None) is None)

    def set_lifetimes(self, ifa: Inet6Addr, valid_until: float | None,
                      preferred_until: float | None) -> None:
        """When the address stops being preferred (deprecated) and is removed (None: never)."""
        ifa.valid_until, ifa.preferred_until = valid_until, preferred_until
        if ifa.expiry is not None:
            ifa.expiry.cancel()
            ifa.expiry = None
        if valid_until is not None:
            ifa.expiry = self.stack.timers.arm(valid_until, self._address_expired, ifa, name="lifetime")

    def _address_expired(self, ifa: Inet6Addr) -> None:
        ifa.expiry = None
        if self.local.get(ifa.address) is ifa:
            self.addr_del(ifa.link, ifa.address, ifa.prefixlen)

    def _has_prefix_route(self, ifa: Inet6Addr) -> bool:
        return any(r.link is ifa.link and r.prefixlen == ifa.prefixlen and r.network == ifa.network
                   and r.gateway is None for r in self.fib.routes())

    # --- duplicate address detection (RFC 4862 5.4) ------------------------------
    def _dad_start(self, ifa: Inet6Addr) -> None:
        link = ifa.link
        self._make_tentative(ifa)
        ifa.dadfailed = False
        if not link.admin_up:
            ifa.tentative = True
            return
        if ifa.nodad or link.iff_loopback or self.dad_transmits <= 0:
            self._dad_complete(ifa)
            return
        ifa.tentative = True
        ifa.dad_probes = self.dad_transmits
        delay = random.uniform(0.0, self.rtr_solicit_delay)
        ifa.dad_timer = self.stack.timers.arm(self.stack.now() + delay, self._dad_timer, ifa,
                                              name="dad")

    def _dad_timer(self, ifa: Inet6Addr) -> None:
        ifa.dad_timer = None
        if ifa.dad_probes <= 0:
            self._dad_complete(ifa)
            return
        ifa.dad_probes -= 1
        self.stack.ndp.send_dad_probe(ifa)
        ifa.dad_timer = self.stack.timers.arm(
            self.stack.now() + self.stack.ndp.table.params.retrans_time, self._dad_timer, ifa,
            name="dad")

    def _dad_complete(self, ifa: Inet6Addr) -> None:
        ifa.tentative = False
        self.fib.add(local_route(ifa))
        if ifa.auto and ifa.scope == "link":
            self.stack.ra.start_soliciting(ifa.link, ifa.address)

    def dad_failed(self, ifa: Inet6Addr) -> None:
        """Another node holds the address (addrconf_dad_failure): dadfailed, and never used."""
        self._cancel_dad(ifa)
        ifa.dadfailed = True
        ifa.tentative = True
        if ifa.stable_privacy and ifa.auto and ifa.scope == "link":
            self._add_link_local(ifa.link, ifa.dad_count + 1)      # RFC 7217: the next counter

    def _cancel_dad(self, ifa: Inet6Addr) -> None:
        if ifa.dad_timer is not None:
            ifa.dad_timer.cancel()
            ifa.dad_timer = None

    def _make_tentative(self, ifa: Inet6Addr) -> None:
        self._cancel_dad(ifa)
        if not ifa.tentative:
            ifa.tentative = True
            self._remove_local_route(ifa)

    def _remove_local_route(self, ifa: Inet6Addr) -> None:
        value = int.from_bytes(ifa.address, "big")
        self.fib.remove(lambda r: r.link is ifa.link and r.type == LOCAL and r.prefixlen == 128
                        and r.network == value)

    def owns(self, link, addr: bytes) -> Inet6Addr | None:
        """Our address `addr` on `link` (tentative ones too: NDP needs them), or None."""
        ifa = self.local.get(addr)
        return ifa if ifa is not None and ifa.link is link else None

    def select_source(self, dst: bytes, oif=None, mark: int = 0, proto: int = 0) -> bytes | None:
        """The source a packet we send to `dst` takes (ip6_route_output, then the address)."""
        route = self.fib.lookup(dst, oif, None, None, mark, 0, proto)
        if route is None:
            return None
        if route.type == LOCAL:
            return dst
        return self.source_for(route.link, dst)

    def source_for(self, link, dst: bytes) -> bytes | None:
        """A usable source for `dst` out of `link` (RFC 6724, in short): the same scope, on the
        link if it has one, the longest match first."""
        want_link = is_link_local(dst) or (is_multicast(dst) and dst[1] & 0x0F <= 2)
        best, best_len = None, -1000
        for candidates in (self.addrs.get(link, []), list(self.local.values())):
            for ifa in candidates:
                if not ifa.usable or (ifa.scope == "link") != want_link or ifa.scope == "host" \
                        and dst != LOOPBACK:
                    continue
                common = _common_prefix(ifa.address, dst) - (256 if ifa.deprecated else 0)
                if common > best_len:
                    best, best_len = ifa.address, common
            if best is not None or want_link:
                return best
        return best

    # --- receive (ipv6_rcv) ----------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_receive, pkt)
        mib = self.mib
        mib.InReceives += 1
        if self.disabled and pkt.link in self.disabled:
            mib.InDiscards += 1
            self.stack.drop("IPV6DISABLED")
            return
        buf = pkt.buf
        off = pkt.data
        checked = validate(buf, off, pkt.tail)
        if type(checked[0]) is str:
            reason, counter = checked
            setattr(mib, counter, getattr(mib, counter) + 1)
            self.stack.drop(reason)
            return
        total = checked[0]
        pkt.tail = off + total
        pkt.network = off
        mib.InOctets += total
        ecn = (buf[off + 1] >> 4) & 3
        if ecn:
            setattr(mib, ECN_COUNTERS[ecn], getattr(mib, ECN_COUNTERS[ecn]) + 1)
        else:
            mib.InNoECTPkts += 1
        if self.nf_chain[NF_INET_PRE_ROUTING] is not None and not self.hooks.run(
                NF_INET_PRE_ROUTING, pkt, pkt.link, None):
            return
        src, dst, link = buf[off + 8:off + 24], buf[off + 24:off + 40], pkt.link
        decided = self.fib.decisions.get((dst, src, link))
        decision, route = decided if decided is not None else self.route_input(src, dst, link)
        if decision is DELIVER_MULTICAST:
            mib.InMcastPkts += 1
            mib.InMcastOctets += total
            pkt.broadcast = True
        elif decision is FORWARD:
            self.forward(pkt, route)
            return
        elif decision is not DELIVER_LOCAL:
            if decision in ROUTE_REFUSALS:
                self.refuse(pkt, decision)
                return
            if decision == "IPV6_INADDRERRORS":
                mib.InAddrErrors += 1
            elif decision == "IPV6_INVALID_SOURCE":
                mib.InHdrErrors += 1
            self.stack.drop(decision)
            return
        self.local_deliver(pkt)

    def martian_source(self, src: bytes, link) -> str | None:
        """ip6_rcv_core's refusals of a source: ::1 from outside, or one of our own usable
        addresses arriving from outside (our own frames reflected back)."""
        if link.iff_loopback:
            return None
        if src == LOOPBACK:
            return "IPV6_INVALID_SOURCE"
        return None

    def route_input(self, src: bytes, dst: bytes, link) -> tuple:
        """(decision, route) for a received packet: DELIVER_LOCAL, DELIVER_MULTICAST or a drop
        reason; cached per flow until a route or a membership changes."""
        key = (dst, src, link)
        cached = self.fib.decisions.get(key)
        if cached is not None:
            return cached
        decided = self._route_input(src, dst, link)
        self.fib.remember(key, decided)
        return decided

    def _route_input(self, src: bytes, dst: bytes, link) -> tuple:
        reason = self.martian_source(src, link)
        if reason is not None:
            return reason, None
        if is_multicast(dst):
            if self.joined(link, dst):
                return DELIVER_MULTICAST, None
            return "IPV6_MCAST_NOT_JOINED", None
        if dst == LOOPBACK and not link.iff_loopback:
            return "IPV6_INVALID_SOURCE", None          # ::1 from outside: InHdrErrors too
        route = self.fib.lookup(dst, src=src, iif=link)
        if route is not None and route.type == LOCAL:
            return DELIVER_LOCAL, route
        if route is None:
            return "IP_INNOROUTES", None
        if route.type in TYPE_REFUSALS:
            return TYPE_REFUSALS[route.type], route
        if not self.forwarding or dst in self.local or is_link_local(dst) \
                or route.type != UNICAST:
            return "IPV6_INADDRERRORS", route            # not ours, not to forward
        return FORWARD, route

    def refuse(self, pkt: Packet, reason: str) -> None:
        """ip6_pkt_discard / ip6_pkt_prohibit: a packet the route lookup refused; answer as
        the refusal says (no route: only while forwarding, as Linux's host does not)."""
        code = ROUTE_REFUSALS[reason]
        if reason != "ROUTE_BLACKHOLE":
            self.mib.InNoRoutes += 1
        if code is not None and (reason != "IP_INNOROUTES" or self.forwarding):
            self.stack.icmp6.send_error(pkt, 1, code)
        self.stack.drop(reason)

    # --- forwarding (ip6_forward) -------------------------------------------------------
    def forward(self, pkt: Packet, route) -> None:
        """A packet for another host, routed out of `route.link` (forwarding on)."""
        stack, mib = self.stack, self.mib
        off = pkt.network
        mtu = max(route.mtu_out(), MIN_MTU)
        refused = forward_refusal(pkt.buf, off, pkt.tail - off, pkt.broadcast, route, pkt.link, mtu)
        if refused is not None:
            if refused == "IP_INHDR":
                stack.icmp6.send_error(pkt, 3, 0)                 # hop limit exceeded in transit
                mib.InHdrErrors += 1
            elif refused == "PKT_TOO_BIG":
                stack.icmp6.send_error(pkt, 2, 0, mtu)
                mib.InTooBigErrors += 1
                mib.FragFails += 1
            elif refused == "IPV6_BEYOND_SCOPE":
                stack.icmp6.send_error(pkt, 1, ICMPV6_NOT_NEIGHBOUR)
                mib.InAddrErrors += 1
            elif refused == "IPV6_INADDRERRORS":
                mib.InAddrErrors += 1
            stack.drop(refused)
            return
        link = route.link
        buf = pkt.buf = bytearray(pkt.buf)       # ours to change now (skb_cow)
        buf[off + 7] -= 1
        if self.nf_chain[NF_INET_FORWARD] is not None and not self.hooks.run(
                NF_INET_FORWARD, pkt, pkt.link, link):
            return
        mib.OutForwDatagrams += 1
        mib.OutOctets += pkt.tail - off
        pkt.data = off
        dst = bytes(buf[off + 24:off + 40])
        self.finish_output(pkt, link, route.gateway or dst, dst, in_link=pkt.link)

    # --- local delivery (ip6_input_finish) --------------------------------------------
    def local_deliver(self, pkt: Packet) -> None:
        mib = self.mib
        if self.nf_chain[NF_INET_LOCAL_IN] is not None and not self.hooks.run(
                NF_INET_LOCAL_IN, pkt, pkt.link, None):
            return
        buf, net = pkt.buf, pkt.network
        nxt = buf[net + 6]
        if nxt not in WALKED:                   # the common case: the upper layer right after
            handler = self.protos.get(nxt)
            if handler is not None:
                mib.InDelivers += 1
                pkt.data = pkt.transport = net + wire.HEADER_LEN
                handler(pkt)
                return
        chain = walk(buf, net, pkt.tail, pkt.broadcast)
        if chain.frag:                          # ipv6_frag_rcv (stack/l3/ipv6_frag.py)
            pkt = self.stack.ip6frag.defrag(pkt, chain.frag, chain.nhoff)
            if pkt is None:
                return                          # held for the rest, or dropped and counted
            buf, net = pkt.buf, pkt.network
            chain = walk(buf, net, pkt.tail, pkt.broadcast, reassembled=True)
        elif chain.atomic:
            mib.ReasmReqds += 1
            mib.ReasmOKs += 1
        if chain.reason is not None:
            counter = chain.counter
            setattr(mib, counter, getattr(mib, counter) + 1)
            if chain.icmp is not None:
                kind, code, pointer = chain.icmp
                self.stack.icmp6.send_error(pkt, kind, code, pointer)
            self.stack.drop(chain.reason)
            return
        nxt = chain.nxt
        if nxt == wire.NEXTHDR_NONE:
            mib.InDelivers += 1
            return
        handler = self.protos.get(nxt)
        if handler is None:
            mib.InUnknownProtos += 1
            self.stack.icmp6.send_error(pkt, 4, 1, chain.nhoff)    # unknown next header
            self.stack.drop("IP_NOPROTO")
            return
        mib.InDelivers += 1
        pkt.data = pkt.transport = chain.pos
        handler(pkt)

    # --- output (ip6_xmit) -------------------------------------------------------------
    def route_output(self, dst: bytes, oif=None):
        """The route for a packet we send (ip6_route_output), or None."""
        return self.fib.lookup(dst, oif)

    def output(self, pkt: Packet, src: bytes | None, dst: bytes, nxt: int,
               hlim: int = DEFAULT_HOP_LIMIT, oif=None, mark: int = 0,
               flow_src: bytes | None = None, dontfrag: bool = False) -> str | None:
        """Add the IPv6 header in front of pkt.data and send; returns a drop reason or None.
        The route is the flow's: `mark`, and `flow_src`, a source the sender is bound to (the
        rules see it; a source chosen for the route is not the flow's).  Longer than the path
        MTU it goes out in fragments, unless `dontfrag` (IPV6_PMTUDISC_DO)."""
        mib = self.mib
        mib.OutRequests += 1
        route = self.fib.lookup(dst, oif, flow_src, None, mark, 0, nxt)
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_output, pkt, src, dst, oif, route, mark, flow_src, nxt,
                        dontfrag)
        if route is None or route.link is None:           # no route, or a refusing one
            mib.OutNoRoutes += 1
            self.stack.drop("IP_OUTNOROUTES")
            return "IP_OUTNOROUTES"
        link, nexthop = output_path(route, dst, self.stack.loopback)
        if self.redirects.entries and route.type == UNICAST:     # stack/l3/redirect.py
            nexthop = self.redirects.gateway(dst, link) or nexthop
        if src is None:
            src = self.source_for(link, dst)
            if src is None:
                mib.OutNoRoutes += 1
                self.stack.drop("IP_OUTNOROUTES")
                return "IP_OUTNOROUTES"
        start = pkt.data - wire.HEADER_LEN
        total = pkt.tail - start
        mtu = self.pmtu.path_mtu(dst, route.mtu or link.mtu)
        if total > mtu and dontfrag:
            mib.FragFails += 1
            self.stack.drop("PKT_TOO_BIG")
            return "PKT_TOO_BIG"
        pkt.data = start
        wire.write_header(pkt.buf, start, total - wire.HEADER_LEN, nxt, hlim, src, dst)
        pkt.network = start
        mib.OutOctets += total
        if self.nf_chain[NF_INET_LOCAL_OUT] is not None and not self.hooks.run(
                NF_INET_LOCAL_OUT, pkt, None, link):
            return "NETFILTER_DROP"
        return self.finish_output(pkt, link, nexthop, dst, mtu)

    def finish_output(self, pkt: Packet, link, nexthop: bytes, dst: bytes,
                      mtu: int | None = None, in_link=None) -> str | None:
        """POST_ROUTING, then onto the link (ip6_finish_output: in fragments when longer than
        `mtu`, else the link's: only our own packets, as forwarding refused longer ones)."""
        if self.nf_chain[NF_INET_POST_ROUTING] is not None and not self.hooks.run(
                NF_INET_POST_ROUTING, pkt, in_link, link):
            return "NETFILTER_DROP"
        mtu = mtu or link.mtu
        if pkt.tail - pkt.data > mtu:               # ip6_fragment (stack/l3/ipv6_frag.py)
            return self.stack.ip6frag.fragment(pkt, mtu, lambda frag: self.xmit(frag, link, nexthop, dst))
        self.xmit(pkt, link, nexthop, dst)
        return None

    def xmit(self, pkt: Packet, link, nexthop: bytes, dst: bytes) -> None:
        """Onto the link: a multicast MAC, loopback, or through the neighbour."""
        self.mib.OutTransmits += 1
        if link.iff_loopback:
            link.hard_header(pkt, link.mac, ETH_P_IPV6)
            link.xmit(pkt)
        elif dst[0] == 0xFF:
            self.mib.OutMcastPkts += 1
            self.mib.OutMcastOctets += len(pkt)
            link.hard_header(pkt, multicast_mac(dst), ETH_P_IPV6)
            link.xmit(pkt)
        else:
            self.stack.ndp.table.output(link, nexthop, pkt)

    # --- trace: the checks above, one step each (only for a traced packet) ---------------
    def explain_receive(self, rec, pkt: Packet) -> str | None:
        """Tell what `receive` and `local_deliver` decide; returns the drop reason, if any."""
        def step(text):
            rec.step("ipv6", text)
        buf, off, avail = pkt.buf, pkt.data, pkt.tail - pkt.data
        if pkt.link in self.disabled:
            step(f"IPv6 is disabled on {pkt.link.name} (disable_ipv6): dropped (InDiscards)")
            return "IPV6DISABLED"
        checked = validate(buf, off, pkt.tail)
        if type(checked[0]) is str:
            step(_validate_text(buf, off, avail, checked[0]))
            return checked[0]
        total = checked[0]
        src, dst = bytes(buf[off + 8:off + 24]), bytes(buf[off + 24:off + 40])
        step(f"version 6, payload length {total - wire.HEADER_LEN} ≤ {avail - wire.HEADER_LEN} "
             f"available, hop limit {buf[off + 7]}, {wire.addr_to_str(src)} → {wire.addr_to_str(dst)}")
        if self.nf_chain[NF_INET_PRE_ROUTING] is not None:
            step("prerouting: netfilter hooks run (a DROP shows as its own step)")
        decision, route = self.route_input(src, dst, pkt.link)
        target = wire.addr_to_str(dst)
        if decision is DELIVER_MULTICAST:
            step(f"destination {target}: a group joined on {pkt.link.name}: deliver here (InMcastPkts)")
        elif decision is DELIVER_LOCAL:
            step(f"destination {target} is local (route local {target} dev {route.link.name}): deliver here")
        elif decision is FORWARD:
            row = route.to_dict()
            via = f" via {row['gateway']}" if row.get("gateway") else ""
            step(f"destination {target} is another host's: forward by route {row['dst']}{via} "
                 f"dev {route.link.name}")
            return self._explain_forward(step, pkt, route)
        else:
            step(self._refusal_words(decision, target, pkt.link, route))
            return decision
        if self.nf_chain[NF_INET_LOCAL_IN] is not None:
            step("input: netfilter hooks run")
        chain = walk(buf, off, off + total, decision is DELIVER_MULTICAST)
        for text in chain.steps:
            step(text)
        if chain.frag:                                                  # stack/l3/ipv6_frag.py
            verdict, whole = self.stack.ip6frag.explain_defrag(step, buf, off, off + total, chain.frag,
                                                               chain.nhoff, pkt.link, decision is DELIVER_MULTICAST)
            if verdict is not REASM_COMPLETE:
                return None if verdict is REASM_QUEUED else verdict
            chain = walk(whole.buf, whole.network, whole.tail, whole.broadcast, reassembled=True)
            for text in chain.steps:
                step(text)
        if chain.reason is not None:
            return chain.reason
        if chain.nxt == wire.NEXTHDR_NONE:
            return None
        handler = self.protos.get(chain.nxt)
        if handler is None:
            step(f"next header {wire.show_nxt(chain.nxt)}: no handler (InUnknownProtos), answer "
                 f"parameter problem, pointer {chain.nhoff}")
            return "IP_NOPROTO"
        step(f"next header {wire.show_nxt(chain.nxt)} → {handler_name(handler)}")
        return None

    def _refusal_words(self, decision: str, target: str, link, route) -> str:
        kind = route.type if route is not None else ""
        forwarding = "net.ipv6.conf.all.forwarding = 1" if self.forwarding else \
            "forwarding off (net.ipv6.conf.all.forwarding = 0)"
        words = {
            "IPV6_INVALID_SOURCE": "::1 arriving from outside loopback: refused (InHdrErrors)",
            "IPV6_MCAST_NOT_JOINED": f"destination {target}: a group not joined on {link.name}",
            "IP_INNOROUTES": f"no route to {target} (InNoRoutes)"
                             + ("; destination unreachable (no route) sent back" if self.forwarding
                                else "; nothing sent back: this host does not forward"),
            "ROUTE_UNREACHABLE": f"route {kind} refuses {target}: destination unreachable (no route) "
                                 "sent back (InNoRoutes)",
            "ROUTE_PROHIBIT": f"route {kind} refuses {target}: destination unreachable "
                              "(administratively prohibited) sent back (InNoRoutes)",
            "ROUTE_BLACKHOLE": f"route blackhole swallows {target}, silently",
            "IPV6_INADDRERRORS": f"destination {target} is not ours (or still tentative), "
                                 f"{forwarding}: not forwarded (InAddrErrors)"}
        return words[decision]

    def _explain_forward(self, step, pkt: Packet, route) -> str | None:
        buf, off = pkt.buf, pkt.data
        total = wire.HEADER_LEN + ((buf[off + 4] << 8) | buf[off + 5])
        mtu = max(route.mtu_out(), MIN_MTU)
        refused = forward_refusal(buf, off, total, pkt.broadcast, route, pkt.link, mtu)
        hlim = buf[off + 7]
        src = wire.addr_to_str(bytes(buf[off + 8:off + 24]))
        words = {"OTHERHOST": "it came to a link-layer multicast or broadcast: not forwarded",
                 "IP_INHDR": f"hop limit {hlim}: it would run out here; time exceeded sent back "
                             "(InHdrErrors)",
                 "PKT_TOO_BIG": f"length {total} > mtu {mtu} of {route.link.name}: packet too big "
                                f"(mtu {mtu}) sent back (InTooBigErrors)",
                 "IPV6_BEYOND_SCOPE": f"source {src} is link-local and would leave its link: "
                                      "destination unreachable (beyond scope) sent back",
                 "IPV6_INADDRERRORS": f"source {src} may not be forwarded (InAddrErrors)"}
        step(words[refused] if refused else f"hop limit {hlim} → {hlim - 1}, out of {route.link.name}")
        return refused

    def explain_output(self, rec, pkt: Packet, src, dst: bytes, oif, route, mark: int = 0,
                       flow_src=None, nxt: int = 0, dontfrag: bool = False) -> str | None:
        def step(text):
            rec.step("ipv6", text)
        text = wire.addr_to_str(dst)
        if route is None:
            step(f"output to {text}: no route" + (f" via {oif.name}" if oif is not None else ""))
            return "IP_OUTNOROUTES"
        rule = self.fib.decide(dst, oif, flow_src, None, mark, 0, nxt).rule   # the lookup output made
        by_rule = f" (rule {rule.priority}: {rule_text(rule.to_dict())})" if rule is not None else ""
        if route.link is None:
            step(f"output to {text}: a {route.type} route refuses it{by_rule}")
            return "IP_OUTNOROUTES"
        link, nexthop = output_path(route, dst, self.stack.loopback)
        redirected = self.redirects.gateway(dst, link) if route.type == UNICAST else None
        nexthop = redirected or nexthop
        step(f"output to {text}: route {route.type} {route.to_dict()['dst']} dev {route.link.name}"
             f"{by_rule}; out of {link.name}, next hop {wire.addr_to_str(nexthop)}"
             + (" (redirected)" if redirected else ""))
        chosen = src if src is not None else self.source_for(link, dst)
        if chosen is None:
            step(f"no usable source address for {text} on {link.name}")
            return "IP_OUTNOROUTES"
        step(f"source {wire.addr_to_str(chosen)}"
             + (": set by the protocol sending it" if src is not None else ": chosen for the destination"))
        total = len(pkt) + wire.HEADER_LEN
        mtu = route.mtu or link.mtu
        learned = self.pmtu.path_mtu(dst, mtu)
        if learned < mtu:
            step(f"path MTU to {text}: {learned}, learned from a packet too big (route mtu {mtu})")
            mtu = learned
        if total > mtu:                                                 # stack/l3/ipv6_frag.py
            return self.stack.ip6frag.explain_fragment(step, total, mtu, link.name, dontfrag)
        return None


def forward_refusal(buf, off: int, total: int, broadcast: bool, route, in_link,
                    mtu: int) -> str | None:
    """Why ip6_forward will not send the packet at buf[off:] on (a drop reason), or None."""
    if broadcast:                           # not sent to our MAC: not ours to forward
        return "OTHERHOST"
    if buf[off + 7] <= 1:
        return "IP_INHDR"                   # its hop limit runs out here: time exceeded
    if route.link is not in_link:           # leaving its link (the same link: Linux redirects)
        src = bytes(buf[off + 8:off + 24])
        if src == UNSPECIFIED or src == LOOPBACK or is_multicast(src):
            return "IPV6_INADDRERRORS"
        if is_link_local(src):
            return "IPV6_BEYOND_SCOPE"
    if total > mtu:
        return "PKT_TOO_BIG"                # routers never fragment IPv6
    return None


def output_path(route, dst: bytes, loopback) -> tuple:
    """(link, next hop) a route sends through: our own addresses go round through loopback."""
    if route.type == LOCAL:
        return loopback, dst
    return route.link, route.gateway or dst


def _common_prefix(a: bytes, b: bytes) -> int:
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return 128 - x.bit_length()


def _validate_text(buf, off: int, avail: int, reason: str) -> str:
    """Words for the check of `validate` that failed."""
    if avail < wire.HEADER_LEN:
        return f"only {avail} bytes: less than the {wire.HEADER_LEN}-byte IPv6 header"
    if buf[off] >> 4 != 6:
        return f"version {buf[off] >> 4}: not 6"
    plen = (buf[off + 4] << 8) | buf[off + 5]
    if reason == "IPV6_INHDR":
        return "payload length 0 with a hop-by-hop header: a jumbogram, not supported"
    if reason == "PKT_TOO_SMALL":
        return f"payload length {plen} > {avail - wire.HEADER_LEN} available: truncated (InTruncatedPkts)"
    return f"source {wire.addr_to_str(bytes(buf[off + 8:off + 24]))} is multicast (InHdrErrors)"


counter_group("Ip6", 30, lambda stack: stack.ipv6.mib.snapshot())
