"""What a FIB needs to know of an address family: its width, and its addresses as integers.

The FIB (stack/l3/route.py) keys its tables on host-order integers; IPv4 and
IPv6 each hand it one of these, so one FibTable serves both families.
"""
from __future__ import annotations

from ..wire import ipv4, ipv6


class FibFamily:
    def __init__(self, name: str, bits: int, addr_to_str):
        self.name = name
        self.bits = bits
        self.addr_to_str = addr_to_str
        self._all = (1 << bits) - 1
        self._masks = tuple(self._all ^ ((1 << (bits - plen)) - 1) for plen in range(bits + 1))

    def mask(self, prefixlen: int) -> int:
        return self._masks[prefixlen]

    @staticmethod
    def to_int(addr) -> int:
        return int.from_bytes(addr, "big")

    def from_int(self, value: int) -> bytes:
        return value.to_bytes(self.bits // 8, "big")

    def prefix_text(self, network: int, prefixlen: int) -> str:
        """`ip route`'s dst: default, an address alone for a host route, else ADDR/LEN."""
        if prefixlen == 0:
            return "default"
        text = self.addr_to_str(self.from_int(network))
        return text if prefixlen == self.bits else f"{text}/{prefixlen}"


INET_FIB = FibFamily("inet", 32, ipv4.addr_to_str)
INET6_FIB = FibFamily("inet6", 128, ipv6.addr_to_str)
