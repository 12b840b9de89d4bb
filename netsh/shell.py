"""The interactive face: a prompt-toolkit shell over one Executor.

`run_shell(executor)` reads lines at ``netsh> `` and runs each with
``executor.run_line(line, caret=True)``.  Tab completes keywords and live
names (links, host NICs: ``executor.live(kind)``), ``?`` prints what may
come next above the prompt and leaves the line as it is, Ctrl-C clears the
line (or interrupts a running command: the KeyboardInterrupt reaches
run_line), Ctrl-D, ``exit`` and ``quit`` leave.  History lives in
``$XDG_STATE_HOME/netsh/history``.  Output written while the prompt is up
(a capture, a ping in the background) prints above it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.application import create_app_session, run_in_terminal
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.output import Output
from prompt_toolkit.patch_stdout import patch_stdout

from netsh.complete import Candidate, complete, format_help, help_at, names_of, open_quote, split_line
from netsh.grammar import ParseError

PROMPT = "netsh> "

# Words that leave the shell, answered by the shell itself unless the grammar has
# them (then the executor runs them and sets `exit_requested`).
SHELL_WORDS = {"exit": "leave the shell", "quit": "leave the shell"}


def shell_words(grammar) -> dict[str, str]:
    known = names_of(grammar.root)
    return {word: help for word, help in SHELL_WORDS.items() if word not in known}


def history_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "netsh" / "history"


def open_history(path: Path | None = None) -> History:
    """FileHistory at `path` (default `history_path()`); in memory if it cannot be created."""
    path = path or history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


class NetshCompleter(Completer):
    """prompt-toolkit face of netsh.complete: keywords, values, live names."""

    def __init__(self, grammar, live=None):
        self.grammar = grammar
        self.live = live
        self.shell_words = shell_words(grammar)

    def candidates(self, text: str) -> tuple[list[Candidate], str]:
        tokens, partial = split_line(text)
        cands = complete(self.grammar, tokens, partial, self.live)
        if not tokens:
            known = {c.text for c in cands}
            cands += [Candidate(w, h) for w, h in self.shell_words.items()
                      if w.startswith(partial) and w not in known]
        return cands, partial

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        cands, partial = self.candidates(text)
        quote = open_quote(text)    # keep an open quote in front of the word it opens
        for cand in cands:
            yield Completion(quote + cand.text, start_position=-len(quote + partial),
                             display=cand.text, display_meta=cand.meta)


def help_text(grammar, text: str) -> str:
    """The ``?`` answer for the line `text` (the part before the cursor)."""
    extra = shell_words(grammar)
    tokens, partial = split_line(text)
    try:
        rows = help_at(grammar, tokens, partial)
    except ParseError as exc:
        if not tokens and any(w.startswith(partial) for w in extra):
            rows = []
        else:
            return f"% {exc.message}"
    if not tokens:
        rows += [(w, h) for w, h in extra.items() if w.startswith(partial)
                 and w not in {r[0] for r in rows}]
    return format_help(rows) or "% nothing matches"


def key_bindings(grammar, prompt: str = PROMPT) -> KeyBindings:
    kb = KeyBindings()

    @kb.add("?")
    def _(event):
        buf = event.current_buffer
        text = buf.document.text_before_cursor
        if open_quote(text):        # a literal ? inside a quoted word
            buf.insert_text("?")
            return
        answer = help_text(grammar, text)
        output = event.app.output
        run_in_terminal(lambda: print_formatted_text(f"{prompt}{text}?\n{answer}", output=output))

    return kb


def build_session(executor, *, input: Input | None = None, output: Output | None = None,
                  history: History | None = None) -> PromptSession:
    prompt = getattr(executor, "prompt", PROMPT)     # an attached face names its stack
    return PromptSession(
        prompt,
        input=input,
        output=output,
        history=history if history is not None else open_history(),
        completer=NetshCompleter(executor.grammar, getattr(executor, "live", None)),
        complete_while_typing=False,
        complete_in_thread=True,
        auto_suggest=AutoSuggestFromHistory(),
        key_bindings=key_bindings(executor.grammar, prompt),
    )


def run_shell(executor, banner: str | None = None, *, input: Input | None = None,
              output: Output | None = None, history: History | None = None) -> int:
    """Read and run lines until Ctrl-D, ``exit`` or ``quit``; return 0."""
    leave = shell_words(executor.grammar)
    with create_app_session(input=input, output=output):
        session = build_session(executor, input=input, output=output, history=history)
        if banner:      # straight to the terminal, before any background output
            print_formatted_text(ANSI(banner), output=session.output)
        with patch_stdout(raw=True):
            while True:
                try:
                    line = session.prompt()
                except KeyboardInterrupt:   # Ctrl-C at the prompt: drop the line
                    continue
                except EOFError:            # Ctrl-D
                    break
                line = line.strip()
                if not line:
                    continue
                if line in leave:
                    break
                try:
                    executor.run_line(line, caret=True)
                except KeyboardInterrupt:   # run_line should handle it; never leave on ^C
                    print("^C")
                if getattr(executor, "exit_requested", False):
                    break
    return 0
