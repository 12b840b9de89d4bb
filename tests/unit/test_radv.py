"""Router advertisements sent (stack/l3/radv.py) under the fake clock: refused without
forwarding, the initial burst and the interval bounds, solicitations answered (unicast, or
multicast no sooner than 3 s after the last), the last advert with lifetime 0, and a host on
the other end taking the prefix (SLAAC through netsh's own receive side)."""
import pytest

from stack.errors import StackError
from stack.l3.addrconf import eui64_interface_id
from stack.l3.radv import build_advert, AdvertConfig, AdvPrefix
from stack.wire import icmpv6
from stack.wire.ipv6 import addr_from_str as a6

from .lab import World

PREFIX = a6("2001:db8:7::")


def pair() -> World:
    world = World("r", "h")
    world.cable("r", "eth0", "h", "eth0")
    world.run(2.5)                                  # link-locals through DAD
    return world


def adverts(frames) -> list:
    return [f for f in frames if len(f) > 54 and f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 134]


def router(world, **options) -> list:
    r = world["r"]
    frames = []
    r.links["eth0"].tx_tap = lambda f: frames.append((world.clock.now(), bytes(f)))
    r.api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
    r.api.link_ra("eth0", on=True, options=options)
    return frames


def test_refused_while_forwarding_is_off():
    world = pair()
    with pytest.raises(StackError, match="net.ipv6.conf.all.forwarding"):
        world["r"].api.link_ra("eth0", on=True, options={})
    with pytest.raises(StackError, match="interval min"):
        world["r"].api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
        world["r"].api.link_ra("eth0", on=True, options={"interval": [100, 120]})


def test_initial_burst_then_intervals_within_bounds():
    world = pair()
    frames = router(world, prefixes=[{"prefix": "2001:db8:7::/64"}], interval=[30, 60])
    assert world["r"].ipv6.joined(world["r"].links["eth0"], a6("ff02::2"))
    world.run(1200.0, step=1.0)
    times = [t for t, f in frames if f in [g for g in adverts([f])]]
    assert len(times) >= 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert times[0] - frames[0][0] <= 1.0                     # the first within MAX_RA_DELAY_TIME
    assert all(g <= 16.0 + 1.0 for g in gaps[:2])             # the initial ones 16 s apart at most
    assert all(30.0 - 1.0 <= g <= 60.0 + 1.0 for g in gaps[3:])
    first = adverts([f for _, f in frames])[-1]
    assert first[:6] == b"\x33\x33\x00\x00\x00\x01" and first[21] == 255        # all-nodes, hop limit 255
    src = first[22:38]
    assert src[:2] == b"\xfe\x80" and src[8:] == eui64_interface_id(world["r"].links["eth0"].mac)


def test_the_host_forms_its_address_and_default_route():
    world = pair()
    router(world, prefixes=[{"prefix": "2001:db8:7::/64"}])
    world.run(5.0, step=0.5)
    h = world["h"]
    address = PREFIX[:8] + eui64_interface_id(h.links["eth0"].mac)
    assert address in h.ipv6.local and not h.ipv6.local[address].tentative
    routes = h.api.route_list(family="inet6")
    assert [r for r in routes if r["dst"] == "default" and r.get("protocol") == "ra"]
    assert [r for r in routes if r["dst"] == "2001:db8:7::/64"]


def test_the_links_own_prefixes_when_none_are_given():
    world = pair()
    r = world["r"]
    r.ipv6.addr_add(r.links["eth0"], a6("2001:db8:9::1"), 64, nodad=True)
    cfg = AdvertConfig()
    assert [p.prefix for p in r.radv.prefixes(r.links["eth0"], cfg)] == [a6("2001:db8:9::")]


def test_solicitations_answered_and_the_last_advert_says_lifetime_zero():
    world = pair()
    frames = router(world, interval=[200, 600])
    world.run(60.0, step=0.5)                                 # past the initial burst's first ones
    before = len(adverts([f for _, f in frames]))
    h = world["h"]
    h_ll = [i.address for i in h.ipv6.addresses(h.links["eth0"]) if i.scope == "link"][0]
    for _ in range(3):                                        # three from the host: RS from its link-local
        h.ndp.solicit_router(h.links["eth0"], h_ll)
    world.run(1.0, step=0.1)
    answered = adverts([f for _, f in frames])[before:]
    assert len(answered) == 3 and all(f[38:54] == h_ll for f in answered)        # unicast to it
    # from :: (no address yet): multicast, at most one per 3 s
    h.ndp._send(h.links["eth0"], icmpv6.ROUTER_SOLICIT, bytes(16), a6("ff02::2"), 0, b"", None)
    h.ndp._send(h.links["eth0"], icmpv6.ROUTER_SOLICIT, bytes(16), a6("ff02::2"), 0, b"", None)
    world.run(4.0, step=0.1)
    multicast = [f for f in adverts([f for _, f in frames])[before + 3:] if f[38:54] == a6("ff02::1")]
    assert len(multicast) == 1
    world["r"].api.link_ra("eth0", on=False)
    world.settle()
    last = adverts([f for _, f in frames])[-1]
    assert last[54 + 6:54 + 8] == b"\x00\x00"                 # router lifetime 0
    world.run(2.0)
    assert not [r for r in h.api.route_list(family="inet6") if r["dst"] == "default"]


def test_build_advert_has_radvds_fields():
    cfg = AdvertConfig(mtu=1400, managed=True, hoplimit=32)
    body = build_advert(cfg, b"\x02\0\0\0\0\x01", [AdvPrefix(PREFIX, onlink=False, valid=600, preferred=300)], 1800)
    assert body[:8] == bytes((134, 0, 0, 0, 32, 0x80, 0x07, 0x08))
    assert body[16:24] == bytes((1, 1, 2, 0, 0, 0, 0, 1))
    assert body[24:32] == bytes((5, 1, 0, 0)) + (1400).to_bytes(4, "big")
    assert body[32:36] == bytes((3, 4, 64, 0x40)) and body[48:64] == PREFIX
