"""Network-namespace helpers shared by interop tests and benchmarks.

    from tests.netns import VethPeer, send_raw, RawSniffer, require_netns

`VethPeer` (the `veth_peer` fixture) builds one cable between two namespaces::

    nshtest-<pid>-<n>-peer   eth0 192.0.2.2/24 (Linux, kernel stack)
          | veth (offloads off)
    nshtest-<pid>-<n>-stack  veth0 UP, no address, IPv6 disabled (our stack binds here)

The test process itself never changes namespace: commands run through
``ip netns exec`` subprocesses, and raw frames are sent by a small python
subprocess inside the namespace. Everything is removed on teardown, also on
failure; conftest checks at session end that no ``nshtest-<pid>-*`` is left.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading

from netsh.lab import (CommandError, in_netns, link_mac, netns_delete, netns_exists,
                       netns_list, run_in_ns, offloads_off, sysctl, terminate_pids)

__all__ = [
    "PREFIX", "VethPeer", "send_raw", "RawSniffer", "require_netns", "netns_reason",
    "run_in_ns", "in_netns", "leftover_namespaces", "CommandError",
]

PREFIX = "nshtest"
STACK_IP = "192.0.2.1"        # what tests give our stack on veth0, by convention
PEER_IP = "192.0.2.2"
PEER_IP6 = "2001:db8::2"
_serial = itertools.count(1)


def netns_reason():
    """Why namespaces cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "needs root for network namespaces (run as root, e.g. `sudo make test`)"
    for tool in ("ip", "ethtool", "sysctl"):
        if shutil.which(tool) is None:
            return f"needs `{tool}` (run `make deps`)"
    return None


def require_netns():
    """Skip the calling test unless namespaces can be built (conftest turns such a skip
    into a failure under NETSH_CI=1)."""
    import pytest
    reason = netns_reason()
    if reason:
        pytest.skip(reason)


def leftover_namespaces(prefix=PREFIX, pid=None):
    """Namespaces ``<prefix>-<pid>-*`` (this process by default) that still exist."""
    tag = f"{prefix}-{os.getpid() if pid is None else pid}-"
    return [n for n in netns_list() if n.startswith(tag)]


def _names():
    while True:
        base = f"{PREFIX}-{os.getpid()}-{next(_serial)}"
        if not (netns_exists(base + "-peer") or netns_exists(base + "-stack")):
            return base


