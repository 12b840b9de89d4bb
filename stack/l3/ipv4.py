"""IPv4 receive (ip_rcv), local delivery and output (ip_queue_xmit), addresses.

Protocols register with `register(proto, handler)`; a handler gets a Packet
whose data starts at its own header and whose `network` marks the IP header.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..counters import IP_MIB, IPEXT_MIB, Mib, counter_group
from ..errors import NetlinkError, StackError
from ..link.notifier import NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP
from ..packet import Packet
from ..trace import handler_name
from ..wire import ipv4 as wire
from ..wire.checksum import checksum, ones_sum
from ..wire.ethernet import BROADCAST, ETH_P_IP
from ..netfilter.hooks import (NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT,
                               NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, HookPoints)
from ..wire.icmp import FRAG_NEEDED, TIME_EXCEEDED
from .reassembly import COMPLETE as REASM_COMPLETE, QUEUED as REASM_QUEUED
from .pmtu import PmtuCache
from .route import (BLACKHOLE, BROADCAST as RTN_BROADCAST, LOCAL, PROHIBIT, RT_TABLE_LOCAL,
                    UNICAST, UNREACHABLE, Fib, Route)
from .rule import RuleList, rule_text

DEFAULT_TTL = 64


@dataclass
class IfAddr:
    address: bytes
    prefixlen: int
    broadcast: bytes
    link: object
    label: str
    brd: bytes | None = None        # the broadcast the user gave (brd ADDR|+); shown only if set
    scope: str = "global"
    secondary: bool = False         # in the subnet of an earlier address (IFA_F_SECONDARY)

    @property
    def network(self) -> int:
        return wire.to_int(self.address) & wire.mask(self.prefixlen)

    @staticmethod
    def default_scope(address: bytes) -> str:
        return "host" if address[0] == 127 else "global"

    @property
    def scope_is_default(self) -> bool:
        return self.scope == self.default_scope(self.address)

    def covers(self, addr: bytes) -> bool:
        return wire.to_int(addr) & wire.mask(self.prefixlen) == self.network

    def to_dict(self) -> dict:
        row = {"family": "inet", "local": wire.addr_to_str(self.address),
               "prefixlen": self.prefixlen}
        if self.brd is not None:
            row["broadcast"] = wire.addr_to_str(self.brd)
        row["scope"] = self.scope
        if self.secondary:
            row["secondary"] = True
        row["label"] = self.label
        row["valid_life_time"] = 4294967295
        row["preferred_life_time"] = 4294967295
        return row


# What route input decides for a received packet (besides a drop reason).
DELIVER_LOCAL = "local"
DELIVER_BROADCAST = "broadcast"
FORWARD = "forward"

# Route input's refusals on a forwarding link (ip_error): the destination unreachable code
# each answers with (None: silent), as the kernel maps the lookup's error to one.
ICMP_NET_UNREACH, ICMP_HOST_UNREACH, ICMP_PKT_FILTERED = 0, 1, 13
ROUTE_REFUSALS = {
    "IP_INNOROUTES": ICMP_NET_UNREACH,          # no route (ENETUNREACH): InNoRoutes
    "ROUTE_UNREACHABLE": ICMP_HOST_UNREACH,     # an unreachable route or rule (EHOSTUNREACH)
    "ROUTE_PROHIBIT": ICMP_PKT_FILTERED,        # a prohibit route or rule (EACCES)
    "ROUTE_BLACKHOLE": None,                    # a blackhole route or rule (EINVAL): silent
}
TYPE_REFUSALS = {UNREACHABLE: "ROUTE_UNREACHABLE", PROHIBIT: "ROUTE_PROHIBIT",
                 BLACKHOLE: "ROUTE_BLACKHOLE"}

# Per-link settings under net.ipv4.conf.{all,default,DEV} (stack/api/sysctl.py names them).
DEVCONF_DEFAULTS = {"forwarding": 0, "send_redirects": 0, "accept_redirects": 1, "secure_redirects": 1}
MIN_PMTU = 552          # net.ipv4.route.min_pmtu: a smaller reported MTU is raised to it


class IPv4:
    """IPv4 in the kernel's stages, each with its netfilter hook point:

    receive:  validate -> PRE_ROUTING -> route input -> LOCAL_IN -> deliver to the protocol
                                                     -> FORWARD -> POST_ROUTING -> neighbour
    output:   route output -> header -> LOCAL_OUT -> POST_ROUTING -> neighbour (or loopback)

    Route input and output look routes up in the FIB (stack/l3/route.py): our addresses
    and broadcasts are `local` and `broadcast` routes of the local table.  The decisions
    (martian source, route input, route output) are functions the trace explainers call
    too, so a trace tells what the fast path decided.
    """

    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Ip", IP_MIB)
        self.ext = Mib("IpExt", IPEXT_MIB)
        self.protos: dict[int, object] = {}
        self.local: dict[bytes, IfAddr] = {}        # our addresses, by address
        self.broadcasts: set[bytes] = {wire.LIMITED_BROADCAST}
        self.fib = Fib(RuleList())
        self.hooks = HookPoints(stack, "ip")
        self.nf_chain = self.hooks.chain        # per hook: None while idle (one test on the path)
        self.ident = 0
        self.default_ttl = DEFAULT_TTL
        self.conf_all = dict(DEVCONF_DEFAULTS)           # net.ipv4.conf.all (ip_forward is its forwarding)
        self.conf_default = dict(DEVCONF_DEFAULTS)       # what a new link starts with
        self.devconf: dict[object, dict] = {}            # net.ipv4.conf.DEV, by link
        self.pmtu = PmtuCache(stack, MIN_PMTU)           # path MTUs learned (stack/l3/pmtu.py)
        self.redirects = None                            # next hops redirected (stack/l3/redirect.py)
        stack.ethernet.register(ETH_P_IP, self.receive)
        stack.netdev.subscribe("ipv4", self.netdev_event)

    def netdev_event(self, event: str, link) -> None:
        """Link events: a new link takes the default settings; a removed link takes its
        addresses and routes; down takes the routes through it (fib_sync_down_dev); up
        announces; the route cache holds links, so every event empties it.

        As fib_disable_ip and fib_add_ifaddr: down takes every route through the link but its
        own addresses' `local` ones (of host scope), connected and broadcast routes included;
        up brings back what its addresses make; a user's routes stay gone."""
        if event == NETDEV_REGISTER:
            self.devconf[link] = dict(self.conf_default)
        elif event == NETDEV_UNREGISTER:
            self.remove_link(link)
            self.devconf.pop(link, None)
        elif event == NETDEV_DOWN:
            self.fib.remove(lambda r: r.type != LOCAL and _through(r, link)
                            and all(not leg.link.admin_up for leg in (r.legs or (r,))))
        elif event == NETDEV_UP:
            self.fib.remove(lambda r: r.protocol == "kernel" and r.link is link)
            for ifa in link.ipv4_addrs:
                for route in kernel_routes(ifa):
                    self.fib.add(route)
                self.stack.arp.announce(link, ifa.address)
        self.fib.flush_cache()

    def conf(self, link) -> dict:
        """The link's net.ipv4.conf.DEV settings."""
        found = self.devconf.get(link)
        if found is None:
            found = self.devconf[link] = dict(self.conf_default)
        return found

    @property
    def forwarding(self) -> bool:
        """net.ipv4.ip_forward (conf.all.forwarding)."""
        return bool(self.conf_all["forwarding"])

    @forwarding.setter
    def forwarding(self, value) -> None:
        """Writing ip_forward (or conf.all.forwarding) sets all, default and every link
        (inet_forward_change)."""
        value = int(value)
        self.conf_all["forwarding"] = self.conf_default["forwarding"] = value
        for link in self.stack.links.values():
            self.conf(link)["forwarding"] = value
        self.fib.flush_cache()

    def register(self, proto: int, handler) -> None:
        self.protos[proto] = handler

    # --- receive (ip_rcv) -------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_receive, pkt)
        mib = self.mib
        mib.InReceives += 1
        buf = pkt.buf
        off = pkt.data
        checked = wire.validate(buf, off, pkt.tail)
        if type(checked[0]) is str:
            reason, counter = checked
            if counter == "InCsumErrors":
                self.ext.InCsumErrors += 1
                mib.InHdrErrors += 1
            elif counter == "InTruncatedPkts":
                self.ext.InTruncatedPkts += 1
            else:
                mib.InHdrErrors += 1
            self.stack.drop(reason)
            return
        ihl, total = checked
        pkt.tail = off + total
        pkt.network = off
        self.ext.InOctets += total
        if self.nf_chain[NF_INET_PRE_ROUTING] is not None and not self.hooks.run(
                NF_INET_PRE_ROUTING, pkt, pkt.link, None):
            return
        src, dst, tos, link = buf[off + 12:off + 16], buf[off + 16:off + 20], buf[off + 1], pkt.link
        decided = self.fib.decisions.get((dst, src, tos, link))     # route_input's cache, inline
        decision, route = decided if decided is not None else self.route_input(src, dst, tos, link)
        if decision is DELIVER_LOCAL:
            pass
        elif decision is DELIVER_BROADCAST:
            self.ext.InBcastPkts += 1
            pkt.broadcast = True
        elif decision is FORWARD:
            self.forward(pkt, route)
            return
        else:                                   # a drop reason
            if decision == "IP_INADDRERRORS":
                mib.InAddrErrors += 1
            elif decision in ROUTE_REFUSALS:
                self.refuse(pkt, decision)
                return
            self.stack.drop(decision)
            return
        self.local_deliver(pkt, ihl)

    def martian_source(self, src: bytes, link) -> str | None:
        """IP_INVALID_SOURCE when `src` cannot be a sender's (fib_validate_source): multicast,
        the limited broadcast, or a local or broadcast route's address arriving from outside."""
        if src[0] >= 224:
            return "IP_INVALID_SOURCE"
        route = self.fib.lookup(src)
        if route is not None and route.type != UNICAST and route.table == RT_TABLE_LOCAL:
            if route.type == LOCAL and link.iff_loopback:
                return None                     # our own packets come back on loopback
            return "IP_INVALID_SOURCE"
        return None

    def route_input(self, src: bytes, dst: bytes, tos: int, link) -> tuple:
        """(decision, route) for a received packet (ip_route_input): DELIVER_LOCAL,
        DELIVER_BROADCAST, FORWARD, or a drop reason; cached per flow."""
        key = (dst, src, tos, link)
        cached = self.fib.decisions.get(key)
        if cached is not None:
            return cached
        decided = self._route_input(src, dst, tos, link)
        self.fib.remember(key, decided)
        return decided

    def _route_input(self, src: bytes, dst: bytes, tos: int, link) -> tuple:
        reason = self.martian_source(src, link)
        if reason is not None:
            return reason, None
        if dst == wire.LIMITED_BROADCAST:
            return DELIVER_BROADCAST, None
        if src[0] == 0:
            return "IP_INVALID_SOURCE", None    # 0/8 sends only to the limited broadcast
        if 224 <= dst[0] < 240:                 # no multicast group is ever joined yet
            return "IP_INVALID_DEST", None
        if dst[0] == 127 and not link.iff_loopback:
            return "IP_INADDRERRORS", None      # a martian destination
        route = self.fib.lookup(dst, src=src, iif=link, tos=tos)
        if route is not None and route.type == LOCAL:
            return DELIVER_LOCAL, route
        if route is not None and route.type == RTN_BROADCAST:
            return DELIVER_BROADCAST, route
        if not self.conf(link)["forwarding"]:
            return "IP_INADDRERRORS", route     # the kernel's unreachable result: InAddrErrors
        if route is None:
            return "IP_INNOROUTES", None
        if route.type in TYPE_REFUSALS:
            return TYPE_REFUSALS[route.type], route
        if route.type != UNICAST:
            return "IP_INVALID_DEST", route     # a martian destination
        return FORWARD, route

    def refuse(self, pkt: Packet, reason: str) -> None:
        """ip_error: a packet to forward that the route lookup refused; answer as the
        refusal says (destination unreachable: net, host, or administratively prohibited)."""
        if reason == "IP_INNOROUTES":
            self.ext.InNoRoutes += 1
        code = ROUTE_REFUSALS[reason]
        if code is not None:
            self.stack.icmp.send_unreach(pkt, code)
        self.stack.drop(reason)

    # --- local delivery (ip_local_deliver) -----------------------------------
    def local_deliver(self, pkt: Packet, ihl: int) -> None:
        mib = self.mib
        buf = pkt.buf
        off = pkt.network
        if ((buf[off + 6] << 8) | buf[off + 7]) & (wire.FLAG_MF | wire.FRAG_MASK):
            pkt = self.stack.ipfrag.defrag(pkt)     # ip_defrag (stack/l3/ipv4_frag.py)
            if pkt is None:
                return                              # held for the rest, or dropped and counted
            buf, off, ihl = pkt.buf, pkt.network, (pkt.buf[pkt.network] & 15) * 4
        if self.nf_chain[NF_INET_LOCAL_IN] is not None and not self.hooks.run(
                NF_INET_LOCAL_IN, pkt, pkt.link, None):
            return
        proto = buf[off + 9]
        handler = self.protos.get(proto)
        if handler is None:
            mib.InUnknownProtos += 1
            self.stack.icmp.send_unreach(pkt, 2)     # protocol unreachable
            self.stack.drop("IP_NOPROTO")
            return
        mib.InDelivers += 1
        pkt.data = off + ihl
        pkt.transport = off + ihl
        handler(pkt)

    # --- forwarding (ip_forward) ------------------------------------------------
    def forward(self, pkt: Packet, route) -> None:
        """A packet for another host, routed out of `route.link` (only with forwarding on)."""
        stack = self.stack
        off = pkt.network
        refused = forward_refusal(pkt.buf, off, pkt.tail - off, pkt.broadcast, route)
        if refused is not None:
            if refused == "IP_INHDR":
                stack.icmp.send_error(pkt, TIME_EXCEEDED, 0)
                self.mib.InHdrErrors += 1
            elif refused == "PKT_TOO_BIG":           # DF set: ip_forward's "frag needed"
                stack.icmp.send_unreach(pkt, FRAG_NEEDED, route.mtu_out())
                self.mib.FragFails += 1
            stack.drop(refused)
            return
        link = route.link
        buf = pkt.buf = bytearray(pkt.buf)      # ours to change now (skb_cow)
        buf[off + 8] -= 1                        # ip_decrease_ttl: the checksum follows
        csum = ((buf[off + 10] << 8) | buf[off + 11]) + 0x0100
        csum = (csum & 0xFFFF) + (csum >> 16)
        buf[off + 10], buf[off + 11] = csum >> 8, csum & 0xFF
        if self.nf_chain[NF_INET_FORWARD] is not None and not self.hooks.run(
                NF_INET_FORWARD, pkt, pkt.link, link):
            return
        self.mib.ForwDatagrams += 1
        pkt.data = off
        dst = bytes(buf[off + 16:off + 20])
        # longer than the MTU without DF: finish_output sends it in fragments (ip_fragment)
        self.finish_output(pkt, link, route.gateway or dst, False, pkt.link, route.mtu_out())

    # --- addresses ----------------------------------------------------------
    def owns(self, link, addr: bytes) -> bool:
        """True when `addr` is one of ours (Linux answers ARP for any local address)."""
        return addr in self.local

    def source_for(self, link, dst: bytes) -> bytes | None:
        """Preferred source address for talking to `dst` out of `link`."""
        first = None
        for ifa in link.ipv4_addrs:
            if ifa.covers(dst):
                return ifa.address
            if first is None:
                first = ifa.address
        if first is not None:
            return first
        for ifa in self.local.values():
            if ifa.address[0] != 127:
                return ifa.address
        return None

    def addr_add(self, link, address: bytes, prefixlen: int, brd: bytes | str | None = None,
                 scope: str | None = None, label: str | None = None) -> IfAddr:
        """As __inet_insert_ifa: an address in the subnet of one already there is its
        secondary, listed after every primary; `brd` "+" ("-") is the prefix with its host
        bits set (reset)."""
        if address in self.local:
            owner = self.local[address]
            if owner.link is link and owner.prefixlen == prefixlen:
                raise NetlinkError("Address already assigned.")   # ip: Error: ipv4: ...
            raise StackError(f"{wire.addr_to_str(address)} is already on {owner.link.name}")
        host_bits = 32 - prefixlen
        bcast = wire.from_int(wire.to_int(address) | ((1 << host_bits) - 1)) if host_bits else address
        if brd == "+":                  # ip-address(8): the prefix's host bits set
            brd = bcast
        elif brd == "-":                # ... or reset
            brd = wire.from_int(wire.to_int(address) & wire.mask(prefixlen))
        ifa = IfAddr(address, prefixlen, bcast, link, label or link.name, brd=brd,
                     scope=scope or IfAddr.default_scope(address))
        primary = next((other for other in link.ipv4_addrs if not other.secondary
                        and other.prefixlen == prefixlen and other.covers(address)), None)
        if primary is not None and primary.scope != ifa.scope:
            raise NetlinkError("Invalid scope value.")     # a secondary keeps its primary's scope
        ifa.secondary = primary is not None
        if ifa.secondary:
            link.ipv4_addrs.append(ifa)
        else:
            primaries = sum(1 for other in link.ipv4_addrs if not other.secondary)
            link.ipv4_addrs.insert(primaries, ifa)
        self.local[address] = ifa
        self._rebuild_broadcasts()
        for route in kernel_routes(ifa):
            self.fib.add(route)
        if not link.iff_loopback:
            self.stack.arp.announce(link, address)
        return ifa

    def addr_del(self, link, address: bytes, prefixlen: int | None) -> None:
        for ifa in link.ipv4_addrs:
            if ifa.address == address and (prefixlen is None or ifa.prefixlen == prefixlen):
                break
        else:
            raise NetlinkError("Address not found.")            # ip: Error: ipv4: ...
        link.ipv4_addrs.remove(ifa)
        del self.local[address]
        self._rebuild_broadcasts()
        self.fib.remove(lambda r: r.link is link and r.prefsrc == address)
        if not link.ipv4_addrs and not link.iff_loopback:
            # fib_inetaddr_event: the last address gone disables IP on the link
            # (fib_disable_ip, forced): every route through it, and its neighbours.
            self.fib.remove(lambda r: _through(r, link))
            self.stack.arp.table.flush(link, include_permanent=True)

    def _rebuild_broadcasts(self) -> None:
        self.broadcasts = {wire.LIMITED_BROADCAST}
        for ifa in self.local.values():
            if ifa.prefixlen < 31:
                self.broadcasts.add(ifa.broadcast)
            if ifa.brd is not None:
                self.broadcasts.add(ifa.brd)

    def remove_link(self, link) -> None:
        for ifa in list(link.ipv4_addrs):
            self.addr_del(link, ifa.address, ifa.prefixlen)
        self.fib.remove(lambda r: _through(r, link))

    # --- output (ip_queue_xmit) ---------------------------------------------------
    def route_output(self, dst: bytes, oif=None, src: bytes | None = None, tos: int = 0):
        """The route for a packet we send (ip_route_output), or None."""
        return self.fib.lookup(dst, oif, src=src, tos=tos)

    def output(self, pkt: Packet, src: bytes | None, dst: bytes, proto: int,
               ttl: int | None = None, oif=None, df: bool = False, mark: int = 0) -> str | None:
        """Add the IP header in front of pkt.data and send; returns a drop reason or None."""
        mib = self.mib
        mib.OutRequests += 1
        route = self.fib.lookup(dst, oif, src, None, mark)   # route_output, inline
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_output, pkt, src, dst, oif, route, mark, df)
        if ttl is None:
            ttl = self.default_ttl
        if route is None or route.link is None:          # no route, or a refusing one
            mib.OutNoRoutes += 1
            self.stack.drop("IP_OUTNOROUTES")
            return "IP_OUTNOROUTES"
        link, nexthop = output_path(route, dst, self.stack.loopback)
        if self.redirects.entries and route.type == UNICAST:     # stack/l3/redirect.py
            nexthop = self.redirects.gateway(dst, link) or nexthop
        if src is None:
            src = route.prefsrc or self.source_for(link, dst)
            if src is None:
                mib.OutNoRoutes += 1
                self.stack.drop("IP_OUTNOROUTES")
                return "IP_OUTNOROUTES"
        start = pkt.data - wire.MIN_LEN            # pkt.push, inline: the header goes in front
        total = pkt.tail - start
        mtu = self.pmtu.path_mtu(dst, route.mtu or link.mtu)
        if total > mtu and df:                  # without DF it goes out in fragments (finish_output)
            mib.FragFails += 1
            self.stack.drop("PKT_TOO_BIG")
            return "PKT_TOO_BIG"
        if start < 0:
            raise ValueError("no headroom for the IPv4 header")
        pkt.data = start
        self.ident = (self.ident + 1) & 0xFFFF
        wire.write_header(pkt.buf, start, total, self.ident, wire.FLAG_DF if df else 0,
                          ttl, proto, src, dst)
        pkt.network = start
        self.ext.OutOctets += total
        if self.nf_chain[NF_INET_LOCAL_OUT] is not None and not self.hooks.run(
                NF_INET_LOCAL_OUT, pkt, None, link):
            return "NETFILTER_DROP"
        if route.type == UNICAST and self.nf_chain[NF_INET_POST_ROUTING] is None and total <= mtu \
                and not link.iff_loopback and dst != wire.LIMITED_BROADCAST:   # the common case
            self.stack.arp.table.output(link, nexthop, pkt)
            return None
        broadcast = route.type == RTN_BROADCAST or dst == wire.LIMITED_BROADCAST
        if broadcast:
            self.ext.OutBcastPkts += 1
        return self.finish_output(pkt, link, nexthop, broadcast, None, mtu)

    def finish_output(self, pkt: Packet, link, nexthop: bytes, broadcast: bool, in_link,
                      mtu: int | None = None) -> str | None:
        """POST_ROUTING, then onto the link (ip_finish_output: in fragments when longer than
        the route's MTU or else the link's): broadcast, loopback, or through the neighbour."""
        if self.nf_chain[NF_INET_POST_ROUTING] is not None and not self.hooks.run(
                NF_INET_POST_ROUTING, pkt, in_link, link):
            return "NETFILTER_DROP"
        mtu = mtu or link.mtu
        if pkt.tail - pkt.data > mtu:               # ip_fragment (stack/l3/ipv4_frag.py)
            return self.stack.ipfrag.fragment(
                pkt, mtu, lambda frag: self.xmit(frag, link, nexthop, broadcast))
        self.xmit(pkt, link, nexthop, broadcast)
        return None

    def xmit(self, pkt: Packet, link, nexthop: bytes, broadcast: bool) -> None:
        """Onto the link: broadcast, loopback, or through the neighbour."""
        if broadcast:
            self._xmit_broadcast(link, pkt)
        elif link.iff_loopback:
            self._xmit_loopback(link, pkt)
        else:
            self.stack.arp.table.output(link, nexthop, pkt)

    def _xmit_loopback(self, link, pkt: Packet) -> None:
        link.hard_header(pkt, link.mac, ETH_P_IP)
        link.xmit(pkt)

    def _xmit_broadcast(self, link, pkt: Packet) -> None:
        link.hard_header(pkt, BROADCAST, ETH_P_IP)
        link.xmit(pkt)

    # --- trace: the checks above, one step each (only for a traced packet) ---------
    def explain_receive(self, rec, pkt: Packet) -> str | None:
        """Tell what `receive` decides, stage by stage; returns the drop reason, if any.

        Each decision comes from the function the fast path calls (wire.validate,
        martian_source, route_input); this only puts it into words.
        """
        def step(text):
            rec.step("ipv4", text)
        buf, off = pkt.buf, pkt.data
        checked = wire.validate(buf, off, pkt.tail)
        _explain_header(step, buf, off, pkt.tail - off)
        if type(checked[0]) is str:
            return checked[0]
        if self.nf_chain[NF_INET_PRE_ROUTING] is not None:
            step("prerouting: netfilter hooks run (a DROP shows as its own step)")
        src = bytes(buf[off + 12:off + 16])
        dst = bytes(buf[off + 16:off + 20])
        decision, route = self.route_input(src, dst, buf[off + 1], pkt.link)
        reason = self._explain_route_input(step, src, dst, pkt.link, decision, route)
        if reason is not None:
            return reason
        if decision is FORWARD:
            return self._explain_forward(step, pkt, route)
        frag = (buf[off + 6] << 8) | buf[off + 7]
        if frag & (wire.FLAG_MF | wire.FRAG_MASK):
            verdict = self.stack.ipfrag.explain_defrag(step, pkt)     # stack/l3/ipv4_frag.py
            if verdict is not REASM_COMPLETE:
                return None if verdict is REASM_QUEUED else verdict
        else:
            step(f"not a fragment ({'DF' if frag & wire.FLAG_DF else 'no flags'}, offset 0)")
        if self.nf_chain[NF_INET_LOCAL_IN] is not None:
            step("input: netfilter hooks run")
        proto = buf[off + 9]
        name = f"{proto} ({wire.PROTO_NAMES[proto]})" if proto in wire.PROTO_NAMES else str(proto)
        handler = self.protos.get(proto)
        if handler is None:
            step(f"protocol {name}: no handler (InUnknownProtos), answer protocol unreachable")
            return "IP_NOPROTO"
        step(f"protocol {name}, ttl {buf[off + 8]} → {handler_name(handler)}")
        return None

    def _explain_route_input(self, step, src: bytes, dst: bytes, link, decision, route) -> str | None:
        """Words for route_input's decision (and martian_source's, which it made first)."""
        source, target = wire.addr_to_str(src), wire.addr_to_str(dst)
        if decision == "IP_INVALID_SOURCE":
            step(f"source {source} is {self._source_kind(src)}: a martian, refused")
            return decision
        if src in self.local:
            step(f"source {source} is ours, arriving on loopback: allowed")
        else:
            step(f"source {source} is unicast and not ours: not a martian")
        if decision is DELIVER_LOCAL:
            step(f"destination {target} is local (route {_route_text(route.to_dict())}): deliver here")
        elif decision is DELIVER_BROADCAST:
            what = (f"route {_route_text(route.to_dict())}" if route is not None
                    else "the limited broadcast")
            step(f"destination {target} is a broadcast address ({what}): deliver here (InBcastPkts)")
        elif decision is FORWARD:
            step(f"destination {target} is another host's: forward by route {_route_text(route.to_dict())}"
                 f"{self._rule_words(src, dst, link)}")
        elif decision == "IP_INVALID_DEST":
            step(f"destination {target} is multicast and no group is joined" if route is None else
                 f"destination {target} has a {route.type} route: a martian destination")
            return decision
        elif dst[0] == 127:
            step(f"destination {target} is a loopback address arriving on {link.name}: a martian")
            return decision
        elif decision == "IP_INADDRERRORS":
            step(f"destination {target} is not ours and {link.name} does not forward "
                 f"(net.ipv4.conf.{link.name}.forwarding = 0): InAddrErrors")
            return decision
        elif decision == "IP_INNOROUTES":
            step(f"destination {target} is another host's and no route leads there"
                 f"{self._rule_words(src, dst, link)}: network unreachable sent back (InNoRoutes)")
            return decision
        else:
            answer = {"ROUTE_UNREACHABLE": "host unreachable sent back",
                      "ROUTE_PROHIBIT": "administratively prohibited sent back",
                      "ROUTE_BLACKHOLE": "dropped without a word"}[decision]
            step(f"destination {target} meets a {route.type} "
                 f"{'rule' if route.table == 0 else 'route'}{self._rule_words(src, dst, link)}: {answer}")
            return decision
        return None

    def _rule_words(self, src: bytes, dst: bytes, link) -> str:
        """Which rule the lookup ended at, in `ip rule`'s words (the decision route input cached)."""
        rule = self.fib.decide(dst, None, src, link, 0, 0).rule
        if rule is None:
            return " (after every rule)"
        return f" (rule {rule.priority}: {rule_text(rule.to_dict())})"

    def _explain_forward(self, step, pkt: Packet, route) -> str | None:
        buf, off = pkt.buf, pkt.data
        total = (buf[off + 2] << 8) | buf[off + 3]
        refused = forward_refusal(buf, off, total, pkt.broadcast, route)
        ttl = buf[off + 8]
        mtu = route.mtu_out()
        words = {"OTHERHOST": "it came as a link-layer broadcast: not forwarded",
                 "IP_INHDR": f"ttl {ttl}: it would run out here; time exceeded sent back",
                 "PKT_TOO_BIG": f"length {total} > mtu {mtu} of {route.link.name} with DF set: "
                                f"fragmentation needed (mtu {mtu}) sent back"}
        if refused:
            step(words[refused])
            return refused
        step(f"ttl {ttl} → {ttl - 1}, out of {route.link.name}")
        if total > mtu:
            ihl = (buf[off] & 15) * 4
            return self.stack.ipfrag.explain_fragment(step, total, ihl, mtu, route.link.name, False)
        return None

    def _source_kind(self, src: bytes) -> str:
        if src[0] == 0:
            return "in 0.0.0.0/8 (this network), sending to other than the limited broadcast"
        if src[0] >= 224:
            return "multicast" if src[0] < 240 else "reserved (240/4)"
        if src in self.local:
            return f"our own address (on {self.local[src].link.name})"
        return "a broadcast address"

    def explain_output(self, rec, pkt: Packet, src, dst: bytes, oif, route, mark: int = 0,
                       df: bool = False) -> str | None:
        """The route `output` chose, the source it takes, the MTU check and where the packet goes."""
        def step(text):
            rec.step("ipv4", text)
        text = wire.addr_to_str(dst)
        if route is None:
            step(f"output to {text}: no route" + (f" via {oif.name}" if oif is not None else ""))
            return "IP_OUTNOROUTES"
        if route.link is None:
            rule = self.fib.decide(dst, oif, src, None, mark, 0).rule
            step(f"output to {text}: a {route.type} {'rule' if route.table == 0 else 'route'} refuses it"
                 + (f" (rule {rule.priority}: {rule_text(rule.to_dict())})" if rule is not None else ""))
            return "IP_OUTNOROUTES"
        link, nexthop = output_path(route, dst, self.stack.loopback)
        redirected = self.redirects.gateway(dst, link) if route.type == UNICAST else None
        nexthop = redirected or nexthop
        hop = "redirected" if redirected else "on link" if nexthop == dst else "gateway"
        via = f", through {link.name}" if link is not route.link else ""
        rule = self.fib.decide(dst, oif, src, None, mark, 0).rule      # the lookup output made
        by_rule = f" (rule {rule.priority}: {rule_text(rule.to_dict())})" if rule is not None else ""
        step(f"output to {text}: route {_route_text(route.to_dict())}{via}{by_rule}; "
             f"next hop {wire.addr_to_str(nexthop)} ({hop})")
        if src is None:
            chosen = route.prefsrc or self.source_for(link, dst)
            if chosen is None:
                step(f"no source address to use on {link.name}")
                return "IP_OUTNOROUTES"
            how = "the route's preferred source" if route.prefsrc else f"an address chosen for {link.name}"
            step(f"source {wire.addr_to_str(chosen)}: {how}")
        else:
            step(f"source {wire.addr_to_str(src)}: set by the protocol sending it")
        total = len(pkt) + wire.MIN_LEN
        mtu = route.mtu or link.mtu
        learned = self.pmtu.path_mtu(dst, mtu)
        if learned < mtu:
            step(f"path MTU to {text}: {learned}, learned from an ICMP error (route mtu {mtu})")
            mtu = learned
        if total > mtu:                         # stack/l3/ipv4_frag.py
            return self.stack.ipfrag.explain_fragment(step, total, wire.MIN_LEN, mtu, link.name, df)
        step(f"length {total} ≤ mtu {mtu}")
        return None


