"""The learning bridge on in-process cables under a FakeClock: learning, ageing, moves,
flooding rules, link-local frames, the FDB bounds, port options and the host's port."""
from __future__ import annotations

import pytest

from stack.errors import StackError
from stack.l2 import fdb as fdb_module
from stack.packet import Packet
from stack.wire.ethernet import mac_to_str
from stack.wire.ipv4 import addr_from_str
from tests.unit.lab import World, drain

ETH_P_TEST = 0x88B5         # IEEE local experimental ethertype
HOSTS = ("a", "b", "c")
HOST_IP = {name: addr_from_str(f"192.0.2.{i + 1}") for i, name in enumerate(HOSTS)}
BRIDGE_IP = addr_from_str("192.0.2.254")


def bridged(ageing_time: int | None = None, **options) -> World:
    """Stack s with br0 (192.0.2.254/24) and ports p0, p1, p2, each cabled to the eth0 of a
    host a, b, c (192.0.2.1..3/24)."""
    world = World("s", *HOSTS)
    s = world["s"]
    if ageing_time is not None:
        options["ageing_time"] = str(ageing_time)
    s.api.link_add("br0", "bridge", options)
    s.api.inet6_conf("br0", disable_ipv6=True)      # a quiet wire: only the frames a test sends
    for i, host in enumerate(HOSTS):
        world.cable("s", f"p{i}", host, "eth0")
        s.api.inet6_conf(f"p{i}", disable_ipv6=True)
        world[host].api.inet6_conf("eth0", disable_ipv6=True)
        s.api.link_set(f"p{i}", master="br0")
        world[host].api.addr_add("eth0", HOST_IP[host], 24)
    s.api.link_set("br0", up=True)
    s.api.addr_add("br0", BRIDGE_IP, 24)
    world.settle()
    return world


def host_mac(world, host: str) -> bytes:
    return world[host].links["eth0"].mac


def arrivals(world, host: str) -> list:
    """Test frames `host` receives, as (src, dst)."""
    seen = []
    world[host].ethernet.register(ETH_P_TEST, lambda pkt: seen.append(
        (bytes(pkt.buf[6:12]), bytes(pkt.buf[0:6]))))
    return seen


def sniff(world, host: str) -> list:
    """Every frame that reaches `host`'s eth0 (its capture point, before any check)."""
    frames = []
    world[host].links["eth0"].rx_tap = lambda frame: frames.append(bytes(frame))
    return frames


def send(world, host: str, dst: bytes, src: bytes | None = None, ethertype: int = ETH_P_TEST,
         count: int = 1) -> None:
    link = world[host].links["eth0"]
    frame = dst + (src or link.mac) + ethertype.to_bytes(2, "big") + bytes(46)
    for _ in range(count):
        link.xmit(Packet.of(frame))
    world.settle()


def fdb(world, **filters) -> dict:
    """{mac: (ifname, state)} of br0's FDB."""
    return {row["mac"]: (row["ifname"], row["state"]) for row in world["s"].api.fdb_show(**filters)}


def bridge_counters(world) -> dict:
    return world["s"].api.stats("Bridge")["Bridge"]


def drops(world) -> dict:
    return world["s"].api.stats("Drop")["Drop"]


# --- learning and forwarding -------------------------------------------------------------

def test_the_bridge_knows_its_own_and_its_ports_macs_as_permanent_local_entries():
    world = bridged()
    s = world["s"]
    table = fdb(world)
    for i in range(3):
        assert table[mac_to_str(s.links[f"p{i}"].mac)] == (f"p{i}", "permanent")
    lowest = min(s.links[f"p{i}"].mac for i in range(3))     # Linux's choice, until one is set
    assert s.links["br0"].mac == lowest
    s.api.link_set("br0", address=b"\x02\x00\x00\x00\xbb\x02")
    assert fdb(world)["02:00:00:00:bb:02"] == ("br0", "permanent")
    s.api.link_set("p0", nomaster=True)
    assert s.links["br0"].mac == b"\x02\x00\x00\x00\xbb\x02"           # set: it stays


