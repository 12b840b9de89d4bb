"""The link model (net_device-like): identity, state, counters, a bounded transmit queue.

A driver subclass supplies `_transmit(frame)` (put bytes on its wire) and,
when it has a receive side, `poll_rx(budget)` which hands each received
frame to `self.deliver(frame)`.  Received frames enter as `bytes`; transmit
takes a Packet whose link-layer header the link itself pushed into its
headroom (`hard_header`), and the bytes are made once, in `flush_tx`.

A link may be claimed by an upper link through a receive handler
(`rx_handler_register`, the kernel's netdev_rx_handler_register), and keeps
its upper/lower adjacency (`uppers`, `lowers`, `master`).  State changes go
out on the stack's netdevice notifier chain (stack/link/notifier.py).
"""
from __future__ import annotations

import os
from collections import deque

from ..counters import LinkStats
from ..errors import StackError
from ..wire.ethernet import header, mac_to_str
from .kind import LINK_TYPES, LinkOption, register_link_type  # noqa: F401
from .notifier import (NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_CHANGEUPPER,
                       NETDEV_DOWN, NETDEV_UP)

IFF_UP = "UP"
IFF_BROADCAST = "BROADCAST"
IFF_LOOPBACK = "LOOPBACK"
IFF_MULTICAST = "MULTICAST"
IFF_LOWER_UP = "LOWER_UP"
IFF_NO_CARRIER = "NO-CARRIER"
IFF_PROMISC = "PROMISC"

DEFAULT_TXQLEN = 1000
ETH_HLEN = 14

# What a receive handler (`link.rx_handler(link, frame) -> (result, link, frame)`) tells
# Ethernet receive, as the kernel's rx_handler_result_t does:
RX_HANDLER_CONSUMED = 0     # the handler took the frame: nothing more to do
RX_HANDLER_ANOTHER = 1      # the frame now belongs to the returned link: receive it there
RX_HANDLER_PASS = 2         # go on as if no handler were registered


def random_local_mac() -> bytes:
    """A locally administered unicast MAC (like macvlan's random address)."""
    mac = bytearray(os.urandom(6))
    mac[0] = (mac[0] & 0xFE) | 0x02
    return bytes(mac)