def kernel_routes(ifa: IfAddr) -> list[Route]:
    """The routes an address brings (fib_add_ifaddr): itself as `local`, its subnet's broadcast,
    and its prefix (`unicast` in main; `local` in the local table on a loopback link)."""
    link, address = ifa.link, ifa.address
    routes = [Route(wire.to_int(address), 32, link, prefsrc=address, scope="host", type=LOCAL,
                    table=RT_TABLE_LOCAL)]
    if ifa.secondary:                   # its primary brought the subnet's routes already
        return routes
    if ifa.prefixlen < 32:
        if link.iff_loopback:
            routes.append(Route(ifa.network, ifa.prefixlen, link, prefsrc=address, scope="host",
                                type=LOCAL, table=RT_TABLE_LOCAL))
        else:
            routes.append(Route(ifa.network, ifa.prefixlen, link, prefsrc=address))
    if ifa.prefixlen < 31:
        routes.append(Route(wire.to_int(ifa.broadcast), 32, link, prefsrc=address,
                            type=RTN_BROADCAST, table=RT_TABLE_LOCAL))
    return routes


def forward_refusal(buf, off: int, total: int, broadcast: bool, route: Route) -> str | None:
    """Why ip_forward will not send the packet at buf[off:] on (a drop reason), or None."""
    if broadcast:                           # not sent to our MAC: not ours to forward
        return "OTHERHOST"
    if buf[off + 8] <= 1:
        return "IP_INHDR"                   # its TTL runs out here: time exceeded
    if total > route.mtu_out() and buf[off + 6] & 0x40:
        return "PKT_TOO_BIG"                # DF set; without it, it goes on in fragments
    return None


