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

One decision, two tellings: the explainers format the decisions the fast path
takes (the layers' decision functions), and each returns the drop it predicts
(None: passed on, or answered).  The record keeps the last prediction that is
not None, and the drop the frame itself was counted under; `Stack.traced`
compares them when the frame is done and counts a disagreement under the
`Trace` counters, with a ``trace`` step saying what was explained and counted.
Two kinds of code have no explainer, and the comparison leaves them out:
- an explainer that hands the decision to such code (a link's rx_handler, the
  ping module) returns `UNDECIDED`; a later explainer (the upper link's) takes
  the prediction up again;
- what a frame causes (a reply, an ICMP error) goes out between
  `sending_begin` and `sending_end`: its explainers' predictions and its drops
  (no route, a full queue) are steps of the record, not the frame's fate.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from .counters import DROP_REASONS, Mib, counter_group

log = logging.getLogger("netsh.trace")

MAX_RECORDS = 1000
MAX_STEPS = 64
UNDECIDED = "UNDECIDED"     # an explainer's answer when code with no explainer decides
TRACE_COUNTERS = ("Records", "Compared", "Undecided", "Disagreements")


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
    predicted: str | None = None       # the last drop an explainer of the frame's path predicted
    undecided: bool = False            # the last explainer left the decision to code with none
    counted: str | None = None         # the drop the frame itself was counted under
    sending: int = 0                   # > 0 while a frame this one caused goes out

    def step(self, layer: str, text: str) -> None:
        if len(self.steps) < MAX_STEPS:
            self.steps.append((layer, text))
        else:
            self.steps_lost += 1

    def explain(self, explainer, *args):
        """Run a layer's explainer for this record; a fault in one never changes the packet's fate."""
        try:
            prediction = explainer(self, *args)
        except Exception as exc:        # a bug in a trace must not lose the packet it follows
            log.debug("trace explainer %s failed", explainer.__qualname__, exc_info=True)
            self.step("trace", f"{explainer.__qualname__} failed: {type(exc).__name__}: {exc}")
            prediction = UNDECIDED
        if not self.sending:
            self.undecided = prediction == UNDECIDED
            if prediction is not None and not self.undecided:
                self.predicted = prediction
        return None if prediction == UNDECIDED else prediction

    def decided(self, reason: str) -> None:
        """Code with no explainer of its own (a netfilter hook) decided this drop, or UNDECIDED."""
        if not self.sending:
            self.undecided = reason == UNDECIDED
            if not self.undecided:
                self.predicted = reason

    def sending_begin(self) -> None:
        """A frame caused by this one starts out: what happens to it is not this frame's fate."""
        self.sending += 1

    def sending_end(self) -> None:
        self.sending -= 1

    def drop(self, reason: str) -> None:
        self.step("drop", f"{reason}: {DROP_REASONS.get(reason, '')}".rstrip(": "))
        if self.sending:
            self.verdict = f"handled; a frame it caused was dropped: {reason}"
        else:
            self.verdict = f"dropped: {reason}"
            self.counted = reason

    def agrees(self) -> bool | None:
        """Whether the predicted drop (or none) is the one counted; None when nothing predicted it."""
        if self.undecided:
            return None
        return self.predicted == self.counted

    def disagreement(self) -> str:
        return f"explained {self.predicted or 'no drop'}, counted {self.counted or 'no drop'}"

    def to_dict(self) -> dict:
        return {"number": self.number, "ts": self.ts, "link": self.link, "length": self.length,
                "frame": self.frame[:64].hex(), "verdict": self.verdict,
                "steps": [{"layer": layer, "text": text} for layer, text in self.steps],
                "steps_lost": self.steps_lost}


def trace_counters(stack) -> Mib:
    """The tracer's own counters (a stack's `trace_counters`): traced frames, how many were
    compared with what the fast path did, and how many disagreed."""
    return stack.trace_counters


def settle_record(stack, rec: TraceRecord) -> None:
    """Count a finished record and compare its prediction with the drop counted."""
    counters = trace_counters(stack)
    counters.Records += 1
    agrees = rec.agrees()
    if agrees is None:
        counters.Undecided += 1
        return
    counters.Compared += 1
    if not agrees:
        counters.Disagreements += 1
        rec.step("trace", rec.disagreement())
        log.debug("trace record %d: %s", rec.number, rec.disagreement())


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


counter_group("Trace", 95, lambda stack: trace_counters(stack).snapshot())
