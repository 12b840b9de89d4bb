"""The bridge's own cost per frame, in process: no pcap, no kernel, one core.

    PYTHONPATH=. .venv/bin/python tests/bench/bridge_inprocess.py [--frames 200000]

A stack with br0 and three pair-cable ports (tests/unit/test_bridge.py's world), an FDB of
10,000 learned entries besides the hosts', and known-unicast frames of 64 and 1514 bytes
delivered on p0 for the host behind p1: each is received (Ethernet, the bridge's rx_handler:
ingress, learning, egress decisions), queued on p1 and turned into bytes for the cable
(flush_tx).  Prints frames per second and microseconds per frame for each size; the veth and
pcap benchmark against the raw pcapy-ng bridge of issue 13 is not this one.
"""
from __future__ import annotations

import argparse
import time

from stack.l2.fdb import LEARN_NEW
from tests.unit.test_bridge import bridged, host_mac, send

FDB_ENTRIES = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    args = parser.parse_args()
    world = bridged()
    s = world["s"]
    send(world, "b", b"\xff" * 6)                         # b is learned on p1
    br = s.links["br0"]
    for i in range(FDB_ENTRIES):
        br.fdb.learn(LEARN_NEW, br.port_list[2], b"\x02\x01" + i.to_bytes(4, "big"), s.now())
    a, b = host_mac(world, "a"), host_mac(world, "b")
    p0, p1, b_end = s.links["p0"], s.links["p1"], world["b"].links["eth0"]
    for size in (64, 1514):
        frame = b + a + b"\x88\xb5" + bytes(size - 14)
        start = time.perf_counter()
        for _ in range(args.frames // 100):
            for _ in range(100):
                p0.deliver(frame)
            p1.flush_tx()
            b_end.rxq.clear()
        elapsed = time.perf_counter() - start
        done = args.frames // 100 * 100
        print(f"{size:>5} B: {done / elapsed / 1000:7.0f} kpps, {elapsed / done * 1e6:5.2f} us/frame"
              f" (FDB {len(br.fdb)} entries)")


if __name__ == "__main__":
    main()
