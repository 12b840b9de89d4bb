"""IPv6 routing against the kernel: Linux routers carry our stack's packets, and our policy
rules send packets where `route get` says, as tshark on the Linux side sees them.

    stack 2001:db8::1 --- R1 2001:db8::2 | 2001:db8:1::1 --- R2 2001:db8:1::2 | 2001:db8:2::1 --- H 2001:db8:2::2

netsh reaches H by its IPv6 default route through two Linux routers; its traceroute -6 (UDP
and -I) sees both routers and H, as Linux's own traceroute -6 does from the same namespace,
address and route once our stack is stopped.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time

import pytest

from stack.runtime import Runtime, StackProxy
from stack.wire.ipv6 import addr_from_str
from tests.netns import PREFIX, require_netns, run_in_ns
from tests.tools import need

from .stackrun import wait_for
from .test_routing_kernel import netsh_line

A6 = addr_from_str
QUIET = ("net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0",
         "net.ipv6.icmp.ratelimit=0")          # no rate limit in the way of a few traceroutes


class Namespaces:
    """Named namespaces joined by veths, torn down whatever happens."""

    def __init__(self):
        self.base = f"{PREFIX}-{os.getpid()}-r6{os.urandom(2).hex()}"
        self.made: list[str] = []

    def ns(self, name: str) -> str:
        full = f"{self.base}-{name}"
        subprocess.run(["ip", "netns", "add", full], check=True, capture_output=True, timeout=30)
        self.made.append(full)
        run_in_ns(full, "ip", "link", "set", "lo", "up")
        run_in_ns(full, "sysctl", "-qw", *QUIET)
        return full

    def cable(self, ns_a: str, dev_a: str, ns_b: str, dev_b: str) -> None:
        run_in_ns(ns_a, "ip", "link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", ns_b)
        for ns, dev in ((ns_a, dev_a), (ns_b, dev_b)):
            for feature in ("rx", "tx", "tso", "gso", "gro"):
                subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, feature, "off"],
                               capture_output=True, timeout=30)

    def close(self) -> None:
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


def ip(ns: str, *argv: str) -> None:
    run_in_ns(ns, "ip", *argv)


def host(ns: str, dev: str, address: str, gateway: str | None = None, forwarding: bool = False) -> None:
    ip(ns, "-6", "addr", "add", address, "dev", dev, "nodad")
    ip(ns, "link", "set", dev, "up")
    if gateway:
        ip(ns, "-6", "route", "add", "default", "via", gateway)
    if forwarding:
        run_in_ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")


@contextlib.contextmanager
def netsh_in(ns: str, devs: dict[str, list[str]]):
    """Our stack in `ns` attached to `devs` ({dev: [ADDR/LEN, ...]}), the kernel's IPv6 off
    on them; yields the proxy."""
    for dev in devs:
        run_in_ns(ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
        ip(ns, "link", "set", dev, "up")
    runtime = Runtime(netns=ns).start()
    try:
        proxy = StackProxy(runtime)
        for dev, addresses in devs.items():
            proxy.link_attach(dev, name=dev)
            proxy.inet6_conf(dev, addr_gen_mode="none")           # a quiet wire: no DAD, no RS
            proxy.link_set(dev, up=True)
            for address in addresses:
                text, _, plen = address.partition("/")
                proxy.addr_add(dev, A6(text), int(plen), nodad=True)
        yield proxy
    finally:
        runtime.stop()


@pytest.fixture
def two_routers():
    require_netns()
    nets = Namespaces()
    try:
        s, r1, r2, h = (nets.ns(name) for name in ("s", "r1", "r2", "h"))
        nets.cable(s, "s0", r1, "a0")
        nets.cable(r1, "a1", r2, "b0")
        nets.cable(r2, "b1", h, "h0")
        host(r1, "a0", "2001:db8::2/64", forwarding=True)
        host(r1, "a1", "2001:db8:1::1/64")
        ip(r1, "-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::2")
        host(r2, "b0", "2001:db8:1::2/64", gateway="2001:db8:1::1", forwarding=True)
        host(r2, "b1", "2001:db8:2::1/64")
        host(h, "h0", "2001:db8:2::2/64", gateway="2001:db8:2::1")
        yield {"s": s, "r1": r1, "r2": r2, "h": h}
    finally:
        nets.close()


def hops(out: str) -> list[list[str]]:
    """The addresses of each hop line of traceroute's output (`*` for a lost probe)."""
    return [re.findall(r"(?:\s)([0-9a-f:]+:[0-9a-f:]*|\*)(?=\s|$)", line)
            for line in out.splitlines()[1:]]


