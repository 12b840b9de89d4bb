"""Dashboard flood benchmark: netsh's dashboard beside termshark under a 20 kpps flood.

    sudo .venv/bin/python tests/bench/dashboard_bench.py [--rate 20000] [--seconds 30]
                                                          [--only netsh|termshark]

One namespace pair (tests/netns.py: Linux peer eth0 192.0.2.2 <-> stack-side veth0); a
served stack (``netsh -netns NS serve``, pinned to CPU1) answers for 192.0.2.1 on veth0,
and icmp_flood.py in the peer namespace (pinned to CPU0) sends RATE echo requests a second
for SECONDS and counts the replies.  The same flood runs in four conditions, in this order:

* closed:          no face, no capture (the stack alone);
* closed+capture:  no face, ``capture start dev veth0`` on the stack;
* netsh:           ``netsh -n NAME tui`` in a 120x40 tmux pane, the Packets tab capturing
                   and following live;
* termshark:       Debian's termshark capturing on the same veth0, in a 120x40 tmux pane.

During a face's flood, the same probes measure both faces:

* key-to-screen latency: a key is sent with ``tmux send-keys`` and capture-pane is read
  in a loop until its effect shows: ? opening each face's key help while the list follows
  live; then rounds of End (follow), Up (leaving the live edge: until a highlighted row
  shows, read from capture-pane -e), and an Up and a Down moving that highlighted row and
  the detail pane to the neighbouring ``Frame N:``.  (The ring rolls over in seconds at
  this rate, so each round starts again at the live edge.)  No
  effect within 2 s counts as a timeout at 2 s.  (The overlays are closed with Esc, untimed:
  a lone Esc waits out the terminal's escape-sequence timeout in both toolkits.)
* CPU and RSS of the face's process tree (termshark: with its dumpcap and tshark) and of
  the stack process, sampled from /proc every second.
* live detail: the ``Frame N:`` the detail pane shows while following, sampled; it should
  keep advancing with the list.
* throughput: the flood's answered share and, after it, ``ping -f -l 64`` capacity with
  the face still open.

Prints a table with the targets of the TUI issue and writes one JSON line to
tests/bench/results/dashboard-<timestamp>.json.  Exit status 0 when it ran (targets met
or not), 2 when a part could not run.
"""
import argparse
import json
import os
import re
import shutil
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

from echo_bench import parse_ping, write_result  # noqa: E402
from tests.netns import VethPeer, netns_reason  # noqa: E402

ADDR = "192.0.2.1"
STACK_CPU, LOAD_CPU = "1", "0"
PROBE_TIMEOUT = 2.0
FRAME = re.compile(r"Frame (\d+):")
TARGETS = {"cpu_cores": 0.5, "key_median_ms": 50.0, "key_max_ms": 150.0, "throughput_share": 0.80}
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# what each face shows when an overlay is open, and the keys that open and close it
OVERLAY = {"netsh": ("?", "Escape", "Dashboard keys"),
           "termshark": ("?", "Escape", "A wireshark-inspired")}
# the highlighted row of the packet list, in capture-pane -e's escapes: netsh draws it
# reversed; termshark's default theme gives it a blue background (256-colour 33)
CURSOR = {"netsh": re.compile(r"\x1b\[7m(?:\x1b\[[\d;]*m)*\s*(\d+)\s"),
          "termshark": re.compile(r"\x1b\[48;5;33m (?:\x1b\[[\d;]*m)*(\d+)\s")}


# --- processes ------------------------------------------------------------------------------
def netsh_argv() -> list[str]:
    script = Path(sys.executable).parent / "netsh"
    return [str(script)] if script.exists() else [sys.executable, "-m", "netsh"]


