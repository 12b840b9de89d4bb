"""``link add type bridge``, ``link set master``, ``bridge fdb``, ``bridge link``: bridge(8)'s
spelling, layout and JSON keys, one-line errors, completion of live names, and the running
config of bridges, ports, port options and static FDB entries."""
from __future__ import annotations

import json

import pytest

from netsh.complete import complete
from tests.cli.fakes import debug, syntax_status  # noqa: F401  (debug: autouse, NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell

SETUP = (
    "link add br0 type bridge ageing_time 1000 fdb_max_learned 50",
    "link add p0 type pair peer h0",
    "link add p1 type pair peer h1",
    "link set p0 up", "link set p1 up", "link set h0 up", "link set h1 up",
    "link set br0 address 02:00:00:00:0b:00 up",
    "link set p0 address 02:00:00:00:0b:01 master br0",
    "link set p1 address 02:00:00:00:0b:02 master br0",
    "addr add 192.0.2.254/24 dev br0",
)


def bridge_shell(**options) -> Shell:
    shell = Shell(**options)
    shell.ok(*SETUP)
    return shell


def test_bridge_details_are_ip_d_links():
    shell = bridge_shell(details=True)
    status, out, err = shell.line("link show br0")
    lines = out.splitlines()
    assert (status, err) == (0, "")
    assert lines[0].startswith("2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
                               "state UP mode DEFAULT group default qlen 1000")
    assert lines[2].startswith(
        "    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 1000 stp_state 0 "
        "priority 32768 vlan_filtering 0 vlan_protocol 802.1Q bridge_id 8000.2:0:0:0:b:0 "
        "designated_root 8000.2:0:0:0:b:0 root_port 0 root_path_cost 0 topology_change 0 "
        "topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 "
        "topology_change_timer    0.00 gc_timer ")
    assert " fdb_n_learned 0 fdb_max_learned 50 vlan_default_pvid 1 group_fwd_mask 0 " \
           "group_address 01:80:c2:00:00:00 " in lines[2]
    status, out, _ = shell.line("link show p0")
    lines = out.splitlines()
    assert " master br0 state UP " in lines[0]
    assert lines[2] == "    pair addrgenmode eui64 "
    assert lines[3].startswith("    bridge_slave state forwarding priority 32 cost 100 hairpin off "
                               "guard off root_block off fastleave off learning on flood on "
                               "port_id 0x8001 port_no 0x1 designated_port 32769 ")


def test_bridge_details_in_json_carry_iproute2s_keys():
    shell = bridge_shell(details=True, json=True)
    info = json.loads(shell.line("link show br0")[1])[0]["linkinfo"]
    assert info["info_kind"] == "bridge"
    data = info["info_data"]
    assert list(data)[:9] == ["forward_delay", "hello_time", "max_age", "ageing_time", "stp_state",
                              "priority", "vlan_filtering", "vlan_protocol", "bridge_id"]
    assert data["root_id"] == "8000.2:0:0:0:b:0" and data["group_addr"] == "01:80:c2:00:00:00"
    port = json.loads(shell.line("link show p1")[1])[0]
    assert port["master"] == "br0"
    slave = port["linkinfo"]["info_slave_data"]
    assert port["linkinfo"]["info_slave_kind"] == "bridge"
    assert (slave["state"], slave["id"], slave["no"], slave["learning"]) == \
        ("forwarding", "0x8002", "0x2", True)


def test_link_show_master_lists_the_ports():
    shell = bridge_shell()
    status, out, _ = shell.line("link show master br0")
    assert status == 0 and [line.split(":")[1].strip() for line in out.splitlines()[::2]] == \
        ["p0@h0", "p1@h1"]
    assert shell.line("link show master p0")[2] == \
        'Error: "p0" is not a master device (a bridge)\n'


def test_bridge_link_show_text_and_json_as_bridge_8():
    shell = bridge_shell()
    shell.ok("bridge link set dev p1 cost 7 priority 9 learning off hairpin on")
    status, out, _ = shell.line("bridge link show")
    assert out.splitlines() == [
        "3: p0@h0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state forwarding "
        "priority 32 cost 100 ",
        "5: p1@h1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state forwarding "
        "priority 9 cost 7 "]
    status, out, _ = shell.line("-d bridge link show dev p1")
    assert out.splitlines()[1] == (
        "    hairpin on guard off root_block off fastleave off learning off flood on "
        "mcast_flood on bcast_flood on mcast_router 1 mcast_to_unicast off neigh_suppress off "
        "vlan_tunnel off isolated off locked off ")
    rows = json.loads(shell.line("-j bridge link show")[1])
    assert list(rows[0]) == ["ifindex", "link", "ifname", "flags", "mtu", "master", "state",
                             "priority", "cost"]
    detailed = json.loads(shell.line("-j -d bridge link show dev p1")[1])[0]
    assert detailed["learning"] is False and detailed["hairpin"] is True


