"""Batch files in iproute2's format (lib/utils.c getcmdline, makeargs, do_batch).

* ``#`` starts a comment anywhere on a line, even inside quotes;
* a line ending in ``\\`` continues on the next one ("Missing continuation
  line" if there is none); a failure is reported at the command's last line;
* words split on blanks; a word starting with ``'`` or ``"`` runs to the
  next same quote, with no escapes ("Unterminated quoted string");
* blank lines are skipped; the first failing command stops the batch with
  ``Command failed FILE:LINE`` unless -force, which goes on but still exits 1.

A command's own non-zero status (a ping without replies) is a failure too.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Iterator, TextIO

BLANKS = " \t\r\n"


class BatchSyntaxError(Exception):
    """A line that cannot be split into words; `column` is where the trouble starts."""

    def __init__(self, message: str, column: int | None = None, lineno: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.lineno = lineno


@dataclass
class Word:
    text: str
    column: int          # where the word (its opening quote, if any) starts in the line
    width: int           # characters it covers in the line, quotes included


def strip_comment(line: str) -> str:
    return line.partition("#")[0]


def split_words(line: str) -> list[Word]:
    """iproute2's makeargs over one logical line (comments already removed or not)."""
    line = strip_comment(line)
    words: list[Word] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in BLANKS:
            i += 1
        if i >= n:
            break
        start = i
        if line[i] in "'\"":
            end = line.find(line[i], i + 1)
            if end < 0:
                raise BatchSyntaxError("Unterminated quoted string", start)
            words.append(Word(line[i + 1:end], start, end + 1 - start))
            i = end + 1
        else:
            while i < n and line[i] not in BLANKS:
                i += 1
            words.append(Word(line[start:i], start, i - start))
    return words


def split_line(line: str) -> list[str]:
    return [w.text for w in split_words(line)]


@dataclass
class BatchLine:
    lineno: int          # the command's last physical line, as iproute2 counts
    text: str            # comments removed, continuations joined


def read_commands(stream: TextIO) -> Iterator[BatchLine | BatchSyntaxError]:
    """Logical lines of a batch; a trailing continuation at end of file yields an error."""
    lineno = 0
    for raw in stream:
        lineno += 1
        text = strip_comment(raw)
        while text.rstrip("\r\n").endswith("\\"):
            following = stream.readline()
            if not following:
                yield BatchSyntaxError("Missing continuation line", lineno=lineno)
                return
            lineno += 1
            text = text.rstrip("\r\n")[:-1] + strip_comment(following)
        yield BatchLine(lineno, text)


def run_batch(executor, name: str, *, force: bool = False, stdin: TextIO | None = None) -> int:
    """Run every command of batch `name` ("-": standard input); 0 if all succeeded, else 1."""
    err = executor.err
    try:
        stream = (stdin or sys.stdin) if name == "-" else open(name, encoding="utf-8",
                                                                errors="surrogateescape")
    except OSError as exc:
        err.write(f'Error: Cannot open file "{name}" for reading: {exc.strerror}\n')
        return 1
    failed = False
    try:
        for item in read_commands(stream):
            if isinstance(item, BatchSyntaxError):
                err.write(f"Error: {item.message}\n")
                err.write(f"Command failed {name}:{item.lineno}\n")
                return 1
            if executor.run_line(item.text) != 0:
                failed = True
                err.write(f"Command failed {name}:{item.lineno}\n")
                err.flush()
                if not force:
                    break
            if executor.exit_requested:
                break
    finally:
        if stream is not stdin and stream is not sys.stdin:
            stream.close()
    return 1 if failed else 0
