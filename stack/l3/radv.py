"""Sending Router Advertisements (RFC 4861 6.2): netsh as an IPv6 router on a link, as radvd is.

`link set DEV ra on ...` gives a link an `AdvertConfig` (radvd.conf's options, iproute2's
spelling).  While on, the link joins all-routers and advertises to all-nodes at random
intervals between MinRtrAdvInterval and MaxRtrAdvInterval, the first
MAX_INITIAL_RTR_ADVERTISEMENTS at most MAX_INITIAL_RTR_ADVERT_INTERVAL apart; a Router
Solicitation is answered after a random delay up to MAX_RA_DELAY_TIME, unicast to a
solicitor with an address, else to all-nodes no sooner than MIN_DELAY_BETWEEN_RAS after the
last; turning it off sends one last advertisement with router lifetime 0.  As radvd, it
refuses to start while IPv6 forwarding is off.  `build_advert` is the message, pure.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..errors import StackError
from ..l2.ndp import common_check, lladdr_option, options
from ..packet import Packet
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from ..wire.ipv6 import addr_to_str
from .addrconf import ALL_NODES, ALL_ROUTERS, UNSPECIFIED, is_link_local
from .icmpv6 import fill_checksum

MAX_INITIAL_RTR_ADVERTISEMENTS = 3
MAX_INITIAL_RTR_ADVERT_INTERVAL = 16.0
MIN_DELAY_BETWEEN_RAS = 3.0
MAX_RA_DELAY_TIME = 0.5
HOP_LIMIT = 255
FLAG_MANAGED, FLAG_OTHER = 0x80, 0x40
PREFIX_ON_LINK, PREFIX_AUTONOMOUS = 0x80, 0x40


@dataclass
class AdvPrefix:
    prefix: bytes                       # 16 bytes, host bits zero
    prefixlen: int = 64
    onlink: bool = True                 # AdvOnLink
    autonomous: bool = True             # AdvAutonomous
    valid: int = 86400                  # AdvValidLifetime
    preferred: int = 14400              # AdvPreferredLifetime

    def to_dict(self) -> dict:
        return {"prefix": f"{addr_to_str(self.prefix)}/{self.prefixlen}", "onlink": self.onlink,
                "autonomous": self.autonomous, "valid": self.valid, "preferred": self.preferred}


@dataclass
class AdvertConfig:
    prefixes: list = field(default_factory=list)    # none: the link's own /64s (radvd's ::/64)
    min_interval: float = 200.0         # MinRtrAdvInterval
    max_interval: float = 600.0         # MaxRtrAdvInterval
    lifetime: int | None = None         # AdvDefaultLifetime; None: 3 * MaxRtrAdvInterval
    mtu: int = 0                        # AdvLinkMTU; 0: no MTU option
    managed: bool = False               # AdvManagedFlag
    other: bool = False                 # AdvOtherConfigFlag
    hoplimit: int = 64                  # AdvCurHopLimit

    def check(self) -> str | None:
        """RFC 4861 6.2.1's bounds, or what is wrong in one line."""
        if not 4 <= self.max_interval <= 1800:
            return f"ra: interval max {self.max_interval:g} not in 4..1800"
        if not 3 <= self.min_interval <= 0.75 * self.max_interval:
            return f"ra: interval min {self.min_interval:g} not in 3..{0.75 * self.max_interval:g} (0.75 * max)"
        if self.lifetime is not None and self.lifetime != 0 and \
                not self.max_interval <= self.lifetime <= 9000:
            return f"ra: lifetime {self.lifetime} not 0 or in {self.max_interval:g}..9000"
        if not 0 <= self.hoplimit <= 255:
            return f"ra: hoplimit {self.hoplimit} not in 0..255"
        for p in self.prefixes:
            if p.preferred > p.valid:
                return f"ra: prefix {addr_to_str(p.prefix)}/{p.prefixlen}: preferred {p.preferred} over valid {p.valid}"
        return None

    @property
    def router_lifetime(self) -> int:
        return int(3 * self.max_interval) if self.lifetime is None else self.lifetime

    def to_dict(self) -> dict:
        out = {"prefixes": [p.to_dict() for p in self.prefixes],
               "interval": [self.min_interval, self.max_interval], "lifetime": self.router_lifetime,
               "managed": self.managed, "other": self.other, "hoplimit": self.hoplimit}
        if self.mtu:
            out["mtu"] = self.mtu
        return out


