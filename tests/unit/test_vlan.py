"""VLAN links (802.1Q, 802.1ad, QinQ) on in-process cables under a fake clock.

The frames a stack puts on a cable are read from the other end's receive queue
before it polls, so the tests see the exact bytes on the wire.
"""
from __future__ import annotations

import struct

import pytest

from stack.errors import StackError
from stack.link.notifier import NETDEV_CHANGE, NETDEV_DOWN, NETDEV_UP
from stack.packet import Packet
from stack.wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP
from stack.wire.ipv4 import addr_from_str
from tests.checker import arp, echo_packet, expect_counters, expect_frame, frame_fields

from .lab import World, drain

PEER_MAC = b"\x02\x00\x00\x00\x00\x09"
A_IP, B_IP = addr_from_str("192.0.2.1"), addr_from_str("192.0.2.2")
C_IP, D_IP = addr_from_str("198.51.100.1"), addr_from_str("198.51.100.2")


def world_with(*links, stacks=("a", "b")) -> World:
    """a:eth0 <-> b:eth0, and on each stack named in `links` (stack, name, {options}) a VLAN
    link, up."""
    world = World(*stacks)
    world.cable(stacks[0], "eth0", stacks[1], "eth0")
    for stack, name, options in links:
        world[stack].api.link_add(name, "vlan", options)
        world[stack].api.link_set(name, up=True)
    return world


def on_wire(world, to: str = "b") -> list[bytes]:
    """What the other stacks sent towards `to`'s eth0 (taken off its queue: `to` never sees it)."""
    for name, stack in world.stacks.items():
        if name != to:
            stack.flush_tx()
    rxq = world[to].links["eth0"].rxq
    frames = list(rxq)
    rxq.clear()
    return frames


def tag(tpid: int, vid: int) -> bytes:
    return struct.pack("!HH", tpid, vid)


def tagged(dst: bytes, src: bytes, tags: list, ethertype: int, payload: bytes) -> bytes:
    return dst + src + b"".join(tag(*t) for t in tags) + struct.pack("!H", ethertype) + bytes(payload)


def arp_request_for(tpa: bytes, tags: list) -> bytes:
    return tagged(BROADCAST, PEER_MAC, tags, ETH_P_ARP, arp(1, PEER_MAC, B_IP, bytes(6), tpa))


def replies_to(world, frame: bytes) -> list[bytes]:
    """`frame` arrives on a's eth0; what a sends back."""
    world["a"].links["eth0"].deliver(frame)
    return on_wire(world)


# --- transmit: tags pushed into headroom -------------------------------------------------------

@pytest.mark.parametrize("protocol, tpid, layer", [("802.1Q", 0x8100, "vlan"),
                                                   ("802.1ad", 0x88A8, "ieee8021ad")])
def test_an_address_on_a_vlan_link_is_announced_tagged(protocol, tpid, layer):
    world = world_with(("a", "v10", {"link": "eth0", "protocol": protocol, "id": "10"}))
    on_wire(world)
    world["a"].api.addr_add("v10", A_IP, 24)
    (frame,) = on_wire(world)
    assert frame[12:16] == tag(tpid, 10) and frame[16:18] == b"\x08\x06"
    assert frame[6:12] == world["a"].links["eth0"].mac
    expect_frame(frame, eth={"type": tpid}, **{layer: {"id": 10}},
                 arp={"opcode": 1, "src.proto_ipv4": A_IP, "dst.proto_ipv4": A_IP})


