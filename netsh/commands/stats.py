"""``stats``: per-layer counters with the kernel's MIB names (nstat -az), drop reasons included."""
from __future__ import annotations

from netsh.argtypes import LAYER
from netsh.grammar import Node, leaf, pos
from netsh.render import Result, View, renderer
from stack.counters import DROP_REASONS

NAME_WIDTH = 31          # nstat prints "%-32s"; one of those columns is the gap


def show(ctx, args):
    return Result("stats", ctx.stack.stats(args["layer"]))


def register(root: Node) -> None:
    leaf(root, ("stats",), [pos("layer", LAYER, optional=True)],
         "counters per layer (all, or LAYER)", show,
         details="Counter names are the kernel's (/proc/net/snmp, netstat -s); the Drop group "
                 "counts every packet the stack dropped, by reason.")


@renderer("stats")
def stats_text(groups: dict[str, dict[str, int]], view: View) -> str:
    """``IcmpInEchoReps                  5``: group and counter joined, as nstat names them.

    Drop reasons also say what they mean, as VPP's ``show errors`` does.
    """
    lines = []
    for group, counters in groups.items():
        for name, value in counters.items():
            line = f"{group + name:<{NAME_WIDTH}} {value}"
            if group == "Drop" and name in DROP_REASONS:
                line = f"{line:<{NAME_WIDTH + 12}} # {DROP_REASONS[name]}"
            lines.append(line)
    return "\n".join(lines)
