"""Echo capacity benchmark: our stack against a bare pcapy-ng responder, same veth, same run.

    sudo .venv/bin/python tests/bench/echo_bench.py [--runs 3] [--only bare|stack]

In a fresh namespace pair (tests/netns.py: peer eth0 192.0.2.2 <-> stack-side veth0), each
responder in turn answers for 192.0.2.1 on veth0, pinned to CPU1, while Linux pings it from
the peer namespace pinned to CPU0:

* capacity: ``ping -f -l 64 -c 100000 -q`` (64 requests kept in flight), replies/s =
  received / ping's own ``time``. Bounded by ``-w`` and a timeout. Loss = frames the peer's eth0
  sent minus frames it received during the flood (ping itself counts the requests still in
  flight when it stops as lost; its figure is kept in the JSON as ``flood.transmitted/received``).
* idle RTT: ``ping -c 200 -i 0.01 -q``, the avg of ping's rtt line.

Responders: tests/bench/bare_responder.py in its two modes, then the stack through the CLI.
``bare-ref`` does echo_baseline.py's work (every frame to Python, full checksums): the issue's
yardstick, against which the targets are judged.  ``bare-min`` lets a kernel BPF filter drop
what it would not answer and patches checksums incrementally: the least Python can do, printed
as a second ratio so nobody mistakes the yardstick for the ceiling.
The stack runs through the CLI
(``python -m netsh -netns NS -b BATCH`` with link attach / up / addr add / sleep).
Prints a table with the ratios and their targets, and writes one JSON line to
tests/bench/results/echo-<timestamp>.json (that directory ignores itself in git).
Exit status 0 if both halves ran (targets met or not), 2 if a half could not run.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from tests.netns import VethPeer, netns_reason  # noqa: E402

ADDR = "192.0.2.1"
STACK_CPU, PING_CPU = "1", "0"
TARGET_RATE = 0.40     # stack replies/s >= 40 % of bare, with zero loss
TARGET_RTT = 1.5       # stack idle RTT <= 1.5 x bare


def flood_cmd(count, inflight, deadline):
    return ["taskset", "-c", PING_CPU, "ping", "-n", "-q", "-f", "-l", str(inflight),
            "-c", str(count), "-w", str(deadline), ADDR]


def idle_cmd(count, interval):
    return ["taskset", "-c", PING_CPU, "ping", "-n", "-q", "-c", str(count), "-i", str(interval), ADDR]


def parse_ping(out):
    """ping's summary -> {transmitted, received, loss, time_ms, rtt_avg_ms, ...}."""
    m = re.search(r"(\d+) packets transmitted, (\d+) received.*?(?:time (\d+)ms)?$", out, re.M)
    if not m:
        raise RuntimeError(f"no ping summary in: {out!r}")
    tx, rx = int(m.group(1)), int(m.group(2))
    r = {"transmitted": tx, "received": rx, "ping_lost": tx - rx,
         "loss": (tx - rx) / tx if tx else 1.0,
         "time_ms": int(m.group(3)) if m.group(3) else None}
    m = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", out)
    if m:
        r.update(rtt_min_ms=float(m.group(1)), rtt_avg_ms=float(m.group(2)),
                 rtt_max_ms=float(m.group(3)), rtt_mdev_ms=float(m.group(4)))
    m = re.search(r"ipg/ewma ([\d.]+)/([\d.]+) ms", out)
    if m:
        r.update(ipg_ms=float(m.group(1)))
    return r


def wait_answering(peer, proc, seconds):
    """Ping once a 0.2 s until the responder answers; False if it died or never did."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if peer.run("ping", "-n", "-c", "1", "-W", "0.2", ADDR, check=False).returncode == 0:
            return True
    return False


def stop(proc, sig=signal.SIGTERM, grace=5):
    """End a responder we started (own session: signal its group), return (stdout, stderr)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
    try:
        return proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return proc.communicate()


