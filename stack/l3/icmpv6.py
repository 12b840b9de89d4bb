"""ICMPv6 (RFC 4443): echo replies, the errors we send (rate-limited as Linux does), errors
and replies we receive; Neighbor Discovery's types are handed to stack/l2/ndp.py.

Received types dispatch through `handlers` (type -> function); errors that quote
one of our packets go to the quoted protocol's handler in `err_handlers`.
"""
from __future__ import annotations

from ..counters import Mib, SparseMib, counter_group
from ..packet import Packet
from ..trace import UNDECIDED, handler_name
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from ..wire.checksum import checksum, ones_sum
from .addrconf import UNSPECIFIED, is_link_local, is_multicast
from .route import LOCAL

# Icmp6 as /proc/net/snmp6 and nstat name it (the InType/OutType counters follow them)
ICMP6_MIB = (
    "InMsgs", "InErrors", "OutMsgs", "OutErrors", "InCsumErrors", "OutRateLimitHost",
    "InDestUnreachs", "InPktTooBigs", "InTimeExcds", "InParmProblems", "InEchos",
    "InEchoReplies", "InGroupMembQueries", "InGroupMembResponses", "InGroupMembReductions",
    "InRouterSolicits", "InRouterAdvertisements", "InNeighborSolicits",
    "InNeighborAdvertisements", "InRedirects", "InMLDv2Reports", "OutDestUnreachs",
    "OutPktTooBigs", "OutTimeExcds", "OutParmProblems", "OutEchos", "OutEchoReplies",
    "OutGroupMembQueries", "OutGroupMembResponses", "OutGroupMembReductions",
    "OutRouterSolicits", "OutRouterAdvertisements", "OutNeighborSolicits",
    "OutNeighborAdvertisements", "OutRedirects", "OutMLDv2Reports",
)
# The per-type counter each message type has (icmp6_mib's ICMP6_MIB_* by type)
TYPE_COUNTERS = {
    wire.DEST_UNREACH: "DestUnreachs", wire.PACKET_TOO_BIG: "PktTooBigs",
    wire.TIME_EXCEEDED: "TimeExcds", wire.PARAM_PROBLEM: "ParmProblems",
    wire.ECHO_REQUEST: "Echos", wire.ECHO_REPLY: "EchoReplies", wire.MLD_QUERY: "GroupMembQueries",
    wire.MLD_REPORT: "GroupMembResponses", wire.MLD_DONE: "GroupMembReductions",
    wire.ROUTER_SOLICIT: "RouterSolicits", wire.ROUTER_ADVERT: "RouterAdvertisements",
    wire.NEIGHBOUR_SOLICIT: "NeighborSolicits", wire.NEIGHBOUR_ADVERT: "NeighborAdvertisements",
    wire.REDIRECT: "Redirects", wire.MLD2_REPORT: "MLDv2Reports",
}
IN_COUNTER = {kind: "In" + name for kind, name in TYPE_COUNTERS.items()}
OUT_COUNTER = {kind: "Out" + name for kind, name in TYPE_COUNTERS.items()}
IN_TYPE = tuple(f"InType{kind}" for kind in range(256))
MIN_MTU = 1280
RATELIMIT_MS = 1000                 # net.ipv6.icmp.ratelimit
XRLIM_BURST_FACTOR = 6
RATEMASKED = frozenset(range(0, 128)) - {wire.PACKET_TOO_BIG}   # net.ipv6.icmp.ratemask 0-1,3-127
MAX_PEERS = 4096


def message_sum(buf, off: int, tail: int, src, dst) -> int:
    """The one's-complement sum of an ICMPv6 message and its pseudo-header (0xffff when good)."""
    return ones_sum(buf[off:tail], ipwire.pseudo_header_sum(src, dst, tail - off, ipwire.NEXTHDR_ICMP))


def header_error(buf, net: int, off: int, tail: int) -> str | None:
    """icmpv6_rcv's checks: the drop reason of the first that fails."""
    if tail - off < wire.HEADER_LEN:
        return "PKT_TOO_SMALL"
    if message_sum(buf, off, tail, buf[net + 8:net + 24], buf[net + 24:net + 40]) != 0xFFFF:
        return "ICMP_CSUM"
    return None


