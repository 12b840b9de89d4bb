"""Routing and forwarding on pair cables under the fake clock: tables and rules, route types'
verdicts, multipath spread, TTL expiry, ICMP errors and their rate limits, per-link forwarding."""
import struct

import pytest

from stack.errors import NetlinkError, StackError
from stack.wire import icmp as icmpwire
from stack.wire.ipv4 import FLAG_DF, addr_from_str
from tests.checker import frame_to, icmp_echo, ipv4

from .lab import A_IP, World, drain

A = addr_from_str
B_IP = A("198.51.100.2")
ICMP = 1


def routed(forwarding: bool = True) -> World:
    """a (192.0.2.1) -- left r right -- b (198.51.100.2); a and b route everything through r."""
    w = World("a", "r", "b")
    w.cable("a", "eth0", "r", "left")
    w.cable("r", "right", "b", "eth0")
    w["a"].api.addr_add("eth0", A_IP, 24)
    w["r"].api.addr_add("left", A("192.0.2.254"), 24)
    w["r"].api.addr_add("right", A("198.51.100.254"), 24)
    w["b"].api.addr_add("eth0", B_IP, 24)
    w["a"].api.route_add(A("0.0.0.0"), 0, gateway=A("192.0.2.254"))
    w["b"].api.route_add(A("0.0.0.0"), 0, gateway=A("198.51.100.254"))
    if forwarding:
        w["r"].api.sysctl_set("net.ipv4.ip_forward", "1")
    w.settle()
    return w


def ping(world, dst, ttl=64, size=8, mark=0):
    session = world["a"].api.ping_open(dst, size, ttl=ttl, mark=mark)
    world["a"].api.ping_send(session, 1)
    world.settle()
    return drain(session)


def icmp_of(stack, *groups):
    return {name: value for group in groups for name, value in stack.api.stats(group)[group].items()}


# --- lookups: tables, rules, types ----------------------------------------------------

def test_longest_prefix_wins_across_tables_as_the_rules_order_them():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("198.51.100.2"))
    r.api.route_add(A("203.0.113.128"), 25, gateway=A("192.0.2.1"), table="100")
    assert r.api.route_get(A("203.0.113.200"))["gateway"] == "198.51.100.2"   # table 100 unread
    r.api.rule_add(table="100", priority=100)
    got = r.api.route_get(A("203.0.113.200"))
    assert (got["gateway"], got["dev"], got["table"]) == ("192.0.2.1", "left", "100")
    assert r.api.route_get(A("203.0.113.9"))["gateway"] == "198.51.100.2"      # no route there: main
    r.api.route_add(A("203.0.113.0"), 24, type="throw", table="100")
    r.api.route_del(A("203.0.113.128"), 25, table="100")
    assert r.api.route_get(A("203.0.113.200"))["gateway"] == "198.51.100.2"    # thrown back to main


def test_rules_by_source_fwmark_and_input_link_choose_the_table():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("198.51.100.2"))
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.1"), table="10")
    r.api.route_add(A("203.0.113.0"), 24, type="prohibit", table="20")
    r.api.route_add(A("203.0.113.0"), 24, type="unreachable", table="30")
    r.api.rule_add(table="10", src=(A("192.0.2.0"), 24), priority=10)
    r.api.rule_add(table="20", fwmark=0x10, fwmask=0xF0, priority=20)
    r.api.rule_add(table="30", iif="right", priority=30)
    get = r.api.route_get
    assert get(A("203.0.113.1"), src=A("192.0.2.254"))["gateway"] == "192.0.2.1"
    assert get(A("203.0.113.1"), src=A("198.51.100.254"))["gateway"] == "198.51.100.2"
    with pytest.raises(NetlinkError, match="RTNETLINK answers: Permission denied"):
        get(A("203.0.113.1"), mark=0x1F)
    assert get(A("203.0.113.1"), mark=0x0F)["gateway"] == "198.51.100.2"      # outside the mask
    with pytest.raises(NetlinkError, match="No route to host"):
        get(A("203.0.113.1"), src=A("198.51.100.2"), iif="right")
    r.api.rule_add(table="10", invert=True, src=(A("10.0.0.0"), 8), priority=5)   # not from 10/8
    assert get(A("203.0.113.1"), src=A("198.51.100.2"), iif="right")["gateway"] == "192.0.2.1"


