"""One captured packet, and the one error every capture-file problem becomes."""
from __future__ import annotations

from dataclasses import dataclass

from .linktype import ETHERNET

NS_PER_S = 1_000_000_000
MAX_RECORD = 256 << 20      # a record claiming more than this is refused, not allocated


class CaptureFileError(Exception):
    """A capture file that cannot be read (further); the message is one line: 'FILE: reason'."""


@dataclass(slots=True)
class Record:
    """A packet as a capture file holds it.

    `ts_ns` keeps nanoseconds exactly where the file has them; `ts` is the float
    view (about a microsecond of precision at today's epoch). `orig_len` defaults
    to len(data). `ifindex` is the pcapng interface id (0 for pcap), `direction`
    is "in", "out" or None when the file does not say. `cut` counts the bytes the
    file's record holds beyond what the reader was asked to keep (skipped, never read
    into memory).
    """
    ts_ns: int
    data: bytes
    orig_len: int | None = None
    linktype: int = ETHERNET
    ifname: str | None = None
    direction: str | None = None
    ifindex: int = 0
    cut: int = 0

    def __post_init__(self):
        if self.orig_len is None:
            self.orig_len = len(self.data)

    @property
    def ts(self) -> float:
        return self.ts_ns / NS_PER_S


def seconds_to_ns(ts: float | int) -> int:
    """Float seconds to integer nanoseconds, splitting off whole seconds first to keep precision."""
    whole = int(ts // 1)
    return whole * NS_PER_S + round((ts - whole) * NS_PER_S)


def as_record(item, linktype: int) -> Record:
    """A Record as is, or a (ts_seconds, data) pair made into one of `linktype`."""
    if isinstance(item, Record):
        return item
    try:
        ts, data = item
    except (TypeError, ValueError):
        kind = type(item).__name__
        raise TypeError(f"expected a Record or a (ts, data) pair, not {kind}") from None
    return Record(seconds_to_ns(ts), bytes(data), linktype=linktype)


def direction_from_flags(flags: int) -> str | None:
    """pcapng epb_flags bits 0-1: 1 inbound, 2 outbound, 0 (or 3) unknown."""
    return _DIRECTIONS.get(flags & 3)


def flags_from_direction(direction: str | None) -> int:
    """epb_flags for "in"/"out"; None or "" (unknown) is 0."""
    if not direction:
        return 0
    try:
        return _FLAGS[direction]
    except KeyError:
        raise ValueError(f'direction must be "in", "out" or None, not {direction!r}') from None


_DIRECTIONS = {1: "in", 2: "out"}
_FLAGS = {v: k for k, v in _DIRECTIONS.items()}
