"""The composition root: the whole command grammar, from netsh/commands and the faces.

netsh/commands declares the command objects and imports no face; each face declares the
commands that launch it (`register(root)`): the served-stack commands (netsh/attach.py),
``lab`` (netsh/lab.py), ``tui`` (netsh/tui), ``demo`` (netsh/demo.py) and ``completion``
(netsh/completion_gen.py).  What builds executors (netsh/cli.py) takes `GRAMMAR` from here
and hands it down.
"""
from __future__ import annotations

from netsh import attach, completion_gen, demo, lab, tui
from netsh.commands import OBJECTS, misc, new_root
from netsh.grammar import Grammar

# in the order ``help`` lists them
REGISTRARS = tuple(module.register for module in OBJECTS) + (
    attach.register, misc.register, completion_gen.register, lab.register, tui.register, demo.register)


def build_grammar() -> Grammar:
    root = new_root()
    for register in REGISTRARS:
        register(root)
    misc.add_object_help(root)
    return Grammar(root)


GRAMMAR = build_grammar()