def test_a_rule_change_empties_the_flow_cache():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, type="blackhole", table="7")
    with pytest.raises(NetlinkError, match="Network is unreachable"):
        r.api.route_get(A("203.0.113.1"))
    assert r.ipv4.fib.cache
    r.api.rule_add(table="7")
    assert not r.ipv4.fib.cache
    with pytest.raises(NetlinkError, match="Invalid argument"):
        r.api.route_get(A("203.0.113.1"))
    r.api.rule_del(table="7")
    with pytest.raises(NetlinkError, match="Network is unreachable"):
        r.api.route_get(A("203.0.113.1"))


def test_the_default_rules_and_how_a_new_rule_takes_its_place():
    w = routed()
    r = w["r"]
    assert r.api.rule_list() == [{"priority": 0, "src": "all", "table": "local"},
                                 {"priority": 32766, "src": "all", "table": "main"},
                                 {"priority": 32767, "src": "all", "table": "default"}]
    r.api.rule_add(table="5")
    r.api.rule_add(action="prohibit", fwmark=7)
    assert [row["priority"] for row in r.api.rule_list()] == [0, 32764, 32765, 32766, 32767]
    with pytest.raises(NetlinkError, match="File exists"):
        r.api.rule_add(table="5", priority=32765)
    with pytest.raises(NetlinkError, match="No such file or directory"):
        r.api.rule_del(table="77")
    assert r.api.rule_flush() == 4
    assert r.api.rule_list() == [{"priority": 0, "src": "all", "table": "local"}]


# --- multipath ---------------------------------------------------------------------------

def test_multipath_spreads_flows_by_weight_and_keeps_each_flow_on_its_path():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, nexthops=[
        {"gateway": A("192.0.2.1"), "dev": "left", "weight": 1},
        {"gateway": A("198.51.100.2"), "dev": "right", "weight": 3}])
    counts = {"left": 0, "right": 0}
    for i in range(4000):
        src = bytes((10, (i >> 16) & 255, (i >> 8) & 255, i & 255))
        first = r.ipv4.fib.lookup(A("203.0.113.7"), src=src, iif=r.links["left"])
        r.ipv4.fib.flush_cache()
        again = r.ipv4.fib.lookup(A("203.0.113.7"), src=src, iif=r.links["left"])
        assert first.link is again.link and first.gateway == again.gateway      # per flow
        counts[first.link.name] += 1
    assert 850 <= counts["left"] <= 1150 and 2850 <= counts["right"] <= 3150, counts
    r.api.link_set("right", up=False)                   # the link's next hop is gone
    assert all(r.ipv4.fib.lookup(A("203.0.113.7"), src=bytes((10, 0, 0, i))).link.name == "left"
               for i in range(50))


def test_a_multipath_route_shows_its_next_hops_as_ip_does():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, nexthops=[
        {"gateway": A("192.0.2.1"), "weight": 1}, {"gateway": A("198.51.100.2"), "weight": 2}])
    (row,) = [row for row in r.api.route_list() if row["dst"] == "203.0.113.0/24"]
    assert row == {"dst": "203.0.113.0/24", "flags": [], "nexthops": [
        {"gateway": "192.0.2.1", "dev": "left", "weight": 1, "flags": []},
        {"gateway": "198.51.100.2", "dev": "right", "weight": 2, "flags": []}]}


# --- forwarding: each verdict on the wire ------------------------------------------------

