"""Display filter benchmark: ``capture show -Y 'tcp.port == 80'`` against ``tshark -Y``.

    .venv/bin/python tests/bench/dfilter_bench.py [--packets 20000] [--runs 3] [--filter EXPR]

Writes a pcap of PACKETS mixed frames (TCP to ports 80, 443 and 22 with payloads, DNS-shaped
UDP, ICMP echo, ARP; every checksum right), then times, in the same run, whole processes:
``netsh -b`` reading the file and showing it through the filter, and ``tshark -r FILE -Y
FILTER``; both print one summary line per match.  Best of RUNS wall times, and their ratio
(netsh with its bytecode cached, as an installed package has it).
Not pass/fail.
"""
from __future__ import annotations

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stack.wire.checksum import checksum  # noqa: E402
from tests.checker import arp, ethernet, icmp_echo, ipv4, udp  # noqa: E402
from tests.tshark import write_pcap  # noqa: E402

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def tcp_segment(src: bytes, dst: bytes, sport: int, dport: int, seq: int, flags: int, payload: bytes) -> bytes:
    header = bytearray(struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags, 64240, 0, 0))
    segment = header + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(segment))
    segment[16:18] = checksum(pseudo + segment).to_bytes(2, "big")
    return bytes(segment)


def frames(count: int, seed: int = 1):
    rnd = random.Random(seed)
    hosts = [bytes([192, 0, 2, n]) for n in range(1, 20)] + [bytes([198, 51, 100, n]) for n in range(1, 20)]
    for i in range(count):
        src, dst = rnd.sample(hosts, 2)
        kind = rnd.random()
        if kind < 0.6:
            port = rnd.choice((80, 80, 443, 22))
            sport = rnd.randrange(32768, 61000)
            sport, dport = (sport, port) if rnd.random() < 0.5 else (port, sport)
            payload = bytes(rnd.randrange(0, 600)) if rnd.random() < 0.7 else b""
            seg = tcp_segment(src, dst, sport, dport, i * 1000, 0x18 if payload else 0x10, payload)
            yield ethernet(MAC_B, MAC_A, 0x0800, bytes(ipv4(src, dst, 6, seg, ident=i & 0xFFFF)))
        elif kind < 0.85:
            query = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
            yield ethernet(MAC_B, MAC_A, 0x0800, bytes(ipv4(src, dst, 17, bytes(udp(40000 + i % 1000, 53, query,
                                                                                    src=src, dst=dst)))))
        elif kind < 0.95:
            yield ethernet(MAC_B, MAC_A, 0x0800, bytes(ipv4(src, dst, 1, bytes(icmp_echo(7, i & 0xFFFF)))))
        else:
            yield ethernet(b"\xff" * 6, MAC_A, 0x0806, bytes(arp(1, MAC_A, src, b"\0" * 6, dst)))


def best(argv: list[str], runs: int, env=None) -> tuple[float, int]:
    times, lines = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{argv[0]} failed: {proc.stderr.strip()}")
        lines = sum(1 for line in proc.stdout.splitlines() if line.strip()[:1].isdigit() and " read from " not in line)
    return min(times), lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--filter", default="tcp.port == 80")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = Path(tmp) / "mixed.pcap"
        write_pcap(pcap, frames(args.packets))
        batch = Path(tmp) / "show.batch"
        batch.write_text(f"capture read {pcap}\ncapture show -Y '{args.filter}'\n")
        # as installed: modules' bytecode cached (in the temporary folder), not compiled on each run
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ours, our_lines = best([sys.executable, "-m", "netsh", "-b", str(batch)], args.runs, env)
        theirs, their_lines = best(["tshark", "-r", str(pcap), "-Y", args.filter], args.runs)
    print(f"{args.packets} packets, filter {args.filter!r}: netsh {ours:.2f} s ({our_lines} lines), "
          f"tshark {theirs:.2f} s ({their_lines} lines), ratio {ours / theirs:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