def _through(route: Route, link) -> bool:
    """Whether the route sends through `link` (as its link or one of its next hops)."""
    return route.link is link or any(nh.link is link for nh in route.nexthops)


def output_path(route: Route, dst: bytes, loopback) -> tuple:
    """(link, next hop) a route sends through: our own addresses go round through loopback."""
    if route.type == LOCAL:
        return loopback, dst
    return route.link, route.gateway or dst


def _explain_header(step, buf, off: int, avail: int) -> str | None:
    """wire.validate's checks (ip_rcv_core), one step each; the drop reason of the first that fails."""
    if avail < wire.MIN_LEN:
        step(f"only {avail} bytes after the link header: less than a {wire.MIN_LEN}-byte IPv4 header")
        return "PKT_TOO_SMALL"
    version, ihl = buf[off] >> 4, (buf[off] & 15) * 4
    if version != 4:
        step(f"version {version}: not 4")
        return "IP_INHDR"
    step("version 4")
    if ihl < wire.MIN_LEN:
        step(f"header length {ihl} (IHL {ihl // 4}) < {wire.MIN_LEN}: too short")
        return "IP_INHDR"
    if ihl > avail:
        step(f"header length {ihl} > {avail} captured")
        return "PKT_TOO_SMALL"
    step(f"header length {ihl} ≤ {avail} captured")
    field = (buf[off + 10] << 8) | buf[off + 11]
    if ones_sum(buf[off:off + ihl]) != 0xFFFF:
        header = bytes(buf[off:off + 10]) + b"\0\0" + bytes(buf[off + 12:off + ihl])
        step(f"header checksum 0x{field:04x} wrong: should be 0x{checksum(header):04x} (InCsumErrors)")
        return "IP_CSUM"
    step(f"header checksum 0x{field:04x} good")
    total = (buf[off + 2] << 8) | buf[off + 3]
    if total > avail:
        step(f"total length {total} > {avail} available: truncated (InTruncatedPkts)")
        return "PKT_TOO_SMALL"
    if total < ihl:
        step(f"total length {total} < header length {ihl}")
        return "IP_INHDR"
    step(f"total length {total} ≤ {avail} available (padding {avail - total})")
    return None


def _route_text(row: dict) -> str:
    """A route as `ip route` prints it."""
    words = [row["type"], row["dst"]] if "type" in row else [row["dst"]]
    if "gateway" in row:
        words += ["via", row["gateway"]]
    if "dev" in row:
        words += ["dev", row["dev"]]
    words += ["proto", row.get("protocol", "boot"), "scope", row.get("scope", "global")]
    if "prefsrc" in row:
        words += ["src", row["prefsrc"]]
    return " ".join(words)


counter_group("Ip", 10, lambda stack: stack.ipv4.mib.snapshot())
counter_group("IpExt", 11, lambda stack: stack.ipv4.ext.snapshot())
