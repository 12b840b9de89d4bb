"""ICMP redirects from a Linux router: netsh's default gateway (Linux, forwarding,
send_redirects on) forwards our ping back out of the link it came in on, to a better
gateway on the same link, and tells us so; `route get` then shows the redirected next hop
as the kernel's exception, unless accept_redirects forbids it.

    netsh 192.0.2.1 --veth-- [eth0  br0 192.0.2.2 (Linux router)  g0] --veth-- G 192.0.2.3, 203.0.113.9
"""
import time

from netsh.commands.route import route_get_text
from netsh.render import View
from stack.wire.ipv4 import addr_from_str as a4
from stack.wire.ipv6 import addr_from_str as a6
from tests.netns import run_in_ns

from .stackrun import stack_on, wait_for
from .test_ipv6_kernel import usable

FAR = "203.0.113.9"


def better_gateway(peer):
    """The peer namespace becomes a router bridging our link to G, with its route to FAR via G."""
    g = peer.peer_ns + "-g"
    peer._mkns(g)
    p = peer.peer_ns
    peer.ip("addr", "flush", "dev", peer.peer_dev)
    peer.ip("link", "add", "br0", "type", "bridge")
    peer.ip("link", "set", peer.peer_dev, "master", "br0")
    peer.ip("link", "add", "g0", "type", "veth", "peer", "name", "eth0", "netns", g)
    peer.ip("link", "set", "g0", "master", "br0")
    peer.ip("addr", "add", "192.0.2.2/24", "dev", "br0")
    for dev in ("g0", "br0"):
        peer.ip("link", "set", dev, "up")
    run_in_ns(p, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=1",
              "net.ipv4.conf.br0.send_redirects=1")
    peer.ip("route", "add", FAR, "via", "192.0.2.3")
    run_in_ns(g, "ip", "link", "set", "lo", "up")
    run_in_ns(g, "ip", "addr", "add", "192.0.2.3/24", "dev", "eth0")
    run_in_ns(g, "ip", "addr", "add", f"{FAR}/32", "dev", "lo")
    run_in_ns(g, "ip", "link", "set", "eth0", "up")
    time.sleep(0.3)


def ping_far(proxy, count=6):
    session = proxy.ping_open(a4(FAR), 56)
    for _ in range(count):
        proxy.ping_send(session, 1)
        time.sleep(0.2)
    proxy.ping_close(session)


def test_a_linux_router_redirects_us_to_a_better_gateway(veth_peer):
    better_gateway(veth_peer)
    with stack_on(veth_peer, ipv6=False) as (proxy, _):
        proxy.route_add(a4("0.0.0.0"), 0, gateway=a4("192.0.2.2"))
        ping_far(proxy)
        assert wait_for(lambda: proxy.route_get(a4(FAR)).get("gateway") == "192.0.2.3", 5), \
            proxy.route_get(a4(FAR))
        row = proxy.route_get(a4(FAR))
        assert row["cache"] == ["redirected"] and 290 <= row["expires"] <= 300, row
        # ip -j route get's keys on Linux after a redirect, in its order
        assert list(row) == ["dst", "gateway", "dev", "prefsrc", "flags", "uid", "cache", "expires"], row
        text = route_get_text([row], View())
        assert text == (f"{FAR} via 192.0.2.3 dev veth0 src 192.0.2.1 uid 0 \n"
                        f"    cache <redirected> expires {row['expires']}sec "), repr(text)
        assert proxy.stats("Icmp")["Icmp"]["InRedirects"] >= 1


def test_with_accept_redirects_off_the_gateway_stays(veth_peer):
    better_gateway(veth_peer)
    with stack_on(veth_peer, ipv6=False) as (proxy, _):
        proxy.sysctl_set("net.ipv4.conf.all.accept_redirects", "0")
        proxy.sysctl_set("net.ipv4.conf.veth0.accept_redirects", "0")
        proxy.route_add(a4("0.0.0.0"), 0, gateway=a4("192.0.2.2"))
        ping_far(proxy)
        assert proxy.stats("Icmp")["Icmp"]["InRedirects"] >= 1         # they came, and were refused
        row = proxy.route_get(a4(FAR))
        assert row["gateway"] == "192.0.2.2" and row["cache"] == [], row


def test_a_linux_router_sends_us_an_ndp_redirect_to_a_better_ipv6_router(veth_peer):
    """The same link over IPv6: our default route via the router's link-local, its route to the
    far address via G's link-local (Linux redirects only to a link-local target); after the
    redirect `route get` names G's link-local, as Linux's does."""
    g = veth_peer.peer_ns + "-g"
    veth_peer._mkns(g)
    p = veth_peer.peer_ns
    for ns in (p, g):
        run_in_ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0")
    veth_peer.ip("link", "add", "br0", "type", "bridge")
    veth_peer.ip("link", "set", "br0", "address", "02:00:00:00:00:02")
    veth_peer.ip("link", "set", veth_peer.peer_dev, "master", "br0")
    veth_peer.ip("link", "add", "g0", "type", "veth", "peer", "name", "eth0", "netns", g)
    veth_peer.ip("link", "set", "g0", "master", "br0")
    for dev in ("g0", "br0"):
        veth_peer.ip("link", "set", dev, "up")
    veth_peer.ip("-6", "addr", "add", "2001:db8::2/64", "dev", "br0", "nodad")   # a route back to us
    run_in_ns(p, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    run_in_ns(g, "ip", "link", "set", "eth0", "address", "02:00:00:00:00:03")
    run_in_ns(g, "ip", "-6", "addr", "add", "2001:db8:9::5/128", "dev", "lo")
    run_in_ns(g, "ip", "link", "set", "lo", "up")
    run_in_ns(g, "ip", "link", "set", "eth0", "up")
    run_in_ns(g, "ip", "-6", "route", "add", "2001:db8::/64", "dev", "eth0")
    veth_peer.ip("-6", "route", "add", "2001:db8:9::5", "via", "fe80::ff:fe00:3", "dev", "br0")
    with stack_on(veth_peer, address=None) as (proxy, _):
        proxy.addr_add("veth0", a6("2001:db8::1"), 64)
        assert wait_for(lambda: usable(proxy, "2001:db8::1"), 5)
        proxy.route_add(a6("::"), 0, gateway=a6("fe80::ff:fe00:2"), dev="veth0")
        time.sleep(1.5)                               # the router's and G's DAD
        session = proxy.ping_open(a6("2001:db8:9::5"), 56)
        for _ in range(4):
            proxy.ping_send(session, 1)
            time.sleep(0.3)
        proxy.ping_close(session)
        assert wait_for(lambda: proxy.route_get(a6("2001:db8:9::5")).get("gateway") == "fe80::ff:fe00:3", 5), \
            (proxy.route_get(a6("2001:db8:9::5")), proxy.stats("Drop"),
             veth_peer.run("nstat", "-az", "Icmp6OutRedirects").stdout)
        assert proxy.stats("Icmp6")["Icmp6"]["InRedirects"] >= 1
        assert proxy.stats("Icmp6")["Icmp6"]["InEchoReplies"] >= 3
