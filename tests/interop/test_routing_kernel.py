"""Our stack as a router between Linux hosts, and Linux as the router for our stack.

    h1 192.0.2.11/24 --veth-- [veth-h1 192.0.2.1   netsh   198.51.100.1 veth-h2] --veth-- h2 198.51.100.12/24

The hosts' default routes point at us.  The kernel pings, traces and copies a few MB
through us; a smaller MTU on our egress makes Linux learn it from our fragmentation
needed; policy rules by source and by fwmark send packets where `route get` says they go,
as tshark sees them on the hosts.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import time

import pytest

from netsh.lab import Lab
from stack.runtime import Runtime, StackProxy
from stack.wire.ipv4 import addr_from_str
from tests.netns import PREFIX, netns_reason, run_in_ns
from tests.tools import need

from .stackrun import wait_for

A = addr_from_str
H1, H2 = "192.0.2.11", "198.51.100.12"


@pytest.fixture
def router():
    """(lab, proxy): a two-host lab set up by the lines `netsh demo` runs (they turn on
    net.ipv4.ip_forward: the stack is the hosts' router)."""
    reason = netns_reason()
    if reason:
        pytest.skip(reason)
    lab = Lab(prefix=PREFIX, hosts=2).up()
    runtime = None
    try:
        runtime = Runtime(netns=lab.stack_ns).start()
        proxy = StackProxy(runtime)
        for line in lab.setup_lines():
            status, _, err = netsh_line(proxy, line)
            assert (status, err) == (0, ""), line
        yield lab, proxy
    finally:
        if runtime is not None:
            runtime.stop()
        lab.down()


def netsh_line(proxy, line: str) -> tuple[int, str, str]:
    """Run one netsh command line against a running stack; (status, stdout, stderr)."""
    import io
    from netsh.app import GRAMMAR
    from netsh.executor import Executor
    from netsh.options import Options
    out, err = io.StringIO(), io.StringIO()
    status = Executor(None, Options(), out, err, stack=proxy, grammar=GRAMMAR).run_line(line)
    return status, out.getvalue(), err.getvalue()


def h(lab, n, *argv, check=True, timeout=60):
    return run_in_ns(lab.hosts[n - 1].ns, *argv, check=check, timeout=timeout)


@contextlib.contextmanager
def tshark_on(ns, dev, bpf, seconds=6.0):
    """tshark capturing on `dev` in `ns` while the block runs; the result list fills with
    (ip.src, ip.dst, icmp.type) per frame when the block ends."""
    need("tshark")
    rows: list[tuple] = []
    proc = subprocess.Popen(
        ["ip", "netns", "exec", ns, "tshark", "-n", "-l", "-i", dev, "-f", bpf,
         "-a", f"duration:{seconds + 1}", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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


def test_linux_hosts_ping_each_other_through_us(router):
    lab, proxy = router
    out = h(lab, 1, "ping", "-c", "3", "-i", "0.2", "-W", "2", H2).stdout
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    assert re.search(r"ttl=63 ", out), out                         # one hop took one
    assert proxy.stats("Ip")["Ip"]["ForwDatagrams"] >= 6


def test_traceroute_and_tracepath_from_linux_show_us_as_a_hop(router):
    lab, proxy = router
    need("traceroute")
    out = h(lab, 1, "traceroute", "-n", "-q", "1", "-w", "2", "-m", "5", H2).stdout
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", out, re.M)
    assert hops[:2] == [("1", "192.0.2.1"), ("2", H2)], out
    assert proxy.stats("Icmp")["Icmp"]["OutTimeExcds"] >= 1
    need("tracepath")
    out = h(lab, 1, "tracepath", "-n", "-m", "5", H2, check=False).stdout
    assert re.search(r"^\s*1:\s+192\.0\.2\.1\s", out, re.M), out
    assert re.search(rf"^\s*2:\s+{re.escape(H2)}\s", out, re.M), out


def test_a_kernel_tcp_transfer_passes_through_us_intact(router, tmp_path):
    lab, proxy = router
    need("socat")
    source, target = tmp_path / "sent", tmp_path / "received"
    source.write_bytes(os.urandom(3 << 20))
    listener = lab.popen(lab.hosts[1].ns, "socat", "-u", "TCP-LISTEN:5001,reuseaddr",
                         f"OPEN:{target},creat,trunc")
    assert wait_for(lambda: "5001" in h(lab, 2, "ss", "-ltn").stdout, 10)
    h(lab, 1, "socat", "-u", f"OPEN:{source}", f"TCP:{H2}:5001", timeout=120)
    listener.wait(timeout=60)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()
    assert proxy.stats("Ip")["Ip"]["ForwDatagrams"] > (3 << 20) // 1500


def test_a_smaller_egress_mtu_makes_linux_learn_it(router):
    lab, proxy = router
    proxy.link_set("veth-h2", mtu=1280)
    out = h(lab, 1, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1400", H2, check=False).stdout
    assert "mtu = 1280" in out, out                             # our fragmentation needed
    route = h(lab, 1, "ip", "route", "get", H2).stdout
    assert re.search(r"\bmtu 1280\b", route), route             # the kernel's PMTU cache has it
    out = h(lab, 1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1200", "-M", "do", H2).stdout
    assert "2 received" in out
    assert proxy.stats("Ip")["Ip"]["FragFails"] >= 1 and proxy.stats("Drop")["Drop"]["PKT_TOO_BIG"] >= 1


def test_policy_routing_sends_packets_where_route_get_says(router):
    lab, proxy = router
    far = A("203.0.113.50")
    proxy.route_add(A("203.0.113.0"), 24, gateway=A(H1))
    proxy.route_add(A("203.0.113.0"), 24, gateway=A(H2), table="20")
    proxy.rule_add(table="20", fwmark=0x20, priority=100)
    proxy.rule_add(table="20", src=(A("192.0.2.0"), 24), iif="veth-h1", priority=110)
    told = {
        "plain": proxy.route_get(far)["dev"],
        "marked": proxy.route_get(far, mark=0x20)["dev"],
        "from h1": proxy.route_get(far, src=A(H1), iif="veth-h1")["dev"],
    }
    assert told == {"plain": "veth-h1", "marked": "veth-h2", "from h1": "veth-h2"}
    where = {}
    for case in told:
        with tshark_on(lab.hosts[0].ns, "eth0", "icmp and dst host 203.0.113.50") as on_h1, \
                tshark_on(lab.hosts[1].ns, "eth0", "icmp and dst host 203.0.113.50") as on_h2:
            if case == "from h1":
                h(lab, 1, "ping", "-c", "2", "-i", "0.2", "-W", "1", "203.0.113.50", check=False)
            else:
                session = proxy.ping_open(far, 56, mark=0x20 if case == "marked" else 0)
                for seq in (1, 2):
                    proxy.ping_send(session, seq)
                time.sleep(0.5)
                proxy.ping_close(session)
        seen_h1 = [row for row in on_h1 if row[1] == "203.0.113.50"]
        seen_h2 = [row for row in on_h2 if row[1] == "203.0.113.50"]
        if case == "from h1":          # h1's own requests show on h1's wire: count what came out of us
            seen_h1 = []
        where[case] = ("veth-h1" if seen_h1 else "") + ("veth-h2" if seen_h2 else "")
    assert where == told


def test_linux_as_our_router_reaches_a_host_two_hops_away(veth_peer):
    """stack 192.0.2.1 --veth-- Linux router 192.0.2.2 | 198.51.100.1 --veth-- far 198.51.100.2"""
    from .stackrun import stack_on
    far_ns = veth_peer.peer_ns.replace("-peer", "-far")
    subprocess.run(["ip", "netns", "add", far_ns], check=True)
    try:
        veth_peer.ip("link", "add", "eth1", "type", "veth", "peer", "name", "eth0", "netns", far_ns)
        veth_peer.ip("addr", "add", "198.51.100.1/24", "dev", "eth1")
        veth_peer.ip("link", "set", "eth1", "up")
        veth_peer.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        for argv in (("link", "set", "lo", "up"), ("addr", "add", "198.51.100.2/24", "dev", "eth0"),
                     ("link", "set", "eth0", "up"), ("route", "add", "default", "via", "198.51.100.1")):
            run_in_ns(far_ns, "ip", *argv)
        with stack_on(veth_peer) as (proxy, _):
            with pytest.raises(Exception, match="Network is unreachable"):
                proxy.ping_open(A("198.51.100.2"), 56)
            proxy.route_add(A("0.0.0.0"), 0, gateway=A("192.0.2.2"))
            assert proxy.route_get(A("198.51.100.2"))["gateway"] == "192.0.2.2"
            session = proxy.ping_open(A("198.51.100.2"), 56)
            events = []
            for seq in range(1, 4):
                proxy.ping_send(session, seq)
                events.append(session.replies.get(timeout=5))
            assert [(e.kind, e.src, e.ttl) for e in events] == [("reply", "198.51.100.2", 63)] * 3
            for probe in ("-U", "-I"):                   # our traceroute, both kinds of probe
                status, out, err = netsh_line(proxy, f"traceroute {probe} -n -q 2 -w 2 198.51.100.2")
                assert (status, err) == (0, ""), err
                lines = out.splitlines()
                assert lines[0] == "traceroute to 198.51.100.2 (198.51.100.2), 30 hops max, 60 byte packets"
                assert re.fullmatch(r" 1  192\.0\.2\.2  \d+\.\d{3} ms  \d+\.\d{3} ms", lines[1]), out
                assert re.fullmatch(r" 2  198\.51\.100\.2  \d+\.\d{3} ms  \d+\.\d{3} ms", lines[2]), out
                assert len(lines) == 3
    finally:
        subprocess.run(["ip", "netns", "del", far_ns], check=False)


def test_time_exceeded_is_rate_limited_per_host_as_linux(router):
    lab, proxy = router
    out = h(lab, 1, "ping", "-n", "-c", "20", "-i", "0.01", "-W", "1", "-t", "1", H2, check=False).stdout
    assert out.count("Time to live exceeded") == 6, out          # a burst of 6, then 1 per second
    icmp = proxy.stats("Icmp")["Icmp"]
    assert (icmp["OutTimeExcds"], icmp["OutRateLimitHost"]) == (6, 14)
