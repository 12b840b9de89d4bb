"""Host NICs that pcap can open, as seen from the stack thread's network namespace."""
from __future__ import annotations

import fcntl
import socket
import struct

SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_RUNNING = 0x40


def _flags(name: str) -> int | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            raw = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, struct.pack("16sH", name.encode()[:15], 0))
        except OSError:
            return None
    return struct.unpack("16sH", raw[:18])[1]


def host_device_names() -> set[str]:
    """Real interfaces of this namespace (pcap's pseudo devices like 'any' left out)."""
    return {name for _, name in socket.if_nameindex()}


def host_devices() -> list[dict]:
    import pcapy
    present = host_device_names()
    out = []
    for name in pcapy.findalldevs():
        if name not in present:
            continue
        flags = _flags(name) or 0
        words = []
        if flags & IFF_LOOPBACK:
            words.append("LOOPBACK")
        if flags & IFF_UP:
            words.append("UP")
        if flags & IFF_RUNNING:
            words.append("LOWER_UP")
        out.append({"name": name, "flags": words})
    return sorted(out, key=lambda d: d["name"])