def test_qinq_sends_the_service_tag_outside_the_customer_tag():
    world = world_with(("a", "s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}),
                       ("a", "c30", {"link": "s20", "id": "30"}))
    on_wire(world)
    world["a"].api.addr_add("c30", A_IP, 24)
    (frame,) = on_wire(world)
    assert frame[12:20] == tag(0x88A8, 20) + tag(0x8100, 30) and frame[20:22] == b"\x08\x06"
    expect_frame(frame, ieee8021ad={"id": 20}, vlan={"id": 30, "etype": ETH_P_ARP})


def test_the_header_is_pushed_into_the_packets_own_headroom():
    world = world_with(("a", "s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}),
                       ("a", "c30", {"link": "s20", "id": "30"}))
    c30 = world["a"].links["c30"]
    pkt = Packet.of(b"payload")
    buf, start = pkt.buf, pkt.data
    c30.hard_header(pkt, BROADCAST, ETH_P_IP)
    assert pkt.buf is buf and pkt.data == start - 22 == pkt.mac
    assert pkt.tobytes() == tagged(BROADCAST, c30.mac, [(0x88A8, 20), (0x8100, 30)], ETH_P_IP, b"payload")
    assert c30.header_cache(BROADCAST, ETH_P_IP) == pkt.tobytes()[:22]


# --- receive: untag, stay, or drop ------------------------------------------------------------

def test_a_tagged_request_is_answered_tagged_and_counted_on_the_vlan_link():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    a.api.addr_add("v10", A_IP, 24)
    on_wire(world)
    request = arp_request_for(A_IP, [(0x8100, 10)])
    (reply,) = replies_to(world, request)
    assert reply[:6] == PEER_MAC and reply[12:16] == tag(0x8100, 10)
    expect_frame(reply, vlan={"id": 10}, arp={"opcode": 2, "src.proto_ipv4": A_IP})
    v10, eth0 = a.links["v10"].stats, a.links["eth0"].stats
    assert (v10.rx_packets, v10.rx_bytes) == (1, len(request) - 4)
    assert (v10.tx_packets, v10.tx_bytes) == (2, 2 * (len(reply) - 4))   # the announcement too
    assert (eth0.rx_packets, eth0.rx_bytes, eth0.tx_packets) == (1, len(request), 2)
    assert a.arp.table.entries[(a.links["v10"].index, B_IP)].lladdr == PEER_MAC


def test_qinq_requests_are_answered_with_both_tags():
    world = world_with(("a", "s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}),
                       ("a", "c30", {"link": "s20", "id": "30"}))
    a = world["a"]
    a.api.addr_add("c30", A_IP, 24)
    on_wire(world)
    (reply,) = replies_to(world, arp_request_for(A_IP, [(0x88A8, 20), (0x8100, 30)]))
    assert reply[12:20] == tag(0x88A8, 20) + tag(0x8100, 30)
    expect_frame(reply, ieee8021ad={"id": 20}, vlan={"id": 30}, arp={"opcode": 2})
    assert [a.links[n].stats.rx_packets for n in ("eth0", "s20", "c30")] == [1, 1, 1]


def test_untagged_frames_stay_on_the_parent_and_replies_leave_by_the_vlan_they_came_on():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}),
                       ("a", "v11", {"link": "eth0", "id": "11"}))
    a = world["a"]
    a.api.addr_add("eth0", A_IP, 24)
    on_wire(world)
    (reply,) = replies_to(world, arp_request_for(A_IP, []))
    assert reply[12:14] == b"\x08\x06"                   # untagged, from eth0
    for vid in (10, 11):          # Linux's weak host: any link answers for eth0's address
        (reply,) = replies_to(world, arp_request_for(A_IP, [(0x8100, vid)]))
        assert reply[12:16] == tag(0x8100, vid)
    assert [a.links[n].stats.rx_packets for n in ("eth0", "v10", "v11")] == [3, 1, 1]
    assert [a.links[n].stats.tx_packets for n in ("v10", "v11")] == [1, 1]
    neighbours = sorted((row["dev"], row["dst"]) for row in a.api.neigh_list())
    assert neighbours == [("eth0", "192.0.2.2"), ("v10", "192.0.2.2"), ("v11", "192.0.2.2")]


def test_a_tag_of_a_vlan_with_no_link_is_a_counted_drop_on_the_parent():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    before = dict(a.drop.counts)
    assert replies_to(world, arp_request_for(A_IP, [(0x8100, 99)])) == []
    assert replies_to(world, arp_request_for(A_IP, [(0x88A8, 10)])) == []   # right id, other TPID
    assert a.drop["VLAN_UNKNOWN"] - before.get("VLAN_UNKNOWN", 0) == 2
    assert a.links["eth0"].stats.rx_dropped == 2 and a.links["v10"].stats.rx_packets == 0
    expect_counters(a, Drop={"VLAN_UNKNOWN": 2})


