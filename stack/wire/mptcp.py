"""The Multipath TCP option (TCP option kind 30; RFC 6824 version 0, RFC 8684 version 1), field
by field as tshark shows it under TCP's options: its subtype, then that subtype's flags, keys,
tokens, addresses and sequence numbers.  Offsets below are from the option's first byte (its kind).

What tshark adds from the connection (data sequence numbers relative to the peer's IDSN, the
master flow) is not here; the token and IDSN a key implies are (a hash of the key alone).
"""
from __future__ import annotations

import hashlib
import ipaddress

from .dissect import F, Node, hexed, named

KIND = 30
SUBTYPES = {0: "Multipath Capable", 1: "Join Connection", 2: "Data Sequence Signal", 3: "Add Address",
            4: "Remove Address", 5: "Change Subflow Priority", 6: "TCP Fallback", 7: "Fast Close", 8: "TCP Reset"}
RESET_REASONS = {0: "Unspecified error", 1: "MPTCP-specific error", 2: "Lack of resources",
                 3: "Administratively prohibited", 4: "Too much outstanding data", 5: "Unacceptable performance",
                 6: "Middlebox interference"}
MP_CAPABLE, MP_JOIN, DSS, ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL, FASTCLOSE, TCPRST = range(9)



SUBTYPE = F("tcp.options.mptcp.subtype", "Multipath TCP subtype", 2, 1, mask=0xF0, show=named(SUBTYPES))
VERSION = F("tcp.options.mptcp.version", "Multipath TCP version", 2, 1, mask=0x0F)
CAPABLE_FLAGS = F("tcp.options.mptcp.flags", "Multipath TCP flags", 3, 1, show=hexed(2))
CHECKSUM_REQUIRED = F("tcp.options.mptcp.checksumreq.flags", "Checksum required", 3, 1, mask=0x80)
EXTENSIBILITY = F("tcp.options.mptcp.extensibility.flag", "Extensibility", 3, 1, mask=0x40)
NO_MORE_SUBFLOWS = F("tcp.options.mptcp.nomoresubflows.flag",
                     "Do not attempt to establish new subflows to this address and port", 3, 1, mask=0x20)
SHA1 = F("tcp.options.mptcp.sha1.flag", "Use HMAC-SHA1", 3, 1, mask=0x01)
SHA256 = F("tcp.options.mptcp.sha256.flag", "Use HMAC-SHA256", 3, 1, mask=0x01)
CAPABLE_RESERVED = {0: F("tcp.options.mptcp.reserved.flag", "Reserved", 3, 1, mask=0x3E, show=hexed(2)),
                    1: F("tcp.options.mptcp.reserved.flag", "Reserved", 3, 1, mask=0x1E, show=hexed(1))}
SEND_KEY = F("tcp.options.mptcp.sendkey", "Sender's Key", 4, 8)
RECV_KEY = F("tcp.options.mptcp.recvkey", "Receiver's Key", 12, 8)
CAPABLE_DATA_LEN = F("tcp.options.mptcp.datalvllen", "Data-level Length", 20, 2)
CAPABLE_CHECKSUM = F("tcp.options.mptcp.checksum", "Checksum", 22, 2, show=hexed(4))

SUBTYPE_FLAGS = F("tcp.options.mptcp.flags", "Multipath TCP flags", 2, 1, show=hexed(2))   # JOIN, PRIO, TCPRST
BACKUP = F("tcp.options.mptcp.backup.flag", "Backup flag", 2, 1, mask=0x01)
ADDRESS_ID = F("tcp.options.mptcp.addrid", "Address ID", 3, 1)
RECV_TOKEN = F("tcp.options.mptcp.recvtok", "Receiver's Token", 4, 4)
JOIN_SYN_RANDOM = F("tcp.options.mptcp.sendrand", "Sender's Random Number", 8, 4)
SEND_TRUNC_HMAC = F("tcp.options.mptcp.sendtrunchmac", "Sender's Truncated HMAC", 4, 8)
JOIN_SYNACK_RANDOM = F("tcp.options.mptcp.sendrand", "Sender's Random Number", 12, 4)
FASTCLOSE_KEY = F("tcp.options.mptcp.recvkey", "Receiver's Key", 4, 8)
RESERVED12 = F("tcp.options.mptcp.reserved", "Reserved", 2, 2, mask=0x0FFF, show=hexed(3))

DSS_FLAGS = F("tcp.options.mptcp.flags", "Multipath TCP flags", 3, 1, show=hexed(2))
DSS_BITS = (F("tcp.options.mptcp.datafin.flag", "DATA_FIN", 3, 1, mask=0x10),
            F("tcp.options.mptcp.dseqn8.flag", "Data Sequence Number is 8 octets", 3, 1, mask=0x08),
            F("tcp.options.mptcp.dseqnpresent.flag",
              "Data Sequence Number, Subflow Sequence Number, Data-level Length, Checksum present", 3, 1, mask=0x04),
            F("tcp.options.mptcp.dataack8.flag", "Data ACK is 8 octets", 3, 1, mask=0x02),
            F("tcp.options.mptcp.dataackpresent.flag", "Data ACK is present", 3, 1, mask=0x01))

