"""Link kinds' options as grammar slots: a kind declares its options as plain data
(stack/link/kind.py LinkOption); `kind_slots` turns them into Slots, so a grammar that
branches on ``type KIND`` takes each kind's slots with one call.  Until it does,
`link add` takes every kind's options (`all_kind_options`) and the stack checks them
against the chosen kind (``"loss" is not an option of type pair``)."""
from __future__ import annotations

from netsh.argtypes import LiveArg
from netsh.grammar import Slot, opt
from stack.link.kind import LINK_TYPES, LinkOption, creatable_kinds


class KindOptionType(LiveArg):
    """A kind option's value: parsed by the option's own parser, completed from `live`."""

    def __init__(self, option: LinkOption):
        self.option = option
        self.metavar = option.metavar
        self.help = option.value_help or option.help
        self.kind = option.live or None

    def parse(self, token: str):
        return self.option.parse(token)


def kind_slots(kind: str) -> list[Slot]:
    """The option slots of `kind` (required ones not optional), in its declared order."""
    return [opt(o.name, o.name, KindOptionType(o), help=o.help, optional=not o.required)
            for o in LINK_TYPES[kind].options]


def all_kind_options() -> list[Slot]:
    """Every creatable kind's options as optional keywords (the flat `link add`)."""
    slots: dict[str, Slot] = {}
    for kind in creatable_kinds():
        for slot in kind_slots(kind):
            slot.optional = True            # required only for its own kind: the stack says
            slots.setdefault(slot.dest, slot)
    return list(slots.values())


def kind_option_values(args: dict) -> dict:
    """The kind options given on a parsed `link add` line, by name."""
    names = {o.name for kind in creatable_kinds() for o in LINK_TYPES[kind].options}
    return {name: args[name] for name in sorted(names) if args.get(name) is not None}
