"""The IPv4 family adapter: addresses on links, the ARP table, the IPv4 FIB."""
from __future__ import annotations

from ..wire.ipv4 import addr_to_str
from .family import Family, register_family

LOOPBACK_ADDRESS = (bytes((127, 0, 0, 1)), 8)     # what the stack gives lo when it starts


class Inet(Family):
    name = "inet"
    address_length = 4
    max_prefixlen = 32

    def addr_to_str(self, address: bytes) -> str:
        return addr_to_str(address)

    def addresses(self, link) -> list:
        return link.ipv4_addrs

    def addr_add(self, stack, link, address: bytes, prefixlen: int) -> None:
        stack.ipv4.addr_add(link, address, prefixlen)

    def addr_del(self, stack, link, address: bytes, prefixlen: int | None) -> None:
        stack.ipv4.addr_del(link, address, prefixlen)

    def neighbours(self, stack):
        return stack.arp.table

    def routes(self, stack) -> list:
        return stack.ipv4.fib.routes()

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        return [LOOPBACK_ADDRESS] if link is link.stack.loopback else []


INET = register_family(Inet())
