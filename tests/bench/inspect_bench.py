"""Inspection benchmark: how fast we dissect, and what capture and trace cost the stack.

    sudo .venv/bin/python tests/bench/inspect_bench.py [--runs 3] [--rounds 8] [--count 100000]
                                                       [--only dissect|capture] [--pcap FILE]

Part 1, dissection speed.  In a fresh namespace pair (tests/netns.py, ``VethPeer(ipv6=True)``)
the stack-side namespace gets *kernel* addresses (192.0.2.1/24, 2001:db8::1/64) and a small
UDP/TCP server, and the peer generates traffic at it while ``tcpdump -c 20000`` records the
peer's eth0: ICMP echo v4 and v6 (some ``-s 3000``, so fragmented), UDP datagrams and DNS-shaped
queries (answered), four kernel TCP connections moving data (SACK, timestamps), and the ARP/NDP
that comes by itself.  On that one file, best of 3 passes each:

* summary (view): ``netsh.inspect.packet_view(pkt, first, tree=False)`` + ``summary_line``,
  exactly what ``capture show`` prints per packet;
* summary (columns): ``stack.wire.skim.columns(buf)``, the columns alone (skimmed, or
  dissected in full when a skimmer declines);
* summary (dissect): ``dissect(buf, tree=False).summary()``, the full path's columns;
* full tree: ``dissect(buf)``: every field with its value, offset and length, as rows that become
  Node objects when walked and displays made when read (Wireshark's lazy tree);
* full tree (nodes): the same and every Node made (``layer.walk()``);
* full tree (every display): the same and every node's ``display`` (what ``capture show -V`` needs);
* dpkt: ``dpkt.ethernet.Ethernet(buf)``, touching ``.data.data`` (parsed to the L4 object);
* scapy: ``Ether(buf)``;
* floor: bare_summary.py, a bare loop doing less than any summary (struct reads, cached
  address text, one formatted line with a two-port Info), with and without the TCP/UDP
  checksums: the most CPython allows, against which the summary target can be judged.

Rates are packets per second of this process's CPU time (best pass), so other jobs on a shared
machine do not pass for our slowness; the wall-clock rates are kept in the JSON.
Targets (against dpkt, in the same run): full tree (lazy) >= 1.0x, summary >= 3x.  The summary target is
judged on the view figure (what a user waits for); the dissect figure is printed next to it.

Part 2, capture and trace cost.  Ping floods (echo_bench's ``ping -f -l 64 -c COUNT``, pinned
as echo_bench pins them) at our stack on a fresh quiet VethPeer, in four variants: plain; with
``capture start dev veth0`` (ring only); with ``trace add dev veth0 count 10 filter 'udp port 9'``
armed and idle (it never matches: ``trace show`` after the flood proves it); and plain again,
the A/A control that shows what cost noise alone makes.  One netsh process (``-b -``) takes
its commands on stdin, so the variants are armed and disarmed between floods in the same
process: ``--runs`` processes, each ``--rounds`` round-robin rounds of one flood per variant,
in a balanced order (Williams squares: each variant first, last and right after every other
one equally often), after an uncounted warm-up flood.  Each variant's cost is
paired with the plain flood of its own round (cost = 1 - variant/plain), so drift between
rounds cancels; the report gives the median cost over rounds, its quartiles, and a 95 %
distribution-free interval for the median (order statistics).  A target is met when that
interval lies under it, missed when it lies above, undecided when it holds it.  Targets:
capture costs <= 25 %, an idle trace < 2 %.  Replies per second of the flood (ping's own
time) and replies per CPU-second of the stack's process (schedstat across each flood,
steadier on a shared machine) are both judged.
The same variants also run in-process, without the wire: echo requests handed straight to a
stack on an in-process cable (tests/unit/lab.py), CPU time, ``--inproc-rounds`` rounds of
``--inproc-frames`` requests in each of ``--runs`` fresh interpreters (where a process's code
and data happen to lie moves a per-frame cost by a few per cent from one to the next, so one
process is not enough), paired and balanced the same way.  That shows the per-frame cost of a
tap or an idle trace filter with little noise; it is an upper bound of the on-wire cost (no
pcap I/O to dilute it).  Each process's own median cost is printed as well.

One JSON line goes to tests/bench/results/inspect-<timestamp>.json.  Exit status 0 when every
part ran (targets met or not), 2 when a part could not run.
"""
import argparse
import gc
import json
import math
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import echo_bench  # noqa: E402
from tests.netns import VethPeer, netns_reason  # noqa: E402

TARGET_TREE = 1.0          # full trees/s >= 1.0 x dpkt
TARGET_SUMMARY = 3.0       # summary lines/s >= 3 x dpkt
TARGET_CAPTURE_COST = 0.25  # capture running costs <= 25 % of plain replies/s
TARGET_TRACE_COST = 0.02   # an armed, idle trace costs < 2 %

STACK4, STACK6 = "192.0.2.1", "2001:db8::1"
UDP_PORT, DNS_PORT, TCP_PORT = 9999, 53, 5001

# ------------------------------------------------------------------ part 1: traffic + capture

