"""The impair link: loss, delay, jitter, reorder, duplication, corruption and a rate, both ways.

``link add NAME type impair link DEV [loss P%] [delay MS [jitter MS]] [reorder P%]
[duplicate P%] [corrupt P%] [rate KBIT] [seed N]`` stacks NAME on DEV (netem
as a link, since the kernels we test against have no netem).  NAME claims
DEV's receive through an rx_handler: a frame arriving on DEV goes through the
impairment and is then received on NAME; a frame sent on NAME goes through it
and then out of DEV.  Its random choices come from `random.Random(seed)` and
its delays from the stack's timers, so a given seed under a FakeClock gives
the same frames on every run.  Delayed frames wait in a bounded queue (a full
queue is a counted drop); what it drops, duplicates, reorders, corrupts and
delays is counted per direction (`link show -s -d`, linkinfo.info_xstats).
"""
from __future__ import annotations

import random

from ..errors import StackError
from ..packet import Packet
from .base import RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, Link, register_link_type
from .kind import LinkOption, parse_count, parse_link_name, parse_millis, parse_percent

QUEUE_LIMIT = 1000          # netem's default limit: frames held at once, per direction


def _rate(text: str) -> int:
    return parse_count(text, 0, 100_000_000, unit="kbit")


OPTIONS = (
    LinkOption("link", parse_link_name, None, "the link it sits on", "DEV", required=True, live="link"),
    LinkOption("loss", parse_percent, 0.0, "drop this share of frames", "P%", "%",
               value_help="a share of frames, 0..100 per cent"),
    LinkOption("delay", parse_millis, 0.0, "hold each frame this long", "MS", "ms",
               value_help="milliseconds (fractions allowed)"),
    LinkOption("jitter", parse_millis, 0.0, "vary the delay by up to this, either way", "MS", "ms"),
    LinkOption("reorder", parse_percent, 0.0, "send this share at once, ahead of delayed ones",
               "P%", "%"),
    LinkOption("duplicate", parse_percent, 0.0, "send this share twice", "P%", "%"),
    LinkOption("corrupt", parse_percent, 0.0, "flip one bit in this share", "P%", "%"),
    LinkOption("rate", _rate, 0, "at most this many kbit/s (0: no limit)", "KBIT", "kbit",
               value_help="kilobits per second"),
    LinkOption("seed", parse_count, None,
               "seed of its random choices (default: one drawn at creation)", "N",
               value_help="a whole number, 0..4294967295"),
)
COUNTERS = ("dropped", "duplicated", "reordered", "corrupted", "delayed", "queue_full")


class Impairment:
    """One direction's impairment: decides each frame's fate and holds the delayed ones."""

    def __init__(self, link, params: dict, seed: int, out):
        self.link = link
        self.params = params
        self.rng = random.Random(seed)
        self.out = out                  # out(item): where a frame goes when its time comes
        self.queued = 0
        self.busy_until = 0.0           # rate: when the wire is free again
        self.counts = dict.fromkeys(COUNTERS, 0)

    def process(self, item, now: float):
        """Impair `item` (received bytes, or a Packet to send); returns it when it goes on
        at once, else None (dropped, or held for later)."""
        p, rng, counts = self.params, self.rng, self.counts
        if p["loss"] and rng.random() * 100.0 < p["loss"]:
            counts["dropped"] += 1
            self.link.stack.drop("IMPAIR_LOSS")
            return None
        copies = [item]
        if p["duplicate"] and rng.random() * 100.0 < p["duplicate"]:
            counts["duplicated"] += 1
            copies.append(_copy(item))
        ready = None
        for copy in copies:
            if p["corrupt"] and rng.random() * 100.0 < p["corrupt"]:
                counts["corrupted"] += 1
                copy = _flip_bit(copy, rng)
            copy = self._schedule(copy, now)
            if copy is not None:
                if ready is None:
                    ready = copy
                else:
                    self.out(copy)
        return ready

    def _schedule(self, item, now: float):
        p, rng = self.params, self.rng
        delay = p["delay"]
        if p["jitter"]:
            delay = max(0.0, delay + rng.uniform(-p["jitter"], p["jitter"]))
        if delay and p["reorder"] and rng.random() * 100.0 < p["reorder"]:
            self.counts["reordered"] += 1
            delay = 0.0
        due = now + delay / 1000.0
        if p["rate"]:
            start = max(due, self.busy_until)
            self.busy_until = due = start + len(item) * 8 / (p["rate"] * 1000.0)
        if due <= now:
            return item
        if self.queued >= QUEUE_LIMIT:
            self.counts["queue_full"] += 1
            self.link.stack.drop("IMPAIR_QUEUE_FULL")
            return None
        self.queued += 1
        self.counts["delayed"] += 1
        self.link.stack.timers.arm(due, self._release, item, name="impair")
        return None

    def _release(self, item) -> None:
        self.queued -= 1
        if self.link.lower is not None:        # still registered
            self.out(item)


