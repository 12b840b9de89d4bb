"""IPv4 ICMP redirects received, under the fake clock: accepted from the current gateway
(host and net codes) into a next hop that output uses and `route get` shows as the kernel's
exception, expiring after ip_rt_gc_timeout; refused by name otherwise."""
import pytest

from stack.packet import Packet
from stack.wire.checksum import checksum
from stack.wire.ipv4 import addr_from_str as a4
from tests.checker import counters, expect_counters

from .lab import two_hosts

DST = a4("203.0.113.9")
OLD_GW, NEW_GW = a4("192.0.2.2"), a4("192.0.2.3")
NEW_MAC = b"\x02\x00\x00\x00\x00\x03"


def ip_header(src, dst, proto, payload_len, ttl=64) -> bytes:
    head = bytearray(bytes((0x45, 0)) + (20 + payload_len).to_bytes(2, "big") + bytes(4)
                     + bytes((ttl, proto)) + bytes(2) + src + dst)
    head[10:12] = checksum(bytes(head)).to_bytes(2, "big")
    return bytes(head)


def redirect(world, code=1, src=OLD_GW, gateway=NEW_GW, dst=DST) -> bytes:
    quoted = ip_header(a4("192.0.2.1"), dst, 17, 8) + bytes(8)
    msg = bytearray(bytes((5, code, 0, 0)) + gateway + quoted)
    msg[2:4] = checksum(bytes(msg)).to_bytes(2, "big")
    a = world["a"].links["eth0"]
    return a.mac + world["b"].links["eth0"].mac + b"\x08\x00" + ip_header(src, a4("192.0.2.1"), 1, len(msg)) \
        + bytes(msg)


def world_with_gateway(resolved=True):
    world = two_hosts()
    a = world["a"]
    a.api.route_add(a4("0.0.0.0"), 0, gateway=OLD_GW)
    if resolved:
        a.arp.table.confirm(a.links["eth0"], NEW_GW, NEW_MAC, reachable=True, create=True)
    return world


def send(world, frame):
    world["a"].links["eth0"].deliver(frame)
    world.settle()


def test_a_host_redirect_from_the_gateway_makes_a_next_hop_that_expires():
    world = world_with_gateway()
    a = world["a"]
    send(world, redirect(world))
    expect_counters(a, Icmp={"InRedirects": 1})
    row = a.api.route_get(a4("203.0.113.9"))
    assert row["gateway"] == "192.0.2.3" and row["cache"] == ["redirected"] and row["expires"] == 300
    assert list(row)[-2:] == ["cache", "expires"] or "metrics" not in row
    frames = []
    world["a"].links["eth0"].tx_tap = frames.append
    a.ipv4.output(Packet.alloc(8), None, DST, 17)
    world.settle()
    assert frames and frames[-1][:6] == NEW_MAC              # sent to the new gateway
    world.run(301)
    row = a.api.route_get(a4("203.0.113.9"))
    assert row["gateway"] == "192.0.2.2" and row["cache"] == []


@pytest.mark.parametrize("code", [0, 2, 3])
def test_net_codes_are_taken_as_host_redirects(code):
    world = world_with_gateway()
    send(world, redirect(world, code=code))
    assert world["a"].api.route_get(a4("203.0.113.9"))["gateway"] == "192.0.2.3"
    assert world["a"].api.route_get(a4("203.0.113.10"))["gateway"] == "192.0.2.2"


def test_redirects_that_break_the_rules_are_refused_by_name():
    world = world_with_gateway()
    a = world["a"]
    before = counters(a, "Drop")
    send(world, redirect(world, src=a4("192.0.2.7")))           # not our gateway for it
    send(world, redirect(world, gateway=a4("224.0.0.5")))
    send(world, redirect(world, gateway=a4("192.0.2.1")))       # one of ours
    send(world, redirect(world, code=4))
    a.api.sysctl_set("net.ipv4.conf.all.accept_redirects", "0")
    a.api.sysctl_set("net.ipv4.conf.eth0.accept_redirects", "0")
    send(world, redirect(world))
    expect_counters(a, since=before, Drop={"ICMP_REDIRECT_REFUSED": 4, "ICMP_REDIRECT_CODE": 1})
    assert a.api.route_get(a4("203.0.113.9"))["gateway"] == "192.0.2.2"
    a.api.sysctl_set("net.ipv4.conf.eth0.accept_redirects", "1")     # a host: all OR the link's
    send(world, redirect(world))
    assert a.api.route_get(a4("203.0.113.9"))["gateway"] == "192.0.2.3"