def test_a_tag_on_a_link_with_no_vlan_links_is_counted_the_same_way():
    world = world_with()
    a = world["a"]
    a.api.addr_add("eth0", A_IP, 24)
    on_wire(world)
    assert replies_to(world, arp_request_for(A_IP, [(0x8100, 7)])) == []
    assert a.drop["VLAN_UNKNOWN"] == 1 and a.links["eth0"].stats.rx_dropped == 1


@pytest.mark.parametrize("with_vlan_links", [True, False])
def test_a_priority_tag_is_received_on_the_parent_untagged(with_vlan_links):
    links = [("a", "v10", {"link": "eth0", "id": "10"})] if with_vlan_links else []
    world = world_with(*links)
    a = world["a"]
    a.api.addr_add("eth0", A_IP, 24)
    on_wire(world)
    (reply,) = replies_to(world, arp_request_for(A_IP, [(0x8100, (5 << 13) | 0)]))
    assert reply[12:14] == b"\x08\x06"
    assert "VLAN_UNKNOWN" not in a.drop.counts


@pytest.mark.parametrize("with_vlan_links", [True, False])
def test_a_short_tag_is_dropped_as_too_small_and_traced_so(with_vlan_links):
    links = [("a", "v10", {"link": "eth0", "id": "10"})] if with_vlan_links else []
    world = world_with(*links)
    a = world["a"]
    a.api.trace_add("eth0", 1)
    a.links["eth0"].deliver(a.links["eth0"].mac + PEER_MAC + b"\x81\x00\x00")
    world.settle()
    assert a.drop["PKT_TOO_SMALL"] == 1 and a.links["eth0"].stats.rx_length_errors == 1
    (record,) = a.api.trace_show()["records"]
    texts = [s["text"] for s in record["steps"] if s["layer"] == "vlan"]
    assert texts[-1] == "1 bytes after the ethertype: too short for a tag"
    if with_vlan_links:
        assert texts[0] == "802.1Q tag cut short (15 bytes): left to eth0"
    expect_counters(a, Trace={"Compared": 1, "Disagreements": 0})


# --- between two stacks ---------------------------------------------------------------------

def vlan_pair(*chain) -> World:
    """The same chain of VLAN links on a and on b, addresses on the top one of each."""
    links = [(s, name, options) for s in ("a", "b") for name, options in chain]
    world = world_with(*links)
    top = chain[-1][0]
    world["a"].api.addr_add(top, A_IP, 24)
    world["b"].api.addr_add(top, B_IP, 24)
    world.settle()
    return world


def ping_once(world, dst=B_IP) -> list:
    session = world["a"].api.ping_open(dst, 56)
    world["a"].api.ping_send(session, 1)
    world.settle()
    return [e.kind for e in drain(session)]


@pytest.mark.parametrize("chain", [
    [("v10", {"link": "eth0", "id": "10"})],
    [("v10", {"link": "eth0", "protocol": "802.1ad", "id": "10"})],
    [("s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}), ("c30", {"link": "s20", "id": "30"})],
], ids=["802.1Q", "802.1ad", "QinQ"])
def test_arp_and_ping_between_two_stacks_over_vlan_links(chain):
    world = vlan_pair(*chain)
    assert ping_once(world) == ["reply"]
    top = chain[-1][0]
    a = world["a"]
    assert a.api.neigh_list()[0]["dev"] == top
    expect_counters(a, Icmp={"OutEchos": 1, "InEchoReps": 1})
    for name, _ in chain:
        stats = a.links[name].stats
        assert stats.rx_packets >= 2 and stats.tx_packets >= 2, name
    assert "VLAN_UNKNOWN" not in a.drop.counts and "VLAN_UNKNOWN" not in world["b"].drop.counts


def test_different_vlans_do_not_reach_each_other():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}),
                       ("b", "v20", {"link": "eth0", "id": "20"}))
    world["a"].api.addr_add("v10", A_IP, 24)
    world["b"].api.addr_add("v20", B_IP, 24)
    world.settle()
    assert ping_once(world) == []
    assert world["b"].drop["VLAN_UNKNOWN"] >= 2 and world["a"].drop["VLAN_UNKNOWN"] >= 1


