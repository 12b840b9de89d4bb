"""IPv4 in stages: hook points at the five places, the local table, route input decisions,
the forward stage, and the flow-keyed route cache."""
import pytest

from stack.l3.route import CACHE_MAX, Route
from stack.netfilter.hooks import (NF_ACCEPT, NF_DROP, NF_INET_FORWARD, NF_INET_LOCAL_IN,
                                   NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING,
                                   NF_STOLEN, HOOK_NAMES)
from stack.wire import ipv4 as ipwire
from stack.wire.ipv4 import addr_from_str
from tests.checker import ethernet, frame_to, icmp_echo, ipv4

from .lab import A_IP, B_IP, World, drain, two_hosts

ICMP = ipwire.PROTO_ICMP


def watch(stack, hooks=range(5), verdict=NF_ACCEPT):
    """Register a recorder at each of `hooks`; returns the list it fills with (hook, src, dst, in, out)."""
    seen = []

    def recorder(hook):
        def fn(pkt, state):
            off = pkt.network
            seen.append((HOOK_NAMES[hook], ipwire.addr_to_str(pkt.buf[off + 12:off + 16]),
                         ipwire.addr_to_str(pkt.buf[off + 16:off + 20]),
                         getattr(state.in_link, "name", None), getattr(state.out_link, "name", None)))
            return verdict
        return fn
    for hook in hooks:
        stack.ipv4.hooks.register(hook, recorder(hook))
    return seen


def ping(world, src, dst, seq=1, ttl=64):
    session = world[src].api.ping_open(dst, 8, ttl=ttl)
    world[src].api.ping_send(session, seq)
    world.settle()
    return session


def test_each_hook_sees_what_the_kernel_shows_it():
    w = two_hosts()
    seen_a, seen_b = watch(w["a"]), watch(w["b"])
    session = ping(w, "a", B_IP)
    assert [e.kind for e in drain(session)] == ["reply"]
    assert seen_a == [("output", "192.0.2.1", "192.0.2.2", None, "eth0"),
                      ("postrouting", "192.0.2.1", "192.0.2.2", None, "eth0"),
                      ("prerouting", "192.0.2.2", "192.0.2.1", "eth0", None),
                      ("input", "192.0.2.2", "192.0.2.1", "eth0", None)]
    assert seen_b == [("prerouting", "192.0.2.1", "192.0.2.2", "eth0", None),
                      ("input", "192.0.2.1", "192.0.2.2", "eth0", None),
                      ("output", "192.0.2.2", "192.0.2.1", None, "eth0"),
                      ("postrouting", "192.0.2.2", "192.0.2.1", None, "eth0")]


@pytest.mark.parametrize("hook", [NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT,
                                  NF_INET_POST_ROUTING])
def test_a_drop_verdict_drops_and_is_counted(hook):
    w = two_hosts()
    watch(w["b"], hooks=[hook], verdict=NF_DROP)
    session = ping(w, "a", B_IP)
    assert drain(session) == []
    assert w["b"].drop["NETFILTER_DROP"] == 1
    replied = hook in (NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING)     # the reply is what dropped
    assert w["b"].icmp.mib.InEchos == (1 if replied else 0)


def test_a_stolen_packet_is_neither_delivered_nor_counted_as_a_drop():
    w = two_hosts()
    watch(w["b"], hooks=[NF_INET_PRE_ROUTING], verdict=NF_STOLEN)
    ping(w, "a", B_IP)
    assert w["b"].icmp.mib.InEchos == 0 and w["b"].drop["NETFILTER_DROP"] == 0


def test_hooks_run_in_priority_order_and_unregister():
    w = two_hosts()
    order = []
    late = lambda pkt, state: order.append("late") or NF_ACCEPT      # noqa: E731
    early = lambda pkt, state: order.append("early") or NF_ACCEPT    # noqa: E731
    hooks = w["b"].ipv4.hooks
    hooks.register(NF_INET_LOCAL_IN, late, priority=10)
    hooks.register(NF_INET_LOCAL_IN, early, priority=-10)
    ping(w, "a", B_IP)
    assert order == ["early", "late"]
    hooks.unregister(NF_INET_LOCAL_IN, early)
    hooks.unregister(NF_INET_LOCAL_IN, late)
    assert hooks.chain[NF_INET_LOCAL_IN] is None        # idle again: one test on the path


