"""``netsh __complete WORD...``: what the bash, zsh and fish scripts ask on Tab.

The scripts pass the words of the line after ``netsh``, the last one being the
word under the cursor ("" after a space), and print what comes back: one
candidate a line, ``TEXT<TAB>HELP`` (bash keeps TEXT only).  The rules are
netsh.complete's, the shell's own: global options first (netsh.options),
then the grammar.  Values that need no stack come from the machine: host
devices (/sys/class/net), named namespaces (/run/netns), files, the served
stacks' names; names of a stack (links, ...) come from attaching to the stack
``-n NAME`` on the line names, and otherwise there are none.

Only what completion needs is imported, so a Tab costs one interpreter start
and the grammar (see the README for the measured latency).
"""
from __future__ import annotations

import os
import sys
from typing import Sequence

from netsh.complete import Candidate, complete, file_names

GRAMMAR_ENV = "NETSH_COMPLETE_GRAMMAR"     # module:function building another grammar (tests)


def machine_names(kind: str) -> list[str]:
    """Values known without a stack: host devices, namespaces, served stacks."""
    if kind in ("hostdev", "netns"):
        where = "/sys/class/net" if kind == "hostdev" else "/run/netns"
        try:
            return sorted(os.listdir(where))
        except OSError:
            return []
    if kind == "served":
        from netsh.attach import served_stacks
        return [row["name"] for row in served_stacks()]
    return []


# what completes the value of a global option taking one, by its metavar
OPTION_VALUE_KINDS = {"FILE": "file", "NS": "netns", "NAME": "served"}


def option_candidates(partial: str) -> list[Candidate]:
    """Each global option once, by its shortest spelling (-c=MODE spelled out too)."""
    from netsh.options import COLOR_MODES, OPTIONS
    out = []
    for spec in OPTIONS:
        word = "-" + (spec.short[0] if spec.short else spec.name)
        help = " ".join(spec.help.split())
        attached = [f"{word}={mode}" for mode in COLOR_MODES] if spec.attached else []
        out += [Candidate(w, help) for w in [word, *attached] if w.startswith(partial)]
    return out


def option_value(spec, partial: str) -> list[Candidate]:
    kind = getattr(spec, "kind", None) or OPTION_VALUE_KINDS.get(spec.metavar)
    names = file_names(partial) if kind == "file" else machine_names(kind or "")
    return [Candidate(n, spec.help) for n in names if n.startswith(partial)]


def load_grammar():
    spec = os.environ.get(GRAMMAR_ENV)
    if spec:
        import importlib
        module, _, function = spec.partition(":")
        return getattr(importlib.import_module(module), function)()
    from netsh.app import GRAMMAR
    return GRAMMAR


def candidates(words: Sequence[str]) -> list[Candidate]:
    """What may replace words[-1] after words[:-1] (the words after ``netsh``)."""
    from netsh.options import OptionError, parse_options
    *before, partial = words or [""]
    try:
        options, rest = parse_options(before)
    except OptionError as exc:          # the last word is an option wanting its value, or bad
        spec = option_wanting_value(before[-1]) if exc.index == len(before) - 1 else None
        return option_value(spec, partial) if spec is not None else []
    if not rest and "--" not in before and partial.startswith("-"):
        return option_candidates(partial)
    grammar = load_grammar()
    return complete(grammar, rest, partial, live_source(options.name, grammar))


def option_wanting_value(word: str):
    from netsh.options import OptionError, find_option
    try:
        spec = find_option((word[2:] if word.startswith("--") else word[1:]).partition("=")[0])
    except OptionError:
        return None
    return spec if spec.metavar else None


def live_source(name: str | None, grammar):
    """live(kind): the machine's names, and with -n NAME the served stack's own."""
    attached = None

    def live(kind: str) -> list[str]:
        nonlocal attached
        if name is None or kind in ("hostdev", "netns", "served"):
            return machine_names(kind)
        if attached is None:
            from netsh.attach import AttachedExecutor
            attached = AttachedExecutor(name, grammar=grammar)
        try:
            return attached.live(kind)
        except Exception:       # no such stack, or it went away: no names
            return []
    return live


def main(argv: Sequence[str]) -> int:
    try:
        for cand in candidates(list(argv)):
            help = " ".join(cand.meta.split())
            sys.stdout.write(f"{cand.text}\t{help}\n" if help else cand.text + "\n")
    except Exception:           # a Tab must never print a traceback into the line
        if os.environ.get("NETSH_DEBUG"):
            raise
    return 0