def descendants(pid: int) -> list[int]:
    """pid and every process below it (read from /proc, children lists)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def cpu_seconds(pids) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])      # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / CLK_TCK


def rss_mb(pids) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE / 1e6


class Sampler(threading.Thread):
    """CPU (cores, between samples) and RSS of a process tree, once a second."""

    def __init__(self, pid: int, period: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples: list[tuple[float, float, float]] = []     # (t, cpu seconds, rss MB)
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            pids = descendants(self.pid)
            self.samples.append((time.monotonic(), cpu_seconds(pids), rss_mb(pids)))
            self.stopped.wait(self.period)

    def stop(self) -> dict:
        self.stopped.set()
        self.join(5)
        return summarise(self.samples)


def summarise(samples) -> dict:
    if len(samples) < 3:
        return {"error": "too few samples"}
    (t0, c0, _), (t1, c1, _) = samples[0], samples[-1]
    rss = [s[2] for s in samples]
    half = samples[len(samples) // 2:]
    return {"cpu_cores": round((c1 - c0) / (t1 - t0), 3),
            "rss_start_mb": round(rss[0], 1), "rss_end_mb": round(rss[-1], 1), "rss_max_mb": round(max(rss), 1),
            "rss_slope_mb_s_second_half": round(slope([s[0] for s in half], [s[2] for s in half]), 3),
            "samples": len(samples)}


def slope(xs, ys) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


# --- tmux: the user's keyboard and eye -------------------------------------------------------
class Pane:
    def __init__(self, socket_name: str, session: str):
        self.tmux = ["tmux", "-L", socket_name]
        self.session = session

    def start(self, command: str, width: int = 120, height: int = 40) -> None:
        subprocess.run([*self.tmux, "-f", "/dev/null", "new-session", "-d", "-s", self.session,
                        "-x", str(width), "-y", str(height), command], check=True, timeout=10)

    def pid(self) -> int:
        out = subprocess.run([*self.tmux, "display-message", "-p", "-t", self.session, "#{pane_pid}"],
                             capture_output=True, text=True, timeout=10).stdout
        return int(out.strip())

    def screen(self, escapes: bool = False) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.session],
                              capture_output=True, text=True, timeout=10).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, *keys], check=True, timeout=10)

    def wait(self, predicate, timeout: float) -> float | None:
        """Seconds until predicate(screen) holds, polling as fast as tmux answers; None on timeout."""
        return self.press(None, predicate, timeout=timeout)[0]

    def press(self, key: str | None, *predicates, timeout: float = PROBE_TIMEOUT,
              escapes: bool = False) -> list[float | None]:
        """Send key; the seconds until each predicate first holds on the screen (None: not in time)."""
        start = time.perf_counter()
        if key:
            self.keys(key)
        seen: list[float | None] = [None] * len(predicates)
        while True:
            text = self.screen(escapes)
            now = time.perf_counter() - start
            for i, predicate in enumerate(predicates):
                if seen[i] is None and predicate(text):
                    seen[i] = now
            if all(v is not None for v in seen) or now > timeout:
                return seen

    def alive(self) -> bool:
        return subprocess.run([*self.tmux, "has-session", "-t", self.session], capture_output=True,
                              timeout=10).returncode == 0

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, timeout=10)


def frame_shown(text: str) -> int | None:
    m = FRAME.search(text)
    return int(m.group(1)) if m else None


def cursor_row(face: str, text: str) -> int | None:
    """The packet number on the list's highlighted row (read from capture-pane -e)."""
    m = CURSOR[face].search(text)
    return int(m.group(1)) if m else None


def frozen(face: str, text: str) -> bool:
    """A highlighted row with a newer one below it: the list has left the live edge (while
    following, the highlight sits on the newest row)."""
    row = cursor_row(face, text)
    return row is not None and re.search(rf"(?m)^(?:\x1b\[[\d;]*m)*\s*{row + 1}\s", text) is not None


# netsh: the highlight must have a newer row below it (while following it sits on the newest
# row, so any highlight would pass at once on a screen that has not caught up).  termshark's
# screen after Up showed no newer row in view in these runs, so for it any highlight counts:
# that may flatter its figure.
FROZEN = {"netsh": frozen, "termshark": lambda face, text: cursor_row(face, text) is not None}


