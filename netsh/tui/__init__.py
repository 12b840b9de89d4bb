"""The dashboard face (Textual): netsh/tui/app.py, fed by netsh/tui/model.py.

`register` declares the ``tui`` command; Textual loads only when it runs.
"""
from __future__ import annotations

from netsh.argtypes import FILE
from netsh.faces import launches_face
from netsh.grammar import Node, leaf, opt
from netsh.render import Result


def tui(ctx, args):
    if args["read"] is not None:              # termshark -r FILE: the file shown, then the dashboard
        ctx.executor.execute(["capture", "read", args["read"], "behind"])   # a bad file: its one-line error
    from netsh.tui.app import run            # start-up speed: Textual loads when it is asked for
    return Result("none", None, run(ctx.executor, packets=args["read"] is not None))


def register(root: Node) -> None:
    launches_face(leaf(
        root, ("tui",), [opt("read", "read", FILE, help="open on the Packets tab with this pcap/pcapng "
                                                            "file shown (any size: it is indexed)")],
        "open the dashboard: live counters, tables, packets, a command line",
        tui, details="keys: 1-8 tabs, s capture on/off, / capture filter, y display filter, "
                     "t time format, o open and w save a pcap, "
                     ": command (Tab completes, up/down history, Esc leaves), z zoom a pane, End follow, "
                     "? every key, ctrl+p palette, q quit"))
