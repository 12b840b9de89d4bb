"""Bridge VLAN filtering on in-process cables: the VLAN tables (pvid, untagged egress,
membership), ingress filtering counted by reason, floods limited to members, the FDB per VLAN,
the bridge's own VLANs (self), vlan_default_pvid, and the trace's words for each decision."""
from __future__ import annotations

import pytest

from stack.errors import StackError
from stack.l2.bridge_vlan import VlanTable, egress_frame, ingress_vlan, parse_vid_range
from stack.packet import Packet
from stack.wire.ethernet import BROADCAST, mac_to_str
from stack.wire.ipv4 import addr_from_str
from tests.unit.lab import World, drain

ETH_P_TEST = 0x88B5
HOSTS = ("a", "b", "c")
HOST_IP = {name: addr_from_str(f"192.0.2.{i + 1}") for i, name in enumerate(HOSTS)}
BRIDGE_IP = addr_from_str("192.0.2.254")


def bridged(**options) -> World:
    """Stack s: br0 (vlan_filtering 1 unless said) with ports p0, p1, p2 cabled to the eth0
    of hosts a, b, c; every table as Linux makes it (VLAN 1, pvid, untagged)."""
    world = World("s", *HOSTS)
    s = world["s"]
    s.api.link_add("br0", "bridge", {"vlan_filtering": "1", **options})
    for i, host in enumerate(HOSTS):
        world.cable("s", f"p{i}", host, "eth0")
        s.api.link_set(f"p{i}", master="br0")
    s.api.link_set("br0", up=True)
    world.settle()
    return world


def vlans(world, dev: str) -> list:
    rows = world["s"].api.bridge_vlan_show(dev=dev)
    return [(v["vlan"], tuple(v.get("flags", ()))) for row in rows for v in row["vlans"]]


def sniff(world, host: str) -> list:
    frames = []
    world[host].links["eth0"].rx_tap = lambda frame: frames.append(bytes(frame))
    return frames


def frame_from(world, host: str, dst: bytes, vid: int | None = None) -> bytes:
    src = world[host].links["eth0"].mac
    tag = b"" if vid is None else b"\x81\x00" + vid.to_bytes(2, "big")
    return dst + src + tag + ETH_P_TEST.to_bytes(2, "big") + bytes(46)


def send(world, host: str, frame: bytes) -> None:
    world[host].links["eth0"].xmit(Packet.of(frame))
    world.settle()


def tag_of(frame: bytes) -> int | None:
    """The 802.1Q VLAN id of a frame, None when it is untagged."""
    if frame[12:14] != b"\x81\x00":
        return None
    return int.from_bytes(frame[14:16], "big") & 0xFFF


def test_tables_start_as_linux_makes_them_and_add_changes_flags_as_bridge_8():
    world = bridged()
    s = world["s"]
    assert vlans(world, "br0") == vlans(world, "p0") == [(1, ("PVID", "Egress Untagged"))]
    s.api.bridge_vlan_add("p0", 10, 12)
    s.api.bridge_vlan_add("p0", 20, pvid=True, untagged=True)
    assert vlans(world, "p0") == [(1, ("Egress Untagged",)), (10, ()), (11, ()), (12, ()),
                                  (20, ("PVID", "Egress Untagged"))]
    s.api.bridge_vlan_add("p0", 20)                 # again, no flags: they go
    s.api.bridge_vlan_del("p0", 11)
    assert vlans(world, "p0") == [(1, ("Egress Untagged",)), (10, ()), (12, ()), (20, ())]
    with pytest.raises(StackError, match="pvid cannot be configured for a vlan range"):
        s.api.bridge_vlan_add("p0", 30, 31, pvid=True)
    with pytest.raises(StackError, match='its own VLANs take "self"'):
        s.api.bridge_vlan_add("br0", 30)
    with pytest.raises(StackError, match="keeps no VLANs of its own"):
        s.api.bridge_vlan_add("p0", 30, target="self")
    assert vlans(world, "p0") == [(1, ("Egress Untagged",)), (10, ()), (12, ()), (20, ())]


