"""Frames for robustness and trace tests: captures' records, seeded mutations, addressed variants.

Shared by tests/unit/test_robustness.py, test_corpus_robustness.py and
test_trace_agreement.py, so each runs the same frames without importing the others.
"""
from __future__ import annotations

import random
from pathlib import Path

from stack.capfile import CaptureFileError, read, to_ethernet
from stack.wire import ipv4 as ipwire
from stack.wire.checksum import checksum
from tests.checker import arp_request, echo_packet  # noqa: F401  (re-exported for the frame sets)

DATA = Path(__file__).resolve().parent / "data"
CORPUS = Path("/work/shared/corpus/tcpdump/tests")
CAPTURE_SRC_MAC = b"\x02\x00\x00\x00\x00\xfe"     # the sender a replayed capture frame gets


def capture_files(folder: Path = DATA) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in ("PROVENANCE", "README.md"))


def records_of(path) -> list:
    """The records a capture file yields; one broken on purpose keeps what came before."""
    records = []
    try:
        for rec in read(path):
            records.append(rec)
    except CaptureFileError:
        pass
    return records


def capture_frames(path, dst_mac: bytes, src_mac: bytes = CAPTURE_SRC_MAC) -> list[bytes]:
    """The records of `path` that can be made Ethernet frames (stack.capfile.to_ethernet)."""
    frames = (to_ethernet(rec, dst_mac, src_mac) for rec in records_of(path))
    return [frame for frame in frames if frame is not None]


def mutated_frames(bases: list[bytes], seed: int, count: int):
    """`count` frames, each a base with 1-3 changes after the Ethernet header: a byte flipped,
    the frame cut, or bytes added."""
    rnd = random.Random(seed)
    for _ in range(count):
        frame = bytearray(rnd.choice(bases))
        for _ in range(rnd.randrange(1, 4)):
            choice = rnd.random()
            if len(frame) <= 15:
                choice = 1.0
            if choice < 0.6:
                frame[rnd.randrange(14, len(frame))] = rnd.getrandbits(8)
            elif choice < 0.8:
                del frame[rnd.randrange(14, len(frame)):]
            else:
                frame += bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 30)))
        yield bytes(frame)


def addressed_to(frame: bytes, mac: bytes, ip: bytes, ip6: bytes | None = None) -> bytes:
    """`frame` with its destination MAC made `mac` and, for IPv4, its destination address `ip`
    (and the header checksum made right for it), for IPv6 `ip6` (and an ICMPv6 checksum right
    after the fixed header made right for it), so it reaches the layers past the first checks."""
    out = bytearray(frame)
    out[0:6] = mac
    if ip6 is not None and len(out) >= 54 and out[12:14] == b"\x86\xdd" and out[14] >> 4 == 6:
        out[38:54] = ip6
        end = 54 + int.from_bytes(out[18:20], "big")
        if out[20] == 58 and 58 <= end <= len(out):
            from stack.wire.ipv6 import pseudo_header_sum
            out[56:58] = b"\0\0"
            out[56:58] = checksum(out[54:end], pseudo_header_sum(out[22:38], ip6, end - 54, 58)).to_bytes(2, "big")
        return bytes(out)
    if len(out) >= 34 and out[12:14] == b"\x08\x00" and out[14] >> 4 == 4:
        ihl = (out[14] & 15) * 4
        out[30:34] = ip
        if ihl >= 20 and len(out) >= 14 + ihl:
            out[24:26] = b"\0\0"
            out[24:26] = checksum(out[14:14 + ihl]).to_bytes(2, "big")
    return bytes(out)


# Addresses an IPv4 header variant takes its source and destination from: ours, the peer's,
# broadcasts, multicast, reserved, loopback, unspecified, off-link, on-link unknown.
IPV4_ADDRESSES = [bytes(a) for a in ((192, 0, 2, 2), (192, 0, 2, 1), (192, 0, 2, 255), (255,) * 4,
                                     (224, 0, 0, 1), (240, 1, 1, 1), (127, 0, 0, 1), (0,) * 4,
                                     (198, 51, 100, 1), (192, 0, 2, 9))]


