"""RFC 7217 stable interface identifiers as Linux makes them (addr_gen_mode 2 and 3).

net/ipv6/addrconf.c ipv6_generate_stable_address: one SHA-1 compression (no padding, no
length) of a 64-byte block holding the secret, the prefix's first 64 bits, the link's
permanent hardware address (MAX_ADDR_LEN 32 bytes, zero-filled) and the DAD counter; the
first two digest words, in the host's (little-endian) order, are the interface id.  An id
that is reserved (RFC 5453: subnet-router anycast, the ESP anycast range) takes the next
counter, up to `idgen_retries`.
"""
from __future__ import annotations

import struct

IDGEN_RETRIES = 3                       # net.ipv6.idgen_retries
MAX_ADDR_LEN = 32
SHA1_INIT = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & 0xFFFFFFFF


def sha1_transform(digest: tuple, block: bytes) -> tuple:
    """SHA-1's compression function over one 64-byte block (lib/crypto/sha1.c)."""
    words = list(struct.unpack(">16I", block))
    for i in range(16, 80):
        words.append(_rotl(words[i - 3] ^ words[i - 8] ^ words[i - 14] ^ words[i - 16], 1))
    a, b, c, d, e = digest
    for i, word in enumerate(words):
        if i < 20:
            f, k = (b & c) | (~b & d), 0x5A827999
        elif i < 40:
            f, k = b ^ c ^ d, 0x6ED9EBA1
        elif i < 60:
            f, k = (b & c) | (b & d) | (c & d), 0x8F1BBCDC
        else:
            f, k = b ^ c ^ d, 0xCA62C1D6
        a, b, c, d, e = (_rotl(a, 5) + (f & 0xFFFFFFFF) + e + k + word) & 0xFFFFFFFF, a, _rotl(b, 30), c, d
    return tuple((x + y) & 0xFFFFFFFF for x, y in zip(digest, (a, b, c, d, e)))


def is_reserved_interface_id(iid: bytes) -> bool:
    """ipv6_reserved_interfaceid: all zero (subnet-router anycast) or fdff:ffff:ffff:ff80/121."""
    if iid == bytes(8):
        return True
    return iid[:7] == bytes.fromhex("fdffffffffffff") and iid[7] & 0x80 == 0x80


def stable_interface_id(secret: bytes, prefix: bytes, hwaddr: bytes, dad_count: int = 0,
                        retries: int = IDGEN_RETRIES) -> tuple[bytes, int] | None:
    """(interface id, the DAD counter it took), or None once past `retries`."""
    while dad_count <= retries:
        block = (secret + prefix[:8] + hwaddr[:MAX_ADDR_LEN].ljust(MAX_ADDR_LEN, b"\0")
                 + bytes((dad_count & 0xFF,))).ljust(64, b"\0")
        digest = sha1_transform(SHA1_INIT, block)
        iid = struct.pack("<2I", digest[0], digest[1])
        if not is_reserved_interface_id(iid):
            return iid, dad_count
        dad_count += 1
    return None
