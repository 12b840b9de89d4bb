"""Inspection benchmark: how fast we dissect, and what capture and trace cost the stack.

    sudo .venv/bin/python tests/bench/inspect_bench.py [--runs 3] [--count 100000]
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
* full tree: ``dissect(buf)`` and every node's ``display`` (what ``capture show -V`` needs);
* dpkt: ``dpkt.ethernet.Ethernet(buf)``, touching ``.data.data`` (parsed to the L4 object);
* scapy: ``Ether(buf)``.

Rates are packets per second of this process's CPU time (best pass), so other jobs on a shared
machine do not pass for our slowness; the wall-clock rates are kept in the JSON.
Targets (against dpkt, in the same run): full tree >= 1.0x, summary >= 3x.  The summary target is
judged on the view figure (what a user waits for); the dissect figure is printed next to it.

Part 2, capture cost.  echo_bench's ``measure`` (ping -f -l 64 -c COUNT through our stack on a
fresh quiet VethPeer), three stacks: plain; with ``capture start dev veth0`` (ring only);
with ``trace add dev veth0 count 10 filter 'udp port 9'`` armed and idle (never matches).
Runs go round robin (plain, capture, trace, plain, ...) so drift hits all three alike; the median
per variant is compared to plain.  Targets: capture costs <= 25 %, an idle trace < 2 %
(cost = 1 - replies/s ratio).  The spread of the plain runs is printed: a cost smaller than it
is noise.  So the same three variants also run in-process, without the wire: echo requests
handed straight to a stack on an in-process cable (tests/unit/lab.py), CPU time, best of 5
round-robin rounds.  That shows the per-frame cost of a tap or an idle trace filter with
little noise; it is an upper bound of the on-wire cost (no pcap I/O to dilute it).

One JSON line goes to tests/bench/results/inspect-<timestamp>.json.  Exit status 0 when every
part ran (targets met or not), 2 when a part could not run.
"""
import argparse
import gc
import os
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
    from stack.wire.dissect import dissect, ensure_registered
    ensure_registered()
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

    for name, fn in (("summary_view", view), ("summary_columns", columns), ("summary_dissect", quiet),
                     ("full_tree", full)):
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

VARIANTS = (
    ("plain", []),
    ("capture", ["capture start dev veth0"]),
    ("trace-idle", ["trace add dev veth0 count 10 filter 'udp port 9'"]),
)