def test_vlan_default_pvid_applies_to_new_ports_and_moves_the_untouched_ones():
    world = bridged(vlan_default_pvid="0")
    assert world["s"].api.bridge_vlan_show() == []
    world = bridged(vlan_default_pvid="5")
    s = world["s"]
    assert vlans(world, "p1") == [(5, ("PVID", "Egress Untagged"))]
    s.api.bridge_vlan_add("p1", 7, pvid=True)       # the user's: left alone
    s.api.link_set("br0", kind="bridge", options={"vlan_default_pvid": "9"})
    assert vlans(world, "p0") == [(9, ("PVID", "Egress Untagged"))]
    assert vlans(world, "br0") == [(9, ("PVID", "Egress Untagged"))]
    assert vlans(world, "p1") == [(5, ("Egress Untagged",)), (7, ("PVID",))]


def test_pvid_tags_untagged_ingress_and_floods_reach_only_the_vlans_members():
    world = bridged()
    s = world["s"]
    s.api.bridge_vlan_add("p0", 10, pvid=True, untagged=True)      # a: access port of VLAN 10
    s.api.bridge_vlan_add("p1", 10)                                 # b: trunk, VLAN 10 tagged
    s.api.bridge_vlan_del("p2", 1)
    s.api.bridge_vlan_add("p2", 20, pvid=True, untagged=True)      # c: VLAN 20 only
    at_b, at_c = sniff(world, "b"), sniff(world, "c")
    send(world, "a", frame_from(world, "a", BROADCAST))
    assert [tag_of(f) for f in at_b] == [10] and at_c == []
    assert at_b[0][:12] + at_b[0][16:] == frame_from(world, "a", BROADCAST)
    # b answers tagged: a gets it untagged (its VLAN is untagged on p0), c nothing
    at_a = sniff(world, "a")
    send(world, "b", frame_from(world, "b", world["a"].links["eth0"].mac, vid=10))
    assert [tag_of(f) for f in at_a] == [None] and at_c == []
    counters = s.api.stats("Bridge")["Bridge"]
    assert counters["Forwarded"] == 1 and counters["Flooded"] == 1


def test_ingress_filtering_drops_are_counted_by_reason():
    world = bridged()
    s = world["s"]
    s.api.bridge_vlan_add("p1", 10)
    s.api.bridge_vlan_del("p0", 1)                                  # p0: no pvid, no VLAN
    at_b = sniff(world, "b")
    before = s.api.stats("Drop")["Drop"]
    send(world, "a", frame_from(world, "a", BROADCAST))             # untagged, no pvid
    send(world, "c", frame_from(world, "c", BROADCAST, vid=10))     # VLAN 10: p2 is not in it
    after = s.api.stats("Drop")["Drop"]
    assert after.get("BRIDGE_VLAN_NO_PVID", 0) - before.get("BRIDGE_VLAN_NO_PVID", 0) == 1
    assert after.get("BRIDGE_VLAN_FILTERED", 0) - before.get("BRIDGE_VLAN_FILTERED", 0) == 1
    assert at_b == []
    assert s.api.fdb_show(vlan=10) == []                            # nothing learned either


def test_a_priority_tag_is_the_pvids_and_a_tag_of_a_member_vlan_is_kept():
    assert ingress_vlan(_table(pvid=3, vids=(3, 8)), frame_from_bytes(vid=0))[:2] == (0, 3)
    assert ingress_vlan(_table(pvid=3, vids=(3, 8)), frame_from_bytes(vid=8))[:2] == (0, 8)
    assert ingress_vlan(_table(pvid=3, vids=(3,)), frame_from_bytes(vid=8))[:2] == (1, 8)
    assert ingress_vlan(_table(pvid=0, vids=(8,)), frame_from_bytes())[:2] == (2, 0)
    table = _table(pvid=3, vids=(3, 8), untagged=(3,))
    plain = frame_from_bytes()
    assert egress_frame(table, 3, plain) == plain
    assert tag_of(egress_frame(table, 8, plain)) == 8


def _table(pvid: int, vids, untagged=()) -> VlanTable:
    table = VlanTable()
    for vid in vids:
        table.add(vid, pvid=vid == pvid, untagged=vid in untagged)
    return table


def frame_from_bytes(vid: int | None = None) -> bytes:
    tag = b"" if vid is None else b"\x81\x00" + vid.to_bytes(2, "big")
    return BROADCAST + b"\x02" + bytes(5) + tag + b"\x88\xb5" + bytes(46)