def probe_face(pane: Pane, face: str, seconds: float) -> dict:
    """Overlay probes while the list follows live, then cursor probes on a frozen list."""
    open_key, close_key, marker = OVERLAY[face]
    overlay, follow, freeze, cursor, detail = [], [], [], [], []
    end_follow = time.monotonic() + seconds / 2
    while time.monotonic() < end_follow:
        follow.append((time.monotonic(), frame_shown(pane.screen())))
        overlay += pane.press(open_key, lambda t: marker in t)
        pane.keys(close_key)               # not timed: a lone Esc waits out the terminal's escape timeout
        pane.wait(lambda t: marker not in t, PROBE_TIMEOUT)
        time.sleep(0.3)
    end = end_follow + seconds / 2
    while time.monotonic() < end:
        # A full ring rolls over in seconds under the flood, so each round starts again at the
        # live edge: End follows, a first Up freezes the list (timed until a highlighted row
        # shows), then an Up and a Down are timed from that settled screen.
        pane.keys("End")
        time.sleep(0.3)
        freeze += pane.press("Up", lambda t: FROZEN[face](face, t), escapes=True)
        if freeze[-1] is None:
            missed = Path(os.environ.get("DBENCH_MISSED", "/dev/null"))
            if missed.parent.is_dir():       # what the screen showed instead, for whoever looks into it
                with missed.open("a") as out:
                    out.write(f"--- {face}: Up did not leave the live edge\n{pane.screen(escapes=True)}\n")
            continue
        time.sleep(0.2)                  # let the detail of the frozen row arrive
        for key, step in (("Up", -1), ("Down", 1)):
            row = cursor_row(face, pane.screen(escapes=True))
            if row is None:
                break
            want = row + step
            moved, shown = pane.press(key, lambda t: cursor_row(face, t) == want,
                                      lambda t: f"Frame {want}:" in t, escapes=True)
            cursor.append(moved)
            detail.append(shown)
            time.sleep(0.2)
    return {"overlay": latency_summary(overlay), "freeze": latency_summary(freeze),
            "cursor": latency_summary(cursor),
            "detail": latency_summary(detail), "follow": follow_summary(follow)}


def latency_summary(values) -> dict:
    got = [v * 1000 for v in values if v is not None]
    timeouts = len(values) - len(got)
    counted = got + [PROBE_TIMEOUT * 1000] * timeouts
    if not counted:
        return {"n": 0}
    return {"n": len(values), "timeouts": timeouts, "median_ms": round(statistics.median(counted), 1),
            "max_ms": round(max(counted), 1), "min_ms": round(min(counted), 1)}


def follow_summary(follow) -> dict:
    frames = [f for _, f in follow if f is not None]
    return {"samples": len(follow), "distinct_frames": len(set(frames)),
            "first": frames[0] if frames else None, "last": frames[-1] if frames else None,
            "advancing": len(frames) > 2 and frames[-1] > frames[0]}