def _copy(item):
    if isinstance(item, Packet):
        return Packet.of(item.buf[item.data:item.tail])
    return item                                 # received bytes are immutable


def _flip_bit(item, rng):
    data = bytearray(item.buf[item.data:item.tail] if isinstance(item, Packet) else item)
    if data:
        bit = rng.randrange(len(data) * 8)
        data[bit >> 3] ^= 1 << (bit & 7)
    return Packet.of(data) if isinstance(item, Packet) else bytes(data)


@register_link_type
class ImpairLink(Link):
    kind = "impair"
    creatable = True
    options = OPTIONS
    qdisc = "noqueue"

    def __init__(self, name: str, lower, values: dict, mtu: int | None = None):
        super().__init__(name, lower.mac, mtu or lower.mtu)     # DEV's address and MTU
        self.lower = lower
        self.values = dict(values)
        if self.values["seed"] is None:
            self.values["seed"] = random.SystemRandom().randrange(2 ** 32)
        seed = self.values["seed"]
        params = {k: v for k, v in self.values.items() if k not in ("link", "seed")}
        self.ingress = Impairment(self, params, seed * 2, self.deliver)
        self.egress = Impairment(self, params, seed * 2 + 1, self._send_lower)

    @classmethod
    def create(cls, stack, name: str, values: dict) -> list:
        lower = stack.links.get(values["link"])
        if lower is None:
            raise StackError(f'Cannot find device "{values["link"]}"')
        link = cls(name, lower, values)
        lower.rx_handler_register(_impair_rx, link)     # refused if DEV is claimed already
        stack.add_link(link)
        lower.upper_link(link)
        return [link]

    def close(self) -> None:
        lower = self.lower
        if lower is not None:
            self.lower = None
            lower.rx_handler_unregister()
            lower.upper_unlink(self)

    def has_carrier(self) -> bool:
        return self.lower is not None and self.lower.running

    # --- data path ---------------------------------------------------------------
    def xmit(self, pkt) -> bool:
        """Impair, then send out of the lower link (no queue of its own: noqueue)."""
        stats = self.stats
        if not self.admin_up:
            stats.tx_dropped += 1
            self.stack.drop("LINK_DOWN")
            return False
        stats.tx_packets += 1
        stats.tx_bytes += len(pkt)
        if self.tx_tap is not None:
            self.tx_tap(pkt.tobytes())
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("link", f"tx on {self.name}: {len(pkt)} bytes into its impairment")
        ready = self.egress.process(pkt, self.stack.now())
        return self._send_lower(ready) if ready is not None else True

    def _send_lower(self, pkt) -> bool:
        lower = self.lower
        return lower.xmit(pkt) if lower is not None else False

    # --- the kind's description ----------------------------------------------------
    def option_values(self) -> list:
        return [(opt, self.values[opt.name]) for opt in OPTIONS
                if opt.required or opt.name == "seed" or self.values[opt.name] != opt.default]

    def info_data(self) -> dict:
        return {opt.name: value for opt, value in self.option_values() if opt.name != "link"}

    def info_xstats(self) -> dict:
        return {"rx": dict(self.ingress.counts), "tx": dict(self.egress.counts),
                "rx_queued": self.ingress.queued, "tx_queued": self.egress.queued}


def _impair_rx(link, frame):
    """DEV's rx_handler: the frame goes through NAME's impairment, then is received on NAME."""
    impair = link.rx_handler_data
    ready = impair.ingress.process(frame, impair.stack.now())
    if ready is None:
        return RX_HANDLER_CONSUMED, link, frame
    return RX_HANDLER_ANOTHER, impair, ready
