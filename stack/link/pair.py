"""An in-process cable between two links (for tests and labs); like veth."""
from __future__ import annotations

from collections import deque

from .base import Link, register_link_type

RX_QUEUE_LEN = 1000     # netdev_max_backlog


@register_link_type
class PairLink(Link):
    kind = "pair"

    def __init__(self, name: str, mac: bytes | None = None, mtu: int = 1500):
        super().__init__(name, mac, mtu)
        self.peer: PairLink | None = None
        self.rxq: deque[bytes] = deque()

    @staticmethod
    def connect(a: "PairLink", b: "PairLink") -> None:
        a.peer, b.peer = b, a

    @property
    def running(self) -> bool:
        return self.admin_up and self.peer is not None and self.peer.admin_up

    def operstate(self) -> str:
        if not self.admin_up:
            return "DOWN"
        return "UP" if self.peer is not None and self.peer.admin_up else "LOWERLAYERDOWN"

    def flags(self) -> list[str]:
        flags = list(self.flags_static)
        if self.admin_up:
            flags.append("UP")
            peer_up = self.peer is not None and self.peer.admin_up
            flags.append("LOWER_UP" if peer_up else "NO-CARRIER")
        return flags

    def _transmit(self, frame: bytes) -> bool:
        peer = self.peer
        if peer is None or not peer.admin_up:
            return False
        if len(peer.rxq) >= RX_QUEUE_LEN:
            peer.stats.rx_dropped += 1
            peer.stats.rx_fifo_errors += 1
            peer.stack.drop("RX_QUEUE_FULL")
            return True        # it left our side; the peer counts the loss
        peer.rxq.append(frame)
        return True

    def rx_pending(self) -> bool:
        return bool(self.rxq)

    def poll_rx(self, budget: int) -> int:
        rxq = self.rxq
        n = 0
        while rxq and n < budget:
            self.deliver(rxq.popleft())
            n += 1
        return n

    def describe(self) -> dict:
        return {"peer": self.peer.name if self.peer else None}
