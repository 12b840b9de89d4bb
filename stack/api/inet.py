"""The IPv4 family adapter: addresses on links, the ARP table, the IPv4 FIB."""
from __future__ import annotations

from ..errors import StackError
from ..l3.route import RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, TABLE_NAMES
from ..wire.ipv4 import addr_to_str
from .family import Family, register_family

LOOPBACK_ADDRESS = (bytes((127, 0, 0, 1)), 8)     # what the stack gives lo when it starts
DISPLAY_ORDER = (RT_TABLE_MAIN, RT_TABLE_DEFAULT, RT_TABLE_LOCAL)   # `ip route show table all`


class Inet(Family):
    name = "inet"
    address_length = 4
    max_prefixlen = 32

    def addr_to_str(self, address: bytes) -> str:
        return addr_to_str(address)

    def addresses(self, link) -> list:
        return link.ipv4_addrs

    def addr_add(self, stack, link, address: bytes, prefixlen: int, nodad: bool = False,
                 valid_lft: int | None = None, preferred_lft: int | None = None) -> None:
        if valid_lft is not None or preferred_lft is not None:
            raise StackError("valid_lft and preferred_lft are taken for IPv6 addresses only")
        stack.ipv4.addr_add(link, address, prefixlen)

    def addr_del(self, stack, link, address: bytes, prefixlen: int | None) -> None:
        stack.ipv4.addr_del(link, address, prefixlen)

    def neighbours(self, stack):
        return stack.arp.table

    def table_ids(self, stack, table: str) -> list[int]:
        if table == "all":
            return list(DISPLAY_ORDER)
        for table_id, name in TABLE_NAMES.items():
            if table in (name, str(table_id)):
                return [table_id]
        raise StackError(f'unknown table "{table}"; one of: {", ".join(TABLE_NAMES.values())}, all')

    def table_name(self, table_id: int) -> str:
        return TABLE_NAMES.get(table_id, str(table_id))

    def routes(self, stack, table_id: int) -> list:
        return stack.ipv4.fib.routes(table_id)

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        return [LOOPBACK_ADDRESS] if link is link.stack.loopback else []


INET = register_family(Inet())
