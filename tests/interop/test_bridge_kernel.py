"""A netsh bridge between Linux hosts: three (and a spare) namespaces, each on a veth whose
other end is a port of a bridge our stack runs in its own namespace.

    nshtest-<pid>-<n>-h0  eth0 192.0.2.1/24 --veth-- p0 \\
    nshtest-<pid>-<n>-h1  eth0 192.0.2.2/24 --veth-- p1  |  br0 (netsh, 192.0.2.254/24)
    nshtest-<pid>-<n>-h2  eth0 192.0.2.3/24 --veth-- p2  |  in nshtest-<pid>-<n>-stack
    nshtest-<pid>-<n>-h3  eth0 (spare)      --veth-- p3 /

The hosts ping each other over IPv4 and IPv6 link-local, move 4 MiB with the kernel's TCP
(sha256 checked on both sides), the FDB lists each host's MAC on its port, a host that moves
to another port is relearned, a bounded MAC flood from a raw socket stops at fdb_max_learned
with the refusals counted while the hosts keep talking, and the flood's entries age out.
"""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.lab import link_mac, netns_delete, offloads_off, run_in_ns, sysctl
from netsh.options import Options
from stack.runtime import Runtime, StackProxy
from stack.wire.ipv4 import addr_from_str
from tests.interop.stackrun import wait_for
from tests.netns import _names, require_netns, send_raw

HOSTS = 4
HOST_IP = [f"192.0.2.{i + 1}" for i in range(HOSTS)]
BRIDGE_IP = "192.0.2.254"
AGEING_CS = 300                 # 3 s
MAX_LEARNED = 64
FLOOD = 1000                    # frames of the MAC flood (bounded)
TCP_BYTES = 4 << 20

_RECEIVE = r"""
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(60)
print("ready", flush=True)
c, _ = s.accept(); c.settimeout(60)
h, n = hashlib.sha256(), 0
while True:
    data = c.recv(65536)
    if not data:
        break
    h.update(data); n += len(data)
print(n, h.hexdigest(), flush=True)
"""

_SEND = r"""
import hashlib, random, socket, sys
data = random.Random(13).randbytes(int(sys.argv[2]))
s = socket.create_connection((sys.argv[1], 5001), timeout=60)
s.sendall(data); s.shutdown(socket.SHUT_WR); s.recv(1)
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
"""


class BridgedHosts:
    def __init__(self):
        base = _names()
        self.stack_ns = base + "-stack"
        self.hosts = [f"{base}-h{i}" for i in range(HOSTS)]
        self.made: list[str] = []
        self.macs: list[str] = []
        self.runtime = None
        self.proxy = None

    def build(self):
        for ns in [self.stack_ns, *self.hosts]:
            self.made.append(ns)
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)
        sysctl(self.stack_ns, "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1")
        for i, host in enumerate(self.hosts):
            sysctl(host, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                   "net.ipv6.conf.default.router_solicitations=0")
            run_in_ns(self.stack_ns, "ip", "link", "add", f"p{i}", "type", "veth",
                      "peer", "name", "eth0", "netns", host)
            offloads_off(self.stack_ns, f"p{i}")
            offloads_off(host, "eth0")
            run_in_ns(self.stack_ns, "ip", "link", "set", f"p{i}", "up")
            if i < 3:
                run_in_ns(host, "ip", "addr", "add", f"{HOST_IP[i]}/24", "dev", "eth0")
            run_in_ns(host, "ip", "link", "set", "eth0", "up")
            self.macs.append(link_mac(host, "eth0"))
        self.runtime = Runtime(netns=self.stack_ns).start()
        self.proxy = proxy = StackProxy(self.runtime)
        proxy.link_add("br0", "bridge", {"ageing_time": str(AGEING_CS),
                                          "fdb_max_learned": str(MAX_LEARNED)})
        for i in range(HOSTS):
            proxy.link_attach(f"p{i}", name=f"p{i}")
            proxy.link_set(f"p{i}", up=True, master="br0")
        proxy.link_set("br0", up=True)
        proxy.addr_add("br0", addr_from_str(BRIDGE_IP), 24)
        return self

    def down(self):
        if self.runtime is not None:
            self.runtime.stop()
        for ns in reversed(self.made):
            with contextlib.suppress(Exception):
                netns_delete(ns)

    def ping(self, i: int, target: str, count: int = 3, six: bool = False):
        argv = ["ping", "-6"] if six else ["ping"]
        return run_in_ns(self.hosts[i], *argv, "-c", str(count), "-i", "0.2", "-W", "2", target,
                         check=False, timeout=30)

    def fdb(self) -> dict:
        return {row["mac"]: row["ifname"] for row in self.proxy.fdb_show(br="br0")}

    def command(self, line: str) -> str:
        """What netsh prints for `line` against this stack."""
        out, err = io.StringIO(), io.StringIO()
        status = Executor(None, Options(), out, err, stack=self.proxy,
                          grammar=GRAMMAR).run_line(line)
        assert (status, err.getvalue()) == (0, ""), err.getvalue()
        return out.getvalue()

    def bridge_counters(self) -> dict:
        return self.proxy.stats("Bridge")["Bridge"]


