"""IPv4 receive (ip_rcv), local delivery and output (ip_queue_xmit), addresses.

Protocols register with `register(proto, handler)`; a handler gets a Packet
whose data starts at its own header and whose `network` marks the IP header.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..counters import IP_MIB, IPEXT_MIB, Mib, counter_group
from ..errors import StackError
from ..link.notifier import NETDEV_UNREGISTER, NETDEV_UP
from ..packet import Packet
from ..trace import handler_name
from ..wire import ipv4 as wire
from ..wire.checksum import checksum, ones_sum
from ..wire.ethernet import BROADCAST, ETH_P_IP
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
        stack.netdev.subscribe("ipv4", self.netdev_event)

    def netdev_event(self, event: str, link) -> None:
        """Link events: a removed link takes its addresses and routes; up announces; the
        route cache holds links, so every event empties it."""
        if event == NETDEV_UNREGISTER:
            self.remove_link(link)
        elif event == NETDEV_UP:
            for ifa in link.ipv4_addrs:
                self.stack.arp.announce(link, ifa.address)
        self.fib.flush_cache()

    def register(self, proto: int, handler) -> None:
        self.protos[proto] = handler

    # --- receive ---------------------------------------------------------
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
        src = buf[off + 12:off + 16]
        dst = buf[off + 16:off + 20]
        # Martians: the route lookup refuses them and Linux counts no MIB for it.
        if src in self.local or src[0] >= 224 or src in self.broadcasts:
            if not (src in self.local and pkt.link.iff_loopback):
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
        if not link.iff_loopback:          # loopback ranges live in the local table only
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
            if self.stack.trace_rec is not None:
                self.stack.trace_rec.step("ipv4", f"output to {wire.addr_to_str(dst)}: no route"
                                          + (f" via {oif.name}" if oif is not None else ""))
            mib.OutNoRoutes += 1
            self.stack.drop("IP_OUTNOROUTES")
            return "IP_OUTNOROUTES"
        link, nexthop, prefsrc = resolved
        rec = self.stack.trace_rec
        if rec is not None:
            rec.explain(self.explain_output, pkt, src, dst, oif, resolved)
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
        if link.iff_loopback:
            return self._xmit_loopback(link, pkt)
        self.stack.arp.table.output(link, nexthop, pkt)
        return None

    def _xmit_loopback(self, link, pkt: Packet) -> None:
        link.hard_header(pkt, link.mac, ETH_P_IP)
        link.xmit(pkt)

    def _xmit_broadcast(self, link, pkt: Packet) -> None:
        link.hard_header(pkt, BROADCAST, ETH_P_IP)
        link.xmit(pkt)

    # --- trace: the checks above, one step each (only for a traced packet) ---------
    def explain_receive(self, rec, pkt: Packet) -> str | None:
        """Walk `receive`'s checks in its order; returns the drop reason they lead to, if any."""
        def step(text):
            rec.step("ipv4", text)
        buf, off = pkt.buf, pkt.data
        reason = _explain_header(step, buf, off, pkt.tail - off)
        if reason is not None:
            return reason
        src = bytes(buf[off + 12:off + 16])
        dst = bytes(buf[off + 16:off + 20])
        reason = self._explain_source(step, src, pkt.link)
        if reason is not None:
            return reason
        reason = self._explain_destination(step, dst, pkt.link)
        if reason is not None:
            return reason
        frag = (buf[off + 6] << 8) | buf[off + 7]
        if frag & (wire.FLAG_MF | wire.FRAG_MASK):
            step(f"a fragment (MF {int(bool(frag & wire.FLAG_MF))}, offset {(frag & wire.FRAG_MASK) * 8}):"
                 " reassembly is not implemented (ReasmFails)")
            return "IP_FRAG_UNSUPPORTED"
        step(f"not a fragment ({'DF' if frag & wire.FLAG_DF else 'no flags'}, offset 0)")
        proto = buf[off + 9]
        name = f"{proto} ({wire.PROTO_NAMES[proto]})" if proto in wire.PROTO_NAMES else str(proto)
        handler = self.protos.get(proto)
        if handler is None:
            step(f"protocol {name}: no handler (InUnknownProtos), answer protocol unreachable")
            return "IP_NOPROTO"
        step(f"protocol {name}, ttl {buf[off + 8]} → {handler_name(handler)}")
        return None

    def _explain_source(self, step, src: bytes, link) -> str | None:
        text = wire.addr_to_str(src)
        if src in self.local:
            if link.iff_loopback:
                step(f"source {text} is ours, arriving on loopback: allowed")
                return None
            what = f"our own address (on {self.local[src].link.name})"
        elif src[0] >= 224:
            what = "multicast" if src[0] < 240 else "reserved (240/4)"
        elif src in self.broadcasts:
            what = "a broadcast address"
        else:
            step(f"source {text} is unicast and not ours: not a martian")
            return None
        step(f"source {text} is {what}: a martian, refused")
        return "IP_INVALID_SOURCE"

    def _explain_destination(self, step, dst: bytes, link) -> str | None:
        text = wire.addr_to_str(dst)
        if dst in self.local:
            step(f"destination {text} is local (address on {self.local[dst].link.name}): deliver here")
        elif dst[0] == 127 and link is self.stack.loopback:
            step(f"destination {text} is local (127.0.0.0/8 on {link.name}): deliver here")
        elif dst in self.broadcasts:
            step(f"destination {text} is a broadcast address: deliver here (InBcastPkts)")
        elif 224 <= dst[0] < 240:
            step(f"destination {text} is multicast and no group is joined")
            return "IP_INVALID_DEST"
        else:
            step(f"destination {text} is not ours and this stack does not forward (InAddrErrors)")
            return "IP_INADDRERRORS"
        return None

    def explain_output(self, rec, pkt: Packet, src, dst: bytes, oif, resolved) -> str | None:
        """The route `output` chose, the source it takes, the MTU check and where the packet goes."""
        def step(text):
            rec.step("ipv4", text)
        link, nexthop, prefsrc = resolved
        text = wire.addr_to_str(dst)
        if link is self.stack.loopback and oif is None:
            route = f"local {text} dev {link.name} (our own address)"
        else:
            found = self.fib.lookup(dst, oif)
            route = _route_text(found.to_dict()) if found is not None else f"dev {link.name}"
        hop = "on link" if nexthop == dst else "gateway"
        step(f"output to {text}: route {route}; next hop {wire.addr_to_str(nexthop)} ({hop})")
        if src is None:
            chosen = prefsrc or self.source_for(link, dst)
            if chosen is None:
                step(f"no source address to use on {link.name}")
                return "IP_OUTNOROUTES"
            how = "the route's preferred source" if prefsrc else f"an address chosen for {link.name}"
            step(f"source {wire.addr_to_str(chosen)}: {how}")
        else:
            step(f"source {wire.addr_to_str(src)}: set by the protocol sending it")
        total = len(pkt) + wire.MIN_LEN
        if total > link.mtu:
            step(f"length {total} > mtu {link.mtu} of {link.name}, and fragmenting is not implemented")
            return "PKT_TOO_BIG"
        step(f"length {total} ≤ mtu {link.mtu}")
        return None


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
    words = [row["dst"]]
    if "gateway" in row:
        words += ["via", row["gateway"]]
    words += ["dev", row["dev"], "proto", row["protocol"], "scope", row["scope"]]
    if "prefsrc" in row:
        words += ["src", row["prefsrc"]]
    return " ".join(words)


counter_group("Ip", 10, lambda stack: stack.ipv4.mib.snapshot())
counter_group("IpExt", 11, lambda stack: stack.ipv4.ext.snapshot())