class VethPeer:
    """A Linux peer namespace and a stack namespace joined by one veth pair.

    Attributes: ``stack_ns``, ``peer_ns``, ``stack_dev`` ("veth0"), ``peer_dev``
    ("eth0"), ``peer_ip``, ``peer_prefixlen``, ``peer_mac``, ``stack_mac``,
    ``stack_ip`` (the address tests give the stack: 192.0.2.1), ``peer_ip6`` (if ipv6).
    """

    def __init__(self, ipv6=False, peer_ip=PEER_IP, prefixlen=24, peer_ip6=PEER_IP6):
        base = _names()
        self.stack_ns, self.peer_ns = base + "-stack", base + "-peer"
        self.stack_dev, self.peer_dev = "veth0", "eth0"
        self.peer_ip, self.peer_prefixlen = peer_ip, prefixlen
        self.stack_ip = STACK_IP
        self.ipv6 = ipv6
        self.peer_ip6 = peer_ip6 if ipv6 else None
        self.peer_mac = self.stack_mac = None
        self._made, self._procs = [], []

    # -- life cycle
    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()
        return False

    def up(self):
        try:
            self._build()
        except BaseException:
            self.down()
            raise
        return self

    def _mkns(self, ns):
        self._made.append(ns)
        subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)

    def _build(self):
        s, p = self.stack_ns, self.peer_ns
        self._mkns(s)
        self._mkns(p)
        sysctl(s, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        if not self.ipv6:   # a quiet wire: no router solicitations or MLD reports from the peer
            sysctl(p, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        self.ip_stack("link", "set", "lo", "up")
        self.ip("link", "set", "lo", "up")
        self.ip_stack("link", "add", self.stack_dev, "type", "veth",
                      "peer", "name", self.peer_dev, "netns", p)
        sysctl(s, f"net.ipv6.conf.{self.stack_dev}.disable_ipv6=1")
        offloads_off(s, self.stack_dev)
        offloads_off(p, self.peer_dev)
        self.ip("addr", "add", f"{self.peer_ip}/{self.peer_prefixlen}", "dev", self.peer_dev)
        if self.ipv6:
            self.ip("-6", "addr", "add", f"{self.peer_ip6}/64", "dev", self.peer_dev, "nodad")
        self.ip_stack("link", "set", self.stack_dev, "up")
        self.ip("link", "set", self.peer_dev, "up")
        self.peer_mac = link_mac(p, self.peer_dev)
        self.stack_mac = link_mac(s, self.stack_dev)

    def down(self):
        procs, self._procs = self._procs, []
        terminate_pids([pr.pid for pr in procs if pr.poll() is None])
        for pr in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                pr.wait(timeout=2)
        for ns in reversed(self._made):
            with contextlib.suppress(Exception):
                netns_delete(ns)
        self._made = []

    # -- commands
    def run(self, *argv, check=True, timeout=30, input=None):
        """Run argv in the peer namespace; returns CompletedProcess (text)."""
        return run_in_ns(self.peer_ns, *argv, check=check, timeout=timeout, input=input)

    def run_stack(self, *argv, check=True, timeout=30, input=None):
        """Run argv in the stack namespace."""
        return run_in_ns(self.stack_ns, *argv, check=check, timeout=timeout, input=input)

    def ip(self, *args, check=True):
        """``ip -n PEER args``."""
        return run_in_ns(self.peer_ns, "ip", *args, check=check)

    def ip_stack(self, *args, check=True):
        return run_in_ns(self.stack_ns, "ip", *args, check=check)

    def popen(self, *argv, ns=None, **kw):
        """Start argv in the peer namespace (or ``ns``) in the background (text pipes by
        default); ended at teardown."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        pr = subprocess.Popen(["ip", "netns", "exec", ns or self.peer_ns, *map(str, argv)], **kw)
        self._procs.append(pr)
        return pr

    def popen_stack(self, *argv, **kw):
        return self.popen(*argv, ns=self.stack_ns, **kw)

    def in_stack_ns(self):
        """``with peer.in_stack_ns():`` the calling thread (and threads it starts, such as
        a stack runtime) is in the stack namespace for the block."""
        return in_netns(self.stack_ns)

    def send_raw(self, frames, count=1):
        """Send exact Ethernet frame(s) out of the peer's eth0."""
        return send_raw(self.peer_ns, self.peer_dev, frames, count=count)

    def sniffer(self, **kw):
        """A started `RawSniffer` on the peer's eth0."""
        return RawSniffer(self.peer_ns, self.peer_dev, **kw).start()

    def neigh(self, address, lladdr):
        """A permanent neighbour entry on the peer (so the kernel never ARPs for it)."""
        self.ip("neigh", "replace", address, "lladdr", lladdr, "dev", self.peer_dev, "nud", "permanent")

    def peer_counters(self):
        """Kernel counters of the peer's eth0 (``/sys/class/net/eth0/statistics``)."""
        d = f"/sys/class/net/{self.peer_dev}/statistics"
        out = self.run("sh", "-c", f"cd {d} && grep -H . *").stdout
        return {k: int(v) for k, v in (line.split(":", 1) for line in out.split())}

    def __repr__(self):
        return f"<VethPeer {self.peer_ns}:{self.peer_dev} {self.peer_ip} <-> {self.stack_ns}:{self.stack_dev}>"


# --------------------------------------------------------------------------- raw frames
_SEND_SCRIPT = r"""
import json, socket, sys
req = json.load(sys.stdin)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.bind((req["dev"], 0))
n = 0
for _ in range(req["count"]):
    for h in req["frames"]:
        s.send(bytes.fromhex(h)); n += 1
print(n)
"""


def send_raw(ns, dev, frames, count=1, timeout=30):
    """Send exact Ethernet frame(s) (bytes, or a list of bytes) on ``dev`` inside ``ns``
    through an AF_PACKET raw socket, ``count`` times each. Returns the number sent.
    Runs in a subprocess, so this process's namespace is untouched."""
    if isinstance(frames, (bytes, bytearray, memoryview)):
        frames = [frames]
    req = {"dev": dev, "count": int(count), "frames": [bytes(f).hex() for f in frames]}
    p = run_in_ns(ns, sys.executable, "-c", _SEND_SCRIPT, input=json.dumps(req), timeout=timeout)
    return int(p.stdout.strip() or 0)


_SNIFF_SCRIPT = r"""
import json, select, socket, struct, sys, time
dev, count, secs, outgoing = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
tags = sys.argv[5] == "1"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
if tags:
    s.setsockopt(263, 8, 1)                 # SOL_PACKET, PACKET_AUXDATA


def recv_tagged():
    # The kernel takes a frame's outer VLAN tag off before AF_PACKET sees it and hands it
    # over in PACKET_AUXDATA (tpacket_auxdata); put it back as libpcap does.
    data, anc, _flags, addr = s.recvmsg(65535, 64)
    for level, kind, aux in anc:
        if level == 263 and kind == 8 and len(aux) >= 20:
            status, _len, _snap, _mac, _net, tci, tpid = struct.unpack("=IIIHHHH", aux[:20])
            if status & 0x10:               # TP_STATUS_VLAN_VALID
                tpid = tpid if status & 0x40 else 0x8100   # TP_STATUS_VLAN_TPID_VALID
                data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data, addr


print("ready", flush=True)
out, end = [], time.monotonic() + secs
stop = select.poll(); stop.register(sys.stdin, select.POLLIN | select.POLLHUP)
while len(out) < count or count == 0:
    left = end - time.monotonic()
    if left <= 0 or stop.poll(0):
        break
    r, _, _ = select.select([s], [], [], min(left, 0.05))
    if not r:
        continue
    data, addr = recv_tagged() if tags else s.recvfrom(65535)
    if addr[2] == socket.PACKET_OUTGOING and not outgoing:
        continue
    out.append(data.hex())
print(json.dumps(out), flush=True)
"""


class RawSniffer:
    """Collect frames arriving on ``dev`` inside ``ns`` (AF_PACKET, ETH_P_ALL).

        with RawSniffer(ns, "eth0", count=1, timeout=5) as sn:
            ... make the stack send something ...
        frames = sn.frames          # list of bytes

    `start()` returns once the socket is bound, so nothing sent afterwards is missed.
    Stops after ``count`` frames (0: no limit), ``timeout`` seconds, or `stop()`.
    Outgoing frames are skipped unless ``outgoing=True``.  With ``tags=True`` the VLAN tag
    the kernel took off a received frame (and gave in PACKET_AUXDATA) is put back in.
    """

    def __init__(self, ns, dev, count=0, timeout=5.0, outgoing=False, tags=False):
        self.ns, self.dev, self.count, self.timeout, self.outgoing = ns, dev, count, timeout, outgoing
        self.tags = tags
        self.frames = None
        self._p = None

    def start(self):
        self._p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, sys.executable, "-c", _SNIFF_SCRIPT, self.dev,
             str(self.count), str(self.timeout), "1" if self.outgoing else "0",
             "1" if self.tags else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._p.stdout.readline()
        if line.strip() != "ready":
            err = self._p.stderr.read()
            self._p.kill()
            raise RuntimeError(f"sniffer on {self.ns}:{self.dev} failed: {err.strip()}")
        return self

    def stop(self):
        """Stop now (or wait for count/timeout if already done); returns the frames."""
        if self._p is None:
            return self.frames or []
        with contextlib.suppress(BrokenPipeError, OSError):
            self._p.stdin.close()       # POLLHUP on its stdin: stop
        return self.wait()

    def wait(self):
        """Wait for ``count`` frames or the timeout; returns the frames."""
        if self._p is not None:
            # Read to EOF rather than communicate(): that closes stdin first, which is the
            # sniffer's signal to stop at once, so a frame still on its way would be missed.
            timer = threading.Timer(self.timeout + 10, self._p.kill)
            timer.start()
            try:
                out = self._p.stdout.read()
                self._p.wait()
            finally:
                timer.cancel()
                with contextlib.suppress(OSError):
                    self._p.stdin.close()
                self._p.stderr.close()
            self._p = None
            lines = [line for line in out.splitlines() if line.startswith("[")]
            self.frames = [bytes.fromhex(h) for h in json.loads(lines[-1])] if lines else []
        return self.frames

    def __enter__(self):
        return self.start() if self._p is None else self

    def __exit__(self, *exc):
        self.wait()
        return False
