"""A small Wireshark-flavoured display filter over captured packets' link and direction.

    EXPR  := TERM { ( and | && | or | || ) TERM }      ("and" binds tighter than "or")
    TERM  := [ not | ! ] ( FIELD OP VALUE | ( EXPR ) )
    FIELD := link | frame.interface_name | dir | frame.direction
    OP    := == | eq | != | ne
    VALUE := a link name, or in | out for the direction

Words are the command line's words; ``(``, ``)`` and the operators may also be
glued to their neighbours (``link==v0``, ``(dir==in)``).  This is the grammar's
expression-slot parser (netsh.grammar ``expr``): `parse`, `complete`, `help`.
The value it returns is a predicate on a packet (anything with ``link`` and
``direction`` attributes, as stack.capture.Captured).
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

from netsh.grammar import ParseError

FIELDS = {"link": "link", "frame.interface_name": "link",
          "dir": "direction", "frame.direction": "direction"}
FIELD_HELP = {"link": "the link it crossed", "dir": "in (received) or out (sent)"}
DIRECTIONS = ("in", "out")
OPERATORS = {"==": True, "eq": True, "!=": False, "ne": False}
AND, OR, NOT = {"and", "&&"}, {"or", "||"}, {"not", "!"}
CONNECTIVES = ("and", "or")
PIECE = re.compile(r"\(|\)|==|!=|&&|\|\||!|[^()=!&|]+")

Predicate = Callable[[object], bool]


class Piece(NamedTuple):
    text: str
    word: int       # index of the command-line word it came from


def pieces(tokens: list[str]) -> list[Piece]:
    out = []
    for index, token in enumerate(tokens):
        out += [Piece(m.group(), index) for m in PIECE.finditer(token)]
    return out


class _Reader:
    """Recursive descent over the pieces; ParseError names the word that went wrong."""

    def __init__(self, tokens: list[str]):
        self.items = pieces(tokens)
        self.end = len(tokens)
        self.at = 0

    def peek(self) -> str | None:
        return self.items[self.at].text if self.at < len(self.items) else None

    def fail(self, message: str) -> ParseError:
        word = self.items[self.at].word if self.at < len(self.items) else self.end
        return ParseError(message, word)

    def take(self) -> str:
        text = self.peek()
        if text is None:
            raise self.fail("the filter ends too soon")
        self.at += 1
        return text

    def expression(self) -> Predicate:
        return self.joined(OR, self.conjunction, any)

    def conjunction(self) -> Predicate:
        return self.joined(AND, self.term, all)

    def joined(self, words: set[str], operand: Callable[[], Predicate], combine) -> Predicate:
        """operand { WORD operand }, the operands' verdicts combined by any or all."""
        terms = [operand()]
        while self.peek() in words:
            self.take()
            terms.append(operand())
        return terms[0] if len(terms) == 1 else (lambda p: combine(t(p) for t in terms))

    def term(self) -> Predicate:
        if self.peek() in NOT:
            self.take()
            inner = self.term()
            return lambda p: not inner(p)
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            if self.peek() != ")":
                raise self.fail('expected ")"')
            self.take()
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        name = self.peek()
        if name not in FIELDS:
            raise self.fail(f'unknown field "{name}": one of: {", ".join(FIELDS)}'
                            if name is not None else "the filter ends too soon")
        self.take()
        op = self.peek()
        if op not in OPERATORS:
            raise self.fail(f'"{name}" needs ==, !=, eq or ne' if op is not None
                            else f'"{name}" needs ==, !=, eq or ne, then a value')
        self.take()
        if self.peek() is None or self.peek() in ("(", ")") or self.peek() in AND | OR:
            raise self.fail(f'"{name} {op}" needs a value')
        value = self.take()
        attr = FIELDS[name]
        if attr == "direction" and value not in DIRECTIONS:
            self.at -= 1
            raise self.fail(f'invalid direction "{value}": one of: in, out')
        if OPERATORS[op]:
            return lambda p: getattr(p, attr) == value
        return lambda p: getattr(p, attr) != value


class DisplayFilter:
    """The expression-slot parser object for ``capture show -Y EXPR``."""

    def parse(self, tokens: list[str]) -> Predicate:
        reader = _Reader(tokens)
        predicate = reader.expression()
        if reader.peek() is not None:
            raise reader.fail(f'unexpected "{reader.peek()}" in the filter')
        return predicate

    def expecting(self, tokens_before: list[str]) -> str:
        """What the next word is: "field", "op", "value:FIELD" or "connective"."""
        items = [p.text for p in pieces(tokens_before)]
        last = items[-1] if items else None
        if last is None or last in AND | OR | NOT or last == "(":
            return "field"
        if last in FIELDS:
            return "op"
        if last in OPERATORS and len(items) > 1 and items[-2] in FIELDS:
            return "value:" + FIELDS[items[-2]]
        return "connective"

    def complete(self, tokens_before: list[str], partial: str, live) -> list[tuple[str, str]]:
        want = self.expecting(tokens_before)
        if want == "field":
            out = [(f, FIELD_HELP[f]) for f in FIELD_HELP] + [("not", "negate what follows")]
        elif want == "op":
            out = [("==", "equals"), ("!=", "differs")]
        elif want == "value:direction":
            out = [(d, "received" if d == "in" else "sent") for d in DIRECTIONS]
        elif want == "value:link":
            try:
                out = [(str(name), "a link") for name in (live("link") if live else [])]
            except Exception:   # a completion must never take the shell down
                out = []
        else:
            out = [(c, "both must hold" if c == "and" else "either may hold") for c in CONNECTIVES]
        return [c for c in out if c[0].startswith(partial)]

    def help(self, tokens_before: list[str]) -> list[tuple[str, str]]:
        want = self.expecting(tokens_before)
        if want == "field":
            return [("link == NAME", "packets that crossed link NAME"),
                    ("dir == in | out", "received or sent packets"),
                    ("not TERM", "the opposite"), ("( EXPR )", "grouping")]
        if want == "op":
            return [("== VALUE", "equals"), ("!= VALUE", "differs")]
        if want == "value:direction":
            return [("in", "received"), ("out", "sent")]
        if want == "value:link":
            return [("NAME", "a link of the stack")]
        return [("and TERM", "both must hold"), ("or TERM", "either may hold")]


DISPLAY_FILTER = DisplayFilter()
