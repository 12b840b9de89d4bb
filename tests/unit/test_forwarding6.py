"""IPv6 forwarding, forwarded IPv4 fragmentation and the path-MTU cache, on pair cables under the
fake clock: what ip6_forward checks and answers, and what the trace says about it."""
import pytest

from stack.wire.ipv4 import addr_from_str as a4
from stack.wire.ipv6 import addr_from_str as a6

from .lab import World, drain

A6, R6_LEFT, R6_RIGHT, B6 = (a6("2001:db8:1::1"), a6("2001:db8:1::fe"), a6("2001:db8:2::fe"),
                             a6("2001:db8:2::2"))
ANY6 = a6("::")


def routed6(forwarding: bool = True) -> World:
    """a (2001:db8:1::1) -- left r right -- b (2001:db8:2::2), each host's default route via r."""
    w = World("a", "r", "b")
    w.cable("a", "eth0", "r", "left")
    w.cable("r", "right", "b", "eth0")
    w["a"].api.addr_add("eth0", A6, 64, nodad=True)
    w["r"].api.addr_add("left", R6_LEFT, 64, nodad=True)
    w["r"].api.addr_add("right", R6_RIGHT, 64, nodad=True)
    w["b"].api.addr_add("eth0", B6, 64, nodad=True)
    w["a"].api.route_add(ANY6, 0, gateway=R6_LEFT)
    w["b"].api.route_add(ANY6, 0, gateway=R6_RIGHT)
    if forwarding:
        w["r"].api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
    w.run(3.0)                          # link-locals through DAD, solicitations over
    return w


def ping(world, dst, hlim=64, size=8, src="a"):
    session = world[src].api.ping_open(dst, size, ttl=hlim)
    world[src].api.ping_send(session, 1)
    world.settle()
    return drain(session)


def ip6(stack):
    return stack.api.stats("Ip6")["Ip6"]


def test_a_router_forwards_and_decrements_the_hop_limit():
    w = routed6()
    events = ping(w, B6, hlim=64)
    assert [e.kind for e in events] == ["reply"]
    assert events[0].ttl == 63                          # b's reply came through r too
    assert ip6(w["r"])["OutForwDatagrams"] == 2


def test_forwarding_off_leaves_a_packet_for_another_host_unanswered():
    w = routed6(forwarding=False)
    assert ping(w, B6) == []
    assert ip6(w["r"])["InAddrErrors"] == 1 and w["r"].drop["IPV6_INADDRERRORS"] == 1


def test_the_all_setting_carries_to_every_link_and_new_links_take_the_default():
    w = routed6()
    get = w["r"].api.sysctl_get
    assert [get(f"net.ipv6.conf.{n}.forwarding")["value"] for n in ("all", "default", "left", "right")] \
        == [1, 1, 1, 1]
    w["r"].api.sysctl_set("net.ipv6.conf.right.forwarding", "0")
    assert get("net.ipv6.conf.right.forwarding")["value"] == 0 and get("net.ipv6.conf.all.forwarding")["value"] == 1
    w["r"].api.sysctl_set("net.ipv6.conf.all.forwarding", "0")
    assert get("net.ipv6.conf.left.forwarding")["value"] == 0


def test_a_router_joins_all_routers_on_its_links():
    w = routed6()
    r = w["r"]
    assert r.ipv6.joined(r.links["left"], a6("ff02::2"))
    r.api.sysctl_set("net.ipv6.conf.all.forwarding", "0")
    assert not r.ipv6.joined(r.links["left"], a6("ff02::2"))


def test_the_hop_limit_running_out_answers_time_exceeded_from_the_router():
    w = routed6()
    events = ping(w, B6, hlim=1)
    assert [(e.kind, e.src, e.message) for e in events] == \
        [("error", "2001:db8:1::fe", "Time exceeded: Hop limit")]
    assert ip6(w["r"])["InHdrErrors"] == 1 and w["r"].drop["IP_INHDR"] == 1


@pytest.mark.parametrize("kind, words, counted", [
    (None, "Destination unreachable: No route", True),
    ("unreachable", "Destination unreachable: No route", True),
    ("prohibit", "Destination unreachable: Administratively prohibited", True),
    ("blackhole", None, False),
])
def test_refusing_routes_answer_as_linux(kind, words, counted):
    w = routed6()
    r = w["r"]
    target = a6("2001:db8:99::1")
    if kind is not None:
        r.api.route_add(a6("2001:db8:99::"), 64, type=kind)
    events = ping(w, target)
    assert [e.message for e in events] == ([words] if words else [])
    assert ip6(r)["InNoRoutes"] == (1 if counted else 0)


