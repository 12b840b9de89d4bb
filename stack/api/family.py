"""Address families behind the family-neutral calls (addr, neigh, route).

A family adapter says how one network protocol keeps its addresses,
neighbours and routes; the calls in stack/api/ ask the adapter and never the
protocol directly, so a new family (IPv6) adds one adapter module that
registers itself with `register_family`, and nothing else in stack/api/.
"""
from __future__ import annotations

from ..errors import StackError
from ..l3.route import Route

FAMILIES: dict[str, "Family"] = {}


class Family:
    """One address family as the calls see it; subclasses fill in each method."""

    name = ""                 # iproute2's word: inet, inet6
    address_length = 0        # bytes in an address
    max_prefixlen = 0
    invalid_prefsrc = "Invalid prefsrc address."     # the kernel's words for a `src` not ours

    def addr_to_str(self, address: bytes) -> str:
        raise NotImplementedError

    def addresses(self, link) -> list:
        """The link's address entries (each with .address, .prefixlen, .to_dict())."""
        raise NotImplementedError

    def addr_add(self, stack, link, address: bytes, prefixlen: int, **options) -> None:
        """`options`, as the family takes them: IPv4's brd (bytes or "+"), scope, label;
        IPv6's nodad (no duplicate address detection) and lifetimes in seconds (None: forever).
        One the family does not take is refused (StackError)."""
        raise NotImplementedError

    def addr_del(self, stack, link, address: bytes, prefixlen: int | None) -> None:
        raise NotImplementedError

    def neighbours(self, stack):
        """The family's neighbour table (stack/l2/neigh.py NeighTable)."""
        raise NotImplementedError

    def table_ids(self, stack, table: str) -> list[int]:
        """The routing tables `table` names (a name, a number, or "all"); StackError if none."""
        raise NotImplementedError

    def table_name(self, table_id: int) -> str:
        raise NotImplementedError

    def routes(self, stack, table_id: int) -> list:
        """The routes of one table, in `route show`'s order (each with .to_dict())."""
        raise NotImplementedError

    def fib(self, stack):
        """The family's FIB (stack/l3/route.py Fib, with its RuleList as `.rules`)."""
        raise NotImplementedError

    def table_id(self, table) -> int:
        """A table's number from its name or number; StackError if it is neither."""
        raise NotImplementedError

    def is_local(self, stack, address: bytes) -> bool:
        """Whether `address` is one of ours (a route's `src` must be)."""
        raise NotImplementedError

    def address_type(self, stack, address: bytes) -> str:
        """unicast, local or broadcast, as the local table says (an onlink gateway's check)."""
        raise NotImplementedError

    def route_get(self, stack, dst: bytes, src, iif, oif, mark: int) -> dict:
        """The data path's decision for a flow, as `ip -j route get` prints it; a refusal
        raises the kernel's answer (stack.errors.rtnetlink)."""
        raise NotImplementedError

    def new_route(self, **fields):
        """A route of this family from `Route`'s fields (IPv6: `Route6`, metric 0 meaning 1024)."""
        return Route(**fields)

    # IPv6's way (fib6_add_rt2node): `append` joins a gateway route to one of the same
    # prefix and metric as another next hop, and `del ... via` takes one next hop away.
    joins_nexthops = False

    def joined(self, old, new):
        """`old` with `new`'s next hops after its own, or None when they do not join."""
        return None

    def without_nexthop(self, route, gateway: bytes, link):
        """`route` without its next hop through `gateway` (and `link`, if given)."""
        return route

    # A family's own next-hop check, (stack, fib, gateway, dev, onlink, scope, table, weight)
    # -> Nexthop, or None for fib_check_nh's (stack/api/route.py).
    check_nexthop = None

    def fixed_addresses(self, link) -> list[tuple[bytes, int]]:
        """Addresses a fresh stack gives `link` by itself (lo's 127.0.0.1/8)."""
        return []

    def addresses_in_creation_order(self, link) -> list:
        """The link's addresses in the order they were added (the running config's)."""
        return self.addresses(link)

    def address_options(self, ifa) -> dict:
        """What `addr add` must be told besides address and length to make `ifa` again."""
        return {}


def register_family(family: Family) -> Family:
    FAMILIES[family.name] = family
    return family


def family_named(name: str) -> Family:
    family = FAMILIES.get(name)
    if family is None:
        raise StackError(f'unknown family "{name}"; one of: {", ".join(FAMILIES)}')
    return family


def family_of(address: bytes, name: str | None = None) -> Family:
    """The family an address belongs to (checked against `name` when one is given)."""
    for family in FAMILIES.values():
        if len(address) == family.address_length:
            if name is not None and family.name != name:
                raise StackError(f"address is not {name}: it is {family.name}")
            return family
    raise StackError(f"no address family has {len(address)}-byte addresses")


def families(name: str | None = None) -> list[Family]:
    """Every family, or the one named."""
    return list(FAMILIES.values()) if name is None else [family_named(name)]
