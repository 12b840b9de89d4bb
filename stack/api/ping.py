"""Calls a ping session makes (stack/l3/ping.py), and traceroute's probes (stack/l3/probe.py)."""
from __future__ import annotations

from .link import find_link
from .registry import call


@call
def ping_open(stack, dst: bytes, size: int, dev: str | None = None, ttl: int = 64, mark: int = 0,
              pmtudisc: str = "want", src: bytes | None = None):
    """A ping session; `src` binds its source (IPv6), which policy rules by source then see."""
    return stack.pings.open(dst, size, find_link(stack, dev) if dev else None, ttl, mark, pmtudisc,
                            src)


@call
def ping_send(stack, session, seq: int, ttl: int | None = None) -> bool:
    return stack.pings.send(session, seq, ttl)


@call
def ping_close(stack, session) -> None:
    stack.pings.close(session)


@call
def probe_open(stack, dst: bytes, size: int, port: int = 33434):
    """A traceroute session of UDP probes (stack/l3/probe.py)."""
    return stack.probes.open(dst, size, port)


@call
def probe_send(stack, session, seq: int, ttl: int) -> str | None:
    return stack.probes.send(session, seq, ttl)


@call
def probe_close(stack, session) -> None:
    stack.probes.close(session)
