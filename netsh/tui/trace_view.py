"""What the Trace tab shows: a row per traced frame and, for the chosen one, the
path it took through the layers.  Built from ``trace show``'s result (records of
``{"layer", "text"}`` steps, see stack/trace.py); no Textual here.

A verdict is "dropped: REASON", "delivered ...", "answered: N frames sent", or
the last step's text when none of those happened.  In a dropped record the
step just before the ``drop`` step is the check that failed.
"""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

OUTCOME_STYLES = (("dropped", "bold red"), ("delivered", "green"), ("answered", "green"),
                  ("forwarded", "cyan"))

HOW_TO_ARM = """\
No traced packets.  Arm a trace from the command line: press : and type

    trace add count 5                        the next 5 frames received
    trace add dev LINK count 5 filter icmp   only ICMP arriving on LINK

Each traced frame is listed here with its verdict; pick one to see its path
through the layers, the frames it caused, or the counter that dropped it.
`trace clear` forgets them."""


def verdict_style(verdict: str) -> str:
    return next((style for word, style in OUTCOME_STYLES if verdict.startswith(word)), "")


def verdict_text(rec: dict) -> Text:
    verdict = rec["verdict"] or "in progress"
    return Text(verdict, style=verdict_style(verdict))


def record_row(rec: dict) -> tuple:
    """The list's cells: number, link, length, verdict."""
    return str(rec["number"]), rec["link"], str(rec["length"]), verdict_text(rec)


def empty_note(data: dict) -> Text:
    armed = data.get("armed", 0)
    if armed:
        return Text(f"A trace is armed: the next {armed} matching frames received will show here.\n"
                    "`trace clear` disarms it.")
    return Text(HOW_TO_ARM)


def list_title(data: dict) -> str:
    parts = [f"{len(data.get('records') or ())} traced"]
    if data.get("armed"):
        parts.append(f"{data['armed']} more armed")
    if data.get("overflow"):
        parts.append(f"{data['overflow']} older pushed out")
    return " · ".join(parts)


def record_title(rec: dict) -> str:
    return f"Trace {rec['number']}: {rec['length']} bytes received on {rec['link']}"


def failed_check(steps: list) -> int | None:
    """The index of the check that failed: the step before the drop (not the rx step)."""
    for i, step in enumerate(steps):
        if step["layer"] == "drop":
            return i - 1 if i > 1 else None
    return None


def layers_walked(steps: list) -> list:
    """The layers in the order the frame went through them, repeats folded."""
    walked = []
    for step in steps:
        if step["layer"] != "drop" and (not walked or walked[-1] != step["layer"]):
            walked.append(step["layer"])
    return walked


def trace_path(rec: dict) -> Group:
    """The layers walked on one line, then each step under its layer; the failing check
    and the drop in red (and marked ✗, for NO_COLOR), frames sent marked ↳."""
    steps, failed = rec["steps"], failed_check(rec["steps"])
    verdict = verdict_text(rec)
    walk = Text(" → ".join(layers_walked(steps)), style="bold")
    walk.append(" ⇒ ").append_text(verdict)
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    shown = None
    for i, step in enumerate(steps):
        layer, text = step["layer"], step["text"]
        if layer == "drop" or i == failed:
            marker, style = "✗", "bold red" if layer == "drop" else "red"
        elif layer == "link" and text.startswith("tx on "):
            marker, style = "↳", "bold cyan"
        else:
            marker, style = ("●" if i == 0 else "│"), ""
        grid.add_row(layer if layer != shown else "", Text(marker, style=style or "dim"), Text(text, style=style))
        shown = layer
    if rec.get("steps_lost"):
        grid.add_row("", Text("…", style="dim"), Text(f"{rec['steps_lost']} more steps not kept", style="dim"))
    grid.add_row("verdict", Text("■", style=verdict.style or "dim"), verdict)
    return Group(walk, Text(), grid)
