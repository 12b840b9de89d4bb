"""ICMP redirects received (RFC 792, RFC 1122 3.2.2.2): a cache of next hops per destination.

A router that forwards one of our packets back out of the link it came in on tells us of a
better first hop on that link.  IPv4 takes it as __ip_do_redirect does (net/ipv4/route.c):
host and net codes alike make a next-hop exception for the quoted packet's destination, only
when the redirect comes from the gateway our route uses for it, the new gateway is a unicast
address (not zero, multicast or broadcast; shared_media is 1 as on Linux, so secure_redirects
has no say) other than the old one, and net.ipv4.conf accept_redirects allows it
(IN_DEV_RX_REDIRECTS: all OR the link's on a host, all AND the link's on a forwarding link).
As Linux, the exception is made only while the new gateway's neighbour entry is valid; else
resolution starts and the redirect is forgotten (the router repeats it).  An entry lasts
ip_rt_gc_timeout (300 s); `route get` shows it as `cache <redirected> expires Nsec`.

IPv6 takes an NDP Redirect as ndisc_redirect_rcv and rt6_do_redirect do: RFC 4861 8.1's
checks (link-local source, hop limit 255, code 0, 40 bytes, a destination not multicast, a
target link-local or equal to the destination, valid options), from the router our route
uses for the destination, on a link that does not forward and whose
net.ipv6.conf.DEV.accept_redirects is 1; the target's link-layer option updates its
neighbour entry (STALE), and the destination's next hop becomes the target.

`check4` and `check6` are the decisions the receive paths and the trace explainers share.
"""
from __future__ import annotations

from ..l2.neigh import VALID
from ..packet import Packet
from ..l2.ndp import common_check, lladdr_option, options
from ..wire import icmp as wire
from ..wire import icmpv6 as wire6
from ..wire import ipv6 as ip6wire
from .addrconf import is_link_local, is_multicast
from ..wire import ipv4 as ipwire
from .route import RT_TABLE_LOCAL

REDIRECT = 5
CODES = {0: "net", 1: "host", 2: "net for TOS", 3: "host for TOS"}
GC_TIMEOUT = 300                # ip_rt_gc_timeout, seconds
LIMIT = 4096


class NexthopCache:
    """Redirected next hops, per destination: dst -> (link, gateway, expiry); the shape of
    stack/l3/pmtu.py's cache."""

    def __init__(self, stack, expires: int = GC_TIMEOUT):
        self.stack = stack
        self.expires = expires
        self.entries: dict[bytes, tuple[object, bytes, float]] = {}

    def learn(self, dst: bytes, link, gateway: bytes) -> None:
        self.entries.pop(dst, None)
        if len(self.entries) >= LIMIT:
            del self.entries[next(iter(self.entries))]
        self.entries[dst] = (link, gateway, self.stack.now() + self.expires)

    def gateway(self, dst: bytes, link) -> bytes | None:
        """The redirected next hop for `dst` through `link` while it lasts."""
        found = self.entries.get(dst)
        if found is None:
            return None
        if self.stack.now() >= found[2]:
            del self.entries[dst]
            return None
        return found[1] if found[0] is link else None

    def remaining(self, dst: bytes, link) -> tuple[bytes, int] | None:
        """(gateway, whole seconds left) as `ip route get` prints them."""
        gateway = self.gateway(dst, link)
        if gateway is None:
            return None
        return gateway, max(0, int(self.entries[dst][2] - self.stack.now()))

    def flush(self) -> int:
        count = len(self.entries)
        self.entries.clear()
        return count


def accepts_redirects4(ipv4, link) -> bool:
    """IN_DEV_RX_REDIRECTS."""
    conf, all_ = ipv4.conf(link), ipv4.conf_all
    if conf["forwarding"]:
        return bool(all_["accept_redirects"] and conf["accept_redirects"])
    return bool(all_["accept_redirects"] or conf["accept_redirects"])


