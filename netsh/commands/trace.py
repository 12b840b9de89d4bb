"""``trace``: follow received packets through the stack (VPP's ``trace add``, pwru)."""
from __future__ import annotations

from netsh.argtypes import LINK, Integer
from netsh.commands.capture import FILTER
from netsh.grammar import Node, leaf, opt, pos
from netsh.render import Result, View, renderer

WORDS = ("trace",)
COUNT = Integer(1, 100_000, "COUNT", "how many packets to trace (default 10)")
LAST = Integer(1, 100_000, "N", "only the newest N traces")


def add(ctx, args):
    return Result("trace-armed", ctx.stack.trace_add(args["dev"], args["count"] or 10, args["filter"]))


def show(ctx, args):
    return Result("trace", ctx.stack.trace_show(args["last"]))


def clear(ctx, args):
    ctx.stack.trace_clear()


def register(root: Node) -> None:
    node = root.add(Node("trace", "follow received packets through the layers", default="show"))
    leaf(node, WORDS + ("add",),
         [opt("dev", "dev", LINK, help="only frames received on this link"),
          opt("count", "count", COUNT, help="trace the next COUNT matching frames (default 10)"),
          opt("filter", "filter", FILTER, help="only frames this tcpdump expression matches")],
         "trace the next received frames: every step, the frames they cause, their fate", add,
         details="Arming a new trace keeps the records already taken; trace clear forgets them.")
    leaf(node, WORDS + ("show",), [pos("last", LAST, optional=True)],
         "the traced packets, oldest first (or the newest N)", show, synonyms=("list", "lst"))
    leaf(node, WORDS + ("clear",), [], "disarm and forget every trace", clear)


@renderer("trace")
def trace_text(data: dict, view: View) -> str:
    out = []
    if data["overflow"]:
        out += [f"({data['overflow']} older traces were pushed out of the bounded record)", ""]
    for rec in data["records"]:
        out.append(f"Packet {rec['number']}: {rec['length']} bytes on {rec['link']} → {rec['verdict']}")
        width = max((len(s["layer"]) for s in rec["steps"]), default=0)
        out += [f"  {s['layer']:<{width}}  {s['text']}" for s in rec["steps"]]
        if rec["steps_lost"]:
            out.append(f"  ... {rec['steps_lost']} more steps not kept")
        out.append("")
    return "\n".join(out).rstrip("\n")


@renderer("trace-armed")
def armed_text(data: dict, view: View) -> str:
    where = ", ".join(data["links"]) if data["links"] else "every link"
    flt = f" matching '{data['filter']}'" if data["filter"] else ""
    return f"tracing the next {data['armed']} frames received on {where}{flt}"
