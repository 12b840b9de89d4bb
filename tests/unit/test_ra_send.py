"""Router advertisements sent (RFC 4861 6.2) on a pair cable under the fake clock: the router r
advertises, the host a configures itself from it (SLAAC, default route); the initial burst
and the intervals after it, solicitations answered, the farewell advertisement, refusals."""
import pytest

from stack.errors import StackError
from stack.l3.addrconf import eui64_interface_id, link_local_address
from stack.wire.ipv6 import addr_from_str as a6

from .lab import World

R_ADDR = a6("2001:db8:1::1")


def advertising(start: bool = True, **settings) -> World:
    world = World("a", "r")
    world.cable("a", "eth0", "r", "eth0")
    r = world["r"]
    r.api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
    r.api.addr_add("eth0", R_ADDR, 64, nodad=True)
    if start:
        r.api.ra_set("eth0", **settings)
    return world


def adverts_sent(frames: list) -> list[bytes]:
    """The router advertisements among frames sent (ICMPv6 type 134)."""
    return [f for f in frames if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 134]


def test_a_host_configures_itself_from_our_advertisements():
    world = advertising()
    frames = []
    world["r"].links["eth0"].tx_tap = frames.append
    world.run(6.0)
    a, r = world["a"], world["r"]
    slaac = a6("2001:db8:1::")[:8] + eui64_interface_id(a.links["eth0"].mac)
    assert slaac in a.ipv6.local and a.ipv6.local[slaac].slaac
    default = [row for row in a.api.route_list(family="inet6") if row["dst"] == "default"]
    router = link_local_address(r.links["eth0"].mac)
    assert default and default[0]["gateway"] == str(a6_text(router)) and default[0]["protocol"] == "ra"
    assert r.api.stats("Icmp6")["Icmp6"]["OutRouterAdvertisements"] >= 1
    assert adverts_sent(frames)[0][14 + 7] == 255          # hop limit 255


def a6_text(address: bytes) -> str:
    from stack.wire.ipv6 import addr_to_str
    return addr_to_str(address)


def test_the_first_three_come_within_16_seconds_then_200_to_600_apart():
    world = advertising()
    times = []
    world["r"].links["eth0"].tx_tap = lambda f: adverts_sent([f]) and times.append(world.clock.now())
    world["a"].api.inet6_conf("eth0", disable_ipv6=True)     # no solicitations answered in between
    world.run(3000.0, step=0.5)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap <= 16.0 + 1e-6 for gap in gaps[:2]), gaps
    assert all(200.0 - 1e-6 <= gap <= 600.0 + 0.5 for gap in gaps[2:]), gaps
    assert len(times) >= 7


def test_a_solicitation_is_answered_within_half_a_second_once_each_3_seconds():
    world = advertising()
    world.run(60.0)                                      # past the initial burst
    r = world["r"]
    before = r.api.ra_show("eth0")[0]
    a = world["a"]
    link = a.links["eth0"]
    source = link_local_address(link.mac)
    a.ndp.solicit_router(link, source)
    a.ndp.solicit_router(link, source)                   # a second one at once: one answer
    world.run(0.6)
    after = r.api.ra_show("eth0")[0]
    assert after["solicited"] == before["solicited"] + 2 and after["sent"] == before["sent"] + 1


def test_turning_off_says_goodbye_with_lifetime_zero_and_hosts_drop_the_router():
    world = advertising()
    world.run(6.0)
    a = world["a"]
    assert any(row["dst"] == "default" for row in a.api.route_list(family="inet6"))
    world["r"].api.ra_set("eth0", on=False)
    world.run(1.0)
    assert not any(row["dst"] == "default" for row in a.api.route_list(family="inet6"))
    assert world["r"].api.ra_show() == []


def test_configured_prefixes_options_and_flags_go_into_the_message():
    world = advertising(prefix=(a6("2001:db8:77::"), 64), valid=3600, preferred=1800, mtu=1400,
                        managed=True, max_interval=60)
    r = world["r"]
    body = r.ra_send.build(r.links["eth0"], r.ra_send.links[r.links["eth0"]].config)
    assert body[1] == 0x80 and int.from_bytes(body[2:4], "big") == 180     # M flag, 3 x 60 s
    assert bytes((5, 1, 0, 0)) + (1400).to_bytes(4, "big") in body
    assert bytes((3, 4, 64, 0xC0)) + (3600).to_bytes(4, "big") + (1800).to_bytes(4, "big") in body
    assert a6("2001:db8:77::") in body and R_ADDR[:8] not in body[16:]     # only the listed prefix
    world.run(6.0)
    assert any(addr[:8] == a6("2001:db8:77::")[:8] for addr in world["a"].ipv6.local)


def test_a_host_refuses_and_bad_settings_are_named():
    world = advertising(start=False)
    r = world["r"]
    r.api.sysctl_set("net.ipv6.conf.all.forwarding", "0")
    with pytest.raises(StackError, match="does not forward IPv6"):
        r.api.ra_set("eth0")
    r.api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
    with pytest.raises(StackError, match="MaxRtrAdvInterval"):
        r.api.ra_set("eth0", max_interval=2)
    with pytest.raises(StackError, match="preferred lifetime exceeds"):
        r.api.ra_set("eth0", prefix=(a6("2001:db8:9::"), 64), valid=10, preferred=20)
    assert r.api.ra_show() == []                         # nothing half-configured
    with pytest.raises(StackError, match="sends no router advertisements"):
        r.api.ra_set("eth0", on=False)


def test_a_solicitation_on_a_link_that_does_not_advertise_is_dropped_by_name():
    world = advertising(start=False)
    world.run(6.0)                                       # a solicits; r is no advertiser
    assert world["r"].drop["IPV6_NDISC_RS_NOT_ROUTER"] >= 1
