"""Router advertisements and SLAAC on a pair cable under the fake clock: router solicitations,
the default route and on-link prefix with their lifetimes, EUI-64 addresses formed, DAD'd,
deprecated and removed, the two-hour rule, and advertisements refused by name."""
from stack.l3.addrconf import eui64_interface_id, link_local_address
from stack.wire import icmpv6
from stack.wire.ipv6 import addr_from_str as a6, addr_to_str
from tests.checker import counters, expect_counters, expect_frame

from .lab import World
from .test_ipv6 import without_stats

ROUTER_MAC = b"\x02\x00\x00\x00\x00\x02"
ROUTER = link_local_address(ROUTER_MAC)
ALL_NODES = a6("ff02::1")
PREFIX = a6("2001:db8:1::")


def host() -> World:
    world = World("a", "r")
    world.cable("a", "eth0", "r", "eth0")
    world.run(2.5)
    return world


def prefix_option(prefix=PREFIX, length=64, flags=0xC0, valid=86400, preferred=14400) -> bytes:
    return (bytes((3, 4, length, flags)) + valid.to_bytes(4, "big") + preferred.to_bytes(4, "big")
            + bytes(4) + prefix)


def advert(lifetime=1800, hop_limit=64, prefixes=(prefix_option(),), src=ROUTER, hlim=255,
           flags=0, reachable=0, retrans=0, lladdr=True) -> bytes:
    body = (bytes((hop_limit, flags)) + lifetime.to_bytes(2, "big") + reachable.to_bytes(4, "big")
            + retrans.to_bytes(4, "big"))
    if lladdr:
        body += bytes((1, 1)) + ROUTER_MAC
    body += b"".join(prefixes)
    msg = icmpv6.build(134, 0, body, src, ALL_NODES)
    ip = bytes((0x60, 0, 0, 0)) + len(msg).to_bytes(2, "big") + bytes((58, hlim)) + src + ALL_NODES + msg
    return b"\x33\x33\x00\x00\x00\x01" + ROUTER_MAC + b"\x86\xdd" + ip


def send(world, frame, at="a"):
    world[at].links["eth0"].deliver(frame)
    world.settle()


def slaac_address(world) -> bytes:
    return PREFIX[:8] + eui64_interface_id(world["a"].links["eth0"].mac)


def routes(stack) -> list[dict]:
    return stack.api.route_list(family="inet6")


def test_router_solicitations_go_out_after_the_link_local_until_an_advert_comes():
    world = World("a", "r")
    world.cable("a", "eth0", "r", "eth0")
    frames = []
    world["a"].links["eth0"].tx_tap = frames.append
    world.run(7.0)
    solicits = [f for f in frames if len(f) > 54 and f[20] == 58 and f[54] == 133]
    assert len(solicits) == 2                      # at DAD's end (1-2 s), then 4 s later
    expect_frame(solicits[0], ipv6={"dst": a6("ff02::2"), "hlim": 255}, icmpv6={"type": 133})
    assert solicits[0][:6] == b"\x33\x33\x00\x00\x00\x02"
    send(world, advert())
    world.run(10.0)
    assert len([f for f in frames if len(f) > 54 and f[20] == 58 and f[54] == 133]) == 2
    expect_counters(world["a"], Icmp6={"OutRouterSolicits": 2, "InRouterAdvertisements": 1})


