"""Bridge forwarding between two veths: the netsh bridge beside the raw pcapy-ng bridge.

    sudo .venv/bin/python tests/bench/bridge_bench.py [--step-secs 1] [--sizes 64 1514]

Three namespaces of its own (nshbench-<pid>-gen, -mid, -sink; 198.51.100.0/24 only):

    gen  g0 --veth-- ba  [mid: the bridge under test]  bc --veth-- c1  sink

A raw AF_PACKET generator in gen sends frames of 64 and 1514 bytes to c1's MAC at a paced
rate for --step-secs; the sink's kernel counts what arrives (c1's rx_packets, which drops them:
198.51.100.99 is not its address).  The bridge under test is, in turn:

* netsh: ``netsh serve`` in mid, br0 with ba and bc as ports, c1 learned on bc and 10,000
  more MACs learned on ba (a burst of frames with as many sources) before timing;
* pybridge: /work/shared/limits/pybridge.py (two pcapy-ng handles, frames written unchanged
  to the other handle; no FDB), as reference/limits.md measured it.

For each, the offered rate doubles from --start until frames are lost, then two bisection
steps: the lossless rate is the highest rate with every frame delivered.  Each step is short
(--step-secs), so a run takes well under a minute.  Not pass/fail: prints both lossless rates
and the ratio netsh/pybridge (issue 13's target is >= 50 %), and writes
tests/bench/results/bridge-<stamp>.json.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import signal
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from netsh.lab import link_mac, netns_delete, offloads_off, run_in_ns  # noqa: E402
from tests.bench.echo_bench import stop, write_result  # noqa: E402
from tests.netns import netns_reason  # noqa: E402

PYBRIDGE = Path("/work/shared/limits/pybridge.py")
FDB_ENTRIES = 10_000
DST_IP = "198.51.100.99"        # not the sink's: it counts the frame and drops it

GENERATOR = r"""
import socket, struct, sys, time
dev, dst, src, size, rate, secs, sources = sys.argv[1:8]
size, rate, secs, sources = int(size), float(rate), float(secs), int(sources)
mac = lambda t: bytes.fromhex(t.replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
def frame(src_mac):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, 0, 0, 64, 17, 0,
                     socket.inet_aton("198.51.100.1"), socket.inet_aton("DST_IP"))
    udp = struct.pack("!HHHH", 10000, 9, size - 34, 0)
    return mac(dst) + src_mac + b"\x08\x00" + ip + udp + bytes(size - 42)
if sources:                                     # a burst of distinct sources: the FDB fills
    for i in range(sources):
        s.send(frame(b"\x02\xbe" + i.to_bytes(4, "big")))
        if i % 256 == 255:
            time.sleep(0.002)
    print(sources, 0.0, flush=True)
    sys.exit()
pkt = frame(mac(src))
send = s.send
sent, chunk = 0, max(1, int(rate / 1000))       # paced in 1 ms slices
start = time.perf_counter()
total = int(rate * secs)
while sent < total:
    n = min(chunk, total - sent)
    for _ in range(n):
        try:
            send(pkt)
        except OSError:
            time.sleep(0.0001)
            continue
        sent += 1
    due = start + sent / rate
    now = time.perf_counter()
    if due > now:
        time.sleep(due - now)