def test_hosts_ping_each_other_and_the_bridge_through_it():
    world = bridged()
    for src, dst in (("a", "b"), ("b", "c"), ("c", "a")):
        session = world[src].api.ping_open(HOST_IP[dst], 56)
        world[src].api.ping_send(session, 1)
        world.settle()
        assert [e.kind for e in drain(session)] == ["reply"]
    session = world["a"].api.ping_open(BRIDGE_IP, 56)       # the host's own port: br0
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    table = fdb(world)
    for i, host in enumerate(HOSTS):
        assert table[mac_to_str(host_mac(world, host))] == (f"p{i}", "")


def test_a_known_unicast_goes_to_one_port_and_an_unknown_one_is_flooded_to_the_others():
    world = bridged()
    seen = {host: arrivals(world, host) for host in HOSTS}
    a, b = host_mac(world, "a"), host_mac(world, "b")
    unknown = b"\x02\x00\x00\x00\x99\x99"
    send(world, "a", unknown)                               # a is learned; the frame floods
    assert seen["a"] == [] and len(seen["c"]) == 0          # c's eth0 is not for 02:..:99:99
    assert bridge_counters(world)["Flooded"] >= 1
    send(world, "b", a)                                     # known: only to a's port
    assert seen["a"] == [(b, a)] and seen["c"] == []
    flooded = bridge_counters(world)["FloodCopies"]
    send(world, "a", b)
    assert seen["b"] == [(a, b)]
    assert bridge_counters(world)["FloodCopies"] == flooded  # forwarded, not flooded


def test_a_flood_never_goes_back_out_of_its_ingress_port():
    world = bridged()
    frames = {host: sniff(world, host) for host in HOSTS}
    send(world, "a", b"\xff" * 6)
    assert frames["a"] == [] and len(frames["b"]) == 1 and len(frames["c"]) == 1
    mcast = b"\x01\x00\x5e\x00\x00\x09"
    send(world, "b", mcast)
    assert len(frames["a"]) == 1 and len(frames["b"]) == 1 and len(frames["c"]) == 2


def test_a_frame_for_the_port_it_came_from_is_dropped_as_hairpin():
    world = bridged()
    send(world, "a", b"\xff" * 6)                          # a's MAC is on p0
    before = drops(world).get("BRIDGE_HAIRPIN", 0)
    send(world, "a", host_mac(world, "a"), src=b"\x02\x00\x00\x00\x00\x77")
    assert drops(world)["BRIDGE_HAIRPIN"] == before + 1


def test_a_mac_that_changes_port_moves_and_is_counted():
    world = bridged()
    roaming = b"\x02\x00\x00\x00\x00\x42"
    send(world, "a", b"\xff" * 6, src=roaming)
    assert fdb(world)[mac_to_str(roaming)] == ("p0", "")
    send(world, "c", b"\xff" * 6, src=roaming)
    assert fdb(world)[mac_to_str(roaming)] == ("p2", "")
    assert bridge_counters(world)["Moved"] == 1
    seen = arrivals(world, "c")
    world["c"].links["eth0"].set_address(roaming)           # c now owns the MAC: frames find it
    send(world, "b", roaming)
    assert seen and seen[-1][1] == roaming


def test_learned_entries_age_out_on_the_stacks_clock_and_static_ones_stay():
    world = bridged(ageing_time=1000)                       # 10 s
    s = world["s"]
    s.api.fdb_add(b"\x02\x00\x00\x00\x00\x51", "p1", state="static")
    send(world, "a", b"\xff" * 6)
    a = mac_to_str(host_mac(world, "a"))
    world.run(5)
    assert a in fdb(world)
    assert s.api.fdb_show(brport="p0")[-1]["updated"] in (4, 5)
    world.run(6)
    assert a not in fdb(world)
    assert fdb(world)["02:00:00:00:00:51"] == ("p1", "static")
    assert bridge_counters(world)["Aged"] >= 1
    assert s.links["br0"].fdb.learned == 0


