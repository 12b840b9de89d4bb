"""Calls on neighbours (ip neigh), for any family: the address's length picks its table."""
from __future__ import annotations

from ..errors import NetlinkError, StackError, rtnetlink
from ..wire.ethernet import mac_to_str
from .family import families, family_of
from .link import find_link
from .registry import call


@call
def neigh_list(stack, dev: str | None = None, family: str | None = None) -> list[dict]:
    link = find_link(stack, dev) if dev else None
    return [row for fam in families(family) for row in fam.neighbours(stack).to_dicts(link)]


@call
def neigh_add(stack, dev: str, address: bytes, lladdr: bytes, family: str | None = None,
              mode: str = "add") -> None:
    """`mode` as ip neigh's verbs: add (refused if present: EEXIST), replace (made or changed),
    change (changed; refused if absent: ENOENT)."""
    link = find_link(stack, dev)
    fam = family_of(address, family)
    if lladdr == bytes(6):
        raise StackError(f'"{mac_to_str(lladdr)}" is not a usable link-layer address')
    table = fam.neighbours(stack)
    present = table.lookup(link, address) is not None
    if mode == "add" and present:
        raise rtnetlink("EEXIST")
    if mode == "change" and not present:
        raise rtnetlink("ENOENT")
    table.add_permanent(link, address, lladdr)


@call
def neigh_del(stack, dev: str, address: bytes, family: str | None = None) -> None:
    link = find_link(stack, dev)
    fam = family_of(address, family)
    if not fam.neighbours(stack).delete(link, address):
        raise NetlinkError(f"no neighbour {fam.addr_to_str(address)} on {dev}")   # ip: ENOENT


@call
def neigh_flush(stack, dev: str, family: str | None = None) -> int:
    link = find_link(stack, dev)
    return sum(fam.neighbours(stack).flush(link) for fam in families(family))