def test_the_fdb_is_per_vlan_and_shown_per_vlan():
    world = bridged()
    s = world["s"]
    for port in ("p0", "p1"):
        s.api.bridge_vlan_add(port, 10)
        s.api.bridge_vlan_add(port, 20)
    a_mac = world["a"].links["eth0"].mac
    send(world, "a", frame_from(world, "a", BROADCAST, vid=10))
    send(world, "a", frame_from(world, "a", BROADCAST, vid=20))
    rows = {(r["mac"], r.get("vlan", 0)): r["ifname"] for r in s.api.fdb_show()
            if r["state"] == ""}
    assert rows == {(mac_to_str(a_mac), 10): "p0", (mac_to_str(a_mac), 20): "p0"}
    assert [r["vlan"] for r in s.api.fdb_show(vlan=20) if r["state"] == ""] == [20]
    # a known MAC in VLAN 10 is not known in VLAN 30: that frame floods in VLAN 30
    s.api.bridge_vlan_add("p1", 30)
    s.api.bridge_vlan_add("p2", 30)
    s.api.bridge_vlan_add("p2", 10)
    at_c = sniff(world, "c")
    send(world, "b", frame_from(world, "b", a_mac, vid=10))         # known: to p0 only
    assert at_c == []
    send(world, "b", frame_from(world, "b", a_mac, vid=30))         # unknown in 30: flooded
    assert [tag_of(f) for f in at_c] == [30]
    # static entries take a VLAN of their port, and go with it
    s.api.fdb_add(bytes.fromhex("020000000009"), "p1", vlan=10, state="static")
    with pytest.raises(StackError, match="vlan 40 is not configured on p1"):
        s.api.fdb_add(bytes.fromhex("02000000000a"), "p1", vlan=40, state="static")
    s.api.bridge_vlan_del("p1", 10)
    assert not [r for r in s.api.fdb_show(brport="p1") if r.get("vlan") == 10]


def test_the_bridge_itself_is_a_port_with_its_own_vlans():
    world = bridged()
    s = world["s"]
    s.api.addr_add("br0", BRIDGE_IP, 24)
    world["a"].api.addr_add("eth0", HOST_IP["a"], 24)
    session = world["a"].api.ping_open(BRIDGE_IP, 56)
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]            # VLAN 1 on both: up
    s.api.bridge_vlan_del("br0", 1, target="self")
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == []
    assert s.api.stats("Drop")["Drop"].get("BRIDGE_VLAN_EGRESS", 0) >= 1


def test_hosts_in_one_vlan_ping_through_a_trunk_and_other_vlans_do_not_hear_them():
    """a sends untagged on an access port of VLAN 10; b is on a trunk with a VLAN link
    eth0.10; c's access port is VLAN 20."""
    world = bridged()
    s = world["s"]
    s.api.bridge_vlan_add("p0", 10, pvid=True, untagged=True)
    s.api.bridge_vlan_add("p1", 10)
    s.api.bridge_vlan_add("p2", 20, pvid=True, untagged=True)
    world["a"].api.addr_add("eth0", HOST_IP["a"], 24)
    world["b"].api.link_add("eth0.10", "vlan", {"link": "eth0", "id": "10"})
    world["b"].api.link_set("eth0.10", up=True)
    world["b"].api.addr_add("eth0.10", HOST_IP["b"], 24)
    world["c"].api.addr_add("eth0", HOST_IP["c"], 24)
    world.settle()
    at_c = sniff(world, "c")
    session = world["a"].api.ping_open(HOST_IP["b"], 56)
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    assert at_c == []
    session = world["a"].api.ping_open(HOST_IP["c"], 56)
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == []


def test_without_vlan_filtering_the_tables_are_kept_but_decide_nothing():
    world = bridged(vlan_filtering="0")
    s = world["s"]
    s.api.bridge_vlan_del("p1", 1)
    at_b = sniff(world, "b")
    send(world, "a", frame_from(world, "a", BROADCAST, vid=99))
    assert [tag_of(f) for f in at_b] == [99]
    s.api.link_set("br0", kind="bridge", options={"vlan_filtering": "1"})
    send(world, "a", frame_from(world, "a", BROADCAST, vid=99))
    assert len(at_b) == 1


