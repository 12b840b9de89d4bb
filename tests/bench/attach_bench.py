"""Attach benchmark: the wall time of a one-shot command on a served stack, beside ip's.

    .venv/bin/python tests/bench/attach_bench.py [--runs 30]

Serves a stack (``netsh serve -b``: a pair of in-process links; no root needed, and
nothing touches the host's interfaces) in a private XDG_RUNTIME_DIR, waits for its
``netsh: serving`` line, then times RUNS of each, round robin so drift hits all alike:

* attached: ``netsh -n NAME link show`` (interpreter start, connect, one round trip, render);
* embedded: ``netsh link show`` (starts and stops a stack of its own, for comparison);
* ip:       ``ip link show`` (iproute2 reading the kernel's links: the reference).

Prints median and best wall milliseconds and the ratios to ip; the target is an attached
median under 300 ms.  One JSON line goes to tests/bench/results/attach-<timestamp>.json.
Exit status 0 when it ran (target met or not), 2 when it could not.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results"
TARGET_MS = 300.0
SETUP = """\
link add a type pair peer b
addr add 192.0.2.1/24 dev a
addr add 192.0.2.2/24 dev b
link set a up
link set b up
"""


def netsh_argv() -> list[str]:
    script = Path(sys.executable).parent / "netsh"
    return [str(script)] if script.exists() else [sys.executable, "-m", "netsh"]


def wall_ms(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    elapsed = (time.perf_counter() - start) * 1000.0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.strip()}")
    return elapsed


def serve(env: dict, name: str, batch: Path) -> subprocess.Popen:
    proc = subprocess.Popen([*netsh_argv(), "serve", "--name", name, "-b", str(batch)], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("netsh: serving"):
            return proc
    proc.wait(10)
    raise RuntimeError(f"netsh serve did not start: {proc.stderr.read().strip()}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="timed runs of each command")
    a = ap.parse_args()
    if shutil.which("ip") is None:
        print("attach_bench: needs `ip` (iproute2)", file=sys.stderr)
        return 2
    rundir = Path(tempfile.mkdtemp(prefix="nshbench-", dir="/tmp"))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(rundir), "NO_COLOR": "1"}
    name = f"bench-{os.getpid()}"
    batch = rundir / "setup.batch"
    batch.write_text(SETUP)
    variants = {
        "attached": [*netsh_argv(), "-n", name, "link", "show"],
        "embedded": [*netsh_argv(), "link", "show"],
        "ip": ["ip", "link", "show"],
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    proc = None
    try:
        proc = serve(env, name, batch)
        for argv in variants.values():           # warm the page cache, not timed
            wall_ms(argv, env)
        for _ in range(a.runs):
            for key, argv in variants.items():
                times[key].append(wall_ms(argv, env))
        done = subprocess.run([*netsh_argv(), "-n", name, "shutdown"], env=env,
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"shutdown: {done.stderr.strip()}")
        proc.wait(30)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"attach_bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
        shutil.rmtree(rundir, ignore_errors=True)

    summary = {k: {"median_ms": round(statistics.median(v), 2), "min_ms": round(min(v), 2)}
               for k, v in times.items()}
    ip_median = summary["ip"]["median_ms"]
    print(f"one-shot `link show`, {a.runs} runs each, wall ms (median / best):")
    for key, argv in variants.items():
        row = summary[key]
        ratio = row["median_ms"] / ip_median if ip_median else float("inf")
        shown = " ".join(Path(argv[0]).name if i == 0 else w for i, w in enumerate(argv))
        print(f"   {key:<9} {row['median_ms']:>8.1f} / {row['min_ms']:>7.1f}   "
              f"{ratio:>7.1f}x ip    {shown}")
    attached = summary["attached"]["median_ms"]
    met = attached < TARGET_MS
    print(f"attached median {attached:.1f} ms: target < {TARGET_MS:.0f} ms "
          f"{'met' if met else 'NOT met'}; "
          f"{summary['embedded']['median_ms'] / attached:.2f}x faster than embedded")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"bench": "attach", "time": stamp, "uname": platform.release(),
              "params": {"runs": a.runs}, "wall_ms": summary,
              "ratios_to_ip": {k: round(v["median_ms"] / ip_median, 2) if ip_median else None
                               for k, v in summary.items()},
              "target_ms": TARGET_MS, "met": met}
    (RESULTS / f"attach-{stamp}.json").write_text(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