def test_bridge_fdb_show_text_and_json_as_bridge_8():
    shell = bridge_shell()
    shell.ok("bridge fdb add 02:00:00:00:00:01 dev p0 master static",
             "bridge fdb add 02:00:00:00:00:02 dev p1 dynamic")
    status, out, _ = shell.line("bridge fdb show")
    assert out.splitlines() == [
        "02:00:00:00:0b:00 dev br0 master br0 permanent",
        "02:00:00:00:00:01 dev p0 master br0 static",
        "02:00:00:00:0b:01 dev p0 master br0 permanent",
        "02:00:00:00:00:02 dev p1 master br0 ",
        "02:00:00:00:0b:02 dev p1 master br0 permanent"]
    status, out, _ = shell.line("-s bridge fdb show brport p0")
    assert out.splitlines() == ["02:00:00:00:00:01 used 0/0 master br0 static",
                                "02:00:00:00:0b:01 used 0/0 master br0 permanent"]
    rows = json.loads(shell.line("-j bridge fdb show br br0")[1])
    assert rows[1] == {"mac": "02:00:00:00:00:01", "ifname": "p0", "flags": [], "master": "br0",
                       "state": "static"}
    rows = json.loads(shell.line("-j -s bridge fdb show dev p1")[1])
    assert list(rows[0]) == ["mac", "used", "updated", "flags", "master", "state"]


@pytest.mark.parametrize("line, message", [
    ("bridge fdb add 02:00:00:00:00:01 dev h0", '"h0" is not a bridge port'),
    ("bridge fdb add 02:00:00:00:00:01 dev nope", 'Cannot find device "nope"'),
    ("bridge fdb add ff:ff:ff:ff:ff:ff dev p0", '"ff:ff:ff:ff:ff:ff" is not a unicast MAC address'),
    ("bridge fdb add 02:00:00:00:00:01 dev p0 vlan 5",
     "vlan 5 is not configured on p0 (bridge vlan add)"),
    ("bridge fdb add 02:00:00:00:00:01 dev p0 self",
     '"p0" keeps no FDB of its own: use "master" for its bridge\'s'),
    ("bridge fdb add 02:00:00:00:00:01 dev p0 static dynamic",
     '"dynamic" conflicts with an earlier word'),
    ("bridge fdb add 02:00:00:00:0b:01 dev p1", "02:00:00:00:0b:01 is in the FDB of br0 already "
                                                "(on p0); use replace"),
    ("bridge fdb replace 02:00:00:00:0b:01 dev p1", "02:00:00:00:0b:01 is p0's own address"),
    ("bridge fdb del 02:00:00:00:00:09 dev p0", "no FDB entry 02:00:00:00:00:09 on p0"),
    ("bridge fdb add 02:00:00:00:00:01", '"bridge fdb add" needs dev PORT'),
    ("bridge fdb add 02:00:00:00:00:01 dev p0 vlan 5000", 'invalid VID "5000": must be 0..4094'),
    ("bridge link set dev p0", '"bridge link set" needs something to do: state STATE | cost COST | '
                               'priority PRIO | learning on|off | flood on|off | mcast_flood on|off'
                               ' | bcast_flood on|off | hairpin on|off | guard on|off'),
    ("bridge link set dev p0 state 7", 'invalid STATE "7": one of: disabled, listening, learning, '
                                       'forwarding, blocking, or 0..4'),
    ("bridge link set dev p0 learning maybe", 'invalid on|off "maybe": one of: on, off'),
    ("bridge link set dev h0 cost 5", '"h0" is not a bridge port'),
    ("link set p0 master h0", '"h0" is not a master device (a bridge)'),
    ("link add br1 type bridge max_age 100", 'invalid CENTISECONDS "100": must be 600..4000'),
    ("link add br1 type bridge priority 70000", 'invalid PRIORITY "70000": must be 0..65535'),
    ("link add br1 type bridge stp_state 2", 'invalid 0|1 "2": must be 0..1'),
])
def test_errors_are_one_line_and_change_nothing(line, message):
    shell = bridge_shell()
    before = shell.running(), shell.stack.api.fdb_show()
    status, out, err = shell.line(line)
    assert (status, out, err) == (syntax_status(message), "", f"Error: {message}\n")
    assert (shell.running(), shell.stack.api.fdb_show()) == before


