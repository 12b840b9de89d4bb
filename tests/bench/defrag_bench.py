"""IP reassembly for display (stack/wire/defrag_view.py): what the pass adds per frame.

    .venv/bin/python tests/bench/defrag_bench.py [--copies 200]

Frames of the kernel captures in tests/data (mostly not fragments: the cost every frame
pays) and of kernel_ping_fragments.pcap (fragments reassembled), each dissected quietly
once, then fed to a DefragView with that dissection.  Best of three.  Not pass/fail.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import stack.wire.protocols  # noqa: E402,F401
from stack.wire.defrag_view import DefragView  # noqa: E402
from stack.wire.dissect import dissect  # noqa: E402
from tests.frames import DATA, records_of  # noqa: E402


def per_frame(records, copies: int) -> float:
    frames = [(rec, dissect(rec.data, rec.linktype, tree=False, orig_len=rec.orig_len)) for rec in records]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(copies):
            view = DefragView()
            for number, (rec, d) in enumerate(frames, 1):
                view.feed(number, rec.data, rec.linktype, rec.orig_len, d)
        best = min(best, (time.perf_counter() - start) / (copies * len(frames)))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=200)
    args = parser.parse_args()
    plain = records_of(DATA / "kernel_tcp_http_dns.pcap") + records_of(DATA / "kernel_tcp_loss.pcap")
    fragments = records_of(DATA / "kernel_ping_fragments.pcap")
    print(f"not fragments: {per_frame(plain, args.copies) * 1e6:.2f} µs a frame ({len(plain)} frames)")
    print(f"ping -s 3000 capture: {per_frame(fragments, args.copies) * 1e6:.2f} µs a frame ({len(fragments)} frames)")


if __name__ == "__main__":
    main()