# Runs in the stack namespace on the kernel's own sockets: UDP echo (v4+v6), a DNS-ish
# responder (QR set, NXDOMAIN), and a TCP sink that sends a little back per chunk.
SERVER = r"""
import selectors, socket, sys, time
udp, dns, tcp, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sel = selectors.DefaultSelector()
def bind(fam, kind, addr, port):
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    s.setblocking(False)
    return s
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    sel.register(bind(fam, socket.SOCK_DGRAM, addr, udp), selectors.EVENT_READ, "echo")
    sel.register(bind(fam, socket.SOCK_DGRAM, addr, dns), selectors.EVENT_READ, "dns")
    sel.register(bind(fam, socket.SOCK_STREAM, addr, tcp), selectors.EVENT_READ, "listen")
print("ready", flush=True)
end = time.monotonic() + secs
while time.monotonic() < end:
    for key, _ in sel.select(0.2):
        s, what = key.fileobj, key.data
        try:
            if what == "listen":
                c, _ = s.accept(); c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
            elif what == "conn":
                data = s.recv(65536)
                if not data:
                    sel.unregister(s); s.close()
                elif len(data) > 8192:
                    s.send(b"k" * 200)
            else:
                data, peer = s.recvfrom(65536)
                if what == "dns" and len(data) >= 12:
                    data = data[:2] + bytes([data[2] | 0x80, (data[3] & 0xF0) | 3]) + data[4:]
                s.sendto(data, peer)
        except (BlockingIOError, ConnectionError):
            pass
"""

# Runs in the peer namespace: UDP datagrams of mixed sizes, DNS queries, TCP connections.
CLIENT = r"""
import random, socket, struct, sys, threading, time
s4, s6, udp, dns, tcp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
n_udp, n_dns, n_tcp, tcp_bytes = map(int, sys.argv[6:10])
rnd = random.Random(7)
def tcp_flow(addr, fam):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect((addr, tcp))
    chunk, sent = bytes(rnd.randrange(256) for _ in range(16384)), 0
    while sent < tcp_bytes:
        sent += c.send(chunk[:min(len(chunk), tcp_bytes - sent)])
        time.sleep(0.002)
    c.shutdown(socket.SHUT_WR)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
flows = [threading.Thread(target=tcp_flow, args=((s4, socket.AF_INET), (s6, socket.AF_INET6))[i % 2])
         for i in range(n_tcp)]
for t in flows:
    t.start()
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for u in (u4, u6):
    u.setblocking(False)
def drain():
    for u in (u4, u6):
        try:
            while True:
                u.recv(65536)
        except BlockingIOError:
            pass
def qname(i):
    return b"".join(bytes([len(p)]) + p for p in (b"host%d" % i, b"example", b"com")) + b"\0"
sent = 0
for i in range(max(n_udp, n_dns)):
    v6 = i % 3 == 0
    u, dst = (u6, s6) if v6 else (u4, s4)
    if i < n_udp:
        u.sendto(bytes(rnd.randrange(256) for _ in range(rnd.choice((18, 64, 200, 512, 1200, 1400)))),
                 (dst, udp)); sent += 1
    if i < n_dns:
        q = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + qname(i) + struct.pack("!HH", 28 if v6 else 1, 1)
        u.sendto(q, (dst, dns)); sent += 1
    if i % 16 == 15:
        time.sleep(0.002); drain()
drain()
for t in flows:
    t.join(60)
print(sent)
"""


def ping_cmds(a):
    """The ICMP generators (peer namespace), bounded by count and -w."""
    small, big = a.pings, a.big_pings
    return [["ping", "-n", "-q", "-f", "-c", str(small), "-w", "60", STACK4],
            ["ping", "-n", "-q", "-f", "-c", str(big), "-s", "3000", "-w", "60", STACK4],
            ["ping", "-6", "-n", "-q", "-f", "-c", str(small), "-w", "60", STACK6],
            ["ping", "-6", "-n", "-q", "-f", "-c", str(big), "-s", "3000", "-w", "60", STACK6]]


def tcpdump_cmd(path, packets):
    return ["timeout", "120", "tcpdump", "-i", "eth0", "-n", "-U", "-s", "0", "-B", "16384",
            "-Z", "root", "-c", str(packets), "-w", str(path)]


def make_capture(a, path):
    """Generate the mixed kernel traffic and record it; returns a dict describing what ran."""
    info = {"commands": []}
    with VethPeer(ipv6=True) as peer:
        s = peer.stack_ns
        peer.ip_stack("addr", "add", f"{STACK4}/24", "dev", peer.stack_dev)
        peer.run_stack("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0",
                       "net.ipv6.conf.default.disable_ipv6=0",
                       f"net.ipv6.conf.{peer.stack_dev}.disable_ipv6=0")
        peer.ip_stack("-6", "addr", "add", f"{STACK6}/64", "dev", peer.stack_dev, "nodad")
        info["commands"] += [f"ip -n STACK addr add {STACK4}/24 dev veth0",
                             "ip netns exec STACK sysctl -w net.ipv6.conf.{all,default,veth0}.disable_ipv6=0",
                             f"ip -n STACK -6 addr add {STACK6}/64 dev veth0 nodad"]
        # both families answer before we record (also settles the link-local addresses)
        for cmd in (["ping", "-n", "-c", "1", "-W", "1", STACK4], ["ping", "-6", "-n", "-c", "1", "-W", "1", STACK6]):
            for _ in range(10):
                if peer.run(*cmd, check=False).returncode == 0:
                    break
                time.sleep(0.3)
            else:
                raise RuntimeError(f"kernel in {s} does not answer {cmd[-1]}")
        srv = peer.popen_stack(sys.executable, "-c", SERVER, UDP_PORT, DNS_PORT, TCP_PORT, 150)
        if srv.stdout.readline().strip() != "ready":
            raise RuntimeError(f"traffic server failed: {srv.stderr.read().strip()[-500:]}")
        dump = peer.popen(*tcpdump_cmd(path, a.packets))
        end = time.monotonic() + 10
        while time.monotonic() < end:            # tcpdump says "listening on" once it is attached
            line = dump.stderr.readline()
            if "listening on" in line or not line:
                break
        if dump.poll() is not None:
            raise RuntimeError(f"tcpdump failed: {dump.stderr.read().strip()[-500:]}")
        info["commands"].append("ip netns exec PEER " + " ".join(map(str, tcpdump_cmd("FILE", a.packets))))
        gens = [peer.popen("timeout", "90", *cmd) for cmd in ping_cmds(a)]
        client = [sys.executable, "-c", "CLIENT", STACK4, STACK6, UDP_PORT, DNS_PORT, TCP_PORT,
                  a.udp, a.dns, a.tcp, a.tcp_bytes]
        gens.append(peer.popen("timeout", "90", *[CLIENT if c == "CLIENT" else c for c in client]))
        info["commands"] += ["ip netns exec PEER " + " ".join(c) for c in ping_cmds(a)]
        info["commands"].append("ip netns exec PEER python3 -c \"$CLIENT\" " + " ".join(map(str, client[3:]))
                                + "   # CLIENT/SERVER: the scripts in tests/bench/inspect_bench.py")
        # ARP and NDP come by themselves, but the warm-up above already resolved both
        # neighbours: forget them now and then so the file holds some resolutions too.
        end = time.monotonic() + 100
        while any(g.poll() is None for g in gens) and time.monotonic() < end:
            for ip in (peer.ip, peer.ip_stack):
                ip("neigh", "flush", "all", check=False)
            time.sleep(2)
        info["commands"].append("every 2 s while they run: ip -n PEER neigh flush all; ip -n STACK neigh flush all")
        info["generators"] = []
        labels = [" ".join(c) for c in ping_cmds(a)] + ["udp/dns/tcp client"]
        for label, g in zip(labels, gens):
            out, err = g.communicate(timeout=120)
            info["generators"].append({"argv": label, "exit": g.returncode,
                                       "tail": (out.strip().splitlines() or [""])[-1][:200],
                                       "stderr": err.strip()[-200:]})
        try:                                      # reached -c already, or stop it now
            dump.wait(timeout=3)
        except subprocess.TimeoutExpired:
            dump.send_signal(signal.SIGINT)       # `timeout` passes it on to tcpdump
        try:
            _, err = dump.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            dump.kill()
            _, err = dump.communicate()
        info["tcpdump"] = " ".join(line for line in err.splitlines() if "packets" in line)
        srv.kill()
        srv.communicate()
    return info


