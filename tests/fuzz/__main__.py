"""make fuzz: every target (or those named) for --seconds each, with atheris where it is
installed (--engine random forces the seeded mutator); one line per target with its
executions, time and crashes; crashes are saved in --crashes, named by target and seed.

    python -m tests.fuzz [--seconds 60] [--seed 1] [--engine auto|atheris|random] [TARGET ...]
    python -m tests.fuzz --reproduce fuzz-crashes/pcap-seed1-exec42.bin
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .harness import Report, reproduce, run
from .targets import ROOT, TARGETS


def run_atheris(name: str, seconds: float, seed: int, crash_dir: Path) -> Report:
    target = TARGETS[name]
    report = Report(name, "atheris", seed)
    crash_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as corpus:
        for i, data in enumerate(target.seeds()):
            Path(corpus, f"seed{i}").write_bytes(data)
        prefix = f"{crash_dir}/{name}-seed{seed}-"
        proc = subprocess.run(
            [sys.executable, "-m", "tests.fuzz.atheris_run", name, corpus,
             f"-max_total_time={int(seconds)}", f"-seed={seed}", f"-artifact_prefix={prefix}",
             "-max_len=65536", "-rss_limit_mb=2048", "-print_final_stats=1"],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    done = re.search(r"Done (\d+) runs in (\d+) second", log)
    stats = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    report.executions = int(done.group(1)) if done else int(stats.group(1)) if stats else 0
    report.seconds = float(done.group(2)) if done else seconds
    report.crashes = sorted(crash_dir.glob(f"{name}-seed{seed}-*"))
    if proc.returncode and not report.crashes:
        tail = "\n".join(log.splitlines()[-15:])
        print(f"{name}: atheris exited {proc.returncode}:\n{tail}", file=sys.stderr)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*", choices=[[]] + list(TARGETS), default=[])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    ap.add_argument("--crashes", type=Path, default=ROOT / "fuzz-crashes")
    ap.add_argument("--reproduce", type=Path)
    args = ap.parse_args(argv)
    if args.reproduce:
        name = args.reproduce.name.split("-seed")[0]
        reproduce(TARGETS[name], args.reproduce)
        print(f"{args.reproduce}: no longer fails")
        return 0
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "random"
    failed = 0
    for name in args.targets or TARGETS:
        if engine == "atheris":
            report = run_atheris(name, args.seconds, args.seed, args.crashes)
        else:
            report = run(TARGETS[name], args.seconds, args.seed, args.crashes)
        failed += len(report.crashes)
        print(f"{name:10} {report.engine:8} seed {report.seed}: {report.executions} executions "
              f"in {report.seconds:.0f} s, {len(report.crashes)} crashes"
              + "".join(f"\n    {p}" for p in report.crashes[:5]), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