def test_forwarding_decrements_the_ttl_and_counts():
    w = routed()
    (reply,) = ping(w, B_IP)
    assert (reply.kind, reply.ttl) == ("reply", 63)
    assert w["r"].ipv4.mib.ForwDatagrams == 2


@pytest.mark.parametrize("kind,code,text,reason", [
    ("unreachable", 1, "Destination Host Unreachable", "ROUTE_UNREACHABLE"),
    ("prohibit", 13, "Packet filtered", "ROUTE_PROHIBIT"),
    ("blackhole", None, None, "ROUTE_BLACKHOLE"),
    (None, 0, "Destination Net Unreachable", "IP_INNOROUTES"),
])
def test_each_route_type_answers_as_linux(kind, code, text, reason):
    w = routed()
    r = w["r"]
    r.api.route_del(A("198.51.100.0"), 24, dev="right")          # no connected route to b's net
    if kind:
        r.api.route_add(A("198.51.100.0"), 24, type=kind)
    events = ping(w, B_IP)
    if code is None:
        assert events == []
        assert icmp_of(r, "Icmp")["OutDestUnreachs"] == 0
    else:
        (event,) = events
        assert (event.kind, event.src, event.message) == ("error", "192.0.2.254", text)
        assert icmp_of(r, "Icmp")["OutDestUnreachs"] == 1
        assert r.icmp.msg.counts.get("OutType3") == 1
    assert r.drop[reason] == 1
    assert r.api.stats("IpExt")["IpExt"]["InNoRoutes"] == (1 if reason == "IP_INNOROUTES" else 0)


def test_a_refusing_rule_answers_like_the_route_type():
    w = routed()
    r = w["r"]
    r.api.rule_add(action="prohibit", src=(A_IP, 32), priority=5)
    (event,) = ping(w, B_IP)
    assert event.message == "Packet filtered" and r.drop["ROUTE_PROHIBIT"] == 1


def test_ttl_expiry_sends_time_exceeded_from_the_router():
    w = routed()
    (event,) = ping(w, B_IP, ttl=1)
    assert (event.kind, event.src, event.message) == ("error", "192.0.2.254", "Time to live exceeded")
    assert icmp_of(w["r"], "Icmp")["OutTimeExcds"] == 1
    assert w["r"].ipv4.mib.InHdrErrors == 1 and w["r"].ipv4.mib.ForwDatagrams == 0


def test_forwarding_follows_the_input_links_setting():
    w = routed()
    r = w["r"]
    r.api.sysctl_set("net.ipv4.conf.left.forwarding", "0")
    assert ping(w, B_IP) == []
    assert r.ipv4.mib.InAddrErrors == 1 and r.drop["IP_INADDRERRORS"] == 1
    r.api.sysctl_set("net.ipv4.conf.left.forwarding", "1")
    r.api.sysctl_set("net.ipv4.conf.right.forwarding", "0")       # the output link's does not count
    assert ping(w, B_IP) == []                                     # the reply comes in on right
    assert w["b"].icmp.mib.InEchos == 1 and r.ipv4.mib.ForwDatagrams == 1


def test_ip_forward_sets_every_link_and_the_default():
    w = routed(forwarding=False)
    r = w["r"]
    values = {row["name"]: row["value"] for row in r.api.sysctl_list()}
    assert values["net.ipv4.conf.left.forwarding"] == 0
    r.api.sysctl_set("net.ipv4.ip_forward", "1")
    values = {row["name"]: row["value"] for row in r.api.sysctl_list()}
    assert all(values[f"net.ipv4.conf.{dev}.forwarding"] == 1
               for dev in ("all", "default", "lo", "left", "right"))
    with pytest.raises(StackError, match='sysctl: setting key "net.ipv4.ip_forward": Invalid argument'):
        r.api.sysctl_set("net.ipv4.ip_forward", "yes")
    with pytest.raises(StackError, match="cannot stat /proc/sys/net/ipv4/no_such"):
        r.api.sysctl_get("net.ipv4.no_such")


