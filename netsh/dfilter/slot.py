"""The grammar's expression slot for display filters: parse, complete, help (netsh/dfilter/__init__.py
hands over to this module when a filter is first typed, so the dissectors load then, not with
the grammar)."""
from __future__ import annotations

from netsh.grammar import ParseError

from . import syntax
from .compiler import Program, compile_tree
from .fields import ALIASES, BOOL, DIRECTIONS, FIELDS, PROTOCOLS, all_names, field_help, lookup
from .lexer import END, SYMBOL, WORD, tokens

CONNECTIVES = (("and", "both must hold"), ("or", "either may hold"))
COMPARISONS = (("==", "equals (any value)"), ("!=", "differs (every value)"), ("<", "less than"),
               ("<=", "at most"), (">", "greater than"), (">=", "at least"),
               ("contains", "holds these bytes or this text"), ("matches", "matches a regular expression"),
               ("in", "one of a set: in {80 443 8000..8080}"))
LOGIC_WORDS = {"and", "&&", "or", "||", "not", "!", "(", "in", "{", ","}


def compile_words(words: list[str]) -> Program:
    return compile_tree(" ".join(words), syntax.parse(words))


class Slot:
    """What the expression slot of ``capture show|read|save ... -Y EXPR`` does, once loaded."""

    def expecting(self, words_before: list[str]) -> str:
        """What the next word is: "field", "op", "value:FIELD" or "connective"."""
        try:
            items = [t for t in tokens(words_before) if t.kind != END]
        except ParseError:
            return "connective"
        last = items[-1] if items else None
        after_operator = len(items) > 1 and items[-2].text in syntax.OPERATORS     # a value: dir == in
        if last is None or (last.kind in (WORD, SYMBOL) and last.text in LOGIC_WORDS and not after_operator):
            return "field"
        if last.kind == WORD and lookup(last.text):
            return "op"
        if last.kind in (WORD, SYMBOL) and last.text in syntax.OPERATORS and len(items) > 1 \
                and items[-2].kind == WORD and lookup(items[-2].text):
            return "value:" + ALIASES.get(items[-2].text, items[-2].text)
        return "connective"

    def complete(self, words_before: list[str], partial: str, live) -> list[tuple[str, str]]:
        want = self.expecting(words_before)
        if want == "field":
            lead = partial[:len(partial) - len(partial.lstrip("!("))]
            stem = partial[len(lead):]
            if "." in stem:
                names = [n for n in all_names() if n.startswith(stem) and n not in ALIASES]
            else:
                names = sorted(PROTOCOLS | set(ALIASES))
                names = [n for n in names if n.startswith(stem)]
            out = [(lead + n, field_help(n)) for n in names]
            if not lead and "not".startswith(stem):
                out.append(("not", "negate what follows"))
            return out
        if want == "op":
            out = list(COMPARISONS)
        elif want == "value:frame.direction":
            out = [(d, "received" if d == "in" else "sent") for d in DIRECTIONS]
        elif want == "value:frame.interface_name":
            try:
                out = [(str(name), "a link") for name in (live("link") if live else [])]
            except Exception:   # a completion must never take the shell down
                out = []
        elif want.startswith("value:") and FIELDS.get(want[6:]) and FIELDS[want[6:]].type == BOOL:
            out = [("1", "set"), ("0", "not set")]
        elif want.startswith("value:"):
            out = []
        else:
            out = list(CONNECTIVES)
        return [c for c in out if c[0].startswith(partial)]

    def help(self, words_before: list[str]) -> list[tuple[str, str]]:
        want = self.expecting(words_before)
        if want == "field":
            return [("FIELD", "a field is there: tcp.flags.syn, dns"),
                    ("FIELD OP VALUE", "a comparison: tcp.port == 80, ip.addr == 192.0.2.0/24"),
                    ("FIELD in { VALUES }", "one of: tcp.port in {80 443 8000..8080}"),
                    ("FIELD[SLICE] OP BYTES", "bytes of it: eth.src[0:3] == 00:00:5e"),
                    ("not TERM", "the opposite"), ("( EXPR )", "grouping"),
                    ("link == NAME", "packets that crossed link NAME"),
                    ("dir == in | out", "received or sent packets")]
        if want == "op":
            return list(COMPARISONS)
        if want == "value:frame.direction":
            return [("in", "received"), ("out", "sent")]
        if want == "value:frame.interface_name":
            return [("NAME", "a link of the stack")]
        if want.startswith("value:"):
            return [("VALUE", field_help(want[6:]))]
        return list(CONNECTIVES)


SLOT = Slot()