def test_a_frame_seen_again_keeps_its_entry_alive():
    world = bridged(ageing_time=1000)
    a = mac_to_str(host_mac(world, "a"))
    for _ in range(4):
        send(world, "a", b"\xff" * 6)
        world.run(4)
    assert a in fdb(world)


# --- link-local and invalid frames ---------------------------------------------------------

@pytest.mark.parametrize("low", [0x02, 0x03, 0x0E, 0x0F])
def test_link_local_frames_are_not_forwarded(low):
    world = bridged()
    frames = {host: sniff(world, host) for host in HOSTS}
    send(world, "a", bytes.fromhex(f"0180c20000{low:02x}"), ethertype=0x88CC)
    assert frames["b"] == [] and frames["c"] == []
    assert bridge_counters(world)["LinkLocalUp"] == 1


def test_stp_group_is_flooded_while_stp_is_off_and_pause_is_dropped():
    world = bridged()
    frames = {host: sniff(world, host) for host in HOSTS}
    send(world, "a", bytes.fromhex("0180c2000000"), ethertype=0x0026)
    assert len(frames["b"]) == 1 and len(frames["c"]) == 1
    send(world, "a", bytes.fromhex("0180c2000001"), ethertype=0x8808)
    assert len(frames["b"]) == 1
    assert drops(world)["BRIDGE_MAC_CONTROL"] == 1


def test_group_fwd_mask_forwards_the_groups_it_names():
    world = bridged(group_fwd_mask="0x4000")
    frames = sniff(world, "b")
    send(world, "a", bytes.fromhex("0180c200000e"), ethertype=0x88CC)      # LLDP: bit 14
    send(world, "a", bytes.fromhex("0180c2000003"), ethertype=0x888E)      # 802.1X: not named
    assert [f[5] for f in frames] == [0x0E]


def test_a_multicast_or_zero_source_is_dropped():
    world = bridged()
    frames = sniff(world, "b")
    send(world, "a", b"\xff" * 6, src=b"\x01\x00\x00\x00\x00\x01")
    send(world, "a", b"\xff" * 6, src=bytes(6))
    assert frames == [] and drops(world)["MAC_INVALID"] == 2


# --- bounds ----------------------------------------------------------------------------

def test_fdb_max_learned_bounds_learning_and_frames_still_flow():
    world = bridged(fdb_max_learned="10")
    s = world["s"]
    b_frames = sniff(world, "b")
    br = s.links["br0"]
    known = br.fdb.learned                                  # the hosts' gratuitous ARPs
    for i in range(50):
        send(world, "a", b"\xff" * 6, src=b"\x02\x00\x00\x01" + i.to_bytes(2, "big"))
    assert br.fdb.learned == 10 and br.fdb.max_learned == 10
    assert bridge_counters(world)["LearnLimitHits"] == 50 - (10 - known)
    assert len(b_frames) == 50                              # not learned, still flooded
    info = s.api.link_list("br0")[0]["linkinfo"]["info_data"]
    assert (info["fdb_n_learned"], info["fdb_max_learned"]) == (10, 10)


def test_the_hard_limit_bounds_all_bridges_together(monkeypatch):
    monkeypatch.setattr(fdb_module, "HARD_LIMIT", 20)
    world = bridged()
    known = world["s"].bridges.learned
    for i in range(30):
        send(world, "a", b"\xff" * 6, src=b"\x02\x00\x00\x02" + i.to_bytes(2, "big"))
    assert world["s"].bridges.learned == 20
    assert bridge_counters(world)["LearnGlobalLimitHits"] == 30 - (20 - known)
    world["s"].api.fdb_flush("br0")
    assert world["s"].bridges.learned == 0


# --- port options and states ------------------------------------------------------------

def test_learning_off_learns_nothing_and_flood_off_keeps_unknown_unicast_out():
    world = bridged()
    s = world["s"]
    s.api.bridge_link_set("p0", learning=False)
    s.api.bridge_link_set("p2", flood=False)
    frames = sniff(world, "c")
    send(world, "a", b"\x02\x00\x00\x00\x99\x99", src=b"\x02\x00\x00\x00\x00\x31")
    assert "02:00:00:00:00:31" not in fdb(world)
    assert frames == []
    send(world, "a", b"\xff" * 6)                          # broadcast: bcast_flood is on
    assert len(frames) == 1
    s.api.bridge_link_set("p2", bcast_flood=False, mcast_flood=False)
    send(world, "a", b"\xff" * 6)
    send(world, "a", b"\x01\x00\x5e\x00\x00\x09")
    assert len(frames) == 1


