"""Packet traces (like VPP's ``trace add``, the kernel's pwru).

`trace add` arms a `Tracer` on some links (or all) for the next N received
frames that match a BPF filter.  It rides on the links' receive tap, the
hook a capture uses too (stack.refresh_taps): with a filter and no capture
the tap *is* the BPF program's filter, so an armed trace that never matches
costs one C call per received frame and nothing else.

A frame the filter takes goes through `Stack.traced`, with `stack.trace_rec`
holding its `TraceRecord`.  Each layer that receives it tests that one
attribute and, when it is set, runs its ``explain_*`` method: a re-walk of
the layer's checks that writes one step per check (the values it saw, and
for the check that fails, which field and why) and the decision taken.  The
fast path then runs as usual; the drop counter that takes the frame adds the
last step, named as `stats` names it, and every frame sent in response adds
a ``tx`` step.  Explaining costs nothing unless a frame is being traced.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from .counters import DROP_REASONS

log = logging.getLogger("netsh.trace")

MAX_RECORDS = 1000
MAX_STEPS = 64


def handler_name(handler) -> str:
    """How a step names the function a packet is handed to."""
    return getattr(handler, "__qualname__", str(handler))


@dataclass(slots=True)
class TraceRecord:
    number: int
    ts: float
    link: str
    length: int
    frame: bytes
    steps: list = field(default_factory=list)
    verdict: str = ""                  # "delivered", "dropped: REASON", or what happened last
    steps_lost: int = 0                # steps past MAX_STEPS, counted, not kept

    def step(self, layer: str, text: str) -> None:
        if len(self.steps) < MAX_STEPS:
            self.steps.append((layer, text))
        else:
            self.steps_lost += 1

    def explain(self, explainer, *args):
        """Run a layer's explainer for this record; a fault in one never changes the packet's fate."""
        try:
            return explainer(self, *args)
        except Exception as exc:        # a bug in a trace must not lose the packet it follows
            log.debug("trace explainer %s failed", explainer.__qualname__, exc_info=True)
            self.step("trace", f"{explainer.__qualname__} failed: {type(exc).__name__}: {exc}")
            return None

    def drop(self, reason: str) -> None:
        self.step("drop", f"{reason}: {DROP_REASONS.get(reason, '')}".rstrip(": "))
        self.verdict = f"dropped: {reason}"

    def to_dict(self) -> dict:
        return {"number": self.number, "ts": self.ts, "link": self.link, "length": self.length,
                "frame": self.frame[:64].hex(), "verdict": self.verdict,
                "steps": [{"layer": layer, "text": text} for layer, text in self.steps],
                "steps_lost": self.steps_lost}


class Tracer:
    def __init__(self, stack, links: list | None, count: int, program=None, expression: str = ""):
        self.stack = stack
        self.links = links
        self.remaining = count
        self.program = program
        self.expression = expression
        self.records: deque[TraceRecord] = deque(maxlen=MAX_RECORDS)
        self.number = 0
        self.overflow = 0                  # records pushed out of the bounded deque

    def covers(self, link) -> bool:
        return self.links is None or link in self.links

    def begin(self, link, frame: bytes) -> TraceRecord:
        self.remaining -= 1
        self.number += 1
        rec = TraceRecord(self.number, self.stack.now(), link.name, len(frame), bytes(frame))
        if len(self.records) == self.records.maxlen:
            self.overflow += 1
        rec.step("link", f"rx on {link.name}: {len(frame)} bytes")
        self.records.append(rec)
        return rec