def test_fragmentation_needed_carries_the_egress_mtu():
    w = routed()
    r = w["r"]
    r.api.route_add(A("198.51.100.0"), 25, dev="right", mtu=1000)
    seen = []
    w["a"].icmp.handlers[icmpwire.DEST_UNREACH] = lambda pkt: seen.append(bytes(pkt.buf[pkt.data:pkt.tail]))
    big = ipv4(A_IP, B_IP, ICMP, icmp_echo(1, 1, payload=b"x" * 1100), flags_frag=FLAG_DF)
    r.links["left"].deliver(frame_to(r, big, link="left"))
    w.settle()
    (error,) = seen
    assert (error[0], error[1], struct.unpack("!H", error[6:8])[0]) == (3, 4, 1000)
    assert r.ipv4.mib.FragFails == 1 and r.drop["PKT_TOO_BIG"] == 1
    small = ipv4(A_IP, B_IP, ICMP, icmp_echo(1, 2, payload=b"x" * 900), flags_frag=FLAG_DF)
    r.links["left"].deliver(frame_to(r, small, link="left"))
    w.settle()
    assert r.ipv4.mib.ForwDatagrams == 2 and w["b"].icmp.mib.InEchos == 1    # there and back


# --- ICMP rate limits -------------------------------------------------------------------

def test_errors_to_one_host_are_limited_to_a_burst_of_six_then_one_per_ratelimit():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, type="unreachable")
    session = w["a"].api.ping_open(A("203.0.113.9"), 8)
    for seq in range(20):
        w["a"].api.ping_send(session, seq)
    w.settle()
    assert len(drain(session)) == 6
    counters = icmp_of(r, "Icmp")
    assert (counters["OutDestUnreachs"], counters["OutRateLimitHost"]) == (6, 14)
    w.run(1.0)
    for seq in range(20, 25):
        w["a"].api.ping_send(session, seq)
    w.settle()
    assert len(drain(session)) == 1                       # one more token after 1000 ms
    r.api.sysctl_set("net.ipv4.icmp_ratemask", "0")        # no type limited any more
    for seq in range(25, 30):
        w["a"].api.ping_send(session, seq)
    w.settle()
    assert len(drain(session)) == 5


def test_fragmentation_needed_is_never_rate_limited():
    w = routed()
    r = w["r"]
    r.api.route_add(A("198.51.100.0"), 25, dev="right", mtu=600)
    big = ipv4(A_IP, B_IP, ICMP, icmp_echo(1, 1, payload=b"x" * 700), flags_frag=FLAG_DF)
    for _ in range(10):
        r.links["left"].deliver(frame_to(r, big, link="left"))
    w.settle()
    assert icmp_of(r, "Icmp")["OutDestUnreachs"] == 10


# --- route changes ---------------------------------------------------------------------

def test_refusals_carry_the_kernels_words():
    w = routed()
    r = w["r"]
    cases = [
        (dict(gateway=A("203.0.113.1")), "Nexthop has invalid gateway."),
        (dict(gateway=A("192.0.2.1"), dev="right"), "Nexthop has invalid gateway."),
        (dict(gateway=A("192.0.2.1"), prefsrc=A("192.0.2.9")), "Invalid prefsrc address."),
        (dict(), "RTNETLINK answers: No such device"),
    ]
    for kwargs, message in cases:
        with pytest.raises(NetlinkError, match=message.replace(".", r"\.")):
            r.api.route_add(A("203.0.113.0"), 24, **kwargs)
    r.api.link_set("right", up=False)
    with pytest.raises(NetlinkError, match=r"Device for nexthop is not up\."):
        r.api.route_add(A("203.0.113.0"), 24, dev="right")
    with pytest.raises(NetlinkError, match=r"Nexthop device is not up\."):
        r.api.route_add(A("203.0.113.0"), 24, gateway=A("203.0.113.1"), dev="right", onlink=True)
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.1"))
    with pytest.raises(NetlinkError, match="File exists") as caught:
        r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.2"))
    assert caught.value.status == 2
    with pytest.raises(NetlinkError, match="No such process"):
        r.api.route_del(A("203.0.113.0"), 24, gateway=A("192.0.2.77"))
    with pytest.raises(NetlinkError, match="No such file or directory"):
        r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.1"), metric=9, mode="change")