# ------------------------------------------------------------------ part 1: reading + timing

def read_frames(path):
    """[(bytes, linktype, ts_seconds, orig_len)] of a pcap/pcapng file: stack.capfile if it
    reads it, else a tiny local pcap reader (classic pcap only)."""
    try:
        from stack.capfile import read
        frames = [(bytes(r.data), r.linktype, r.ts, r.orig_len) for r in read(path)]
        if frames:
            return frames, "stack.capfile.read"
    except Exception as exc:   # noqa: BLE001 - another helper is still finishing capfile
        print(f"   stack.capfile could not read {path} ({exc}); using the local pcap reader")
    import struct
    data = Path(path).read_bytes()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if order is None:
        raise RuntimeError(f"{path}: not a classic pcap file")
    div = 1e9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e6
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from(order + "IIII", data, off)
        off += 16
        frames.append((data[off:off + incl], linktype, sec + frac / div, orig))
        off += incl
    return frames, "local pcap reader"


def timed(fn):
    """(cpu_seconds, wall_seconds) of one call.  Rates use this process's CPU time: the
    loops are single-threaded, so it equals wall time on a quiet machine and stays honest on
    a shared one (other jobs take the CPU away, not our work); wall rates go to the JSON."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def best_rate(n, fn, passes, wall=None, key=None):
    """Packets/s of the best of `passes` timed calls of fn() over n packets (CPU time)."""
    best_c = best_w = None
    for _ in range(passes):
        c, w, _ = timed(fn)
        best_c = c if best_c is None else min(best_c, c)
        best_w = w if best_w is None else min(best_w, w)
    if wall is not None:
        wall[key] = n / best_w
    return n / best_c, best_c


def time_dissection(frames, passes):
    from stack.capture import Captured
    import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
    from stack.wire.dissect import dissect
    from netsh.inspect import packet_view, summary_line

    n = len(frames)
    first = frames[0][2]
    caps = [Captured(i + 1, ts, buf, orig, "eth0", 0, "in", lt) for i, (buf, lt, ts, orig) in enumerate(frames)]
    bufs = [(buf, lt) for buf, lt, _, _ in frames]
    results, errors, wall = {}, {}, {}

    def view():
        for p in caps:
            summary_line(packet_view(p, first, tree=False))

    from stack.wire.skim import columns as skim_columns

    def columns():
        for buf, lt in bufs:
            skim_columns(buf, lt)

    def quiet():
        for buf, lt in bufs:
            dissect(buf, lt, tree=False).summary()

    def full_lazy():
        for buf, lt in bufs:
            dissect(buf, lt)

    def full_nodes():
        for buf, lt in bufs:
            for layer in dissect(buf, lt).layers:
                for node in layer.walk():
                    pass

    def full():
        for buf, lt in bufs:
            for layer in dissect(buf, lt).layers:
                for node in layer.walk():
                    node.display

    mix, problems = {}, 0
    for buf, lt in bufs:
        d = dissect(buf, lt)
        mix[d.protocol] = mix.get(d.protocol, 0) + 1
        problems += bool(d.problems)
    print("   capture mix (our protocol column): "
          + ", ".join(f"{k or '?'} {v}" for k, v in sorted(mix.items(), key=lambda kv: -kv[1])))
    print(f"   packets with a problem noted: {problems}")

    import bare_summary

    def floor():
        bare_summary.summary_lines(frames)

    def floor_verified():
        bare_summary.summary_lines(frames, verify=True)

    for name, fn in (("summary_view", view), ("summary_columns", columns), ("summary_dissect", quiet),
                     ("full_tree_lazy", full_lazy), ("full_tree_nodes", full_nodes), ("full_tree", full),
                     ("floor", floor), ("floor_verified", floor_verified)):
        results[name], _ = best_rate(n, fn, passes, wall, name)
        print(f"   {name:<16} {results[name]:>12,.0f} packets/s", flush=True)

    try:
        import dpkt

        def dpkt_parse():
            bad = 0
            for buf, _ in bufs:
                try:
                    eth = dpkt.ethernet.Ethernet(buf)
                    l3 = eth.data
                    getattr(l3, "data", None)
                except (dpkt.UnpackError, dpkt.NeedData):
                    bad += 1
            errors["dpkt"] = bad
        results["dpkt"], _ = best_rate(n, dpkt_parse, passes, wall, "dpkt")
        print(f"   {'dpkt':<16} {results['dpkt']:>12,.0f} packets/s ({errors['dpkt']} unpack errors)", flush=True)
    except ImportError as exc:
        errors["dpkt_missing"] = str(exc)
        print(f"   dpkt: not installed ({exc}); .venv/bin/pip install dpkt")

    try:
        import logging
        logging.getLogger("scapy").setLevel(logging.ERROR)
        from scapy.layers.l2 import Ether
        import scapy.layers.inet  # noqa: F401  (bindings: IP, ICMP, UDP, TCP)
        import scapy.layers.inet6  # noqa: F401
        import scapy.layers.dns  # noqa: F401

        def scapy_parse():
            for buf, _ in bufs:
                Ether(buf)
        results["scapy"], _ = best_rate(n, scapy_parse, passes, wall, "scapy")
        print(f"   {'scapy':<16} {results['scapy']:>12,.0f} packets/s", flush=True)
    except ImportError as exc:
        errors["scapy_missing"] = str(exc)
        print(f"   scapy: not installed ({exc}); .venv/bin/pip install scapy")
    return {"packets": n, "rates": results, "wall_rates": wall, "errors": errors, "mix": mix,
            "problems": problems, "clock": "process_time"}


def dissect_part(a):
    res = {}
    tmp = None
    try:
        if a.pcap:
            path = Path(a.pcap)
            res["source"] = str(path)
        else:
            tmp = tempfile.mkdtemp(prefix="inspect-bench-")
            path = Path(a.keep_pcap) if a.keep_pcap else Path(tmp) / "mixed.pcap"
            print(f"-- generating ~{a.packets} packets of kernel traffic into {path}", flush=True)
            res.update(make_capture(a, path))
            print(f"   tcpdump: {res.get('tcpdump')}", flush=True)
            for g in res["generators"]:
                if g["exit"] != 0:
                    print(f"   generator exited {g['exit']}: {g['argv']} {g['stderr']}")
        frames, reader = read_frames(path)
        res["reader"] = reader
        if not frames:
            res["error"] = "capture is empty"
            return res
        print(f"-- timing {len(frames)} packets ({reader}), best of {a.passes} passes each", flush=True)
        res.update(time_dissection(frames, a.passes))
    except Exception as exc:   # noqa: BLE001 - a bench reports, it does not crash
        res["error"] = f"{type(exc).__name__}: {exc}"
        print(f"   dissection part FAILED: {res['error']}")
    finally:
        if tmp:
            for f in Path(tmp).iterdir():
                f.unlink()
            os.rmdir(tmp)
    return res


# ------------------------------------------------------------------ part 2: capture cost

# Each variant: the commands that arm it (`VARIANTS`, also in the JSON), those whose -j output
# is kept after its flood as proof it was armed the whole time, and those that disarm it.
# "plain-again" arms nothing: plain against plain (A/A) shows how big a cost noise alone makes.
VARIANTS = (
    ("plain", []),
    ("capture", ["capture start dev veth0"]),
    ("trace-idle", ["trace add dev veth0 count 10 filter 'udp port 9'"]),
    ("plain-again", []),
)
CHECK = {"capture": ["capture status"], "trace-idle": ["trace show"]}
DISARM = {"capture": ["capture stop", "capture clear"], "trace-idle": ["trace clear"]}
CONTROL = "plain-again"
CONFIDENCE = 0.95


def round_order(seq, k):
    """The order of round k: the rows of a Williams square (k mod its size), so each variant
    runs first, last and right after every other one equally often over a whole square,
    and what one leaves behind (a ring just freed, a cold cache) falls on all alike."""
    n = len(seq)
    first, row = k % n, []
    for j in range(n):
        step = (j + 1) // 2 if j % 2 else -(j // 2)
        row.append(seq[(first + step) % n])
    if n % 2:       # an odd size needs the mirrored rows as well to balance
        row = row if (k // n) % 2 == 0 else row[::-1]
    return row


def median_interval(values, level=CONFIDENCE):
    """(low, high, confidence): a distribution-free interval for the median of `values`.

    The order statistics x(k) and x(n+1-k) enclose the true median with probability
    1 - 2 P(Binomial(n, 1/2) < k); k is the largest that keeps this >= `level`.  With few
    values k stays 1: the whole range, at the confidence it has."""
    s = sorted(values)
    n = len(s)
    if n == 0:
        return None, None, 0.0

    def coverage(k):
        return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(k + 1) >= level:
        k += 1
    return s[k - 1], s[n - k], coverage(k)


def summarize(costs):
    """Median, quartiles and the median's confidence interval of per-round paired costs."""
    if not costs:
        return None
    s = sorted(costs)
    q = statistics.quantiles(s, n=4) if len(s) > 1 else [s[0]] * 3
    low, high, conf = median_interval(s)
    return {"n": len(s), "median": statistics.median(s), "q1": q[0], "q3": q[2], "min": s[0],
            "max": s[-1], "ci_low": low, "ci_high": high, "ci_level": conf}


