"""IPv6 on pair cables under the fake clock: EUI-64 link-locals, DAD, NDP on the NUD machine,
echo, extension headers, ICMPv6 errors and their rate limit, malformed packets dropped by name."""
import pytest

from stack.l2 import neigh as nud
from stack.l3.addrconf import link_local_address, solicited_node
from stack.wire import icmpv6
from stack.wire.ethernet import mac_to_str
from stack.wire.ipv6 import addr_from_str as a6
from tests.checker import expect_counters, expect_frame, counters

from .lab import World, drain

A6, B6 = a6("2001:db8::1"), a6("2001:db8::2")
PEER_MAC = b"\x02\x00\x00\x00\x00\x0a"


def v6_hosts(dad_done: bool = True) -> World:
    """Stacks a and b on one cable, 2001:db8::1/64 and ::2/64, DAD over unless asked not."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    world["a"].api.addr_add("eth0", A6, 64)
    world["b"].api.addr_add("eth0", B6, 64)
    if dad_done:
        world.run(2.5)
    return world


def ifa(stack, address):
    return stack.ipv6.local[address]


def sent_by(stack, link="eth0") -> list:
    frames = []
    stack.links[link].tx_tap = frames.append
    return frames


def ipv6_packet(src, dst, nxt, payload, hlim=64, plen=None) -> bytes:
    size = len(payload) if plen is None else plen
    return (bytes((0x60, 0, 0, 0)) + size.to_bytes(2, "big") + bytes((nxt, hlim)) + src + dst
            + payload)


def icmp6(kind, code, body, src, dst) -> bytes:
    return icmpv6.build(kind, code, body, src, dst)


def echo6(src=A6, dst=B6, ident=0x77, seq=1) -> bytes:
    return icmp6(128, 0, ident.to_bytes(2, "big") + seq.to_bytes(2, "big") + b"ping6!!!", src, dst)


def frame_to(stack, packet: bytes, dst_mac=None, link="eth0") -> bytes:
    return (dst_mac or stack.links[link].mac) + PEER_MAC + b"\x86\xdd" + packet


def deliver(world, stack, packet, **kw):
    stack.links[kw.pop("link", "eth0")].deliver(frame_to(stack, packet, **kw))
    world.settle()


# --- addresses: EUI-64, loopback, order and flags ------------------------------------------

def test_link_local_from_the_mac_on_up_and_loopback_gets_only_colon_colon_one():
    world = World("a")
    assert link_local_address(bytes.fromhex("020000000001")) == a6("fe80::ff:fe00:1")   # as Linux makes it
    assert link_local_address(bytes.fromhex("525400123456")) == a6("fe80::5054:ff:fe12:3456")
    a = world["a"]
    lo = a.api.addr_list("lo")[0]["addr_info"]
    assert [(i["family"], i["local"], i["prefixlen"], i["scope"]) for i in lo] == [
        ("inet", "127.0.0.1", 8, "host"), ("inet6", "::1", 128, "host")]
    from stack.link.pair import PairLink
    link = PairLink("eth0", mac=bytes.fromhex("020000000001"))
    a.add_link(link)
    assert a.api.addr_list("eth0")[0]["addr_info"] == []           # down: no link-local yet
    link.set_up(True)
    (row,) = a.api.addr_list("eth0")[0]["addr_info"]
    assert row == {"family": "inet6", "local": "fe80::ff:fe00:1", "prefixlen": 64, "scope": "link",
                   "tentative": True, "valid_life_time": 4294967295, "preferred_life_time": 4294967295}


def test_addresses_are_listed_as_ip_lists_them_and_routes_follow_dad():
    world = v6_hosts(dad_done=False)
    a = world["a"]
    a.api.addr_add("eth0", a6("2001:db8:1::1"), 64, nodad=True)
    rows = a.api.addr_list("eth0")[0]["addr_info"]
    assert [(r["local"], r.get("tentative", False), r.get("nodad", False)) for r in rows] == [
        ("2001:db8:1::1", False, True), ("2001:db8::1", True, False),
        (a.ipv6.addresses(a.links["eth0"])[2].to_dict()["local"], True, False)]
    local = [r["dst"] for r in a.api.route_list(family="inet6", table="local")]
    assert local == ["::1", "2001:db8:1::1", "ff00::/8"]           # tentative ones are not ours yet
    world.run(2.5)
    main = a.api.route_list(family="inet6")
    assert [(r["dst"], r["metric"], r["pref"]) for r in main] == [
        ("2001:db8::/64", 256, "medium"), ("2001:db8:1::/64", 256, "medium"), ("fe80::/64", 256, "medium")]
    local = a.api.route_list(family="inet6", table="local")
    assert [(r["type"], r["dst"], r["metric"]) for r in local] == [
        ("local", "::1", 0), ("local", "2001:db8::1", 0), ("local", "2001:db8:1::1", 0),
        ("local", mac_ll(a), 0), ("multicast", "ff00::/8", 256)]
    assert a.api.route_list() == []                                # ip route: IPv4 only


def mac_ll(stack, link="eth0") -> str:
    from stack.wire.ipv6 import addr_to_str
    return addr_to_str(link_local_address(stack.links[link].mac))


def test_deleting_an_address_keeps_the_prefix_route_while_another_needs_it():
    world = v6_hosts()
    a = world["a"]
    a.api.addr_add("eth0", a6("2001:db8::7"), 64)
    a.api.addr_del("eth0", A6, 64)
    assert "2001:db8::/64" in [r["dst"] for r in a.api.route_list(family="inet6")]
    a.api.addr_del("eth0", a6("2001:db8::7"), None)
    assert "2001:db8::/64" not in [r["dst"] for r in a.api.route_list(family="inet6")]
    with pytest.raises(Exception, match="Cannot assign requested address"):
        a.api.addr_del("eth0", A6, 64)


# --- duplicate address detection ---------------------------------------------------------------

def test_dad_probe_is_an_ns_from_unspecified_to_the_solicited_node_group_then_the_address_is_usable():
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    world.run(2.5)
    a = world["a"]
    frames = sent_by(a)
    before = counters(world["b"], "Drop")
    a.api.addr_add("eth0", A6, 64)
    assert ifa(a, A6).tentative and a.ipv6.joined(a.links["eth0"], solicited_node(A6))
    world.run(1.0)
    (probe,) = [f for f in frames if f[54] == 135]
    assert probe[:6] == bytes.fromhex("3333ff000001")
    expect_frame(probe, ipv6={"src": bytes(16), "dst": solicited_node(A6), "hlim": 255},
                 icmpv6={"type": 135, "code": 0})
    assert len(probe) == 14 + 40 + 24                               # a DAD probe carries no option
    world.run(1.1)
    assert not ifa(a, A6).tentative and not ifa(a, A6).dadfailed
    # b joined neither a's solicited-node group nor ff02::16 (a's MLD reports)
    expect_counters(world["b"], since=before, Drop={"IPV6_MCAST_NOT_JOINED": len(frames)})


def test_dad_fails_when_the_address_is_answered_for():
    world = v6_hosts()
    a, b = world["a"], world["b"]
    b.api.addr_add("eth0", a6("2001:db8::99"), 64, nodad=True)
    a.api.addr_add("eth0", a6("2001:db8::99"), 64)
    world.run(2.5)
    row = [r for r in a.api.addr_list("eth0")[0]["addr_info"] if r["local"] == "2001:db8::99"][0]
    assert row["dadfailed"] and row["tentative"]
    assert list(row) == ["family", "local", "prefixlen", "scope", "dadfailed", "tentative",
                         "valid_life_time", "preferred_life_time"]
    expect_counters(b, Icmp6={"OutNeighborAdvertisements": 1})
    assert "2001:db8::99" not in [r["dst"] for r in a.api.route_list(family="inet6", table="local")]
    session = world["b"].api.ping_open(a6("2001:db8::99"), 8)      # b, the holder, answers for it
    assert ifa(b, a6("2001:db8::99")).usable and session


def test_dad_fails_on_both_sides_when_two_probe_at_once():
    world = v6_hosts()
    for name in "ab":
        world[name].ipv6.rtr_solicit_delay = 0.0
        world[name].api.addr_add("eth0", a6("2001:db8::42"), 64)
    world.clock.advance(0.01)
    for stack in (world["a"], world["b"]):      # both probes leave before either arrives
        stack.timers.run_due(stack.now())
        stack.flush_tx()
    world.run(2.0)
    assert ifa(world["a"], a6("2001:db8::42")).dadfailed
    assert ifa(world["b"], a6("2001:db8::42")).dadfailed


def test_link_down_drops_the_link_local_and_dad_runs_again_on_up():
    world = v6_hosts()
    a = world["a"]
    ll = link_local_address(a.links["eth0"].mac)
    a.api.link_set("eth0", up=False)
    assert ll not in a.ipv6.local and ifa(a, A6).tentative
    a.api.link_set("eth0", up=True)
    assert ifa(a, ll).tentative
    world.run(2.5)
    assert ifa(a, ll).usable and ifa(a, A6).usable


# --- NDP on the NUD machine ----------------------------------------------------------------

def state(stack, addr=B6):
    entry = stack.ndp.table.entries.get((stack.links["eth0"].index, addr))
    return entry.state if entry else None


def without_stats(rows: list[dict]) -> list[dict]:
    """Neighbour rows without the keys ip shows only with -s."""
    return [{k: v for k, v in row.items() if k not in ("used", "confirmed", "updated", "probes")}
            for row in rows]


def test_first_packet_waits_for_ns_na_and_both_learn():
    world = v6_hosts()
    a, b = world["a"], world["b"]
    session = a.api.ping_open(B6, 56)
    a.api.ping_send(session, 1)
    assert state(a) == nud.INCOMPLETE
    world.settle()
    assert [(e.kind, e.seq, e.src, e.ttl) for e in drain(session)] == [("reply", 1, "2001:db8::2", 64)]
    assert state(a) == nud.REACHABLE and state(b, A6) == nud.DELAY
    assert without_stats(a.api.neigh_list(family="inet6")) == [
        {"dst": "2001:db8::2", "dev": "eth0", "lladdr": mac_to_str(b.links["eth0"].mac), "state": ["REACHABLE"]}]
    expect_counters(a, Icmp6={"OutNeighborSolicits": 1 + 2, "InNeighborAdvertisements": 1,
                              "OutEchos": 1, "InEchoReplies": 1})   # two of them were DAD probes
    expect_counters(b, Icmp6={"InNeighborSolicits": 1, "OutNeighborAdvertisements": 1,
                              "InEchos": 1, "OutEchoReplies": 1})


def test_reachable_ages_to_stale_then_a_unicast_probe_confirms_it():
    world = v6_hosts()
    a = world["a"]
    session = a.api.ping_open(B6, 56)
    a.api.ping_send(session, 1)
    world.settle()
    world.run(a.ndp.table.params.base_reachable_time * 1.5 + 1, step=0.5)
    assert state(a) == nud.STALE
    a.api.ping_send(session, 2)
    world.settle()
    assert state(a) == nud.DELAY
    frames = sent_by(a)
    world.run(a.ndp.table.params.delay_first_probe_time + 0.05)
    probes = [f for f in frames if f[54] == 135]
    assert probes and probes[0][:6] == world["b"].links["eth0"].mac     # unicast, to its MAC
    expect_frame(probes[0], ipv6={"dst": B6, "hlim": 255}, icmpv6={"type": 135})
    assert state(a) == nud.REACHABLE


def test_an_absent_neighbour_fails_and_ping_hears_address_unreachable():
    world = v6_hosts()
    a = world["a"]
    world["b"].api.link_set("eth0", up=False)
    session = a.api.ping_open(a6("2001:db8::77"), 56)
    a.api.ping_send(session, 1)
    world.run(3.5)
    assert state(a, a6("2001:db8::77")) == nud.FAILED
    assert [(e.kind, e.src, e.message) for e in drain(session)] == [
        ("error", "2001:db8::1", "Destination unreachable: Address unreachable")]
    expect_counters(a, NdiscCache={"res_failed": 1}, Icmp6={"OutDestUnreachs": 1, "InDestUnreachs": 1},
                    Drop={"NEIGH_FAILED": 1})


def test_a_permanent_v6_neighbour_is_used_without_solicitation():
    world = v6_hosts()
    a = world["a"]
    a.api.neigh_add("eth0", B6, world["b"].links["eth0"].mac)
    before = counters(a, "Icmp6")
    session = a.api.ping_open(B6, 8)
    a.api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    expect_counters(a, since=before, Icmp6={"OutNeighborSolicits": 0})
    assert a.api.neigh_list(family="inet6")[0]["state"] == ["PERMANENT"]


def test_a_router_advertisement_flag_shows_in_the_neighbour_row():
    world = v6_hosts()
    a, b = world["a"], world["b"]
    b.ipv6.forwarding = True                    # b answers as a router (NA's R flag)
    session = a.api.ping_open(B6, 8)
    a.api.ping_send(session, 1)
    world.settle()
    assert list(a.api.neigh_list(family="inet6")[0]) == ["dst", "dev", "lladdr", "router", "used",
                                                         "confirmed", "updated", "probes", "state"]


def test_nd_messages_that_break_rfc4861_are_dropped_by_name():
    world = v6_hosts()
    b = world["b"]
    ns_body = bytes(4) + B6 + bytes((1, 1)) + PEER_MAC
    cases = [
        (ipv6_packet(A6, solicited_node(B6), 58, icmp6(135, 0, ns_body, A6, solicited_node(B6)), hlim=64),
         "IPV6_NDISC_HOP_LIMIT"),
        (ipv6_packet(A6, solicited_node(B6), 58, icmp6(135, 1, ns_body, A6, solicited_node(B6)), hlim=255),
         "IPV6_NDISC_BAD_CODE"),
        (ipv6_packet(A6, solicited_node(B6), 58,
                     icmp6(135, 0, bytes(4) + B6 + bytes((1, 0)) + bytes(6), A6, solicited_node(B6)), hlim=255),
         "IPV6_NDISC_BAD_OPTIONS"),
        (ipv6_packet(A6, B6, 58, icmp6(135, 0, bytes(4) + a6("2001:db8::55") + bytes((1, 1)) + PEER_MAC,
                                       A6, B6), hlim=255), "IPV6_NDISC_NS_OTHERHOST"),
    ]
    for packet, reason in cases:
        before = b.drop[reason]
        deliver(world, b, packet)
        assert b.drop[reason] == before + 1, reason


# --- echo, extension headers, errors ----------------------------------------------------------

def test_echo_to_the_link_local_and_to_all_nodes_is_answered():
    world = v6_hosts()
    a, b = world["a"], world["b"]
    ll_b = link_local_address(b.links["eth0"].mac)
    session = a.api.ping_open(ll_b, 8, "eth0")
    a.api.ping_send(session, 1)
    world.settle()
    (event,) = drain(session)
    assert event.kind == "reply" and event.src == f"{mac_ll(b)}%eth0"
    with pytest.raises(Exception, match="Invalid argument"):
        a.api.ping_open(ll_b, 8)                    # a link-local needs its link
    frames = sent_by(b)
    all_nodes = a6("ff02::1")
    deliver(world, b, ipv6_packet(A6, all_nodes, 58, echo6(A6, all_nodes)), dst_mac=b"\x33\x33\0\0\0\1")
    replies = [f for f in frames if f[54] == 129]
    assert replies
    expect_frame(replies[0], ipv6={"src": B6, "dst": A6}, icmpv6={"type": 129})


def reply_types(frames) -> list:
    return [(f[54], f[55], int.from_bytes(f[58:62], "big")) for f in frames
            if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] < 128]


def with_headers(*headers, last=58, payload=None) -> bytes:
    """An echo request to b behind extension headers: (next header value, header bytes) each."""
    body = payload if payload is not None else echo6()
    chain = b""
    kinds = [h[0] for h in headers[1:]] + [last]
    for (kind, data), following in zip(headers, kinds):
        chain += bytes((following,)) + data
    first = headers[0][0] if headers else last
    return ipv6_packet(A6, B6, first, chain + body)


PADN_6 = bytes((0, 1, 4, 0, 0, 0, 0))       # length 0 (8 bytes), a PadN of 6


@pytest.mark.parametrize("headers, answered", [
    ([(0, PADN_6)], True),                                      # hop-by-hop, padding only
    ([(0, PADN_6), (60, PADN_6)], True),                        # and destination options
    ([(60, bytes((0, 0x05, 2, 0, 0, 1, 0)))], True),            # unknown option, action 00: skipped
    ([(43, bytes((0, 0, 0)) + bytes(4))], True),                # routing header, no segments left
    ([(44, bytes(7))], True),                                   # an atomic fragment
])
def test_extension_headers_are_walked_to_the_echo(headers, answered):
    world = v6_hosts()
    b = world["b"]
    b.api.neigh_add("eth0", A6, world["a"].links["eth0"].mac)
    frames = sent_by(b)
    deliver(world, b, with_headers(*headers))
    assert [f[54] for f in frames] == [129]


@pytest.mark.parametrize("headers, last, reason, error", [
    ([], 253, "IP_NOPROTO", (4, 1, 6)),                                     # unknown next header
    ([(60, PADN_6), (0, PADN_6)], 58, "IP_NOPROTO", (4, 1, 40)),            # hop-by-hop not first
    ([(60, bytes((0, 0x85, 2, 0, 0, 1, 0)))], 58, "IPV6_UNKNOWN_OPTION", (4, 2, 42)),   # action 10
    ([(60, bytes((0, 0x45, 2, 0, 0, 1, 0)))], 58, "IPV6_UNKNOWN_OPTION", None),         # action 01
    ([(43, bytes((0, 0, 1)) + bytes(4))], 58, "IPV6_RTHDR", (4, 0, 42)),    # segments left
    ([(44, bytes(7)), (44, bytes(7))], 58, "IPV6_BAD_EXTHDR", (4, 0, 48)),  # a second fragment header
    ([(60, bytes((0, 1, 5, 0, 0, 0, 0)))], 58, "IPV6_BAD_EXTHDR", None),    # PadN past its header
    ([(60, bytes((0, 1, 4, 0, 0, 9, 0)))], 58, "IPV6_BAD_EXTHDR", None),    # PadN not zero
])
def test_extension_header_refusals(headers, last, reason, error):
    world = v6_hosts()
    b = world["b"]
    b.api.neigh_add("eth0", A6, world["a"].links["eth0"].mac)
    frames = sent_by(b)
    deliver(world, b, with_headers(*headers, last=last))
    assert b.drop[reason] == 1
    assert reply_types(frames) == ([error] if error else [])
    if error:
        expect_frame(frames[0], ipv6={"src": B6, "dst": A6}, icmpv6={"type": error[0], "code": error[1]})


def test_a_parameter_problem_reaches_the_ping_that_caused_it():
    world = v6_hosts()
    a, b = world["a"], world["b"]
    session = a.api.ping_open(B6, 8)
    a.api.ping_send(session, 1)
    world.settle()
    drain(session)
    # a second b answers a's next request as if its options were unknown
    quoted = ipv6_packet(A6, B6, 58, echo6(ident=session.ident, seq=2))
    deliver(world, a, ipv6_packet(B6, A6, 58, icmp6(4, 2, (42).to_bytes(4, "big") + quoted, B6, A6)))
    (event,) = drain(session)
    assert (event.kind, event.src, event.message) == ("error", "2001:db8::2",
                                                      "Parameter problem: Unknown option at 42")


def test_errors_are_rate_limited_per_host_as_linux_does():
    world = v6_hosts()
    b = world["b"]
    b.api.neigh_add("eth0", A6, world["a"].links["eth0"].mac)
    frames = sent_by(b)
    for _ in range(20):
        b.links["eth0"].deliver(frame_to(b, with_headers(last=253)))
    world.settle()
    assert len(reply_types(frames)) == 6            # a /64 route: 250 ms a token, a burst of 6
    expect_counters(b, Icmp6={"OutRateLimitHost": 14, "OutParmProblems": 6}, Ip6={"InUnknownProtos": 20})
    world.clock.advance(0.5)
    b.links["eth0"].deliver(frame_to(b, with_headers(last=253)))
    world.settle()
    assert len(reply_types(frames)) == 7


def test_no_error_about_an_error_or_to_a_multicast_destination():
    world = v6_hosts()
    b = world["b"]
    frames = sent_by(b)
    err = icmp6(1, 0, bytes(4) + bytes(48), A6, B6)
    deliver(world, b, ipv6_packet(A6, B6, 58, err))
    deliver(world, b, ipv6_packet(A6, a6("ff02::1"), 253, b"x" * 8), dst_mac=b"\x33\x33\0\0\0\1")
    assert reply_types(frames) == []
    assert b.drop["IP_NOPROTO"] == 1 and b.drop["NO_SOCKET"] == 1


# --- malformed packets ---------------------------------------------------------------------------

def test_malformed_packets_are_dropped_by_name_and_counted():
    world = v6_hosts()
    b = world["b"]
    good = ipv6_packet(A6, B6, 58, echo6())
    bad_csum = bytearray(good)
    bad_csum[-1] ^= 1
    version4 = bytes((0x45,)) + good[1:]
    cases = [
        (good[:30], "PKT_TOO_SMALL", {"InHdrErrors": 1}),
        (version4, "IPV6_INHDR", {"InHdrErrors": 1}),
        (ipv6_packet(A6, B6, 58, echo6(), plen=200), "PKT_TOO_SMALL", {"InTruncatedPkts": 1}),
        (ipv6_packet(a6("ff02::1"), B6, 58, echo6()), "IPV6_INVALID_SOURCE", {"InHdrErrors": 1}),
        (ipv6_packet(a6("::1"), B6, 58, echo6()), "IPV6_INVALID_SOURCE", {"InHdrErrors": 1}),
        (ipv6_packet(A6, a6("2001:db8::3"), 58, echo6()), "IPV6_INADDRERRORS", {"InAddrErrors": 1}),
        (ipv6_packet(A6, B6, 0, bytes((58, 0)) + bytes(4)), "IPV6_BAD_EXTHDR", {"InHdrErrors": 1}),
        (bytes(bad_csum), "ICMP_CSUM", {}),
    ]
    for packet, reason, ip6 in cases:
        before = counters(b, "Ip6", "Drop")
        deliver(world, b, packet)
        expect_counters(b, since=before, Drop={reason: 1}, Ip6=ip6)
    expect_counters(b, Icmp6={"InCsumErrors": 1})
    deliver(world, b, ipv6_packet(A6, a6("ff02::1:ff00:99"), 58, echo6()), dst_mac=b"\x33\x33\xff\0\0\x99")
    assert b.drop["IPV6_MCAST_NOT_JOINED"] >= 1


# --- MLDv2 reports ----------------------------------------------------------------------------

def mld_reports(frames) -> list:
    """(record type, group) of each MLDv2 report in `frames` (behind their hop-by-hop header)."""
    out = []
    for f in frames:
        if f[12:14] == b"\x86\xdd" and f[20] == 0 and f[54] == 58 and f[62] == 143:
            count = int.from_bytes(f[68:70], "big")
            out += [(f[70 + 20 * i], f[74 + 20 * i:90 + 20 * i]) for i in range(count)]
    return out


def test_joining_and_leaving_a_group_is_reported_twice_to_mld_routers():
    world = v6_hosts()
    a = world["a"]
    frames = sent_by(a)
    a.api.addr_add("eth0", a6("2001:db8::1:abcd"), 64)
    world.run(2.5)
    group = solicited_node(a6("2001:db8::1:abcd"))
    assert mld_reports(frames) == [(4, group), (4, group)]         # CHANGE_TO_EXCLUDE, robustness 2
    report = [f for f in frames if mld_reports([f])][0]
    assert report[:6] == b"\x33\x33\x00\x00\x00\x16"
    expect_frame(report, ipv6={"dst": a6("ff02::16"), "hlim": 1, "nxt": 0}, icmpv6={"type": 143})
    assert report[56:60] == bytes((5, 2, 0, 0))                    # a router alert, for MLD
    frames.clear()
    a.api.addr_del("eth0", a6("2001:db8::1:abcd"), 64)
    world.run(2.5)
    assert mld_reports(frames) == [(3, group), (3, group)]         # CHANGE_TO_INCLUDE
    expect_counters(a, Icmp6={"OutMLDv2Reports": 4 + 2 * 2})       # and the first two groups


def query(group=bytes(16), hlim=1, src=None) -> bytes:
    src = src or link_local_address(PEER_MAC)
    body = (1000).to_bytes(2, "big") + bytes(2) + group + bytes((2, 125, 0, 0))
    msg = icmp6(130, 0, body, src, a6("ff02::1"))
    hop_by_hop = bytes((58, 0, 5, 2, 0, 0, 1, 0))
    return ipv6_packet(src, a6("ff02::1"), 0, hop_by_hop + msg, hlim=hlim)


def test_a_general_query_is_answered_with_every_group_and_a_bad_one_is_dropped():
    world = v6_hosts()
    world.run(3.0)
    a = world["a"]
    frames = sent_by(a)
    deliver(world, a, query(), dst_mac=b"\x33\x33\x00\x00\x00\x01")
    world.run(1.1)
    groups = sorted(solicited_node(addr) for addr in (A6, link_local_address(a.links["eth0"].mac)))
    assert mld_reports(frames) == [(2, g) for g in groups]          # MODE_IS_EXCLUDE, all-nodes not
    deliver(world, a, query(hlim=64), dst_mac=b"\x33\x33\x00\x00\x00\x01")
    assert a.drop["IPV6_MLD_INVALID"] == 1


def test_disable_ipv6_takes_the_addresses_and_refuses_packets_until_enabled():
    world = v6_hosts()
    b = world["b"]
    assert b.api.inet6_conf("eth0", disable_ipv6=True) == {"disable_ipv6": 1, "addr_gen_mode": "eui64"}
    assert b.ipv6.addresses(b.links["eth0"]) == []
    assert all(r["dev"] != "eth0" for r in b.api.route_list(family="inet6", table="all"))
    deliver(world, b, ipv6_packet(A6, B6, 58, echo6()))
    expect_counters(b, Drop={"IPV6DISABLED": 1}, Ip6={"InDiscards": 1})
    with pytest.raises(Exception, match="IPv6 is disabled on eth0"):
        b.api.addr_add("eth0", B6, 64)
    b.api.inet6_conf("eth0", disable_ipv6=False)
    assert b.ipv6.owns(b.links["eth0"], link_local_address(b.links["eth0"].mac)) is not None
