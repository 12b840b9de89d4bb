"""ICMP for IPv4: echo replies, errors we send, errors and replies we receive.

Received types dispatch through `handlers` (type -> function); errors that
quote one of our packets go to the quoted protocol's error handler in
`err_handlers` (the kernel's icmp_err per protocol), e.g. ping sessions.
"""
from __future__ import annotations

from ..counters import ICMP_MIB, Mib, SparseMib
from ..packet import Packet
from ..wire import icmp as wire
from ..wire import ipv4 as ipwire
from ..wire.checksum import checksum, ones_sum


class TokenBucket:
    """icmp_msgs_per_sec / icmp_msgs_burst: a global limit on errors we send."""

    def __init__(self, rate: float = 1000.0, burst: int = 50):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.last = None

    def take(self, now: float) -> bool:
        if self.last is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Icmp:
    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Icmp", ICMP_MIB)
        self.msg = SparseMib("IcmpMsg")
        self.echo_ignore_broadcasts = True
        self.limiter = TokenBucket()
        self.handlers = {
            wire.ECHO_REQUEST: self._echo_request,
            wire.ECHO_REPLY: self._echo_reply,
            wire.DEST_UNREACH: self._error,
            wire.TIME_EXCEEDED: self._error,
            wire.PARAMETER_PROBLEM: self._error,
        }
        self.err_handlers: dict[int, object] = {}
        self.echo_reply_handler = None        # set by the ping module
        stack.ipv4.register(ipwire.PROTO_ICMP, self.receive)

    # --- receive -----------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
        mib = self.mib
        mib.InMsgs += 1
        buf = pkt.buf
        off = pkt.data
        if pkt.tail - off < wire.HEADER_LEN:
            mib.InErrors += 1
            self.stack.drop("PKT_TOO_SMALL")
            return
        if ones_sum(buf[off:pkt.tail]) != 0xFFFF:
            mib.InCsumErrors += 1
            mib.InErrors += 1
            self.stack.drop("ICMP_CSUM")
            return
        kind = buf[off]
        self.msg.inc(f"InType{kind}")
        handler = self.handlers.get(kind)
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("icmp", f"type {kind} code {buf[off + 1]}, checksum good → "
                             f"{handler.__name__.strip('_') if handler else 'no handler'}")
        if handler is None:
            self.stack.drop("ICMP_UNHANDLED")
            return
        handler(pkt)

    def _echo_request(self, pkt: Packet) -> None:
        self.mib.InEchos += 1
        if pkt.broadcast and self.echo_ignore_broadcasts:
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
        self.mib.OutMsgs += 1
        self.mib.OutEchoReps += 1
        self.msg.inc("OutType0")
        src = buf[net + 16:net + 20]
        dst = buf[net + 12:net + 16]
        if src in self.stack.ipv4.broadcasts:
            src = None
        self.stack.ipv4.output(reply, src, dst, ipwire.PROTO_ICMP)

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
        proto = buf[inner + 9]
        handler = self.err_handlers.get(proto)
        if handler is None:
            self.stack.drop("NO_SOCKET")
            return
        handler(pkt, kind, buf[off + 1], inner)

    # --- send errors ----------------------------------------------------------
    def send_unreach(self, pkt: Packet, code: int) -> None:
        self.send_error(pkt, wire.DEST_UNREACH, code)

    def send_error(self, pkt: Packet, kind: int, code: int) -> None:
        """icmp_send: quote the offending IP header and 8 bytes back to its source."""
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
        if buf[net + 9] == ipwire.PROTO_ICMP and buf[net + ihl] not in (0, 8, 13, 15, 17):
            return                                   # never an error about an error
        if not self.limiter.take(self.stack.now()):
            self.mib.OutRateLimitGlobal += 1
            return
        end = min(pkt.tail, net + ihl + 8, net + 576 - 28)
        quote = bytes(buf[net:end])
        err = Packet.alloc(wire.HEADER_LEN + len(quote))
        eb = err.buf
        s = err.data
        eb[s] = kind
        eb[s + 1] = code
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
