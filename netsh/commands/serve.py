"""``serve``, ``list``, ``shutdown``: a stack served on a UNIX socket, and the faces that attach.

``netsh serve`` keeps a stack running headless (netsh/serve.py); ``netsh -n
NAME ...`` attaches a one-shot command, a batch or the shell to it
(netsh/attach.py); ``list`` shows the served stacks, ``shutdown`` stops the
one a face is attached to.
"""
from __future__ import annotations

from netsh.argtypes import FILE
from netsh.errors import CommandError
from netsh.grammar import ArgType, Node, flag, leaf, opt
from netsh.protocol import DEFAULT_NAME, name_problem
from netsh.render import Result, View, renderer


class ServedName(ArgType):
    metavar = "NAME"
    help = "the name faces attach with (netsh -n NAME)"

    def parse(self, token: str) -> str:
        problem = name_problem(token)
        if problem:
            raise ValueError(problem)
        return token


NAME = ServedName()


def serve(ctx, args):
    executor = ctx.executor
    if executor.stack is not None or getattr(executor, "attached", None):
        raise CommandError('"serve" runs on its own: netsh [ -netns NS ] serve [ --name NAME ] '
                           '[ -b FILE ] [ --lab ]')
    from netsh.serve import run_server
    status = run_server(args["name"] or DEFAULT_NAME, ctx.options, ctx.out, ctx.err,
                        batch=args["batch"], lab=bool(args["lab"]))
    return Result("none", None, status)


def list_(ctx, args):
    from netsh.attach import served_stacks
    return Result("served", served_stacks())


def shutdown(ctx, args):
    from netsh.serve import shutdown as stop
    stop(ctx)


def register(root: Node) -> None:
    leaf(root, ("serve",),
         [opt("--name", "name", NAME, help=f"the name to serve as (default: {DEFAULT_NAME})"),
          opt("-b", "batch", FILE, help="configure the stack with this batch first (- for stdin)"),
          flag("--lab", "lab", help="build the demo's lab (root) and serve the stack in it")],
         "run a stack headless, served on a UNIX socket for netsh -n NAME", serve, stateless=True,
         details="Faces attach with netsh -n NAME [ COMMAND ]: any number at once. "
                 "It runs until netsh -n NAME shutdown, SIGTERM or Ctrl-C.")
    leaf(root, ("list",), [], "the served stacks (netsh serve) and how many faces each has",
         list_, stateless=True)
    leaf(root, ("shutdown",), [], "stop the served stack this face is attached to", shutdown,
         details="netsh -n NAME shutdown: running commands are interrupted, pcap handles closed, "
                 "a lab's namespaces removed.")


@renderer("served")
def served_text(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = f"{row['name']}: pid {row['pid']}, {row['clients']} attached"
        if row.get("netns"):
            text += f", netns {row['netns']}" + (" (lab)" if row.get("lab") else "")
        lines.append(text + f", {row['socket']}")
    return "\n".join(lines)