# --- the stack and the load --------------------------------------------------------------------
class Bench:
    def __init__(self, a, peer: VethPeer, rundir: Path):
        self.a, self.peer, self.rundir = a, peer, rundir
        self.name = f"dbench-{os.getpid()}"
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(rundir / "run"), "XDG_CONFIG_HOME": str(rundir / "cfg"),
                    "XDG_CACHE_HOME": str(rundir / "cache"), "XDG_STATE_HOME": str(rundir / "state"),
                    "TERM": "xterm-256color", "NO_COLOR": "1"}
        for d in ("run", "cfg", "cache", "state"):
            (rundir / d).mkdir(mode=0o700, exist_ok=True)
        self.server: subprocess.Popen | None = None

    def serve(self) -> None:
        batch = self.rundir / "setup.batch"
        dev = self.peer.stack_dev
        batch.write_text(f"link attach {dev} name {dev}\nlink set {dev} up\naddr add {ADDR}/24 dev {dev}\n")
        self.server = subprocess.Popen(["taskset", "-c", STACK_CPU, *netsh_argv(), "-netns", self.peer.stack_ns,
                                        "serve", "--name", self.name, "-b", str(batch)],
                                       env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        for line in self.server.stdout:
            if line.startswith("netsh: serving"):
                break
        else:
            raise RuntimeError(f"netsh serve did not start: {self.server.stderr.read().strip()}")
        threading.Thread(target=self.server.stdout.read, daemon=True).start()   # keep its pipe drained
        self.peer.run("ping", "-c", "3", "-i", "0.2", "-W", "1", ADDR, timeout=15)

    def netsh(self, *words: str) -> str:
        done = subprocess.run([*netsh_argv(), "-n", self.name, *words], env=self.env, capture_output=True,
                              text=True, timeout=30)
        if done.returncode:
            raise RuntimeError(f"netsh -n {self.name} {' '.join(words)}: {done.stderr.strip()}")
        return done.stdout

    def shutdown(self) -> None:
        if self.server is None:
            return
        subprocess.run([*netsh_argv(), "-n", self.name, "shutdown"], env=self.env, capture_output=True, timeout=30)
        try:
            self.server.wait(15)
        except subprocess.TimeoutExpired:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(15)

    def flood_start(self) -> subprocess.Popen:
        argv = ["ip", "netns", "exec", self.peer.peer_ns, "taskset", "-c", LOAD_CPU, sys.executable,
                str(HERE / "icmp_flood.py"), ADDR, "--rate", str(self.a.rate), "--seconds", str(self.a.seconds)]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def flood_result(proc: subprocess.Popen) -> dict:
        out, err = proc.communicate(timeout=120)
        if proc.returncode:
            raise RuntimeError(f"icmp_flood: {err.strip()}")
        return json.loads(out.strip().splitlines()[-1])

    def capacity(self, label: str = "") -> dict:
        spy = os.environ.get("DBENCH_SPY")     # a py-spy binary: the stack sampled while ping -f runs
        sampler = subprocess.Popen([spy, "record", "-p", str(self.server.pid), "-d", "3", "-r", "1000", "--threads",
                                    "--nonblocking", "-f", "raw", "-o", str(self.rundir.parent / f"spy-{label}.txt")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if spy else None
        if sampler:
            time.sleep(0.5)                     # attached before the ping starts
        done = self.peer.run("taskset", "-c", LOAD_CPU, "ping", "-n", "-q", "-f", "-l", "64",
                             "-c", str(self.a.capacity_count), "-w", "30", ADDR, check=False, timeout=60)
        r = parse_ping(done.stdout)
        r["replies_per_s"] = round(r["received"] / (r["time_ms"] / 1000), 1) if r.get("time_ms") else None
        if sampler:
            sampler.wait(60)
        return r

    def condition(self, label: str, face_pid: int | None = None, probe=None) -> dict:
        """One flood; the face's probes run during it; then the capacity ping."""
        stack_sampler = Sampler(self.server.pid)
        face_sampler = Sampler(face_pid) if face_pid else None
        for s in (stack_sampler, face_sampler):
            if s:
                s.start()
        load = self.flood_start()
        probes = probe(self.a.seconds - 2) if probe else None
        flood = self.flood_result(load)
        res = {"label": label, "flood": flood, "stack": stack_sampler.stop()}
        if face_sampler:
            res["face"] = face_sampler.stop()
        if probes:
            res["probes"] = probes
        res["capacity"] = self.capacity(label)
        return res

    # --- the four conditions
    def closed(self) -> dict:
        return self.condition("closed")

    def closed_capture(self) -> dict:
        self.netsh("capture", "start", "dev", self.peer.stack_dev)
        try:
            return self.condition("closed+capture")
        finally:
            self.netsh("capture", "stop")
            self.netsh("capture", "clear")

    def with_face(self, face: str) -> dict:
        pane = Pane(f"dbench-{os.getpid()}-{face}", face)
        envs = " ".join(f"{k}={v}" for k, v in self.env.items() if k.startswith(("XDG_", "TERM", "NO_COLOR")))
        if face == "netsh":
            profile = os.environ.get("DBENCH_PROFILE")       # a file: the dashboard's main thread, profiled
            runner = f"{sys.executable} -m cProfile -o {profile} -m netsh" if profile else " ".join(netsh_argv())
            command = f"env {envs} {runner} -n {self.name} tui"
            ready = "capture filter"
        else:
            command = (f"env {envs} ip netns exec {self.peer.stack_ns} termshark -i {self.peer.stack_dev}")
            ready = "Filter:"
        pane.start(command)
        # termshark starts its UI only once packets arrive: pings (the stack answers them) until it is up
        nudge = subprocess.Popen(["ip", "netns", "exec", self.peer.peer_ns, "ping", "-q", "-c", "100", "-i", "0.2",
                                  ADDR], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if face == "termshark" else None
        try:
            up = pane.wait(lambda t: ready in t or "Packets" in t, 20)
            if nudge:
                nudge.kill()
                nudge.wait()
            if up is None:
                raise RuntimeError(f"{face} did not come up: {pane.screen()[-800:]}")
            if face == "netsh":
                pane.keys("2")
                time.sleep(0.5)
                pane.keys("s")                 # capture every packet on every link, following live
                if pane.wait(lambda t: "capturing" in t, 10) is None:
                    raise RuntimeError(f"the dashboard did not start capturing: {pane.screen()[-800:]}")
            time.sleep(1.0)
            pid = pane.pid()
            res = self.condition(face, pid, lambda secs: probe_face(pane, face, secs))
            res["command"] = command.split(" ", 1 + len(envs.split()))[-1]
            return res
        finally:
            if nudge and nudge.poll() is None:
                nudge.kill()
                nudge.wait()
            if face == "netsh":                # q: a clean exit (and a written profile)
                pane.keys("q")
                end = time.monotonic() + 10
                while time.monotonic() < end and pane.alive():
                    time.sleep(0.2)
            pane.kill()
            if face == "netsh":
                try:
                    self.netsh("capture", "stop")
                    self.netsh("capture", "clear")
                except RuntimeError:
                    pass


# --- report -----------------------------------------------------------------------------------
def fmt(value, spec=".1f"):
    return "-" if value is None else format(value, spec)


def report(results: dict) -> dict:
    closed = results.get("closed", {})
    base_rate = closed.get("flood", {}).get("answered_rate")
    base_cap = closed.get("capacity", {}).get("replies_per_s")
    print()
    print(f"{'condition':<15} {'answered/s':>10} {'share':>6} {'capacity/s':>11} {'stack cpu':>9} "
          f"{'face cpu':>8} {'face rss MB start→end (slope MB/s)':>36}")
    verdicts = {}
    for label, r in results.items():
        if "error" in r:
            print(f"{label:<15} FAILED: {r['error']}")
            continue
        f, face = r["flood"], r.get("face", {})
        rss = (f"{fmt(face.get('rss_start_mb'))}→{fmt(face.get('rss_end_mb'))} "
               f"({fmt(face.get('rss_slope_mb_s_second_half'), '+.3f')})") if face else "-"
        print(f"{label:<15} {f['answered_rate']:>10,.0f} {f['answered_share']:>6.1%} "
              f"{fmt(r['capacity'].get('replies_per_s'), ',.0f'):>11} {fmt(r['stack'].get('cpu_cores'), '.2f'):>9} "
              f"{fmt(face.get('cpu_cores'), '.2f') if face else '-':>8} {rss:>36}")
    print()
    for face in ("netsh", "termshark"):
        r = results.get(face)
        if not r or "error" in r:
            continue
        p = r["probes"]
        fo = p["follow"]
        for kind, what in (("overlay", "overlay opens (list following)"), ("freeze", "Up leaves the live edge"),
                           ("cursor", "list cursor moves (frozen)"),
                           ("detail", "detail shows the new frame")):
            x = p[kind]
            print(f"{face:<10} key→screen {what:<31} median {fmt(x.get('median_ms')):>7} ms  "
                  f"max {fmt(x.get('max_ms')):>7} ms  ({x.get('n')} keys, {x.get('timeouts')} timeouts)")
        print(f"{face:<10} detail pane while following: {fo['distinct_frames']} distinct frames in "
              f"{fo['samples']} samples ({fo['first']}→{fo['last']})")
        share = (r["flood"]["answered_rate"] / base_rate) if base_rate else None
        cap_share = (r["capacity"].get("replies_per_s") or 0) / base_cap if base_cap else None
        keys = [x for x in (p["overlay"], p["freeze"], p["cursor"]) if x.get("n")]
        verdicts[face] = {
            "cpu": r["face"].get("cpu_cores", 9) <= TARGETS["cpu_cores"],
            "key_median": all(x["median_ms"] < TARGETS["key_median_ms"] for x in keys) and bool(keys),
            "key_max": all(x["max_ms"] < TARGETS["key_max_ms"] for x in keys) and bool(keys),
            "rss_flat": abs(r["face"].get("rss_slope_mb_s_second_half", 9)) < 0.1,
            "detail_follows": fo["advancing"] and fo["distinct_frames"] >= fo["samples"] // 2
            and p["detail"].get("timeouts", 1) == 0,
            "throughput_flood": share is not None and share >= TARGETS["throughput_share"],
            "throughput_capacity": cap_share is not None and cap_share >= TARGETS["throughput_share"],
            "flood_share_of_closed": round(share, 3) if share is not None else None,
            "capacity_share_of_closed": round(cap_share, 3) if cap_share is not None else None,
        }
        v = verdicts[face]
        print(f"   vs closed: flood answered {fmt(v['flood_share_of_closed'], '.2f')}x, "
              f"capacity {fmt(v['capacity_share_of_closed'], '.2f')}x")
    if "netsh" in verdicts:
        v = verdicts["netsh"]
        print("\ntargets for the netsh dashboard:")
        for key, text in (("cpu", f"CPU <= {TARGETS['cpu_cores']} core"),
                          ("rss_flat", "RSS flat (|slope| < 0.1 MB/s over the second half)"),
                          ("detail_follows", "tree and hex follow the selection live"),
                          ("key_median", f"key-to-screen median < {TARGETS['key_median_ms']:.0f} ms"),
                          ("key_max", f"key-to-screen max < {TARGETS['key_max_ms']:.0f} ms"),
                          ("throughput_flood", "flood answered with the dashboard open >= 80 % of closed"),
                          ("throughput_capacity", "ping -f capacity with the dashboard open >= 80 % of closed")):
            print(f"   {'met    ' if v[key] else 'NOT met'}  {text}")
    return verdicts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=int, default=20000, help="echo requests a second")
    ap.add_argument("--seconds", type=int, default=30, help="length of each flood")
    ap.add_argument("--capacity-count", type=int, default=50000, help="requests of each ping -f after a flood")
    ap.add_argument("--only", choices=("netsh", "termshark"), help="one face (the closed runs always run)")
    a = ap.parse_args()
    reason = netns_reason()
    if reason:
        print(f"dashboard_bench: {reason}", file=sys.stderr)
        return 2
    for tool in ("tmux", "taskset") + (() if a.only == "netsh" else ("termshark",)):
        if shutil.which(tool) is None:
            print(f"dashboard_bench: needs `{tool}` (Debian package {'util-linux' if tool == 'taskset' else tool})",
                  file=sys.stderr)
            return 2
    results: dict = {}
    rundir = Path(tempfile.mkdtemp(prefix="dbench-", dir="/tmp"))
    failed = False
    try:
        with VethPeer() as peer:
            bench = Bench(a, peer, rundir)
            try:
                bench.serve()
                steps = [("closed", bench.closed), ("closed+capture", bench.closed_capture)]
                for face in ("netsh", "termshark"):
                    if a.only in (None, face):
                        steps.append((face, lambda face=face: bench.with_face(face)))
                for label, step in steps:
                    print(f"-- {label}: {a.rate} requests/s for {a.seconds} s", flush=True)
                    try:
                        results[label] = step()
                    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
                        results[label] = {"label": label, "error": str(exc)}
                        failed = True
            finally:
                bench.shutdown()
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    verdicts = report(results)
    write_result("dashboard", {"params": vars(a), "results": results, "verdicts": verdicts, "targets": TARGETS})
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
