"""The registry of calls: what faces may ask the stack, and nothing else.

Each module of stack/api/ declares its verbs with `@call`; a verb is a plain
function whose first argument is the stack (it runs in the stack's thread).
`CALLS` is the whitelist the runtime's proxy and `netsh serve` obey: a name
not registered here is refused with one line.  `Calls(stack)` binds the
verbs to one stack, for code already in the stack's thread (tests, labs).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from ..errors import StackError

CALLS: dict[str, Callable] = {}


class UnknownCall(StackError, AttributeError):
    """A name the call interface does not have (an AttributeError too, for getattr probes)."""


def call(fn: Callable) -> Callable:
    """Register `fn` as a verb of the call interface, under its own name."""
    if fn.__name__ in CALLS:
        raise RuntimeError(f"call {fn.__name__} is registered twice")
    CALLS[fn.__name__] = fn
    return fn


def lookup(name: str) -> Callable:
    fn = CALLS.get(name)
    if fn is None:
        raise UnknownCall(f'the stack has no call named "{name}"')
    return fn


class Calls:
    """`calls.link_list()` is `link_list(stack)`: the verbs, bound to one stack."""

    def __init__(self, stack):
        self._stack = stack

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return partial(lookup(name), self._stack)

    def __dir__(self):
        return sorted(CALLS)
