"""Listing benchmark, whole processes: ``netsh -b`` against ``tshark`` on one ~26k-packet mixed
file, in the same run: the summary listing, the same through a display filter (-Y), -V of the
whole file, and conversation statistics; best-of-RUNS wall time and the peak RSS of each.

    .venv/bin/python tests/bench/listing_bench.py [--packets 26000] [--runs 3] [--filter EXPR] [--skip F,...]

The file is the Ethernet records of tests/data's captures, repeated until PACKETS, with
timestamps made to run forward 12 us apart.  Not pass/fail: prints the ratios.
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

from stack.capfile import ETHERNET, CaptureFileError, PcapWriter, Record, read  # noqa: E402


def mixed_frames(skip=()) -> list[bytes]:
    frames = []
    for path in sorted((ROOT / "tests" / "data").glob("*.pcap*")):
        if path.name in skip:
            continue
        try:
            frames += [rec.data for rec in read(str(path)) if rec.linktype == ETHERNET]
        except (CaptureFileError, OSError):
            continue
    return frames


def write_mixed(path: Path, count: int, skip=()) -> None:
    frames = mixed_frames(skip)
    start = 1_700_000_000 * 1_000_000_000
    with PcapWriter(str(path), snaplen=262144) as writer:
        for i in range(count):
            writer.write(Record(start + i * 12_000, frames[i % len(frames)]))


def best(argv, runs, env=None) -> tuple[float, float]:
    """Best wall seconds over runs, and the largest peak RSS (MB) of those runs (os.wait4)."""
    times, peak = [], 0
    for _ in range(runs):
        with tempfile.TemporaryFile() as err:
            t = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            times.append(time.perf_counter() - t)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                err.seek(0)
                raise SystemExit(f"{argv[:4]} failed: {err.read().decode()[:300]}")
        peak = max(peak, usage.ru_maxrss)
    return min(times), peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=26000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--filter", default="udp")
    parser.add_argument("--skip", default="", metavar="FILE,...",
                        help="leave these captures of tests/data out of the mix (e.g. the two DNS "
                             "messages of 64k questions that dominate it: dns_fwdptr.pcap,dns-badlabel.pcap)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = Path(tmp) / "mixed.pcap"
        write_mixed(pcap, args.packets, set(filter(None, args.skip.split(","))))
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cases = (("summary", "capture show", []),
                 ("filtered (-Y)", f"capture show -Y '{args.filter}'", ["-Y", args.filter]),
                 ("-V", "capture show -V", ["-V"]),
                 ("conv ip", "capture stats conv ip", ["-q", "-z", "conv,ip"]))
        print(f"{args.packets} packets from tests/data{' without ' + args.skip if args.skip else ''}; "
              f"best of {args.runs} wall, peak RSS")
        for label, command, tshark_args in cases:
            batch = Path(tmp) / "b"
            batch.write_text(f"capture read {pcap}\n{command}\n")
            ours, our_rss = best([sys.executable, "-m", "netsh", "-b", str(batch)], args.runs, env)
            theirs, their_rss = best(["tshark", "-r", str(pcap)] + tshark_args, args.runs)
            print(f"{label:14s} netsh {ours:6.2f} s  tshark {theirs:6.2f} s  ratio {ours / theirs:5.2f}x  "
                  f"RSS netsh {our_rss:.0f} MB tshark {their_rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