def test_the_trace_tells_vlan_decisions_with_the_stats_names_and_agrees():
    world = bridged()
    s = world["s"]
    s.api.bridge_vlan_add("p1", 10)
    s.api.bridge_vlan_add("p0", 10)
    s.api.trace_add(count=100)
    send(world, "c", frame_from(world, "c", BROADCAST, vid=10))     # p2 is not in VLAN 10
    send(world, "a", frame_from(world, "a", BROADCAST, vid=10))
    records = s.api.trace_show()["records"]
    texts = [[st["text"] for st in rec["steps"] if st["layer"] == "bridge"] for rec in records]
    assert any("p2 is not in VLAN 10: filtered by VLAN (BRIDGE_VLAN_FILTERED)" in t
               for t in texts[0])
    assert any("is in VLAN 10" in t for t in texts[1])
    assert any("flooded to p1, in VLAN 10" in t for t in texts[1])
    assert s.api.stats("Trace")["Trace"]["Disagreements"] == 0


@pytest.mark.parametrize("text, expected", [("10", (10, 10)), ("10-20", (10, 20)),
                                            ("4094", (4094, 4094))])
def test_vid_ranges_parse_as_bridge_8(text, expected):
    assert parse_vid_range(text) == expected


@pytest.mark.parametrize("text", ["0", "4095", "20-10", "10-10", "x", "1-"])
def test_bad_vid_ranges_are_refused(text):
    with pytest.raises(ValueError):
        parse_vid_range(text)


# --- VLAN links on a bridge port and on the bridge ------------------------------------------

def ping(world, src: str, dst) -> list:
    session = world[src].api.ping_open(dst, 56)
    world[src].api.ping_send(session, 1)
    world.settle()
    return [e.kind for e in drain(session)]


def host_vlan(world, host: str, vid: int, addr) -> None:
    api = world[host].api
    api.link_add(f"eth0.{vid}", "vlan", {"link": "eth0", "id": str(vid)})
    api.link_set(f"eth0.{vid}", up=True)
    api.addr_add(f"eth0.{vid}", addr, 24)


VLAN_IP = {name: addr_from_str(f"198.51.100.{i + 1}") for i, name in enumerate(HOSTS)}
VLAN_BRIDGE_IP = addr_from_str("198.51.100.254")


@pytest.mark.parametrize("filtering", ["0", "1"])
def test_a_vlan_link_on_a_port_takes_its_tag_before_the_bridge_does(filtering):
    """p0.10 on the port p0 (Linux: the tag is taken in __netif_receive_skb, before the
    bridge's rx_handler); other tags and untagged frames are still bridged."""
    world = bridged(vlan_filtering=filtering)
    s = world["s"]
    s.api.link_add("p0.10", "vlan", {"link": "p0", "id": "10"})
    s.api.link_set("p0.10", up=True)
    s.api.addr_add("p0.10", VLAN_BRIDGE_IP, 24)
    host_vlan(world, "a", 10, VLAN_IP["a"])
    for port in ("p0", "p1"):
        s.api.bridge_vlan_add(port, 20)
    at_b = sniff(world, "b")
    assert ping(world, "a", VLAN_BRIDGE_IP) == ["reply"]
    assert [tag_of(f) for f in at_b] == []                  # VLAN 10 never reached the bridge
    assert s.links["p0.10"].stats.rx_packets >= 2
    send(world, "a", frame_from(world, "a", BROADCAST, vid=20))     # no VLAN link: bridged
    assert [tag_of(f) for f in at_b] == [20]
    assert s.links["p0"].stats.rx_dropped == 0             # not p0's VLAN_UNKNOWN
    world["a"].api.addr_add("eth0", HOST_IP["a"], 24)
    world["b"].api.addr_add("eth0", HOST_IP["b"], 24)
    assert ping(world, "a", HOST_IP["b"]) == ["reply"]      # untagged: bridged in VLAN 1


