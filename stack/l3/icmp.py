"""ICMP for IPv4: echo replies, errors we send, errors and replies we receive.

Received types dispatch through `handlers` (type -> function); errors that
quote one of our packets go to the quoted protocol's error handler in
`err_handlers` (the kernel's icmp_err per protocol), e.g. ping sessions.
"""
from __future__ import annotations

from ..counters import ICMP_MIB, Mib, SparseMib, counter_group
from ..packet import Packet
from ..trace import UNDECIDED, handler_name
from ..wire import icmp as wire
from ..wire import ipv4 as ipwire
from ..wire.checksum import checksum, ones_sum

ERROR_OK_TYPES = (0, 8, 13, 15, 17)     # ICMP types an error may be about (queries, not errors)
IN_TYPE = tuple(f"InType{kind}" for kind in range(256))     # IcmpMsg's names, made once


def header_error(buf, off: int, tail: int) -> str | None:
    """icmp_rcv's checks of the header: the drop reason of the first that fails."""
    if tail - off < wire.HEADER_LEN:
        return "PKT_TOO_SMALL"
    if ones_sum(buf[off:tail]) != 0xFFFF:
        return "ICMP_CSUM"
    return None


class TokenBucket:
    """icmp_msgs_per_sec / icmp_msgs_burst: a global limit on errors we send."""

    def __init__(self, rate: float = 1000.0, burst: int = 50):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.last = None

    def ready(self, now: float) -> bool:
        """True when a token is there at `now` (refills the bucket, takes nothing)."""
        if self.last is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        return self.tokens >= 1

    def take(self, now: float) -> bool:
        if self.ready(now):
            self.tokens -= 1
            return True
        return False


class PeerLimiter:
    """icmp_ratelimit: a token bucket per destination host (inet_peer_xrlim_allow), in
    milliseconds: one error per `timeout` ms, bursts of XRLIM_BURST_FACTOR; a host not seen
    before starts with a full bucket.  Bounded: a full table starts afresh."""

    BURST_FACTOR = 6
    MAX_PEERS = 4096

    def __init__(self):
        self.peers: dict[bytes, tuple[float, float]] = {}    # host -> (tokens, last), ms

    def allows(self, host: bytes, now: float, timeout: int, take: bool = True) -> bool:
        now_ms = now * 1000.0
        tokens, last = self.peers.get(host, (float(self.BURST_FACTOR * timeout), now_ms))
        tokens = min(tokens + now_ms - last, self.BURST_FACTOR * timeout)
        allowed = tokens >= timeout
        if take:
            if len(self.peers) >= self.MAX_PEERS and host not in self.peers:
                self.peers.clear()
            self.peers[host] = (tokens - timeout if allowed else tokens, now_ms)
        return allowed


NR_ICMP_TYPES = 18
DEFAULT_RATEMASK = 0x1818       # destination unreachable, source quench, time exceeded, parameter problem


