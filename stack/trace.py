"""Packet traces (like VPP's ``trace add``, the kernel's pwru).

`trace add` arms a `Tracer` on some links (or all) for the next N received
frames that match a BPF filter.  It rides on the links' receive tap, the
hook a capture uses too, so a stack with no trace pays nothing new; an armed
trace costs its BPF filter on each frame the traced links receive.  While a traced frame is
being processed, `stack.trace_rec` holds its `TraceRecord`; each layer that
touches the packet (and every frame sent in response, and the drop counter
that took it) adds a step there.  Sites test that one attribute, nothing more.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .counters import DROP_REASONS

MAX_RECORDS = 1000
MAX_STEPS = 64


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

