"""The link model: the netdevice notifier chain, rx_handler, hard_header, kinds as plug-ins."""
from __future__ import annotations

import pathlib
import re

import pytest

from stack.errors import StackError
from stack.link.base import RX_HANDLER_ANOTHER, RX_HANDLER_CONSUMED, RX_HANDLER_PASS
from stack.link.kind import LINK_TYPES, creatable_kinds
from stack.link.notifier import (NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_DOWN,
                                 NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_UP)
from stack.link.pair import PairLink
from stack.packet import Packet
from stack.wire.ipv4 import addr_from_str
from tests.unit.lab import A_IP, B_IP, World, two_hosts

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_link_events_go_out_on_the_chain_in_order():
    world = World("a")
    a = world["a"]
    events = []
    a.netdev.subscribe("test", lambda event, link: events.append((event, link.name)))
    a.api.link_add("v0", "pair", {"peer": "v1"})
    a.api.link_set("v0", up=True, mtu=1400, address=bytes.fromhex("020000000042"))
    a.api.link_set("v0", up=True)                    # no change: no event
    a.api.link_del("v0")
    assert [e for e in events if e[1] == "v0"] == [
        (NETDEV_REGISTER, "v0"), (NETDEV_CHANGEMTU, "v0"), (NETDEV_CHANGEADDR, "v0"),
        (NETDEV_UP, "v0"), (NETDEV_DOWN, "v0"), (NETDEV_UNREGISTER, "v0")]


def test_unknown_events_are_refused_at_subscription():
    with pytest.raises(ValueError, match="NETDEV_BOGUS"):
        World("a")["a"].netdev.subscribe("x", print, ("NETDEV_BOGUS",))


def test_down_flushes_every_neighbour_permanent_ones_too():
    """neigh_ifdown: the kernel's down takes PERMANENT entries as well (checked against
    Linux in tests/interop/test_ip_differential.py)."""
    world = two_hosts()
    a = world["a"]
    a.api.neigh_add("eth0", addr_from_str("192.0.2.9"), bytes.fromhex("020000000009"))
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    world.settle()
    assert {n["dst"] for n in a.api.neigh_list()} == {"192.0.2.2", "192.0.2.9"}
    a.links["eth0"].set_up(False)               # the link itself, not the call: the chain flushes
    assert a.api.neigh_list() == []


def test_a_new_mac_flushes_the_links_neighbours():
    """neigh_changeaddr: no entry keeps a header built with the old source MAC."""
    world = two_hosts()
    a = world["a"]
    a.arp.table.add_permanent(a.links["eth0"], B_IP, world["b"].links["eth0"].mac)
    a.api.link_set("eth0", address=bytes.fromhex("020000000077"))
    assert a.api.neigh_list() == []


def test_unregister_takes_addresses_routes_and_neighbours():
    world = two_hosts()
    a = world["a"]
    a.api.neigh_add("eth0", addr_from_str("192.0.2.9"), bytes.fromhex("020000000009"))
    a.remove_link(a.links["eth0"])
    assert A_IP not in a.ipv4.local and a.api.neigh_list() == []
    assert all(r["dev"] != "eth0" for r in a.api.route_list())


def test_up_announces_the_links_addresses():
    world = two_hosts()
    a = world["a"]
    before = a.arp.stats.OutGratuitous
    a.api.link_set("eth0", up=False)
    a.api.link_set("eth0", up=True)
    assert a.arp.stats.OutGratuitous == before + 1


# --- rx_handler --------------------------------------------------------------------

def claimed_world():
    world = two_hosts()
    a = world["a"]
    upper = PairLink("up0", mac=a.links["eth0"].mac)     # a second link that takes eth0's frames
    a.add_link(upper)
    upper.set_up(True)
    return world, a, upper


def test_rx_handler_another_receives_the_frame_again_on_the_new_link():
    world, a, upper = claimed_world()
    eth0 = a.links["eth0"]
    seen = []

    def handler(link, frame):
        seen.append(link.name)
        return RX_HANDLER_ANOTHER, link.rx_handler_data, frame
    eth0.rx_handler_register(handler, upper)
    tapped = []
    upper.rx_tap = lambda frame: tapped.append(len(frame)) and False
    before = eth0.stats.rx_packets
    world["b"].api.ping_send(world["b"].api.ping_open(A_IP, 56), 1)
    world.settle()
    assert seen and upper.stats.rx_packets == len(seen) == len(tapped)
    assert eth0.stats.rx_packets - before == len(seen)


