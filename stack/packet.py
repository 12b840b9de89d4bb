"""The packet buffer (DESIGN principle 2), shaped like the kernel's sk_buff.

One buffer per packet.  `data`..`tail` is the part the current layer looks
at; receive pulls headers off the front (`pull`), transmit pushes them into
headroom reserved when the buffer was allocated (`push`).  `mac`, `network`
and `transport` remember where each header starts, so a later layer (or a
trace, or an ICMP error that quotes the packet) can find them again.
"""
from __future__ import annotations

HEADROOM = 160          # Ethernet 14 + two VLAN tags 8 (QinQ) + IPv4 with options 60 + TCP with options 60


class Packet:
    __slots__ = ("buf", "data", "tail", "mac", "network", "transport",
                 "link", "ts", "broadcast")

    def __init__(self, buf, data: int, tail: int, link=None, ts: float = 0.0):
        self.buf = buf              # bytes (received) or bytearray (being built)
        self.data = data
        self.tail = tail
        self.mac = -1
        self.network = -1
        self.transport = -1
        self.link = link            # ingress link on receive
        self.ts = ts                # stack clock time of arrival or creation
        self.broadcast = False      # arrived as an L2 broadcast/multicast

    @classmethod
    def alloc(cls, size: int, headroom: int = HEADROOM, ts: float = 0.0) -> "Packet":
        """A writable buffer with `size` bytes of data after `headroom` free bytes."""
        return cls(bytearray(headroom + size), headroom, headroom + size, ts=ts)

    @classmethod
    def of(cls, payload: bytes, min_size: int = 0, headroom: int = HEADROOM) -> "Packet":
        """A writable packet holding `payload`, zero-padded to `min_size`, with headroom."""
        pkt = cls.alloc(max(len(payload), min_size), headroom)
        pkt.buf[headroom:headroom + len(payload)] = payload
        return pkt

    def __len__(self) -> int:
        return self.tail - self.data

    def pull(self, n: int) -> int:
        """Consume `n` header bytes; return where they started."""
        start = self.data
        if start + n > self.tail:
            raise ValueError("pull beyond tail")
        self.data = start + n
        return start

    def push(self, n: int) -> int:
        """Claim `n` bytes of headroom in front of the data; return the new start."""
        start = self.data - n
        if start < 0:
            raise ValueError("no headroom")
        self.data = start
        return start

    def trim(self, length: int) -> None:
        """Cut the data to `length` bytes (drop link-layer padding)."""
        if self.data + length < self.tail:
            self.tail = self.data + length

    def view(self) -> memoryview:
        return memoryview(self.buf)[self.data:self.tail]

    def tobytes(self) -> bytes:
        return bytes(self.buf[self.data:self.tail])

    def headroom(self) -> int:
        return self.data
