"""The composition root: the whole command grammar, from netsh/commands and the faces.

netsh/commands declares the command objects and imports no face; each face declares the
commands that launch it (`register(root)`): the served-stack commands (netsh/attach.py),
``lab`` (netsh/lab.py), ``tui`` (netsh/tui), ``demo`` (netsh/demo.py) and ``completion``
(below, until netsh/completion_gen.py declares it).  What builds executors (netsh/cli.py)
takes `GRAMMAR` from here and hands it down.
"""
from __future__ import annotations

from netsh import attach, demo, lab, tui
from netsh.argtypes import Choice
from netsh.commands import OBJECTS, misc, new_root
from netsh.grammar import Grammar, Node, leaf, pos
from netsh.render import Result

SHELLS = Choice(("bash", "zsh", "fish"), "SHELL")


def completion(ctx, args):
    from netsh.completion_gen import generate     # start-up speed: it is long
    return Result("text", generate(args["shell"], ctx.executor.grammar))


def register_completion(root: Node) -> None:
    leaf(root, ("completion",), [pos("shell", SHELLS)],
         "print the bash, zsh or fish completion script", completion, stateless=True,
         details='e.g. netsh completion bash > /etc/bash_completion.d/netsh')


# in the order ``help`` lists them
REGISTRARS = tuple(module.register for module in OBJECTS) + (
    attach.register, misc.register, register_completion, lab.register, tui.register, demo.register)


def build_grammar() -> Grammar:
    root = new_root()
    for register in REGISTRARS:
        register(root)
    misc.add_object_help(root)
    return Grammar(root)


GRAMMAR = build_grammar()
