"""IPv4 receive (ip_rcv), local delivery and output (ip_queue_xmit), addresses.

Protocols register with `register(proto, handler)`; a handler gets a Packet
whose data starts at its own header and whose `network` marks the IP header.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..counters import IP_MIB, IPEXT_MIB, Mib
from ..errors import StackError
from ..packet import Packet
from ..wire import ipv4 as wire
from ..wire.ethernet import ETH_P_IP, header
from .route import Fib, Route

DEFAULT_TTL = 64


@dataclass
class IfAddr:
    address: bytes
    prefixlen: int
    broadcast: bytes
    link: object
    label: str

    @property
    def network(self) -> int:
        return wire.to_int(self.address) & wire.mask(self.prefixlen)

    def covers(self, addr: bytes) -> bool:
        return wire.to_int(addr) & wire.mask(self.prefixlen) == self.network

    def to_dict(self) -> dict:
        row = {"family": "inet", "local": wire.addr_to_str(self.address),
               "prefixlen": self.prefixlen}
        if self.prefixlen < 31:
            row["broadcast"] = wire.addr_to_str(self.broadcast)
        row["scope"] = "host" if self.address[0] == 127 else "global"
        row["label"] = self.label
        row["valid_life_time"] = 4294967295
        row["preferred_life_time"] = 4294967295
        return row


class IPv4:
    def __init__(self, stack):
        self.stack = stack
        self.mib = Mib("Ip", IP_MIB)
        self.ext = Mib("IpExt", IPEXT_MIB)
        self.protos: dict[int, object] = {}
        self.local: dict[bytes, IfAddr] = {}        # the local table: our addresses
        self.broadcasts: set[bytes] = {wire.LIMITED_BROADCAST}
        self.fib = Fib()
        self.ident = 0
        self.forwarding = False
        stack.ethernet.register(ETH_P_IP, self.receive)

    def register(self, proto: int, handler) -> None:
        self.protos[proto] = handler

    # --- receive ---------------------------------------------------------
    def receive(self, pkt: Packet) -> None:
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
        src = buf[off + 12:off + 16]
        dst = buf[off + 16:off + 20]
        # Martians: the route lookup refuses them and Linux counts no MIB for it.
        if src in self.local or src[0] >= 224 or src in self.broadcasts:
            if not (src in self.local and pkt.link.kind == "loopback"):
                self.stack.drop("IP_INVALID_SOURCE")
                return
        if dst in self.local or (dst[0] == 127 and pkt.link is self.stack.loopback):
            pass
        elif dst in self.broadcasts:
            self.ext.InBcastPkts += 1
            pkt.broadcast = True
        elif 224 <= dst[0] < 240:           # no multicast group is ever joined yet
            self.stack.drop("IP_INVALID_DEST")
            return
        else:
            mib.InAddrErrors += 1
            self.stack.drop("IP_INADDRERRORS")
            return
        if ((buf[off + 6] << 8) | buf[off + 7]) & (wire.FLAG_MF | wire.FRAG_MASK):
            mib.ReasmReqds += 1
            mib.ReasmFails += 1
            self.stack.drop("IP_FRAG_UNSUPPORTED")
            return
        proto = buf[off + 9]
        handler = self.protos.get(proto)
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("ipv4", f"valid header, {wire.addr_to_str(src)} → {wire.addr_to_str(dst)} "
                             f"ttl {buf[off + 8]}, {'broadcast' if pkt.broadcast else 'local'} "
                             f"delivery to protocol {proto}")
        if handler is None:
            mib.InUnknownProtos += 1
            self.stack.icmp.send_unreach(pkt, 2)     # protocol unreachable
            self.stack.drop("IP_NOPROTO")
            return
        mib.InDelivers += 1
        pkt.data = off + ihl
        pkt.transport = off + ihl
        handler(pkt)

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

    def addr_add(self, link, address: bytes, prefixlen: int) -> IfAddr:
        if address in self.local:
            owner = self.local[address]
            if owner.link is link and owner.prefixlen == prefixlen:
                raise StackError("Address already assigned.")   # iproute2: RTNETLINK answers: File exists
            raise StackError(f"{wire.addr_to_str(address)} is already on {owner.link.name}")
        host_bits = 32 - prefixlen
        bcast = wire.from_int(wire.to_int(address) | ((1 << host_bits) - 1)) if host_bits else address
        ifa = IfAddr(address, prefixlen, bcast, link, link.name)
        link.ipv4_addrs.append(ifa)
        self.local[address] = ifa
        self._rebuild_broadcasts()
        if link.kind != "loopback":        # loopback ranges live in the local table only
            self.fib.add(Route(ifa.network, prefixlen, link, prefsrc=address))
            self.stack.arp.announce(link, address)
        return ifa

    def addr_del(self, link, address: bytes, prefixlen: int | None) -> None:
        for ifa in link.ipv4_addrs:
            if ifa.address == address and (prefixlen is None or ifa.prefixlen == prefixlen):
                break
        else:
            raise StackError("Cannot assign requested address")     # RTNETLINK's EADDRNOTAVAIL
        link.ipv4_addrs.remove(ifa)
        del self.local[address]
        self._rebuild_broadcasts()
        self.fib.remove(lambda r: r.link is link and r.prefsrc == address)

    def _rebuild_broadcasts(self) -> None:
        self.broadcasts = {wire.LIMITED_BROADCAST}
        for ifa in self.local.values():
            if ifa.prefixlen < 31:
                self.broadcasts.add(ifa.broadcast)

    def remove_link(self, link) -> None:
        for ifa in list(link.ipv4_addrs):
            self.addr_del(link, ifa.address, ifa.prefixlen)
        self.fib.remove(lambda r: r.link is link)

    # --- output -------------------------------------------------------------
    def route(self, dst: bytes, oif=None) -> tuple[object, bytes, bytes | None] | None:
        """(link, next hop, preferred source) for `dst`, local addresses via loopback."""
        if (dst in self.local or dst[0] == 127) and oif is None:   # 127/8 is all local, as in Linux
            return self.stack.loopback, dst, dst
        route = self.fib.lookup(dst, oif)
        if route is None:
            return None
        return route.link, route.gateway or dst, route.prefsrc

    def output(self, pkt: Packet, src: bytes | None, dst: bytes, proto: int,
               ttl: int = DEFAULT_TTL, oif=None, df: bool = False) -> str | None:
        """Add the IP header in front of pkt.data and send; returns a drop reason or None."""
        mib = self.mib
        mib.OutRequests += 1
        resolved = self.route(dst, oif)
        if resolved is None:
            mib.OutNoRoutes += 1
            self.stack.drop("IP_OUTNOROUTES")
            return "IP_OUTNOROUTES"
        link, nexthop, prefsrc = resolved
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("ipv4", f"output to {wire.addr_to_str(dst)}: via {link.name}, "
                             f"next hop {wire.addr_to_str(nexthop)}")
        if src is None:
            src = prefsrc or self.source_for(link, dst)
            if src is None:
                mib.OutNoRoutes += 1
                self.stack.drop("IP_OUTNOROUTES")
                return "IP_OUTNOROUTES"
        total = len(pkt) + wire.MIN_LEN
        if total > link.mtu:
            mib.FragFails += 1
            self.stack.drop("PKT_TOO_BIG")
            return "PKT_TOO_BIG"
        start = pkt.push(wire.MIN_LEN)
        self.ident = (self.ident + 1) & 0xFFFF
        wire.write_header(pkt.buf, start, total, self.ident, wire.FLAG_DF if df else 0,
                          ttl, proto, src, dst)
        pkt.network = start
        self.ext.OutOctets += total
        if dst in self.broadcasts:
            self.ext.OutBcastPkts += 1
            return self._xmit_broadcast(link, pkt)
        if link.kind == "loopback":
            return self._xmit_loopback(link, pkt)
        self.stack.arp.table.output(link, nexthop, pkt)
        return None

    def _xmit_loopback(self, link, pkt: Packet) -> None:
        s = pkt.push(14)
        pkt.buf[s:s + 14] = header(link.mac, link.mac, ETH_P_IP)
        link.xmit(bytes(pkt.buf[s:pkt.tail]))

    def _xmit_broadcast(self, link, pkt: Packet) -> None:
        s = pkt.push(14)
        pkt.buf[s:s + 14] = header(b"\xff" * 6, link.mac, ETH_P_IP)
        link.xmit(bytes(pkt.buf[s:pkt.tail]))