def test_a_blocking_port_neither_receives_nor_sends():
    world = bridged()
    s = world["s"]
    s.api.bridge_link_set("p1", state="blocking")
    assert s.api.bridge_link_show(dev="p1")[0]["state"] == "blocking"
    frames = sniff(world, "b")
    send(world, "a", b"\xff" * 6)
    assert frames == []
    send(world, "b", b"\xff" * 6)
    assert drops(world)["BRIDGE_PORT_STATE"] == 1
    s.api.bridge_link_set("p1", state="forwarding")
    send(world, "a", b"\xff" * 6)
    assert len(frames) == 1


def test_a_port_down_is_disabled_and_its_learned_entries_go():
    world = bridged()
    s = world["s"]
    send(world, "b", b"\xff" * 6)
    b = mac_to_str(host_mac(world, "b"))
    assert b in fdb(world)
    world["b"].api.link_set("eth0", up=False)                # p1 loses its carrier
    world.settle()
    assert s.api.bridge_link_show(dev="p1")[0]["state"] == "disabled"
    assert b not in fdb(world)
    world["b"].api.link_set("eth0", up=True)
    world.settle()
    assert s.api.bridge_link_show(dev="p1")[0]["state"] == "forwarding"


def test_the_bridge_has_carrier_only_while_a_port_forwards():
    world = World("s")
    s = world["s"]
    s.api.link_add("br0", "bridge", {})
    s.api.link_set("br0", up=True)
    assert s.api.link_list("br0")[0]["operstate"] == "DOWN"
    s.api.link_add("p0", "pair", {"peer": "q0"})
    s.api.link_set("p0", up=True, master="br0")
    s.api.link_set("q0", up=True)
    assert s.api.link_list("br0")[0]["operstate"] == "UP"
    s.api.link_set("p0", nomaster=True)
    assert s.api.link_list("br0")[0]["operstate"] == "DOWN"
    assert s.links["p0"].rx_handler is None and s.links["p0"].master is None


def test_port_option_errors_change_nothing():
    world = bridged()
    s = world["s"]
    with pytest.raises(StackError, match="priority 99 out of range 0..63"):
        s.api.bridge_link_set("p0", cost=7, priority=99)
    assert s.api.bridge_link_show(dev="p0")[0]["cost"] == 100
    with pytest.raises(StackError, match="not a bridge port"):
        s.api.bridge_link_set("br0", cost=7)
    s.api.link_add("br1", "bridge", {"stp_state": "1"})
    s.api.link_set("p0", master="br1")                       # moved from br0
    with pytest.raises(StackError, match="STP decides it"):
        s.api.bridge_link_set("p0", state="blocking")
    assert [r["ifname"] for r in s.api.bridge_link_show(master="br0")] == ["p1", "p2"]


def test_deleting_a_port_releases_it_and_deleting_the_bridge_releases_all():
    world = bridged()
    s = world["s"]
    s.api.link_del("p0")                                    # a's end goes too (a pair)
    assert "br0" in s.links and [p.link.name for p in s.links["br0"].port_list] == ["p1", "p2"]
    s.api.link_del("br0")
    assert s.links["p1"].master is None and s.links["p1"].rx_handler is None
    assert s.bridges.bridges == [] and s.bridges.learned == 0


def test_a_bridge_or_a_claimed_link_cannot_be_a_port():
    world = bridged()
    s = world["s"]
    s.api.link_add("br1", "bridge", {})
    with pytest.raises(StackError, match="can not enslave a bridge to a bridge"):
        s.api.link_set("br1", master="br0")
    s.api.link_add("v0", "pair", {"peer": "v1"})
    s.api.link_add("imp0", "impair", {"link": "v0"})
    with pytest.raises(StackError, match="already claimed by imp0"):
        s.api.link_set("v0", master="br0", up=True)
    assert not s.links["v0"].admin_up                        # all or nothing
    with pytest.raises(StackError, match="cannot be a bridge port"):
        s.api.link_set("lo", master="br0")