IP_VERSION = F("tcp.options.mptcp.ipver", "IP version", 2, 1, mask=0x0F)
ECHO = F("tcp.options.mptcp.echo", "Echo", 2, 1, mask=0x01)

RESET_FLAGS = F("tcp.options.mptcp.flags", "Multipath TCP flags", 2, 1,
                show=lambda value: f"0x{value:02x}" + (", Transient" if value & 1 else ""))
RESET_BITS = (F("tcp.options.mptcp.flag_U.flag", "Flag U", 2, 1, mask=0x08),
              F("tcp.options.mptcp.flag_V.flag", "Flag V", 2, 1, mask=0x04),
              F("tcp.options.mptcp.flag_W.flag", "Flag W", 2, 1, mask=0x02),
              F("tcp.options.mptcp.flag_T.flag", "Transient", 2, 1, mask=0x01))
RESET_REASON = F("tcp.options.mptcp.rst_reason", "TCPRST Reason", 3, 1,
                 show=lambda value: f"{RESET_REASONS.get(value, 'Unknown')} (0x{value:02x})")

# one-bit fields tshark shows as the number 0 or 1 (FT_UINT8 with a mask), not Set / Not set
NUMERIC_FLAGS = frozenset(f.name for f in (CHECKSUM_REQUIRED, EXTENSIBILITY, NO_MORE_SUBFLOWS, SHA1, SHA256,
                                           BACKUP, ECHO) + DSS_BITS)
FOUR_BIT_FLAGS = frozenset(f.name for f in RESET_BITS)       # drawn four bits wide, as tshark draws them


def label(buf, pos: int, length: int) -> str:
    """The option's line: tshark shows it as a protocol of its own."""
    text = "Multipath Transmission Control Protocol"
    return f"{text}: {SUBTYPES.get(buf[pos + 2] >> 4, 'Unknown')}" if length >= 3 else text


def dissect_option(opt: Node, buf, pos: int, length: int) -> None:
    """The fields of the well-formed MPTCP option at buf[pos:pos + length] (kind and length are there)."""
    if length < 3:
        return
    subtype = buf[pos + 2] >> 4
    opt.field(SUBTYPE, buf, pos)
    walker = _SUBTYPE_FIELDS.get(subtype)
    if walker is not None:
        walker(opt, buf, pos, length)


def _u(buf, at: int, size: int) -> int:
    return int.from_bytes(buf[at:at + size], "big")


def _fits(length: int, f: F) -> bool:
    return f.offset + f.size <= length


def _capable(opt: Node, buf, pos: int, length: int) -> None:
    version = buf[pos + 2] & 0x0F
    opt.field(VERSION, buf, pos)
    if length < 4:
        return
    flags = opt.field(CAPABLE_FLAGS, buf, pos)
    bits = (CHECKSUM_REQUIRED, EXTENSIBILITY) + ((NO_MORE_SUBFLOWS, SHA256) if version == 1 else (SHA1,))
    for f in bits + (CAPABLE_RESERVED[1 if version == 1 else 0],):
        flags.field(f, buf, pos)
    if _fits(length, SEND_KEY):
        opt.field(SEND_KEY, buf, pos)
        _key_hash(opt, buf, pos + SEND_KEY.offset, version)
    for f in (RECV_KEY, CAPABLE_DATA_LEN, CAPABLE_CHECKSUM):
        if _fits(length, f):
            opt.field(f, buf, pos)


def _key_hash(opt: Node, buf, at: int, version: int) -> None:
    """The token and initial data sequence number a key implies: the hash's first 32 bits and
    its last 64 (SHA-1 in version 0, SHA-256 in version 1)."""
    digest = (hashlib.sha256 if version == 1 else hashlib.sha1)(bytes(buf[at:at + 8])).digest()
    token, idsn = int.from_bytes(digest[:4], "big"), int.from_bytes(digest[-8:], "big")
    opt.add(Node("mptcp.expected_token", "Subflow token generated from key", token, at, 8))
    opt.add(Node("mptcp.expected_idsn", "Subflow expected IDSN", idsn, at, 8, text=f"{idsn} (64bits version)"))


def _join(opt: Node, buf, pos: int, length: int) -> None:
    if length == 24:                    # the third ACK: the sender's whole HMAC
        opt.field(RESERVED12, buf, pos)
        opt.add(Node("tcp.options.mptcp.sendhmac", "Sender's HMAC", bytes(buf[pos + 4:pos + 24]), pos + 4, 20))
        return
    opt.field(SUBTYPE_FLAGS, buf, pos).field(BACKUP, buf, pos)
    if length >= 4:
        opt.field(ADDRESS_ID, buf, pos)
    fields = (RECV_TOKEN, JOIN_SYN_RANDOM) if length == 12 else (SEND_TRUNC_HMAC, JOIN_SYNACK_RANDOM)
    for f in fields:
        if _fits(length, f):
            opt.field(f, buf, pos)


