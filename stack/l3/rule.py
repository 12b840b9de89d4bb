"""Policy routing rules (fib_rules): which table a flow's lookup reads, in priority order.

A rule matches a flow by source and destination prefix, input and output link
(by name, as the kernel keeps them), firewall mark under a mask and TOS, or
the opposite of all that (`not`); its action is to look in a table, or to
refuse the flow (unreachable, prohibit, blackhole).  The list starts as
Linux's: 0 local, 32766 main, 32767 default.  Nothing here is IPv4's own:
prefixes are ints of the family's width, so IPv6 keeps a RuleList of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from .route import RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, addr_text, prefix_mask, table_text

LOOKUP = "lookup"
RULE_ACTIONS = (LOOKUP, "unreachable", "prohibit", "blackhole")
DEFAULT_RULES = ((0, RT_TABLE_LOCAL), (32766, RT_TABLE_MAIN), (32767, RT_TABLE_DEFAULT))
DEFAULT_RULES6 = ((0, RT_TABLE_LOCAL), (32766, RT_TABLE_MAIN))   # fib6_rules_net_init: no default
MAX_RULES = 10000            # a bound on what a user can add


@dataclass(eq=False)
class Rule:
    priority: int
    table: int = 0                 # the table of a `lookup` action
    action: str = LOOKUP
    invert: bool = False
    src: int = 0
    srclen: int = 0
    dst: int = 0
    dstlen: int = 0
    iif: str | None = None
    oif: str | None = None
    fwmark: int = 0
    fwmask: int = 0
    tos: int = 0
    suppress_prefixlength: int = -1
    bits: int = 32

    def __post_init__(self):
        self.src_mask = prefix_mask(self.srclen, self.bits)
        self.dst_mask = prefix_mask(self.dstlen, self.bits)

    def matches(self, src: int, dst: int, iif: str, oif: str | None, mark: int, tos: int) -> bool:
        """fib_rule_match: every selector holds (or, for a `not` rule, not every one)."""
        hit = ((src & self.src_mask) == self.src and (dst & self.dst_mask) == self.dst
               and (self.iif is None or self.iif == iif) and (self.oif is None or self.oif == oif)
               and not (mark ^ self.fwmark) & self.fwmask and (not self.tos or self.tos == tos))
        return hit != self.invert

    def is_plain(self) -> bool:
        """Matches every flow (`from all` and nothing else)."""
        return not (self.invert or self.srclen or self.dstlen or self.iif or self.oif
                    or self.fwmask or self.tos or self.suppress_prefixlength >= 0)

    def same(self, other: "Rule") -> bool:
        return self.fields() == other.fields()

    def fields(self) -> tuple:
        return (self.priority, self.table, self.action, self.invert, self.src, self.srclen,
                self.dst, self.dstlen, self.iif, self.oif, self.fwmark, self.fwmask, self.tos,
                self.suppress_prefixlength)

    def to_dict(self) -> dict:
        """`ip -j rule show`'s keys, in its order."""
        width = self.bits // 8
        row: dict = {"priority": self.priority}
        if self.invert:
            row["not"] = None
        if self.srclen:
            row["src"] = addr_text(self.src.to_bytes(width, "big"))
            if self.srclen != self.bits:
                row["srclen"] = self.srclen
        else:
            row["src"] = "all"
        if self.dstlen:
            row["dst"] = addr_text(self.dst.to_bytes(width, "big"))
            if self.dstlen != self.bits:
                row["dstlen"] = self.dstlen
        if self.tos:
            row["tos"] = f"0x{self.tos:02x}"
        if self.fwmark or self.fwmask:
            row["fwmark"] = hex(self.fwmark)
            if self.fwmask != 0xFFFFFFFF:
                row["fwmask"] = hex(self.fwmask)
        if self.iif is not None:
            row["iif"] = self.iif
        if self.oif is not None:
            row["oif"] = self.oif
        if self.action == LOOKUP:
            row["table"] = table_text(self.table)
            if self.suppress_prefixlength >= 0:
                row["suppress_prefixlen"] = self.suppress_prefixlength
        else:
            row["action"] = self.action
        return row


class RuleList:
    """The rules in priority order (rules of equal priority in the order they came)."""

    def __init__(self, bits: int = 32):
        self.bits = bits
        self.defaults = DEFAULT_RULES if bits == 32 else DEFAULT_RULES6
        self.rules: list[Rule] = [Rule(pref, table, bits=bits) for pref, table in self.defaults]
        self.on_change = lambda: None        # the FIB empties its cache
        self.customised = False              # fib_has_custom_rules: set by any change, for good

    def default_priority(self) -> int:
        """fib_default_rule_pref: one less than the second rule's, or 0."""
        if len(self.rules) > 1 and self.rules[1].priority:
            return self.rules[1].priority - 1
        return 0

    def add(self, rule: Rule) -> None:
        """Insert after the rules of lower or equal priority; StackError-free: callers check
        `exists` and the bound first."""
        at = len(self.rules)
        for i, other in enumerate(self.rules):
            if other.priority > rule.priority:
                at = i
                break
        self.rules.insert(at, rule)
        self.customised = True
        self.on_change()

    def exists(self, rule: Rule) -> bool:
        return any(other.same(rule) for other in self.rules)

    def remove(self, rule: Rule) -> None:
        self.rules.remove(rule)
        self.customised = True
        self.on_change()

    def flush(self) -> int:
        """`ip rule flush`: every rule but those of priority 0."""
        kept = [rule for rule in self.rules if rule.priority == 0]
        removed = len(self.rules) - len(kept)
        self.rules = kept
        self.customised = True
        self.on_change()
        return removed

    def defaults_missing(self) -> list[tuple[int, int]]:
        """The default rules (priority, table) no longer in the list."""
        have = {(r.priority, r.table) for r in self.rules if r.action == LOOKUP and r.is_plain()}
        return [pair for pair in self.defaults if pair not in have]

    def is_default(self, rule: Rule) -> bool:
        return rule.is_plain() and rule.action == LOOKUP and (rule.priority, rule.table) in self.defaults


def rule_text(row: dict) -> str:
    """A rule as `ip rule` prints it after its priority (from its `to_dict`)."""
    words = ["not"] if "not" in row else []
    words += ["from", row["src"] + (f"/{row['srclen']}" if "srclen" in row else "")]
    if "dst" in row:
        words += ["to", row["dst"] + (f"/{row['dstlen']}" if "dstlen" in row else "")]
    if "tos" in row:
        words += ["tos", row["tos"]]
    if "fwmark" in row:
        words += ["fwmark", row["fwmark"] + (f"/{row['fwmask']}" if "fwmask" in row else "")]
    for key in ("iif", "oif"):
        if key in row:
            words += [key, row[key]]
    if "table" in row:
        words += ["lookup", row["table"]]
        if "suppress_prefixlen" in row:
            words += ["suppress_prefixlength", str(row["suppress_prefixlen"])]
    else:
        words.append(row["action"])
    return " ".join(words)
