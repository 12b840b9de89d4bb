"""The stack: links, protocol layers, counters and timers, driven by `poll(now)`.

Sans-IO (DESIGN principle 1): nothing here sleeps or reads the wall clock;
`poll` is called by a runtime (stack/runtime.py) or by tests with a FakeClock.
Protocol modules (stack/protocols.py) are built in `PROTOCOLS` order and register
themselves with the layer below (ethertypes with Ethernet, IP protocols with IPv4).
"""
from __future__ import annotations

import itertools
import logging

from .api import Calls
from .capture import Capture, Ring
from .clock import MonotonicClock, Timers
from .counters import Drops, Mib
from .link.loopback import LoopbackLink
from .link.notifier import NETDEV_REGISTER, NETDEV_UNREGISTER, NetdevNotifier
from .protocols import PROTOCOLS
from .trace import TRACE_COUNTERS, settle_record

log = logging.getLogger("netsh.stack")

RX_BUDGET = 64              # frames per link per poll round (NAPI weight)
MAX_LINKS = 4096


class Stack:
    """The engine and its composition root: links, protocol layers, timers, taps.

    What faces may ask goes through the call interface (stack/api/): `stack.api`
    binds its verbs to this stack for code in the stack's thread.
    """

    def __init__(self, clock=None, name: str = "netsh"):
        self.name = name
        self.clock = clock or MonotonicClock()
        self.now = self.clock.now
        self.timers = Timers()
        self.drop = Drops()
        self.links: dict[str, object] = {}
        self.ring = Ring()
        self.capture: Capture | None = None
        self.capture_numbering = 0        # how many times capture numbers started again (capture_status)
        self.capture_file = None          # a FileView shown in the ring's place (capture read of a file)
        self.tracer = None                  # stack.trace.Tracer, when armed
        self.trace_rec = None               # the TraceRecord of the frame being processed
        self.trace_counters = Mib("Trace", TRACE_COUNTERS)    # traced frames and disagreements
        self.capture_numbers = itertools.count(1).__next__    # the next capture packet number
        self.by_index: dict[int, object] = {}
        self.api = Calls(self)
        self._next_index = 1
        self.netdev = NetdevNotifier()      # link events; layers subscribe as they are built
        self.netdev.subscribe("taps", self._taps_event, (NETDEV_REGISTER, NETDEV_UNREGISTER))
        for attr, cls in PROTOCOLS:
            setattr(self, attr, cls(self))
        self.netif_receive = self.ethernet.receive
        self.arp.table.on_failed = lambda pkt: self.icmp.send_unreach(pkt, 1)
        self.arp.table.start()
        self.loopback = LoopbackLink()
        self.add_link(self.loopback)
        from .wire.ipv4 import addr_from_str
        self.ipv4.addr_add(self.loopback, addr_from_str("127.0.0.1"), 8)

    # --- links ---------------------------------------------------------------
    def add_link(self, link) -> None:
        if len(self.links) >= MAX_LINKS:
            from .errors import StackError
            raise StackError("too many links")
        link.stack = self
        link.index = self._next_index
        self._next_index += 1
        self.links[link.name] = link
        self.by_index[link.index] = link
        self.netdev.notify(NETDEV_REGISTER, link)
        if link.starts_up:
            link.set_up(True)

    def remove_link(self, link) -> None:
        """Unregister `link`, and first the links stacked on it (they cannot outlive it);
        a master (a bridge) lets its port go instead."""
        for upper in list(link.uppers):
            if upper is link.master and upper.is_master:
                upper.release(link)
            else:
                self.remove_link(upper)
        link.set_up(False)
        self.netdev.notify(NETDEV_UNREGISTER, link)
        link.close()
        for lower in list(link.lowers):
            lower.upper_unlink(link)
        del self.links[link.name]
        del self.by_index[link.index]

    def _taps_event(self, event: str, link) -> None:
        if event == NETDEV_UNREGISTER:
            link.rx_tap = link.tx_tap = None
        else:
            self.refresh_taps()

    # --- taps: a capture uses both hooks of the links it covers, a trace the receive one ---
    def refresh_taps(self) -> None:
        """Give each link the taps its capture and trace need, and no more."""
        capture = self.capture if self.capture is not None and self.capture.running else None
        tracer = self.tracer if self.tracer is not None and self.tracer.remaining > 0 else None
        for link in self.links.values():
            captured = capture is not None and capture.covers(link)
            traced = tracer is not None and tracer.covers(link)
            link.tx_tap = capture.tap_for(link, "out") if captured else None
            link.rx_tap = rx_tap(link, capture if captured else None, tracer if traced else None)

    def traced(self, link, frame) -> None:
        """Process one received frame with a trace record open for it (its rx_tap said so)."""
        tracer = self.tracer
        dispatch = self.ethernet.dispatch
        if tracer is None or tracer.remaining <= 0:     # taps close when a trace ends; a guard
            dispatch(link, frame)
            return
        if self.trace_rec is not None:      # an rx_handler passed it to an upper link: same record
            dispatch(link, frame)
            return
        rec = tracer.begin(link, frame)
        self.trace_rec = self.drop.record = rec
        try:
            rec.explain(self.ethernet.explain_receive, link, frame)
            dispatch(link, frame)           # frames it causes are noted as they are queued
        finally:
            self.trace_rec = self.drop.record = None
            settle_record(self, rec)        # the explained fate against the counted one
            if not rec.verdict:
                rec.verdict = _outcome(rec)
            if tracer.remaining <= 0:
                self.refresh_taps()

    # --- the engine -------------------------------------------------------------
    def poll(self, now: float | None = None) -> int:
        """One round: receive up to a budget per link, fire due timers, transmit.

        Returns the number of frames received; the caller polls again at once
        while `rx_pending()` or the budget was used up.
        """
        received = 0
        for link in list(self.links.values()):
            received += link.poll_rx(RX_BUDGET)
        self.timers.run_due(self.now())
        self.flush_tx()
        return received

    def flush_tx(self) -> None:
        for link in self.links.values():
            if link.txq:
                link.flush_tx()

    def rx_pending(self) -> bool:
        return any(link.rx_pending() for link in self.links.values())

    def poll_at(self) -> float | None:
        """When the next timer is due (None: no timer armed)."""
        return self.timers.next_deadline()

    def pollable(self) -> dict[int, object]:
        """Descriptors the runtime waits on, by fd."""
        out = {}
        for link in self.links.values():
            fd = link.fileno()
            if fd is not None:
                out[fd] = link
        return out

    def close(self) -> None:
        for link in list(self.links.values()):
            link.close()


# --- receive taps ------------------------------------------------------------------
# link.rx_tap(frame) is called by Ethernet receive before any handler (where AF_PACKET
# taps sit); a true result means "trace this frame" (Stack.traced).  An armed trace
# that never matches must cost no more than its filter: with no capture on the link
# the tap is the BPF program's own filter method, a C call with no Python frame.

def _every_frame(frame) -> bool:
    return True


def rx_tap(link, capture, tracer):
    """The receive tap for `link`: None (nothing to pay), a trace filter, a capture, or both."""
    wanted = None
    if tracer is not None:
        wanted = tracer.program.filter if tracer.program is not None else _every_frame
    if capture is None:
        return wanted
    capture_tap = capture.tap_for(link, "in")
    if wanted is None:
        return capture_tap            # returns None: no trace wanted

    def captured_and_filtered(frame):
        capture_tap(frame)
        return wanted(frame)
    return captured_and_filtered


def _outcome(rec) -> str:
    """A trace's verdict when no drop or delivery set one: the frames sent, or the last step."""
    sent = sum(1 for layer, text in rec.steps if text.startswith("tx on "))
    if sent:
        return f"answered: {sent} frame{'s' if sent > 1 else ''} sent"
    return rec.steps[-1][1]
