"""The IPv4 family adapter: addresses on links, the ARP table, the IPv4 FIB."""
from __future__ import annotations

from ..errors import NetlinkError, StackError, rtnetlink
from ..l3.ipv4 import DELIVER_BROADCAST, DELIVER_LOCAL, FORWARD
from ..l3.route import (BROADCAST, LOCAL, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN,
                        RT_TABLE_MAX, TABLE_NAMES, UNICAST)
from ..wire.ipv4 import ANY, addr_to_str
from .family import Family, register_family
from .route import decision_row, with_pmtu, with_redirect

# What `ip route get ... iif DEV` answers for route input's refusals (the errno ip_route_input
# returns for each).
INPUT_ERRORS = {"IP_INADDRERRORS": "EHOSTUNREACH", "IP_INNOROUTES": "ENETUNREACH",
                "ROUTE_UNREACHABLE": "EHOSTUNREACH", "ROUTE_PROHIBIT": "EACCES",
                "ROUTE_BLACKHOLE": "EINVAL", "IP_INVALID_SOURCE": "EINVAL", "IP_INVALID_DEST": "EINVAL"}

LOOPBACK_ADDRESS = (bytes((127, 0, 0, 1)), 8)     # what the stack gives lo when it starts
DISPLAY_ORDER = (RT_TABLE_MAIN, RT_TABLE_DEFAULT, RT_TABLE_LOCAL)   # `ip route show table all`


class Inet(Family):
    name = "inet"
    address_length = 4
    max_prefixlen = 32
    kernel_name = "ipv4"          # how the kernel's extack messages name the family

    def addr_to_str(self, address: bytes) -> str:
        return addr_to_str(address)

    def addresses(self, link) -> list:
        return link.ipv4_addrs

    def addr_add(self, stack, link, address: bytes, prefixlen: int, **options) -> None:
        if "valid_lft" in options or "preferred_lft" in options:
            raise StackError("valid_lft and preferred_lft are taken for IPv6 addresses only")
        if "nodad" in options:
            raise StackError("nodad is taken for IPv6 addresses only")
        stack.ipv4.addr_add(link, address, prefixlen, **options)

    def addr_del(self, stack, link, address: bytes, prefixlen: int | None) -> None:
        stack.ipv4.addr_del(link, address, prefixlen)

    def neighbours(self, stack):
        return stack.arp.table

    def fib(self, stack):
        return stack.ipv4.fib

    def table_id(self, table) -> int:
        """A table's number from its name or number (rtnl_rttable_a2n)."""
        for table_id, name in TABLE_NAMES.items():
            if table == name:
                return table_id
        text = str(table)
        value = int(text, 0) if text.isdigit() or text.lower().startswith("0x") else -1
        if not 0 < value <= RT_TABLE_MAX:
            raise StackError(f'"{table}" is not a table: a number 1..{RT_TABLE_MAX}, or '
                             f'{", ".join(TABLE_NAMES.values())}')
        return value

    def table_ids(self, stack, table: str) -> list[int]:
        fib = self.fib(stack)
        if table == "all":
            numbered = sorted(t for t in fib.tables if t not in DISPLAY_ORDER)
            return numbered + list(DISPLAY_ORDER)
        table_id = self.table_id(table)
        if table_id not in fib.tables:
            raise NetlinkError(f"{self.kernel_name}: FIB table does not exist.")
        return [table_id]

    def table_name(self, table_id: int) -> str:
        return TABLE_NAMES.get(table_id, str(table_id))

    def routes(self, stack, table_id: int) -> list:
        return stack.ipv4.fib.routes(table_id)

    def is_local(self, stack, address: bytes) -> bool:
        return address in stack.ipv4.local

    def address_type(self, stack, address: bytes) -> str:
        """inet_addr_type: local, broadcast, or unicast (what the local table says)."""
        route = stack.ipv4.fib.tables[RT_TABLE_LOCAL].lookup(int.from_bytes(address, "big"), None)
        return route.type if route is not None else UNICAST

    def route_get(self, stack, dst: bytes, src, iif, oif, mark: int) -> dict:
        """The decision route input (with `iif`) or route output makes, as `ip -j route get`."""
        ipv4 = stack.ipv4
        fib = ipv4.fib
        if iif is not None:
            decision, route = ipv4.route_input(src or ANY, dst, 0, iif)
            if decision not in (DELIVER_LOCAL, DELIVER_BROADCAST, FORWARD):
                raise rtnetlink(INPUT_ERRORS.get(decision, "EINVAL"))
            dev = stack.loopback.name if decision != FORWARD else route.link.name  # delivered: lo
            if route is None:                        # the limited broadcast
                return decision_row(self, None, dst, src, None, dev, BROADCAST, iif, mark, None)
            return decision_row(self, route, dst, src, None, dev, route.type, iif, mark,
                                self._table(fib, route))
        decided = fib.decide(dst, oif, src, None, mark, 0)
        if decided.error is not None:
            raise rtnetlink(decided.error)
        route = decided.route
        prefsrc = None
        if src is None:
            link = stack.loopback if route.type == LOCAL else route.link
            prefsrc = route.prefsrc or ipv4.source_for(link, dst)
        row = decision_row(self, route, dst, src, prefsrc, self._dev(stack, route), route.type,
                           None, mark, self._table(fib, route))
        if route.type == UNICAST:
            row = with_redirect(row, stack.ipv4.redirects.remaining(dst, route.link), self.addr_to_str)
        return with_pmtu(row, stack.ipv4.pmtu.remaining(dst))

    @staticmethod
    def _dev(stack, route) -> str:
        return stack.loopback.name if route.type == LOCAL else route.link.name

    @staticmethod
    def _table(fib, route) -> int:
        """The table `ip route get` names: with only the default rules the kernel keeps the
        local table inside main, and says main."""
        if route.table == RT_TABLE_LOCAL and not fib.rules.customised:
            return RT_TABLE_MAIN
        return route.table

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        return [LOOPBACK_ADDRESS] if link is link.stack.loopback else []

    def address_options(self, ifa) -> dict:
        """What `address add` was given beyond the prefix: brd, a scope not the address's own,
        a label not the link's name."""
        row = ifa.to_dict()
        options = {}
        if "broadcast" in row:
            options["broadcast"] = row["broadcast"]
        if not getattr(ifa, "scope_is_default", True):
            options["scope"] = ifa.scope
        if row.get("label", ifa.link.name) != ifa.link.name:
            options["label"] = row["label"]
        return options


INET = register_family(Inet())