def paired_costs(rounds, key, base="plain"):
    """{variant: [1 - value/plain value of the same round]} over the rounds where both ran."""
    out = {}
    for r in rounds:
        plain = r.get(base, {}).get(key)
        for name, flood in r.items():
            if name != base and plain and flood.get(key):
                out.setdefault(name, []).append(1 - flood[key] / plain)
    return out


def ns_cpu_seconds(ns):
    """CPU time (s) of every thread of every process in namespace `ns` (schedstat, ns precision)."""
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=10).stdout
    total = 0
    for pid in out.split():
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e9


class DrivenStack:
    """One netsh process in the stack namespace, pinned like echo_bench's responders, reading
    its batch from stdin (``-b -``), so the bench arms and disarms a capture or a trace between
    floods and every variant runs in the same process, one after the other.  Its stdout and
    stderr share one pipe, so a command that fails on purpose (``link show fence-N``: one
    error line naming fence-N) marks where the output of the commands before it ends."""

    def __init__(self, peer, ready_secs):
        self.argv = ["ip", "netns", "exec", peer.stack_ns, "taskset", "-c", echo_bench.STACK_CPU,
                     sys.executable, "-m", "netsh", "-j", "-force", "-netns", peer.stack_ns, "-b", "-"]
        self.command = " ".join(self.argv)
        self.fences = 0
        self.tail = []                  # the last lines it printed, for an error message
        self.proc = subprocess.Popen(self.argv, cwd=echo_bench.ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     bufsize=1, start_new_session=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            dev = peer.stack_dev
            self.run([f"link attach {dev} name {dev}", f"link set {dev} up",
                      f"addr add {echo_bench.ADDR}/24 dev {dev}"], timeout=ready_secs)
            if not echo_bench.wait_answering(peer, self.proc, ready_secs):
                raise RuntimeError(f"the stack does not answer after {ready_secs}s")
        except BaseException:
            self.close()
            raise

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, commands, timeout=30):
        """Run `commands`; returns the JSON results they printed.  An error from any of them
        (other than the fence's) raises."""
        self.fences += 1
        fence = f"fence-{self.fences}"
        self.proc.stdin.write("".join(c + "\n" for c in [*commands, f"link show {fence}"]))
        self.proc.stdin.flush()
        results, end = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"no answer to {commands} within {timeout}s") from None
            if line is None:
                raise RuntimeError(f"the stack exited ({self.proc.wait()}): {' | '.join(self.tail)[-500:]}")
            self.tail = (self.tail + [line.strip()])[-5:]
            if line.startswith("{"):
                results.append(json.loads(line))
            elif f'"{fence}"' in line:
                return results
            elif line.startswith("Error"):
                raise RuntimeError(f"{commands}: {line.strip()}")

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            echo_bench.stop(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def flood(peer, a):
    """One ping flood at the stack: replies/s (ping's own time), the stack's CPU, the loss."""
    before = peer.peer_counters()
    c0 = ns_cpu_seconds(peer.stack_ns)
    fl = peer.run(*echo_bench.flood_cmd(a.count, a.inflight, a.deadline), check=False,
                  timeout=a.deadline + 30)
    cpu = ns_cpu_seconds(peer.stack_ns) - c0
    time.sleep(0.3)   # replies to requests still in flight when ping stopped counting
    after = peer.peer_counters()
    res = echo_bench.parse_ping(fl.stdout)
    secs = (res["time_ms"] or 0) / 1000
    res["replies_per_s"] = res["received"] / secs if secs else 0.0
    res["stack_cpu_s"] = cpu
    res["replies_per_cpu_s"] = res["received"] / cpu if cpu > 0 else None
    res["wire_tx"] = after["tx_packets"] - before["tx_packets"]
    res["wire_rx"] = after["rx_packets"] - before["rx_packets"]
    res["lost"] = max(0, res["wire_tx"] - res["wire_rx"])
    return res


def capture_part(a):
    """`a.runs` stack processes; in each, `a.rounds` round-robin rounds of one flood per variant
    (in `round_order`), after a warm-up flood that is not counted."""
    out = {name: {"label": name, "arm": arm, "runs": [], "errors": []} for name, arm in VARIANTS}
    rounds = []
    with VethPeer() as peer:
        for run in range(a.runs):
            try:
                with DrivenStack(peer, a.ready) as stack:
                    out["command"] = stack.command
                    print(f"-- stack process {run + 1}/{a.runs}: {stack.command}", flush=True)
                    flood(peer, argparse.Namespace(**{**vars(a), "count": max(1000, a.count // 10)}))
                    for k in range(a.rounds):
                        rounds.append(one_round(peer, stack, a, run, k, out))
            except Exception as exc:   # noqa: BLE001 - a bench reports, it does not crash
                for v in out.values():
                    if isinstance(v, dict) and "errors" in v:
                        v["errors"].append(f"run {run + 1}: {type(exc).__name__}: {exc}")
                print(f"   run {run + 1} FAILED: {type(exc).__name__}: {exc}", flush=True)
    for name, _ in VARIANTS:
        v = out[name]
        if v["runs"]:
            v["rates"] = [f["replies_per_s"] for f in v["runs"]]
            v["cpu_rates"] = [f["replies_per_cpu_s"] for f in v["runs"] if f.get("replies_per_cpu_s")]
            v["replies_per_s"] = statistics.median(v["rates"])
            v["replies_per_cpu_s"] = statistics.median(v["cpu_rates"]) if v["cpu_rates"] else None
            v["lost"] = sum(f["lost"] for f in v["runs"])
            v["transmitted"] = sum(f["wire_tx"] for f in v["runs"])
    out["paired"] = {metric: {name: summarize(costs) for name, costs in paired_costs(rounds, key).items()}
                     for metric, key in (("wall", "replies_per_s"), ("cpu", "replies_per_cpu_s"))}
    out["by_process"] = by_process(rounds, "replies_per_cpu_s")
    return out


def by_process(rounds, key):
    """{variant: [median paired cost of each stack process]}: how far one process's figure strays."""
    runs = sorted({r["plain"]["run"] for r in rounds if "plain" in r})
    out = {}
    for run in runs:
        mine = [r for r in rounds if r.get("plain", {}).get("run") == run]
        for name, costs in paired_costs(mine, key).items():
            out.setdefault(name, []).append(statistics.median(costs))
    return out


def one_round(peer, stack, a, run, k, out):
    """Each variant once, in this round's order: arm, flood, keep the proof, disarm."""
    results = {}
    for name, arm in round_order(VARIANTS, run * a.rounds + k):
        stack.run(arm)
        f = flood(peer, a)
        f.update(run=run + 1, round=k + 1)
        proof = stack.run(CHECK.get(name, []) + DISARM.get(name, []))
        if name in CHECK:
            out[name]["proof"] = proof[0]
        out[name]["runs"].append(f)
        results[name] = f
        print(f"   run {run + 1} round {k + 1:>2} {name:<11} {f['replies_per_s']:>10,.0f} replies/s "
              f"{f['replies_per_cpu_s'] or 0:>10,.0f} per CPU-s  loss {f['lost']}/{f['wire_tx']}", flush=True)
    return results


def inproc_part(a):
    """The same variants without the wire: echo requests handed straight to a stack on an
    in-process cable, CPU time.  No kernel, no ping, no scheduler between them: an upper
    bound of the cost per frame.  The rounds run in `a.runs` fresh interpreters
    (`inproc_rounds`), because where a process's code and data happen to lie moves a
    per-frame cost by a few per cent from one process to the next; the rounds of all of
    them are pooled, and each one's median is kept too."""
    children = []
    for i in range(max(1, a.runs)):
        argv = [sys.executable, __file__, "--inproc-child", "--inproc-rounds", str(a.inproc_rounds),
                "--inproc-frames", str(a.inproc_frames)]
        res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if res.returncode != 0 or not res.stdout.strip():
            raise RuntimeError(f"in-process child {i + 1} failed ({res.returncode}): {res.stderr.strip()[-300:]}")
        children.append(json.loads(res.stdout.splitlines()[-1]))
    rounds = [r for child in children for r in child["rounds"]]
    n = children[0]["frames"]
    out = {name: {"frames": n, "replies": children[-1]["replies"][name],
                  "frames_per_s": statistics.median(r[name]["frames_per_s"] for r in rounds)}
           for name, _ in VARIANTS}
    out["paired"] = {name: summarize(c) for name, c in paired_costs(rounds, "frames_per_s").items()}
    out["by_process"] = {name: [statistics.median(c) for c in
                                (paired_costs(child["rounds"], "frames_per_s").get(name, []) for child in children) if c]
                         for name, _ in VARIANTS if name != "plain"}
    out["rounds"], out["processes"] = len(rounds), len(children)
    for name, _ in VARIANTS:
        v, p = out[name], out["paired"].get(name)
        print(f"   in-process {name:<11} {v['frames_per_s']:>10,.0f} echo requests/s "
              f"({v['replies']} replies of {n})" + (f", cost {p['median']:+.2%}" if p else ""), flush=True)
    return out


def inproc_rounds(rounds, frames):
    """One interpreter's share of the in-process part: two stacks on an in-process cable
    (tests/unit/lab.py's two_hosts, fake clock), echo requests to b, 64 per poll, replies
    discarded; `rounds` rounds of `frames` requests per variant (the order from `round_order`,
    a few untimed frames after arming, the cyclic GC held off while timing)."""
    import struct
    from stack.wire.checksum import checksum
    from stack.wire.ethernet import ETH_P_IP, header
    from tests.unit.lab import A_IP, B_IP, two_hosts

    w = two_hosts()
    sa, sb = w["a"], w["b"]
    la, lb = sa.links["eth0"], sb.links["eth0"]
    session = sa.api.ping_open(B_IP, 8)         # b learns a's MAC from the ARP exchange
    sa.api.ping_send(session, 1)
    w.settle()
    batch = []
    for seq in range(64):
        icmp = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + bytes(56))
        icmp[2:4] = checksum(icmp).to_bytes(2, "big")
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000, 64, 1, 0,
                                   bytes(A_IP), bytes(B_IP)))
        ip[10:12] = checksum(ip).to_bytes(2, "big")
        batch.append(header(lb.mac, la.mac, ETH_P_IP) + bytes(ip + icmp))
    n = max(64, frames // 64 * 64)

    def run(count=n):
        tx0 = lb.stats.tx_packets
        gc.disable()
        try:
            for _ in range(count // 64):
                lb.rxq.extend(batch)
                sb.poll()
                la.rxq.clear()
        finally:
            gc.enable()
        return lb.stats.tx_packets - tx0

    nothing = (lambda: None, lambda: None)
    arm = {"plain": nothing, "plain-again": nothing,
           "capture": (lambda: sb.api.capture_start(dev="eth0"), lambda: (sb.api.capture_stop(), sb.api.capture_clear())),
           "trace-idle": (lambda: sb.api.trace_add(dev="eth0", count=10, expression="udp port 9"),
                          lambda: sb.api.trace_clear())}
    out, replies = [], {}
    for k in range(rounds):
        results = {}
        for name, _ in round_order(VARIANTS, k):
            start, end = arm[name]
            start()
            run(256)                        # settle caches after arming; not timed
            cpu, _wall, replies[name] = timed(run)
            end()
            results[name] = {"frames_per_s": n / cpu}
        out.append(results)
    return {"frames": n, "replies": replies, "rounds": out}


# ------------------------------------------------------------------ report

def verdict(ok):
    return "met" if ok else "NOT met"


TARGETS = {"capture": ("<=", TARGET_CAPTURE_COST), "trace-idle": ("<", TARGET_TRACE_COST)}


def judged(summary, name):
    """The target's verdict from the interval of the median cost: met, NOT met, or undecided."""
    if name == CONTROL:
        return "A/A: the cost noise alone makes"
    if name not in TARGETS or summary is None:
        return ""
    op, target = TARGETS[name]
    low, high = summary["ci_low"], summary["ci_high"]
    if high < target or (op == "<=" and high == target):
        word = "met"
    elif low > target or (op == "<" and low == target):
        word = "NOT met"
    else:
        word = "undecided (the interval holds the target)"
    return f"{op} {target:.0%}: {word}"


def cost_table(title, unit, medians, paired, ratios, prefix):
    """One table: the median rate per variant and the paired cost with its spread and interval."""
    print(f"  {title}")
    print(f"    {'variant':<11} {unit:>12}  {'cost':>7}  {'quartiles':>17}  {'interval of the median':>28}  target")
    for name, _ in VARIANTS:
        rate, s = medians.get(name), paired.get(name)
        if rate is None:
            continue
        if s is None:
            print(f"    {name:<11} {rate:>12,.0f}")
            continue
        ratios[f"{prefix}{name.replace('-', '_')}"] = 1 - s["median"]
        quart = f"[{s['q1']:+.1%}, {s['q3']:+.1%}]"
        interval = f"[{s['ci_low']:+.1%}, {s['ci_high']:+.1%}] ({s['ci_level']:.0%}, n={s['n']})"
        print(f"    {name:<11} {rate:>12,.0f}  {s['median']:>+7.1%}  {quart:>17}  {interval:>28}  "
              f"{judged(s, name)}")


def print_by_process(costs, what):
    if any(len(c) > 1 for c in costs.values()):
        print(f"    median cost of each process ({what}): "
              + "; ".join(f"{name} " + ", ".join(f"{c:+.1%}" for c in cs) for name, cs in costs.items()))


def report_capture(a, cap):
    ratios = {}
    done = [f for name, _ in VARIANTS for f in cap[name].get("runs", [])]
    print(f"capture and trace cost: ping -f -l {a.inflight} -c {a.count} at the stack; {a.runs} stack "
          f"process{'es' if a.runs > 1 else ''} x {a.rounds} round-robin rounds, one flood per variant per round, the order "
          f"balanced (Williams squares); cost = 1 - variant/plain of the same round; the interval is the median's "
          f"({CONFIDENCE:.0%} distribution-free, from order statistics)")
    for name, _ in VARIANTS:
        if cap[name].get("errors"):
            print(f"  {name}: {'; '.join(cap[name]['errors'])[:300]}")
    if done:
        paired = cap.get("paired", {})
        cost_table("replies per second of the flood (ping's own time):", "replies/s",
                   {n: cap[n].get("replies_per_s") for n, _ in VARIANTS}, paired.get("wall", {}), ratios, "")
        cost_table("replies per CPU-second of the stack's process (schedstat across each flood; "
                   "steadier on a shared machine):", "per CPU-s",
                   {n: cap[n].get("replies_per_cpu_s") for n, _ in VARIANTS}, paired.get("cpu", {}),
                   ratios, "cpu_")
        lost = sum(cap[n].get("lost", 0) for n, _ in VARIANTS)
        sent = sum(cap[n].get("transmitted", 0) for n, _ in VARIANTS)
        print(f"  loss over every flood: {lost}/{sent} requests")
        print_by_process(cap.get("by_process", {}), "per CPU-second")
    ip = cap.get("inproc")
    if ip and ip.get("paired"):
        cost_table(f"in-process, no wire (echo requests straight into a stack on a pair cable; "
                   f"{ip['rounds']} rounds of {ip['plain']['frames']} per variant over {ip['processes']} "
                   f"interpreters, CPU time):",
                   "requests/s", {n: ip[n]["frames_per_s"] for n, _ in VARIANTS}, ip["paired"], ratios,
                   "inproc_")
        print_by_process(ip.get("by_process", {}), "in-process")
    elif ip and ip.get("error"):
        print(f"  in-process: FAILED: {ip['error']}")
    st, tr = cap["capture"].get("proof"), cap["trace-idle"].get("proof")
    if st:
        print(f"  capture status after its last flood: seen {st.get('seen')}, captured {st.get('captured')}, "
              f"ring {st.get('ring_packets')} packets, {st.get('ring_overflow')} overflowed")
    if tr:
        print(f"  trace show after its last flood: {len(tr.get('records', []))} records, still armed for "
              f"{tr.get('armed')} (the filter never matched)")
    return ratios


def report(a, dis, cap):
    ratios = {}
    print()
    if dis is not None:
        rates = dis.get("rates", {})
        print(f"dissection: {dis.get('packets', 0)} packets of mixed kernel traffic, best of {a.passes} passes "
              f"(CPU time of this process; wall-clock rates in the JSON)")
        if dis.get("error"):
            print(f"  FAILED: {dis['error']}")
        dp = rates.get("dpkt")
        rows = (("summary (packet_view + summary_line)", "summary_view", TARGET_SUMMARY),
                ("summary (skim.columns())", "summary_columns", None),
                ("summary (dissect(tree=False).summary())", "summary_dissect", None),
                ("full tree (dissect(buf), lazy displays)", "full_tree_lazy", TARGET_TREE),
                ("full tree (+ every Node made)", "full_tree_nodes", None),
                ("full tree (+ every display)", "full_tree", None),
                ("floor: bare loop (bare_summary.py)", "floor", None),
                ("floor + TCP/UDP checksums", "floor_verified", None),
                ("dpkt Ethernet(buf) to L4", "dpkt", None),
                ("scapy Ether(buf)", "scapy", None))
        print(f"  {'what':<42} {'packets/s':>12} {'x dpkt':>8}  target")
        for label, key, target in rows:
            if key not in rates:
                print(f"  {label:<42} {'did not run':>12}")
                continue
            ratio = rates[key] / dp if dp else None
            if ratio is not None:
                ratios[key] = ratio
            tgt = ""
            if target is not None and ratio is not None:
                tgt = f">= {target:.1f}x: {verdict(ratio >= target)}"
            elif key == "summary_columns":
                tgt = "(the columns alone; no target)"
            elif key == "summary_dissect":
                tgt = "(the slow path a declined frame takes)"
            elif key in ("floor", "floor_verified"):
                tgt = "(less than a summary: what CPython allows at most)"
            print(f"  {label:<42} {rates[key]:>12,.0f} {echo_bench.fmt(ratio, '.2f'):>8}  {tgt}")
    if cap is not None:
        ratios.update(report_capture(a, cap))
    print("commands:")
    print(f"  this bench: sudo .venv/bin/python tests/bench/inspect_bench.py --runs {a.runs} --rounds {a.rounds} "
          f"--count {a.count}" + (f" --only {a.only}" if a.only else ""))
    if dis is not None:
        for c in dis.get("commands", []):
            print(f"  {c}")
        print("  then on the file: .venv/bin/python tests/bench/inspect_bench.py --only dissect --pcap FILE")
    if cap is not None:
        print(f"  flood (peer ns): {' '.join(echo_bench.flood_cmd(a.count, a.inflight, a.deadline))}")
        if cap.get("command"):
            print(f"  stack (stack ns, commands on stdin): {cap['command']}")
            print(f"    link attach/up, addr add {echo_bench.ADDR}/24; then per flood, arm / flood / disarm:")
            for name, arm in VARIANTS:
                print(f"    {name:<11} {'; '.join(arm) or '(nothing)'}"
                      + (f"  ...  {'; '.join(CHECK.get(name, []) + DISARM[name])}" if name in DISARM else ""))
    return ratios


def save(a, dis, cap, ratios):
    echo_bench.write_result("inspect", {
        "params": {"runs": a.runs, "rounds": a.rounds, "inproc_rounds": a.inproc_rounds,
                   "inproc_frames": a.inproc_frames, "count": a.count, "inflight": a.inflight, "passes": a.passes,
                   "packets": a.packets, "pcap": a.pcap},
        "dissect": dis, "capture": cap, "ratios": ratios,
        "targets": {"full_tree_vs_dpkt": TARGET_TREE, "summary_vs_dpkt": TARGET_SUMMARY,
                    "capture_cost": TARGET_CAPTURE_COST, "trace_idle_cost": TARGET_TRACE_COST}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="stack processes for the capture part")
    ap.add_argument("--rounds", type=int, default=8,
                    help="round-robin rounds per stack process (one flood per variant each)")
    ap.add_argument("--inproc-rounds", type=int, default=32,
                    help="round-robin rounds in-process, in each of --runs interpreters")
    ap.add_argument("--inproc-frames", type=int, default=4096, help="echo requests per variant per round in-process")
    ap.add_argument("--count", type=int, default=100000, help="pings per flood")
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--deadline", type=int, default=60, help="seconds bounding each ping")
    ap.add_argument("--ready", type=float, default=30, help="seconds to wait for a stack to answer")
    ap.add_argument("--only", choices=("dissect", "capture"))
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the file (best counts)")
    ap.add_argument("--packets", type=int, default=20000, help="packets tcpdump records (-c)")
    ap.add_argument("--pcap", help="dissect this file instead of generating one (no root needed)")
    ap.add_argument("--keep-pcap", help="keep the generated capture at this path")
    ap.add_argument("--pings", type=int, default=2000, help="small pings per family")
    ap.add_argument("--big-pings", type=int, default=300, help="-s 3000 pings per family")
    ap.add_argument("--udp", type=int, default=2600, help="UDP datagrams (echoed)")
    ap.add_argument("--dns", type=int, default=400, help="DNS-shaped queries (answered)")
    ap.add_argument("--tcp", type=int, default=4, help="TCP connections (half v4, half v6)")
    ap.add_argument("--tcp-bytes", type=int, default=1 << 20, help="bytes each TCP connection sends")
    ap.add_argument("--inproc-child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inproc_child:              # one interpreter's in-process rounds, as JSON (inproc_part)
        print(json.dumps(inproc_rounds(a.inproc_rounds, a.inproc_frames)))
        return 0

    need_ns = a.only != "dissect" or not a.pcap
    reason = netns_reason() if need_ns else None
    if reason:
        sys.exit(f"inspect_bench: {reason}")
    if need_ns and a.only != "capture" and not a.pcap and subprocess.run(
            ["sh", "-c", "command -v tcpdump"], capture_output=True).returncode != 0:
        sys.exit("inspect_bench: needs tcpdump (run `make deps`)")

    dis = cap = None
    if a.only != "capture":
        dis = dissect_part(a)
    if a.only != "dissect":
        try:
            cap = capture_part(a)
        except Exception as exc:   # noqa: BLE001
            print(f"   capture part FAILED: {type(exc).__name__}: {exc}")
            cap = {name: {"label": name, "runs": [], "errors": [f"{type(exc).__name__}: {exc}"]}
                   for name, _ in VARIANTS}
        print("-- in-process: the same variants without the wire", flush=True)
        try:
            cap["inproc"] = inproc_part(a)
        except Exception as exc:   # noqa: BLE001
            cap["inproc"] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"   in-process FAILED: {cap['inproc']['error']}")
    ratios = report(a, dis, cap)
    save(a, dis, cap, ratios)
    failed = (dis is not None and (dis.get("error") or dis.get("errors", {}).get("dpkt_missing")
                                   or dis.get("errors", {}).get("scapy_missing"))) or \
             (cap is not None and (any(not cap[name].get("runs") for name, _ in VARIANTS)
                                   or "error" in cap.get("inproc", {})))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
