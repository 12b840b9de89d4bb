"""How a command fails: `CommandError` and the exit statuses (a leaf: it imports nothing of netsh)."""
from __future__ import annotations

EXIT_OK = 0
EXIT_FAIL = 1          # a user error, or a command that did not succeed (ping: no reply)
EXIT_INTERNAL = 2      # a bug, or ping's "other error"
EXIT_REFUSED = 2       # the stack refused (exists already, no such entry): ip's "kernel said no"
EXIT_SYNTAX = 255      # a line the grammar refuses, as iproute2's exit(-1)
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class CommandError(Exception):
    """A handler's refusal: one line, an exit status, and the token it is about (if any)."""

    def __init__(self, message: str, status: int = EXIT_FAIL, token: str | None = None,
                 index: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.token = token
        self.index = index           # the token's position, when known better than by its text
