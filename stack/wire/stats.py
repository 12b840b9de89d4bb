"""Statistics over dissected frames, as tshark's -z computes them: conversations and
endpoints (eth, ip, ipv6, tcp, udp), the protocol hierarchy, and frames and bytes per
interval of time.

A sans-IO accumulator fed one frame at a time, so a ring or a file of any length is
counted in the memory its tables need:

    stats = Statistics()
    for pkt in packets:
        stats.add(pkt.ts, pkt.orig_len, dissect(pkt.data, pkt.linktype, tree=False, orig_len=pkt.orig_len))
    stats.conversations("tcp"), stats.endpoints("ip"), stats.hierarchy(), stats.io(1.0)

Bytes are the frames' lengths on the wire (tshark's frame.len), as tshark counts them.
"""
from __future__ import annotations

import ipaddress

TYPES = ("eth", "ip", "ipv6", "tcp", "udp")
PORTED = ("tcp", "udp")
NETWORK = ("ip", "ipv6")
ADDRESSES = {"eth": (0, 6), "ip": (12, 4), "ipv6": (8, 16)}   # name -> (offset, size) of the pair
MAX_INTERVALS = 1_000_000
QUOTING = ("icmp", "icmpv6")      # their errors carry the packet that caused them


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _text(raw: bytes) -> str:
    return _mac(raw) if len(raw) == 6 else str(ipaddress.ip_address(bytes(raw)))


class _Conversation:
    __slots__ = ("a", "b", "a_frames", "a_bytes", "b_frames", "b_bytes", "first", "last")

    def __init__(self, a, b, ts: float):
        self.a, self.b = a, b
        self.a_frames = self.a_bytes = self.b_frames = self.b_bytes = 0
        self.first = self.last = ts


class _Endpoint:
    __slots__ = ("address", "tx_frames", "tx_bytes", "rx_frames", "rx_bytes")

    def __init__(self, address):
        self.address = address
        self.tx_frames = self.tx_bytes = self.rx_frames = self.rx_bytes = 0


class _Protocol:
    __slots__ = ("frames", "bytes", "children")

    def __init__(self):
        self.frames = self.bytes = 0
        self.children: dict[str, _Protocol] = {}


