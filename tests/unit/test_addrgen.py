"""addr_gen_mode and RFC 7217 stable interface ids (stack/l3/stable_id.py, addrgen.py), and the
accept_ra / autoconf sysctls, under the fake clock."""
import pytest

from stack.errors import StackError
from stack.l3.stable_id import is_reserved_interface_id, sha1_transform, stable_interface_id, SHA1_INIT
from stack.wire.ipv6 import addr_from_str as a6, addr_to_str

from tests.checker import counters, expect_counters

from .lab import World
from .test_ipv6_ra import PREFIX, advert, prefix_option, send

SECRET = "2001:db8::1234"


def test_the_interface_id_is_the_one_linux_makes():
    # Linux 6.18: a veth (its perm_addr all zero) with net.ipv6.conf.va.stable_secret=2001:db8::1234
    # and `ip link set va addrgenmode stable_secret` came up with fe80::d820:30f:5afc:84be
    iid, counter = stable_interface_id(a6(SECRET), a6("fe80::"), bytes(6))
    assert addr_to_str(a6("fe80::")[:8] + iid) == "fe80::d820:30f:5afc:84be" and counter == 0
    # another counter, another prefix, another MAC: another id
    assert stable_interface_id(a6(SECRET), a6("fe80::"), bytes(6), 1)[0] != iid
    assert stable_interface_id(a6(SECRET), PREFIX, bytes(6))[0] != iid
    assert stable_interface_id(a6(SECRET), a6("fe80::"), b"\x02" + bytes(5))[0] != iid


def test_sha1_transform_is_sha1s_compression():
    import hashlib
    import struct
    block = b"abc" + b"\x80" + bytes(52) + struct.pack(">Q", 24)    # "abc" padded by hand
    digest = sha1_transform(SHA1_INIT, block)
    assert struct.pack(">5I", *digest) == hashlib.sha1(b"abc").digest()


def test_reserved_ids_are_skipped():
    assert is_reserved_interface_id(bytes(8))
    assert is_reserved_interface_id(bytes.fromhex("fdffffffffffff80"))
    assert is_reserved_interface_id(bytes.fromhex("fdffffffffffffff"))
    assert not is_reserved_interface_id(bytes.fromhex("fdffffffffffff7f"))


def host() -> World:
    world = World("a", "r")
    world.cable("a", "eth0", "r", "eth0")
    return world


def link_locals(stack) -> list[dict]:
    return [r for r in stack.api.addr_list("eth0")[0]["addr_info"] if r["scope"] == "link"]


def test_stable_secret_makes_the_link_local_and_slaac_address_and_says_so():
    world = host()
    a = world["a"]
    with pytest.raises(StackError, match="stable_secret"):
        a.api.inet6_conf("eth0", addr_gen_mode="stable_secret")         # no secret yet
    with pytest.raises(StackError, match="Input/output error"):
        a.api.sysctl_get("net.ipv6.conf.eth0.stable_secret")
    with pytest.raises(StackError, match="Invalid argument"):
        a.api.sysctl_set("net.ipv6.conf.eth0.stable_secret", "not-an-address")
    assert a.api.sysctl_set("net.ipv6.conf.eth0.stable_secret", SECRET)["value"] == SECRET
    assert a.api.sysctl_get("net.ipv6.conf.eth0.addr_gen_mode")["value"] == 2      # as Linux
    assert a.api.inet6_conf("eth0")["addr_gen_mode"] == "stable_secret"
    a.api.link_set("eth0", up=False)
    a.api.link_set("eth0", up=True)
    world.run(2.5)
    mac = a.links["eth0"].mac
    expected = a6("fe80::")[:8] + stable_interface_id(a6(SECRET), a6("fe80::"), mac)[0]
    rows = link_locals(a)
    assert [r["local"] for r in rows] == [addr_to_str(expected)]
    assert rows[0].get("stable-privacy") is True
    send(world, advert())
    world.run(2.5)
    slaac = PREFIX[:8] + stable_interface_id(a6(SECRET), PREFIX, mac)[0]
    assert a.ipv6.local[slaac].slaac and not a.ipv6.local[slaac].tentative
    # the running config keeps the secret (its sysctl sets the mode)
    assert "net.ipv6.conf.eth0.stable_secret" in str(a.api.sysctl_list())


def test_a_duplicate_stable_link_local_takes_the_next_counter():
    world = host()
    a = world["a"]
    a.api.sysctl_set("net.ipv6.conf.default.stable_secret", SECRET)
    a.api.link_set("eth0", up=False)
    a.api.link_set("eth0", up=True)
    mac = a.links["eth0"].mac
    first = a6("fe80::")[:8] + stable_interface_id(a6(SECRET), a6("fe80::"), mac, 0)[0]
    second = a6("fe80::")[:8] + stable_interface_id(a6(SECRET), a6("fe80::"), mac, 1)[0]
    a.ipv6.dad_failed(a.ipv6.local[first])         # as NDP's decide says when another holds it
    world.run(2.5)
    assert a.ipv6.local[first].dadfailed
    assert not a.ipv6.local[second].tentative


def test_addrgenmode_none_random_and_eui64():
    world = host()
    a = world["a"]
    a.api.inet6_conf("eth0", addr_gen_mode="random")
    a.api.link_set("eth0", up=False)
    a.api.link_set("eth0", up=True)
    rows = link_locals(a)
    assert len(rows) == 1 and rows[0].get("stable-privacy") is True
    assert a.api.sysctl_get("net.ipv6.conf.eth0.addr_gen_mode")["value"] == 3


def test_accept_ra_and_autoconf():
    world = host()
    world.run(2.5)
    a = world["a"]
    before = counters(a, "Drop")
    a.api.sysctl_set("net.ipv6.conf.eth0.accept_ra", "0")
    send(world, advert())
    assert not [r for r in a.api.route_list(family="inet6") if r.get("protocol") == "ra"]
    a.api.sysctl_set("net.ipv6.conf.all.forwarding", "1")
    a.api.sysctl_set("net.ipv6.conf.eth0.accept_ra", "1")
    send(world, advert())
    expect_counters(a, since=before, Drop={"IPV6_NDISC_RA_IGNORED": 2})
    assert not [r for r in a.api.route_list(family="inet6") if r.get("protocol") == "ra"]
    a.api.sysctl_set("net.ipv6.conf.eth0.accept_ra", "2")           # a router that listens
    a.api.sysctl_set("net.ipv6.conf.eth0.autoconf", "0")
    send(world, advert(prefixes=(prefix_option(),)))
    assert [r for r in a.api.route_list(family="inet6") if r.get("protocol") == "ra"]
    assert not [i for i in a.ipv6.addresses(a.links["eth0"]) if i.slaac]
    with pytest.raises(StackError, match="Invalid argument"):
        a.api.sysctl_set("net.ipv6.conf.eth0.accept_ra", "3")