def build_advert(cfg: AdvertConfig, mac: bytes | None, prefixes: list, lifetime: int) -> bytes:
    """The RA's ICMPv6 message, checksum zero: header, then source link-layer address, MTU and
    prefix information options (RFC 4861 4.2, 4.6)."""
    flags = (FLAG_MANAGED if cfg.managed else 0) | (FLAG_OTHER if cfg.other else 0)
    out = bytearray((wire.ROUTER_ADVERT, 0, 0, 0, cfg.hoplimit, flags))
    out += lifetime.to_bytes(2, "big") + bytes(8)           # reachable, retrans: unspecified
    if mac is not None:
        out += bytes((wire.ND_OPT_SOURCE_LL_ADDR, 1)) + mac
    if cfg.mtu:
        out += bytes((5, 1, 0, 0)) + cfg.mtu.to_bytes(4, "big")
    for p in prefixes:
        pflags = (PREFIX_ON_LINK if p.onlink else 0) | (PREFIX_AUTONOMOUS if p.autonomous else 0)
        out += bytes((wire.ND_OPT_PREFIX_INFO, 4, p.prefixlen, pflags)) + p.valid.to_bytes(4, "big") \
            + p.preferred.to_bytes(4, "big") + bytes(4) + p.prefix
    return bytes(out)


class _Advertising:
    """One link's state while it advertises."""

    def __init__(self, cfg: AdvertConfig):
        self.cfg = cfg
        self.initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS
        self.timer = None
        self.last_multicast = float("-inf")
        self.pending_multicast = None


