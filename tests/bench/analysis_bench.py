"""Conversation analysis benchmark: ``capture show`` with the analysis pass against ``tshark -2``.

    .venv/bin/python tests/bench/analysis_bench.py [--copies 40] [--runs 3]

Concatenates COPIES of the two kernel captures in tests/data (HTTP, DNS over TCP, a slow
reader, loss recovery: every analysis path), the copies' ports moved apart so each is its
own set of streams, then times whole processes in the same run: ``netsh -b`` reading the
file and listing it (the analysis over every frame, relative numbers and flags in the
Info column), and ``tshark -2 -r FILE``.  Also the pass alone, in-process, per frame.
Best of RUNS wall times.  Not pass/fail.
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
    print(f"{frames} frames: netsh read+show {ours:.2f} s, tshark -2 {theirs:.2f} s "
          f"(ratio {ours / theirs:.2f}); the analysis pass alone {alone / frames * 1e6:.1f} us a frame")


if __name__ == "__main__":
    main()