# --- state follows the parent --------------------------------------------------------------

def test_state_follows_the_parent_through_the_notifier_chain():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    events = []
    a.netdev.subscribe("test", lambda event, link: events.append((event, link.name)))
    a.api.link_set("eth0", up=False)
    assert (NETDEV_DOWN, "v10") in events
    row = a.api.link_list("v10")[0]
    assert row["operstate"] == "DOWN" and "M-DOWN" in row["flags"] and "UP" not in row["flags"]
    with pytest.raises(StackError, match="cannot bring v10 up: eth0 is down"):
        a.api.link_set("v10", up=True, mtu=1400)
    assert a.links["v10"].mtu == 1500                    # all or nothing
    events.clear()
    a.api.link_set("eth0", up=True)
    assert (NETDEV_UP, "v10") in events and a.api.link_list("v10")[0]["operstate"] == "UP"
    events.clear()
    world["b"].api.link_set("eth0", up=False)            # the cable's far end: no carrier
    assert (NETDEV_CHANGE, "v10") in events
    row = a.api.link_list("v10")[0]
    assert row["operstate"] == "LOWERLAYERDOWN" and "NO-CARRIER" in row["flags"]


def test_mtu_is_the_parents_at_most_and_follows_it_down():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    with pytest.raises(StackError, match="mtu 1501 is more than eth0's \\(1500\\) for v10"):
        a.api.link_set("v10", mtu=1501)
    a.api.link_set("v10", mtu=1400)
    a.api.link_set("eth0", mtu=1300)
    assert a.links["v10"].mtu == 1300
    a.api.link_set("eth0", mtu=9000)
    a.api.link_add("v11", "vlan", {"link": "eth0", "id": "11"})
    assert (a.links["v10"].mtu, a.links["v11"].mtu) == (1300, 9000)
    assert a.links["v11"].mac == a.links["eth0"].mac