def batch_text(dev, extra, life):
    # Every variant polls `capture status` every 2 s (the same negligible work for all three):
    # the capture variant's last status line (-j) lands in echo_bench's res["responder"],
    # proof that the ring saw the flood.
    lines = [f"link attach {dev} name {dev}", f"link set {dev} up", f"addr add {echo_bench.ADDR}/24 dev {dev}",
             *extra]
    lines += ["sleep 2", "capture status"] * (life // 2)
    return "\n".join(lines) + "\n"


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


class CpuMeteredPeer:
    """A VethPeer for echo_bench.measure that also meters the stack namespace's CPU time
    across each flood (the ``ping -f`` run), so replies per CPU-second of the stack can be
    set beside replies per wall second: on a shared machine the first is far steadier."""

    def __init__(self, peer):
        self._peer = peer
        self.floods = []

    def __getattr__(self, name):
        return getattr(self._peer, name)

    def run(self, *argv, **kw):
        if "-f" not in argv:
            return self._peer.run(*argv, **kw)
        c0 = ns_cpu_seconds(self._peer.stack_ns)
        res = self._peer.run(*argv, **kw)
        self.floods.append(ns_cpu_seconds(self._peer.stack_ns) - c0)
        return res


def capture_part(a):
    ea = argparse.Namespace(runs=1, count=a.count, inflight=a.inflight, deadline=a.deadline,
                            idle_count=a.idle_count, idle_interval=a.idle_interval)
    life = max(120, int(a.ready + a.deadline + a.idle_count * a.idle_interval + 20))
    out = {name: {"label": name, "runs": [], "errors": []} for name, _ in VARIANTS}
    files = []
    try:
        with VethPeer() as vpeer:
            peer = CpuMeteredPeer(vpeer)
            for name, extra in VARIANTS:
                with tempfile.NamedTemporaryFile("w", prefix=f"inspect-bench-{name}-", suffix=".batch",
                                                 delete=False) as f:
                    f.write(batch_text(peer.stack_dev, extra, life))
                files.append(f.name)
            for i in range(a.runs):
                for (name, extra), batch in zip(VARIANTS, files):
                    argv = [sys.executable, "-m", "netsh", "-j", "-netns", peer.stack_ns, "-b", batch]
                    r = echo_bench.measure(peer, ea, f"{name} ({i + 1}/{a.runs})", argv, a.ready)
                    v = out[name]
                    v["command"] = r["command"]
                    v["extra"] = extra
                    if r.get("runs"):
                        fl = r["runs"][0]["flood"]
                        cpu = peer.floods[-1] if peer.floods else None
                        fl["stack_cpu_s"] = cpu
                        fl["replies_per_cpu_s"] = fl["received"] / cpu if cpu else None
                        v["runs"].append(r["runs"][0])
                        if r.get("responder"):
                            v["status"] = r["responder"]
                    else:
                        v["errors"].append(r.get("error", "no run"))
    finally:
        for name in files:
            os.unlink(name)
    for v in out.values():
        rates = [r["flood"]["replies_per_s"] for r in v["runs"]]
        if rates:
            v["replies_per_s"] = statistics.median(rates)
            v["rates"] = rates
            per_cpu = [r["flood"]["replies_per_cpu_s"] for r in v["runs"] if r["flood"].get("replies_per_cpu_s")]
            v["replies_per_cpu_s"] = statistics.median(per_cpu) if per_cpu else None
            v["cpu_rates"] = per_cpu
            v["lost"] = sum(r["flood"]["lost"] for r in v["runs"])
            v["transmitted"] = sum(r["flood"]["wire_tx"] for r in v["runs"])
            rtts = [r["idle"]["rtt_avg_ms"] for r in v["runs"] if r["idle"].get("rtt_avg_ms")]
            v["idle_rtt_ms"] = statistics.median(rtts) if rtts else None
    return out


def inproc_part(a):
    """The same three variants without the wire: echo requests handed straight to a stack on
    an in-process cable (tests/unit/lab.py's two_hosts, fake clock), 64 per poll, replies
    discarded.  No kernel, no ping, no scheduler between them, so a cost of a few per cent
    is visible here where the flood's run-to-run spread hides it.  Best of `passes` rounds,
    round robin over the variants."""
    import struct
    from stack.wire.checksum import checksum
    from stack.wire.ethernet import ETH_P_IP, header
    from tests.unit.lab import A_IP, B_IP, two_hosts

    w = two_hosts()
    sa, sb = w["a"], w["b"]
    la, lb = sa.links["eth0"], sb.links["eth0"]
    session = sa.ping_open(B_IP, 8)         # b learns a's MAC from the ARP exchange
    sa.ping_send(session, 1)
    w.settle()
    frames = []
    for seq in range(64):
        icmp = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + bytes(56))
        icmp[2:4] = checksum(icmp).to_bytes(2, "big")
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000, 64, 1, 0,
                                   bytes(A_IP), bytes(B_IP)))
        ip[10:12] = checksum(ip).to_bytes(2, "big")
        frames.append(header(lb.mac, la.mac, ETH_P_IP) + bytes(ip + icmp))
    n = (a.count // 64) * 64

    def run():
        tx0 = lb.stats.tx_packets
        for _ in range(n // 64):
            lb.rxq.extend(frames)
            sb.poll()
            la.rxq.clear()
        return lb.stats.tx_packets - tx0

    arm = {"plain": (lambda: None, lambda: None),
           "capture": (lambda: sb.capture_start(dev="eth0"), lambda: (sb.capture_stop(), sb.capture_clear())),
           "trace-idle": (lambda: sb.trace_add(dev="eth0", count=10, expression="udp port 9"),
                          lambda: sb.trace_clear())}
    best, wall, replies = {}, {}, {}
    for _ in range(max(a.passes, 5)):
        for name, _extra in VARIANTS:
            start, end = arm[name]
            start()
            c, w, replies[name] = timed(run)
            end()
            best[name] = min(best.get(name, c), c)
            wall[name] = min(wall.get(name, w), w)
    out = {name: {"frames": n, "replies": replies[name], "frames_per_s": n / best[name],
                  "wall_frames_per_s": n / wall[name]} for name in best}
    for name, v in out.items():
        print(f"   in-process {name:<11} {v['frames_per_s']:>10,.0f} echo requests/s "
              f"({v['replies']} replies of {n})", flush=True)
    return out


# ------------------------------------------------------------------ report

def verdict(ok):
    return "met" if ok else "NOT met"


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
                ("full tree (dissect + every display)", "full_tree", TARGET_TREE),
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
            print(f"  {label:<42} {rates[key]:>12,.0f} {echo_bench.fmt(ratio, '.2f'):>8}  {tgt}")
    if cap is not None:
        plain = cap["plain"].get("replies_per_s")
        print(f"capture cost: ping -f -l {a.inflight} -c {a.count} through the stack, "
              f"median of {a.runs} (round robin)")
        print(f"  {'variant':<11} {'replies/s':>12} {'runs':>30} {'lost/sent':>14} {'ratio':>6} {'cost':>7}  target")
        for name, _ in VARIANTS:
            v = cap[name]
            if not v.get("runs"):
                print(f"  {name:<11} FAILED: {'; '.join(v['errors'])[:300]}")
                continue
            ratio = v["replies_per_s"] / plain if plain else None
            cost = None if ratio is None else 1 - ratio
            tgt = ""
            if name == "capture" and cost is not None:
                tgt = f"<= {TARGET_CAPTURE_COST:.0%}: {verdict(cost <= TARGET_CAPTURE_COST)}"
                ratios["capture"] = ratio
            elif name == "trace-idle" and cost is not None:
                tgt = f"< {TARGET_TRACE_COST:.0%}: {verdict(cost < TARGET_TRACE_COST)}"
                ratios["trace_idle"] = ratio
            runs = "/".join(f"{r:,.0f}" for r in v["rates"])
            print(f"  {name:<11} {v['replies_per_s']:>12,.0f} {runs:>30} "
                  f"{str(v['lost']) + '/' + str(v['transmitted']):>14} "
                  f"{echo_bench.fmt(ratio, '.3f'):>6} {'' if cost is None else format(cost, '.1%'):>7}  {tgt}")
        pr = cap["plain"].get("rates") or []
        if len(pr) > 1 and plain:
            spread = (max(pr) - min(pr)) / plain
            ratios["plain_spread"] = spread
            print(f"  plain runs spread {spread:.1%} of their median: a cost below that is noise")
        elif plain:
            print("  one run each: no spread to judge the noise by (see the per-CPU figures below)")
        pc = cap["plain"].get("replies_per_cpu_s")
        if pc:
            print("  per CPU-second of the stack's process (schedstat across each flood; steadier when "
                  "the machine is shared):")
            for name, _ in VARIANTS:
                v = cap[name]
                if v.get("replies_per_cpu_s"):
                    r = v["replies_per_cpu_s"] / pc
                    ratios[f"cpu_{name.replace('-', '_')}"] = r
                    runs = "/".join(f"{x:,.0f}" for x in v["cpu_rates"])
                    tgt = ""
                    if name == "capture":
                        tgt = f"<= {TARGET_CAPTURE_COST:.0%}: {verdict(1 - r <= TARGET_CAPTURE_COST)}"
                    elif name == "trace-idle":
                        tgt = f"< {TARGET_TRACE_COST:.0%}: {verdict(1 - r < TARGET_TRACE_COST)}"
                    print(f"  {name:<11} {v['replies_per_cpu_s']:>12,.0f} {runs:>30} {'':>14} "
                          f"{r:>6.3f} {1 - r:>7.1%}  {tgt}")
            cr = cap["plain"]["cpu_rates"]
            if len(cr) > 1:
                print(f"  plain runs spread {(max(cr) - min(cr)) / pc:.1%} per CPU-second")
        ip = cap.get("inproc")
        if ip and ip.get("plain"):
            base = ip["plain"]["frames_per_s"]
            print(f"  in-process, no wire (echo requests straight into a stack on a pair cable, "
                  f"best of {max(a.passes, 5)}, CPU time):")
            for name, _ in VARIANTS:
                v = ip.get(name)
                if v:
                    r = v["frames_per_s"] / base
                    ratios[f"inproc_{name.replace('-', '_')}"] = r
                    print(f"  {name:<11} {v['frames_per_s']:>12,.0f} requests/s  ratio {r:.3f}  cost {1 - r:.1%}")
        elif ip and ip.get("error"):
            print(f"  in-process: FAILED: {ip['error']}")
        st = cap["capture"].get("status")
        if st:
            print(f"  capture's last polled status (every 2 s, so before the flood's end): seen {st.get('seen')}, captured {st.get('captured')}, "
                  f"ring {st.get('ring_packets')} packets, {st.get('ring_overflow')} overflowed")
    print("commands:")
    print(f"  this bench: sudo .venv/bin/python tests/bench/inspect_bench.py --runs {a.runs} --count {a.count}")
    if dis is not None:
        for c in dis.get("commands", []):
            print(f"  {c}")
        print("  then on the file: .venv/bin/python tests/bench/inspect_bench.py --only dissect --pcap FILE")
    if cap is not None:
        print(f"  flood (peer ns): {' '.join(echo_bench.flood_cmd(a.count, a.inflight, a.deadline))}")
        for name, extra in VARIANTS:
            c = cap[name].get("command")
            if c:
                print(f"  {name:<10} (stack ns): {c}")
                print(f"             batch: link attach/up, addr add {echo_bench.ADDR}/24"
                      + "".join(f"; {e}" for e in extra) + "; then sleep 2 / capture status, repeated")
    return ratios


def save(a, dis, cap, ratios):
    echo_bench.write_result("inspect", {
        "params": {"runs": a.runs, "count": a.count, "inflight": a.inflight, "passes": a.passes,
                   "packets": a.packets, "pcap": a.pcap},
        "dissect": dis, "capture": cap, "ratios": ratios,
        "targets": {"full_tree_vs_dpkt": TARGET_TREE, "summary_vs_dpkt": TARGET_SUMMARY,
                    "capture_cost": TARGET_CAPTURE_COST, "trace_idle_cost": TARGET_TRACE_COST}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="flood runs per capture variant (median)")
    ap.add_argument("--count", type=int, default=100000, help="pings per flood")
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--deadline", type=int, default=60, help="seconds bounding each ping")
    ap.add_argument("--idle-count", type=int, default=200)
    ap.add_argument("--idle-interval", type=float, default=0.01)
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
    a = ap.parse_args()

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
        print("-- in-process: the three variants without the wire", flush=True)
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
