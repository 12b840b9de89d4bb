"""The stack's call interface: what faces may ask, answered with plain data.

These methods run in the stack's thread (the runtime calls them there); they
validate everything before changing anything, so a refused request leaves the
configuration as it was.  Keys follow iproute2's JSON (docs/stack-api.md).
"""
from __future__ import annotations

import itertools

from .errors import StackError
from .wire.ethernet import mac_to_str
from .wire.ipv4 import addr_to_str

LINK_NAME_MAX = 15          # IFNAMSIZ - 1
STATS_GROUPS = ("Ip", "IpExt", "Icmp", "IcmpMsg", "ArpStats", "Link", "Drop")


def link_name_problem(name: str) -> str | None:
    """Why `name` cannot name a link (the kernel's dev_valid_name rules), or None."""
    if not name or len(name) > LINK_NAME_MAX:
        return f"a link name has 1..{LINK_NAME_MAX} characters"
    if "/" in name or any(c.isspace() for c in name) or name in (".", ".."):
        return "not a valid link name"
    return None


LOOPBACK_ADDRESS = (bytes((127, 0, 0, 1)), 8)     # what the stack gives lo when it starts


def _fresh_mtu(link) -> int:
    """The MTU a new link of this type gets: its constructor's default."""
    import inspect
    param = inspect.signature(type(link).__init__).parameters.get("mtu")
    return param.default if param is not None and isinstance(param.default, int) else 1500


def _check_name(name: str) -> None:
    problem = link_name_problem(name)
    if problem:
        raise StackError(f'"{name}": {problem}')