class Icmp:
    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Icmp", ICMP_MIB)
        self.msg = SparseMib("IcmpMsg")
        self.echo_ignore_broadcasts = True
        self.limiter = TokenBucket()            # icmp_msgs_per_sec, icmp_msgs_burst
        self.peer_limiter = PeerLimiter()
        self.ratelimit = 1000                   # net.ipv4.icmp_ratelimit, ms
        self.ratemask = DEFAULT_RATEMASK        # net.ipv4.icmp_ratemask
        self.handlers = {
            wire.ECHO_REQUEST: self._echo_request,
            wire.ECHO_REPLY: self._echo_reply,
            wire.DEST_UNREACH: self._error,
            wire.TIME_EXCEEDED: self._error,
            wire.PARAMETER_PROBLEM: self._error,
        }
        self.err_handlers: dict[int, object] = {}
        self.explainers: dict[int, object] = {}  # type -> explain(step, what, pkt), for modules' types
        self.echo_reply_handler = None        # set by the ping module
        stack.ipv4.register(ipwire.PROTO_ICMP, self.receive)

    # --- receive -----------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_receive, pkt)
        mib = self.mib
        mib.InMsgs += 1
        buf = pkt.buf
        off = pkt.data
        error = header_error(buf, off, pkt.tail)
        if error is not None:
            if error == "ICMP_CSUM":
                mib.InCsumErrors += 1
            mib.InErrors += 1
            self.stack.drop(error)
            return
        kind = buf[off]
        counts = self.msg.counts               # IcmpMsg's InType<kind>, without a call per packet
        name = IN_TYPE[kind]
        counts[name] = counts.get(name, 0) + 1
        handler = self.handlers.get(kind)
        if handler is None:
            self.stack.drop("ICMP_UNHANDLED")
            return
        handler(pkt)

    def ignores_echo(self, pkt: Packet) -> bool:
        """icmp_echo_ignore_broadcasts: an echo request to a broadcast address gets no reply."""
        return pkt.broadcast and self.echo_ignore_broadcasts

    def _echo_request(self, pkt: Packet) -> None:
        mib = self.mib
        mib.InEchos += 1
        if pkt.broadcast and self.ignores_echo(pkt):     # the call only where it can say yes
            self.stack.drop("ICMP_BROADCAST")
            return
        buf = pkt.buf
        net = pkt.network
        length = pkt.tail - pkt.data
        reply = Packet.alloc(length)
        rbuf = reply.buf
        start = reply.data
        rbuf[start:start + length] = buf[pkt.data:pkt.tail]
        rbuf[start] = wire.ECHO_REPLY
        rbuf[start + 2] = 0
        rbuf[start + 3] = 0
        csum = checksum(rbuf[start:start + length])
        rbuf[start + 2] = csum >> 8
        rbuf[start + 3] = csum & 0xFF
        mib.OutMsgs += 1
        mib.OutEchoReps += 1
        counts = self.msg.counts
        counts["OutType0"] = counts.get("OutType0", 0) + 1
        src = buf[net + 16:net + 20]
        dst = buf[net + 12:net + 16]
        stack = self.stack
        ipv4 = stack.ipv4
        if src in ipv4.broadcasts:
            src = None
        rec = stack.trace_rec
        if rec is None:
            ipv4.output(reply, src, dst, ipwire.PROTO_ICMP)
            return
        rec.sending_begin()             # the reply's fate is its own, not the request's
        try:
            ipv4.output(reply, src, dst, ipwire.PROTO_ICMP)
        finally:
            rec.sending_end()

    def _echo_reply(self, pkt: Packet) -> None:
        self.mib.InEchoReps += 1
        if self.echo_reply_handler is None:
            self.stack.drop("NO_SOCKET")
            return
        self.echo_reply_handler(pkt)

    def _error(self, pkt: Packet) -> None:
        """An error quoting one of our packets: hand it to the quoted protocol."""
        buf = pkt.buf
        off = pkt.data
        kind = buf[off]
        if kind == wire.DEST_UNREACH:
            self.mib.InDestUnreachs += 1
        elif kind == wire.TIME_EXCEEDED:
            self.mib.InTimeExcds += 1
        else:
            self.mib.InParmProbs += 1
        inner = off + wire.HEADER_LEN
        if pkt.tail - inner < ipwire.MIN_LEN + 8:
            self.mib.InErrors += 1
            self.stack.drop("PKT_TOO_SMALL")
            return
        if kind == wire.DEST_UNREACH and buf[off + 1] == wire.FRAG_NEEDED:
            self.learn_pmtu(buf, inner, (buf[off + 6] << 8) | buf[off + 7])
        proto = buf[inner + 9]
        handler = self.err_handlers.get(proto)
        if handler is None:
            self.stack.drop("NO_SOCKET")
            return
        handler(pkt, kind, buf[off + 1], inner)

    def learn_pmtu(self, buf, inner: int, mtu: int) -> int | None:
        """Fragmentation needed quoting a packet of ours: the path to its destination is
        narrower (ipv4_update_pmtu); returns the MTU now in force, None if nothing changed."""
        ipv4 = self.stack.ipv4
        src, dst = bytes(buf[inner + 12:inner + 16]), bytes(buf[inner + 16:inner + 20])
        if src not in ipv4.local:
            return None
        route = ipv4.route_output(dst)
        if route is None or route.link is None:
            return None
        return ipv4.pmtu.learn(dst, mtu, route.mtu or route.link.mtu)

    # --- send errors ----------------------------------------------------------
    def send_unreach(self, pkt: Packet, code: int, mtu: int = 0) -> None:
        """Destination unreachable; `mtu` is the next hop's for fragmentation needed (RFC 1191)."""
        self.send_error(pkt, wire.DEST_UNREACH, code, mtu)

    def send_error(self, pkt: Packet, kind: int, code: int, mtu: int = 0) -> None:
        """icmp_send: quote the offending IP header and 8 bytes back to its source."""
        rec = self.stack.trace_rec
        if rec is None:
            self._send_error(pkt, kind, code, mtu)
            return
        rec.sending_begin()             # the error's fate is its own, not the packet's it is about
        try:
            rec.explain(self.explain_error, pkt, kind, code)
            self._send_error(pkt, kind, code, mtu)
        finally:
            rec.sending_end()

    def rate_limited(self, pkt: Packet, kind: int, code: int, dst: bytes, take: bool = True) -> str | None:
        """Which limit holds this error back (the counter it counts under), or None: types
        outside icmp_ratemask, and fragmentation needed, are never limited; then the global
        bucket (not for packets that came in on loopback), then the destination's bucket
        (icmpv4_global_allow, icmpv4_xrlim_allow)."""
        if kind > NR_ICMP_TYPES or (kind == wire.DEST_UNREACH and code == wire.FRAG_NEEDED) \
                or not (1 << kind) & self.ratemask:
            return None
        now = self.stack.now()
        link = pkt.link
        if not (link is not None and link.iff_loopback):
            if not (self.limiter.take(now) if take else self.limiter.ready(now)):
                return "OutRateLimitGlobal"
        if dst in self.stack.ipv4.local:
            return None                              # to ourselves, through loopback
        if not self.peer_limiter.allows(dst, now, self.ratelimit, take):
            return "OutRateLimitHost"
        return None

    def _send_error(self, pkt: Packet, kind: int, code: int, mtu: int = 0) -> None:
        buf = pkt.buf
        net = pkt.network
        if net < 0 or pkt.broadcast:
            return
        src = bytes(buf[net + 12:net + 16])
        if src in self.stack.ipv4.broadcasts or src[0] >= 224 or src == ipwire.ANY:
            return
        frag = (buf[net + 6] << 8) | buf[net + 7]
        if frag & ipwire.FRAG_MASK:
            return                                   # only about first fragments
        ihl = (buf[net] & 15) * 4
        if buf[net + 9] == ipwire.PROTO_ICMP and buf[net + ihl] not in ERROR_OK_TYPES:
            return                                   # never an error about an error
        limited = self.rate_limited(pkt, kind, code, src)
        if limited is not None:
            setattr(self.mib, limited, getattr(self.mib, limited) + 1)
            return
        end = min(pkt.tail, net + ihl + 8, net + 576 - 28)
        quote = bytes(buf[net:end])
        err = Packet.alloc(wire.HEADER_LEN + len(quote))
        eb = err.buf
        s = err.data
        eb[s] = kind
        eb[s + 1] = code
        eb[s + 6] = mtu >> 8 & 0xFF
        eb[s + 7] = mtu & 0xFF
        eb[s + 8:s + 8 + len(quote)] = quote
        csum = checksum(eb[s:err.tail])
        eb[s + 2] = csum >> 8
        eb[s + 3] = csum & 0xFF
        self.mib.OutMsgs += 1
        if kind == wire.DEST_UNREACH:
            self.mib.OutDestUnreachs += 1
        elif kind == wire.TIME_EXCEEDED:
            self.mib.OutTimeExcds += 1
        self.msg.inc(f"OutType{kind}")
        self.stack.ipv4.output(err, None, src, ipwire.PROTO_ICMP)

    # --- trace: the checks above, one step each (only for a traced packet) ---------
    def explain_receive(self, rec, pkt: Packet) -> str | None:
        """Walk `receive`'s checks and the handler's decision; returns the drop reason, if any."""
        def step(text):
            rec.step("icmp", text)
        buf, off = pkt.buf, pkt.data
        length = pkt.tail - off
        error = header_error(buf, off, pkt.tail)
        if error == "PKT_TOO_SMALL":
            step(f"length {length} < {wire.HEADER_LEN}: too short for an ICMP header (InErrors)")
            return error
        step(f"length {length} ≥ {wire.HEADER_LEN}")
        field = (buf[off + 2] << 8) | buf[off + 3]
        if error == "ICMP_CSUM":
            good = checksum(bytes(buf[off:off + 2]) + b"\0\0" + bytes(buf[off + 4:pkt.tail]))
            step(f"checksum 0x{field:04x} wrong: should be 0x{good:04x} (InCsumErrors)")
            return error
        step(f"checksum 0x{field:04x} good")
        kind, code = buf[off], buf[off + 1]
        what = f"type {kind} code {code} ({wire.TYPE_NAMES.get(kind, 'unknown type')})"
        handler = self.handlers.get(kind)
        if handler is None:
            step(f"{what}: not a type this stack acts on")
            return "ICMP_UNHANDLED"
        if kind in self.explainers:
            return self.explainers[kind](step, what, pkt)
        if kind == wire.ECHO_REQUEST:
            return self._explain_echo_request(step, what, pkt)
        if kind == wire.ECHO_REPLY:
            if self.echo_reply_handler is None:
                step(f"{what}: no ping module to take it")
                return "NO_SOCKET"
            step(f"{what} → ping sessions")
            return UNDECIDED            # the ping module decides, and tells its own steps
        return self._explain_error(step, what, pkt)

    def _explain_echo_request(self, step, what: str, pkt: Packet) -> str | None:
        buf, off, net = pkt.buf, pkt.data, pkt.network
        ident, seq = (buf[off + 4] << 8) | buf[off + 5], (buf[off + 6] << 8) | buf[off + 7]
        if self.ignores_echo(pkt):
            step(f"{what} id 0x{ident:04x} seq {seq} to a broadcast: ignored (icmp_echo_ignore_broadcasts)")
            return "ICMP_BROADCAST"
        step(f"{what} id 0x{ident:04x} seq {seq}: answer with an echo reply of "
             f"{pkt.tail - off} bytes to {ipwire.addr_to_str(buf[net + 12:net + 16])}")
        return None

    def _explain_error(self, step, what: str, pkt: Packet) -> str | None:
        buf, inner = pkt.buf, pkt.data + wire.HEADER_LEN
        quoted = pkt.tail - inner
        if quoted < ipwire.MIN_LEN + 8:
            step(f"{what}: quotes {quoted} bytes, fewer than an IPv4 header and 8 more (InErrors)")
            return "PKT_TOO_SMALL"
        proto = buf[inner + 9]
        handler = self.err_handlers.get(proto)
        if handler is None:
            step(f"{what}: quotes a protocol {proto} packet, and nothing of ours sends those")
            return "NO_SOCKET"
        step(f"{what}: quotes a protocol {proto} packet → {handler_name(handler)}")
        return UNDECIDED                # the quoted protocol's error handler decides

    def explain_error(self, rec, pkt: Packet, kind: int, code: int) -> None:
        """Whether `send_error` answers `pkt` with an ICMP error, and if not, which rule says no."""
        buf, net = pkt.buf, pkt.network
        what = f"ICMP {wire.TYPE_NAMES.get(kind, f'type {kind}')} " + (
            f"({wire.UNREACH_CODES[code]})" if kind == wire.DEST_UNREACH and code in wire.UNREACH_CODES
            else f"code {code}")
        src = bytes(buf[net + 12:net + 16]) if net >= 0 else None
        ihl = (buf[net] & 15) * 4 if net >= 0 else 0
        if net < 0 or pkt.broadcast:
            why = "it came to a broadcast address" if net >= 0 else "no IP header to quote"
        elif src in self.stack.ipv4.broadcasts or src[0] >= 224 or src == ipwire.ANY:
            why = f"its source {ipwire.addr_to_str(src)} is not a unicast host"
        elif ((buf[net + 6] << 8) | buf[net + 7]) & ipwire.FRAG_MASK:
            why = "it is not the first fragment"
        elif buf[net + 9] == ipwire.PROTO_ICMP and buf[net + ihl] not in ERROR_OK_TYPES:
            why = "it is an ICMP error itself"
        elif (limit := self.rate_limited(pkt, kind, code, src, take=False)) is not None:
            why = ("the global ICMP rate limit is reached (OutRateLimitGlobal)"
                   if limit == "OutRateLimitGlobal" else
                   f"the rate limit for {ipwire.addr_to_str(src)} is reached (OutRateLimitHost)")
        else:
            rec.step("icmp", f"send {what} to {ipwire.addr_to_str(src)}, quoting the packet's start")
            return
        rec.step("icmp", f"no {what} sent: {why}")


counter_group("Icmp", 20, lambda stack: stack.icmp.mib.snapshot())
counter_group("IcmpMsg", 21, lambda stack: stack.icmp.msg.snapshot())
