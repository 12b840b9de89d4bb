"""Calls on policy rules (ip rule), for any family (IPv4 unless `family` says otherwise).

Adding and deleting answer as the kernel does (`RTNETLINK answers: File exists`,
`No such file or directory`); any change empties the FIB's flow cache.
"""
from __future__ import annotations

from ..errors import NetlinkError, StackError, rtnetlink
from ..l3.route import prefix_mask
from ..l3.rule import LOOKUP, MAX_RULES, RULE_ACTIONS, Rule
from .family import families, family_named
from .registry import call

DEFAULT_FAMILY = "inet"


def _prefix(fam, prefix: tuple | None, which: str = "source") -> tuple[int, int]:
    """(network as an int, length) of a selector, checked against the family (the kernel's
    words for an address of the other family: iproute2 sends it as given)."""
    if prefix is None:
        return 0, 0
    address, plen = prefix
    if len(address) != fam.address_length:
        raise NetlinkError(f"Invalid {which} address.")
    if not 0 <= plen <= fam.max_prefixlen:
        raise StackError(f"prefix length {plen} out of range 0..{fam.max_prefixlen}")
    return int.from_bytes(address, "big") & prefix_mask(plen, fam.max_prefixlen), plen


def _rule(fam, priority, action, table, invert, src, dst, iif, oif, fwmark, fwmask, tos,
          suppress_prefixlength) -> Rule:
    if action not in RULE_ACTIONS:
        raise StackError(f'unknown rule action "{action}"; one of: {", ".join(RULE_ACTIONS)}')
    src_value, srclen = _prefix(fam, src)
    dst_value, dstlen = _prefix(fam, dst, "destination")
    if fwmask is None:
        fwmask = 0xFFFFFFFF if fwmark else 0
    return Rule(priority, fam.table_id(table) if action == LOOKUP and table is not None else 0,
                action, invert, src_value, srclen, dst_value, dstlen, iif, oif, fwmark or 0, fwmask,
                tos or 0, suppress_prefixlength if suppress_prefixlength is not None else -1,
                fam.max_prefixlen)


@call
def rule_add(stack, table: str | None = None, action: str = LOOKUP, priority: int | None = None,
             invert: bool = False, src: tuple | None = None, dst: tuple | None = None,
             iif: str | None = None, oif: str | None = None, fwmark: int | None = None,
             fwmask: int | None = None, tos: int | None = None,
             suppress_prefixlength: int | None = None, family: str = DEFAULT_FAMILY) -> None:
    """ip rule add: `src`/`dst` are (address bytes, length); a lookup rule without a table
    looks up main."""
    fam = family_named(family)
    rules = fam.fib(stack).rules
    if action == LOOKUP and table is None:
        table = "main"                          # as ip rule add does without one
    rule = _rule(fam, priority if priority is not None else rules.default_priority(), action, table,
                 invert, src, dst, iif, oif, fwmark, fwmask, tos, suppress_prefixlength)
    if rules.exists(rule):
        raise rtnetlink("EEXIST")
    if len(rules.rules) >= MAX_RULES:
        raise StackError(f"too many rules (at most {MAX_RULES})")
    rules.add(rule)


@call
def rule_del(stack, table: str | None = None, action: str | None = None, priority: int | None = None,
             invert: bool = False, src: tuple | None = None, dst: tuple | None = None,
             iif: str | None = None, oif: str | None = None, fwmark: int | None = None,
             fwmask: int | None = None, tos: int | None = None, family: str = DEFAULT_FAMILY) -> None:
    """ip rule del: the first rule every given selector matches (fib_nl_delrule)."""
    fam = family_named(family)
    rules = fam.fib(stack).rules
    table_id = fam.table_id(table) if table is not None else None
    src_value, srclen = _prefix(fam, src)
    dst_value, dstlen = _prefix(fam, dst, "destination")
    for rule in rules.rules:
        if (priority is not None and rule.priority != priority) \
                or (action is not None and rule.action != action) \
                or (table_id is not None and rule.table != table_id) \
                or (invert and not rule.invert) \
                or (src is not None and (rule.src, rule.srclen) != (src_value, srclen)) \
                or (dst is not None and (rule.dst, rule.dstlen) != (dst_value, dstlen)) \
                or (iif is not None and rule.iif != iif) or (oif is not None and rule.oif != oif) \
                or (fwmark is not None and rule.fwmark != fwmark) \
                or (fwmask is not None and rule.fwmask != fwmask) \
                or (tos is not None and rule.tos != tos):
            continue
        rules.remove(rule)
        return
    raise rtnetlink("ENOENT")


@call
def rule_flush(stack, family: str = DEFAULT_FAMILY) -> int:
    """ip rule flush: every rule but those of priority 0."""
    return family_named(family).fib(stack).rules.flush()


@call
def rule_list(stack, family: str | None = DEFAULT_FAMILY, table: str | None = None) -> list[dict]:
    """The rules as `ip -j rule show` gives them (only those looking up `table`, if given)."""
    rows = []
    for fam in families(family):
        table_id = fam.table_id(table) if table is not None else None
        for rule in fam.fib(stack).rules.rules:
            if table_id is None or (rule.action == LOOKUP and rule.table == table_id):
                rows.append(rule.to_dict())
    return rows
