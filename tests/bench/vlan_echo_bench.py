"""Echo capacity through a VLAN link beside a plain link, same stack, same veth, same run.

    sudo .venv/bin/python tests/bench/vlan_echo_bench.py [--count 50000] [--runs 3]

The stack (through the CLI, as echo_bench.py runs it) answers for 192.0.2.1 on veth0 and for
198.51.100.1 on veth0.10, an 802.1Q VLAN link (id 10) on it.  The kernel here has no 8021q,
so a small raw-socket generator in the peer namespace plays the Linux host for both: it keeps
``--inflight`` echo requests in flight (as ``ping -f -l``), untagged to veth0 and then tagged
to veth0.10, and counts the replies (tagged ones by the tag the kernel hands over in
PACKET_AUXDATA).  The same generator drives both, so the ratio vlan/plain is the cost of the
VLAN link's receive dispatch, untagging, tag push and extra counters.  Not pass/fail: prints
both rates, the ratio, and writes tests/bench/results/vlan-echo-<stamp>.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from tests.bench.echo_bench import PING_CPU, STACK_CPU, stack_argv, stop, write_result  # noqa: E402
from tests.netns import VethPeer, netns_reason  # noqa: E402

PLAIN = ("192.0.2.1", "192.0.2.2", 0)
VLAN = ("198.51.100.1", "198.51.100.2", 10)
STACK_MAC = "02:00:00:00:01:01"

GENERATOR = r"""
import json, select, socket, struct, sys, time
dev, dst_mac, src_mac, src_ip, dst_ip, vid, count, inflight, deadline = sys.argv[1:10]
vid, count, inflight, deadline = int(vid), int(count), int(inflight), float(deadline)
mac = lambda text: bytes.fromhex(text.replace(":", ""))
ip = lambda text: socket.inet_aton(text)

def csum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF

icmp = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"x" * 56)
icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                            ip(src_ip), ip(dst_ip)))
hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
tag = struct.pack("!HH", 0x8100, vid) if vid else b""
request = mac(dst_mac) + mac(src_mac) + tag + b"\x08\x00" + bytes(hdr) + bytes(icmp)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))   # ETH_P_ALL: sees the tag
s.bind((dev, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.setsockopt(263, 8, 1)                     # PACKET_AUXDATA: the tag of a tagged reply
s.setblocking(False)
want_src = ip(dst_ip)
sent = received = wrong = 0
start = time.monotonic()
end = start + deadline
last_reply = start
while sent < min(inflight, count):
    s.send(request); sent += 1
while received < count and time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.05)
    if not r:
        if time.monotonic() - last_reply > 0.2:     # the window emptied (losses): refill it
            for _ in range(min(inflight, count - sent)):
                s.send(request); sent += 1
            last_reply = time.monotonic()
        continue
    while True:
        try:
            data, anc, _f, addr = s.recvmsg(2048, 64)
        except BlockingIOError:
            break
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if data[12:14] != b"\x08\x00" or data[23] != 1 or data[26:30] != want_src or data[34] != 0:
            continue
        tci = None
        for level, kind, aux in anc:
            if level == 263 and kind == 8 and len(aux) >= 20:
                status, _l, _s, _m, _n, tci_v, _tp = struct.unpack("=IIIHHHH", aux[:20])
                if status & 0x10:
                    tci = tci_v & 0xFFF
        if (tci or 0) != vid:
            wrong += 1
            continue
        received += 1
        last_reply = time.monotonic()
        if sent < count:
            s.send(request); sent += 1
elapsed = time.monotonic() - start
print(json.dumps({"sent": sent, "received": received, "wrong_tag": wrong, "seconds": elapsed,
                  "replies_per_s": received / elapsed if elapsed else 0.0}))
"""


def batch(peer, life: int) -> str:
    return (f"link attach {peer.stack_dev} name {peer.stack_dev} address {STACK_MAC}\n"
            f"link set {peer.stack_dev} up\n"
            f"addr add {PLAIN[0]}/24 dev {peer.stack_dev}\n"
            f"link add link {peer.stack_dev} name {peer.stack_dev}.10 type vlan id 10\n"
            f"link set {peer.stack_dev}.10 up\n"
            f"addr add {VLAN[0]}/24 dev {peer.stack_dev}.10\n"
            f"neigh add {PLAIN[1]} lladdr {peer.peer_mac} dev {peer.stack_dev}\n"
            f"neigh add {VLAN[1]} lladdr {peer.peer_mac} dev {peer.stack_dev}.10\n"
            f"sleep {life}\n")


def flood(peer, a, leg, count):
    stack_ip, peer_ip, vid = leg
    argv = ["taskset", "-c", PING_CPU, sys.executable, "-c", GENERATOR, peer.peer_dev, STACK_MAC,
            peer.peer_mac, peer_ip, stack_ip, str(vid), str(count), str(a.inflight), str(a.deadline)]
    out = peer.run(*argv, check=False, timeout=a.deadline + 30)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"generator failed: {out.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=50000)
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--deadline", type=int, default=30, help="seconds bounding each flood")
    ap.add_argument("--ready", type=float, default=30)
    ap.add_argument("--stack-cmd", help="override: command for the stack, with {ns} {batch} {python}")
    a = ap.parse_args()
    reason = netns_reason()
    if reason:
        sys.exit(f"vlan_echo_bench: {reason}")
    results = {"plain": [], "vlan": []}
    with VethPeer() as peer:
        life = int(a.ready + a.runs * 2 * (a.deadline + 5) + 30)
        with tempfile.NamedTemporaryFile("w", prefix="vlan-bench-", suffix=".batch", delete=False) as f:
            f.write(batch(peer, life))
        full = ["ip", "netns", "exec", peer.stack_ns, "taskset", "-c", STACK_CPU,
                *stack_argv(a, peer, f.name)]
        print(f"-- stack: {' '.join(full)}", flush=True)
        proc = subprocess.Popen(full, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            warm = None
            for _ in range(int(a.ready * 2)):
                if proc.poll() is not None:
                    break
                warm = flood(peer, a, VLAN, 10) if a.deadline else None
                if warm and warm["received"] == 10 and flood(peer, a, PLAIN, 10)["received"] == 10:
                    break
            else:
                raise RuntimeError("the stack never answered")
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise RuntimeError(f"the stack exited ({proc.returncode}): {(out + err)[-800:]}")
            for i in range(a.runs):
                for name, leg in (("plain", PLAIN), ("vlan", VLAN)):
                    r = flood(peer, a, leg, a.count)
                    results[name].append(r)
                    print(f"   run {i + 1} {name:<5}: {r['replies_per_s']:,.0f} replies/s "
                          f"({r['received']}/{r['sent']} in {r['seconds']:.2f} s, wrong tag {r['wrong_tag']})",
                          flush=True)
        finally:
            stop(proc)
            os.unlink(f.name)
    plain = statistics.median(r["replies_per_s"] for r in results["plain"])
    vlan = statistics.median(r["replies_per_s"] for r in results["vlan"])
    ratio = vlan / plain if plain else 0.0
    print()
    print(f"echo capacity, {a.count} requests, {a.inflight} in flight (median of {a.runs}):")
    print(f"  plain link veth0      {plain:>10,.0f} replies/s")
    print(f"  VLAN link veth0.10    {vlan:>10,.0f} replies/s")
    print(f"  vlan/plain: {ratio:.2f}")
    write_result("vlan-echo", {"params": vars(a), "plain": results["plain"], "vlan": results["vlan"],
                               "ratio": ratio})
    return 0


if __name__ == "__main__":
    sys.exit(main())