class StackAPI:
    API = ("link_list", "host_devices", "link_attach", "link_detach", "link_set",
           "link_add_pair", "link_del", "addr_add", "addr_del", "addr_list", "addr_flush",
           "neigh_list", "neigh_add", "neigh_del", "neigh_flush", "route_list", "stats",
           "config",
           "ping_open", "ping_send", "ping_close",
           "capture_start", "capture_stop", "capture_status", "capture_packets", "capture_clear",
           "capture_load", "replay", "trace_add", "trace_show", "trace_clear")

    # --- helpers -------------------------------------------------------------
    def link(self, name: str):
        link = self.links.get(name)
        if link is None:
            raise StackError(f'Cannot find device "{name}"')
        return link

    def _link_dict(self, link) -> dict:
        row = link.to_dict()
        row["addr_info"] = [ifa.to_dict() for ifa in link.ipv4_addrs]
        return row

    # --- links ------------------------------------------------------------------
    def link_list(self, name: str | None = None) -> list[dict]:
        links = [self.link(name)] if name else sorted(self.links.values(), key=lambda l: l.index)
        return [self._link_dict(link) for link in links]

    def host_devices(self) -> list[dict]:
        from .link.hostdev import host_devices
        attached = {link.hostdev: link.name for link in self.links.values()
                    if getattr(link, "hostdev", None)}
        return [dict(dev, attached=attached.get(dev["name"])) for dev in host_devices()]

    def link_attach(self, hostdev: str, name: str | None = None, address: bytes | None = None) -> dict:
        from .link.hostdev import host_device_names
        from .link.pcap import PcapLink
        name = name or hostdev
        _check_name(name)
        if name in self.links:
            raise StackError(f'link "{name}" already exists')
        for link in self.links.values():
            if getattr(link, "hostdev", None) == hostdev:
                raise StackError(f'"{hostdev}" is already attached as "{link.name}"')
        if hostdev not in host_device_names():
            raise StackError(f'Cannot find host device "{hostdev}"')
        if address is not None:
            self._check_lladdr(address)
        link = PcapLink(name, hostdev, address)
        link.open()
        self.add_link(link)
        return self._link_dict(link)

    def link_detach(self, name: str) -> None:
        link = self.link(name)
        if link.kind != "pcap":
            raise StackError(f'"{name}" is a {link.kind} link, not attached to a host device; use "link del"')
        self.remove_link(link)

    def link_del(self, name: str) -> None:
        link = self.link(name)
        if link.kind == "loopback":
            raise StackError("cannot delete the loopback link")
        if link.kind == "pair" and link.peer is not None and link.peer.stack is self:
            self.remove_link(link.peer)
        self.remove_link(link)

    def link_add_pair(self, name: str, peer: str) -> None:
        from .link.pair import PairLink
        for n in (name, peer):
            _check_name(n)
            if n in self.links:
                raise StackError(f'link "{n}" already exists')
        if name == peer:
            raise StackError("a pair needs two different names")
        a, b = PairLink(name), PairLink(peer)
        PairLink.connect(a, b)
        self.add_link(a)
        self.add_link(b)

    @staticmethod
    def _check_lladdr(mac: bytes) -> None:
        if len(mac) != 6 or mac[0] & 1 or mac == bytes(6):
            raise StackError(f'"{mac_to_str(mac)}" is not a unicast MAC address')

    def link_set(self, name: str, up: bool | None = None, mtu: int | None = None,
                 address: bytes | None = None) -> None:
        link = self.link(name)
        if mtu is not None and not link.min_mtu <= mtu <= link.max_mtu:
            raise StackError(f"mtu {mtu} out of range {link.min_mtu}..{link.max_mtu} for {name}")
        if address is not None:
            if link.kind == "loopback":
                raise StackError("the loopback link has no MAC address to set")
            self._check_lladdr(address)
        if mtu is not None:
            link.mtu = mtu
        if address is not None:
            link.mac = address
            self.arp.table.flush(link)          # cached headers carry the old source MAC
        if up is not None and up != link.admin_up:
            link.set_up(up)
            if not up:
                self.arp.table.flush(link)
            else:
                for ifa in link.ipv4_addrs:
                    self.arp.announce(link, ifa.address)
        self.ipv4.fib.flush_cache()

    # --- addresses -----------------------------------------------------------------
    def addr_add(self, dev: str, address: bytes, prefixlen: int) -> None:
        link = self.link(dev)
        if not 0 <= prefixlen <= 32:
            raise StackError(f"prefix length {prefixlen} out of range 0..32")
        self.ipv4.addr_add(link, address, prefixlen)

    def addr_del(self, dev: str, address: bytes, prefixlen: int | None = None) -> None:
        self.ipv4.addr_del(self.link(dev), address, prefixlen)

    def addr_list(self, dev: str | None = None) -> list[dict]:
        return self.link_list(dev)

    def addr_flush(self, dev: str) -> int:
        link = self.link(dev)
        count = len(link.ipv4_addrs)
        for ifa in list(link.ipv4_addrs):
            self.ipv4.addr_del(link, ifa.address, ifa.prefixlen)
        return count

    # --- neighbours -----------------------------------------------------------------
    def neigh_list(self, dev: str | None = None) -> list[dict]:
        return self.arp.table.to_dicts(self.link(dev) if dev else None)

    def neigh_add(self, dev: str, address: bytes, lladdr: bytes) -> None:
        link = self.link(dev)
        if lladdr == bytes(6):
            raise StackError(f'"{mac_to_str(lladdr)}" is not a usable link-layer address')
        self.arp.table.add_permanent(link, address, lladdr)

    def neigh_del(self, dev: str, address: bytes) -> None:
        if not self.arp.table.delete(self.link(dev), address):
            raise StackError(f"no neighbour {addr_to_str(address)} on {dev}")   # RTNETLINK: No such file or directory

    def neigh_flush(self, dev: str) -> int:
        return self.arp.table.flush(self.link(dev))

    # --- routes ---------------------------------------------------------------------
    def route_list(self) -> list[dict]:
        return [route.to_dict() for route in self.ipv4.fib.routes()]

    # --- the running configuration ----------------------------------------------------
    # One row per object kind, in the order a fresh stack must be given them (links
    # before the addresses and neighbours on them).  A new kind of object adds one row
    # here, a method yielding its objects, and one writer in netsh/commands/config.py.
    CONFIG_SECTIONS = (
        ("link", "_config_links"),
        ("address", "_config_addresses"),
        ("neighbour", "_config_neighbours"),
    )

    def config(self) -> list[dict]:
        """What recreates this configuration on a fresh stack: plain objects, in order.

        Each object is ``{"kind": ..., ...}``; keys equal to what a fresh object gets
        are left out (docs/stack-api.md).  Links no command can make (a pair end whose
        peer belongs to another stack) are left out with everything on them.
        """
        links = [link for link in sorted(self.links.values(), key=lambda l: l.index)
                 if link.kind != "pair" or (link.peer is not None and link.peer.stack is self)]
        return [{"kind": kind, **obj} for kind, method in self.CONFIG_SECTIONS
                for obj in getattr(self, method)(links)]

    def _config_links(self, links: list):
        for link in links:
            obj = {"ifname": link.name, "link_kind": link.kind}
            if link.kind == "pair":
                obj["peer"] = link.peer.name
            elif link.kind == "pcap":
                obj["host_dev"] = link.hostdev
            if link.kind != "loopback":
                obj["address"] = mac_to_str(link.mac)    # random when made: always part of it
            if link.mtu != _fresh_mtu(link):
                obj["mtu"] = link.mtu
            if link.admin_up != (link.kind == "loopback"):   # lo starts up, the rest down
                obj["up"] = link.admin_up
            yield obj

    def _config_addresses(self, links: list):
        for link in links:
            addrs = [(ifa.address, ifa.prefixlen) for ifa in link.ipv4_addrs]
            if link.kind == "loopback":
                if LOOPBACK_ADDRESS in addrs:
                    addrs.remove(LOOPBACK_ADDRESS)
                else:
                    address, prefixlen = LOOPBACK_ADDRESS    # taken away: say so
                    yield {"dev": link.name, "family": "inet", "local": addr_to_str(address),
                           "prefixlen": prefixlen, "absent": True}
            for address, prefixlen in addrs:
                yield {"dev": link.name, "family": "inet", "local": addr_to_str(address),
                       "prefixlen": prefixlen}

    def _config_neighbours(self, links: list):
        from .l2.neigh import PERMANENT
        kept = {id(link) for link in links}
        entries = [e for e in self.arp.table.entries.values()
                   if e.state is PERMANENT and id(e.link) in kept]
        for entry in sorted(entries, key=lambda e: (e.link.index, e.addr)):
            yield {"dev": entry.link.name, "dst": addr_to_str(entry.addr),
                   "lladdr": mac_to_str(entry.lladdr)}

    # --- counters --------------------------------------------------------------------
    def stats(self, layer: str | None = None) -> dict:
        sources = {
            "Ip": self.ipv4.mib.snapshot,
            "IpExt": self.ipv4.ext.snapshot,
            "Icmp": self.icmp.mib.snapshot,
            "IcmpMsg": self.icmp.msg.snapshot,
            "ArpStats": self.arp.stats.snapshot,
            "Link": self._link_totals,
            "Drop": self.drop.snapshot,
        }
        wanted = STATS_GROUPS
        if layer is not None:
            wanted = [g for g in STATS_GROUPS if g.lower() == layer.lower()]
            if not wanted:
                raise StackError(f'unknown layer "{layer}"; one of: {", ".join(STATS_GROUPS)}')
        return {group: sources[group]() for group in wanted}

    def _link_totals(self) -> dict:
        totals: dict[str, int] = {}
        for link in self.links.values():
            stats = link.stats64()
            for direction in ("rx", "tx"):
                for key, value in stats[direction].items():
                    name = f"{direction}_{key}"
                    totals[name] = totals.get(name, 0) + value
        return totals

    # --- ping -----------------------------------------------------------------------------
    def ping_open(self, dst: bytes, size: int, dev: str | None = None, ttl: int = 64):
        return self.pings.open(dst, size, self.link(dev) if dev else None, ttl)

    def ping_send(self, session, seq: int) -> bool:
        return self.pings.send(session, seq)

    def ping_close(self, session) -> None:
        self.pings.close(session)

    # --- capture -------------------------------------------------------------------------
    def capture_start(self, dev: str | None = None, expression: str | None = None,
                      count: int | None = None, snaplen: int | None = None,
                      write: str | None = None) -> dict:
        """Start capturing (a fresh ring) on `dev` or every link; refused while one runs."""
        from .capture import DEFAULT_SNAPLEN, Capture, compile_filter, open_writer
        if self.capture is not None and self.capture.running:
            raise StackError('a capture is already running; "capture stop" first')
        links = [self.link(dev)] if dev else None
        snaplen = snaplen or DEFAULT_SNAPLEN
        program = compile_filter(expression, snaplen) if expression else None
        writer = open_writer(write) if write else None
        self.capture_clear()
        self.capture = Capture(self, self.ring, links, program, expression or "", count, snaplen,
                               writer, self.clock.to_epoch)
        self.capture.start()
        return self.capture.status()

    def capture_stop(self) -> dict:
        if self.capture is None or not self.capture.running:
            raise StackError("no capture is running")
        self.capture.stop()
        return self.capture.status()

    def capture_status(self) -> dict:
        if self.capture is None:
            return {"running": False, "ring_packets": len(self.ring), "ring_bytes": self.ring.bytes,
                    "ring_overflow": self.ring.overflow, **self.ring.ends()}
        return self.capture.status()

    def capture_packets(self, number: int | None = None, last: int | None = None,
                        start: int | None = None, count: int | None = None) -> list:
        """Captured packets: all, packet `number`, the `last` N, or `count` from number `start`
        on (copies; the ring moves on)."""
        ring = self.ring
        if start is not None:
            return ring.window(start, len(ring) if count is None else count)
        if number is not None:
            found = ring.window(number, 1)       # numbers run on by one: no search
            if not found or found[0].number != number:
                raise StackError(f"no packet {number} in the capture ring")
            return found
        if last is not None:
            return ring.last(last)
        return ring.all()

    def capture_clear(self) -> int:
        count = len(self.ring)
        self.ring.clear()
        self.capture_numbers = itertools.count(1).__next__    # 1, 2, ... again
        self.refresh_taps()                  # a running capture's taps hold the counter
        return count

    def capture_load(self, packets: list) -> int:
        """Replace the ring's contents with packets read from a file (numbered from 1)."""
        if self.capture is not None and self.capture.running:
            raise StackError('a capture is running; "capture stop" first')
        self.capture_clear()
        for pkt in packets:
            pkt.number = self.capture_numbers()
            self.ring.add(pkt)
        return len(self.ring)

    def replay(self, dev: str, frames: list[bytes]) -> int:
        """Frames into `dev`'s receive path as if they came off its wire."""
        link = self.link(dev)
        for frame in frames:
            link.deliver(frame)
        return len(frames)

    # --- packet trace --------------------------------------------------------------------
    def trace_add(self, dev: str | None = None, count: int = 10, expression: str | None = None) -> dict:
        """Trace the next `count` frames received on `dev` (or any link) that match."""
        from .capture import compile_filter
        from .trace import Tracer
        links = [self.link(dev)] if dev else None
        program = compile_filter(expression) if expression else None
        old = self.tracer
        self.tracer = Tracer(self, links, count, program, expression or "")
        if old is not None:                # arming again keeps what was traced
            self.tracer.records.extend(old.records)
            self.tracer.number = old.number
            self.tracer.overflow = old.overflow
        self.refresh_taps()
        return {"armed": count, "links": [dev] if dev else None, "filter": expression or ""}

    def trace_show(self, last: int | None = None) -> dict:
        """{records, overflow (records the bound pushed out), armed (frames still wanted)}."""
        if self.tracer is None:
            return {"records": [], "overflow": 0, "armed": 0}
        records = list(self.tracer.records)
        if last is not None:
            records = records[-last:]
        return {"records": [rec.to_dict() for rec in records], "overflow": self.tracer.overflow,
                "armed": max(self.tracer.remaining, 0)}

    def trace_clear(self) -> int:
        count = len(self.tracer.records) if self.tracer is not None else 0
        self.tracer = None
        self.refresh_taps()
        return count