def test_rx_handler_consumed_and_pass():
    world, a, upper = claimed_world()
    eth0 = a.links["eth0"]
    session = world["b"].api.ping_open(A_IP, 56)
    world["b"].api.ping_send(session, 1)            # neighbours resolved before the handler
    world.settle()
    assert a.api.stats("Icmp")["Icmp"]["InEchos"] == 1
    eth0.rx_handler_register(lambda link, frame: (RX_HANDLER_CONSUMED, link, frame))
    world["b"].api.ping_send(session, 2)
    world.settle()
    assert a.api.stats("Icmp")["Icmp"]["InEchos"] == 1
    eth0.rx_handler_unregister()
    eth0.rx_handler_register(lambda link, frame: (RX_HANDLER_PASS, link, frame))
    world["b"].api.ping_send(session, 3)
    world.settle()
    assert a.api.stats("Icmp")["Icmp"]["InEchos"] == 2


def test_a_second_rx_handler_is_refused():
    world, a, upper = claimed_world()
    eth0 = a.links["eth0"]
    eth0.rx_handler_register(lambda link, frame: (RX_HANDLER_PASS, link, frame), upper)
    with pytest.raises(StackError, match='"eth0" is already claimed by up0'):
        eth0.rx_handler_register(lambda link, frame: (RX_HANDLER_PASS, link, frame))


# --- hard_header and xmit ------------------------------------------------------------

def test_hard_header_pushes_the_links_header_and_xmit_queues_the_packet():
    world = two_hosts()
    eth0 = world["a"].links["eth0"]
    pkt = Packet.of(b"payload", 46)
    eth0.hard_header(pkt, b"\xff" * 6, 0x88B5)
    assert pkt.mac == pkt.data and len(pkt) == 60
    assert pkt.tobytes()[:14] == b"\xff" * 6 + eth0.mac + b"\x88\xb5"
    assert eth0.header_cache(b"\xff" * 6, 0x88B5) == pkt.tobytes()[:14]
    sent = []
    eth0.tx_tap = sent.append
    eth0.xmit(pkt)
    world["a"].flush_tx()
    assert sent == [pkt.tobytes()] and type(sent[0]) is bytes


def test_no_layer_builds_an_ethernet_header_by_hand():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "stack").rglob("*.py")
                 if path.parent.name != "wire" and path.parent.name != "link"
                 and re.search(r"\bheader\(", path.read_text())]
    assert offenders == []


# --- kinds as plug-ins ---------------------------------------------------------------

def test_no_kind_name_tests_outside_the_kinds_own_modules():
    pattern = re.compile(r"\.kind [!=]= ")
    offenders = [f"{path.relative_to(ROOT)}:{n}"
                 for top in ("stack", "netsh")
                 for path in (ROOT / top).rglob("*.py") if path.parent.name != "link"
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line) and "link" in line]
    assert offenders == []


def test_every_creatable_kind_declares_its_options():
    assert creatable_kinds()[:2] == ["pair", "impair"]
    for kind in creatable_kinds():
        cls = LINK_TYPES[kind]
        assert cls.options and all(o.help and o.metavar for o in cls.options), kind


def test_link_add_refuses_another_kinds_option_and_unknown_types():
    a = World("a")["a"]
    with pytest.raises(StackError, match='^"loss" is not an option of type pair$'):
        a.api.link_add("v0", "pair", {"peer": "v1", "loss": "5"})
    with pytest.raises(StackError, match='^unknown link type "veth"; one of: pair, impair, bridge, vlan$'):
        a.api.link_add("v0", "veth", {})
    with pytest.raises(StackError, match="cannot delete the loopback link"):
        a.api.link_del("lo")
    assert sorted(a.links) == ["lo"]


def test_upper_and_lower_adjacency_and_one_master():
    world = two_hosts()
    a = world["a"]
    eth0 = a.links["eth0"]
    br0, br1 = PairLink("br0"), PairLink("br1")
    a.add_link(br0)
    a.add_link(br1)
    events = []
    a.netdev.subscribe("test", lambda event, link: events.append((event, link.name)))
    eth0.upper_link(br0, master=True)
    assert (eth0.master, eth0.uppers, br0.lowers) == (br0, [br0], [eth0])
    assert a.api.link_list("eth0")[0]["master"] == "br0"
    with pytest.raises(StackError, match='"eth0" already has a master \\(br0\\)'):
        eth0.upper_link(br1, master=True)
    a.api.link_del("br1")
    a.remove_link(br0)
    assert (eth0.master, eth0.uppers) == (None, [])
    eth0.upper_link(br1 := PairLink("br1"), master=True)
    a.add_link(br1)
    a.api.link_del("eth0")                  # its uppers go with it
    assert "br1" not in a.links and ("NETDEV_CHANGEUPPER", "eth0") in events
