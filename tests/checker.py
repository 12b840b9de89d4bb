"""Frames to send and checks on what came back, shared by unit and interop tests.

In the manner of gVisor's ``checker`` package: small builders for the headers tests put on
the wire (Ethernet, ARP, IPv4, ICMP echo, UDP) and for the malformed IPv4 packets the drop
tests use, then `expect_frame` (field by field, through our own dissector, each mismatch
named) and `expect_counters` (values, or deltas since a `counters` snapshot).
Tests import these from here, never from one another.
"""
from __future__ import annotations

import struct

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors, for expect_frame)
from stack.stack import Stack
from stack.wire import arp as arpwire
from stack.wire import ipv4 as ipwire
from stack.wire import udp as udpwire
from stack.wire.checksum import checksum
from stack.wire.dissect import dissect
from stack.wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, header
from stack.wire.ipv4 import addr_from_str

A_IP = addr_from_str("192.0.2.1")
B_IP = addr_from_str("192.0.2.2")
PEER_MAC = b"\x02\x00\x00\x00\x00\x09"

# --- builders ----------------------------------------------------------------------------------


def ethernet(dst: bytes, src: bytes, ethertype: int, payload: bytes = b"") -> bytes:
    return header(dst, src, ethertype) + bytes(payload)


def arp(op: int = 1, sha: bytes = PEER_MAC, spa: bytes = A_IP, tha: bytes = b"\0" * 6,
        tpa: bytes = B_IP, *, htype: int = 1, ptype: int = ETH_P_IP, hlen: int = 6,
        plen: int = 4) -> bytes:
    return arpwire.BODY.pack(htype, ptype, hlen, plen, op, sha, spa, tha, tpa)


def arp_request(tpa: bytes = B_IP, sha: bytes = PEER_MAC, spa: bytes = A_IP) -> bytes:
    """A broadcast who-has for `tpa`, Ethernet header included."""
    return ethernet(BROADCAST, sha, ETH_P_ARP, arp(1, sha, spa, b"\0" * 6, tpa))


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes = b"", *, ident: int = 1,
         flags_frag: int = 0, ttl: int = 64, tos: int = 0) -> bytearray:
    """A 20-byte IPv4 header (checksum filled in) and its payload."""
    packet = bytearray(20) + payload
    ipwire.write_header(packet, 0, len(packet), ident, flags_frag, ttl, proto, src, dst, tos)
    return packet


def fix_csum(ip: bytearray) -> bytearray:
    """Recompute the IPv4 header checksum after a test changed the header."""
    ip[10:12] = b"\0\0"
    ihl = (ip[0] & 15) * 4
    ip[10:12] = checksum(ip[:ihl]).to_bytes(2, "big")
    return ip


def icmp(kind: int, code: int = 0, rest: bytes = b"\0" * 4, data: bytes = b"") -> bytearray:
    """An ICMP message with its checksum."""
    message = bytearray(struct.pack("!BBH", kind, code, 0) + rest + data)
    message[2:4] = checksum(message).to_bytes(2, "big")
    return message


def icmp_echo(ident: int = 7, seq: int = 1, payload: bytes = b"x" * 8, kind: int = 8) -> bytearray:
    return icmp(kind, 0, struct.pack("!HH", ident, seq), payload)


def echo_packet(src: bytes = A_IP, dst: bytes = B_IP, payload: bytes = b"x" * 8, *,
                ident: int = 7, seq: int = 1, ip_ident: int = 1) -> bytearray:
    """An IPv4 echo request (ICMP ident 7, seq 1 unless told)."""
    return ipv4(src, dst, ipwire.PROTO_ICMP, icmp_echo(ident, seq, payload), ident=ip_ident)


def udp(sport: int, dport: int, payload: bytes = b"", src: bytes | None = None,
        dst: bytes | None = None) -> bytearray:
    """A UDP datagram; its checksum is filled in when the addresses are given."""
    datagram = bytearray(8) + payload
    udpwire.write_header(datagram, 0, sport, dport, len(datagram))
    if src is not None and dst is not None:
        udpwire.fill_checksum(datagram, 0, len(datagram), src, dst)
    return datagram


def ipv4_fragment(packet: bytes, offset: int, length: int | None = None, more: bool = True) -> bytearray:
    """Bytes [offset, offset + length) of IPv4 `packet`'s data as a fragment of it: the same
    header (id, options), its total length, offset and MF set for the piece, checksum fixed."""
    ihl = (packet[0] & 15) * 4
    end = len(packet) if length is None else ihl + offset + length
    fragment = bytearray(packet[:ihl]) + packet[ihl + offset:end]
    fragment[2:4] = len(fragment).to_bytes(2, "big")
    fragment[6:8] = ((offset >> 3) | (ipwire.FLAG_MF if more else 0)).to_bytes(2, "big")
    return fix_csum(fragment)