def test_nomaster_and_delete_release_ports():
    shell = bridge_shell()
    shell.ok("link set p0 nomaster")
    assert " master " not in shell.line("link show p0")[1]
    shell.ok("link del br0")
    assert " master " not in shell.line("link show p1")[1]
    assert shell.line("bridge link show")[1] == ""


def test_stats_show_the_bridge_group_and_its_drop_reasons():
    shell = bridge_shell()
    status, out, _ = shell.line("stats Bridge")
    assert status == 0 and "BridgeLearned" in out and "BridgeLearnLimitHits" in out
    shell.stack.links["h0"].xmit(__import__("stack.packet", fromlist=["Packet"]).Packet.of(
        bytes.fromhex("0180c2000001") + bytes.fromhex("020000000001") + b"\x88\x08" + bytes(46)))
    shell.stack.poll()
    shell.stack.poll()
    out = shell.line("stats Drop")[1]
    assert "DropBRIDGE_MAC_CONTROL" in out and "pause" in out


def test_completion_offers_live_bridges_and_ports():
    shell = bridge_shell()
    executor = shell.executor
    words = [c.text if hasattr(c, "text") else c for c in
             complete(executor.grammar, ["bridge", "fdb", "show", "br"], "", executor.live)]
    assert "br0" in words and "p0" not in words
    words = [c.text if hasattr(c, "text") else c for c in
             complete(executor.grammar, ["bridge", "link", "set", "dev"], "", executor.live)]
    assert {"p0", "p1"} <= set(words) and "h0" not in words


def test_running_config_rebuilds_bridges_ports_options_and_static_entries():
    shell = bridge_shell()
    shell.ok("bridge link set dev p1 cost 7 learning off mcast_flood off",
             "bridge link set dev p0 state blocking",
             "bridge fdb add 02:00:00:00:00:01 dev p0 static",
             "bridge fdb add 02:00:00:00:00:02 dev p1 permanent",
             "bridge fdb add 02:00:00:00:00:03 dev p1 dynamic",       # learned-like: not kept
             "bridge fdb add 02:00:00:00:00:04 dev br0")
    text = shell.running()
    assert "link add br0 type bridge ageing_time 1000 fdb_max_learned 50\n" in text
    assert "link set p0 master br0\nbridge link set dev p0 state blocking\n" in text
    assert "link set p1 master br0\nbridge link set dev p1 cost 7 learning off mcast_flood off\n" \
        in text
    assert "bridge fdb add 02:00:00:00:00:01 dev p0 static\n" in text
    assert "bridge fdb add 02:00:00:00:00:04 dev br0 permanent\n" in text
    assert "02:00:00:00:00:03" not in text
    fresh = Shell()
    for line in text.splitlines()[1:]:
        fresh.ok(line)
    assert fresh.running() == text
    shell.ok("bridge fdb del 02:00:00:00:00:03 dev p1")
    for command in ("bridge link show", "-d bridge link show", "bridge fdb show"):
        assert fresh.line(command) == shell.line(command), command


def test_link_set_type_bridge_changes_options_at_once_and_the_config_keeps_them():
    shell = bridge_shell()
    shell.ok("link set br0 type bridge ageing_time 500 stp_state 1 priority 4096")
    assert [row["state"] for row in shell.stack.api.bridge_link_show()] == ["listening"] * 2
    info = shell.stack.api.link_list("br0")[0]["linkinfo"]["info_data"]
    assert (info["ageing_time"], info["stp_state"], info["bridge_id"]) == \
        (500, 1, "1000.2:0:0:0:b:0")
    assert "link add br0 type bridge ageing_time 500 stp_state 1 priority 4096 " \
           "fdb_max_learned 50\n" in shell.running()
    status, out, err = shell.line("link set br0 type bridge max_age 100 priority 1")
    assert (status, err) == (255, 'Error: invalid CENTISECONDS "100": must be 600..4000\n')
    assert shell.stack.api.link_list("br0")[0]["linkinfo"]["info_data"]["priority"] == 4096
    assert shell.line("link set p0 type bridge priority 1")[2] == \
        'Error: "p0" is a pair link, not bridge\n'
    shell.ok("link set br0 type bridge stp_state 0")
    assert [row["state"] for row in shell.stack.api.bridge_link_show()] == ["forwarding"] * 2


# --- bridge vlan ---------------------------------------------------------------------------