def test_linux_routes_us_to_a_host_two_hops_away_and_traceroute_6_sees_each_hop(two_routers):
    need("traceroute")
    s = two_routers["s"]
    far = "2001:db8:2::2"
    with netsh_in(s, {"s0": ["2001:db8::1/64"]}) as proxy:
        with pytest.raises(Exception, match="Network is unreachable"):
            proxy.ping_open(A6(far), 56)
        assert netsh_line(proxy, "route add default via 2001:db8::2") == (0, "", "")   # -6 from via
        assert netsh_line(proxy, "-6 route get 2001:db8:2::2")[1] == \
            "2001:db8:2::2 from :: via 2001:db8::2 dev s0 src 2001:db8::1 metric 1024 pref medium\n"
        session = proxy.ping_open(A6(far), 56)
        events = []
        for seq in range(1, 4):
            proxy.ping_send(session, seq)
            events.append(session.replies.get(timeout=5))
        proxy.ping_close(session)
        assert [(e.kind, e.src, e.ttl) for e in events] == [("reply", far, 62)] * 3    # two routers
        ours = {}
        for probe in ("-U", "-I"):
            status, out, err = netsh_line(proxy, f"traceroute -6 {probe} -n -q 2 -w 2 {far}")
            assert (status, err) == (0, ""), err
            lines = out.splitlines()
            assert lines[0] == f"traceroute to {far} ({far}), 30 hops max, 80 byte packets"
            for n, address in enumerate(("2001:db8::2", "2001:db8:1::2", far), start=1):
                assert re.fullmatch(rf" {n}  {address}  \d+\.\d{{3}} ms  \d+\.\d{{3}} ms", lines[n]), out
            assert len(lines) == 4, out
            ours[probe] = hops(out)
        icmp6 = proxy.stats("Icmp6")["Icmp6"]
        assert icmp6["InTimeExcds"] >= 8 and icmp6["InDestUnreachs"] >= 2
    # Linux from the same place: the kernel takes our address and route in the same namespace
    run_in_ns(s, "sysctl", "-qw", "net.ipv6.conf.s0.disable_ipv6=0")
    ip(s, "-6", "addr", "add", "2001:db8::1/64", "dev", "s0", "nodad")
    ip(s, "-6", "route", "add", "default", "via", "2001:db8::2")
    ip(two_routers["r1"], "-6", "neigh", "flush", "dev", "a0")
    for probe in ("-U", "-I"):
        out = run_in_ns(s, "traceroute", "-6", probe, "-n", "-q", "2", "-w", "2", far).stdout
        assert out.splitlines()[0].endswith("30 hops max, 80 byte packets"), out
        assert hops(out) == ours[probe], out


@contextlib.contextmanager
def tshark6_on(ns: str, dev: str, bpf: str, seconds: float = 6.0):
    """tshark capturing on `dev` in `ns` while the block runs; the list fills with
    (ipv6.src, ipv6.dst, icmpv6.type) per frame when it ends."""
    need("tshark")
    rows: list[tuple] = []
    proc = subprocess.Popen(
        ["ip", "netns", "exec", ns, "tshark", "-n", "-l", "-i", dev, "-f", bpf,
         "-a", f"duration:{seconds + 1}", "-T", "fields", "-e", "ipv6.src", "-e", "ipv6.dst",
         "-e", "icmpv6.type"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        line = ""
        while "Capturing on" not in line and time.monotonic() - started < 15:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                raise RuntimeError("tshark did not start")
        time.sleep(1.0)                 # "Capturing on" comes a little before the filter is armed
        yield rows
        out, _ = proc.communicate(timeout=seconds + 20)
        rows += [tuple(line.split("\t")) for line in out.splitlines() if line.strip()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def two_gateways():
    """stack s0 2001:db8::1 (and 2001:db8:7::1) --- L1 2001:db8::2;  stack s1 2001:db8:1::1 --- L2 2001:db8:1::2"""
    require_netns()
    nets = Namespaces()
    try:
        s, l1, l2 = (nets.ns(name) for name in ("s", "l1", "l2"))
        nets.cable(s, "s0", l1, "l0")
        nets.cable(s, "s1", l2, "m0")
        host(l1, "l0", "2001:db8::2/64")
        host(l2, "m0", "2001:db8:1::2/64")
        yield {"s": s, "l1": l1, "l2": l2}
    finally:
        nets.close()


def test_policy_rules_by_source_and_fwmark_send_packets_where_route_get_says(two_gateways):
    far = "2001:db8:50::1"
    bpf = f"icmp6 and dst host {far}"
    with netsh_in(two_gateways["s"], {"s0": ["2001:db8::1/64", "2001:db8:7::1/64"],
                                      "s1": ["2001:db8:1::1/64"]}) as proxy:
        for line in ("-6 route add 2001:db8:50::/64 via 2001:db8::2",
                     "-6 route add 2001:db8:50::/64 via 2001:db8:1::2 table 20",
                     "-6 rule add fwmark 0x20 lookup 20 priority 100",
                     "-6 rule add from 2001:db8:7::/64 lookup 20 priority 110"):
            assert netsh_line(proxy, line) == (0, "", ""), line
        cases = {"plain": {}, "marked": {"mark": 0x20}, "from 2001:db8:7::1": {"src": A6("2001:db8:7::1")}}
        told = {case: proxy.route_get(A6(far), **kw)["dev"] for case, kw in cases.items()}
        assert told == {"plain": "s0", "marked": "s1", "from 2001:db8:7::1": "s1"}
        assert netsh_line(proxy, f"-6 route get {far} mark 0x20")[1] == \
            f"{far} from :: via 2001:db8:1::2 dev s1 table 20 src 2001:db8:1::1 metric 1024 pref medium\n"
        where = {}
        for case, kw in cases.items():
            with tshark6_on(two_gateways["l1"], "l0", bpf) as on_l1, \
                    tshark6_on(two_gateways["l2"], "m0", bpf) as on_l2:
                session = proxy.ping_open(A6(far), 56, **kw)
                for seq in (1, 2):
                    proxy.ping_send(session, seq)
                time.sleep(0.5)
                proxy.ping_close(session)
            seen = {dev: [row for row in rows if len(row) > 1 and row[1] == far]
                    for dev, rows in (("s0", on_l1), ("s1", on_l2))}
            where[case] = " ".join(dev for dev, rows in seen.items() if rows)
            if "src" in kw:                         # the bound source, as it left
                assert {row[0] for rows in seen.values() for row in rows} == {"2001:db8:7::1"}
        assert where == told
