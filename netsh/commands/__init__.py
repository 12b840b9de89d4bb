"""The command tree, declared once (DESIGN principle 7).

Each module here owns one command object: its nodes, handlers and renderers.
It hangs itself under the root in `register(root)`; `MODULES` lists them in
the order ``help`` shows them.  The root's alias table holds the iproute2
habits that unique prefixes alone would not give (``l`` is also ``lab``).
"""
from __future__ import annotations

from netsh.commands import addr, capture, config, link, misc, neigh, ping, route, serve, stats, trace
from netsh.grammar import Grammar, Node

MODULES = (link, addr, neigh, route, ping, stats, capture, trace, config, serve, misc)

ALIASES = {"a": "address", "l": "link", "li": "link", "r": "route", "ro": "route", "n": "neighbour",
           "sh": "show"}      # `list` and `shutdown` must not take `li` and `sh` from them


def build_grammar() -> Grammar:
    root = Node("", "netsh", aliases=dict(ALIASES))
    for module in MODULES:
        module.register(root)
    misc.add_object_help(root)
    return Grammar(root)


GRAMMAR = build_grammar()