# --- the FDB commands ---------------------------------------------------------------------

def test_static_entries_forward_permanent_ones_deliver_up_and_replace_changes_them():
    world = bridged()
    s = world["s"]
    target = b"\x02\x00\x00\x00\x00\x61"
    s.api.fdb_add(target, "p2", state="static")
    frames = {host: sniff(world, host) for host in ("b", "c")}
    send(world, "a", target)
    assert len(frames["c"]) == 1 and frames["b"] == []
    with pytest.raises(StackError, match="use replace"):
        s.api.fdb_add(target, "p1", state="static")
    s.api.fdb_add(target, "p1", state="static", replace=True)
    send(world, "a", target)
    assert len(frames["b"]) == 1
    s.api.fdb_del(target, "p1")
    assert mac_to_str(target) not in fdb(world)
    with pytest.raises(StackError, match="own address"):
        s.api.fdb_del(s.links["p0"].mac, "p0")
    with pytest.raises(StackError, match="must be permanent"):
        s.api.fdb_add(target, "br0", state="static")


def test_fdb_show_filters_by_bridge_port_and_vlan():
    world = bridged()
    s = world["s"]
    s.api.link_add("br1", "bridge", {})
    send(world, "a", b"\xff" * 6)
    assert {r["ifname"] for r in s.api.fdb_show(br="br0")} == {"p0", "p1", "p2"}  # br0's MAC is p's
    assert [r["ifname"] for r in s.api.fdb_show(br="br1")] == ["br1"]
    assert {r["ifname"] for r in s.api.fdb_show(brport="p0")} == {"p0"}
    assert s.api.fdb_show(vlan=5) == []
    with pytest.raises(StackError, match="is not a master device"):
        s.api.fdb_show(br="p0")


def test_flush_removes_a_ports_entries_but_not_its_own_address():
    world = bridged()
    s = world["s"]
    s.api.fdb_add(b"\x02\x00\x00\x00\x00\x71", "p0", state="static")
    send(world, "a", b"\xff" * 6)
    assert s.api.fdb_flush("p0", state="dynamic") == 1
    assert s.api.fdb_flush("p0") == 1
    assert fdb(world, brport="p0") == {mac_to_str(s.links["p0"].mac): ("p0", "permanent")}


def test_the_bridges_address_change_moves_its_local_entry():
    world = bridged()
    s = world["s"]
    old = mac_to_str(s.links["br0"].mac)
    s.api.link_set("br0", address=b"\x02\x00\x00\x00\xbb\x01")
    table = fdb(world)
    assert table[old][0] != "br0" and table["02:00:00:00:bb:01"] == ("br0", "permanent")
    world["a"].api.neigh_flush("eth0")                      # a forgets the old address
    session = world["a"].api.ping_open(BRIDGE_IP, 8)
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]


# --- trace: each decision in words, the same as the fast path's ----------------------------

def traced(world):
    s = world["s"]
    s.api.trace_add(count=10 ** 6)
    return s


def steps(s, number: int = -1) -> list[str]:
    record = s.api.trace_show()["records"][number]
    return [step["text"] for step in record["steps"] if step["layer"] == "bridge"]


def test_trace_tells_learning_flooding_and_delivery_up():
    world = bridged()
    s = traced(world)
    send(world, "a", b"\xff" * 6, src=b"\x02\x00\x00\x00\x00\x81")
    told = steps(s)
    assert "learned 02:00:00:00:00:81 on p0 (BridgeLearned)" in told
    assert "ff:ff:ff:ff:ff:ff is broadcast: flooded to p1, p2 (BridgeFlooded)" in told
    assert "broadcast: delivered up on br0 too (BridgeDeliveredUp)" in told
    send(world, "c", b"\xff" * 6, src=b"\x02\x00\x00\x00\x00\x81")
    assert "moved 02:00:00:00:00:81 from p0 to p2 (BridgeMoved)" in steps(s)
    send(world, "a", b"\x02\x00\x00\x00\x00\x81")
    assert "02:00:00:00:00:81 is on p2: forwarded to p2 (BridgeForwarded)" in steps(s)
    assert s.api.stats("Trace")["Trace"]["Disagreements"] == 0