def measure(peer, a, label, argv, ready_secs):
    """Start a responder (argv, run in the stack namespace), measure, stop it."""
    peer.ip("neigh", "flush", "dev", peer.peer_dev, check=False)
    full = ["ip", "netns", "exec", peer.stack_ns, "taskset", "-c", STACK_CPU, *argv]
    print(f"-- {label}: {' '.join(full)}", flush=True)
    proc = subprocess.Popen(full, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    res = {"label": label, "command": " ".join(full), "runs": []}
    try:
        if not wait_answering(peer, proc, ready_secs):
            out, err = stop(proc)
            res["error"] = f"not answering after {ready_secs}s; exit={proc.returncode}; " \
                           f"stderr: {err.strip()[-800:]}"
            return res
        for i in range(a.runs):
            idle = parse_ping(peer.run(*idle_cmd(a.idle_count, a.idle_interval),
                                       check=False, timeout=a.deadline + 30).stdout)
            before = peer.peer_counters()
            fl = peer.run(*flood_cmd(a.count, a.inflight, a.deadline), check=False,
                          timeout=a.deadline + 30)
            time.sleep(0.3)   # replies to requests still in flight when ping stopped counting
            after = peer.peer_counters()
            flood = parse_ping(fl.stdout)
            secs = (flood["time_ms"] or 0) / 1000
            flood["replies_per_s"] = flood["received"] / secs if secs else 0.0
            # ping stops once it has `count` replies and calls the requests still in flight lost;
            # the peer's interface counters see every request sent and every reply that came back.
            flood["wire_tx"] = after["tx_packets"] - before["tx_packets"]
            flood["wire_rx"] = after["rx_packets"] - before["rx_packets"]
            flood["lost"] = max(0, flood["wire_tx"] - flood["wire_rx"])
            res["runs"].append({"idle": idle, "flood": flood})
            print(f"   run {i + 1}: {flood['replies_per_s']:,.0f} replies/s, "
                  f"loss {flood['lost']}/{flood['transmitted']}, idle rtt {idle.get('rtt_avg_ms')} ms",
                  flush=True)
    finally:
        if proc.poll() is None:
            out, err = stop(proc)
        else:
            out, err = proc.communicate()
    res["exit"] = proc.returncode
    for line in (out or "").splitlines():
        if line.startswith("{"):
            try:
                res["responder"] = json.loads(line)
            except ValueError:
                pass
    if res["runs"]:
        rates = [r["flood"]["replies_per_s"] for r in res["runs"]]
        rtts = [r["idle"].get("rtt_avg_ms") for r in res["runs"] if r["idle"].get("rtt_avg_ms")]
        res["replies_per_s"] = statistics.median(rates)
        res["lost"] = sum(r["flood"]["lost"] for r in res["runs"])
        res["transmitted"] = sum(r["flood"]["wire_tx"] for r in res["runs"])
        res["idle_rtt_ms"] = statistics.median(rtts) if rtts else None
    return res


def stack_argv(a, peer, batch_file):
    if a.stack_cmd:
        return a.stack_cmd.format(ns=peer.stack_ns, batch=batch_file, python=sys.executable).split()
    return [sys.executable, "-m", "netsh", "-netns", peer.stack_ns, "-b", batch_file]


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def report(a, bare, stk, fast=None):
    print()
    print(f"echo capacity: ping -f -l {a.inflight} -c {a.count} (median of {a.runs}); "
          f"idle: ping -c {a.idle_count} -i {a.idle_interval}")
    print(f"{'responder':<10} {'replies/s':>12} {'lost/sent':>16} {'idle RTT ms':>12}")
    for r in (bare, fast, stk):
        if r is None:
            continue
        if "error" in r and not r.get("runs"):
            print(f"{r['label']:<10} FAILED: {r['error']}")
            continue
        print(f"{r['label']:<10} {fmt(r.get('replies_per_s'), ',.0f'):>12} "
              f"{str(r.get('lost')) + '/' + str(r.get('transmitted')):>16} {fmt(r.get('idle_rtt_ms'), '.3f'):>12}")
    ratios = {}
    if bare and stk and bare.get("replies_per_s") and stk.get("replies_per_s"):
        ratios["rate"] = stk["replies_per_s"] / bare["replies_per_s"]
        rate_ok = ratios["rate"] >= TARGET_RATE and stk["lost"] == 0
        print(f"stack/bare replies/s: {ratios['rate']:.2f}  (target >= {TARGET_RATE:.2f} with zero loss: "
              f"{'met' if rate_ok else 'NOT met'})")
        if bare.get("idle_rtt_ms") and stk.get("idle_rtt_ms"):
            ratios["rtt"] = stk["idle_rtt_ms"] / bare["idle_rtt_ms"]
            print(f"stack/bare idle RTT:  {ratios['rtt']:.2f}  (target <= {TARGET_RTT:.2f}: "
                  f"{'met' if ratios['rtt'] <= TARGET_RTT else 'NOT met'})")
    if fast and stk and fast.get("replies_per_s") and stk.get("replies_per_s"):
        ratios["rate_vs_min"] = stk["replies_per_s"] / fast["replies_per_s"]
        print(f"stack/bare-min replies/s: {ratios['rate_vs_min']:.2f}  (no target: the floor of Python work)")
    print("commands:")
    print(f"  flood (peer ns): {' '.join(flood_cmd(a.count, a.inflight, a.deadline))}")
    print(f"  idle  (peer ns): {' '.join(idle_cmd(a.idle_count, a.idle_interval))}")
    for r in (bare, fast, stk):
        if r:
            print(f"  {r['label']:<8} (stack ns): {r['command']}")
    return ratios


def write_result(bench: str, fields: dict) -> None:
    """One JSON line in tests/bench/results/BENCH-<stamp>.json (a directory git ignores)."""
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    ignore = results / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = results / f"{bench}-{stamp}.json"
    rec = {"bench": bench, "time": stamp, "uname": os.uname().release, **fields}
    path.write_text(json.dumps(rec, default=str) + "\n")
    print(f"results: {path.relative_to(ROOT)}")


def save(a, bare, stk, ratios, fast=None):
    write_result("echo", {
           "params": {"bare_full_checksum": a.bare_full_checksum, "count": a.count, "inflight": a.inflight, "runs": a.runs,
                      "idle_count": a.idle_count, "idle_interval": a.idle_interval},
           "bare": bare, "bare_min": fast, "stack": stk, "ratios": ratios,
           "targets": {"rate": TARGET_RATE, "rtt": TARGET_RTT}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--deadline", type=int, default=60, help="seconds bounding each ping")
    ap.add_argument("--idle-count", type=int, default=200)
    ap.add_argument("--idle-interval", type=float, default=0.01)
    ap.add_argument("--only", choices=("bare", "stack"))
    ap.add_argument("--ready", type=float, default=30, help="seconds to wait for the stack to answer")
    ap.add_argument("--bare-full-checksum", action="store_true",
                    help="make the bare responder recompute both checksums (echo_baseline's work)")
    ap.add_argument("--stack-cmd", help="override: command for the stack, with {ns} {batch} {python}")
    a = ap.parse_args()
    reason = netns_reason()
    if reason:
        sys.exit(f"echo_bench: {reason}")

    bare = stk = fast = None
    with VethPeer() as peer:
        if a.only != "stack":
            base = [sys.executable, str(HERE / "bare_responder.py"), peer.stack_dev, ADDR, "--seconds", "600"]
            bare = measure(peer, a, "bare-ref", [*base, "--mode", "reference"], 10)
            fast = measure(peer, a, "bare-min", [*base, "--mode", "minimal",
                                                 *(["--full-checksum"] if a.bare_full_checksum else [])], 10)
        if a.only != "bare":
            # The stack lives for the batch's sleep: at least 120 s, more if the runs may need it.
            life = max(120, int(a.ready + a.runs * (a.deadline + a.idle_count * a.idle_interval + 10)))
            with tempfile.NamedTemporaryFile("w", prefix="echo-bench-", suffix=".batch",
                                             delete=False) as f:
                f.write(f"link attach {peer.stack_dev} name {peer.stack_dev}\n"
                        f"link set {peer.stack_dev} up\n"
                        f"addr add {ADDR}/24 dev {peer.stack_dev}\n"
                        f"sleep {life}\n")
            try:
                stk = measure(peer, a, "stack", stack_argv(a, peer, f.name), a.ready)
            finally:
                os.unlink(f.name)
    ratios = report(a, bare, stk, fast)
    save(a, bare, stk, ratios, fast)
    failed = [r for r in (bare, fast, stk) if r is not None and not r.get("runs")]
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