def three_hosts(forwarding=True):
    """a (192.0.2.1) -- r (192.0.2.254 | 198.51.100.254) -- b (198.51.100.2), routed by r."""
    w = World("a", "r", "b")
    w.cable("a", "eth0", "r", "left")
    w.cable("r", "right", "b", "eth0")
    w["a"].api.addr_add("eth0", A_IP, 24)
    w["r"].api.addr_add("left", addr_from_str("192.0.2.254"), 24)
    w["r"].api.addr_add("right", addr_from_str("198.51.100.254"), 24)
    w["b"].api.addr_add("eth0", addr_from_str("198.51.100.2"), 24)
    for host, net, gw in (("a", "198.51.100.0", "192.0.2.254"), ("b", "192.0.2.0", "198.51.100.254")):
        w[host].ipv4.fib.add(Route(ipwire.to_int(addr_from_str(net)), 24, w[host].links["eth0"],
                                   gateway=addr_from_str(gw), protocol="static", scope="global"))
    w["r"].ipv4.forwarding = forwarding
    w.settle()
    return w


def test_the_forward_stage_routes_between_links_and_runs_its_hooks():
    w = three_hosts()
    seen = watch(w["r"])
    session = ping(w, "a", addr_from_str("198.51.100.2"))
    (reply,) = drain(session)
    assert (reply.kind, reply.ttl) == ("reply", 63)              # one hop took one from the TTL
    assert w["r"].ipv4.mib.ForwDatagrams == 2
    assert seen[:3] == [("prerouting", "192.0.2.1", "198.51.100.2", "left", None),
                        ("forward", "192.0.2.1", "198.51.100.2", "left", "right"),
                        ("postrouting", "192.0.2.1", "198.51.100.2", "left", "right")]


def test_forwarding_off_drops_as_today_and_ttl_1_gets_time_exceeded():
    w = three_hosts(forwarding=False)
    ping(w, "a", addr_from_str("198.51.100.2"))
    assert w["r"].ipv4.mib.InAddrErrors == 1 and w["r"].drop["IP_INADDRERRORS"] == 1
    w = three_hosts()
    session = ping(w, "a", addr_from_str("198.51.100.2"), ttl=1)
    (event,) = drain(session)
    assert event.kind == "error" and "Time to live exceeded" in event.message
    assert w["r"].drop["IP_INHDR"] == 1 and w["r"].ipv4.mib.ForwDatagrams == 0


def test_route_input_decides_from_the_local_table():
    w = two_hosts()
    b = w["b"]
    eth0, lo = b.links["eth0"], b.loopback
    decide = b.ipv4.route_input
    assert decide(A_IP, B_IP, 0, eth0)[0] == "local"
    assert decide(A_IP, addr_from_str("192.0.2.255"), 0, eth0)[0] == "broadcast"
    assert decide(A_IP, ipwire.LIMITED_BROADCAST, 0, eth0)[0] == "broadcast"
    assert decide(A_IP, addr_from_str("203.0.113.9"), 0, eth0)[0] == "IP_INADDRERRORS"
    assert decide(A_IP, addr_from_str("224.0.0.1"), 0, eth0)[0] == "IP_INVALID_DEST"
    assert decide(A_IP, addr_from_str("127.0.0.1"), 0, eth0)[0] == "IP_INADDRERRORS"   # martian dst
    assert decide(addr_from_str("127.0.0.1"), addr_from_str("127.0.0.9"), 0, lo)[0] == "local"
    for martian in ("192.0.2.2", "192.0.2.255", "127.0.0.1", "224.0.0.5", "255.255.255.255"):
        assert decide(addr_from_str(martian), B_IP, 0, eth0)[0] == "IP_INVALID_SOURCE", martian
    b.api.addr_del("lo", addr_from_str("127.0.0.1"), 8)         # as in Linux: 127/8 goes with it
    assert decide(addr_from_str("127.0.0.1"), addr_from_str("127.0.0.9"), 0, lo)[0] == "IP_INADDRERRORS"


