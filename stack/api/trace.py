"""Calls on packet traces (stack/trace.py): arm, show, clear."""
from __future__ import annotations

from ..capture import compile_filter
from ..trace import Tracer
from .link import find_link
from .registry import call


@call
def trace_add(stack, dev: str | None = None, count: int = 10, expression: str | None = None) -> dict:
    """Trace the next `count` frames received on `dev` (or any link) that match."""
    links = [find_link(stack, dev)] if dev else None
    program = compile_filter(expression) if expression else None
    old = stack.tracer
    stack.tracer = Tracer(stack, links, count, program, expression or "")
    if old is not None:                # arming again keeps what was traced
        stack.tracer.records.extend(old.records)
        stack.tracer.number = old.number
        stack.tracer.overflow = old.overflow
    stack.refresh_taps()
    return {"armed": count, "links": [dev] if dev else None, "filter": expression or ""}


@call
def trace_show(stack, last: int | None = None) -> dict:
    """{records, overflow (records the bound pushed out), armed (frames still wanted)}."""
    if stack.tracer is None:
        return {"records": [], "overflow": 0, "armed": 0}
    records = list(stack.tracer.records)
    if last is not None:
        records = records[-last:]
    return {"records": [rec.to_dict() for rec in records], "overflow": stack.tracer.overflow,
            "armed": max(stack.tracer.remaining, 0)}


@call
def trace_clear(stack) -> int:
    count = len(stack.tracer.records) if stack.tracer is not None else 0
    stack.tracer = None
    stack.refresh_taps()
    return count
