"""The dashboard's `:` line: the shell's grammar, completed by Tab from the same
source as the shell (netsh/complete.py), with a history walked by up/down.
Esc leaves it; page up/down scroll the output pane above it.

The widget only edits the line; running it and showing the output is the
app's (it posts `Leave`, `Listing` and `ScrollOutput` messages).
"""
from __future__ import annotations

from typing import Callable

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from netsh.complete import Candidate, open_quote

HISTORY = 500                # lines kept, oldest forgotten first

Candidates = Callable[[str], tuple[list[Candidate], str]]    # text before the cursor -> (candidates, partial)


def common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = next((i for i, (a, b) in enumerate(zip(first, last)) if a != b), min(len(first), len(last)))
    return first[:size]


class History:
    """Lines entered, oldest first; `back`/`forward` walk them from a draft being typed."""

    def __init__(self, size: int = HISTORY):
        self.size = size
        self.lines: list[str] = []
        self.index = 0               # len(lines): at the draft
        self.draft = ""

    def add(self, line: str) -> None:
        if line.strip() and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[:-self.size]
        self.index, self.draft = len(self.lines), ""

    def back(self, current: str) -> str | None:
        if self.index == 0:
            return None
        if self.index == len(self.lines):
            self.draft = current
        self.index -= 1
        return self.lines[self.index]

    def forward(self) -> str | None:
        if self.index >= len(self.lines):
            return None
        self.index += 1
        return self.draft if self.index == len(self.lines) else self.lines[self.index]


class CommandLine(Input):
    BINDINGS = [
        Binding("escape", "leave", "Leave", key_display="esc"),
        Binding("tab", "complete", "Complete"),
        Binding("up", "history(-1)", "Earlier line", show=False),
        Binding("down", "history(1)", "Later line", show=False),
        Binding("pageup", "scroll_output(-1)", "Output up", show=False),
        Binding("pagedown", "scroll_output(1)", "Output down", show=False),
    ]

    class Leave(Message):
        """Esc: give the focus back."""

    class Listing(Message):
        """Tab found several candidates and none longer to insert: list them."""

        def __init__(self, candidates: list[Candidate]):
            super().__init__()
            self.candidates = candidates

    class ScrollOutput(Message):
        def __init__(self, pages: int):
            super().__init__()
            self.pages = pages

    def __init__(self, candidates: Candidates, **kw):
        # the `o`/`w` keys prefill a command: focus must not select it, or the path typed replaces it
        super().__init__(select_on_focus=False, **kw)
        self.candidates = candidates
        self.history = History()

    def remember(self, line: str) -> None:
        self.history.add(line)

    def prefill(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    # --- keys -------------------------------------------------------------------------
    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def action_history(self, step: int) -> None:
        line = self.history.back(self.value) if step < 0 else self.history.forward()
        if line is not None:
            self.prefill(line)

    def action_scroll_output(self, pages: int) -> None:
        self.post_message(self.ScrollOutput(pages))

    def action_complete(self) -> None:
        before, after = self.value[:self.cursor_position], self.value[self.cursor_position:]
        cands, partial = self.candidates(before)
        if not cands:
            return
        quote = open_quote(before)
        head = before[:len(before) - len(quote + partial)]
        texts = [c.text for c in cands]
        if len(cands) == 1:
            word = texts[0]
            # a whole word is followed by a space (a directory is not whole: its entries come next)
            tail = "" if word.endswith("/") else (quote + " " if quote else " ")
            insert = quote + word + tail
        else:
            prefix = common_prefix(texts)
            if len(prefix) <= len(partial):
                self.post_message(self.Listing(cands))
                return
            insert = quote + prefix
        self.value = head + insert + after
        self.cursor_position = len(head + insert)
