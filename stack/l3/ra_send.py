"""Router Advertisements sent (RFC 4861 6.2), so a lab can use the stack as an IPv6 router.

Linux leaves this to a daemon (radvd); its settings and defaults are radvd's: unsolicited
advertisements at a random interval between `min_interval` and `max_interval` (200 and 600
s), the first three (MAX_INITIAL_RTR_ADVERTISEMENTS) no more than 16 s apart, a router
lifetime of three times the maximum interval, and per prefix a valid lifetime of 86400 s and
a preferred one of 14400 s, on-link and autonomous.  With no prefix listed, each global
prefix of the link's addresses is advertised (radvd's `prefix ::/64`).  A Router
Solicitation is answered to all-nodes after a random 0-0.5 s, at most one answer each 3 s
(MIN_DELAY_BETWEEN_RAS); turning a link's advertisements off sends a last one with a router
lifetime of 0 (6.2.5); a link coming up starts again with the initial burst.  As radvd, it
refuses to start while the link does not forward.
"""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field, replace

from ..errors import StackError
from ..l2.ndp import common_check, lladdr_option, options
from ..link.notifier import NETDEV_DOWN, NETDEV_UNREGISTER, NETDEV_UP
from ..packet import Packet
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from .addrconf import ALL_NODES, is_link_local
from .icmpv6 import fill_checksum

MAX_INITIAL_RTR_ADVERTISEMENTS = 3
MAX_INITIAL_RTR_ADVERT_INTERVAL = 16.0
MIN_DELAY_BETWEEN_RAS = 3.0
MAX_RA_DELAY_TIME = 0.5
HOP_LIMIT = 255
RA_HEADER_LEN = 16
PREFIX_OPTION_LEN = 32
FLAG_MANAGED, FLAG_OTHER = 0x80, 0x40
FLAG_ON_LINK, FLAG_AUTONOMOUS = 0x80, 0x40


@dataclass(frozen=True)
class Prefix:
    network: bytes                  # 16 bytes, host bits clear
    length: int = 64
    on_link: bool = True
    autonomous: bool = True
    valid: int = 86400
    preferred: int = 14400


@dataclass(frozen=True)
class AdvertConfig:
    """One link's advertisement settings, named after radvd.conf's."""
    min_interval: float = 200.0     # MinRtrAdvInterval
    max_interval: float = 600.0     # MaxRtrAdvInterval
    lifetime: int | None = None     # AdvDefaultLifetime (None: 3 x max_interval)
    hop_limit: int = 64             # AdvCurHopLimit
    managed: bool = False           # AdvManagedFlag
    other: bool = False             # AdvOtherConfigFlag
    mtu: int = 0                    # AdvLinkMTU (0: no MTU option)
    prefixes: tuple = field(default_factory=tuple)     # Prefix rows; empty: the link's own

    def router_lifetime(self) -> int:
        return int(3 * self.max_interval) if self.lifetime is None else self.lifetime


def check_config(config: AdvertConfig) -> None:
    """RFC 4861 6.2.1's ranges, in radvd's words where it has them."""
    if not 4 <= config.max_interval <= 1800:
        raise StackError("interval: MaxRtrAdvInterval must be between 4 and 1800 seconds")
    if not 3 <= config.min_interval <= 0.75 * config.max_interval:
        raise StackError("interval: MinRtrAdvInterval must be between 3 and 0.75 x MaxRtrAdvInterval")
    lifetime = config.router_lifetime()
    if lifetime and not config.max_interval <= lifetime <= 9000:
        raise StackError("lifetime: AdvDefaultLifetime must be 0 or between MaxRtrAdvInterval and 9000")
    if not 0 <= config.hop_limit <= 255:
        raise StackError("hoplimit: between 0 and 255")
    if config.mtu and not 1280 <= config.mtu <= 0xFFFFFFFF:
        raise StackError("mtu: at least 1280 (or 0 for none)")
    for prefix in config.prefixes:
        if prefix.preferred > prefix.valid:
            raise StackError("prefix: the preferred lifetime exceeds the valid one")


class _Advertising:
    """A link's sender state: its settings, the next unsolicited advertisement, counts."""

    def __init__(self, config: AdvertConfig):
        self.config = config
        self.initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS
        self.timer = None
        self.answer_timer = None
        self.last_sent = float("-inf")
        self.sent = 0
        self.solicited = 0