class Statistics:
    """Every table at once: one dissection of each frame feeds them all."""

    def __init__(self):
        self.frames = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None      # tshark's duration ends at the last frame, not the latest
        self._conversations = {kind: {} for kind in TYPES}
        self._endpoints = {kind: {} for kind in TYPES}
        self._root = _Protocol()
        self._times: list[tuple[float, int]] = []

    def add(self, ts: float, length: int, dissection) -> None:
        self.frames += 1
        if self.first_ts is None:
            self.first_ts = ts
        self.last_ts = ts
        self._times.append((ts, length))
        node = self._root
        network = None
        quoted = False
        for layer in dissection.layers:
            name = layer.name
            if quoted:              # a packet quoted in an ICMP error: tshark counts none of it
                break
            node = node.children.get(name) or node.children.setdefault(name, _Protocol())
            node.frames += 1
            node.bytes += length
            quoted = name in QUOTING
            if name == "eth" or name in NETWORK:
                pair = self._addresses(dissection.buf, layer, name)
                if pair is not None:
                    self._count(name, pair[0], pair[1], ts, length)
                    if name in NETWORK:
                        network = pair
            elif name in PORTED and network is not None:
                ports = self._ports(dissection.buf, layer)
                if ports is not None:
                    self._count(name, (network[0], ports[0]), (network[1], ports[1]), ts, length)

    @staticmethod
    def _addresses(buf, layer, name: str):
        """(source, destination) as bytes, read at the header's offsets: a dissection with
        no tree (the fast one) is enough; made text only for the tables."""
        at, size = ADDRESSES[name]
        start = layer.offset + at
        if len(buf) < start + 2 * size:
            return None
        if name == "eth":                   # destination first
            return buf[start + size:start + 2 * size], buf[start:start + size]
        return buf[start:start + size], buf[start + size:start + 2 * size]

    @staticmethod
    def _ports(buf, layer):
        start = layer.offset
        if len(buf) < start + 4:
            return None
        return int.from_bytes(buf[start:start + 2], "big"), int.from_bytes(buf[start + 2:start + 4], "big")

    def _count(self, kind: str, src, dst, ts: float, length: int) -> None:
        table = self._conversations[kind]
        conv = table.get((src, dst)) or table.get((dst, src))
        if conv is None:
            conv = table[(src, dst)] = _Conversation(src, dst, ts)
        if conv.a == src:
            conv.a_frames += 1
            conv.a_bytes += length
        else:
            conv.b_frames += 1
            conv.b_bytes += length
        conv.last = ts
        ends = self._endpoints[kind]
        sender = ends.get(src) or ends.setdefault(src, _Endpoint(src))
        sender.tx_frames += 1
        sender.tx_bytes += length
        receiver = ends.get(dst) or ends.setdefault(dst, _Endpoint(dst))
        receiver.rx_frames += 1
        receiver.rx_bytes += length

    # --- the tables, as plain rows --------------------------------------------------------

    def conversations(self, kind: str) -> list[dict]:
        """tshark's order: most frames first, then first seen."""
        first = self.first_ts or 0.0
        rows = []
        for conv in self._conversations[kind].values():
            row = {}
            for side, address in (("a", conv.a), ("b", conv.b)):
                if kind in PORTED:
                    row[f"address_{side}"], row[f"port_{side}"] = _text(address[0]), address[1]
                else:
                    row[f"address_{side}"] = _text(address)
            row.update({"frames_a_to_b": conv.a_frames, "bytes_a_to_b": conv.a_bytes,
                        "frames_b_to_a": conv.b_frames, "bytes_b_to_a": conv.b_bytes,
                        "frames": conv.a_frames + conv.b_frames,
                        "bytes": conv.a_bytes + conv.b_bytes,
                        # to the microsecond: float timestamps carry noise below it
                        "rel_start": round(conv.first - first, 6), "duration": conv.last - conv.first})
            rows.append(row)
        rows.sort(key=lambda row: -row["frames"])
        return rows

    def endpoints(self, kind: str) -> list[dict]:
        rows = []
        for end in self._endpoints[kind].values():
            row = ({"address": _text(end.address[0]), "port": end.address[1]} if kind in PORTED
                   else {"address": _text(end.address)})
            row.update({"frames": end.tx_frames + end.rx_frames, "bytes": end.tx_bytes + end.rx_bytes,
                        "tx_frames": end.tx_frames, "tx_bytes": end.tx_bytes,
                        "rx_frames": end.rx_frames, "rx_bytes": end.rx_bytes})
            rows.append(row)
        rows.sort(key=lambda row: -row["frames"])
        return rows

    def hierarchy(self) -> list[dict]:
        """The protocol tree: [{"protocol", "frames", "bytes", "children": [...]}]."""
        def walk(node: _Protocol) -> list[dict]:
            return [{"protocol": name, "frames": child.frames, "bytes": child.bytes,
                     "children": walk(child)} for name, child in node.children.items()]
        return walk(self._root)

    def io(self, interval: float) -> dict:
        """Frames and bytes in each `interval` seconds from the first frame, as -z io,stat."""
        if interval <= 0:
            raise ValueError("interval must be positive")
        duration = max(0.0, self.last_ts - self.first_ts) if self.frames else 0.0
        count = int(duration // interval) + 1 if self.frames else 0
        if count > MAX_INTERVALS:
            raise ValueError(f"{count} intervals of {interval:g} s in {duration:.3f} s: at most "
                             f"{MAX_INTERVALS}, take a longer interval")
        frames = [0] * count
        sizes = [0] * count
        for ts, length in self._times:
            slot = min(max(0, int((ts - self.first_ts) // interval)), count - 1)   # out of time order
            frames[slot] += 1
            sizes[slot] += length
        rows = [{"start": i * interval, "end": min((i + 1) * interval, duration) if i == count - 1
                 else (i + 1) * interval, "frames": frames[i], "bytes": sizes[i]}
                for i in range(count)]
        return {"duration": duration, "interval": interval, "intervals": rows}
