"""Opening a large capture file in the dashboard, beside termshark on the same file.

    .venv/bin/python tests/bench/file_open_bench.py [--packets 1000000] [--only netsh|termshark]

A pcap of PACKETS small UDP/DNS frames (tests/capgen_udp.py) is opened in a 120x40 tmux pane
by ``netsh tui read FILE`` and by ``termshark -r FILE``; read from the pane, as a user's eye:

* first screen: seconds from the command to the first packet's row on screen;
* last packet:  seconds from End (termshark: End, after its load finishes or 60 s) to the
  last packet's number on screen;
* peak RSS of the face's process tree (termshark: with its tshark children), sampled from
  /proc every 0.2 s while it runs.

Not pass/fail: prints the figures, the issue's targets (first screen < 1 s, last packet
< 5 s, < 300 MB) and netsh/termshark ratios. Exit 0 when it ran, 2 when a part could not.
"""
import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from dashboard_bench import Pane, descendants, rss_mb  # noqa: E402
from tests.capgen_udp import write_udp_pcap  # noqa: E402

TIMEOUT = 120.0


def row_shown(number: int):
    """A predicate on the pane's text: a list row that begins with packet `number`."""
    prefix = str(number)

    def shown(text: str) -> bool:
        return any(line.strip().startswith(prefix + " ") and ("DNS" in line or "UDP" in line)
                   for line in text.splitlines())
    return shown


def peak_rss(pane: Pane, stop: threading.Event, into: list) -> None:
    while not stop.is_set():
        try:
            pid = pane.pid()
            into.append(rss_mb([pid, *descendants(pid)]))
        except (ValueError, OSError):
            pass
        stop.wait(0.2)


def measure(face: str, path: Path, packets: int) -> dict:
    command = {"netsh": f"env PYTHONPATH={ROOT} {sys.executable} -m netsh tui read {path}",
               "termshark": f"termshark -r {path}"}[face]
    pane = Pane(f"fileopen-{face}-{int(time.time())}", "bench")
    samples: list = []
    stop = threading.Event()
    start = time.perf_counter()
    pane.start(command)
    sampler = threading.Thread(target=peak_rss, args=(pane, stop, samples), daemon=True)
    sampler.start()
    try:
        waited_from = time.perf_counter() - start       # the pane's own start-up
        first = pane.wait(row_shown(1), TIMEOUT)
        first = None if first is None else waited_from + first
        if face == "termshark":     # its End goes to the last packet loaded: let the load finish
            pane.wait(lambda text: "Loading" not in text and "loading" not in text, 60)
        last = pane.press("End", row_shown(packets), timeout=TIMEOUT)[0]
    finally:
        stop.set()
        sampler.join(2)
        pane.kill()
    return {"first": first, "last": last, "rss": max(samples, default=None)}


def fmt(value, unit="s"):
    return "timeout" if value is None else f"{value:.2f} {unit}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--only", choices=("netsh", "termshark"))
    a = ap.parse_args()
    faces = [a.only] if a.only else ["netsh", "termshark"]
    missing = [tool for tool in ("tmux",) + (("termshark",) if "termshark" in faces else ())
               if shutil.which(tool) is None]
    if missing:
        print(f"cannot run: missing {', '.join(missing)} (make bench installs them)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "udp.pcap"
        write_udp_pcap(path, a.packets)
        results = {face: measure(face, path, a.packets) for face in faces}
    print(f"{a.packets}-packet pcap of 60-byte UDP/DNS frames, 120x40 tmux pane")
    print(f"{'':12}{'first screen':>14}{'last packet':>14}{'peak RSS':>12}")
    for face, r in results.items():
        print(f"{face:12}{fmt(r['first']):>14}{fmt(r['last']):>14}{fmt(r['rss'], 'MB'):>12}")
    print("targets (netsh): first screen < 1 s, last packet < 5 s, RSS < 300 MB")
    if len(results) == 2:
        for key, name in (("first", "first screen"), ("last", "last packet"), ("rss", "peak RSS")):
            ours, theirs = results["netsh"][key], results["termshark"][key]
            if ours and theirs:
                print(f"netsh/termshark {name}: {ours / theirs:.2f}x")
    return 0 if all(r["first"] is not None for r in results.values()) else 2


if __name__ == "__main__":
    sys.exit(main())