class RouterAdvertiser:
    def __init__(self, stack):
        self.stack = stack
        self.links: dict = {}          # link -> _Advertising
        stack.icmp6.handlers[wire.ROUTER_SOLICIT] = self.receive_solicit
        stack.icmp6.explainers[wire.ROUTER_SOLICIT] = self.explain_solicit
        stack.netdev.subscribe("ra_send", self.netdev_event)

    # --- settings ---------------------------------------------------------------------
    def start(self, link, config: AdvertConfig) -> None:
        check_config(config)
        ipv6 = self.stack.ipv6
        if not ipv6.conf(link)["forwarding"]:
            raise StackError(f"{link.name} does not forward IPv6: a host sends no router "
                             "advertisements (sysctl -w net.ipv6.conf.all.forwarding=1)")
        state = self.links.get(link)
        if state is None:
            state = self.links[link] = _Advertising(config)
        else:
            state.config = config
            state.initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS    # changed: tell the link soon
        self._schedule(link, state)

    def stop(self, link, farewell: bool = True) -> bool:
        state = self.links.pop(link, None)
        if state is None:
            return False
        for timer in (state.timer, state.answer_timer):
            if timer is not None:
                timer.cancel()
        if farewell:
            self._send(link, state, final=True)
        return True

    def netdev_event(self, event: str, link) -> None:
        if event == NETDEV_UP:
            self.link_up(link)
        elif event == NETDEV_DOWN:
            self.link_down(link)
        elif event == NETDEV_UNREGISTER:
            self.stop(link, farewell=False)

    def link_down(self, link) -> None:
        """A link gone down sends nothing, and stays configured."""
        state = self.links.get(link)
        if state is not None and state.timer is not None:
            state.timer.cancel()
            state.timer = None

    def link_up(self, link) -> None:
        state = self.links.get(link)
        if state is not None:
            state.initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS
            self._schedule(link, state)

    def show(self, link) -> dict | None:
        state = self.links.get(link)
        if state is None:
            return None
        config = state.config
        now = self.stack.now()
        row = {"ifname": link.name, "min_interval": config.min_interval,
               "max_interval": config.max_interval, "lifetime": config.router_lifetime(),
               "hoplimit": config.hop_limit, "managed": config.managed, "other": config.other}
        if config.mtu:
            row["mtu"] = config.mtu
        row["prefixes"] = [_prefix_row(p) for p in self.prefixes(link, config)]
        row["configured_prefixes"] = bool(config.prefixes)
        row["sent"] = state.sent
        row["solicited"] = state.solicited
        if state.timer is not None and not state.timer.cancelled:
            row["next"] = round(max(0.0, state.timer.when - now), 1)
        return row

    # --- timing (6.2.4) ---------------------------------------------------------------------
    def _schedule(self, link, state: _Advertising) -> None:
        if state.timer is not None:
            state.timer.cancel()
        config = state.config
        interval = random.uniform(config.min_interval, config.max_interval)
        if state.initial_left > 0:
            interval = min(interval, MAX_INITIAL_RTR_ADVERT_INTERVAL)
            if state.initial_left == MAX_INITIAL_RTR_ADVERTISEMENTS:
                interval = random.uniform(0, MAX_RA_DELAY_TIME)    # the first at once
        state.timer = self.stack.timers.arm(self.stack.now() + interval, self._unsolicited, link,
                                            name="ra-send")

    def _unsolicited(self, link) -> None:
        state = self.links.get(link)
        if state is None or not link.admin_up:
            return
        state.timer = None
        if not self._send(link, state):             # no usable link-local yet (DAD): soon again
            state.timer = self.stack.timers.arm(self.stack.now() + 1.0, self._unsolicited, link,
                                                name="ra-send")
            return
        if state.initial_left > 0:
            state.initial_left -= 1
        self._schedule(link, state)

    # --- solicitations (6.2.6) ----------------------------------------------------------------
    def solicit_refusal(self, pkt: Packet) -> str | None:
        """Why a Router Solicitation goes unanswered, or None (the decision receive and the
        trace share)."""
        reason = common_check(pkt, 8)
        if reason is not None:
            return reason
        found = options(pkt.buf, pkt.data + 8, pkt.tail)
        if type(found) is str:
            return found
        src = bytes(pkt.buf[pkt.network + 8:pkt.network + 24])
        if src == bytes(16) and wire.ND_OPT_SOURCE_LL_ADDR in found:
            return "IPV6_NDISC_BAD_OPTIONS"         # 6.1.1: no link-layer option from ::
        if pkt.link not in self.links:
            return "IPV6_NDISC_RS_NOT_ROUTER"
        return None

    def receive_solicit(self, pkt: Packet) -> None:
        stack = self.stack
        reason = self.solicit_refusal(pkt)
        if reason is not None:
            stack.drop(reason)
            return
        link = pkt.link
        state = self.links[link]
        state.solicited += 1
        src = bytes(pkt.buf[pkt.network + 8:pkt.network + 24])
        lladdr = lladdr_option(pkt.buf, options(pkt.buf, pkt.data + 8, pkt.tail),
                               wire.ND_OPT_SOURCE_LL_ADDR)
        if lladdr is not None and src != bytes(16):
            stack.ndp.table.confirm(link, src, lladdr, reachable=False, create=True)
        if state.answer_timer is not None and not state.answer_timer.cancelled:
            return                                  # an answer is on its way already
        now = stack.now()
        when = max(now + random.uniform(0, MAX_RA_DELAY_TIME), state.last_sent + MIN_DELAY_BETWEEN_RAS)
        state.answer_timer = stack.timers.arm(when, self._answer, link, name="ra-answer")

    def _answer(self, link) -> None:
        state = self.links.get(link)
        if state is None:
            return
        state.answer_timer = None
        self._send(link, state)

    def explain_solicit(self, rec, pkt: Packet, what: str) -> str | None:
        reason = self.solicit_refusal(pkt)
        words = {None: "this link advertises: an advertisement to all-nodes follows within 0.5 s "
                       "(no more than one each 3 s)",
                 "IPV6_NDISC_RS_NOT_ROUTER": f"{pkt.link.name} sends no router advertisements "
                                             "(ra set DEV on): ignored",
                 "IPV6_NDISC_HOP_LIMIT": "hop limit not 255", "IPV6_NDISC_BAD_CODE": "code not 0",
                 "PKT_TOO_SMALL": "shorter than 8 bytes",
                 "IPV6_NDISC_BAD_OPTIONS": "options malformed, or a link-layer address from ::"}
        rec.step("ndisc", f"{what}: {words[reason]}")
        return reason

    # --- the message (6.2.3) -------------------------------------------------------------------
    def prefixes(self, link, config: AdvertConfig) -> list[Prefix]:
        if config.prefixes:
            return list(config.prefixes)
        seen, out = set(), []
        for ifa in self.stack.ipv6.addresses(link):
            if is_link_local(ifa.address) or ifa.prefixlen != 64 or ifa.address == bytes(15) + b"\1":
                continue
            network = ifa.address[:8] + bytes(8)
            if network not in seen:
                seen.add(network)
                out.append(Prefix(network))
        return out

    def build(self, link, config: AdvertConfig, final: bool = False) -> bytes:
        """The advertisement's ICMPv6 body after type, code and checksum (for tests and send)."""
        flags = (FLAG_MANAGED if config.managed else 0) | (FLAG_OTHER if config.other else 0)
        body = struct.pack("!BBHII", config.hop_limit, flags, 0 if final else config.router_lifetime(),
                           0, 0)
        body += bytes((wire.ND_OPT_SOURCE_LL_ADDR, 1)) + link.mac
        if config.mtu:
            body += struct.pack("!BBHI", wire.ND_OPT_MTU, 1, 0, config.mtu)
        for prefix in self.prefixes(link, config):
            pflags = (FLAG_ON_LINK if prefix.on_link else 0) | (FLAG_AUTONOMOUS if prefix.autonomous else 0)
            body += struct.pack("!BBBBIII", wire.ND_OPT_PREFIX_INFO, 4, prefix.length, pflags,
                                prefix.valid, prefix.preferred, 0) + prefix.network
        return body

    def _send(self, link, state: _Advertising, final: bool = False) -> bool:
        stack = self.stack
        src = next((ifa.address for ifa in stack.ipv6.addresses(link)
                    if is_link_local(ifa.address) and ifa.usable), None)
        if src is None or not link.admin_up:
            return False                            # no usable link-local yet: nothing to send from
        body = self.build(link, state.config, final)
        pkt = Packet.alloc(4 + len(body))
        buf, s = pkt.buf, pkt.data
        buf[s] = wire.ROUTER_ADVERT
        buf[s + 4:s + 4 + len(body)] = body
        fill_checksum(buf, s, pkt.tail, src, ALL_NODES)
        stack.icmp6.count_out(wire.ROUTER_ADVERT)
        state.sent += 1
        state.last_sent = stack.now()
        stack.ipv6.output(pkt, src, ALL_NODES, ipwire.NEXTHDR_ICMP, hlim=HOP_LIMIT, oif=link)
        return True


def _prefix_row(prefix: Prefix) -> dict:
    return {"prefix": f"{ipwire.addr_to_str(prefix.network)}/{prefix.length}",
            "onlink": prefix.on_link, "autonomous": prefix.autonomous,
            "valid": prefix.valid, "preferred": prefix.preferred}


def with_prefix(config: AdvertConfig, prefix: Prefix) -> AdvertConfig:
    return replace(config, prefixes=config.prefixes + (prefix,))
