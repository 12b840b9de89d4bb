"""A paced ICMP echo flood that counts its replies: the load of dashboard_bench.py.

    icmp_flood.py DST --rate 20000 --seconds 30        (root, inside the peer namespace)

Sends echo requests at a steady RATE per second for SECONDS (no faster even when the
replies lag, unlike ``ping -f``, which waits for them), then waits a grace second for late
replies, and prints one JSON line: sent, answered, seconds, the achieved send rate and the
answered rate.  Requests carry this process's id; replies with other ids are ignored.
Bounded by count and time: it stops by itself.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from stack.wire.checksum import checksum  # noqa: E402

GRACE = 1.0
PAYLOAD = bytes(range(48))


def requests(ident: int) -> list[bytes]:
    """One echo request per sequence number, checksums done before the clock starts."""
    out = []
    for seq in range(0x10000):
        head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        csum = checksum(head + PAYLOAD)
        out.append(struct.pack("!BBHHH", 8, 0, csum, ident, seq) + PAYLOAD)
    return out


def count_replies(sock, ident: int) -> int:
    got = 0
    while True:
        try:
            data = sock.recv(2048)
        except BlockingIOError:
            return got
        ihl = (data[0] & 0x0F) * 4
        if len(data) >= ihl + 8 and data[ihl] == 0 and struct.unpack_from("!H", data, ihl + 4)[0] == ident:
            got += 1


def flood(dst: str, rate: float, seconds: float) -> dict:
    ident = os.getpid() & 0xFFFF
    packets = requests(ident)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setblocking(False)
    sent = answered = send_errors = 0
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while sent < due:
            try:
                sock.sendto(packets[sent & 0xFFFF], (dst, 0))
            except (BlockingIOError, OSError):
                send_errors += 1        # the peer's queue was full: counted, not retried
            sent += 1
        answered += count_replies(sock, ident)
        select.select([sock], [], [], 0.0005)
    send_time = time.monotonic() - start
    end = time.monotonic() + GRACE
    while time.monotonic() < end:
        select.select([sock], [], [], 0.05)
        answered += count_replies(sock, ident)
    sock.close()
    return {"sent": sent, "answered": answered, "send_errors": send_errors, "seconds": round(send_time, 3),
            "send_rate": round(sent / send_time, 1), "answered_rate": round(answered / send_time, 1),
            "answered_share": round(answered / sent, 4) if sent else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dst")
    ap.add_argument("--rate", type=float, default=20000)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()
    if not 0 < a.seconds <= 600 or not 0 < a.rate <= 200000:
        print("icmp_flood: --seconds must be in (0, 600] and --rate in (0, 200000]", file=sys.stderr)
        return 2
    print(json.dumps(flood(a.dst, a.rate, a.seconds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