def test_a_frame_through_each_decision_is_counted_where_the_decision_says():
    w = two_hosts()
    b = w["b"]
    for dst, reason in (("203.0.113.9", "IP_INADDRERRORS"), ("224.0.0.9", "IP_INVALID_DEST")):
        b.links["eth0"].deliver(frame_to(b, ipv4(A_IP, addr_from_str(dst), ICMP, icmp_echo(1, 1))))
        assert b.drop[reason] == 1
    b.links["eth0"].deliver(frame_to(b, ipv4(addr_from_str("127.0.0.1"), B_IP, ICMP, icmp_echo(1, 1))))
    assert b.drop["IP_INVALID_SOURCE"] == 1


def test_the_route_cache_is_keyed_by_flow_and_bounded():
    w = two_hosts()
    fib = w["a"].ipv4.fib
    fib.flush_cache()
    assert fib.lookup(B_IP) is fib.lookup(B_IP, src=A_IP)       # same route, two flows
    assert len(fib.cache) == 2
    for i in range(CACHE_MAX + 10):
        fib.lookup(B_IP, tos=i & 0xFF, mark=i)
    assert len(fib.cache) <= CACHE_MAX
    frame = ethernet(w["b"].links["eth0"].mac, w["a"].links["eth0"].mac, 0x0800,
                     ipv4(A_IP, B_IP, ICMP, icmp_echo(1, 1)))
    decisions = w["b"].ipv4.fib.decisions
    w["b"].links["eth0"].deliver(frame)
    assert any(key[0] == B_IP for key in decisions)
    w["b"].api.addr_add("eth0", addr_from_str("203.0.113.1"), 24)  # a route change forgets them
    assert decisions == {}


def test_a_trace_tells_the_forward_stage_and_its_refusal():
    w = three_hosts()
    ping(w, "a", addr_from_str("198.51.100.2"), seq=9)           # neighbours resolved first
    w["r"].api.trace_add(dev="left", count=2)
    ping(w, "a", addr_from_str("198.51.100.2"), ttl=1)
    ping(w, "a", addr_from_str("198.51.100.2"), seq=2)
    first, second = w["r"].api.trace_show()["records"]
    texts = [s["text"] for s in first["steps"]]
    assert any(t.startswith("destination 198.51.100.2 is another host's: forward by route "
                            "198.51.100.0/24 dev right") for t in texts)
    assert "ttl 1: it would run out here; time exceeded sent back" in texts
    assert first["verdict"] == "dropped: IP_INHDR"
    assert "ttl 64 → 63, out of right" in [s["text"] for s in second["steps"]]


def test_traced_forwarding_and_hook_drops_agree_with_what_is_counted():
    w = three_hosts()
    ping(w, "a", addr_from_str("198.51.100.2"), seq=9)
    r = w["r"]
    r.api.trace_add(dev="left", count=3)
    ping(w, "a", addr_from_str("198.51.100.2"), ttl=1)           # refused: TTL
    ping(w, "a", addr_from_str("198.51.100.2"), seq=2)           # forwarded
    watch(r, hooks=[NF_INET_FORWARD], verdict=NF_DROP)
    ping(w, "a", addr_from_str("198.51.100.2"), seq=3)           # dropped by a hook
    records = r.api.trace_show()["records"]
    assert [rec["verdict"].split(";")[0] for rec in records][0::2] == ["dropped: IP_INHDR",
                                                                      "dropped: NETFILTER_DROP"]
    assert r.api.stats("Trace")["Trace"]["Disagreements"] == 0, [
        s["text"] for rec in records for s in rec["steps"] if s["layer"] == "trace"]
