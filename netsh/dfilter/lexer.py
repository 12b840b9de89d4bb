"""Display filter words into tokens, each knowing the command-line word it came from.

The command line splits a filter into words (a quoted filter is one word); tokens never
span two words, so a ParseError's index is the word to put the caret under.  A word the
shell took out of quotes after ``matches`` (a regular expression), or one with blanks
after any comparison (``contains "GET /"``), is one string, as it was typed.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from netsh.grammar import ParseError

WORD, STRING, SYMBOL, SLICE, END = "word", "string", "symbol", "slice", "end"
SYMBOLS = ("===", "!==", "==", "!=", "~=", "<=", ">=", "&&", "||", "..", "<", ">", "!", "~", "&",
           "(", ")", "{", "}", ",")
UNQUOTED = re.compile(r"(?:[A-Za-z0-9_:/\-]|\.(?!\.))+")
ESCAPES = {"'": "'", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
           "t": "\t", "v": "\v"}
COMPARISONS = {"==", "!=", "===", "!==", "~=", "<", "<=", ">", ">=", "~", "eq", "ne", "gt", "ge", "lt",
               "le", "any_eq", "all_ne", "all_eq", "any_ne", "contains", "matches"}
REGEX_OPERATORS = {"matches", "~"}


class Token(NamedTuple):
    kind: str
    text: str          # a string's value once its escapes are read; a slice's inside
    word: int
    start: int = 0     # where it is in its word, and how long (for a caret under it alone)
    length: int = 0


def error(message: str, token: Token) -> ParseError:
    """A ParseError pointing at `token`: its word, and where in the word it is."""
    span = (token.start, token.length) if token.kind != END and token.length else None
    return ParseError(message, token.word, span=span)


def tokens(words: list[str]) -> list[Token]:
    out: list[Token] = []
    for index, word in enumerate(words):
        previous = out[-1].text if out and out[-1].kind in (WORD, SYMBOL) else None
        if previous in COMPARISONS and not word.startswith(('"', 'r"')) and (
                previous in REGEX_OPERATORS or any(c.isspace() for c in word)):
            out.append(Token(STRING, word, index, 0, len(word)))
            continue
        out += _word_tokens(word, index)
    out.append(Token(END, "", len(words)))
    return out


def _word_tokens(word: str, index: int) -> list[Token]:
    out = []
    at = 0
    while at < len(word):
        ch = word[at]
        start = at
        if ch.isspace():
            at += 1
            continue
        if ch == '"' or word.startswith('r"', at):
            raw = ch == "r"
            text, at = _string(word, at + 1 + raw, raw, index)
            kind = STRING
        elif ch == "'":
            text, at = _string(word, at + 1, False, index, quote="'")
            if len(text) != 1:
                raise ParseError(f"'{text}' is not a character constant", index, span=(start, at - start))
            kind, text = WORD, str(ord(text))
        elif ch == "[":
            end = word.find("]", at)
            if end < 0:
                raise ParseError('the slice has no closing "]"', index, span=(at, len(word) - at))
            kind, text, at = SLICE, word[at + 1:end], end + 1
        else:
            match = UNQUOTED.match(word, at)
            symbol = None if match else next((s for s in SYMBOLS if word.startswith(s, at)), None)
            if match:
                kind, text, at = WORD, match.group(), match.end()
            elif symbol:
                kind, text, at = SYMBOL, symbol, at + len(symbol)
            else:
                raise ParseError(f'"{ch}" was unexpected in this context', index, span=(at, 1))
        out.append(Token(kind, text, index, start, at - start))
    return out


def _string(word: str, at: int, raw: bool, index: int, quote: str = '"') -> tuple[str, int]:
    """The string from `at` to its closing quote (escapes read unless `raw`), and where it ends."""
    out = []
    while at < len(word):
        ch = word[at]
        if ch == quote:
            return "".join(out), at + 1
        if ch == "\\" and at + 1 < len(word):
            nxt = word[at + 1]
            if raw:
                out.append(ch + nxt)
                at += 2
                continue
            if nxt in ESCAPES:
                out.append(ESCAPES[nxt])
                at += 2
            elif nxt == "x" and re.match(r"[0-9A-Fa-f]{1,2}", word[at + 2:]):
                digits = re.match(r"[0-9A-Fa-f]{1,2}", word[at + 2:]).group()
                out.append(chr(int(digits, 16)))
                at += 2 + len(digits)
            elif nxt in "01234567":
                digits = re.match(r"[0-7]{1,3}", word[at + 1:]).group()
                out.append(chr(int(digits, 8)))
                at += 1 + len(digits)
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = word[at + 2:at + 2 + width]
                if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % width, digits):
                    raise ParseError(f"\\{nxt} needs {width} hex digits", index)
                out.append(chr(int(digits, 16)))
                at += 2 + width
            else:
                raise ParseError(f'"\\{nxt}" is not a valid escape sequence', index)
            continue
        out.append(ch)
        at += 1
    raise ParseError("the string has no closing quote", index)
