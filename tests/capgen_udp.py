"""A fast writer of large pcap files of small UDP/DNS-like frames, for tests and benches of
files of any size (a million packets in about a second)."""
from __future__ import annotations

import struct

ETH_IP_UDP = bytes.fromhex(
    "020000000002" "020000000001" "0800"                       # Ethernet
    "4500002e0000400040110000" "c0000201" "c0000202"             # IPv4 192.0.2.1 -> 192.0.2.2
    "c3500035001a" "0000"                                        # UDP 50000 -> 53
) + bytes(18)                                                    # 18 bytes of payload: 60 in all

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D
FIRST_SEC = 1_700_000_000


def timestamp(i: int, step_ns: int) -> tuple[int, int]:
    """(seconds, nanoseconds) of packet i (0-based) spaced step_ns apart."""
    return divmod(FIRST_SEC * 1_000_000_000 + 889_619_000 + i * step_ns, 1_000_000_000)


def write_udp_pcap(path, count: int, step_ns: int = 12_000, nanosecond: bool = False) -> None:
    header = struct.Struct("<IIII")
    frame = ETH_IP_UDP
    unit = 1 if nanosecond else 1000
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(struct.pack("<IHHiIII", MAGIC_NS if nanosecond else MAGIC_US, 2, 4, 0, 0, 65535, 1))
        chunk = []
        for i in range(count):
            sec, ns = timestamp(i, step_ns)
            chunk.append(header.pack(sec, ns // unit, 60, 60) + frame)
            if len(chunk) == 65536:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