def test_replace_append_prepend_and_a_link_going_down():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.1"), metric=5)
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.2"), metric=5, mode="append")
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("192.0.2.3"), metric=5, mode="prepend")
    gateways = [row["gateway"] for row in r.api.route_list() if row["dst"] == "203.0.113.0/24"]
    assert gateways == ["192.0.2.3", "192.0.2.1", "192.0.2.2"]
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("198.51.100.2"), metric=5, mode="replace")
    assert r.api.route_get(A("203.0.113.1"))["gateway"] == "198.51.100.2"
    r.api.link_set("right", up=False)                   # fib_sync_down_dev: its routes go
    assert [row.get("gateway") for row in r.api.route_list() if row["dst"] == "203.0.113.0/24"] \
        == ["192.0.2.1", "192.0.2.2"]


# --- one decision, two tellings -----------------------------------------------------------

@pytest.mark.parametrize("kind,reason", [("unreachable", "ROUTE_UNREACHABLE"),
                                         ("prohibit", "ROUTE_PROHIBIT"),
                                         ("blackhole", "ROUTE_BLACKHOLE"), (None, None)])
def test_the_trace_tells_the_rule_and_route_the_lookup_chose(kind, reason):
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, gateway=A("198.51.100.2"), table="9")
    r.api.rule_add(table="9", src=(A_IP, 32), priority=90)
    if kind:
        r.api.route_add(A("203.0.113.0"), 25, type=kind, table="9")
    r.api.trace_add(dev="left", count=1, expression="icmp")
    ping(w, A("203.0.113.7"))
    (record,) = r.api.trace_show()["records"]
    texts = [step["text"] for step in record["steps"] if step["layer"] == "ipv4"]
    assert any("(rule 90: from 192.0.2.1 lookup 9)" in text for text in texts), texts
    assert r.api.stats("Trace")["Trace"]["Disagreements"] == 0
    assert record["verdict"] == (f"dropped: {reason}" if reason else record["verdict"])
    if not reason:
        assert r.ipv4.mib.ForwDatagrams == 1


def test_route_get_names_the_next_hop_the_packets_take():
    w = routed()
    r = w["r"]
    r.api.route_add(A("203.0.113.0"), 24, nexthops=[
        {"gateway": A("192.0.2.1"), "weight": 1}, {"gateway": A("198.51.100.2"), "weight": 1}])
    told = {"left": 0, "right": 0}
    for host in range(40):
        src = A(f"192.0.2.{100 + host}")
        told[r.api.route_get(A("203.0.113.7"), src=src, iif="left")["dev"]] += 1
        packet = ipv4(src, A("203.0.113.7"), ICMP, icmp_echo(1, host))
        r.links["left"].deliver(frame_to(r, packet, link="left"))
        w.settle()
    arrived = {"left": w["a"].drop["IP_INADDRERRORS"], "right": w["b"].drop["IP_INADDRERRORS"]}
    assert arrived == told and min(told.values()) > 5, (arrived, told)


# --- traceroute's probes ------------------------------------------------------------------

def test_udp_probes_get_time_exceeded_then_the_hosts_answer():
    w = routed()
    a = w["a"]
    session = a.api.probe_open(B_IP, 32)
    a.api.probe_send(session, 1, 1)
    a.api.probe_send(session, 2, 2)
    w.settle()
    events = drain(session)
    assert [(e.seq, e.src, e.type, e.code) for e in events] == [
        (1, "192.0.2.254", 11, 0),
        (2, "198.51.100.2", 3, 2)]          # no UDP layer on b yet: protocol unreachable
    a.api.probe_close(session)


