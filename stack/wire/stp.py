"""802.1D BPDUs (STP): configuration and topology change notification, after an LLC header.

A BPDU travels in an 802.3 frame to 01:80:C2:00:00:00 whose length field
counts the LLC header (DSAP 0x42, SSAP 0x42, control 0x03, UI) and the BPDU.
Times are in 1/256 s on the wire and seconds here.  `parse` returns a `Bpdu`
or a drop reason (a string), `build` the bytes after the Ethernet header.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

GROUP_ADDRESS = b"\x01\x80\xc2\x00\x00\x00"
LLC = b"\x42\x42\x03"
LLC_LEN = 3
CONFIG, TCN = 0x00, 0x80
FLAG_TC, FLAG_TCA = 0x01, 0x80
CONFIG_LEN = 35             # protocol(2) version(1) type(1) flags(1) root(8) cost(4) bridge(8)
TCN_LEN = 4                 # port(2) age max hello delay (2 each)
_CONFIG = struct.Struct("!HBBB8sI8sHHHHH")
_TCN = struct.Struct("!HBB")


@dataclass(frozen=True)
class Bpdu:
    type: int = CONFIG
    root: bytes = bytes(8)          # priority (2 bytes) + MAC
    cost: int = 0
    bridge: bytes = bytes(8)
    port: int = 0
    message_age: float = 0.0        # seconds
    max_age: float = 20.0
    hello_time: float = 2.0
    forward_delay: float = 15.0
    tc: bool = False
    tca: bool = False


def _ticks(seconds: float) -> int:
    return max(0, min(0xFFFF, round(seconds * 256)))


def build(bpdu: Bpdu) -> bytes:
    """LLC and BPDU bytes (what follows the 802.3 header)."""
    if bpdu.type == TCN:
        return LLC + _TCN.pack(0, 0, TCN)
    flags = (FLAG_TC if bpdu.tc else 0) | (FLAG_TCA if bpdu.tca else 0)
    return LLC + _CONFIG.pack(0, 0, CONFIG, flags, bpdu.root, bpdu.cost, bpdu.bridge, bpdu.port,
                              _ticks(bpdu.message_age), _ticks(bpdu.max_age),
                              _ticks(bpdu.hello_time), _ticks(bpdu.forward_delay))


def frame(src: bytes, bpdu: Bpdu) -> bytes:
    """The whole 802.3 frame from `src` (padded to 60 bytes)."""
    body = build(bpdu)
    data = GROUP_ADDRESS + src + len(body).to_bytes(2, "big") + body
    return data + bytes(max(0, 60 - len(data)))


def parse(data, start: int = 0, end: int | None = None):
    """The BPDU in data[start:end] (LLC header first), or a drop reason."""
    end = len(data) if end is None else end
    if end - start < LLC_LEN + TCN_LEN or bytes(data[start:start + LLC_LEN]) != LLC:
        return "STP_INVALID"
    at = start + LLC_LEN
    protocol, _version, kind = _TCN.unpack_from(data, at)
    if protocol != 0:
        return "STP_INVALID"
    if kind == TCN:
        return Bpdu(type=TCN)
    if kind != CONFIG or end - at < CONFIG_LEN:
        return "STP_INVALID"
    (_, _, _, flags, root, cost, bridge, port, age, max_age, hello,
     delay) = _CONFIG.unpack_from(data, at)
    return Bpdu(CONFIG, root, cost, bridge, port, age / 256, max_age / 256, hello / 256,
                delay / 256, bool(flags & FLAG_TC), bool(flags & FLAG_TCA))


def bridge_id(priority: int, mac: bytes) -> bytes:
    return priority.to_bytes(2, "big") + mac