def check4(stack, pkt: Packet):
    """__ip_do_redirect's checks: (reason, words) to refuse, or (None, (dst, link, new_gw, words))."""
    buf, off, net = pkt.buf, pkt.data, pkt.network
    code = buf[off + 1]
    if code not in CODES:
        return "ICMP_REDIRECT_CODE", f"code {code} is not a redirect's"
    inner = off + wire.HEADER_LEN
    if pkt.tail - inner < ipwire.MIN_LEN:
        return "PKT_TOO_SMALL", "too short to quote an IPv4 header"
    old_gw = bytes(buf[net + 12:net + 16])
    new_gw = bytes(buf[off + 4:off + 8])
    dst = bytes(buf[inner + 16:inner + 20])
    ipv4, link = stack.ipv4, pkt.link
    route = ipv4.fib.lookup(dst, None, None, None, 0)
    current = None
    if route is not None and route.link is link:
        current = ipv4.redirects.gateway(dst, link) or route.gateway
    show = ipwire.addr_to_str
    if current != old_gw:
        return "ICMP_REDIRECT_REFUSED", (f"from {show(old_gw)}, not the gateway we use for "
                                         f"{show(dst)} on {link.name}")
    if not accepts_redirects4(ipv4, link):
        return "ICMP_REDIRECT_REFUSED", (f"net.ipv4.conf accept_redirects forbids it on {link.name}"
                                         + (" (a forwarding link needs all and the link's)"
                                            if ipv4.conf(link)["forwarding"] else ""))
    if new_gw == old_gw or new_gw[0] >= 224 or new_gw == ipwire.LIMITED_BROADCAST or new_gw[0] == 0:
        return "ICMP_REDIRECT_REFUSED", f"new gateway {show(new_gw)} is not a usable unicast address"
    local = ipv4.fib.tables[RT_TABLE_LOCAL].lookup(int.from_bytes(new_gw, "big"), None)
    if local is not None:                       # inet_addr_type(new_gw) != RTN_UNICAST
        return "ICMP_REDIRECT_REFUSED", f"new gateway {show(new_gw)} is one of ours or a broadcast"
    return None, (dst, link, new_gw, f"{CODES[code]} redirect for {show(dst)}: next hop "
                                     f"{show(old_gw)} -> {show(new_gw)} on {link.name}")


REDIRECT6_LEN = 40


def check6(stack, pkt: Packet):
    """RFC 4861 8.1 and rt6_do_redirect: (reason, words) to refuse, or (None, (dst, link,
    target, lladdr, words))."""
    buf, off, net = pkt.buf, pkt.data, pkt.network
    reason = common_check(pkt, REDIRECT6_LEN)
    if reason is not None:
        return reason, {"IPV6_NDISC_HOP_LIMIT": f"hop limit {buf[net + 7]}, not 255",
                        "IPV6_NDISC_BAD_CODE": f"code {buf[off + 1]}, not 0",
                        "PKT_TOO_SMALL": f"shorter than {REDIRECT6_LEN} bytes"}[reason]
    show = ip6wire.addr_to_str
    router = bytes(buf[net + 8:net + 24])
    target, dst = bytes(buf[off + 8:off + 24]), bytes(buf[off + 24:off + 40])
    if not is_link_local(router):
        return "IPV6_NDISC_REDIRECT", f"its source {show(router)} is not link-local"
    if is_multicast(dst):
        return "IPV6_NDISC_REDIRECT", f"destination {show(dst)} is multicast"
    if target != dst and not is_link_local(target):
        return "IPV6_NDISC_REDIRECT", f"target {show(target)} is neither link-local nor the destination"
    found = options(buf, off + REDIRECT6_LEN, pkt.tail)
    if type(found) is str:
        return found, "an option with length 0 or past the message"
    link, ipv6 = pkt.link, stack.ipv6
    conf = ipv6.conf(link)
    if conf["forwarding"] or not conf["accept_redirects"]:
        return "IPV6_NDISC_REDIRECT", (f"{link.name} forwards" if conf["forwarding"] else
                                       f"net.ipv6.conf.{link.name}.accept_redirects is 0")
    route = ipv6.fib.lookup(dst, None, None, None, 0)
    current = None
    if route is not None and route.link is link:
        current = ipv6.redirects.gateway(dst, link) or route.gateway
    if current != router:
        return "IPV6_NDISC_REDIRECT", f"from {show(router)}, not our first hop for {show(dst)} on {link.name}"
    lladdr = lladdr_option(buf, found, wire6.ND_OPT_TARGET_LL_ADDR)
    return None, (dst, link, target, lladdr,
                  f"redirect for {show(dst)}: next hop {show(router)} -> {show(target)}"
                  + (" (the destination is on-link)" if target == dst else ""))


