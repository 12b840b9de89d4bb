"""The link model (net_device-like): identity, state, counters, a bounded transmit queue.

A driver subclass supplies `_transmit(frame)` (put bytes on its wire) and,
when it has a receive side, `poll_rx(budget)` which hands each received
frame to `self.deliver(frame)`.  Frames enter and leave as `bytes`.
"""
from __future__ import annotations

import os
from collections import deque

from ..counters import LinkStats
from ..wire.ethernet import mac_to_str

LINK_TYPES: dict[str, type] = {}

IFF_UP = "UP"
IFF_BROADCAST = "BROADCAST"
IFF_LOOPBACK = "LOOPBACK"
IFF_MULTICAST = "MULTICAST"
IFF_LOWER_UP = "LOWER_UP"
IFF_NO_CARRIER = "NO-CARRIER"
IFF_PROMISC = "PROMISC"

DEFAULT_TXQLEN = 1000


def register_link_type(cls):
    LINK_TYPES[cls.kind] = cls
    return cls


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
        self.ipv4_addrs: list = []      # IfAddr entries, owned by the IPv4 layer
        # Taps, None unless a capture or trace covers this link (stack.refresh_taps):
        # rx_tap(frame) -> true when a trace wants this frame (Ethernet receive then hands
        # it to stack.traced); with only a trace armed it is the trace's BPF filter itself.
        # tx_tap(frame) sees the exact bytes handed to the wire.
        self.rx_tap = None
        self.tx_tap = None

    # --- state ---------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.admin_up and self.carrier

    def operstate(self) -> str:
        if not self.admin_up:
            return "DOWN"
        return "UP" if self.carrier else "LOWERLAYERDOWN"

    def flags(self) -> list[str]:
        flags = list(self.flags_static)
        if self.admin_up:
            flags.append(IFF_UP)
            flags.append(IFF_LOWER_UP if self.carrier else IFF_NO_CARRIER)
        return flags

    def set_up(self, up: bool) -> None:
        self.admin_up = up
        if not up:
            self.txq.clear()

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

    # --- data path -----------------------------------------------------
    def deliver(self, frame: bytes) -> None:
        """One received frame into the stack (the driver's netif_receive_skb)."""
        self.stack.netif_receive(self, frame)

    def xmit(self, frame: bytes) -> bool:
        """Queue a complete frame for the wire; counted drop when down or full."""
        if not self.admin_up:
            self.stats.tx_dropped += 1
            self.stack.drop("LINK_DOWN")
            return False
        if len(self.txq) >= self.txqlen:
            self.stats.tx_dropped += 1
            self.stack.drop("QDISC_DROP")
            return False
        self.txq.append(frame)
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("link", f"tx on {self.name}: {len(frame)} bytes to "
                             f"{':'.join(f'{b:02x}' for b in frame[:6])}")
        return True

    def flush_tx(self) -> int:
        """Hand queued frames to the driver; returns how many left."""
        sent = 0
        txq = self.txq
        stats = self.stats
        while txq:
            frame = txq.popleft()
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

    # --- description ---------------------------------------------------
    def describe(self) -> dict:
        """Kind-specific keys for `link show` (linkinfo)."""
        return {}

    def to_dict(self) -> dict:
        return {
            "ifindex": self.index,
            "ifname": self.name,
            "flags": self.flags(),
            "mtu": self.mtu,
            "qdisc": "pfifo_fast" if self.kind != "loopback" else "noqueue",
            "operstate": self.operstate() if self.kind != "loopback" else
            ("UNKNOWN" if self.admin_up else "DOWN"),
            "linkmode": "DEFAULT",
            "group": "default",
            "txqlen": self.txqlen,
            "link_type": self.link_type,
            "address": mac_to_str(self.mac),
            "broadcast": "ff:ff:ff:ff:ff:ff" if self.link_type == "ether" else "00:00:00:00:00:00",
            "link_kind": self.kind,
            **self.describe(),
            "stats64": self.stats64(),
        }

    def stats64(self) -> dict:
        return self.stats.stats64()
