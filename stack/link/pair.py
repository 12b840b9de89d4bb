"""An in-process cable between two links (for tests and labs); like veth."""
from __future__ import annotations

from collections import deque

from ..errors import StackError
from .base import Link, LinkOption, register_link_type
from .kind import parse_link_name
from .notifier import NETDEV_CHANGE

RX_QUEUE_LEN = 1000     # netdev_max_backlog


@register_link_type
class PairLink(Link):
    kind = "pair"
    creatable = True
    options = (LinkOption("peer", parse_link_name, help="the other end's name", metavar="NAME",
                          required=True, new_link=True),)

    def __init__(self, name: str, mac: bytes | None = None, mtu: int = 1500):
        super().__init__(name, mac, mtu)
        self.peer: PairLink | None = None
        self.rxq: deque[bytes] = deque()

    @staticmethod
    def connect(a: "PairLink", b: "PairLink") -> None:
        a.peer, b.peer = b, a

    @classmethod
    def create(cls, stack, name: str, values: dict) -> list:
        peer = values["peer"]
        if peer in stack.links:
            raise StackError(f'link "{peer}" already exists')
        if name == peer:
            raise StackError("a pair needs two different names")
        a, b = cls(name), cls(peer)
        cls.connect(a, b)
        stack.add_link(a)
        stack.add_link(b)
        return [a, b]

    def has_carrier(self) -> bool:
        return self.peer is not None and self.peer.admin_up

    def set_up(self, up: bool) -> None:
        changed = up != self.admin_up
        super().set_up(up)
        peer = self.peer
        if changed and peer is not None and peer.stack is not None:
            peer.stack.netdev.notify(NETDEV_CHANGE, peer)     # its carrier followed ours

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

    # --- the kind's description ------------------------------------------------
    def lower_name(self) -> str | None:
        return self.peer.name if self.peer else None

    def describe(self) -> dict:
        return {"peer": self.peer.name if self.peer else None}

    def in_config(self) -> bool:
        return self.peer is not None and self.peer.stack is self.stack

    def option_values(self) -> list:
        return [(self.options[0], self.peer.name)]

    def companions(self) -> list:
        return [self.peer] if self.peer is not None and self.peer.stack is self.stack else []