print(sent, time.perf_counter() - start, flush=True)
""".replace("DST_IP", DST_IP)


class Lab:
    def __init__(self):
        base = f"nshbench-{os.getpid()}"
        self.gen, self.mid, self.sink = base + "-gen", base + "-mid", base + "-sink"
        self.made: list[str] = []

    def build(self) -> "Lab":
        for ns in (self.gen, self.mid, self.sink):
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)
            self.made.append(ns)
            run_in_ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1")
        for a_ns, a_dev, b_ns, b_dev in ((self.gen, "g0", self.mid, "ba"),
                                          (self.mid, "bc", self.sink, "c1")):
            run_in_ns(a_ns, "ip", "link", "add", a_dev, "type", "veth", "peer", "name", b_dev,
                      "netns", b_ns)
            for ns, dev in ((a_ns, a_dev), (b_ns, b_dev)):
                offloads_off(ns, dev)
                run_in_ns(ns, "ip", "link", "set", dev, "up")
        run_in_ns(self.sink, "ip", "addr", "add", "198.51.100.3/24", "dev", "c1")
        self.g0_mac, self.c1_mac = link_mac(self.gen, "g0"), link_mac(self.sink, "c1")
        return self

    def down(self) -> None:
        for ns in reversed(self.made):
            with contextlib.suppress(Exception):
                netns_delete(ns)

    def arrived(self) -> int:
        out = run_in_ns(self.sink, "cat", "/sys/class/net/c1/statistics/rx_packets").stdout
        return int(out)

    def generate(self, size: int, rate: float, secs: float, sources: int = 0) -> tuple[int, float]:
        out = run_in_ns(self.gen, sys.executable, "-c", GENERATOR, "g0", self.c1_mac,
                        self.g0_mac, str(size), str(rate), str(secs), str(sources),
                        timeout=secs + 60).stdout.split()
        return int(out[0]), float(out[1])

    def delivered(self, size: int, rate: float, secs: float) -> tuple[int, int, float]:
        """(sent, arrived, achieved rate) of one paced step."""
        before = self.arrived()
        sent, elapsed = self.generate(size, rate, secs)
        time.sleep(0.3)                              # what is in flight lands
        return sent, self.arrived() - before, sent / elapsed if elapsed else 0.0


def lossless(lab: Lab, size: int, start: float, secs: float, ceiling: float) -> dict:
    """Double the offered rate until a frame is lost, then bisect twice."""
    steps = []
    good, bad, rate = 0.0, None, start
    while rate <= ceiling:
        sent, got, achieved = lab.delivered(size, rate, secs)
        steps.append({"offered_pps": rate, "achieved_pps": round(achieved), "sent": sent,
                      "arrived": got})
        if got < sent or achieved < 0.9 * rate:       # lost, or the generator could not keep up
            bad = rate
            break
        good, rate = rate, rate * 2
    for _ in range(2 if bad is not None and good else 0):
        rate = (good + bad) / 2
        sent, got, achieved = lab.delivered(size, rate, secs)
        steps.append({"offered_pps": rate, "achieved_pps": round(achieved), "sent": sent,
                      "arrived": got})
        if got >= sent and achieved >= 0.9 * rate:
            good = rate
        else:
            bad = rate
    return {"lossless_pps": round(good), "steps": steps}


@contextlib.contextmanager
def netsh_bridge(lab: Lab):
    rundir = Path(tempfile.mkdtemp(prefix="nshbench-", dir="/tmp"))
    batch = rundir / "bridge.batch"
    batch.write_text("link add br0 type bridge\n"
                     "link attach ba name ba\nlink attach bc name bc\n"
                     "link set ba up master br0\nlink set bc up master br0\n"
                     "link set br0 up\n")
    env = {**os.environ, "XDG_RUNTIME_DIR": str(rundir), "NO_COLOR": "1"}
    name = f"bridge-bench-{os.getpid()}"
    proc = subprocess.Popen(["ip", "netns", "exec", lab.mid, sys.executable, "-m", "netsh",
                             "serve", "--name", name, "-b", str(batch)],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    watchdog = threading.Timer(60, proc.kill)        # a serve that never says so ends
    watchdog.start()
    try:
        for line in proc.stdout:
            if line.startswith("netsh: serving"):
                break
        else:
            raise RuntimeError(f"netsh serve did not start: {proc.stderr.read().strip()}")
        watchdog.cancel()
        time.sleep(0.5)

        def fdb_size() -> int:
            out = subprocess.run([sys.executable, "-m", "netsh", "-n", name, "-j", "bridge", "fdb",
                                  "show", "br", "br0"], cwd=ROOT, env=env, capture_output=True,
                                 text=True, timeout=60).stdout
            return len(json.loads(out or "[]"))
        yield fdb_size
    finally:
        watchdog.cancel()
        stop(proc)


@contextlib.contextmanager
def raw_bridge(lab: Lab, life: int):
    proc = subprocess.Popen(["ip", "netns", "exec", lab.mid, sys.executable, str(PYBRIDGE),
                             "--left", "ba", "--right", "bc", "--secs", str(life)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        if proc.stderr.readline().strip() != "ready":
            raise RuntimeError("pybridge did not start")
        time.sleep(0.3)
        yield
    finally:
        stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 1514])
    ap.add_argument("--step-secs", type=float, default=1.0, help="seconds of each paced step")
    ap.add_argument("--start", type=float, default=5000, help="first offered rate (pps)")
    ap.add_argument("--ceiling", type=float, default=1_000_000, help="highest rate tried (pps)")
    a = ap.parse_args()
    reason = netns_reason()
    if reason or not PYBRIDGE.exists():
        print(f"bridge_bench: {reason or f'{PYBRIDGE} is missing'}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))    # the namespaces go even then
    lab = Lab()
    result = {"sizes": {}, "fdb_entries": None}
    life = 600
    try:
        lab.build()
        with netsh_bridge(lab) as fdb_size:
            # c1 is learned on bc, then 10,000 sources on ba
            run_in_ns(lab.sink, "ping", "-c", "1", "-W", "1", "198.51.100.1", check=False)
            lab.generate(64, 1, 0, sources=FDB_ENTRIES)
            time.sleep(1.0)
            result["fdb_entries"] = fdb_size()
            for size in a.sizes:
                result["sizes"].setdefault(str(size), {})["netsh"] = lossless(
                    lab, size, a.start, a.step_secs, a.ceiling)
        with raw_bridge(lab, life):
            for size in a.sizes:
                result["sizes"][str(size)]["pybridge"] = lossless(
                    lab, size, a.start, a.step_secs, a.ceiling)
    finally:
        lab.down()
    print(f"bridge forwarding, lossless rate (paced {a.step_secs} s steps); netsh FDB "
          f"{result['fdb_entries']} entries")
    print(f"{'frame':>6} {'netsh pps':>11} {'pybridge pps':>13} {'ratio':>7}")
    for size, both in result["sizes"].items():
        ours, raw = both["netsh"]["lossless_pps"], both["pybridge"]["lossless_pps"]
        both["ratio"] = round(ours / raw, 3) if raw else None
        print(f"{size:>5}B {ours:>11,} {raw:>13,} {both['ratio'] if raw else '-':>7}")
    write_result("bridge", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
