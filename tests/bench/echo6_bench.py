"""Echo capacity over IPv6 beside IPv4: the same stack, the same veth, the same run.

    sudo .venv/bin/python tests/bench/echo6_bench.py [--runs 3] [--count 50000]

One namespace pair (tests/netns.py, the peer with 192.0.2.2 and 2001:db8::2); the stack
(through the CLI, as echo_bench.py runs it) answers for 192.0.2.1 and 2001:db8::1 on veth0.
Linux floods it in turn with ``ping -4 -f -l 64`` and ``ping -6 -f -l 64`` (the two families
alternate, so a slow minute of the machine weighs on both), each bounded by ``-w``.  Prints the
median replies/s of each family and the ratio IPv6/IPv4 (issue 14's target: >= 0.9), and writes
tests/bench/results/echo6-<stamp>.json.  Not pass/fail.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from tests.bench.echo_bench import (PING_CPU, STACK_CPU, parse_ping, stack_argv,  # noqa: E402
                                    stop, write_result)
from tests.netns import VethPeer, netns_reason  # noqa: E402

TARGETS = {"4": "192.0.2.1", "6": "2001:db8::1"}
TARGET_RATIO = 0.9


def flood(peer, family: str, a) -> dict:
    argv = ["taskset", "-c", PING_CPU, "ping", f"-{family}", "-n", "-q", "-f", "-l", str(a.inflight),
            "-c", str(a.count), "-w", str(a.deadline), TARGETS[family]]
    out = peer.run(*argv, check=False, timeout=a.deadline + 30).stdout
    result = parse_ping(out)
    secs = (result["time_ms"] or 0) / 1000
    result["replies_per_s"] = result["received"] / secs if secs else 0.0
    result["command"] = " ".join(argv)
    return result


def answering(peer, proc, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        if all(peer.run("ping", f"-{fam}", "-n", "-c", "1", "-W", "0.3", addr,
                        check=False).returncode == 0 for fam, addr in TARGETS.items()):
            return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=50000)
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--deadline", type=int, default=60, help="seconds bounding each ping")
    ap.add_argument("--ready", type=float, default=30)
    ap.add_argument("--stack-cmd", help="override: command for the stack, with {ns} {batch} {python}")
    a = ap.parse_args()
    reason = netns_reason()
    if reason:
        print(f"echo6_bench: {reason}", file=sys.stderr)
        return 2
    runs = {"4": [], "6": []}
    with VethPeer(ipv6=True) as peer:
        life = int(a.ready + 2 * a.runs * (a.deadline + 10)) + 60
        with tempfile.NamedTemporaryFile("w", prefix="echo6-bench-", suffix=".batch",
                                         delete=False) as f:
            f.write(f"link attach {peer.stack_dev} name {peer.stack_dev}\n"
                    f"link set {peer.stack_dev} addrgenmode none\n"
                    f"link set {peer.stack_dev} up\n"
                    f"addr add 192.0.2.1/24 dev {peer.stack_dev}\n"
                    f"addr add 2001:db8::1/64 dev {peer.stack_dev} nodad\n"
                    f"sleep {life}\n")
        argv = ["ip", "netns", "exec", peer.stack_ns, "taskset", "-c", STACK_CPU,
                *stack_argv(a, peer, f.name)]
        proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            if not answering(peer, proc, a.ready):
                _, err = stop(proc)
                print(f"echo6_bench: the stack did not answer both families: {err.strip()[-400:]}",
                      file=sys.stderr)
                return 2
            for i in range(a.runs):
                for family in ("4", "6"):
                    r = flood(peer, family, a)
                    runs[family].append(r)
                    print(f"   run {i + 1} IPv{family}: {r['replies_per_s']:,.0f} replies/s, "
                          f"{r['received']}/{r['transmitted']} answered", flush=True)
        finally:
            stop(proc)
            os.unlink(f.name)
    medians = {fam: statistics.median(r["replies_per_s"] for r in rs) for fam, rs in runs.items()}
    ratio = medians["6"] / medians["4"] if medians["4"] else None
    print(f"\necho capacity, ping -f -l {a.inflight} -c {a.count} (median of {a.runs})")
    print(f"  IPv4 {medians['4']:>10,.0f} replies/s\n  IPv6 {medians['6']:>10,.0f} replies/s")
    if ratio is not None:
        print(f"  IPv6/IPv4: {ratio:.2f}  (target >= {TARGET_RATIO}: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    print(f"  stack (stack ns): {' '.join(argv)}")
    write_result("echo6", {"params": vars(a), "runs": runs, "replies_per_s": medians,
                           "ratio": ratio, "target": TARGET_RATIO})
    return 0


if __name__ == "__main__":
    sys.exit(main())