class Redirects:
    """The receive side: registered on ICMP type 5."""

    def __init__(self, stack):
        self.stack = stack
        stack.ipv4.redirects = NexthopCache(stack)
        stack.icmp.handlers[REDIRECT] = self.receive4
        stack.icmp.explainers[REDIRECT] = self.explain4
        stack.ipv6.redirects = NexthopCache(stack)
        stack.icmp6.handlers[wire6.REDIRECT] = self.receive6
        stack.icmp6.explainers[wire6.REDIRECT] = self.explain6

    def receive6(self, pkt: Packet) -> None:
        stack = self.stack
        reason, found = check6(stack, pkt)
        if reason is not None:
            stack.drop(reason)
            return
        dst, link, target, lladdr, _ = found
        if lladdr is not None:
            rec = stack.trace_rec
            if rec is not None:
                rec.sending_begin()
            try:
                entry = stack.ndp.table.confirm(link, target, lladdr, reachable=False, create=True)
                if entry is not None and target != dst:
                    stack.ndp.table.routers.add(entry.key)
            finally:
                if rec is not None:
                    rec.sending_end()
        stack.ipv6.redirects.learn(dst, link, target)
        stack.ipv6.fib.flush_cache()

    def explain6(self, rec, pkt: Packet, what: str) -> str | None:
        reason, found = check6(self.stack, pkt)
        if reason is not None:
            rec.step("ndisc", f"{what}: refused, {found}")
            return reason
        rec.step("ndisc", f"{what}: {found[-1]}; accepted for {GC_TIMEOUT} s")
        return None

    def receive4(self, pkt: Packet) -> None:
        stack = self.stack
        stack.icmp.mib.InRedirects += 1
        reason, found = check4(stack, pkt)
        rec = stack.trace_rec
        if reason is not None:
            if reason == "PKT_TOO_SMALL":
                stack.icmp.mib.InErrors += 1
            stack.drop(reason)
            return
        dst, link, new_gw, words = found
        entry = stack.arp.table.entries.get((link.index, new_gw))
        if entry is None or entry.state not in VALID:
            if rec is not None:
                rec.sending_begin()
            try:
                stack.arp.table.event_send(link, new_gw)
            finally:
                if rec is not None:
                    rec.sending_end()
            stack.drop("ICMP_REDIRECT_UNRESOLVED")
            return
        stack.ipv4.redirects.learn(dst, link, new_gw)

    def explain4(self, step, what: str, pkt: Packet) -> str | None:
        reason, found = check4(self.stack, pkt)
        if reason is not None:
            step(f"{what}: refused, {found}")
            return reason
        dst, link, new_gw, words = found
        entry = self.stack.arp.table.entries.get((link.index, new_gw))
        if entry is None or entry.state not in VALID:
            step(f"{what}: {words}; the new gateway is not resolved yet: resolving it and "
                 "forgetting the redirect (as Linux)")
            return "ICMP_REDIRECT_UNRESOLVED"
        step(f"{what}: {words}; accepted for {GC_TIMEOUT} s (net.ipv4.conf accept_redirects allows it)")
        return None
