"""Capture-file index benchmark: index a 1,000,000-packet pcap of small UDP/DNS frames, read
its last packet by number and walk the whole file in order, in a fresh process each, with its
peak RSS; beside it, ``tshark -r FILE -c 1`` and a full ``tshark -r FILE`` count for scale.

    .venv/bin/python tests/bench/capindex_bench.py [--packets 1000000]

Not pass/fail: prints wall times and peak RSS (ru_maxrss of the child).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.capgen_udp import write_udp_pcap  # noqa: E402

CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from stack.capfile.index import index_file
t = time.perf_counter()
idx = index_file({path!r})
indexed = time.perf_counter() - t
last = idx.record(len(idx))
t = time.perf_counter()
n = sum(1 for _ in idx.walk()) if {walk} else 0
print(len(idx), f"{{indexed:.3f}}", f"{{time.perf_counter() - t:.3f}}", n)
"""


def run(argv) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, proc.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "udp.pcap")
        t = time.perf_counter()
        write_udp_pcap(path, args.packets)
        print(f"wrote {args.packets} packets ({Path(path).stat().st_size >> 20} MB) "
              f"in {time.perf_counter() - t:.2f} s")
        # RUSAGE_CHILDREN keeps the largest child so far: the smallest run goes first
        for label, walk in (("index + last packet", False), ("index + walk all", True)):
            code = CHILD.format(root=str(ROOT), path=path, walk=walk)
            wall, rss, out = run([sys.executable, "-c", code])
            count, indexed, walked, _ = out.split()
            print(f"netsh {label:22s} {wall:6.2f} s wall (index {indexed} s, walk {walked} s), "
                  f"peak RSS {rss:.0f} MB, {count} packets")
        tshark = shutil.which("tshark")
        if tshark:
            wall, _, _ = run([tshark, "-r", path, "-c", "1"])
            print(f"tshark -r FILE -c 1            {wall:6.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
