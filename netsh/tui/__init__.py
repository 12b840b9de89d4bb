"""The dashboard face (Textual): netsh/tui/app.py, fed by netsh/tui/model.py.

`register` declares the ``tui`` command; Textual loads only when it runs.
"""
from __future__ import annotations

from netsh.faces import launches_face
from netsh.grammar import Node, leaf
from netsh.render import Result


def tui(ctx, args):
    from netsh.tui.app import run            # start-up speed: Textual loads when it is asked for
    return Result("none", None, run(ctx.executor))


def register(root: Node) -> None:
    launches_face(leaf(
        root, ("tui",), [], "open the dashboard: live counters, tables, packets, a command line",
        tui, details="keys: 1-5 tabs, s capture on/off, / filter, o open and w save a pcap, "
                     ": command (Tab completes, up/down history, Esc leaves), z zoom a pane, End follow, "
                     "? every key, ctrl+p palette, q quit"))