def test_deleting_the_parent_deletes_its_vlan_links_and_releases_it():
    world = world_with(("a", "s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}),
                       ("a", "c30", {"link": "s20", "id": "30"}),
                       ("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    eth0 = a.links["eth0"]
    a.api.link_del("v10")
    assert eth0.vlan_info is not None and [u.name for u in eth0.uppers] == ["s20"]
    a.api.link_del("s20")
    assert sorted(a.links) == ["eth0", "lo"] and eth0.vlan_info is None and eth0.uppers == []


@pytest.mark.parametrize("options, message", [
    ({"link": "eth0", "id": "0"}, 'invalid id "0": must be 1..4094'),
    ({"link": "eth0", "id": "4095"}, 'invalid id "4095": must be 1..4094'),
    ({"link": "eth0", "id": "ten"}, 'invalid id "ten": a whole number'),
    ({"link": "eth0", "id": "10", "protocol": "802.1x"}, 'invalid protocol "802.1x": one of: 802.1Q, 802.1ad'),
    ({"id": "10"}, 'type vlan needs "link DEV"'),
    ({"link": "eth0"}, 'type vlan needs "id VLANID"'),
    ({"link": "eth9", "id": "10"}, 'Cannot find device "eth9"'),
    ({"link": "lo", "id": "10"}, "VLANs not supported on lo"),
    ({"link": "eth0", "id": "10", "protocol": "802.1q"},
     "eth0 already has a VLAN link of protocol 802.1Q id 10: v10"),
])
def test_bad_vlan_links_are_refused_in_one_line_and_change_nothing(options, message):
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    with pytest.raises(StackError) as err:
        a.api.link_add("x", "vlan", options)
    assert str(err.value) == message
    assert sorted(a.links) == ["eth0", "lo", "v10"]


def test_the_protocol_is_spelt_as_iproute2_spells_it_whatever_the_case():
    world = world_with(("a", "v10", {"link": "eth0", "protocol": "802.1AD", "id": "10"}))
    info = world["a"].api.link_list("v10")[0]["linkinfo"]
    assert info == {"info_kind": "vlan",
                    "info_data": {"protocol": "802.1ad", "id": 10, "flags": ["REORDER_HDR"]}}


# --- capture and trace ---------------------------------------------------------------------

def test_a_capture_sees_tags_on_the_parent_and_none_on_the_vlan_link():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    a.api.addr_add("v10", A_IP, 24)
    on_wire(world)
    a.api.capture_start()
    replies_to(world, arp_request_for(A_IP, [(0x8100, 10)]))
    seen = [(p.link, p.direction, p.data[12:14]) for p in a.api.capture_packets()]
    assert seen == [("eth0", "in", b"\x81\x00"), ("v10", "in", b"\x08\x06"),
                    ("v10", "out", b"\x08\x06"), ("eth0", "out", b"\x81\x00")]
    inbound, _, outbound, wire = a.api.capture_packets()
    assert frame_fields(wire.data)["vlan.id"] == 10 and "vlan" not in frame_fields(outbound.data)


def traced_steps(world, frame) -> tuple[list, str]:
    a = world["a"]
    a.api.trace_add("eth0", 1)
    replies_to(world, frame)
    (record,) = a.api.trace_show(last=1)["records"]
    return [(s["layer"], s["text"]) for s in record["steps"]], record["verdict"]


def test_a_trace_tells_the_vlan_decision_and_agrees_with_the_counters():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    a.api.addr_add("v10", A_IP, 24)
    a.api.addr_add("eth0", C_IP, 24)
    on_wire(world)
    steps, _ = traced_steps(world, arp_request_for(A_IP, [(0x8100, 10)]))
    assert ("vlan", "802.1Q tag, id 10 → v10: untagged, received on v10") in steps
    assert any(layer == "vlan" and text.startswith("tx on v10: 802.1Q tag, id 10, out of eth0")
               for layer, text in steps)
    steps, _ = traced_steps(world, arp_request_for(C_IP, []))
    assert ("vlan", "untagged: stays on eth0") in steps
    steps, verdict = traced_steps(world, arp_request_for(A_IP, [(0x88A8, 77)]))
    assert ("vlan", "802.1ad tag, id 77: no VLAN link on eth0 for it: dropped (rx_dropped)") in steps
    assert verdict == "dropped: VLAN_UNKNOWN"
    a.api.link_del("v10")
    steps, verdict = traced_steps(world, arp_request_for(A_IP, [(0x8100, 10)]))
    assert ("vlan", "802.1Q tag, id 10: no VLAN link on eth0: dropped (rx_dropped)") in steps
    assert verdict == "dropped: VLAN_UNKNOWN"
    expect_counters(a, Trace={"Records": 4, "Compared": 4, "Disagreements": 0})


def test_a_vlan_link_with_its_own_address_sends_and_takes_frames_for_it():
    world = world_with(("a", "v10", {"link": "eth0", "id": "10"}))
    a = world["a"]
    own = b"\x02\x00\x00\x00\x10\x10"
    a.api.link_set("v10", address=own)
    a.api.addr_add("v10", A_IP, 24)
    (announcement,) = on_wire(world)
    assert announcement[6:12] == own and a.links["eth0"].mac != own
    echo = tagged(own, PEER_MAC, [(0x8100, 10)], ETH_P_IP, echo_packet(B_IP, A_IP))
    a.api.neigh_add("v10", B_IP, PEER_MAC)
    (reply,) = replies_to(world, echo)
    assert reply[:12] == PEER_MAC + own and reply[12:16] == tag(0x8100, 10)
    expect_frame(reply, icmp={"type": 0})
    echo_to_parent_mac = tagged(a.links["eth0"].mac, PEER_MAC, [(0x8100, 10)], ETH_P_IP,
                                echo_packet(B_IP, A_IP))
    assert replies_to(world, echo_to_parent_mac) == []          # not v10's address any more
    assert a.drop["OTHERHOST"] == 1 and a.links["v10"].stats.rx_otherhost == 1


def test_a_vlan_link_the_stack_has_no_room_for_leaves_its_parent_unclaimed(monkeypatch):
    import stack.stack as stack_module
    world = world_with()
    a = world["a"]
    monkeypatch.setattr(stack_module, "MAX_LINKS", len(a.links))
    with pytest.raises(StackError, match="too many links"):
        a.api.link_add("v10", "vlan", {"link": "eth0", "id": "10"})
    assert a.links["eth0"].vlan_info is None and a.links["eth0"].uppers == []
