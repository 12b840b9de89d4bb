"""What a command handler sees (a leaf: it imports only netsh's other leaf modules)."""
from __future__ import annotations

import time

from netsh.errors import CommandError
from netsh.options import Options
from netsh.render import Result, write


class Context:
    """What a handler sees: the stack proxy, this line's options, where to write, the executor."""

    def __init__(self, executor: "Executor", options: Options | None = None):
        self.executor = executor
        self.options = options or executor.options
        self.out = executor.out
        self.err = executor.err
        self.view = executor.view_for(self.options)

    @property
    def stack(self):
        if self.executor.stack is None:
            raise CommandError("no stack is running for this command")
        return self.executor.stack

    def emit(self, result: Result) -> None:
        """Render a partial result now (a ping's reply lines)."""
        write(result, self.view, self.out)

    def live(self, kind: str) -> list[str]:
        return self.executor.live(kind)

    def interrupted(self) -> bool:
        """Whether the face asked this command to stop (an embedded face's Ctrl-C raises instead)."""
        return False

    def checkpoint(self) -> None:
        """Where a long command may be stopped: KeyboardInterrupt if its face asked (an embedded
        face's Ctrl-C raises by itself)."""

    def sleep(self, seconds: float) -> None:
        """Wait, as a command may; an interrupt ends the wait with KeyboardInterrupt."""
        time.sleep(seconds)
