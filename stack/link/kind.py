"""Link kinds as plug-ins (iproute2's link_util): each kind declares its options.

A kind is a Link subclass registered with `register_link_type`.  It declares
its `link add` options as plain data (`LinkOption`: name, value parser,
default, help), makes itself from their values (`create`), describes itself
for `link show -d` (`info_data`), says what recreates it (`made_by`, `config_options`),
and answers with class attributes what core code would otherwise ask with a
test of its kind name (see `Link`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import StackError

LINK_TYPES: dict[str, type] = {}


@dataclass(frozen=True)
class LinkOption:
    name: str                          # the keyword: loss, delay, peer, link ...
    parse: Callable[[str], Any]        # text -> value; ValueError with a short reason
    default: Any = None
    help: str = ""
    metavar: str = "VALUE"
    unit: str = ""                     # how `link show -d` writes a value: f"{value}{unit}"
    required: bool = False
    live: str = ""                     # completion source of its values ("link"), if any
    new_link: bool = False             # its value names a link the same command makes (peer)
    value_help: str = ""               # what a METAVAR is (``P% := ...``); else `help`


def register_link_type(cls):
    LINK_TYPES[cls.kind] = cls
    return cls


def link_type(kind: str) -> type:
    cls = LINK_TYPES.get(kind)
    if cls is None or not cls.creatable:
        raise StackError(f'unknown link type "{kind}"; one of: {", ".join(creatable_kinds())}')
    return cls


def creatable_kinds() -> list[str]:
    """Kinds `link add` makes, in registration order."""
    return [kind for kind, cls in LINK_TYPES.items() if cls.creatable]


def parse_options(cls, given: dict) -> dict:
    """The option values for a new link of kind `cls`: `given` checked, parsed, defaults added."""
    known = {opt.name: opt for opt in cls.options}
    values = {}
    for name, value in given.items():
        opt = known.get(name)
        if opt is None:
            raise StackError(f'"{name}" is not an option of type {cls.kind}')
        try:
            values[name] = opt.parse(value if isinstance(value, str) else str(value))
        except ValueError as exc:
            raise StackError(f'invalid {name} "{value}": {exc}') from None
    for opt in cls.options:
        if opt.name not in values:
            if opt.required:
                raise StackError(f'type {cls.kind} needs "{opt.name} {opt.metavar}"')
            values[opt.name] = opt.default
    return values


def parse_changes(cls, given: dict) -> dict:
    """`given` option values of a link of kind `cls` being changed (link set ... type KIND)."""
    if not cls.settable:
        raise StackError(f"links of type {cls.kind} have no options to change")
    known = {opt.name for opt in cls.options}
    for name in given:
        if name not in known:
            raise StackError(f'"{name}" is not an option of type {cls.kind}')
    values = parse_options(cls, given)
    return {name: values[name] for name in given}


# --- value parsers the kinds share ---------------------------------------------------

LINK_NAME_MAX = 15          # IFNAMSIZ - 1


def link_name_problem(name: str) -> str | None:
    """Why `name` cannot name a link (the kernel's dev_valid_name rules), or None."""
    if not name or len(name) > LINK_NAME_MAX:
        return f"a link name has 1..{LINK_NAME_MAX} characters"
    if "/" in name or any(c.isspace() for c in name) or name in (".", ".."):
        return "not a valid link name"
    return None


def parse_link_name(text: str) -> str:
    """A link's name (one to make, or one the kind sits on), by the kernel's rules."""
    problem = link_name_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def parse_number(text: str, convert, unit: str, low, high, what: str, bounds: str):
    """`text` as a number of `unit` (which may be written after it) within low..high."""
    try:
        value = convert(text[:-len(unit)] if unit and text.endswith(unit) else text)
    except ValueError:
        raise ValueError(what) from None
    if not low <= value <= high:
        raise ValueError(f"must be {bounds}")
    return value


def parse_percent(text: str) -> float:
    return parse_number(text, float, "%", 0.0, 100.0, "a percentage, 0..100[%]", "0..100%")


def parse_millis(text: str) -> float:
    return parse_number(text, float, "ms", 0.0, 3_600_000.0, "milliseconds, e.g. 10 or 10ms",
                        "0..3600000 ms")


def parse_count(text: str, low: int = 0, high: int = 2 ** 32 - 1, unit: str = "") -> int:
    return parse_number(text, int, unit, low, high, "a whole number", f"{low}..{high}")


def format_value(opt: LinkOption, value) -> str:
    """A value as `link show -d` and the running-config write it (50% , 10ms, 1000)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}{opt.unit}"
