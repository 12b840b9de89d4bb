"""The program's global options, iproute2 style (``netsh [ OPTIONS ] OBJECT ...``).

Options come before the command words and end at the first word that does not
start with ``-`` (or at ``--``); ``--json`` is taken as ``-json``.  Each option
is a row of `OPTIONS`: its long name, the short spellings that match exactly,
and what it does.  Any other unique prefix of a long name matches too
(``-stat``, ``-pre``); ``-c[olor][=always|auto|never]`` carries its value.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Callable, Sequence, TextIO

COLOR_MODES = ("always", "auto", "never")


@dataclass
class Options:
    json: bool = False
    pretty: bool = False
    stats: int = 0                 # -s levels: 1 counters, 2 error breakdowns
    brief: bool = False
    oneline: bool = False          # -o: each record on one line, its line breaks written "\"
    details: bool = False          # -d: each link's kind and its details (ip -d link)
    family: str | None = None      # -4, -6, -0, -f FAMILY: inet, inet6 or link (None: the command's default)
    timestamp: bool = False        # -t: ip monitor's stamps (no monitor yet: no effect)
    color: str = "auto"            # always | auto | never
    force: bool = False
    batch: str | None = None       # FILE, "-" for stdin
    interactive: bool = False      # -i: the shell after the batch
    netns: str | None = None
    name: str | None = None        # -n NAME: attach to the stack `netsh serve` hosts as NAME
    version: bool = False
    help: bool = False

    def color_enabled(self, stream: TextIO, environ=os.environ) -> bool:
        """iproute2's check_enable_color, plus NO_COLOR switching auto colour off."""
        if self.json or self.color == "never":
            return False
        if self.color == "always":
            return True
        if environ.get("NO_COLOR"):
            return False
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())


