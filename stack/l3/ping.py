"""Ping bookkeeping: echo requests we send and the replies and errors they meet.

A `PingSession` is what a ping socket is in Linux: an ICMP identifier bound
to one destination.  Its events go onto `session.replies`, a thread-safe queue
a face can wait on; everything else stays in the stack's thread.
"""
from __future__ import annotations

import itertools
import queue
import struct
from dataclasses import dataclass

from ..errors import StackError
from ..packet import Packet
from ..wire import icmp as wire
from ..wire import icmpv6 as wire6
from ..wire import ipv4 as ipwire
from ..wire import ipv6 as ip6wire
from ..wire.checksum import checksum
from .addrconf import is_link_local, is_multicast
from .icmpv6 import fill_checksum
from .ipv4 import output_path

MAX_SESSIONS = 1024
# ping -M: IP_PMTUDISC_DONT (never DF), WANT (DF when it fits the MTU; larger ones are
# fragmented here: the socket default), DO and PROBE (DF; larger ones are refused, EMSGSIZE).
PMTUDISC = ("dont", "want", "do", "probe")
MAX_OUTSTANDING = 65536


@dataclass
class PingEvent:
    kind: str                 # "reply" or "error"
    seq: int
    src: str
    ttl: int = 0
    size: int = 0             # ICMP bytes received (iputils' "64 bytes from")
    rtt_ms: float | None = None
    message: str = ""
    type: int = 0             # the ICMP answer's type and code (an error's: traceroute reads them)
    code: int = 0


class PingSession:
    def __init__(self, ident: int, dst: bytes, size: int, link, ttl: int, mark: int = 0,
                 pmtudisc: str = "want", src: bytes | None = None):
        self.ident = ident
        self.src = src                    # a bound source (ping -I ADDR): policy rules by source see it
        self.mark = mark                  # SO_MARK: the flow's firewall mark (policy rules read it)
        self.pmtudisc = pmtudisc
        self.dst = dst
        self.size = size
        self.link = link
        self.ttl = ttl
        self.sent: dict[int, float] = {}
        self.received: set[int] = set()
        self.replies: queue.Queue[PingEvent] = queue.Queue()


