"""Calls a ping session makes (stack/l3/ping.py)."""
from __future__ import annotations

from .link import find_link
from .registry import call


@call
def ping_open(stack, dst: bytes, size: int, dev: str | None = None, ttl: int = 64,
              pmtudisc: str = "want"):
    return stack.pings.open(dst, size, find_link(stack, dev) if dev else None, ttl, pmtudisc)


@call
def ping_send(stack, session, seq: int) -> bool:
    return stack.pings.send(session, seq)


@call
def ping_close(stack, session) -> None:
    stack.pings.close(session)