def fill_checksum(buf, off: int, tail: int, src: bytes, dst: bytes) -> None:
    buf[off + 2] = buf[off + 3] = 0
    csum = checksum(buf[off:tail], ipwire.pseudo_header_sum(src, dst, tail - off, ipwire.NEXTHDR_ICMP))
    buf[off + 2], buf[off + 3] = csum >> 8, csum & 0xFF


class PeerLimiter:
    """icmpv6_xrlim_allow: a token bucket per destination host (inet_peer), one token per
    `ratelimit` ms (less for a shorter route prefix), at most XRLIM_BURST_FACTOR of them."""

    def __init__(self):
        self.peers: dict[bytes, list] = {}

    def timeout(self, prefixlen: int) -> float:
        tmo = RATELIMIT_MS
        if prefixlen < 128:
            tmo >>= (128 - prefixlen) >> 5
        return tmo / 1000.0

    def ready(self, dst: bytes, prefixlen: int, now: float, take: bool) -> bool:
        tmo = self.timeout(prefixlen)
        peer = self.peers.get(dst)
        if peer is None:
            if len(self.peers) >= MAX_PEERS:
                self.peers.clear()
            peer = self.peers[dst] = [0.0, now - 60.0]
        tokens = min(peer[0] + now - peer[1], XRLIM_BURST_FACTOR * tmo)
        allowed = tokens >= tmo
        if take:
            peer[1] = now
            peer[0] = tokens - tmo if allowed else tokens
        return allowed


