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


def addressed_to(frame: bytes, mac: bytes, ip: bytes) -> bytes:
    """`frame` with its destination MAC made `mac` and, for IPv4, its destination address `ip`
    (and the header checksum made right for it), so it reaches the layers past the first checks."""
    out = bytearray(frame)
    out[0:6] = mac
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