@pytest.fixture
def bridged():
    require_netns()
    lab = BridgedHosts()
    try:
        yield lab.build()
    finally:
        lab.down()


def link_local(ns: str) -> str:
    out = run_in_ns(ns, "ip", "-j", "-6", "addr", "show", "dev", "eth0", "scope", "link").stdout
    return json.loads(out)[0]["addr_info"][0]["local"]


def test_linux_hosts_talk_through_a_netsh_bridge(bridged):
    lab = bridged
    for i, j in ((0, 1), (1, 2), (2, 0)):
        run = lab.ping(i, HOST_IP[j])
        assert run.returncode == 0, run.stdout + run.stderr
        assert " 0% packet loss" in run.stdout
    run = lab.ping(0, BRIDGE_IP)                        # the bridge is the host's port too
    assert run.returncode == 0, run.stdout + run.stderr
    for i, j in ((0, 2), (2, 1), (1, 0)):               # IPv6 goes through unchanged
        run = lab.ping(i, f"{link_local(lab.hosts[j])}%eth0", count=2, six=True)
        assert run.returncode == 0, run.stdout + run.stderr

    table = lab.fdb()
    for i in range(3):
        assert table[lab.macs[i]] == f"p{i}"
    lines = lab.command("bridge fdb show br br0").splitlines()     # bridge(8)'s text, too
    for i in range(3):
        assert f"{lab.macs[i]} dev p{i} master br0 " in lines

    receiver = subprocess.Popen(["ip", "netns", "exec", lab.hosts[1], sys.executable, "-c",
                                 _RECEIVE, HOST_IP[1]], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout.readline().strip() == "ready"
        sent = run_in_ns(lab.hosts[0], sys.executable, "-c", _SEND, HOST_IP[1], str(TCP_BYTES),
                         timeout=120).stdout.split()
        got = receiver.communicate(timeout=60)[0].split()
    finally:
        if receiver.poll() is None:
            receiver.kill()
    assert sent == got and sent[0] == str(TCP_BYTES)
    assert lab.bridge_counters()["Forwarded"] > TCP_BYTES // 1500


def test_a_moved_host_is_relearned_and_a_mac_flood_stops_at_the_bound(bridged):
    lab = bridged
    assert lab.ping(0, HOST_IP[1]).returncode == 0
    assert lab.fdb()[lab.macs[0]] == "p0"
    # h0 moves: its eth0 goes down, and h3 (on p3) takes its MAC and address
    run_in_ns(lab.hosts[0], "ip", "link", "set", "eth0", "down")
    run_in_ns(lab.hosts[3], "ip", "link", "set", "eth0", "address", lab.macs[0])
    run_in_ns(lab.hosts[3], "ip", "addr", "add", f"{HOST_IP[0]}/24", "dev", "eth0")
    moved_before = lab.bridge_counters()["Moved"]
    run = lab.ping(3, HOST_IP[1])
    assert run.returncode == 0, run.stdout + run.stderr
    assert lab.fdb()[lab.macs[0]] == "p3"
    # p0 lost its carrier: its entries went with it, so the move may be a new entry
    assert lab.bridge_counters()["Moved"] >= moved_before

    # a bounded flood of random sources from a raw socket on h2
    frames = [bytes.fromhex("020000009999") + bytes([0x02, 0xEE, i >> 16 & 0xFF, i >> 8 & 0xFF,
                                                     i & 0xFF, 0x01]) + b"\x88\xb5" + bytes(46)
              for i in range(FLOOD)]
    hits_before = lab.bridge_counters()["LearnLimitHits"]
    send_raw(lab.hosts[2], "eth0", frames)
    wait_for(lambda: lab.bridge_counters()["InFrames"] and
             lab.proxy.link_list("br0")[0]["linkinfo"]["info_data"]["fdb_n_learned"] >= MAX_LEARNED,
             timeout=10)
    info = lab.proxy.link_list("br0")[0]["linkinfo"]["info_data"]
    assert info["fdb_n_learned"] == MAX_LEARNED
    assert len(lab.proxy.fdb_show(br="br0")) <= MAX_LEARNED + 1 + HOSTS   # learned + local
    hits = wait_for(lambda: lab.bridge_counters()["LearnLimitHits"] - hits_before
                    >= FLOOD - MAX_LEARNED, timeout=10)
    assert hits, lab.bridge_counters()
    run = lab.ping(1, HOST_IP[2])                       # known hosts keep forwarding
    assert run.returncode == 0, run.stdout + run.stderr

    # the flood's entries age out on the stack's clock (ageing_time 3 s)
    aged_before = lab.bridge_counters()["Aged"]
    gone = wait_for(lambda: not any(mac.startswith("02:ee:") for mac in lab.fdb()), timeout=10)
    assert gone, lab.fdb()
    assert lab.bridge_counters()["Aged"] - aged_before >= MAX_LEARNED - HOSTS
