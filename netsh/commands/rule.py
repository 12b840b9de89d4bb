"""``rule``: policy routing rules (ip rule): which table a flow's lookup reads, in order."""
from __future__ import annotations

from netsh.argtypes import FWMARK, LINK, RULE_PREFIX, TABLE_ID, TOS, Integer
from netsh.errors import CommandError
from netsh.grammar import Node, flag, leaf, opt
from netsh.render import Result, View, renderer
from stack.l3.rule import rule_text

WORDS = ("rule",)
ACTIONS = ("unreachable", "prohibit", "blackhole")
PRIORITY = Integer(0, 2 ** 32 - 1, "PRIORITY", "the rule's place: lower comes first")
SUPPRESS = Integer(0, 128, "N", "ignore routes of prefix length N or shorter")


def _selector_slots(adding: bool) -> list:
    slots = [
        flag("not", "invert", help="the rule matches flows the selectors do not"),
        opt("from", "from", RULE_PREFIX, help="source prefix (all: any)"),
        opt("to", "to", RULE_PREFIX, help="destination prefix (all: any)"),
        opt("iif", "iif", LINK, help="received on this link (lo: sent by the stack)"),
        opt("oif", "oif", LINK, help="sent out of this link"),
        opt("fwmark", "fwmark", FWMARK, help="the flow's firewall mark, under MASK"),
        opt("tos", "tos", TOS, help="the flow's TOS byte"),
        opt("table", "table", TABLE_ID, help="look in this table"),
        opt("lookup", "table", TABLE_ID, help="look in this table (table's other name)"),
        opt("priority", "priority", PRIORITY, help="the rule's place"),
        opt("pref", "priority", PRIORITY, help="the rule's place (priority's other name)"),
        opt("preference", "priority", PRIORITY, help="the rule's place (priority's other name)"),
    ]
    if adding:
        slots.append(opt("suppress_prefixlength", "suppress", SUPPRESS,
                         help="ignore the table's routes of this prefix length or shorter"))
    return slots + [flag(action, "action", action, help=f"refuse the flow: {action}")
                    for action in ACTIONS]


def _packed(prefix):
    return (prefix.address.packed, prefix.prefixlen) if prefix is not None and prefix.prefixlen else None


FAMILY_OF_VERSION = {4: "inet", 6: "inet6"}


def rule_family(ctx, args) -> str:
    """ip rule's family: -4/-6/-f, else IPv4 (iproute2 does not infer it from a prefix: an
    IPv6 one then reaches the kernel as IPv4's and is refused there)."""
    family = ctx.options.family if ctx.options.family in FAMILY_OF_VERSION.values() else None
    for key in ("from", "to"):
        prefix = args.get(key)
        if family is not None and prefix is not None and prefix.prefixlen \
                and FAMILY_OF_VERSION[prefix.address.version] != family:
            raise CommandError(f'{family} prefix is expected rather than "{prefix}"')
    return family or "inet"


def _args(ctx, args) -> dict:
    fwmark, fwmask = args["fwmark"] if args["fwmark"] is not None else (None, None)
    return {"family": rule_family(ctx, args),"invert": bool(args["invert"]), "src": _packed(args["from"]), "dst": _packed(args["to"]),
            "iif": args["iif"], "oif": args["oif"], "fwmark": fwmark, "fwmask": fwmask,
            "tos": args["tos"], "table": args["table"], "priority": args["priority"]}


def add(ctx, args):
    ctx.stack.rule_add(action=args["action"] or "lookup", suppress_prefixlength=args["suppress"],
                       **_args(ctx, args))


def delete(ctx, args):
    ctx.stack.rule_del(action=args["action"], **_args(ctx, args))


def show(ctx, args):
    return Result("rule", ctx.stack.rule_list(table=args["table"], family=rule_family(ctx, args)))


def flush(ctx, args):
    ctx.stack.rule_flush(family=rule_family(ctx, args))


def register(root: Node) -> None:
    node = root.add(Node("rule", "policy routing rules", default="show"))
    leaf(node, WORDS + ("show",), [opt("table", "table", TABLE_ID, help="only rules looking up TABLE")],
         "show the rules in the order a lookup walks them", show, synonyms=("list", "lst"))
    leaf(node, WORDS + ("add",), _selector_slots(adding=True),
         "add a rule: selectors, then table ID (or unreachable, prohibit, blackhole)", add,
         details="Without a priority the rule goes just before the second rule (one less than "
                 "its priority), as Linux does.")
    leaf(node, WORDS + ("delete",), _selector_slots(adding=False),
         "remove the first rule matching what is given", delete, synonyms=("del",))
    leaf(node, WORDS + ("flush",), [], "remove every rule but those of priority 0", flush)


@renderer("rule")
def rule_lines(rows: list[dict], view: View) -> str:
    """``32766:\tfrom all lookup main``."""
    return "\n".join(f"{row['priority']}:\t{rule_text(row)}" for row in rows)
