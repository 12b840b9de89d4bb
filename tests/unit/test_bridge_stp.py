"""Bridges with stp_state 1 in a ring of pair cables under a fake clock: STP elects a root,
blocks one port, a broadcast does not storm, hosts at either side reach each other, and a
BPDU guard port is disabled by the first BPDU."""
from __future__ import annotations

from stack.packet import Packet
from stack.wire import stp as stp_wire
from stack.wire.ipv4 import addr_from_str
from tests.unit.lab import World, drain

OPTIONS = {"stp_state": "1", "forward_delay": "400", "hello_time": "100", "max_age": "600"}
H_IP, K_IP = addr_from_str("192.0.2.1"), addr_from_str("192.0.2.3")


def ring(**options) -> World:
    """s1, s2, s3 each with br0 whose ports l_i/r_i make a ring; host h on s1, host k on s3."""
    world = World("s1", "s2", "s3", "h", "k")
    for i in (1, 2, 3):
        world[f"s{i}"].api.link_add("br0", "bridge", {**OPTIONS, **options.get(f"s{i}", {})})
        world[f"s{i}"].api.link_set("br0", address=bytes.fromhex(f"02000000000{i}"))
    world.cable("s1", "r1", "s2", "l2")
    world.cable("s2", "r2", "s3", "l3")
    world.cable("s3", "r3", "s1", "l1")
    world.cable("s1", "hp", "h", "eth0")
    world.cable("s3", "kp", "k", "eth0")
    for i in (1, 2, 3):
        s = world[f"s{i}"]
        names = [f"l{i}", f"r{i}"] + {1: ["hp"], 3: ["kp"]}.get(i, [])
        for name in names:
            s.api.link_set(name, master="br0")
        s.api.link_set("br0", up=True)
    world["h"].api.addr_add("eth0", H_IP, 24)
    world["k"].api.addr_add("eth0", K_IP, 24)
    return world


def port_states(world) -> dict:
    return {f"{name}.{row['ifname']}": row["state"] for name in ("s1", "s2", "s3")
            for row in world[name].api.bridge_link_show()}


def received(world) -> int:
    return sum(link.stats.rx_packets for s in world.stacks.values() for link in s.links.values())


def test_a_ring_of_netsh_bridges_converges_with_one_port_blocking():
    world = ring(s2={"priority": "4096"})
    world.run(0.5)
    states = port_states(world)
    assert "forwarding" not in states.values()             # listening first, as 802.1D says
    world.run(12)
    states = port_states(world)
    blocked = [name for name, state in states.items() if state == "blocking"]
    assert blocked == ["s3.r3"]         # s2 is root; on the s1-s3 link s1 wins by its lower id
    assert all(state == "forwarding" for name, state in states.items() if name != "s3.r3")
    info = world["s1"].api.link_list("br0")[0]["linkinfo"]["info_data"]
    root = world["s2"].api.link_list("br0")[0]["linkinfo"]["info_data"]["bridge_id"]
    assert info["root_id"] == root and root.startswith("1000.")
    assert info["root_path_cost"] == 100 and info["root_port"] == 2     # r1 is port 2 of s1
    slave = world["s3"].api.link_list("r3")[0]["linkinfo"]["info_slave_data"]
    assert slave["state"] == "blocking" and slave["root_id"] == root
    assert slave["bridge_id"] == "8000.2:0:0:0:0:1"        # s1 is designated on that link