def test_trace_predicts_each_bridge_drop_as_counted():
    world = bridged(fdb_max_learned="1")
    s = traced(world)
    s.api.bridge_link_set("p1", state="blocking")
    send(world, "a", host_mac(world, "a"), src=b"\x02\x00\x00\x00\x00\x91")   # hairpin
    send(world, "b", b"\xff" * 6)                                             # blocked
    send(world, "a", bytes.fromhex("0180c2000001"), ethertype=0x8808)         # pause
    send(world, "a", bytes.fromhex("0180c200000e"), ethertype=0x88CC)         # up, no handler
    send(world, "a", b"\xff" * 6, src=bytes(6))                               # bad source
    verdicts = [rec["verdict"] for rec in s.api.trace_show()["records"]]
    assert verdicts[-5:] == ["dropped: BRIDGE_HAIRPIN", "dropped: BRIDGE_PORT_STATE",
                             "dropped: BRIDGE_MAC_CONTROL", "dropped: UNHANDLED_PROTO",
                             "dropped: MAC_INVALID"]
    assert any("blocked by port state: p1 is blocking" in text for text in steps(s, -4))
    assert any("dropped at the FDB bound, fdb_max_learned 1" in text for text in steps(s, -5))
    counters = s.api.stats("Trace")["Trace"]
    assert counters["Disagreements"] == 0 and counters["Compared"] >= 5


def test_a_ping_through_the_bridge_and_to_it_is_traced_without_disagreement():
    world = bridged()
    s = traced(world)
    for dst in (HOST_IP["b"], BRIDGE_IP):
        session = world["a"].api.ping_open(dst, 56)
        world["a"].api.ping_send(session, 1)
        world.settle()
        assert [e.kind for e in drain(session)] == ["reply"]
    texts = [step["text"] for rec in s.api.trace_show()["records"] for step in rec["steps"]]
    assert any("delivered up on br0 (BridgeDeliveredUp)" in t for t in texts)
    assert s.api.stats("Trace")["Trace"]["Disagreements"] == 0


def test_capture_and_mutated_frames_through_the_bridge_are_told_as_handled():
    """Every tests/data frame, and mutations of frames for the bridge's own address and for
    a host behind it, arrive on a port: none crashes, none is told otherwise than counted."""
    from stack.trace import trace_counters
    from tests.frames import capture_files, capture_frames, echo_packet, mutated_frames
    world = bridged()
    s = traced(world)
    port = s.links["p0"]
    br_mac, b_mac = s.links["br0"].mac, host_mac(world, "b")
    frames = [f for path in capture_files() for f in capture_frames(path, br_mac)]
    bases = [dst + b"\x02\x00\x00\x00\x00\x09\x08\x00" +
             bytes(echo_packet(HOST_IP["a"], BRIDGE_IP, b"p" * 24)) for dst in (br_mac, b_mac)]
    frames += list(mutated_frames(bases, seed=20261204, count=1500))
    for frame in frames:
        port.deliver(frame)
        world.settle()
    counters = trace_counters(s)
    assert counters.Disagreements == 0 and counters.Compared > len(frames) // 2
    assert bridge_counters(world)["InFrames"] >= len(frames)        # and what hosts answered


def test_the_bridges_mtu_is_its_ports_lowest_until_one_is_set():
    world = bridged()
    s = world["s"]
    s.api.link_set("p1", mtu=1400)
    assert s.links["br0"].mtu == 1400
    s.api.link_set("p1", nomaster=True)
    assert s.links["br0"].mtu == 1500
    s.api.link_set("br0", mtu=1300)
    s.api.link_set("p1", master="br0")
    assert s.links["br0"].mtu == 1300