class Link:
    kind = "link"
    link_type = "ether"
    flags_static = (IFF_BROADCAST, IFF_MULTICAST)
    min_mtu = 68
    max_mtu = 65535
    # What the kind is, for core code (instead of tests of its name):
    options: tuple[LinkOption, ...] = ()    # `link add NAME type KIND` options
    creatable = False           # `link add ... type KIND` makes it
    settable = False            # `link set DEV type KIND OPTION VALUE` changes its options
    made_by = "add"             # the link command that makes it: add, attach; None: it exists by itself
    qdisc = "pfifo_fast"
    starts_up = False           # up as soon as it exists (loopback)
    deletable = True
    has_mac = True              # `link set address` applies
    iff_loopback = False        # IFF_LOOPBACK: its frames come back to this host
    is_master = False           # links may be its ports (link set DEV master NAME): a bridge

    def __init__(self, name: str, mac: bytes | None = None, mtu: int = 1500):
        self.name = name
        self.index = 0
        self.mac = mac if mac is not None else random_local_mac()
        self.mtu = mtu
        self.admin_up = False
        self.carrier = True
        self.stack = None
        self.stats = LinkStats()
        self.txq: deque[bytes] = deque()
        self.txqlen = DEFAULT_TXQLEN
        self.promisc = False            # ip link set DEV promisc on: shown as PROMISC
        self.noarp = False              # ip link set DEV arp off: IFF_NOARP
        self.ipv4_addrs: list = []      # IfAddr entries, owned by the IPv4 layer
        # Taps, None unless a capture or trace covers this link (stack.refresh_taps):
        # rx_tap(frame) -> true when a trace wants this frame (Ethernet receive then hands
        # it to stack.traced); with only a trace armed it is the trace's BPF filter itself.
        # tx_tap(frame) sees the exact bytes handed to the wire.
        self.rx_tap = None
        self.tx_tap = None
        self.rx_handler = None          # set by an upper that claims this link's receive
        self.rx_handler_data = None
        self.vlan_info = None           # its VLAN links (stack/link/vlan.py), asked first
        self.uppers: list = []          # links stacked on this one (adjacency)
        self.lowers: list = []          # links this one is stacked on
        self.master = None              # the upper that is this link's master (a bridge)

    # --- state ---------------------------------------------------------
    def has_carrier(self) -> bool:
        return self.carrier

    @property
    def running(self) -> bool:
        return self.admin_up and self.has_carrier()

    def operstate(self) -> str:
        if not self.admin_up:
            return "DOWN"
        return "UP" if self.has_carrier() else self.carrier_down_state()

    def carrier_down_state(self) -> str:
        """The operstate without carrier: a link on another (a pair's peer, a VLAN's DEV)
        says its lower layer is down, as the kernel's default_operstate does."""
        return "LOWERLAYERDOWN"

    def flags(self) -> list[str]:
        """In ip's order: NO-CARRIER leads (print_link_flags), LOWER_UP ends."""
        carrier = self.has_carrier()
        flags = [IFF_NO_CARRIER] if self.admin_up and not carrier else []
        flags += self.flags_static
        if self.noarp:
            flags.append("NOARP")
        if self.promisc:
            flags.append("PROMISC")
        if self.admin_up:
            flags.append(IFF_UP)
            if carrier:
                flags.append(IFF_LOWER_UP)
        return flags

    def _notify(self, event: str) -> None:
        if self.stack is not None:
            self.stack.netdev.notify(event, self)

    def set_up(self, up: bool) -> None:
        if up == self.admin_up:
            return
        self.admin_up = up
        if not up:
            self.txq.clear()
        self._notify(NETDEV_UP if up else NETDEV_DOWN)
        for upper in self.uppers:               # their carrier follows ours (stacked operstate)
            upper._notify(NETDEV_CHANGE)

    def set_mtu(self, mtu: int) -> None:
        if mtu != self.mtu:
            self.mtu = mtu
            self._notify(NETDEV_CHANGEMTU)

    def set_address(self, mac: bytes) -> None:
        if mac != self.mac:
            self.mac = mac
            self._notify(NETDEV_CHANGEADDR)

    def set_problem(self, up: bool | None = None, mtu: int | None = None) -> str | None:
        """Why `link set` cannot make these changes to this link, or None (checked before any)."""
        if mtu is not None and not self.min_mtu <= mtu <= self.max_mtu:
            return f"mtu {mtu} out of range {self.min_mtu}..{self.max_mtu} for {self.name}"
        return None

    def set_carrier(self, carrier: bool) -> None:
        if carrier != self.carrier:
            self.stats.tx_carrier_changes += 1
        self.carrier = carrier

    # --- lifecycle (drivers with OS resources override) ----------------
    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def fileno(self) -> int | None:
        """A descriptor the runtime polls for received frames, if any."""
        return None

    def rx_pending(self) -> bool:
        """True when frames wait that `poll_rx` can take without blocking."""
        return False

    def poll_rx(self, budget: int) -> int:
        return 0

    # --- receive handler and adjacency (upper links) ---------------------
    def rx_handler_register(self, handler, data=None) -> None:
        """Claim this link's receive for an upper: one handler per link (EBUSY otherwise)."""
        if self.rx_handler is not None:
            raise StackError(f'"{self.name}" is already claimed by '
                             f'{getattr(self.rx_handler_data, "name", "another link")}')
        self.rx_handler = handler
        self.rx_handler_data = data

    def rx_handler_unregister(self) -> None:
        self.rx_handler = None
        self.rx_handler_data = None

    def upper_link(self, upper, master: bool = False) -> None:
        """Make `upper` stacked on this link (netdev_upper_dev_link / _master_upper_)."""
        if master and self.master is not None:
            raise StackError(f'"{self.name}" already has a master ({self.master.name})')
        self.uppers.append(upper)
        upper.lowers.append(self)
        if master:
            self.master = upper
        self._notify(NETDEV_CHANGEUPPER)

    def upper_unlink(self, upper) -> None:
        if upper in self.uppers:
            self.uppers.remove(upper)
            upper.lowers.remove(self)
            if self.master is upper:
                self.master = None
            self._notify(NETDEV_CHANGEUPPER)

    # --- link-layer header (header_ops) ------------------------------------
    def hard_header(self, pkt, dst: bytes, ethertype: int) -> None:
        """Push this link's header for `dst` into pkt's headroom (dev_hard_header)."""
        start = pkt.push(ETH_HLEN)
        pkt.buf[start:start + ETH_HLEN] = header(dst, self.mac, ethertype)
        pkt.mac = start

    def header_cache(self, dst: bytes, ethertype: int) -> bytes:
        """The header `hard_header` would push for `dst`, for a neighbour to keep (hh_cache)."""
        return header(dst, self.mac, ethertype)

    # --- data path -----------------------------------------------------
    def deliver(self, frame: bytes) -> None:
        """One received frame into the stack (the driver's netif_receive_skb)."""
        self.stack.netif_receive(self, frame)

    def forward(self, pkt) -> bool:
        """Send a frame whose header another link built (a bridge forwarding it out of this
        port, br_dev_queue_push_xmit); a kind that adds to the header (a VLAN's tag) does."""
        return self.xmit(pkt)

    def xmit(self, pkt) -> bool:
        """Queue a Packet (its link-layer header pushed) for the wire; counted drop when down or full."""
        if not self.admin_up:
            self.stats.tx_dropped += 1
            self.stack.drop("LINK_DOWN")
            return False
        if len(self.txq) >= self.txqlen:
            self.stats.tx_dropped += 1
            self.stack.drop("QDISC_DROP")
            return False
        self.txq.append(pkt)
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("link", _tx_text(self, pkt))
        return True

    def flush_tx(self) -> int:
        """Hand queued packets to the driver as bytes; returns how many left."""
        sent = 0
        txq = self.txq
        stats = self.stats
        while txq:
            pkt = txq.popleft()
            frame = bytes(pkt.buf[pkt.data:pkt.tail])
            if self._transmit(frame):
                stats.tx_packets += 1
                stats.tx_bytes += len(frame)
                sent += 1
                if self.tx_tap is not None:
                    self.tx_tap(frame)
            else:
                stats.tx_errors += 1
                self.stack.drop("TX_ERROR")
        return sent

    def _transmit(self, frame: bytes) -> bool:
        raise NotImplementedError

    # --- the kind: creation, description, configuration -------------------
    @classmethod
    def create(cls, stack, name: str, values: dict) -> list:
        """Make a link of this kind named `name` from its option values; returns the links made
        (already added to `stack`).  Only kinds with `creatable` set implement it."""
        raise StackError(f"links of type {cls.kind} cannot be made with link add")

    def change_options(self, values: dict) -> None:
        """Apply parsed option values (`link set DEV type KIND ...`); kinds with `settable`."""
        raise StackError(f"links of type {self.kind} have no options to change")

    def describe(self) -> dict:
        """Kind-specific top-level keys for `link show`."""
        return {}

    def lower_name(self) -> str | None:
        """The name after ``@`` in `link show` (iproute2's "link"): the link this one sits on."""
        return self.lowers[0].name if self.lowers else None

    def info_data(self) -> dict:
        """The kind's details for `link show -d` (iproute2's linkinfo.info_data)."""
        return {}

    def info_xstats(self) -> dict:
        """The kind's own counters, shown with -s -d (linkinfo.info_xstats)."""
        return {}

    def in_config(self) -> bool:
        """False: no command can make this link (it and everything on it is left out)."""
        return True

    def config_options(self) -> dict:
        """The values `made_by`'s command needs to make this link again, by option name."""
        from .kind import format_value
        return {opt.name: format_value(opt, value) for opt, value in self.option_values()}

    def option_values(self) -> list:
        """(LinkOption, value) of this link's options; kinds with options override."""
        return []

    def companions(self) -> list:
        """Links that go when this one is deleted (a pair's other end)."""
        return []

    def port_info(self, link) -> dict | None:
        """A master's details of its port `link` (linkinfo.info_slave_data); None: not a master."""
        return None

    def linkinfo(self) -> dict | None:
        info = {"info_kind": self.kind}
        data = self.info_data()
        if data:
            info["info_data"] = data
        xstats = self.info_xstats()
        if xstats:
            info["info_xstats"] = xstats
        master = self.master
        if master is not None:
            slave = master.port_info(self)
            if slave is not None:
                info["info_slave_kind"] = master.kind
                info["info_slave_data"] = slave
        return info

    def to_dict(self) -> dict:
        row = {"ifindex": self.index}
        lower = self.lower_name()
        if lower is not None:
            row["link"] = lower
        row.update({
            "ifname": self.name,
            "flags": self.flags(),
            "mtu": self.mtu,
            "qdisc": self.qdisc,
        })
        if self.master is not None:
            row["master"] = self.master.name
        row.update({
            "operstate": self.operstate(),
            "linkmode": "DEFAULT",
            "group": "default",
            "txqlen": self.txqlen,
            "link_type": self.link_type,
            "address": mac_to_str(self.mac),
            "broadcast": "ff:ff:ff:ff:ff:ff" if self.link_type == "ether" else "00:00:00:00:00:00",
            "promiscuity": int(self.promisc),
            "allmulti": 0,
            "min_mtu": self.min_mtu,
            "max_mtu": self.max_mtu,
            "link_kind": self.kind,
        })
        info = self.linkinfo()
        if info is not None:
            row["linkinfo"] = info
        mode = self.stack.ipv6.conf(self)["addr_gen_mode"] if self.stack is not None else None
        if mode is not None and self not in self.stack.ipv6.disabled:
            row["inet6_addr_gen_mode"] = ("eui64", "none", "stable_secret", "random")[mode]
        advertising = self.stack.radv.config(self) if self.stack is not None else None
        if advertising is not None:
            row["ra"] = advertising.to_dict()           # router advertisements sent (radv.py)
        row.update({
            **self.describe(),
            "stats64": self.stats64(),
        })
        return row

    def stats64(self) -> dict:
        return self.stats.stats64()


def _tx_text(link, pkt) -> str:
    dst = pkt.buf[pkt.data:pkt.data + 6]
    return f"tx on {link.name}: {len(pkt)} bytes to {':'.join(f'{b:02x}' for b in dst)}"