def test_a_forwarding_link_needs_all_and_the_links_switch():
    world = world_with_gateway()
    a = world["a"]
    a.api.sysctl_set("net.ipv4.ip_forward", "1")
    a.api.sysctl_set("net.ipv4.conf.eth0.accept_redirects", "0")
    send(world, redirect(world))
    assert a.api.route_get(a4("203.0.113.9"))["gateway"] == "192.0.2.2"


def test_an_unresolved_new_gateway_is_probed_and_the_redirect_forgotten():
    world = world_with_gateway(resolved=False)
    a = world["a"]
    before = counters(a, "Drop")
    send(world, redirect(world))
    expect_counters(a, since=before, Drop={"ICMP_REDIRECT_UNRESOLVED": 1})
    assert a.arp.table.lookup(a.links["eth0"], NEW_GW) is not None
    assert a.api.route_get(a4("203.0.113.9"))["gateway"] == "192.0.2.2"


# --- IPv6: NDP Redirect --------------------------------------------------------------
from stack.l3.addrconf import link_local_address  # noqa: E402
from stack.wire import icmpv6  # noqa: E402
from stack.wire.ipv6 import addr_from_str as a6  # noqa: E402

from .test_ipv6_ra import ROUTER, ROUTER_MAC, advert  # noqa: E402
from .test_ipv6_ra import host as ra_host  # noqa: E402
from .test_ipv6_ra import send as ra_send  # noqa: E402

DST6 = a6("2001:db8:9::5")
BETTER6 = a6("fe80::3")


def redirect6(world, src=ROUTER, target=BETTER6, dst=DST6, hlim=255, lladdr=True) -> bytes:
    ours = link_local_address(world["a"].links["eth0"].mac)
    body = bytes(4) + target + dst + ((bytes((2, 1)) + NEW_MAC) if lladdr else b"")
    msg = icmpv6.build(137, 0, body, src, ours)
    ip = bytes((0x60, 0, 0, 0)) + len(msg).to_bytes(2, "big") + bytes((58, hlim)) + src + ours + msg
    return world["a"].links["eth0"].mac + ROUTER_MAC + b"\x86\xdd" + ip


def routed6():
    world = ra_host()
    ra_send(world, advert())
    world.run(2.5)                              # the SLAAC address through DAD: a source to use
    return world


def test_an_ndp_redirect_from_our_router_changes_the_next_hop_and_the_targets_neighbour():
    world = routed6()
    a = world["a"]
    ra_send(world, redirect6(world))
    expect_counters(a, Icmp6={"InRedirects": 1})
    entry = a.ndp.table.lookup(a.links["eth0"], BETTER6)
    assert entry is not None and entry.lladdr == NEW_MAC
    frames = []
    a.links["eth0"].tx_tap = frames.append
    a.ipv6.output(Packet.alloc(8), None, DST6, 17)
    world.settle()
    assert frames and frames[-1][:6] == NEW_MAC
    world.run(301)
    assert a.ipv6.redirects.gateway(DST6, a.links["eth0"]) is None


def test_ndp_redirects_that_break_rfc4861_are_refused_by_name():
    world = routed6()
    a = world["a"]
    before = counters(a, "Drop")
    ra_send(world, redirect6(world, hlim=64))
    ra_send(world, redirect6(world, src=a6("fe80::7")))             # not our first hop
    ra_send(world, redirect6(world, target=a6("2001:db8::3")))       # neither link-local nor dst
    ra_send(world, redirect6(world, dst=a6("ff02::1")))
    a.api.sysctl_set("net.ipv6.conf.eth0.accept_redirects", "0")
    ra_send(world, redirect6(world))
    expect_counters(a, since=before, Drop={"IPV6_NDISC_HOP_LIMIT": 1, "IPV6_NDISC_REDIRECT": 4})
    assert not a.ipv6.redirects.entries
