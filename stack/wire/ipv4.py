"""IPv4 header (RFC 791): offsets, validation and a builder."""
import socket
import struct

from .checksum import checksum, ones_sum

HEADER = struct.Struct("!BBHHHBBH4s4s")
MIN_LEN = 20
OFF_TOTLEN = 2
OFF_ID = 4
OFF_FRAG = 6
OFF_TTL = 8
OFF_PROTO = 9
OFF_CSUM = 10
OFF_SRC = 12
OFF_DST = 16

FLAG_DF = 0x4000
FLAG_MF = 0x2000
FRAG_MASK = 0x1FFF

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17

LIMITED_BROADCAST = b"\xff\xff\xff\xff"
ANY = b"\x00\x00\x00\x00"


def validate(buf, off: int, end: int):
    """Check a received header as ip_rcv_core does.

    Returns (ihl, total_length) or a tuple (reason, mib) naming the drop
    reason and the Ip MIB counter to bump.
    """
    avail = end - off
    if avail < MIN_LEN:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    vihl = buf[off]
    ihl = (vihl & 15) << 2
    if vihl >> 4 != 4 or ihl < MIN_LEN:
        return ("IP_INHDR", "InHdrErrors")
    if avail < ihl:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    if ones_sum(buf[off:off + ihl]) != 0xFFFF:
        return ("IP_CSUM", "InCsumErrors")
    total = (buf[off + 2] << 8) | buf[off + 3]
    if total > avail:
        return ("PKT_TOO_SMALL", "InTruncatedPkts")
    if total < ihl:
        return ("IP_INHDR", "InHdrErrors")
    return ihl, total


def write_header(buf, off: int, total_length: int, ident: int, flags_frag: int,
                 ttl: int, proto: int, src: bytes, dst: bytes, tos: int = 0) -> None:
    """Write a 20-byte header with its checksum at buf[off:off+20]."""
    HEADER.pack_into(buf, off, 0x45, tos, total_length, ident, flags_frag, ttl, proto, 0, src, dst)
    csum = checksum(buf[off:off + MIN_LEN])
    buf[off + 10] = csum >> 8
    buf[off + 11] = csum & 0xFF


def addr_to_str(addr) -> str:
    return socket.inet_ntoa(bytes(addr))


def addr_from_str(text: str) -> bytes:
    """Dotted quad to 4 bytes; ValueError on anything else (no shorthand like 10.1)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        raise ValueError("expected a dotted-quad IPv4 address")
    return bytes(int(p) for p in parts)


def mask(prefixlen: int) -> int:
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF if prefixlen else 0


def to_int(addr) -> int:
    return int.from_bytes(addr, "big")


def from_int(value: int) -> bytes:
    return value.to_bytes(4, "big")
