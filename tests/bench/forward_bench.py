"""IPv4 and IPv6 forwarding with a 10,000-route table, beside the raw pcapy-ng bridge.

    sudo .venv/bin/python tests/bench/forward_bench.py [--step-secs 1] [--families 4 6]

The three namespaces of bridge_bench.py (gen, mid, sink):

    gen  g0 --veth-- ba  [mid: the router under test]  bc --veth-- c1  sink

A raw AF_PACKET generator in gen sends 64-byte UDP packets (IPv4, or the smallest IPv6 one:
66 bytes) addressed to the router's MAC on ba, from 198.51.100.2 / 2001:db8:1::2 to
203.0.113.99 / 2001:db8:2::99, at a paced rate for --step-secs; the sink's kernel counts what
arrives on c1 (rx_packets; it drops them, the address is not its own).  The router is, in turn:

* netsh: ``netsh serve`` in mid with ba 198.51.100.1/24 2001:db8:1::1/64 and bc 203.0.113.1/24
  2001:db8:2::1/64, forwarding on, static neighbours for the two destinations (c1's MAC), the
  route that carries them (203.0.113.96/27, 2001:db8:2:0:8000::/65) and 10,000 more routes per
  family: table filler no packet is ever addressed to (10.0.0.0/8 /24s via 203.0.113.2 for
  IPv4, 2001:db8:8000::/33 /48s via 2001:db8:2::2 for IPv6);
* pybridge: /work/shared/limits/pybridge.py, frames written unchanged to the other handle.

The lossless rate of each is found as bridge_bench.py does (double until a frame is lost, then
bisect twice).  Not pass/fail: prints both rates and the ratio netsh/pybridge per family (issue
14's target is >= 40 %) and writes tests/bench/results/forward-<stamp>.json.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from netsh.lab import run_in_ns  # noqa: E402
from tests.bench.bridge_bench import PYBRIDGE, Lab, lossless, raw_bridge  # noqa: E402
from tests.bench.echo_bench import stop, write_result  # noqa: E402
from tests.netns import netns_reason  # noqa: E402

ROUTES = 10_000
FLOWS = {"4": ("198.51.100.2", "203.0.113.99"), "6": ("2001:db8:1::2", "2001:db8:2::99")}

GENERATOR = r"""
import socket, struct, sys, time
dev, dst_mac, src_mac, family, src, dst, rate, secs = sys.argv[1:9]
rate, secs = float(rate), float(secs)
mac = lambda t: bytes.fromhex(t.replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
udp = struct.pack("!HHHH", 10000, 9, 8 + 4, 0) + bytes(4)
if family == "4":
    size = 64 - 14
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, size, 0, 0, 64, 17, 0,
                               socket.inet_aton(src), socket.inet_aton(dst)))
    words = struct.unpack("!10H", ip)
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    ip[10:12] = struct.pack("!H", ~total & 0xFFFF)
    udp = struct.pack("!HHHH", 10000, 9, size - 20, 0) + bytes(size - 28)
    pkt = mac(dst_mac) + mac(src_mac) + b"\x08\x00" + bytes(ip) + udp
else:                        # UDP over IPv6 must carry a checksum: zero data, so it is constant
    payload = bytes(4)
    length = 8 + len(payload)
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
              + struct.pack("!IxxxB", length, 17) + struct.pack("!HHHH", 10000, 9, length, 0) + payload)
    total = sum(struct.unpack(f"!{len(pseudo) // 2}H", pseudo))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    udp = struct.pack("!HHHH", 10000, 9, length, (~total & 0xFFFF) or 0xFFFF) + payload
    ip = struct.pack("!IHBB16s16s", 6 << 28, length, 17, 64,
                     socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))
    pkt = mac(dst_mac) + mac(src_mac) + b"\x86\xdd" + ip + udp
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
"""


class RouterLab(Lab):
    """bridge_bench's namespaces; frames go to the router's MAC on ba instead of c1's."""

    family = "4"
    router_mac = "02:00:00:00:00:01"       # netsh's MAC on ba, once it runs; pybridge takes any

    def generate(self, size: int, rate: float, secs: float, sources: int = 0) -> tuple[int, float]:
        src, dst = FLOWS[self.family]
        out = run_in_ns(self.gen, sys.executable, "-c", GENERATOR, "g0", self.router_mac,
                        self.g0_mac, self.family, src, dst, str(rate), str(secs),
                        timeout=secs + 60).stdout.split()
        return int(out[0]), float(out[1])


