"""ARP for IPv4 over Ethernet (RFC 826): the 28-byte body after the Ethernet header."""
import struct

BODY = struct.Struct("!HHBBH6s4s6s4s")
BODY_LEN = 28
HTYPE_ETHER = 1
PTYPE_IP = 0x0800
OP_REQUEST = 1
OP_REPLY = 2


def parse(buf, off: int, end: int):
    """(op, sha, spa, tha, tpa), or a drop-reason string when the body is unusable."""
    if end - off < BODY_LEN:
        return "PKT_TOO_SMALL"
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = BODY.unpack_from(buf, off)
    if htype != HTYPE_ETHER or ptype != PTYPE_IP or hlen != 6 or plen != 4:
        return "ARP_UNSUPPORTED"
    return op, sha, spa, tha, tpa


def build(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return BODY.pack(HTYPE_ETHER, PTYPE_IP, 6, 4, op, sha, spa, tha, tpa)
