"""Our stack as an IPv6 router between Linux hosts, Linux as the IPv6 router for our stack, and
the path MTUs our stack learns from a Linux router.

    h1 2001:db8:1::11/64 --veth-- [veth-h1 2001:db8:1::1  netsh  2001:db8:2::1 veth-h2] --veth-- h2 2001:db8:2::12/64

The lab is the demo's (`Lab.setup_lines`: IPv6 addresses and net.ipv6.conf.all.forwarding=1);
the hosts' IPv6 default routes point at us.
"""
from __future__ import annotations

import hashlib
import os
import re
import time

import pytest

from stack.wire.ipv4 import addr_from_str as a4
from stack.wire.ipv6 import addr_from_str as a6
from tests.netns import run_in_ns
from tests.tools import need

from .stackrun import wait_for
from .test_routing_kernel import h, router  # noqa: F401  (the fixture)

H1, H2 = "2001:db8:1::11", "2001:db8:2::12"


def test_linux_hosts_ping_each_other_over_ipv6_through_us(router):  # noqa: F811
    lab, proxy = router
    out = h(lab, 1, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", H2).stdout
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    assert re.search(r"ttl=63 ", out), out                         # one hop took one
    assert proxy.stats("Ip6")["Ip6"]["OutForwDatagrams"] >= 6


def test_traceroute6_and_tracepath6_from_linux_show_us_as_a_hop(router):  # noqa: F811
    lab, proxy = router
    need("traceroute")
    out = h(lab, 1, "traceroute", "-6", "-n", "-q", "1", "-w", "2", "-m", "5", H2).stdout
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", out, re.M)
    assert hops[:2] == [("1", "2001:db8:1::1"), ("2", H2)], out
    assert proxy.stats("Icmp6")["Icmp6"]["OutTimeExcds"] >= 1
    need("tracepath")
    out = h(lab, 1, "tracepath", "-6", "-n", "-m", "5", H2, check=False).stdout
    assert re.search(r"^\s*1:\s+2001:db8:1::1\s", out, re.M), out
    assert re.search(rf"^\s*2:\s+{re.escape(H2)}\s", out, re.M), out


def test_a_kernel_tcp_transfer_over_ipv6_passes_through_us_intact(router, tmp_path):  # noqa: F811
    lab, proxy = router
    need("socat")
    source, target = tmp_path / "sent", tmp_path / "received"
    source.write_bytes(os.urandom(3 << 20))
    listener = lab.popen(lab.hosts[1].ns, "socat", "-u", "TCP6-LISTEN:5001,reuseaddr",
                         f"OPEN:{target},creat,trunc")
    assert wait_for(lambda: "5001" in h(lab, 2, "ss", "-ltn").stdout, 10)
    h(lab, 1, "socat", "-u", f"OPEN:{source}", f"TCP6:[{H2}]:5001", timeout=120)
    listener.wait(timeout=60)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()
    assert proxy.stats("Ip6")["Ip6"]["OutForwDatagrams"] > (3 << 20) // 1500


def test_a_smaller_egress_mtu_makes_linux_learn_it_from_our_packet_too_big(router):  # noqa: F811
    lab, proxy = router
    proxy.link_set("veth-h2", mtu=1280)
    out = h(lab, 1, "ping", "-6", "-c", "1", "-W", "2", "-s", "1400", H2, check=False).stdout
    assert "Packet too big: mtu=1280" in out, out
    route = h(lab, 1, "ip", "-6", "route", "get", H2).stdout
    assert re.search(r"\bmtu 1280\b", route), route             # the kernel's PMTU cache has it
    out = h(lab, 1, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1400", H2).stdout
    assert "2 received" in out, out                              # Linux fragments at the source now
    ip6 = proxy.stats("Ip6")["Ip6"]
    assert ip6["InTooBigErrors"] >= 1 and ip6["FragFails"] >= 1


def test_non_df_ipv4_is_fragmented_by_us_and_reassembled_by_linux(router):  # noqa: F811
    lab, proxy = router
    proxy.link_set("veth-h2", mtu=1000)
    out = h(lab, 1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-M", "dont", "-s", "1400",
            "198.51.100.12").stdout
    assert "2 received" in out, out
    ip = proxy.stats("Ip")["Ip"]
    assert ip["FragOKs"] >= 2 and ip["FragCreates"] >= 4
    reasm = run_in_ns(lab.hosts[1].ns, "nstat", "-az", "IpReasmOKs").stdout
    assert int(re.search(r"IpReasmOKs\s+(\d+)", reasm).group(1)) >= 2, reasm


def linux_router(lab, proxy):
    """h2 becomes a router to a far namespace behind it (2001:db8:9::/64, 203.0.113.0/24) with a
    1300-byte link: our stack reaches the far host by routes via h2."""
    far = lab.hosts[1].ns + "-far"
    lab._mkns(far)
    h2 = lab.hosts[1].ns
    run_in_ns(h2, "ip", "link", "add", "f0", "type", "veth", "peer", "name", "eth0", "netns", far)
    run_in_ns(h2, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", "net.ipv4.ip_forward=1")
    for ns, dev, v4, v6 in ((h2, "f0", "203.0.113.1/24", "2001:db8:9::1/64"),
                            (far, "eth0", "203.0.113.2/24", "2001:db8:9::2/64")):
        run_in_ns(ns, "ip", "addr", "add", v4, "dev", dev)
        run_in_ns(ns, "ip", "-6", "addr", "add", v6, "dev", dev, "nodad")
        run_in_ns(ns, "ip", "link", "set", dev, "mtu", "1300", "up")
    run_in_ns(far, "ip", "route", "add", "default", "via", "203.0.113.1")
    run_in_ns(far, "ip", "-6", "route", "add", "default", "via", "2001:db8:9::1")
    proxy.route_add(a6("2001:db8:9::"), 64, gateway=a6("2001:db8:2::12"))
    proxy.route_add(a4("203.0.113.0"), 24, gateway=a4("198.51.100.12"))
    time.sleep(1.0)


def test_linux_as_our_ipv6_router_reaches_a_host_two_hops_away_and_we_learn_its_path_mtu(router):  # noqa: F811
    lab, proxy = router
    linux_router(lab, proxy)
    far6, far4 = a6("2001:db8:9::2"), a4("203.0.113.2")
    session = proxy.ping_open(far6, 56)
    proxy.ping_send(session, 1)
    assert wait_for(lambda: proxy.stats("Icmp6")["Icmp6"]["InEchoReplies"] >= 1, 5)
    big = proxy.ping_open(far6, 1400)
    proxy.ping_send(big, 1)                                  # h2's 1300-byte link: packet too big
    assert wait_for(lambda: "expires" in proxy.route_get(far6), 5)
    got = proxy.route_get(far6)
    assert got["metrics"] == [{"mtu": 1300}] and 590 <= got["expires"] <= 600, got
    session4 = proxy.ping_open(far4, 1400, pmtudisc="do")
    proxy.ping_send(session4, 1)                             # frag needed from h2
    assert wait_for(lambda: "expires" in proxy.route_get(far4), 5)
    assert proxy.route_get(far4)["metrics"] == [{"mtu": 1300}]
    for s in (session, big, session4):
        proxy.ping_close(s)
