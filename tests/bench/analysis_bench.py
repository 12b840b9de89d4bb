"""Conversation analysis benchmark: ``capture show`` with the analysis pass against ``tshark -2``.

    .venv/bin/python tests/bench/analysis_bench.py [--copies 40] [--runs 3]

Concatenates COPIES of the two kernel captures in tests/data (HTTP, DNS over TCP, a slow
reader, loss recovery: every analysis path), the copies' ports moved apart so each is its
own set of streams, then times whole processes in the same run: ``netsh -b`` reading the
file and listing it (the analysis over every frame, relative numbers and flags in the
Info column), and ``tshark -2 -r FILE``.  Also the pass alone, in-process, per frame.
Best of RUNS wall times.  Also a flow whose ACKs the capture lacks (ONE_WAY segments from one
end, none acknowledged: a capture of one direction), where bytes in flight once walked every
unacknowledged segment for each new one.  Not pass/fail.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stack.capfile import PcapWriter  # noqa: E402
from tests.frames import DATA, records_of  # noqa: E402

SOURCES = (DATA / "kernel_tcp_http_dns.pcap", DATA / "kernel_tcp_loss.pcap")


def shifted(data: bytes, copy: int) -> bytes:
    """An Ethernet/IPv4 frame with its client port moved by `copy` (TCP/UDP above 1024 only)."""
    if len(data) < 38 or data[12:14] != b"\x08\x00" or data[23] not in (6, 17):
        return data
    ihl = (data[14] & 0x0F) * 4
    off = 14 + ihl
    out = bytearray(data)
    for at in (off, off + 2):
        port = int.from_bytes(data[at:at + 2], "big")
        if port > 1024 and port not in (8080, 9000):
            out[at:at + 2] = ((port + copy * 7) % 60000 + 1025).to_bytes(2, "big")
    return bytes(out)


def build(path: Path, copies: int) -> int:
    count = 0
    with PcapWriter(str(path), linktype=1) as writer:
        for copy in range(copies):
            for source in SOURCES:
                for rec in records_of(source):
                    rec.data = shifted(rec.data, copy)
                    rec.ts_ns += copy * 10 * 10 ** 9
                    writer.write(rec)
                    count += 1
    return count


ONE_WAY = 20_000


def build_one_way(path: Path, segments: int) -> int:
    """A SYN, then `segments` 10-byte segments from the same end; nothing comes back."""
    import struct

    from stack.capfile import Record

    def frame(seq, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", 40000, 5000, seq, 5001, 5 << 4, flags, 64240, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, bytes([192, 0, 2, 1]),
                         bytes([192, 0, 2, 2]))
        return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp
    with PcapWriter(str(path), linktype=1) as writer:
        for i in range(segments + 1):
            data = frame(1000, 0x02) if i == 0 else frame(1001 + 10 * (i - 1), 0x18, b"x" * 10)
            writer.write(Record(ts_ns=1_700_000_000 * 10 ** 9 + i * 1000, data=data, orig_len=len(data), linktype=1))
    return segments + 1


def wall(argv, env=None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conv.pcap"
        frames = build(path, args.copies)
        batch = Path(tmp) / "show.batch"
        batch.write_text(f"capture read {path}\ncapture show\n")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        ours = min(wall([sys.executable, "-m", "netsh", "-b", str(batch)], env) for _ in range(args.runs))
        theirs = min(wall(["tshark", "-2", "-n", "-r", str(path)]) for _ in range(args.runs))
        import stack.wire.protocols  # noqa: F401
        from stack.capture import from_record
        from stack.wire.analysis import annotate
        packets = [from_record(rec, n) for n, rec in enumerate(records_of(path), 1)]
        start = time.perf_counter()
        annotate(packets)
        alone = time.perf_counter() - start
        one_way = Path(tmp) / "one_way.pcap"
        one_frames = build_one_way(one_way, ONE_WAY)
        batch.write_text(f"capture read {one_way}\ncapture show\n")
        ours_one = min(wall([sys.executable, "-m", "netsh", "-b", str(batch)], env) for _ in range(args.runs))
        theirs_one = min(wall(["tshark", "-2", "-n", "-r", str(one_way)]) for _ in range(args.runs))
    print(f"{frames} frames: netsh read+show {ours:.2f} s, tshark -2 {theirs:.2f} s "
          f"(ratio {ours / theirs:.2f}); the analysis pass alone {alone / frames * 1e6:.1f} us a frame")
    print(f"one-way flow, {one_frames} frames, no ACKs: netsh read+show {ours_one:.2f} s, "
          f"tshark -2 {theirs_one:.2f} s (ratio {ours_one / theirs_one:.2f})")


if __name__ == "__main__":
    main()
