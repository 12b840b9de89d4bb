"""Records of any link type made into Ethernet II frames for the stack's receive path.

The rule: Ethernet passes as is; raw IPv4/IPv6 (101, 12, 14, 228, 229), BSD NULL and
LOOP get a 14-byte header with the given MACs and the IP ethertype; Linux cooked
captures (SLL, SLL2) keep their protocol field as the ethertype and, when the
recorded link-layer address has 6 bytes, use it as the source MAC. Anything else
(another link type, a header cut short, an address family or protocol that is not
an ethertype) gives None, and `ethernet_refusal()` says which.
"""
from __future__ import annotations

import struct

from .linktype import ETHERNET, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, LOOP, NULL, RAW_IP, linktype_name
from .record import Record

ETH_HEADER = struct.Struct("!6s6sH")
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETHERTYPE_MIN = 0x0600      # below this the field is an 802.3 length or a Linux pseudo-protocol

AF_INET = 2
AF_INET6 = frozenset((10, 24, 28, 30))   # Linux, NetBSD/OpenBSD, FreeBSD, macOS
_IP_VERSION = {4: ETH_P_IP, 6: ETH_P_IPV6}

SLL = struct.Struct("!HHH8sH")           # pkt_type arphrd addr_len addr protocol
SLL2 = struct.Struct("!HHIHBB8s")        # protocol reserved ifindex arphrd pkt_type addr_len addr


class _Refused(Exception):
    pass


def to_ethernet(record: Record, dst_mac: bytes, src_mac: bytes) -> bytes | None:
    """An Ethernet II frame carrying the record's packet, or None (see the module rule)."""
    try:
        return _convert(record, dst_mac, src_mac)
    except _Refused:
        return None


def ethernet_refusal(record: Record) -> str | None:
    """Why to_ethernet() gives None for this record, or None when it gives a frame."""
    try:
        _convert(record, bytes(6), bytes(6))
    except _Refused as exc:
        return str(exc)
    return None


def _convert(record: Record, dst_mac: bytes, src_mac: bytes) -> bytes:
    converter = _CONVERTERS.get(record.linktype)
    if converter is None:
        raise _Refused(f"link type {linktype_name(record.linktype)} cannot be made Ethernet")
    return converter(bytes(record.data), dst_mac, src_mac)


def _frame(dst: bytes, src: bytes, ethertype: int, payload) -> bytes:
    return ETH_HEADER.pack(dst, src, ethertype) + payload


def _from_ethernet(data, dst, src):
    return data


def _from_raw(data, dst, src):
    if not data:
        raise _Refused("empty raw IP packet")
    ethertype = _IP_VERSION.get(data[0] >> 4)
    if ethertype is None:
        raise _Refused(f"raw packet with IP version {data[0] >> 4}")
    return _frame(dst, src, ethertype, data)


def _from_ipv4(data, dst, src):
    return _frame(dst, src, ETH_P_IP, data)


def _from_ipv6(data, dst, src):
    return _frame(dst, src, ETH_P_IPV6, data)


def _from_null(data, dst, src):
    """4-byte address family in the capturing host's byte order: whichever order gives a
    small number is the right one."""
    if len(data) < 4:
        raise _Refused("loopback header cut short")
    (family,) = struct.unpack_from("<I", data)
    if family & 0xFFFF0000:
        (family,) = struct.unpack_from(">I", data)
    return _frame(dst, src, _family_ethertype(family), data[4:])


def _from_loop(data, dst, src):
    if len(data) < 4:
        raise _Refused("loopback header cut short")
    (family,) = struct.unpack_from(">I", data)
    return _frame(dst, src, _family_ethertype(family), data[4:])


def _family_ethertype(family: int) -> int:
    if family == AF_INET:
        return ETH_P_IP
    if family in AF_INET6:
        return ETH_P_IPV6
    raise _Refused(f"loopback address family {family} is not IP")


def _from_sll(data, dst, src):
    if len(data) < SLL.size:
        raise _Refused("Linux cooked header cut short")
    _, _, addr_len, addr, protocol = SLL.unpack_from(data)
    return _cooked(data[SLL.size:], dst, _source(addr, addr_len, src), protocol)


def _from_sll2(data, dst, src):
    if len(data) < SLL2.size:
        raise _Refused("Linux cooked v2 header cut short")
    protocol, _, _, _, _, addr_len, addr = SLL2.unpack_from(data)
    return _cooked(data[SLL2.size:], dst, _source(addr, addr_len, src), protocol)


def _source(addr: bytes, addr_len: int, default: bytes) -> bytes:
    return addr[:6] if addr_len == 6 else default


def _cooked(payload, dst, src, protocol: int) -> bytes:
    if protocol < ETHERTYPE_MIN:
        raise _Refused(f"Linux cooked protocol 0x{protocol:04x} is not an ethertype")
    return _frame(dst, src, protocol, payload)


_CONVERTERS = {
    ETHERNET: _from_ethernet,
    **{lt: _from_raw for lt in RAW_IP},
    IPV4: _from_ipv4,
    IPV6: _from_ipv6,
    NULL: _from_null,
    LOOP: _from_loop,
    LINUX_SLL: _from_sll,
    LINUX_SLL2: _from_sll2,
}