def test_a_broadcast_in_the_converged_ring_does_not_storm_and_hosts_reach_each_other():
    world = ring(s2={"priority": "4096"})
    world.run(12)
    before = received(world)
    frame = b"\xff" * 6 + world["h"].links["eth0"].mac + b"\x88\xb5" + bytes(46)
    world["h"].links["eth0"].xmit(Packet.of(frame))
    world.settle()                               # a storm would never settle
    assert received(world) - before <= 12        # once over each forwarding link, once to k
    session = world["h"].api.ping_open(K_IP, 56)
    world["h"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    counters = world["s1"].api.stats("Bridge")["Bridge"]
    assert counters["BpduIn"] > 0 and counters["BpduOut"] > 0


def test_bpdu_guard_disables_the_port_a_bpdu_arrives_on():
    world = ring()
    s1 = world["s1"]
    s1.api.bridge_link_set("hp", guard=True)
    world.run(12)
    assert port_states(world)["s1.hp"] == "forwarding"
    bpdu = stp_wire.Bpdu(root=stp_wire.bridge_id(0, b"\x02\x00\x00\x00\x00\x66"),
                         bridge=stp_wire.bridge_id(0, b"\x02\x00\x00\x00\x00\x66"), port=0x8001)
    world["h"].links["eth0"].xmit(Packet.of(stp_wire.frame(world["h"].links["eth0"].mac, bpdu)))
    world.settle()
    assert port_states(world)["s1.hp"] == "disabled"
    assert s1.api.stats("Drop")["Drop"]["BRIDGE_BPDU_GUARD"] == 1
    world["h"].api.link_set("eth0", up=False)
    world["h"].api.link_set("eth0", up=True)     # down and up again: it may come back
    world.run(10)
    assert port_states(world)["s1.hp"] == "forwarding"


def test_a_malformed_bpdu_is_a_named_drop():
    world = ring()
    world.run(1)
    mac = world["h"].links["eth0"].mac
    world["h"].links["eth0"].xmit(Packet.of(stp_wire.GROUP_ADDRESS + mac + b"\x00\x07"
                                            + b"\x42\x42\x03\x00\x00\x00\x33" + bytes(39)))
    world.settle()
    assert world["s1"].api.stats("Drop")["Drop"]["STP_INVALID"] == 1


def test_a_bpdu_is_traced_as_stps_and_the_running_config_leaves_stp_states_to_stp():
    world = ring(s2={"priority": "4096"})
    world.run(12)
    s3 = world["s3"]
    s3.api.trace_add(dev="r3", count=5)
    world.run(1.5)
    records = s3.api.trace_show()["records"]
    texts = [step["text"] for rec in records for step in rec["steps"]]
    assert any("configuration BPDU for STP (BridgeBpduIn)" in text for text in texts)
    assert any("is the STP group and STP runs on br0: not forwarded" in text for text in texts)
    assert s3.api.stats("Trace")["Trace"]["Disagreements"] == 0
    br0 = s3.links["br0"]
    port = br0.port_of(s3.links["r3"])
    assert port.state == 4 and port.options() == {}     # blocking by STP's word: not config


def test_a_topology_change_ages_learned_entries_in_forward_delay():
    world = ring(s2={"priority": "4096"})
    world.run(30)                    # converged, and the change convergence was is over
    s1 = world["s1"]
    assert not s1.links["br0"].stp.topology_change and s1.links["br0"].ageing == 300
    frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x77" + b"\x88\xb5" + bytes(46)
    world["h"].links["eth0"].xmit(Packet.of(frame))
    world.settle()
    assert "02:00:00:00:00:77" in {row["mac"] for row in s1.api.fdb_show()}
    world.run(60)                    # ageing_time 300 s: still there without a change
    assert "02:00:00:00:00:77" in {row["mac"] for row in s1.api.fdb_show()}
    world["k"].api.link_set("eth0", up=False)             # k's port goes and comes back: when
    world["k"].api.link_set("eth0", up=True)              # it forwards again, s3 tells the root
    world.run(9)
    assert world["s1"].links["br0"].stp.topology_change
    assert world["s1"].links["br0"].ageing == 4.0                # forward_delay 400 cs
    world.run(5)
    assert "02:00:00:00:00:77" not in {row["mac"] for row in s1.api.fdb_show()}
    assert s1.api.stats("Bridge")["Bridge"]["TopologyChanges"] >= 1
