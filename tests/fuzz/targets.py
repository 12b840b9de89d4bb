"""The fuzz targets: dissection (full and summary), the capture file readers (pcap, pcapng,
gzip), the serve protocol's frame decoder and reader, the batch parser and the grammar."""
from __future__ import annotations

import gzip
import io
import socket
from functools import lru_cache
from pathlib import Path

from .harness import Target

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent.parent / "shared" / "corpus"      # /work/shared/corpus beside the worktrees
LINKTYPES = (1, 0, 101, 113, 276, 228, 229, 12, 14, 108)
KEEP = 4096


@lru_cache(maxsize=None)
def capture_files() -> tuple[Path, ...]:
    roots = [DATA, SHARED, ROOT.parent / "shared" / "corpus"]
    files = []
    for root in roots:
        if root.is_dir():
            files += [p for p in sorted(root.rglob("*")) if p.suffix in (".pcap", ".pcapng", ".gz")]
    return tuple(files)


def file_bytes(suffix: str) -> list[bytes]:
    return [p.read_bytes()[:1 << 16] for p in capture_files() if p.name.endswith(suffix)]


@lru_cache(maxsize=None)
def frames() -> list[bytes]:
    """Seed frames: a linktype index byte, then the record's bytes."""
    from stack.capfile import CaptureFileError, read
    out = []
    for path in capture_files():
        try:
            for i, rec in enumerate(read(path)):
                if rec.linktype in LINKTYPES and i < 50:
                    out.append(bytes([LINKTYPES.index(rec.linktype)]) + rec.data[:2048])
        except (CaptureFileError, OSError):
            pass
    return out


# --- dissection -----------------------------------------------------------------------

def check_dissect(data: bytes) -> None:
    import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
    from stack.wire.dissect import dissect
    from stack.wire.skim import columns, skim
    if not data:
        return
    linktype, frame = LINKTYPES[data[0] % len(LINKTYPES)], data[1:]
    full = dissect(frame, linktype, orig_len=len(frame))
    for layer in full.layers:
        layer.to_dict()
        for node in layer.walk():
            node.display
    quick = dissect(frame, linktype, tree=False, orig_len=len(frame))
    expected = (quick.source, quick.destination, quick.protocol, quick.info)
    assert (full.source, full.destination, full.protocol, full.info) == expected, "tree/no-tree"
    assert columns(frame, linktype, len(frame)) == expected, "summary columns"
    skimmed = skim(frame, linktype)
    if skimmed is not None:
        assert (skimmed.source, skimmed.destination, skimmed.protocol, skimmed.info) == expected, "skim"


# --- capture files --------------------------------------------------------------------

def check_capfile(data: bytes) -> None:
    from stack.capfile import CaptureFileError, read
    try:
        for rec in read(io.BytesIO(data), keep=KEEP):
            assert len(rec.data) <= KEEP
    except CaptureFileError as exc:
        assert "\n" not in str(exc)


def gzipped_seeds() -> list[bytes]:
    return [gzip.compress(d, 6) for d in file_bytes(".pcap")[:20] + file_bytes(".pcapng")[:20]]


# --- the serve protocol ---------------------------------------------------------------

def check_protocol(data: bytes) -> None:
    from netsh.protocol import MAX_NESTING, FrameError, FrameReader, decode, encode, encode_reply
    if data[:1] == b"[":                 # a deep one now and then: the bound must hold
        data = data[:4] + b"[" * 5000 + data[4:]
    try:
        msg = decode(data[4:], MAX_NESTING)
    except FrameError:
        msg = None
    if msg is not None:
        assert decode(encode(msg)[4:]) == msg, "a decoded frame re-encodes"
        encode_reply(msg)[4:].decode("utf-8")          # a reply quoting it is strict UTF-8
    left, right = socket.socketpair()
    try:
        left.sendall(data)
        left.shutdown(socket.SHUT_WR)
        reader = FrameReader(right, 4096, MAX_NESTING)
        for _ in range(len(data) + 1):
            try:
                if reader.read() is None:
                    break
            except FrameError:
                continue
    finally:
        left.close()
        right.close()


def protocol_seeds() -> list[bytes]:
    from netsh.protocol import encode
    msgs = [{"type": "hello", "version": 1}, {"type": "run", "tokens": ["link", "show"]},
            {"type": "interrupt"}, {"type": "run", "tokens": ["ping", "-c", "1", "192.0.2.1"],
                                    "options": {"json": True}},
            {"type": "result", "result": {"kind": "text", "data": ["a", 1, None, 2.5, True]}}]
    return [encode(m) for m in msgs]


# --- batch lines and the grammar ------------------------------------------------------

BATCH_SEEDS = """\
link add a type pair peer b
link set a up mtu 1400
addr add 192.0.2.1/24 dev a
route add 198.51.100.0/24 via 192.0.2.254 dev a
neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev a
fw add rule inet filter input ip saddr 203.0.113.0/24 drop
capture start dev a filter "icmp or arp" count 10 snaplen 96
capture show -V -x from 1 count 2
ping -c 2 -i 0.2 2001:db8::1
bridge fdb show
stats Ip
help link add
save /tmp/x 'quoted # not a comment' # a comment
"""


def check_batch(data: bytes) -> None:
    from netsh.batch import BatchSyntaxError, split_words
    from netsh.app import GRAMMAR
    from netsh.grammar import ParseError
    line = data.decode("utf-8", "surrogateescape")
    try:
        tokens = [w.text for w in split_words(line)]
    except BatchSyntaxError:
        return
    try:
        GRAMMAR.parse(tokens[:200])
    except ParseError as exc:
        assert str(exc)


TARGETS = {t.name: t for t in (
    Target("dissect", check_dissect, frames, offsets=(1, 13, 14, 15, 17, 19, 21, 23, 24, 25, 35, 37, 39)),
    Target("pcap", check_capfile, lambda: file_bytes(".pcap"), offsets=(0, 4, 16, 20, 24, 32, 36)),
    Target("pcapng", check_capfile, lambda: file_bytes(".pcapng"),
           offsets=(4, 8, 12, 16, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64)),
    Target("gzip", check_capfile, gzipped_seeds, offsets=(0, 2, 3, 4, 8, 9, 10)),
    Target("protocol", check_protocol, protocol_seeds, offsets=(0, 1, 2, 3)),
    Target("batch", check_batch, lambda: [line.encode() for line in BATCH_SEEDS.splitlines()]),
)}
