"""Display filter tokens into a tree, by Wireshark's grammar (wireshark-filter(4)).

    EXPR   := AND { (or | ||) AND }              "and" binds tighter than "or"
    AND    := NOT { (and | &&) NOT }
    NOT    := (not | !) NOT | ( EXPR ) | TEST
    TEST   := [any | all] VALUE [ COMPARISON VALUE | [not] in { MEMBER [,] ... } ]
    VALUE  := ATOM [ (& | bitwise_and) ATOM ]
    ATOM   := NAME [ [SLICE] ] | FUNCTION ( VALUE , ... ) | LITERAL | "STRING"
    MEMBER := LITERAL [ .. LITERAL ]

Names are not looked up here: whether a word is a field or a literal is the compiler's
question, which knows the fields and their types.
"""
from __future__ import annotations

from typing import NamedTuple

from netsh.grammar import ParseError

from .lexer import END, SLICE, STRING, SYMBOL, WORD, Token, error, tokens

OPERATORS = {"==": "==", "eq": "==", "any_eq": "==", "!=": "!=", "ne": "!=", "all_ne": "!=",
             "===": "===", "all_eq": "===", "!==": "!==", "~=": "!==", "any_ne": "!==",
             ">": ">", "gt": ">", ">=": ">=", "ge": ">=", "<": "<", "lt": "<", "<=": "<=", "le": "<=",
             "contains": "contains", "matches": "matches", "~": "matches"}
OR, AND, NOT = ("or", "||"), ("and", "&&"), ("not", "!")
BITWISE_AND = ("&", "bitwise_and")
QUANTIFIERS = ("any", "all")
FUNCTIONS = ("len", "count", "lower", "upper", "string")
MAX_DEPTH = 64             # parentheses and negations inside each other (the compiler recurses too)


class Or(NamedTuple):
    items: list


class And(NamedTuple):
    items: list


class Not(NamedTuple):
    item: object


class Name(NamedTuple):
    """An unquoted word: a field or protocol, or a literal read by the other side's type."""
    token: Token
    slice: Token | None = None


class Literal(NamedTuple):
    token: Token                   # a quoted string


class Call(NamedTuple):
    function: str
    args: list
    token: Token


class BitAnd(NamedTuple):
    value: object
    mask: object
    token: Token


class Range(NamedTuple):
    low: object
    high: object


class Test(NamedTuple):
    quantifier: str | None         # "any", "all" or None
    left: object
    op: str                        # one of OPERATORS' values
    right: object
    token: Token                   # the operator


class Member(NamedTuple):
    left: object
    members: list                  # values, or ranges
    negated: bool
    token: Token


class Exists(NamedTuple):
    value: object


class Parser:
    def __init__(self, words: list[str]):
        self.items = tokens(words)
        self.at = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.items[min(self.at + ahead, len(self.items) - 1)]

    def is_word(self, words, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in (WORD, SYMBOL) and token.text in words

    def take(self) -> Token:
        token = self.peek()
        if token.kind == END:
            raise error("the filter ends too soon", token)
        self.at += 1
        return token

    def unexpected(self) -> ParseError:
        token = self.peek()
        if token.kind == END:
            return error("the filter ends too soon", token)
        return error(f'"{token.text}" was unexpected in this context', token)

    def expect(self, text: str, what: str) -> Token:
        if self.peek().kind == SYMBOL and self.peek().text == text:
            return self.take()
        if self.peek().kind == END:
            raise error(f'the filter ends too soon: {what} needs a closing "{text}"', self.peek())
        raise self.unexpected()

    # --- logic ----------------------------------------------------------------------
    def whole(self):
        tree = self.disjunction()
        if self.peek().kind != END:
            raise self.unexpected()
        return tree

    def disjunction(self):
        items = [self.conjunction()]
        while self.is_word(OR):
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(items)

    def conjunction(self):
        items = [self.negation()]
        while self.is_word(AND):
            self.take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(items)

    def negation(self):
        if self.is_word(NOT + ("(",)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise error(f"the filter nests deeper than {MAX_DEPTH} parentheses and negations", self.peek())
            if self.take().text == "(":
                inner = self.disjunction()
                self.expect(")", '"("')
            else:
                inner = Not(self.negation())
            self.depth -= 1
            return inner
        return self.test()

    # --- tests ----------------------------------------------------------------------
    def test(self):
        quantifier = None
        if self.is_word(QUANTIFIERS) and self.peek(1).kind in (WORD, STRING) \
                and not self.is_word(OR + AND + ("in",), 1):
            quantifier = self.take().text
        left = self.value()
        token = self.peek()
        if token.kind in (WORD, SYMBOL) and token.text in OPERATORS:
            self.take()
            return Test(quantifier, left, OPERATORS[token.text], self.value(loose=True), token)
        if self.is_word(("in",)) or (self.is_word(("not",)) and self.is_word(("in",), 1)):
            negated = self.take().text == "not"
            if negated:
                self.take()
            return Member(left, self.members(), negated, token)
        if quantifier:
            raise self.unexpected()
        return Exists(left)

    def members(self) -> list:
        self.expect("{", '"in"')
        members = []
        while not self.is_word(("}",)):
            if self.peek().kind == END:
                raise error('the filter ends too soon: the set needs a closing "}"', self.peek())
            if members and self.is_word((",",)):
                self.take()
            low = self.atom(loose=True)
            if self.is_word(("..",)):
                self.take()
                members.append(Range(low, self.atom(loose=True)))
            else:
                members.append(low)
        if not members:
            raise error("the set is empty", self.peek())
        self.take()
        return members

    def value(self, loose: bool = False):
        left = self.atom(loose)
        if self.is_word(BITWISE_AND):
            token = self.take()
            return BitAnd(left, self.atom(), token)
        return left

    def atom(self, loose: bool = False):
        """A value; `loose` where only a value can come, so a literal may be a keyword (dir == in)."""
        token = self.peek()
        if token.kind == STRING:
            self.take()
            return Literal(token)
        if token.kind != WORD or not loose and (token.text in OR + AND + NOT + ("in",)
                                                or token.text in OPERATORS):
            raise self.unexpected()
        self.take()
        if token.text in FUNCTIONS and self.is_word(("(",)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise error(f"the filter nests deeper than {MAX_DEPTH} parentheses and negations", token)
            self.take()
            args = [self.value()]
            while self.is_word((",",)):
                self.take()
                args.append(self.value())
            self.expect(")", f'"{token.text}("')
            self.depth -= 1
            return Call(token.text, args, token)
        if self.peek().kind == SLICE:
            return Name(token, self.take())
        return Name(token)


def parse(words: list[str]):
    return Parser(words).whole()