def ipv6_fragment(packet: bytes, offset: int, length: int | None = None, more: bool = True,
                  ident: int = 0x1234abcd, unfragmentable: int = 40) -> bytearray:
    """Bytes [offset, offset + length) of IPv6 `packet`'s fragmentable part (after its first
    `unfragmentable` bytes) behind a Fragment header, as RFC 8200 4.5 cuts it: the
    unfragmentable part repeated, its last next header naming the Fragment header."""
    head = bytearray(packet[:unfragmentable])
    nhoff = 6
    pos = 40
    while pos < unfragmentable:                 # the last next header of the unfragmentable part
        nhoff, pos = pos, pos + (packet[pos + 1] + 1) * 8
    nxt = head[nhoff]
    head[nhoff] = 44
    rest = packet[unfragmentable:]
    piece = rest[offset:] if length is None else rest[offset:offset + length]
    fragment = head + bytes((nxt, 0)) + (offset | more).to_bytes(2, "big") + ident.to_bytes(4, "big") + piece
    fragment[4:6] = (len(fragment) - 40).to_bytes(2, "big")
    return fragment


def frame_to(stack, ip_packet: bytes, link: str = "eth0", src_mac: bytes = PEER_MAC) -> bytes:
    """`ip_packet` in an Ethernet frame addressed to `stack`'s `link`."""
    return ethernet(stack.links[link].mac, src_mac, ETH_P_IP, ip_packet)


# --- malformed IPv4, each dropped under its own reason ----------------------------------------

def bad_checksum() -> bytearray:
    p = echo_packet()
    p[10] ^= 0xFF
    return p


def bad_version() -> bytearray:
    p = echo_packet()
    p[0] = 0x65
    return fix_csum(p)


def bad_ihl() -> bytearray:
    p = echo_packet()
    p[0] = 0x44
    return p


def length_beyond_frame() -> bytearray:
    p = echo_packet()
    p[2:4] = (len(p) + 40).to_bytes(2, "big")
    return fix_csum(p)


def length_below_header() -> bytearray:
    p = echo_packet()
    p[2:4] = (12).to_bytes(2, "big")
    return fix_csum(p)


def truncated_header() -> bytearray:
    return echo_packet()[:12]


def bad_icmp_checksum() -> bytearray:
    p = echo_packet()
    p[-1] ^= 0x55
    return p


# --- checks ------------------------------------------------------------------------------------

def frame_fields(frame: bytes) -> dict:
    """Every field our dissector finds in `frame`: {"ip.ttl": 64, "icmp.type": 8, ...}."""
    fields: dict = {}

    def walk(node):
        for child in node.children:
            fields.setdefault(child.name, child.value)
            walk(child)

    for layer in dissect(bytes(frame)).layers:
        fields.setdefault(layer.name, layer.value)
        walk(layer)
    return fields


def expect_frame(frame: bytes, **layers: dict) -> None:
    """Assert fields layer by layer: ``expect_frame(f, ip={"ttl": 64}, icmp={"type": 0})``.

    Each mismatch (or missing layer or field) is named in the failure, all of them at once.
    """
    fields = frame_fields(frame)
    problems = []
    for layer, expected in layers.items():
        if layer not in fields:
            problems.append(f"no {layer} layer (layers: {', '.join(n for n in fields if '.' not in n)})")
            continue
        for field, want in expected.items():
            name = f"{layer}.{field}"
            if name not in fields:
                problems.append(f"{name}: missing")
            elif fields[name] != want:
                problems.append(f"{name}: {fields[name]!r}, expected {want!r}")
    assert not problems, "frame differs:\n  " + "\n  ".join(problems)


def _stats(stack, group: str) -> dict:
    """One counter group, from a Stack (its bound calls) or a runtime's proxy alike."""
    calls = stack.api if isinstance(stack, Stack) else stack
    return calls.stats(group)[group]


def counters(stack, *groups: str) -> dict:
    """A snapshot of counter groups, for `expect_counters(..., since=...)`."""
    return {group: dict(_stats(stack, group)) for group in groups}


def expect_counters(stack, since: dict | None = None, **groups: dict) -> None:
    """Assert counter values (``Ip={"InReceives": 3}``), or their change since a `counters`
    snapshot when `since` is given.  Counters not named are not checked."""
    problems = []
    for group, expected in groups.items():
        now = _stats(stack, group)
        before = since.get(group, {}) if since is not None else {}
        for name, want in expected.items():
            got = now.get(name, 0) - before.get(name, 0)
            if got != want:
                what = "went up by" if since is not None else "is"
                problems.append(f"{group} {name} {what} {got}, expected {want}")
    assert not problems, "counters differ:\n  " + "\n  ".join(problems)