@pytest.mark.parametrize("filtering", ["0", "1"])
def test_a_vlan_link_on_the_bridge_gets_the_frames_the_bridge_delivers_up_tagged(filtering):
    """br0.10: with VLAN filtering br0 is in VLAN 10 tagged (self) and hands it the frames
    of VLAN 10 for it; without, the tagged frames for br0 reach br0.10 the same way."""
    world = bridged(vlan_filtering=filtering)
    s = world["s"]
    s.api.link_add("br0.10", "vlan", {"link": "br0", "id": "10"})
    s.api.link_set("br0.10", up=True)
    s.api.addr_add("br0.10", VLAN_BRIDGE_IP, 24)
    host_vlan(world, "a", 10, VLAN_IP["a"])
    if filtering == "1":
        assert ping(world, "a", VLAN_BRIDGE_IP) == []       # p0 and br0 not in VLAN 10 yet
        assert s.api.stats("Drop")["Drop"].get("BRIDGE_VLAN_FILTERED", 0) >= 1
        s.api.bridge_vlan_add("p0", 10)
        s.api.bridge_vlan_add("br0", 10, target="self")
        world.run(3.0)                                      # a's ARP for it gives up first
    assert ping(world, "a", VLAN_BRIDGE_IP) == ["reply"]
    assert s.links["br0.10"].stats.rx_packets >= 2 and s.links["br0.10"].stats.tx_packets >= 2


def test_a_vlan_link_as_a_bridge_port_tags_what_the_bridge_sends_through_it():
    """e0.10 a port of br0 (Linux's br10 over eth0.10): frames bridged out of it leave e0
    tagged 10, tagged frames of VLAN 10 on e0 are bridged untagged to the other port."""
    world = World("s", "a", "b")
    s = world["s"]
    s.api.link_add("br0", "bridge", {})
    world.cable("s", "e0", "a", "eth0")
    world.cable("s", "e1", "b", "eth0")
    s.api.link_add("e0.10", "vlan", {"link": "e0", "id": "10"})
    s.api.link_set("e0.10", up=True)
    for port in ("e0.10", "e1"):
        s.api.link_set(port, master="br0")
    s.api.link_set("br0", up=True)
    world.settle()
    at_a, at_b = sniff(world, "a"), sniff(world, "b")
    send(world, "b", frame_from(world, "b", BROADCAST))
    assert [tag_of(f) for f in at_a] == [10]
    assert at_a[0][:12] + at_a[0][16:] == frame_from(world, "b", BROADCAST)
    send(world, "a", frame_from(world, "a", BROADCAST, vid=10))
    send(world, "a", frame_from(world, "a", BROADCAST, vid=11))     # not e0.10's: not bridged
    assert [tag_of(f) for f in at_b] == [None]
    assert s.links["e0.10"].stats.tx_packets == 1 and s.links["e0.10"].stats.rx_packets == 1


def test_odd_and_tagged_frames_through_a_filtering_bridge_are_counted_and_told_alike():
    """Random tags, cut tags, priority tags, QinQ and runts on a filtering bridge with VLAN
    links on a port and on the bridge: never an exception, the trace agrees with the counters."""
    import random
    world = bridged()
    s = world["s"]
    s.api.bridge_vlan_add("p0", 10, 12)
    s.api.bridge_vlan_add("p1", 11, pvid=True, untagged=True)
    s.api.bridge_vlan_add("br0", 12, target="self")
    s.api.link_add("p0.12", "vlan", {"link": "p0", "id": "12"})
    s.api.link_add("br0.10", "vlan", {"link": "br0", "id": "10"})
    for name in ("p0.12", "br0.10"):
        s.api.link_set(name, up=True)
    s.api.trace_add(count=10 ** 6)
    rnd = random.Random(13)
    macs = [BROADCAST, s.links["br0"].mac, world["b"].links["eth0"].mac, bytes.fromhex("01005e000001"),
            bytes.fromhex("0180c2000000"), bytes.fromhex("020000000099")]
    p0 = s.links["p0"]
    for _ in range(400):
        tags = b"".join(rnd.choice((b"\x81\x00", b"\x88\xa8")) + rnd.randrange(0, 16).to_bytes(2, "big")
                        for _ in range(rnd.randrange(0, 3)))
        frame = rnd.choice(macs) + world["a"].links["eth0"].mac + tags + b"\x88\xb5" + bytes(46)
        p0.deliver(frame[:rnd.choice((len(frame), 13, 14, 16, 17, 18))])
        world.settle()
    assert s.api.stats("Trace")["Trace"]["Disagreements"] == 0
    drops = s.api.stats("Drop")["Drop"]
    assert drops.get("BRIDGE_VLAN_FILTERED", 0) > 0
