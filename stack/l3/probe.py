"""traceroute's UDP probes: datagrams to ports counting up from 33434, sent with a TTL (a
hop limit over IPv6), and the ICMP or ICMPv6 errors that quote them (time exceeded on the
way, port unreachable from the destination).  ICMP probes (traceroute -I) are ping's echo
requests with a TTL of their own.

The stack has no UDP layer yet: the probes take ICMP's error dispatch for UDP while none
is registered; a UDP layer that comes later hands them errors quoting a probe's port.
"""
from __future__ import annotations

import itertools
import queue
import struct

from ..errors import StackError
from ..packet import Packet
from ..wire import icmpv6 as icmp6wire
from ..wire import ipv4 as ipwire
from ..wire import ipv6 as ip6wire
from ..wire import udp as udpwire
from ..wire.icmp import DEST_UNREACH, TIME_EXCEEDED
from .ping import PingEvent

BASE_PORT = 33434
MAX_SESSIONS = 64
FIRST_SOURCE_PORT = 33000             # source ports name the sessions: 33000..33063


class ProbeSession:
    def __init__(self, sport: int, dst: bytes, size: int, port: int):
        self.sport = sport
        self.dst = dst
        self.size = size              # UDP payload bytes
        self.port = port              # probe `seq` goes to port + seq
        self.replies: queue.Queue[PingEvent] = queue.Queue()


class Probes:
    def __init__(self, stack):
        self.stack = stack
        self.sessions: dict[int, ProbeSession] = {}
        self._ports = itertools.cycle(range(FIRST_SOURCE_PORT, FIRST_SOURCE_PORT + MAX_SESSIONS))
        stack.icmp.err_handlers.setdefault(ipwire.PROTO_UDP, self.on_error)
        stack.icmp6.err_handlers.setdefault(ip6wire.NEXTHDR_UDP, self.on_error6)

    def open(self, dst: bytes, size: int, port: int = BASE_PORT) -> ProbeSession:
        if len(self.sessions) >= MAX_SESSIONS:
            raise StackError("too many traceroute sessions")
        if len(dst) == 16:
            route = self.stack.ipv6.route_output(dst)
        else:
            route = self.stack.ipv4.fib.lookup(dst)
        if route is None or route.link is None:
            raise StackError("connect: Network is unreachable")
        sport = next(port for port in self._ports if port not in self.sessions)
        session = self.sessions[sport] = ProbeSession(sport, dst, size, port)
        return session

    def close(self, session: ProbeSession) -> None:
        self.sessions.pop(session.sport, None)

    def send(self, session: ProbeSession, seq: int, ttl: int) -> str | None:
        """Probe `seq` with `ttl`; returns IPv4's drop reason, or None."""
        length = udpwire.HEADER_LEN + session.size
        pkt = Packet.alloc(length)
        buf, off = pkt.buf, pkt.data
        dport = (session.port + seq) & 0xFFFF
        udpwire.write_header(buf, off, session.sport, dport, length)
        for i in range(session.size):
            buf[off + udpwire.HEADER_LEN + i] = 0x40 + (i & 0x3F)      # traceroute's filler
        if len(session.dst) == 16:
            ipv6 = self.stack.ipv6
            src = ipv6.select_source(session.dst, None, 0, ip6wire.NEXTHDR_UDP)
            if src is not None:
                udpwire.fill_checksum(buf, off, length, src, session.dst)
            return ipv6.output(pkt, src, session.dst, ip6wire.NEXTHDR_UDP, hlim=ttl)
        route = self.stack.ipv4.fib.lookup(session.dst)
        if route is not None and route.link is not None:
            src = route.prefsrc or self.stack.ipv4.source_for(route.link, session.dst)
            if src is not None:
                udpwire.fill_checksum(buf, off, length, src, session.dst)
                return self.stack.ipv4.output(pkt, src, session.dst, ipwire.PROTO_UDP, ttl=ttl)
        return self.stack.ipv4.output(pkt, None, session.dst, ipwire.PROTO_UDP, ttl=ttl)

    def on_error(self, pkt: Packet, kind: int, code: int, inner: int) -> None:
        """An ICMP error quoting a UDP datagram: a probe's answer, if it quotes one of ours."""
        buf = pkt.buf
        quoted = inner + (buf[inner] & 15) * 4
        if pkt.tail - quoted < 4:
            self.stack.drop("NO_SOCKET")
            return
        sport, dport = struct.unpack_from("!HH", buf, quoted)
        session = self.sessions.get(sport)
        src = ipwire.addr_to_str(buf[pkt.network + 12:pkt.network + 16])
        rec = self.stack.trace_rec
        if session is None or bytes(buf[inner + 16:inner + 20]) != session.dst \
                or kind not in (DEST_UNREACH, TIME_EXCEEDED):
            if rec is not None:
                rec.step("traceroute", f"it quotes UDP from port {sport} to {dport}: "
                                       "not a traceroute probe of ours")
            self.stack.drop("NO_SOCKET")
            return
        if rec is not None:
            rec.step("traceroute", f"the answer to probe {(dport - session.port) & 0xFFFF} "
                                   f"from {src} → traceroute session")
            rec.verdict = "delivered to traceroute"
        session.replies.put(PingEvent("error", (dport - session.port) & 0xFFFF, src,
                                      type=kind, code=code))

    def on_error6(self, pkt: Packet, kind: int, code: int, inner: int) -> None:
        """An ICMPv6 error quoting a UDP datagram (right after the quoted IPv6 header)."""
        buf = pkt.buf
        quoted = inner + ip6wire.HEADER_LEN
        if pkt.tail - quoted < 4:
            self.stack.drop("NO_SOCKET")
            return
        sport, dport = struct.unpack_from("!HH", buf, quoted)
        session = self.sessions.get(sport)
        src = ip6wire.addr_to_str(buf[pkt.network + 8:pkt.network + 24])
        rec = self.stack.trace_rec
        if session is None or bytes(buf[inner + 24:inner + 40]) != session.dst \
                or kind not in (icmp6wire.DEST_UNREACH, icmp6wire.TIME_EXCEEDED):
            if rec is not None:
                rec.step("traceroute", f"it quotes UDP from port {sport} to {dport}: "
                                       "not a traceroute probe of ours")
            self.stack.drop("NO_SOCKET")
            return
        if rec is not None:
            rec.step("traceroute", f"the answer to probe {(dport - session.port) & 0xFFFF} "
                                   f"from {src} → traceroute session")
            rec.verdict = "delivered to traceroute"
        session.replies.put(PingEvent("error", (dport - session.port) & 0xFFFF, src,
                                      type=kind, code=code))
