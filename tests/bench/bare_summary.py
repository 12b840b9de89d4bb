"""The floor under a summary line in CPython: how fast the least a summary needs can go.

For each frame: one struct read of the Ethernet type, of the IPv4 or IPv6 header and of
the two ports after it, the addresses as text (skim.py's TextCache), and one
line formatted with the number, time, addresses, length and a two-port Info.  No
protocol names, no flags, no options, no DNS, no fragments: far less than tshark's
columns say.  With `verify`, the TCP/UDP checksum of each whole segment is also summed
(stack.wire.checksum.ones_sum), as a verdict in Info needs.

inspect_bench.py prints these rates beside dpkt's so a target can be set against what
Python allows: whatever the real summary does on top of this loop is the price of its
content.
"""
from __future__ import annotations

import ipaddress
import struct

from stack.wire.checksum import ones_sum
from stack.wire.skim import TextCache

IPV4 = struct.Struct("!BBHHHBBH4s4s")
IPV6 = struct.Struct("!IHBB16s16s")
PORTS = struct.Struct("!HH")
LINE = "%5d %12.9f %s \u2192 %s %s %d %s"


def summary_lines(frames, verify: bool = False) -> list[str]:
    """frames: [(bytes, linktype, ts, orig_len)], Ethernet only (others get a bare line)."""
    text = TextCache(lambda raw: str(ipaddress.ip_address(raw)))
    first = frames[0][2] if frames else 0.0
    lines = []
    for number, (buf, _, ts, orig_len) in enumerate(frames, 1):
        src = dst = info = ""
        ethertype = buf[12] << 8 | buf[13] if len(buf) >= 14 else 0
        l4 = proto = 0
        if ethertype == 0x0800 and len(buf) >= 34:
            _, _, total, _, _, _, proto, _, s, d = IPV4.unpack_from(buf, 14)
            l4, end = 34, 14 + total
        elif ethertype == 0x86DD and len(buf) >= 54:
            _, plen, proto, _, s, d = IPV6.unpack_from(buf, 14)
            l4, end = 54, 54 + plen
        if l4:
            src, dst = text[s], text[d]
            if proto in (6, 17) and len(buf) >= l4 + 4:
                sport, dport = PORTS.unpack_from(buf, l4)
                info = f"{sport} \u2192 {dport}"
                if verify and end <= len(buf):
                    info += " ok" if ones_sum(memoryview(buf)[l4:end]) else " bad"
        lines.append(LINE % (number, ts - first, src, dst, "?", orig_len, info))
    return lines