def ipv4_variants(seed: int, count: int):
    """`count` IPv4 packets whose fields vary past the checksum: version, IHL, total length,
    fragment flags, protocol, addresses from IPV4_ADDRESSES, ICMP types; the header checksum
    right in 19 of 20 (mutating bytes rarely gets past it, so IPv4's later checks are reached)."""
    rnd = random.Random(seed)
    for _ in range(count):
        proto = rnd.choice((1, 1, 1, 6, 17, 99))
        payload = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 40)))
        if proto == 1 and rnd.random() < 0.7:
            icmp = bytearray(bytes((rnd.choice((0, 8, 3, 11, 12, 13, 5)), rnd.randrange(4), 0, 0)) + payload)
            if rnd.random() < 0.9:
                icmp[2:4] = checksum(icmp).to_bytes(2, "big")
            payload = bytes(icmp)
        ihl = rnd.choice((5, 5, 5, 6, 15, 4))
        ip = bytearray(max(ihl, 5) * 4)
        ip[0] = rnd.choice((4, 4, 4, 4, 6)) << 4 | ihl
        ip[2:4] = max(0, len(ip) + len(payload) + rnd.choice((0, 0, 0, -3, 5))).to_bytes(2, "big")
        ip[6] = rnd.choice((0, 0, 0x40, 0x20, 0x01))
        ip[8] = rnd.randrange(256)
        ip[9] = proto
        ip[12:16] = rnd.choice(IPV4_ADDRESSES)
        ip[16:20] = rnd.choice(IPV4_ADDRESSES)
        if rnd.random() < 0.95:
            ip[10:12] = checksum(ip).to_bytes(2, "big")
        yield bytes(ip + payload)


# IPv6: addresses a variant takes its source and destination from (ours once addressed, the
# peer's, all-nodes, a solicited-node group, loopback, unspecified, link-local, another host's).
IPV6_ADDRESSES = [bytes.fromhex(h) for h in (
    "20010db8000000000000000000000002", "20010db8000000000000000000000001",
    "ff020000000000000000000000000001", "ff0200000000000000000001ff000002",
    "00000000000000000000000000000001", "00000000000000000000000000000000",
    "fe800000000000000000000000000001", "20010db8000000000000000000000009",
    "ff050000000000000000000000000002")]
# Extension headers a variant chains: hop-by-hop and destination options with known, unknown
# and malformed options, routing headers with and without segments left, fragments.
IPV6_EXTENSIONS = [
    (0, bytes((0, 1, 4, 0, 0, 0, 0))), (60, bytes((0, 1, 4, 0, 0, 0, 0))),
    (60, bytes((0, 0x05, 2, 0, 0, 1, 0))), (60, bytes((0, 0x45, 2, 0, 0, 1, 0))),
    (60, bytes((0, 0x85, 2, 0, 0, 1, 0))), (0, bytes((0, 0xC5, 2, 0, 0, 1, 0))),
    (0, bytes((0, 0x05, 2, 0, 0, 0, 0))), (60, bytes((0, 1, 9, 0, 0, 0, 0))),
    (60, bytes((0, 0, 0, 0, 0, 0, 0, 0, 0))), (43, bytes((0, 0, 0, 0, 0, 0, 0))),
    (43, bytes((0, 0, 2, 0, 0, 0, 0))), (44, bytes(7)), (44, bytes((0, 0, 1, 0, 0, 0, 1))),
    (44, bytes((0, 0, 8, 0, 0, 0, 1))),
]


def ipv6_variants(seed: int, count: int):
    """`count` IPv6 packets whose fields vary: version, payload length, hop limit, addresses
    from IPV6_ADDRESSES, a chain of IPV6_EXTENSIONS, next headers, ICMPv6 types (echo, neighbour
    discovery with and without options, errors), the ICMPv6 checksum right in 9 of 10."""
    from stack.wire.ipv6 import pseudo_header_sum
    rnd = random.Random(seed)
    for _ in range(count):
        src, dst = rnd.choice(IPV6_ADDRESSES), rnd.choice(IPV6_ADDRESSES)
        kind = rnd.choice((128, 128, 129, 135, 135, 136, 136, 1, 4, 130, 133, 134, 200))
        body = bytes(4) + (rnd.choice(IPV6_ADDRESSES) if kind in (135, 136) else
                           bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 48))))
        if kind in (135, 136) and rnd.random() < 0.6:
            body += bytes((rnd.choice((1, 2)), rnd.choice((1, 1, 0, 3)))) + bytes((2, 0, 0, 0, 0, 9))
        if kind == 136:
            body = bytes((rnd.choice((0x60, 0x20, 0xE0, 0)),)) + body[1:]
        icmp = bytearray(bytes((kind, rnd.choice((0, 0, 0, 1)), 0, 0)) + body)
        if rnd.random() < 0.9:
            icmp[2:4] = checksum(icmp, pseudo_header_sum(src, dst, len(icmp), 58)).to_bytes(2, "big")
        nxt, payload = rnd.choice((58, 58, 58, 58, 59, 253, 6)), bytes(icmp)
        for _ in range(rnd.choice((0, 0, 0, 1, 1, 2, 3))):
            ext_kind, data = rnd.choice(IPV6_EXTENSIONS)
            payload = bytes((nxt,)) + data + payload
            nxt = ext_kind
        plen = max(0, len(payload) + rnd.choice((0, 0, 0, 0, -3, 7)))
        version = rnd.choice((6, 6, 6, 6, 6, 4))
        header = (bytes((version << 4, 0, 0, 0)) + plen.to_bytes(2, "big")
                  + bytes((nxt, rnd.choice((255, 255, 64, 1)))) + src + dst)
        yield header + payload