def _dss(opt: Node, buf, pos: int, length: int) -> None:
    if length < 4:
        return
    flags = buf[pos + 3]
    node = opt.field(DSS_FLAGS, buf, pos)
    for f in DSS_BITS:
        node.field(f, buf, pos)
    at, end = pos + 4, pos + length
    if flags & 0x01:
        size = 8 if flags & 0x02 else 4
        if at + size > end:
            return
        ack = _u(buf, at, size)
        opt.add(Node("tcp.options.mptcp.rawdataack", "Original MPTCP Data ACK", ack, at, size,
                     text=f"{ack} (64bits)" if size == 8 else str(ack)))
        at += size
    if flags & 0x04:
        size = 8 if flags & 0x08 else 4
        if at + size + 6 > end:
            return
        dsn = _u(buf, at, size)
        opt.add(Node("tcp.options.mptcp.rawdataseqno", "Data Sequence Number", dsn, at, size,
                     text=f"{dsn}  ({size * 8}bits version)"))
        opt.add(Node("tcp.options.mptcp.subflowseqno", "Subflow Sequence Number", _u(buf, at + size, 4),
                     at + size, 4))
        opt.add(Node("tcp.options.mptcp.datalvllen", "Data-level Length", _u(buf, at + size + 4, 2),
                     at + size + 4, 2))
        at += size + 6
        if at + 4 <= end:       # tshark asks for 4 bytes here, so the 2-byte checksum of RFC 6824 is not shown
            checksum = _u(buf, at, 2)
            opt.add(Node("tcp.options.mptcp.checksum", "Checksum", checksum, at, 2, text=f"0x{checksum:04x}"))


def _add_address(opt: Node, buf, pos: int, length: int) -> None:
    """Version 0 names the IP version in the subtype's low bits (4 or 6); version 1 has the echo
    bit there, and the address family and what follows it are known by the length."""
    nibble = buf[pos + 2] & 0x0F
    if nibble in (4, 6):
        opt.field(IP_VERSION, buf, pos)
        ipv6, port_at = nibble == 6, pos + (20 if nibble == 6 else 8)
        hmac_at = None
    else:
        opt.field(ECHO, buf, pos)
        ipv6 = length in (20, 22, 28, 30)
        port_at = pos + (20 if ipv6 else 8) if length in (10, 18, 22, 30) else None
        hmac_at = (port_at + 2 if port_at is not None else pos + (20 if ipv6 else 8)) \
            if not nibble & 1 and length in (16, 18, 28, 30) else None
    if length < 4:
        return
    opt.field(ADDRESS_ID, buf, pos)
    size = 16 if ipv6 else 4
    if length < 4 + size:
        return
    address = bytes(buf[pos + 4:pos + 4 + size])
    if ipv6:
        opt.add(Node("tcp.options.mptcp.ipv6", "Advertised IPv6 Address", address, pos + 4, 16,
                     text=str(ipaddress.IPv6Address(address))))
    else:
        opt.add(Node("tcp.options.mptcp.ipv4", "Advertised IPv4 Address", address, pos + 4, 4,
                     text=".".join(map(str, address))))
    if port_at is not None and port_at + 2 <= pos + length:
        opt.add(Node("tcp.options.mptcp.port", "Advertised port", _u(buf, port_at, 2), port_at, 2))
    if hmac_at is not None and hmac_at + 8 <= pos + length:
        opt.add(Node("tcp.options.mptcp.addaddrtrunchmac", "Truncated HMAC", _u(buf, hmac_at, 8), hmac_at, 8))


def _remove_address(opt: Node, buf, pos: int, length: int) -> None:
    opt.add(Node("mptcp.rm_addr.count", "Number of removed addresses", length - 3, pos + 3, length - 3))
    for at in range(pos + 3, pos + length):
        opt.add(Node("tcp.options.mptcp.addrid", "Address ID", buf[at], at, 1))


def _priority(opt: Node, buf, pos: int, length: int) -> None:
    opt.field(SUBTYPE_FLAGS, buf, pos).field(BACKUP, buf, pos)
    if length >= 4:
        opt.field(ADDRESS_ID, buf, pos)


def _fail(opt: Node, buf, pos: int, length: int) -> None:
    opt.field(RESERVED12, buf, pos)
    if length >= 12:
        dsn = _u(buf, pos + 4, 8)
        opt.add(Node("tcp.options.mptcp.rawdataseqno", "Data Sequence Number", dsn, pos + 4, 8))


def _fast_close(opt: Node, buf, pos: int, length: int) -> None:
    opt.field(RESERVED12, buf, pos)
    if length >= 12:
        opt.field(FASTCLOSE_KEY, buf, pos)


def _reset(opt: Node, buf, pos: int, length: int) -> None:
    node = opt.field(RESET_FLAGS, buf, pos)
    for f in RESET_BITS:
        node.field(f, buf, pos)
    if length >= 4:
        opt.field(RESET_REASON, buf, pos)


_SUBTYPE_FIELDS = {MP_CAPABLE: _capable, MP_JOIN: _join, DSS: _dss, ADD_ADDR: _add_address,
                   REMOVE_ADDR: _remove_address, MP_PRIO: _priority, MP_FAIL: _fail, FASTCLOSE: _fast_close,
                   TCPRST: _reset}
