"""One executor behind every face: a line in, a rendered result and an exit status out.

`Executor.run_line` splits a line with the batch word rules, parses it with
the grammar, calls the command's handler with a `Context` (the stack proxy,
the options, the output stream) and renders the `Result` it returns.  Every
user error (a bad word, a bad value, a refusal from the stack) becomes one
``Error: ...`` line naming the offending token; in the shell, the line is
shown again with a caret under that token first.  Anything unexpected becomes
``Error: internal: ...`` with status 2, unless NETSH_DEBUG=1 asks to see the
traceback.  `execute` is the same without the rendering, for faces that want
the structured result (the TUI).  `parse` and `call` are its two halves and
`context_class` what handlers see, so a served stack (netsh/serve.py) and an
attached face (netsh/attach.py) can each put the socket between them.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any, Callable, Sequence, TextIO

from netsh.batch import BatchSyntaxError, Word, split_words
from netsh.context import Context
from netsh.errors import EXIT_FAIL, EXIT_INTERNAL, EXIT_OK, EXIT_SYNTAX, CommandError
from netsh.grammar import ParseError, Parsed
from netsh.options import LINE_OPTIONS, OptionError, Options, parse_options
from netsh.render import Painter, Result, View, dark_background, write
from stack.errors import StackError

NOTHING = Result("none")

# completion kinds -> the names the running stack has
LIVE_SOURCES: dict[str, Callable[[Any], list[str]]] = {
    "link": lambda stack: [row["ifname"] for row in stack.link_list()],
    "hostdev": lambda stack: [row["name"] for row in stack.host_devices()],
    "layer": lambda stack: list(stack.stats()),
    "bridge": lambda stack: stack.bridge_names(),
    "brport": lambda stack: stack.bridge_port_names(),
    "brvlan": lambda stack: [str(vid) for vid in stack.bridge_vlan_vids()],
    "sysctl": lambda stack: [row["name"] for row in stack.sysctl_list()],
}


def debugging() -> bool:
    return os.environ.get("NETSH_DEBUG", "") not in ("", "0")


class Executor:
    context_class = Context

    def __init__(self, runtime, options: Options | None = None, out: TextIO | None = None,
                 err: TextIO | None = None, *, grammar, stack=None):
        self.runtime = runtime
        self.options = options or Options()
        self.out = out or sys.stdout          # looked up now, so redirections are honoured
        self.err = err or sys.stderr
        self.grammar = grammar                # the whole tree: netsh.app.GRAMMAR
        if stack is None and runtime is not None:
            from stack.runtime import StackProxy
            stack = StackProxy(runtime)
        self.stack = stack
        self.exit_requested = False          # set by `exit`; the shell and batches stop
        self.view = self._make_view(self.options)

    def view_for(self, options: Options) -> View:
        """How results show under `options` (a line's own ``-j``/``-s`` make a new view)."""
        return self.view if options == self.options else self._make_view(options)

    def _make_view(self, options: Options) -> View:
        return View(options, Painter(options.color_enabled(self.out), dark_background(os.environ)))

    # --- running ----------------------------------------------------------------
    def run_line(self, line: str, *, caret: bool = False) -> int:
        try:
            words = split_words(line)
        except BatchSyntaxError as exc:
            self._report(exc.message, line if caret else None, exc.column, 1)
            return EXIT_FAIL
        if not words:
            return EXIT_OK
        return self._run([w.text for w in words], line if caret else None, words)

    def run_tokens(self, tokens: Sequence[str]) -> int:
        return self._run(list(tokens), None, None) if tokens else EXIT_OK

    def execute(self, tokens: Sequence[str]) -> Result:
        """Parse and run; return the Result whole (raises ParseError, StackError, CommandError)."""
        return self._execute(list(tokens))[1].collected()

    def _execute(self, tokens: list[str]) -> tuple[Context, Result]:
        return self.call(*self.parse(tokens))

    def parse(self, tokens: Sequence[str]) -> tuple[Options, Parsed]:
        """Leading options (``-s link``) apply to this line only; ParseError indexes count them.
        A leading ``ip`` is ip's own name, pasted with its options (``ip -br a``); options
        after ``bridge`` are bridge(8)'s (``bridge -j fdb show``)."""
        pasted = int(bool(tokens) and tokens[0] in PASTED_TOOLS)
        try:
            options, rest = parse_options(tokens[pasted:], self.options, LINE_OPTIONS)
        except OptionError as exc:
            raise ParseError(str(exc), None if exc.index is None else exc.index + pasted) from None
        if pasted and tokens[0] != "ip":
            rest = [tokens[0], *rest]          # the tool's name is our command object's
        skipped = len(tokens) - len(rest)
        try:
            parsed = self.grammar.parse(rest)
        except ParseError as exc:
            exc.index = None if exc.index is None else exc.index + skipped
            raise
        return options, parsed

    def call(self, options: Options, parsed: Parsed) -> tuple[Context, Result]:
        """Run a parsed command's handler under `options`."""
        ctx = self.context_class(self, options)
        result = parsed.command.handler(ctx, parsed.args)
        return ctx, NOTHING if result is None else result

    def emit(self, result: Result) -> None:
        write(result, self.view, self.out)

    def _run(self, tokens: list[str], line: str | None, words: list[Word] | None) -> int:
        try:
            ctx, result = self._execute(tokens)
            ctx.emit(result)
            return result.status
        except BrokenPipeError:
            raise                # the reader went away (`| head`): netsh ends quietly, as tshark does
        except Exception as exc:
            known = failure(exc, tokens)
            if known is None:
                if debugging():
                    raise
                known = internal_failure(exc)
            return self._fail(*known, tokens, line, words, getattr(exc, "span", None))

    # --- errors --------------------------------------------------------------------
    def _fail(self, message: str, status: int, index: int | None, tokens: list[str],
              line: str | None, words: list[Word] | None, span: tuple[int, int] | None = None) -> int:
        column = width = None
        if line is not None and words and index is not None:
            if index < len(words) and span is not None:     # a part of the word: under it alone
                word = words[index]
                quoted = word.width == len(word.text) + 2
                column, width = word.column + quoted + span[0], span[1]
            elif index < len(words):
                column, width = words[index].column, words[index].width
            else:                        # something is missing: point just past the last word
                column, width = words[-1].column + words[-1].width + 1, 1
        self._report(message, line, column, width)
        return status

    def _report(self, message: str, line: str | None, column: int | None, width: int | None) -> None:
        if line is not None and column is not None:
            self.err.write(line.rstrip("\r\n") + "\n")
            self.err.write(" " * column + "^" * max(1, width or 1) + "\n")
        self.err.write("Error: " + " ".join(message.split()) + "\n")
        self.err.flush()

    # --- completion ------------------------------------------------------------------
    def live(self, kind: str) -> list[str]:
        """Names the stack has now, for completing a value of `kind` ([] when unknown)."""
        source = LIVE_SOURCES.get(kind)
        if source is None or self.stack is None:
            return []
        try:
            return source(self.stack)
        except Exception:
            if debugging():
                raise
            return []          # completion never takes the shell down


PASTED_TOOLS = ("ip", "bridge")      # whose options may follow their name on a pasted line


def failure(exc: BaseException, tokens: Sequence[str]) -> tuple[str, int, int | None] | None:
    """A user error's (message, exit status, offending token index); None for anything else."""
    if isinstance(exc, ParseError):
        return exc.message, exc.status or EXIT_SYNTAX, exc.index
    if isinstance(exc, CommandError):
        index = exc.index
        if index is None and exc.token in tokens:
            index = list(tokens).index(exc.token)
        return exc.message, exc.status, index
    if isinstance(exc, StackError):
        return str(exc), getattr(exc, "status", EXIT_FAIL), quoted_token(str(exc), tokens)
    return None


def internal_failure(exc: BaseException) -> tuple[str, int, None]:
    return f"internal: {type(exc).__name__}: {exc}", EXIT_INTERNAL, None


def quoted_token(message: str, tokens: Sequence[str]) -> int | None:
    """The index of the last token the message quotes (``Cannot find device "eth9"``)."""
    for quoted in reversed(re.findall(r'"([^"]*)"', message)):
        if quoted in tokens:
            return len(tokens) - 1 - list(reversed(tokens)).index(quoted)
    return None
