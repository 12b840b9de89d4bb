"""Link kinds' options as grammar slots: a kind declares its options as plain data
(stack/link/kind.py LinkOption); `kind_variants` turns the registry into the variants
of ``link add NAME type KIND [ ARGS ]`` (netsh/grammar.py `branch`), so a new kind
brings its options to the parser, ``?``, completion and the man page by itself."""
from __future__ import annotations

from netsh.argtypes import LiveArg
from netsh.grammar import Slot, flag, opt, pos
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


def kind_slots(kind: str, changing: bool = False) -> list[Slot]:
    """The option slots of `kind` (required ones not optional, unless `changing` a link),
    in its declared order."""
    return [opt(o.name, o.name, KindOptionType(o), help=o.help,
                optional=changing or not o.required)
            for o in LINK_TYPES[kind].options]


def kind_variants() -> dict:
    """{kind: (help, slots)} for every kind `link add` makes, read when the grammar needs it."""
    variants = {kind: (_summary(LINK_TYPES[kind]), kind_slots(kind)) for kind in creatable_kinds()}
    if "pair" in variants:
        variants[VETH] = veth_variant()
    return variants


VETH = "veth"           # ip's word for what we call a pair: link add A type veth peer name B


def veth_variant() -> tuple[str, list[Slot]]:
    peer = next(o for o in LINK_TYPES["pair"].options if o.name == "peer")
    return ("a pair, in ip's words: veth peer name PEER",
            [flag("peer", "veth_peer", True, help="the other end"),
             pos("peer", KindOptionType(peer), intro="name", help=peer.help)])


def kind_of(name: str) -> str:
    """The kind a `type` word names (veth is our pair)."""
    return "pair" if name == VETH else name


def kind_set_variants() -> dict:
    """{kind: (help, slots)} for every kind whose options ``link set DEV type KIND`` changes."""
    return {kind: (_summary(cls), kind_slots(kind, changing=True))
            for kind, cls in LINK_TYPES.items() if cls.settable}


def _summary(cls) -> str:
    return (cls.__doc__ or cls.kind).strip().splitlines()[0].rstrip(".")


def kind_option_values(kind: str, args: dict) -> dict:
    """The options of `kind` given on a parsed `link add` line, by name."""
    return {o.name: args[o.name] for o in LINK_TYPES[kind].options if args.get(o.name) is not None}
