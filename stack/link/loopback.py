"""The loopback link: what it sends, it receives."""
from __future__ import annotations

from collections import deque

from .base import Link, register_link_type


@register_link_type
class LoopbackLink(Link):
    kind = "loopback"
    link_type = "loopback"
    flags_static = ("LOOPBACK",)
    qdisc = "noqueue"
    starts_up = True
    deletable = False
    has_mac = False
    iff_loopback = True
    made_by = None              # every stack has one from the start

    def __init__(self, name: str = "lo", mac: bytes | None = None, mtu: int = 65536):
        super().__init__(name, b"\x00" * 6, mtu)
        self.rxq: deque[bytes] = deque()
        self.txqlen = 1000

    def operstate(self) -> str:
        return "UNKNOWN" if self.admin_up else "DOWN"


    def linkinfo(self) -> dict | None:
        return None                     # no rtnl_link_ops: `ip -d` shows no kind for lo

    def _transmit(self, frame: bytes) -> bool:
        self.rxq.append(frame)
        return True

    def rx_pending(self) -> bool:
        return bool(self.rxq)

    def poll_rx(self, budget: int) -> int:
        n = 0
        while self.rxq and n < budget:
            self.deliver(self.rxq.popleft())
            n += 1
        return n
