"""The command objects, declared once (DESIGN principle 7).

Each module here owns one command object: its nodes, handlers and renderers.
It hangs itself under the root in `register(root)`.  Nothing here imports a
face: the commands that launch one (tui, demo, serve, completion, lab) are
registered by the faces themselves, and netsh/app.py (the composition root)
builds the whole grammar from `OBJECTS`, the faces and `misc`.
The root's alias table holds the iproute2 habits that unique prefixes alone
would not give (``l`` is also ``lab``).
"""
from __future__ import annotations

from netsh.commands import (addr, bridge, capture, config, link, misc, neigh, ping, route, rule,
                            stats, sysctl, trace, traceroute)
from netsh.grammar import Grammar, Node

OBJECTS = (link, addr, neigh, route, rule, bridge, sysctl, ping, traceroute, stats, capture, trace,
           config)

ALIASES = {"a": "address", "l": "link", "li": "link", "r": "route", "ro": "route", "n": "neighbour",
           "sh": "show"}      # `list` and `shutdown` must not take `li` and `sh` from them


def new_root() -> Node:
    return Node("", "netsh", aliases=dict(ALIASES))


def build_grammar() -> Grammar:
    """The commands alone, without the faces' (netsh.app.build_grammar has them all)."""
    root = new_root()
    for module in OBJECTS + (misc,):
        module.register(root)
    misc.add_object_help(root)
    return Grammar(root)