class OptionError(Exception):
    """A bad global option; the message is one line, `index` the offending word's position."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class OptionSpec:
    name: str                                   # long name, without the dash
    short: tuple[str, ...]                      # exact spellings (without the dash)
    apply: Callable[[Options, str | None], None]
    metavar: str | None = None                  # takes the next word as its value
    help: str = ""
    attached: bool = False                      # value joined with "=" (-c=never)

    @property
    def usage(self) -> str:
        text = f"-{self.name}"
        if self.short:
            text = f"-{self.short[0]}[{self.name[len(self.short[0]):]}]" \
                if self.name.startswith(self.short[0]) else f"{text} | -{self.short[0]}"
        if self.attached:
            text += "[=" + "|".join(COLOR_MODES) + "]"
        return f"{text} {self.metavar}" if self.metavar else text


def _set(attr: str, value=True):
    def apply(opts: Options, _arg: str | None) -> None:
        setattr(opts, attr, value)
    return apply


def _store(attr: str):
    def apply(opts: Options, arg: str | None) -> None:
        setattr(opts, attr, arg)
    return apply


FAMILIES = ("inet", "inet6", "link")


def _family(opts: Options, arg: str | None) -> None:
    if arg not in FAMILIES:
        raise OptionError(f'invalid protocol family "{arg}": one of {", ".join(FAMILIES)}')
    opts.family = arg


def _more_stats(opts: Options, _arg: str | None) -> None:
    opts.stats += 1


def _color(opts: Options, arg: str | None) -> None:
    if arg is None:                # "-c" alone means always, as in iproute2
        opts.color = "always"
    elif arg in COLOR_MODES:
        opts.color = arg
    else:
        raise OptionError(f'invalid colour mode "{arg}": one of {", ".join(COLOR_MODES)}')


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("Version", ("V",), _set("version"), help="print the version and exit"),
    OptionSpec("help", ("h",), _set("help"), help="print a usage summary and exit"),
    OptionSpec("statistics", ("s", "stats"), _more_stats,
               help="more statistics; twice (-s -s) for error breakdowns"),
    OptionSpec("details", ("d",), _set("details"), help="details: each link's type and its options"),
    OptionSpec("4", (), _set("family", "inet"), help="IPv4 only (shorthand for -family inet)"),
    OptionSpec("6", (), _set("family", "inet6"), help="IPv6 only (shorthand for -family inet6)"),
    OptionSpec("0", (), _set("family", "link"),
               help="links only, no addresses (shorthand for -family link)"),
    OptionSpec("family", ("f",), _family, metavar="FAMILY",
               help="the protocol family: inet, inet6 or link"),
    OptionSpec("timestamp", ("t",), _set("timestamp"),
               help="taken as ip takes it; it stamps ip monitor's lines, and netsh has no "
                    "monitor yet, so it changes nothing"),
    OptionSpec("json", ("j",), _set("json"), help="JSON output"),
    OptionSpec("pretty", ("p",), _set("pretty"), help="indented JSON (with -j)"),
    OptionSpec("brief", ("br",), _set("brief"), help="brief tabular output"),
    OptionSpec("oneline", ("o",), _set("oneline"),
               help='each record on one line, its line breaks written "\\"'),
    OptionSpec("color", ("c", "colour"), _color, attached=True,
               help="colour output: always, auto (on a terminal) or never; -c alone: always"),
    OptionSpec("force", (), _set("force"), help="in batch mode, go on after a failed command"),
    OptionSpec("batch", ("b",), _store("batch"), metavar="FILE",
               help="run the commands in FILE (- for standard input)"),
    OptionSpec("interactive", ("i",), _set("interactive"),
               help="after the batch, keep the stack and open the shell"),
    OptionSpec("netns", (), _store("netns"), metavar="NS",
               help="run the stack inside the network namespace NS"),
    OptionSpec("name", ("n",), _store("name"), metavar="NAME",
               help="attach to the stack served as NAME (netsh serve) instead of embedding one"),
)


def find_option(word: str) -> OptionSpec:
    """The option `word` (without its dash and =value) names: exact short form, else unique prefix."""
    for spec in OPTIONS:
        if word == spec.name or word in spec.short:
            return spec
    hits = {spec.name: spec for spec in OPTIONS
            if word and any(n.startswith(word) for n in (spec.name, *spec.short))}
    if len(hits) == 1:
        return next(iter(hits.values()))
    if hits:
        raise OptionError(f'Option "-{word}" is ambiguous: {", ".join("-" + n for n in sorted(hits))}')
    raise OptionError(f'Option "-{word}" is unknown, try "netsh -help".')


# Options a single command line may carry in the shell or a batch (``-s link``, ``-j addr``).
LINE_OPTIONS = frozenset({"statistics", "details", "json", "pretty", "brief", "color", "oneline", "4",
                          "6", "0", "family", "timestamp"})


def parse_options(argv: Sequence[str], base: Options | None = None,
                  allowed: frozenset[str] | None = None) -> tuple[Options, list[str]]:
    """Split `argv` into Options (starting from a copy of `base`) and the words that follow.

    `allowed` limits which options may appear; raise OptionError for anything else.
    """
    opts = dataclasses.replace(base) if base is not None else Options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        try:
            i = _apply_one(opts, argv, i, allowed)
        except OptionError as exc:
            exc.index = i if exc.index is None else exc.index
            raise
    return opts, list(argv[i:])


def _apply_one(opts: Options, argv: Sequence[str], i: int, allowed) -> int:
    """Apply the option at argv[i]; return the index after it (and its value)."""
    arg = argv[i]
    word = arg[2:] if arg.startswith("--") else arg[1:]
    word, eq, value = word.partition("=")
    spec = find_option(word)
    if allowed is not None and spec.name not in allowed:
        raise OptionError(f'Option "{arg}" belongs on the netsh command line, not in a command')
    if eq and not spec.attached:
        raise OptionError(f'Option "{arg}" takes no "=" value')
    if spec.metavar:
        if i + 1 >= len(argv):
            raise OptionError(f'Option "{arg}" needs {spec.metavar}')
        i += 1
        value = argv[i]
    spec.apply(opts, value if (eq or spec.metavar) else None)
    return i + 1


def options_synopsis() -> str:
    """``{ -V[ersion] | -s[tatistics] | ... }`` for the usage text."""
    return "{ " + " | ".join(spec.usage for spec in OPTIONS) + " }"
