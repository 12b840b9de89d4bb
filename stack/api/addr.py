"""Calls on addresses (ip address), for any family: the address's length picks it."""
from __future__ import annotations

from ..errors import StackError
from .family import families, family_of
from .link import find_link, link_list
from .registry import call


@call
def addr_add(stack, dev: str, address: bytes, prefixlen: int, family: str | None = None,
             nodad: bool = False, valid_lft: int | None = None, preferred_lft: int | None = None,
             brd: bytes | str | None = None, scope: str | None = None,
             label: str | None = None) -> None:
    """Lifetimes in seconds (None: forever; IPv6); `brd` ADDR or "+" (the subnet's), `scope`
    and `label` as ip address add takes them (IPv4)."""
    link = find_link(stack, dev)
    fam = family_of(address, family)
    if not 0 <= prefixlen <= fam.max_prefixlen:
        raise StackError(f"prefix length {prefixlen} out of range 0..{fam.max_prefixlen}")
    given = (("nodad", nodad or None), ("valid_lft", valid_lft), ("preferred_lft", preferred_lft),
             ("brd", brd), ("scope", scope), ("label", label))
    fam.addr_add(stack, link, address, prefixlen, **{k: v for k, v in given if v is not None})


@call
def addr_del(stack, dev: str, address: bytes, prefixlen: int | None = None,
             family: str | None = None) -> None:
    link = find_link(stack, dev)
    family_of(address, family).addr_del(stack, link, address, prefixlen)


@call
def addr_list(stack, dev: str | None = None) -> list[dict]:
    return link_list(stack, dev)


@call
def addr_flush(stack, dev: str, family: str | None = None) -> int:
    link = find_link(stack, dev)
    count = 0
    for fam in families(family):
        for ifa in list(fam.addresses(link)):
            fam.addr_del(stack, link, ifa.address, ifa.prefixlen)
            count += 1
    return count