def test_icmp_probes_are_echo_requests_with_their_own_ttl():
    w = routed()
    a = w["a"]
    session = a.api.ping_open(B_IP, 32)
    a.api.ping_send(session, 1, 1)
    a.api.ping_send(session, 2, 2)
    w.settle()
    assert [(e.kind, e.seq, e.src, e.type) for e in drain(session)] == [
        ("error", 1, "192.0.2.254", 11), ("reply", 2, "198.51.100.2", 0)]


def test_a_hop_line_is_traceroutes():
    from netsh.commands.traceroute import hop_text
    data = {"ttl": 3, "numeric": True, "probes": [
        {"addr": "192.0.2.254", "rtt": 0.1234, "mark": ""}, None,
        {"addr": "198.51.100.254", "rtt": 1.5, "mark": "!H"}]}
    assert hop_text(data, None) == " 3  192.0.2.254  0.123 ms * 198.51.100.254  1.500 ms !H"
    assert hop_text({"ttl": 12, "numeric": False, "probes": [None] * 3}, None) == "12  * * *"


def test_a_routing_stack_explains_every_frame_as_it_handles_it():
    """The trace's agreement check (tests/unit/test_trace_agreement.py) on a forwarding stack
    with routes of every type, a multipath route, rules by source and fwmark, a small route
    MTU and rate limits: frames of every TTL, size and destination, and mutations of them."""
    from stack.trace import trace_counters
    from tests.frames import mutated_frames
    from tests.unit.test_trace_agreement import disagreements
    w = routed()
    r = w["r"]
    for args in ((A("198.18.0.0"), 25, {"type": "unreachable"}),
                 (A("198.18.0.128"), 25, {"type": "prohibit"}),
                 (A("203.0.113.0"), 26, {"type": "blackhole"}),
                 (A("203.0.113.64"), 26, {"gateway": B_IP, "mtu": 576}),
                 (A("203.0.113.128"), 25, {"nexthops": [{"gateway": B_IP}, {"gateway": A_IP}]}),
                 (A("10.0.0.0"), 8, {"type": "throw", "table": "50"}),
                 (A("10.1.0.0"), 16, {"type": "prohibit", "table": "50"})):
        r.api.route_add(args[0], args[1], **args[2])
    r.api.rule_add(table="50", src=(A("192.0.2.0"), 24), priority=50)
    r.api.rule_add(action="blackhole", src=(A("192.0.2.99"), 32), priority=40)
    r.api.trace_add(dev="left", count=10 ** 9)
    mac = r.links["left"].mac
    frames = []
    for dst in ("198.18.0.1", "198.18.0.200", "203.0.113.1", "203.0.113.70", "203.0.113.130",
                "203.0.113.200", "10.2.3.4", "10.1.2.3", "198.51.100.2", "192.0.2.254", "8.8.8.8"):
        for src in ("192.0.2.1", "192.0.2.99", "198.51.100.7"):
            for ttl in (0, 1, 2, 64):
                for size, flags in ((8, 0), (700, 0x4000), (700, 0)):
                    packet = ipv4(A(src), A(dst), ICMP, icmp_echo(1, ttl, payload=b"y" * size),
                                  ttl=ttl, flags_frag=flags)
                    frames.append(mac + b"\x02\x00\x00\x00\x00\x09\x08\x00" + bytes(packet))
    frames += list(mutated_frames(frames[::7], seed=14, count=1500))
    assert disagreements(w, r, frames, "left") == []
    counted = r.drop.snapshot()
    for reason in ("ROUTE_UNREACHABLE", "ROUTE_PROHIBIT", "ROUTE_BLACKHOLE", "IP_INNOROUTES",
                   "IP_INHDR", "PKT_TOO_BIG"):
        assert counted.get(reason), (reason, counted)
    assert trace_counters(r).Compared > 1500