def test_bridge_vlan_show_text_and_json_as_bridge_8():
    shell = bridge_shell()
    shell.ok("bridge vlan add dev p0 vid 10-12", "bridge vlan add dev p1 vid 20 pvid untagged",
             "bridge vlan add dev br0 vid 10 self")
    status, out, err = shell.line("bridge vlan show")
    assert (status, err) == (0, "")
    assert out == ("port              vlan-id  \n"
                   "br0               1 PVID Egress Untagged\n"
                   "                  10\n"
                   "p0                1 PVID Egress Untagged\n"
                   "                  10\n"
                   "                  11\n"
                   "                  12\n"
                   "p1                1 Egress Untagged\n"
                   "                  20 PVID Egress Untagged\n")
    assert json.loads(shell.line("-j bridge vlan show dev p1")[1]) == [
        {"ifname": "p1", "vlans": [{"vlan": 1, "flags": ["Egress Untagged"]},
                                   {"vlan": 20, "flags": ["PVID", "Egress Untagged"]}]}]
    assert shell.line("bridge vlan show vid 10")[1] == (
        "port              vlan-id  \nbr0               10\np0                10\n")
    shell.ok("bridge vlan del dev p0 vid 11-12", "bridge vlan del dev br0 vid 1 self")
    assert json.loads(shell.line("-j bridge vlan show dev br0")[1]) == [
        {"ifname": "br0", "vlans": [{"vlan": 10}]}]
    assert json.loads(shell.line("-j bridge vlan show vid 30")[1]) == []


def test_bridge_fdb_takes_a_vlan_of_the_port_and_shows_by_vlan():
    shell = bridge_shell()
    shell.ok("bridge vlan add dev p0 vid 5", "bridge fdb add 02:00:00:00:00:01 dev p0 vlan 5 static")
    assert shell.line("bridge fdb show vlan 5")[1] == \
        "02:00:00:00:00:01 dev p0 vlan 5 master br0 static\n"
    assert shell.line("bridge fdb show vlan 6")[1] == ""


@pytest.mark.parametrize("line, message", [
    ("bridge vlan add dev p0 vid 4095", 'invalid VID[-VID] "4095": invalid VLAN id "4095": 1..4094'),
    ("bridge vlan add dev p0 vid 10-20 pvid", "pvid cannot be configured for a vlan range"),
    ("bridge vlan add dev br0 vid 10", '"br0" is a bridge: its own VLANs take "self"'),
    ("bridge vlan add dev p0 vid 10 self",
     '"p0" keeps no VLANs of its own: use "master" for its bridge port\'s'),
    ("bridge vlan add dev h0 vid 10", '"h0" is not a bridge port'),
])
def test_bridge_vlan_errors_are_one_line_and_change_nothing(line, message):
    shell = bridge_shell()
    before = shell.running(), shell.stack.api.bridge_vlan_show()
    status, out, err = shell.line(line)
    assert (status, out) == (syntax_status(message), "")
    assert err == f"Error: {message}\n"
    assert (shell.running(), shell.stack.api.bridge_vlan_show()) == before


def test_bridge_vlan_completion_offers_the_vlans_in_use():
    shell = bridge_shell()
    shell.ok("bridge vlan add dev p0 vid 42")
    executor = shell.executor
    words = [c.text if hasattr(c, "text") else c for c in
             complete(executor.grammar, ["bridge", "vlan", "del", "dev", "p0", "vid"], "",
                      executor.live)]
    assert {"1", "42"} <= set(words)


def test_running_config_rebuilds_bridge_vlans():
    shell = bridge_shell()
    shell.ok("link set br0 type bridge vlan_filtering 1",
             "bridge vlan add dev p0 vid 10-11", "bridge vlan add dev p1 vid 20 pvid untagged",
             "bridge vlan del dev br0 vid 1 self", "bridge vlan add dev br0 vid 20 pvid self",
             "bridge fdb add 02:00:00:00:00:01 dev p1 vlan 20 static")
    text = shell.running()
    assert ("bridge vlan add dev p0 vid 10\nbridge vlan add dev p0 vid 11\n"
            "bridge vlan del dev p1 vid 1\nbridge vlan add dev p1 vid 1 untagged\n"
            "bridge vlan add dev p1 vid 20 pvid untagged\n") in text
    assert "bridge vlan del dev br0 vid 1 self\nbridge vlan add dev br0 vid 20 pvid self\n" in text
    assert text.index("bridge vlan add dev p1 vid 20") < text.index("bridge fdb add 02:00:00:00:00:01")
    fresh = Shell()
    for line in text.splitlines()[1:]:
        fresh.ok(line)
    assert fresh.running() == text
    assert fresh.line("bridge vlan show") == shell.line("bridge vlan show")