class RouterAdvertiser:
    def __init__(self, stack):
        self.stack = stack
        self.links: dict = {}                           # link -> _Advertising
        stack.icmp6.handlers[wire.ROUTER_SOLICIT] = self.receive_solicit
        stack.icmp6.explainers[wire.ROUTER_SOLICIT] = self.explain_solicit

    def config(self, link) -> AdvertConfig | None:
        state = self.links.get(link)
        return None if state is None else state.cfg

    # --- on and off -------------------------------------------------------------------
    def start(self, link, cfg: AdvertConfig) -> None:
        ipv6 = self.stack.ipv6
        if not (ipv6.forwarding or ipv6.conf(link)["forwarding"]):
            raise StackError("ra: IPv6 forwarding is off: set net.ipv6.conf.all.forwarding=1 first "
                             "(a host does not advertise)")
        wrong = cfg.check()
        if wrong:
            raise StackError(wrong)
        state = self.links.get(link)
        if state is not None:
            state.cfg = cfg                              # new options: the next RA tells them
            return
        state = self.links[link] = _Advertising(cfg)
        ipv6.join(link, ALL_ROUTERS)
        self._arm(link, state, random.uniform(0, MAX_RA_DELAY_TIME))

    def stop(self, link) -> None:
        """The last advertisement says router lifetime 0 (RFC 4861 6.2.5), then silence."""
        state = self.links.pop(link, None)
        if state is None:
            return
        for timer in (state.timer, state.pending_multicast):
            if timer is not None:
                timer.cancel()
        self.send(link, state.cfg, ALL_NODES, lifetime=0)
        if self.stack.ipv6.joined(link, ALL_ROUTERS):
            self.stack.ipv6.leave(link, ALL_ROUTERS)

    def link_gone(self, link) -> None:
        state = self.links.pop(link, None)
        if state is not None:
            for timer in (state.timer, state.pending_multicast):
                if timer is not None:
                    timer.cancel()

    # --- unsolicited ------------------------------------------------------------------
    def next_delay(self, state: _Advertising) -> float:
        """RFC 4861 6.2.4: uniform in [min, max], the first few no more than 16 s apart."""
        delay = random.uniform(state.cfg.min_interval, state.cfg.max_interval)
        if state.initial_left > 0:
            delay = min(delay, MAX_INITIAL_RTR_ADVERT_INTERVAL)
        return delay

    def _arm(self, link, state: _Advertising, delay: float) -> None:
        state.timer = self.stack.timers.arm(self.stack.now() + delay, self._periodic, link,
                                            name="ra-send")

    def _periodic(self, link) -> None:
        state = self.links.get(link)
        if state is None or link.stack is not self.stack:
            return
        if link.admin_up:
            self._multicast(link, state)
        if state.initial_left > 0:
            state.initial_left -= 1
        self._arm(link, state, self.next_delay(state))

    def _multicast(self, link, state: _Advertising) -> None:
        if self.send(link, state.cfg, ALL_NODES):
            state.last_multicast = self.stack.now()

    # --- solicited (RFC 4861 6.2.6) -----------------------------------------------------
    def check_solicit(self, pkt: Packet):
        """RFC 4861 6.1.1 for a Router Solicitation here: a drop reason, or (source, lladdr)."""
        if pkt.link not in self.links:
            return "ICMP_UNHANDLED"                     # not advertising here: as a host, ignored
        reason = common_check(pkt, 8)
        if reason is not None:
            return reason
        buf, off = pkt.buf, pkt.data
        found = options(buf, off + 8, pkt.tail)
        if type(found) is str:
            return found
        src = bytes(buf[pkt.network + 8:pkt.network + 24])
        lladdr = lladdr_option(buf, found, wire.ND_OPT_SOURCE_LL_ADDR)
        if src == UNSPECIFIED and lladdr is not None:
            return "IPV6_NDISC_BAD_OPTIONS"             # no link-layer address from ::
        return src, lladdr

    def explain_solicit(self, rec, pkt: Packet, what: str) -> str | None:
        checked = self.check_solicit(pkt)
        if type(checked) is str:
            words = {"ICMP_UNHANDLED": "this link sends no router advertisements: ignored",
                     "IPV6_NDISC_HOP_LIMIT": "hop limit not 255", "IPV6_NDISC_BAD_CODE": "code not 0",
                     "PKT_TOO_SMALL": "shorter than 8 bytes",
                     "IPV6_NDISC_BAD_OPTIONS": "a bad option, or a link-layer address from ::"}
            rec.step("ndisc", f"{what}: {words.get(checked, checked)}")
            return checked
        src = checked[0]
        rec.step("ndisc", f"{what}: answered within {MAX_RA_DELAY_TIME} s, " + (
            f"unicast to {addr_to_str(src)}" if src != UNSPECIFIED else
            f"to all-nodes, no sooner than {MIN_DELAY_BETWEEN_RAS:g} s after the last"))
        return None

    def receive_solicit(self, pkt: Packet) -> None:
        stack = self.stack
        checked = self.check_solicit(pkt)
        if type(checked) is str:
            stack.drop(checked)
            return
        src, lladdr = checked
        link = pkt.link
        state = self.links[link]
        if lladdr is not None:
            stack.ndp.table.confirm(link, src, lladdr, reachable=False, create=True)
        delay = random.uniform(0, MAX_RA_DELAY_TIME)
        if src != UNSPECIFIED:
            stack.timers.arm(stack.now() + delay, self._unicast, link, src, name="ra-send")
            return
        if state.pending_multicast is not None:
            return                                      # one answer is coming already
        when = max(stack.now() + delay, state.last_multicast + MIN_DELAY_BETWEEN_RAS)
        state.pending_multicast = stack.timers.arm(when, self._answer_multicast, link, name="ra-send")

    def _unicast(self, link, dst: bytes) -> None:
        state = self.links.get(link)
        if state is not None:
            self.send(link, state.cfg, dst)

    def _answer_multicast(self, link) -> None:
        state = self.links.get(link)
        if state is None:
            return
        state.pending_multicast = None
        self._multicast(link, state)

    # --- the message ------------------------------------------------------------------
    def prefixes(self, link, cfg: AdvertConfig) -> list:
        """The prefixes to tell: those given, else each /64 of the link's global addresses."""
        if cfg.prefixes:
            return cfg.prefixes
        out, seen = [], set()
        for ifa in self.stack.ipv6.addresses(link):
            if ifa.prefixlen != 64 or is_link_local(ifa.address) or ifa.scope != "global":
                continue
            prefix = ifa.address[:8] + bytes(8)
            if prefix not in seen:
                seen.add(prefix)
                out.append(AdvPrefix(prefix))
        return out

    def source(self, link) -> bytes | None:
        """The link's link-local, once DAD passed (RFC 4861 6.2.2: no RA without one)."""
        for ifa in self.stack.ipv6.addresses(link):
            if is_link_local(ifa.address) and ifa.usable:
                return ifa.address
        return None

    def send(self, link, cfg: AdvertConfig, dst: bytes, lifetime: int | None = None) -> bool:
        src = self.source(link)
        if src is None or not link.admin_up:
            return False
        body = build_advert(cfg, link.mac if link.has_mac else None, self.prefixes(link, cfg),
                            cfg.router_lifetime if lifetime is None else lifetime)
        pkt = Packet.alloc(len(body))
        buf, s = pkt.buf, pkt.data
        buf[s:s + len(body)] = body
        fill_checksum(buf, s, pkt.tail, src, dst)
        self.stack.icmp6.count_out(wire.ROUTER_ADVERT)
        self.stack.ipv6.output(pkt, src, dst, ipwire.NEXTHDR_ICMP, hlim=HOP_LIMIT, oif=link)
        return True