def router_batch(lab: RouterLab, families) -> str:
    lines = ["link attach ba name ba", "link attach bc name bc",
             "link set ba addrgenmode none", "link set bc addrgenmode none",
             "link set ba up", "link set bc up"]
    if "4" in families:
        lines += ["addr add 198.51.100.1/24 dev ba", "addr add 203.0.113.1/24 dev bc",
                  "sysctl -w net.ipv4.ip_forward=1",
                  f"neigh add 203.0.113.99 lladdr {lab.c1_mac} dev bc",
                  "route add 203.0.113.96/27 dev bc"]
        lines += [f"route add 10.{i >> 8}.{i & 255}.0/24 via 203.0.113.2" for i in range(ROUTES)]
    if "6" in families:
        lines += ["addr add 2001:db8:1::1/64 dev ba nodad", "addr add 2001:db8:2::1/64 dev bc nodad",
                  "sysctl -w net.ipv6.conf.all.forwarding=1",
                  f"neigh add 2001:db8:2::99 lladdr {lab.c1_mac} dev bc",
                  "route add 2001:db8:2:0:8000::/65 dev bc"]
        lines += [f"route add 2001:db8:{0x8000 + i:x}::/48 via 2001:db8:2::2" for i in range(ROUTES)]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def netsh_router(lab: RouterLab, families):
    rundir = Path(tempfile.mkdtemp(prefix="nshbench-", dir="/tmp"))
    batch = rundir / "router.batch"
    batch.write_text(router_batch(lab, families))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(rundir), "NO_COLOR": "1"}
    name = f"forward-bench-{os.getpid()}"
    proc = subprocess.Popen(["ip", "netns", "exec", lab.mid, sys.executable, "-m", "netsh",
                             "serve", "--name", name, "-b", str(batch)],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            if line.startswith("netsh: serving"):
                break
        else:
            raise RuntimeError(f"netsh serve did not start: {proc.stderr.read().strip()[-600:]}")
        watchdog.cancel()
        time.sleep(0.5)
        shown = subprocess.run([sys.executable, "-m", "netsh", "-n", name, "-j", "link", "show",
                                "ba"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        lab.router_mac = json.loads(shown.stdout)[0]["address"]   # the stack's own, not the veth's

        def count_routes(family: str) -> int:
            out = subprocess.run([sys.executable, "-m", "netsh", "-n", name, "-j", f"-{family}",
                                  "route", "show"], cwd=ROOT, env=env, capture_output=True,
                                 text=True, timeout=60).stdout
            return len(json.loads(out or "[]"))
        yield count_routes
    finally:
        watchdog.cancel()
        stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", nargs="+", choices=("4", "6"), default=["4", "6"])
    ap.add_argument("--step-secs", type=float, default=1.0, help="seconds of each paced step")
    ap.add_argument("--start", type=float, default=5000, help="first offered rate (pps)")
    ap.add_argument("--ceiling", type=float, default=1_000_000, help="highest rate tried (pps)")
    a = ap.parse_args()
    reason = netns_reason()
    if reason or not PYBRIDGE.exists():
        print(f"forward_bench: {reason or f'{PYBRIDGE} is missing'}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))    # the namespaces go even then
    lab = RouterLab()
    result: dict = {"routes": {}, "families": {}}
    try:
        lab.build()
        with netsh_router(lab, a.families) as count_routes:
            for family in a.families:
                result["routes"][family] = count_routes(family)
                lab.family = family
                result["families"][family] = {"netsh": lossless(lab, 64, a.start, a.step_secs,
                                                                a.ceiling)}
        with raw_bridge(lab, 600):
            for family in a.families:
                lab.family = family
                result["families"][family]["pybridge"] = lossless(lab, 64, a.start, a.step_secs,
                                                                  a.ceiling)
    finally:
        lab.down()
    print(f"forwarding of 64 B packets, lossless rate (paced {a.step_secs} s steps); routes in "
          f"netsh's main table: " + ", ".join(f"IPv{f} {n:,}" for f, n in result["routes"].items()))
    print(f"{'family':>6} {'netsh pps':>11} {'pybridge pps':>13} {'ratio':>7}")
    for family, both in result["families"].items():
        ours, raw = both["netsh"]["lossless_pps"], both["pybridge"]["lossless_pps"]
        both["ratio"] = round(ours / raw, 3) if raw else None
        print(f"{'IPv' + family:>6} {ours:>11,} {raw:>13,} {both['ratio'] if raw else '-':>7}")
    print("target: netsh >= 0.40 x pybridge")
    write_result("forward", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