def test_an_advert_gives_a_default_route_an_on_link_prefix_and_an_eui64_address():
    world = host()
    a = world["a"]
    send(world, advert())
    address = slaac_address(world)
    ifa = a.ipv6.local[address]
    assert ifa.tentative and ifa.dynamic
    world.run(2.5)
    row = [r for r in a.api.addr_list("eth0")[0]["addr_info"] if r["local"] == addr_to_str(address)][0]
    assert row == {"family": "inet6", "local": addr_to_str(address), "prefixlen": 64, "scope": "global",
                   "dynamic": True, "mngtmpaddr": True, "valid_life_time": 86397,
                   "preferred_life_time": 14397}
    assert routes(a)[0] == {"dst": "2001:db8:1::/64", "dev": "eth0", "protocol": "kernel", "metric": 256,
                            "flags": [], "expires": 86397, "pref": "medium"}
    assert routes(a)[-1] == {"dst": "default", "gateway": addr_to_str(ROUTER), "dev": "eth0",
                             "protocol": "ra", "metric": 1024, "flags": [], "expires": 1797,
                             "metrics": [{"hoplimit": 64}], "pref": "medium"}
    assert without_stats(a.api.neigh_list(family="inet6")) == [{"dst": addr_to_str(ROUTER), "dev": "eth0",
                                                 "lladdr": "02:00:00:00:00:02", "router": None,
                                                 "state": ["STALE"]}]
    # the default route carries traffic for a far host: to the router's MAC
    frames = []
    a.links["eth0"].tx_tap = frames.append
    session = a.api.ping_open(a6("2001:db8:99::1"), 8)
    a.api.ping_send(session, 1)
    world.settle()
    echo = [f for f in frames if f[54] == 128][0]
    assert echo[:6] == ROUTER_MAC
    expect_frame(echo, ipv6={"src": address, "dst": a6("2001:db8:99::1")})


def test_lifetimes_deprecate_then_remove_and_router_lifetime_ends_the_default_route():
    world = host()
    a = world["a"]
    send(world, advert(lifetime=30, prefixes=(prefix_option(valid=60, preferred=20),)))
    address = slaac_address(world)
    world.run(21.0, step=1.0)
    assert a.ipv6.local[address].deprecated
    assert "deprecated" in a.ipv6.local[address].to_dict()
    world.run(10.0, step=1.0)
    assert all(r["dst"] != "default" for r in routes(a))
    world.run(30.0, step=1.0)
    assert address not in a.ipv6.local
    assert all(r["dst"] != "2001:db8:1::/64" for r in routes(a))


def test_a_zero_router_lifetime_withdraws_the_default_route():
    world = host()
    send(world, advert())
    assert any(r["dst"] == "default" for r in routes(world["a"]))
    send(world, advert(lifetime=0))
    assert all(r["dst"] != "default" for r in routes(world["a"]))


def test_the_two_hour_rule_keeps_a_short_valid_lifetime_from_cutting_an_address():
    world = host()
    a = world["a"]
    send(world, advert())
    address = slaac_address(world)
    send(world, advert(prefixes=(prefix_option(valid=60, preferred=30),)))
    assert a.ipv6.local[address].to_dict()["valid_life_time"] == 7200        # RFC 4862 5.5.3 (e)
    send(world, advert(prefixes=(prefix_option(valid=9000, preferred=30),)))
    assert a.ipv6.local[address].to_dict()["valid_life_time"] == 9000


def test_slaac_addresses_are_not_part_of_the_running_config():
    world = host()
    a = world["a"]
    send(world, advert())
    assert not [obj for obj in a.api.config() if obj["kind"] == "address" and obj["family"] == "inet6"]


def test_adverts_that_break_the_rules_are_refused_by_name():
    world = host()
    a = world["a"]
    before = counters(a, "Drop")
    send(world, advert(src=a6("2001:db8::1")))
    send(world, advert(hlim=64))
    a.ipv6.forwarding = True
    send(world, advert())
    a.ipv6.forwarding = False
    expect_counters(a, since=before, Drop={"IPV6_NDISC_RA_SOURCE": 1, "IPV6_NDISC_HOP_LIMIT": 1,
                                           "IPV6_NDISC_RA_IGNORED": 1})
    assert all(r["dst"] != "default" for r in routes(a))
    send(world, advert(prefixes=(prefix_option(prefix=a6("fe80::"), flags=0xC0),
                                 prefix_option(length=48), prefix_option(valid=10, preferred=20))))
    assert [addr for addr in a.ipv6.local if addr[:2] == b"\x20\x01"] == []      # none of them usable