def test_no_route_on_a_host_is_counted_but_not_answered():
    w = routed6(forwarding=False)
    events = ping(w, a6("2001:db8:99::1"))
    assert events == [] and ip6(w["r"])["InNoRoutes"] == 1


def test_a_packet_over_the_egress_mtu_gets_packet_too_big_and_the_sender_learns_it():
    w = routed6()
    w["r"].api.link_set("right", mtu=1400)
    events = ping(w, B6, size=1440)
    assert [e.message for e in events] == ["Packet too big: mtu=1400"]
    assert ip6(w["r"])["InTooBigErrors"] == 1 and ip6(w["r"])["FragFails"] == 1
    got = w["a"].api.route_get(B6)
    assert (got["expires"], got["metrics"]) == (600, [{"mtu": 1400}])
    w.run(601)
    assert "expires" not in w["a"].api.route_get(B6)


def test_a_link_local_source_is_not_forwarded_beyond_its_link():
    w = routed6()
    a = w["a"]
    link_local = next(i.address for i in a.ipv6.addresses(a.links["eth0"]) if i.address[0] == 0xFE)
    session = a.api.ping_open(B6, 8, src=link_local)     # bound, as a misconfigured host would
    a.api.ping_send(session, 1)
    w.settle()
    assert w["r"].drop["IPV6_BEYOND_SCOPE"] == 1
    assert [e.message for e in drain(session)] == ["Destination unreachable: Beyond scope of source address"]


def test_the_trace_tells_the_forwarding_decision():
    w = routed6()
    r = w["r"]
    r.api.trace_add(dev="left", count=1, expression="ip6 and ip6[7] == 1")
    ping(w, B6, hlim=1)
    steps = [s["text"] for s in r.api.trace_show()["records"][0]["steps"]]
    assert any("another host's: forward by route" in s for s in steps)
    assert any("hop limit 1: it would run out here" in s for s in steps)


# --- IPv4: forwarded packets without DF go on in fragments --------------------------------

def routed4() -> World:
    w = World("a", "r", "b")
    w.cable("a", "eth0", "r", "left")
    w.cable("r", "right", "b", "eth0")
    w["a"].api.addr_add("eth0", a4("192.0.2.1"), 24)
    w["r"].api.addr_add("left", a4("192.0.2.254"), 24)
    w["r"].api.addr_add("right", a4("198.51.100.254"), 24)
    w["b"].api.addr_add("eth0", a4("198.51.100.2"), 24)
    w["a"].api.route_add(a4("0.0.0.0"), 0, gateway=a4("192.0.2.254"))
    w["b"].api.route_add(a4("0.0.0.0"), 0, gateway=a4("198.51.100.254"))
    w["r"].api.sysctl_set("net.ipv4.ip_forward", "1")
    w.settle()
    return w


def test_a_forwarded_ipv4_packet_without_df_is_fragmented_and_reassembled_by_the_receiver():
    w = routed4()
    w["r"].api.link_set("right", mtu=1000)
    session = w["a"].api.ping_open(a4("198.51.100.2"), 1400, pmtudisc="dont")
    w["a"].api.ping_send(session, 1)
    w.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    ip = w["r"].api.stats("Ip")["Ip"]
    assert ip["FragOKs"] == 1 and ip["FragCreates"] == 2 and ip["ForwDatagrams"] == 2
    assert w["b"].api.stats("Ip")["Ip"]["ReasmOKs"] == 1


def test_with_df_the_ipv4_sender_learns_the_path_mtu_and_its_pings_then_fit():
    w = routed4()
    w["r"].api.link_set("right", mtu=1000)
    session = w["a"].api.ping_open(a4("198.51.100.2"), 1400, pmtudisc="do")
    w["a"].api.ping_send(session, 1)
    w.settle()
    assert [e.message for e in drain(session)] == ["Frag needed and DF set (mtu = 1000)"]
    got = w["a"].api.route_get(a4("198.51.100.2"))
    assert got["expires"] == 600 and got["metrics"] == [{"mtu": 1000}]
    w["a"].api.ping_send(session, 2)                    # refused here now: the path is known
    w.settle()
    assert [e.message for e in drain(session)] == ["local error: message too long, mtu=1000"]
    w["a"].api.sysctl_set("net.ipv4.route.mtu_expires", "30")
    assert w["a"].api.route_cache_flush() == 1
    assert "expires" not in w["a"].api.route_get(a4("198.51.100.2"))


def test_a_report_under_the_floor_is_raised_to_min_pmtu_and_one_above_the_route_is_ignored():
    w = routed4()
    pmtu = w["a"].ipv4.pmtu
    b = a4("198.51.100.2")
    assert pmtu.learn(b, 1600, 1500) is None
    assert pmtu.learn(b, 68, 1500) == 552