class Pings:
    def __init__(self, stack):
        self.stack = stack
        self.sessions: dict[int, PingSession] = {}
        self._idents = itertools.cycle(range(1, 0x10000))
        stack.icmp.echo_reply_handler = self.on_reply
        stack.icmp.err_handlers[ipwire.PROTO_ICMP] = self.on_error
        stack.icmp6.echo_reply_handler = self.on_reply6
        stack.icmp6.err_handlers[ip6wire.NEXTHDR_ICMP] = self.on_error6

    def open(self, dst: bytes, size: int, link=None, ttl: int = 64, mark: int = 0,
             pmtudisc: str = "want", src: bytes | None = None) -> PingSession:
        if pmtudisc not in PMTUDISC:
            raise StackError(f"invalid -M argument: {pmtudisc}")
        if len(self.sessions) >= MAX_SESSIONS:
            raise StackError("too many ping sessions")
        for _ in range(0x10000):
            ident = next(self._idents)
            if ident not in self.sessions:
                break
        if len(dst) == 16:
            if link is None and (is_link_local(dst) or is_multicast(dst)):
                raise StackError("connect: Invalid argument (a link-local address needs -I DEV)")
            if src is not None and (len(src) != 16 or src not in self.stack.ipv6.local):
                raise StackError("bind: Cannot assign requested address")
            route = self.stack.ipv6.fib.lookup(dst, link, src, None, mark)
            if route is None or route.link is None:
                raise StackError("connect: Network is unreachable")
        else:
            if src is not None:
                raise StackError("a bound source is taken for IPv6 pings only (so far)")
            route = self.stack.ipv4.fib.lookup(dst, link, None, None, mark)
            if route is None or route.link is None:
                raise StackError("connect: Network is unreachable")
        session = PingSession(ident, dst, size, link, ttl, mark, pmtudisc, src)
        self.sessions[ident] = session
        return session

    def close(self, session: PingSession) -> None:
        self.sessions.pop(session.ident, None)

    def _echo_request(self, session: PingSession, seq: int, kind: int) -> Packet:
        """An echo request of `kind` (ICMP or ICMPv6), its checksum left to fill."""
        size = session.size
        pkt = Packet.alloc(wire.HEADER_LEN + size)
        buf = pkt.buf
        s = pkt.data
        now = self.stack.now()
        wire.HEADER.pack_into(buf, s, kind, 0, 0, session.ident, seq & 0xFFFF)
        payload = s + wire.HEADER_LEN
        # iputils' layout: a timestamp first when it fits, then bytes counting up
        for i in range(size):
            buf[payload + i] = i & 0xFF
        if size >= 16:
            sec = int(now)
            struct.pack_into("!QQ", buf, payload, sec, int((now - sec) * 1e6))
        if len(session.sent) >= MAX_OUTSTANDING:
            session.sent.pop(next(iter(session.sent)))
        session.sent[seq & 0xFFFF] = now
        return pkt

    def send(self, session: PingSession, seq: int, ttl: int | None = None) -> bool:
        """Send echo request `seq` (with `ttl` instead of the session's, for traceroute -I)."""
        if len(session.dst) == 16:
            return self.send6(session, seq, ttl)
        pkt = self._echo_request(session, seq, wire.ECHO_REQUEST)
        buf, s = pkt.buf, pkt.data
        csum = checksum(buf[s:pkt.tail])
        buf[s + 2] = csum >> 8
        buf[s + 3] = csum & 0xFF
        icmp = self.stack.icmp
        icmp.mib.OutMsgs += 1
        icmp.mib.OutEchos += 1
        icmp.msg.inc("OutType8")
        mode = session.pmtudisc
        df = mode in ("do", "probe") or (mode == "want" and len(pkt) + ipwire.MIN_LEN <= self.mtu(session))
        reason = self.stack.ipv4.output(pkt, None, session.dst, ipwire.PROTO_ICMP,
                                        ttl=ttl or session.ttl, oif=session.link, mark=session.mark,
                                        df=df)
        if reason == "PKT_TOO_BIG":
            session.replies.put(PingEvent("error", seq, "",
                                          message=f"local error: message too long, mtu={self.mtu(session)}"))
            return False
        if reason is not None:
            session.replies.put(PingEvent("error", seq, "", message="sendmsg: Network is unreachable"))
            return False
        return True

    def mtu(self, session: PingSession) -> int:
        """The path MTU the session's packets are held to: the route's, else its link's, or
        less if learned (65535 with no route)."""
        ipv4 = self.stack.ipv4
        route = ipv4.route_output(session.dst, session.link)
        if route is None or route.link is None:
            return 65535
        link = output_path(route, session.dst, self.stack.loopback)[0]
        return ipv4.pmtu.path_mtu(session.dst, route.mtu or link.mtu)

    def on_reply(self, pkt: Packet) -> None:
        buf = pkt.buf
        off = pkt.data
        _, _, _, ident, seq = wire.HEADER.unpack_from(buf, off)
        session = self.sessions.get(ident)
        net = pkt.network
        src = bytes(buf[net + 12:net + 16])
        if session is None or src != session.dst and not pkt.broadcast:
            rec = self.stack.trace_rec
            if rec is not None:
                rec.step("ping", f"echo reply id 0x{ident:04x} seq {seq} from {ipwire.addr_to_str(src)}: "
                                 + ("no ping session has that id" if session is None else
                                    f"session 0x{ident:04x} pings {ipwire.addr_to_str(session.dst)}, not it"))
            self.stack.drop("NO_SOCKET")
            return
        self._deliver(session, seq, ipwire.addr_to_str(src), buf[net + 8], pkt.tail - off,
                      self.stack.trace_rec)

    def on_error(self, pkt: Packet, kind: int, code: int, inner: int) -> None:
        buf = pkt.buf
        found = self._quoted_session(pkt, inner + (buf[inner] & 15) * 4, wire.ECHO_REQUEST)
        if found is None:
            return
        session, seq = found
        if kind == wire.DEST_UNREACH:
            text = wire.UNREACH_TEXT.get(code, f"Dest Unreachable, Bad Code: {code}")
            if code == wire.FRAG_NEEDED:
                text += f" (mtu = {struct.unpack_from('!H', buf, pkt.data + 6)[0]})"
        elif kind == wire.TIME_EXCEEDED:
            text = "Time to live exceeded"
        else:
            text = "Parameter problem"
        self._error_event(session, seq, ipwire.addr_to_str(buf[pkt.network + 12:pkt.network + 16]), text,
                          kind, code)

    # --- IPv6 (ping -6) -------------------------------------------------------------
    def send6(self, session: PingSession, seq: int, ttl: int | None = None) -> bool:
        ipv6 = self.stack.ipv6
        src = session.src or ipv6.select_source(session.dst, session.link, session.mark,
                                                ip6wire.NEXTHDR_ICMP)
        pkt = self._echo_request(session, seq, wire6.ECHO_REQUEST)
        if src is None:
            session.replies.put(PingEvent("error", seq, "", message="sendmsg: Network is unreachable"))
            return False
        fill_checksum(pkt.buf, pkt.data, pkt.tail, src, session.dst)
        self.stack.icmp6.count_out(wire6.ECHO_REQUEST)
        # IPV6_MTU_DISCOVER: do and probe refuse what is longer than the MTU (EMSGSIZE), want
        # and dont let the stack fragment it (IPv6 routers never do)
        reason = ipv6.output(pkt, src, session.dst, ip6wire.NEXTHDR_ICMP, hlim=ttl or session.ttl,
                             oif=session.link, mark=session.mark, flow_src=session.src,
                             dontfrag=session.pmtudisc in ("do", "probe"))
        if reason == "PKT_TOO_BIG":
            route = ipv6.fib.lookup(session.dst, session.link, session.src, None, session.mark)
            mtu = ipv6.pmtu.path_mtu(session.dst, route.mtu or output_path(
                route, session.dst, self.stack.loopback)[0].mtu)
            session.replies.put(PingEvent("error", seq, "", message=f"local error: message too long, "
                                                                    f"mtu={mtu}"))
            return False
        if reason is not None:
            session.replies.put(PingEvent("error", seq, "", message="sendmsg: Network is unreachable"))
            return False
        return True

    def on_reply6(self, pkt: Packet) -> None:
        buf, off, net = pkt.buf, pkt.data, pkt.network
        _, _, _, ident, seq = wire.HEADER.unpack_from(buf, off)
        session = self.sessions.get(ident)
        src = bytes(buf[net + 8:net + 24])
        rec = self.stack.trace_rec
        if session is None or len(session.dst) != 16 or (src != session.dst and not is_multicast(session.dst)):
            if rec is not None:
                rec.step("ping", f"echo reply id 0x{ident:04x} seq {seq} from {ip6wire.addr_to_str(src)}: "
                                 "no ping session of ours waits for it")
            self.stack.drop("NO_SOCKET")
            return
        self._deliver(session, seq, self._source_text(src, pkt.link), buf[net + 7], pkt.tail - off, rec)

    def _deliver(self, session: PingSession, seq: int, src: str, ttl: int, size: int, rec) -> None:
        sent = session.sent.get(seq)
        rtt = (self.stack.now() - sent) * 1000.0 if sent is not None else None
        dup = seq in session.received
        session.received.add(seq)
        if rec is not None:
            dst = (ipwire.addr_to_str if len(session.dst) == 4 else ip6wire.addr_to_str)(session.dst)
            rec.step("ping", f"echo reply id 0x{session.ident:04x} seq {seq} → ping session to "
                             f"{dst}{' (duplicate)' if dup else ''}")
            rec.verdict = "delivered to ping"
        session.replies.put(PingEvent("reply", seq, src, ttl=ttl, size=size, rtt_ms=rtt,
                                      message="DUP!" if dup else ""))

    def _quoted_session(self, pkt: Packet, quoted: int, request: int):
        """(session, seq) of the echo request an ICMP error quotes at `quoted`, or None (dropped)."""
        buf = pkt.buf
        rec = self.stack.trace_rec
        if pkt.tail - quoted < 8 or buf[quoted] != request:
            if rec is not None:
                rec.step("ping", "the quoted packet is not a whole echo request header")
            self.stack.drop("NO_SOCKET")
            return None
        ident, seq = struct.unpack_from("!HH", buf, quoted + 4)
        session = self.sessions.get(ident)
        if session is None:
            if rec is not None:
                rec.step("ping", f"it quotes echo request id 0x{ident:04x} seq {seq}: no ping session has that id")
            self.stack.drop("NO_SOCKET")
            return None
        return session, seq

    def _error_event(self, session: PingSession, seq: int, src: str, text: str,
                     kind: int = 0, code: int = 0) -> None:
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("ping", f"{text} from {src} for echo request id 0x{session.ident:04x} seq {seq} → ping session")
            rec.verdict = "delivered to ping"
        session.replies.put(PingEvent("error", seq, src, message=text, type=kind, code=code))

    @staticmethod
    def _source_text(src: bytes, link) -> str:
        """iputils' way: a link-local address with its %scope."""
        text = ip6wire.addr_to_str(src)
        return f"{text}%{link.name}" if is_link_local(src) else text

    def on_error6(self, pkt: Packet, kind: int, code: int, inner: int) -> None:
        buf = pkt.buf
        found = self._quoted_session(pkt, inner + ip6wire.HEADER_LEN, wire6.ECHO_REQUEST)
        if found is None:
            return
        session, seq = found
        text = error_text6(kind, code, int.from_bytes(buf[pkt.data + 4:pkt.data + 8], "big"))
        self._error_event(session, seq, self._source_text(bytes(buf[pkt.network + 8:pkt.network + 24]),
                                                          pkt.link), text, kind, code)


# iputils ping6's words for ICMPv6 errors (pr_icmph in ping6_common.c)
UNREACH6_TEXT = {0: "No route", 1: "Administratively prohibited", 2: "Beyond scope of source address",
                 3: "Address unreachable", 4: "Port unreachable"}
PARAM6_TEXT = {0: "Wrong header field ", 1: "Unknown header ", 2: "Unknown option "}


def error_text6(kind: int, code: int, info: int) -> str:
    if kind == wire6.DEST_UNREACH:
        return "Destination unreachable: " + UNREACH6_TEXT.get(code, f"Unknown code {code}")
    if kind == wire6.PACKET_TOO_BIG:
        return f"Packet too big: mtu={info}"
    if kind == wire6.TIME_EXCEEDED:
        return "Time exceeded: " + ("Hop limit" if code == 0 else
                                    "Defragmentation failure" if code == 1 else f"code {code}")
    if kind == wire6.PARAM_PROBLEM:
        return "Parameter problem: " + PARAM6_TEXT.get(code, f"code {code} ") + f"at {info}"
    return f"Bad ICMP type: {kind}"
