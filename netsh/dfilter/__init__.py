"""Wireshark display filters over captured packets: ``capture show -Y 'tcp.port == 80'``.

    lexer.py     words into tokens (each knows its command-line word, for the caret)
    syntax.py    tokens into a tree, by Wireshark's grammar
    fields.py    the names: protocols, fields and their types, generated and frame fields
    literals.py  literals read by the type they are compared with
    compiler.py  the tree into one compiled Python function
    frame.py     a packet's values, dissected no more than the filter needs
    slot.py      what the grammar's expression slot asks: parse, complete, help

`DISPLAY_FILTER` is the grammar's expression-slot parser (netsh.grammar ``expr``):
``parse(words)`` gives a `Program`, a predicate on `stack.capture.Captured`;
``complete`` and ``help`` tell what may come next.  `compile_filter(text)` compiles
a filter typed as one string (a filter box).  Both load the rest of this package (and
the dissectors) when first used, so building the grammar (every netsh start, every
completion) does not.
"""
from __future__ import annotations


def compile_filter(text: str):
    """A filter typed as one string, as a `Program`; ParseError (netsh.grammar) if it is bad."""
    from .slot import compile_words
    return compile_words([text])


class DisplayFilter:
    """The expression-slot parser object for ``capture show|read|save ... -Y EXPR``."""

    def parse(self, words: list[str]):
        from .slot import compile_words
        return compile_words(words)

    def complete(self, words_before: list[str], partial: str, live) -> list[tuple[str, str]]:
        from .slot import SLOT
        return SLOT.complete(words_before, partial, live)

    def help(self, words_before: list[str]) -> list[tuple[str, str]]:
        from .slot import SLOT
        return SLOT.help(words_before)


DISPLAY_FILTER = DisplayFilter()