class Icmp6:
    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Icmp6", ICMP6_MIB)
        self.msg = SparseMib("Icmp6")
        self.peers = PeerLimiter()
        self.echo_ignore_multicast = False      # net.ipv6.icmp.echo_ignore_multicast
        self.handlers = {
            wire.ECHO_REQUEST: self._echo_request,
            wire.ECHO_REPLY: self._echo_reply,
            wire.DEST_UNREACH: self._error,
            wire.PACKET_TOO_BIG: self._error,
            wire.TIME_EXCEEDED: self._error,
            wire.PARAM_PROBLEM: self._error,
        }
        self.explainers: dict[int, object] = {}     # type -> explainer, for types others handle
        self.err_handlers: dict[int, object] = {}
        self.echo_reply_handler = None
        stack.ipv6.register(ipwire.NEXTHDR_ICMP, self.receive)

    def count_out(self, kind: int) -> None:
        self.mib.OutMsgs += 1
        counter = OUT_COUNTER.get(kind)
        if counter is not None:
            setattr(self.mib, counter, getattr(self.mib, counter) + 1)
        self.msg.inc(f"OutType{kind}")

    # --- receive -------------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_receive, pkt)
        mib = self.mib
        mib.InMsgs += 1
        buf, off = pkt.buf, pkt.data
        error = header_error(buf, pkt.network, off, pkt.tail)
        if error is not None:
            if error == "ICMP_CSUM":
                mib.InCsumErrors += 1
            mib.InErrors += 1
            self.stack.drop(error)
            return
        kind = buf[off]
        counts = self.msg.counts
        name = IN_TYPE[kind]
        counts[name] = counts.get(name, 0) + 1
        counter = IN_COUNTER.get(kind)
        if counter is not None:
            setattr(mib, counter, getattr(mib, counter) + 1)
        handler = self.handlers.get(kind)
        if handler is None:
            self.stack.drop("ICMP_UNHANDLED")
            return
        handler(pkt)

    def _echo_request(self, pkt: Packet) -> None:
        if pkt.broadcast and self.echo_ignore_multicast:
            self.stack.drop("ICMP_BROADCAST")
            return
        buf, net = pkt.buf, pkt.network
        length = pkt.tail - pkt.data
        src = bytes(buf[net + 24:net + 40])
        dst = bytes(buf[net + 8:net + 24])
        if is_multicast(src):
            src = None                          # answered from an address of ours
        oif = pkt.link if is_link_local(dst) else None
        stack = self.stack
        if src is None:
            src = stack.ipv6.select_source(dst, oif)
        reply = Packet.alloc(length)
        rbuf, start = reply.buf, reply.data
        rbuf[start:start + length] = buf[pkt.data:pkt.tail]
        rbuf[start] = wire.ECHO_REPLY
        if src is not None:
            fill_checksum(rbuf, start, reply.tail, src, dst)
        self.count_out(wire.ECHO_REPLY)
        rec = stack.trace_rec
        if rec is not None:
            rec.sending_begin()
        try:
            if src is None:
                stack.ipv6.mib.OutNoRoutes += 1
                stack.drop("IP_OUTNOROUTES")
            else:
                stack.ipv6.output(reply, src, dst, ipwire.NEXTHDR_ICMP, oif=oif)
        finally:
            if rec is not None:
                rec.sending_end()

    def _echo_reply(self, pkt: Packet) -> None:
        if self.echo_reply_handler is None:
            self.stack.drop("NO_SOCKET")
            return
        self.echo_reply_handler(pkt)

    def _error(self, pkt: Packet) -> None:
        """An error quoting one of our packets: hand it to the quoted protocol."""
        buf, off = pkt.buf, pkt.data
        inner = off + wire.HEADER_LEN
        if pkt.tail - inner < ipwire.HEADER_LEN + 8:
            self.mib.InErrors += 1
            self.stack.drop("PKT_TOO_SMALL")
            return
        if buf[off] == wire.PACKET_TOO_BIG:
            self.learn_pmtu(buf, inner, int.from_bytes(buf[off + 4:off + 8], "big"))
        handler = self.err_handlers.get(buf[inner + 6])
        if handler is None:
            self.stack.drop("NO_SOCKET")
            return
        handler(pkt, buf[off], buf[off + 1], inner)

    def learn_pmtu(self, buf, inner: int, mtu: int) -> int | None:
        """Packet too big quoting a packet of ours: the path to its destination is narrower
        (ip6_update_pmtu); returns the MTU now in force, None if nothing changed."""
        ipv6 = self.stack.ipv6
        src, dst = bytes(buf[inner + 8:inner + 24]), bytes(buf[inner + 24:inner + 40])
        if src not in ipv6.local or is_multicast(dst):
            return None
        route = ipv6.route_output(dst)
        if route is None or route.link is None:
            return None
        return ipv6.pmtu.learn(dst, min(mtu, 0xFFFFFFFF), route.mtu or route.link.mtu)

    # --- send errors (icmp6_send) -------------------------------------------------
    def refusal(self, pkt: Packet, kind: int, code: int, take: bool = False) -> str | None:
        """Why no error of `kind` is sent about `pkt` (RFC 4443 2.4 (e) and Linux's limits),
        or None when it is (then, with `take`, it is counted against the rate limits)."""
        buf, net = pkt.buf, pkt.network
        if net < 0:
            return "no IPv6 header to quote"
        src, dst = bytes(buf[net + 8:net + 24]), bytes(buf[net + 24:net + 40])
        multicast_ok = kind == wire.PACKET_TOO_BIG or (kind == wire.PARAM_PROBLEM and code == 2)
        if (is_multicast(dst) or pkt.broadcast) and not multicast_ok:
            return "it was sent to a multicast address"
        if is_multicast(src) or src == UNSPECIFIED:
            return f"its source {ipwire.addr_to_str(src)} is not a unicast host"
        if buf[net + 6] == ipwire.NEXTHDR_ICMP and pkt.tail - net > ipwire.HEADER_LEN \
                and buf[net + ipwire.HEADER_LEN] < 128:
            return "it is an ICMPv6 error itself"
        if kind not in RATEMASKED:
            return None
        stack = self.stack
        route = stack.ipv6.route_output(src, pkt.link if is_link_local(src) else None)
        if route is not None and route.type != LOCAL:
            if not self.peers.ready(src, route.prefixlen, stack.now(), take):
                if take:
                    self.mib.OutRateLimitHost += 1
                return "the per-host rate limit is reached (OutRateLimitHost)"
        limiter = stack.icmp.limiter            # icmp_global_allow: shared with IPv4
        if not (limiter.take(stack.now()) if take else limiter.ready(stack.now())):
            if take:
                stack.icmp.mib.OutRateLimitGlobal += 1
            return "the global ICMP rate limit is reached (Icmp OutRateLimitGlobal)"
        return None

    def send_error(self, pkt: Packet, kind: int, code: int, info: int = 0) -> None:
        rec = self.stack.trace_rec
        if rec is None:
            self._send_error(pkt, kind, code, info)
            return
        rec.sending_begin()
        try:
            rec.explain(self.explain_error, pkt, kind, code)
            self._send_error(pkt, kind, code, info)
        finally:
            rec.sending_end()

    def _send_error(self, pkt: Packet, kind: int, code: int, info: int) -> None:
        if self.refusal(pkt, kind, code, take=True) is not None:
            return
        buf, net = pkt.buf, pkt.network
        offender_src, offender_dst = bytes(buf[net + 8:net + 24]), bytes(buf[net + 24:net + 40])
        ipv6 = self.stack.ipv6
        oif = pkt.link if is_link_local(offender_src) else None
        ours = ipv6.local.get(offender_dst)
        src = offender_dst if ours is not None and ours.usable else ipv6.select_source(offender_src, oif)
        if src is None:
            self.mib.OutErrors += 1
            return
        room = MIN_MTU - ipwire.HEADER_LEN - wire.HEADER_LEN
        quote = bytes(buf[net:min(pkt.tail, net + room)])
        err = Packet.alloc(wire.HEADER_LEN + len(quote))
        eb, s = err.buf, err.data
        eb[s] = kind
        eb[s + 1] = code
        eb[s + 4:s + 8] = info.to_bytes(4, "big")
        eb[s + 8:err.tail] = quote
        fill_checksum(eb, s, err.tail, src, offender_src)
        self.count_out(kind)
        ipv6.output(err, src, offender_src, ipwire.NEXTHDR_ICMP, oif=oif)

    # --- trace: the checks above, one step each (only for a traced packet) ---------
    def explain_receive(self, rec, pkt: Packet) -> str | None:
        def step(text):
            rec.step("icmpv6", text)
        buf, off, net = pkt.buf, pkt.data, pkt.network
        length = pkt.tail - off
        error = header_error(buf, net, off, pkt.tail)
        if error == "PKT_TOO_SMALL":
            step(f"length {length} < {wire.HEADER_LEN}: too short for an ICMPv6 header (InErrors)")
            return error
        field = (buf[off + 2] << 8) | buf[off + 3]
        if error == "ICMP_CSUM":
            step(f"checksum 0x{field:04x} wrong over the message and the pseudo-header (InCsumErrors)")
            return error
        step(f"length {length}, checksum 0x{field:04x} good (pseudo-header included)")
        kind, code = buf[off], buf[off + 1]
        what = f"type {kind} code {code} ({wire.TYPE_NAMES.get(kind, 'unknown type')})"
        explainer = self.explainers.get(kind)
        if explainer is not None:
            return explainer(rec, pkt, what)
        handler = self.handlers.get(kind)
        if handler is None:
            step(f"{what}: not a type this stack acts on")
            return "ICMP_UNHANDLED"
        if kind == wire.ECHO_REQUEST:
            if pkt.broadcast and self.echo_ignore_multicast:
                step(f"{what} to a multicast address: ignored (echo_ignore_multicast)")
                return "ICMP_BROADCAST"
            step(f"{what}: answer with an echo reply of {length} bytes to "
                 f"{ipwire.addr_to_str(buf[net + 8:net + 24])}")
            return None
        if kind == wire.ECHO_REPLY:
            if self.echo_reply_handler is None:
                step(f"{what}: no ping module to take it")
                return "NO_SOCKET"
            step(f"{what} → ping sessions")
            return UNDECIDED
        inner = off + wire.HEADER_LEN
        if pkt.tail - inner < ipwire.HEADER_LEN + 8:
            step(f"{what}: quotes {pkt.tail - inner} bytes, fewer than an IPv6 header and 8 more (InErrors)")
            return "PKT_TOO_SMALL"
        handler = self.err_handlers.get(buf[inner + 6])
        if handler is None:
            step(f"{what}: quotes a next header {buf[inner + 6]} packet, and nothing of ours sends those")
            return "NO_SOCKET"
        step(f"{what}: quotes a next header {buf[inner + 6]} packet → {handler_name(handler)}")
        return UNDECIDED

    def explain_error(self, rec, pkt: Packet, kind: int, code: int) -> None:
        what = f"ICMPv6 {wire.TYPE_NAMES.get(kind, f'type {kind}')} code {code}"
        why = self.refusal(pkt, kind, code)
        if why is None:
            src = ipwire.addr_to_str(pkt.buf[pkt.network + 8:pkt.network + 24])
            rec.step("icmpv6", f"send {what} to {src}, quoting the packet")
        else:
            rec.step("icmpv6", f"no {what} sent: {why}")


def snapshot(stack) -> dict[str, int]:
    """Icmp6's MIB, then its per-type counters, as /proc/net/snmp6 lists them."""
    icmp6 = stack.icmp6
    return {**icmp6.mib.snapshot(), **icmp6.msg.snapshot()}


counter_group("Icmp6", 31, snapshot)
