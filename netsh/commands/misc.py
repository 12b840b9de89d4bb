"""Commands about the shell itself: help, exit, sleep."""
from __future__ import annotations

from functools import partial

from netsh.argtypes import DURATION, Word
from netsh.errors import EXIT_SYNTAX, CommandError
from netsh.grammar import Command, Grammar, Node, ParseError, leaf, pos
from netsh.options import options_synopsis
from netsh.render import Result


# --- help -----------------------------------------------------------------------------

def help_(ctx, args):
    grammar: Grammar = ctx.executor.grammar
    words = args["topic"] or []
    if not words:
        return Result("text", program_usage(grammar))
    try:
        node, used, _ = grammar.resolve(words, follow_default=False)
    except ParseError as exc:
        bad = words[exc.index] if exc.index is not None and exc.index < len(words) else None
        raise CommandError(exc.message, status=EXIT_SYNTAX, token=bad) from None
    if used < len(words):
        raise CommandError(f'no command "{" ".join(words)}"; try "help"', token=words[used])
    return Result("text", command_help(node))


def object_help(path: tuple[str, ...], ctx, args):
    node = ctx.executor.grammar.root
    for word in path:
        node = node.children[word]
    return Result("text", command_help(node))


def program_usage(grammar: Grammar) -> list[str]:
    objects = " | ".join(grammar.root.children)
    return ["Usage: netsh [ OPTIONS ] OBJECT { COMMAND | help }",
            "       netsh [ -force ] -batch FILE [ -i ]",
            "       netsh [ OPTIONS ]",
            f"where  OBJECT := {{ {objects} }}",
            f"       OPTIONS := {options_synopsis()}",
            "Without a command, netsh opens its shell; \"help OBJECT\" tells more."]


def command_help(node: Node) -> list[str]:
    """iproute2's usage block: synopses, then ``NAME := ...`` for each value they mention."""
    commands = [node.command] if node.command else \
        [c for c in node.commands() if c.words[-1] != "help"]
    lines = [("Usage: " if i == 0 else "       ") + cmd.synopsis() for i, cmd in enumerate(commands)]
    if node.command:
        lines.append(node.command.help + ".")
        if node.command.details:
            lines.append(node.command.details)
    where = where_lines(commands)
    lines += [("where  " if i == 0 else "       ") + text for i, text in enumerate(where)]
    return lines


def where_lines(commands: list[Command]) -> list[str]:
    seen: dict[str, str] = {}
    for cmd in commands:
        for slot in cmd.all_slots():
            if slot.type is None or slot.label in seen:
                continue
            choices = slot.type.choices()
            if choices:
                seen[slot.label] = "{ " + " | ".join(choices) + " }"
            elif slot.type.help:
                seen[slot.label] = slot.type.help
    return [f"{label} := {text}" for label, text in seen.items()] + \
        [line for cmd in commands for line in cmd.branch_lines()]


def add_object_help(root: Node) -> None:
    """``link help`` and the like, for every object that has sub-commands."""
    for node in list(root.children.values()):
        if node.children and "help" not in node.children:
            leaf(node, (node.word, "help"), [], f"usage of {node.word}",
                 partial(object_help, (node.word,)), stateless=True)


# --- the rest -----------------------------------------------------------------------------

def exit_(ctx, args):
    ctx.executor.exit_requested = True


def sleep(ctx, args):
    ctx.sleep(args["seconds"])


def register(root: Node) -> None:
    topic = Word("COMMAND", "a command word", lambda: list(root.children))
    leaf(root, ("help",), [pos("topic", topic, optional=True, repeat=True)],
         "usage of netsh, an object or a command", help_, stateless=True)
    leaf(root, ("exit",), [], "leave the shell (or end the batch)", exit_,
         synonyms=("quit",), stateless=True)
    leaf(root, ("sleep",), [pos("seconds", DURATION)],
         "wait; the stack keeps running", sleep)
