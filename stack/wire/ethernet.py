"""Ethernet II header: dst(6) src(6) ethertype(2)."""
import struct

HEADER = struct.Struct("!6s6sH")
HEADER_LEN = 14
MIN_FRAME = 60              # without FCS; shorter frames are padded on transmit

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_IPV6 = 0x86DD

BROADCAST = b"\xff" * 6
ZERO = b"\x00" * 6


def is_multicast(mac) -> bool:
    return bool(mac[0] & 1)


def header(dst: bytes, src: bytes, ethertype: int) -> bytes:
    """A ready 14-byte header (cached per neighbour: the kernel's hh_cache)."""
    return HEADER.pack(dst, src, ethertype)


def mac_to_str(mac) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def mac_from_str(text: str) -> bytes:
    """Parse aa:bb:cc:dd:ee:ff (also '-' separated); ValueError naming the problem."""
    parts = text.replace("-", ":").split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError("expected six hex bytes like 02:00:00:00:00:01")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError("expected six hex bytes like 02:00:00:00:00:01") from None
