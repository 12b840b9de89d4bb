"""Errors the stack reports to whoever called it."""


class StackError(Exception):
    """A request the stack refuses; the message is one line a user can act on."""
