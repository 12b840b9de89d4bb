"""VLAN links through the command line: ip's spellings, ip -d's layout and -j keys, errors,
completion, and the running-config round trip."""
from __future__ import annotations

import json

import pytest

from netsh.app import GRAMMAR
from netsh.complete import complete
from tests.cli.fakes import debug, syntax_status  # noqa: F401  (debug: autouse, NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell

QINQ = ("link add e0 type pair peer e1",
        "link set e0 up",
        "link set e1 up",
        "ip link add link e0 name e0.10 type vlan id 10",        # ip(8)'s own example
        "link add s20 link e0 type vlan protocol 802.1ad id 20",
        "link add c30 type vlan link s20 id 30",
        "link set dev c30 mtu 1400",
        "addr add 192.0.2.1/24 dev e0.10",
        "addr add 198.51.100.1/24 dev c30")


@pytest.mark.parametrize("line", [
    "link add link e0 name e0.10 type vlan id 10",
    "link add link e0 e0.10 type vlan id 10",
    "link add e0.10 link e0 type vlan id 10",
    "link add name e0.10 link e0 type vlan protocol 802.1Q id 10",
    "link add e0.10 type vlan link e0 id 10",
    "ip link add link e0 name e0.10 type vlan id 10",
])
def test_ip_spellings_of_a_vlan_link_all_parse_to_the_same_link(line):
    args = GRAMMAR.parse(line.split()).args
    assert (args["name"], args["link"], args["type"], args["id"]) == ("e0.10", "e0", "vlan", 10)


def test_link_show_d_writes_a_vlan_as_ip_d_link_does():
    shell = Shell(details=True)
    shell.ok(*QINQ)
    assert " state DOWN " in shell.line("link show e0.10")[1]      # made down, as Linux makes it
    shell.ok("link set e0.10 up")
    status, out, err = shell.line("link show e0.10")
    lines = out.splitlines()
    assert (status, err) == (0, "")
    assert lines[0].startswith("4: e0.10@e0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
                               "state UP mode DEFAULT group default qlen 1000")
    assert lines[1].endswith(" promiscuity 0  allmulti 0 minmtu 0 maxmtu 65535 ")
    assert lines[2] == "    vlan protocol 802.1Q id 10 <REORDER_HDR> addrgenmode eui64 "
    out = shell.line("link show c30")[1].splitlines()
    assert out[0].startswith("6: c30@s20: ") and " mtu 1400 " in out[0]
    assert out[2] == "    vlan protocol 802.1Q id 30 <REORDER_HDR> addrgenmode eui64 "
    assert shell.line("link show s20")[1].splitlines()[2] == "    vlan protocol 802.1ad id 20 <REORDER_HDR> addrgenmode eui64 "


def test_json_d_has_iproute2s_linkinfo_keys():
    shell = Shell(json=True)
    shell.ok(*QINQ)
    row = json.loads(shell.line("link show s20")[1])[0]
    assert row["link"] == "e0" and row["ifname"] == "s20" and "linkinfo" not in row
    shell.executor.options.details = True
    row = json.loads(shell.line("link show s20")[1])[0]
    assert row["linkinfo"] == {"info_kind": "vlan", "info_data": {
        "protocol": "802.1ad", "id": 20, "flags": ["REORDER_HDR"]}}
    assert (row["min_mtu"], row["max_mtu"]) == (0, 65535)


def test_a_down_parent_takes_its_vlan_links_down_as_linux_does():
    shell = Shell()
    shell.ok(*QINQ, "link set e0 down")
    first = shell.line("link show e0.10")[1].splitlines()[0]
    assert "<BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noqueue state DOWN " in first
    status, out, err = shell.line("link set e0.10 up")
    assert (status, out) == (1, "") and err == "Error: cannot bring e0.10 up: e0 is down (Network is down)\n"
    shell.ok("link set e1 down", "link set e0 up")       # up again, but its cable's far end is not
    first = shell.line("link show c30")[1].splitlines()[0]
    assert "<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1400 qdisc noqueue state LOWERLAYERDOWN " in first


@pytest.mark.parametrize("line, message", [
    ("link add link e0 name x type vlan id 0", 'invalid VLANID "0": must be 1..4094'),
    ("link add link e0 name x type vlan id 4095", 'invalid VLANID "4095": must be 1..4094'),
    ("link add link e0 name x type vlan protocol 802.1x id 5",
     'invalid VLANPROTO "802.1x": one of: 802.1Q, 802.1ad'),
    ("link add link e0 name x type vlan", '"link add" needs id VLANID'),
    ("link add x type vlan id 5", "\"link add\" needs link DEV"),
    ("link add link e0 name x type vlan id 10", "e0 already has a VLAN link of protocol 802.1Q id 10: e0.10"),
    ("link add link lo name x type vlan id 5", "VLANs not supported on lo"),
    ("link add link e0 name x type pair peer y", '"link" is not an option of type pair'),
    ("link set c30 mtu 1600", "mtu 1600 is more than s20's (1500) for c30"),
])
def test_errors_are_one_line_and_change_nothing(line, message):
    shell = Shell()
    shell.ok(*QINQ)
    before = shell.running()
    status, out, err = shell.line(line)
    assert (status, out, err) == (syntax_status(message), "", f"Error: {message}\n")
    assert shell.running() == before


def test_completion_offers_live_links_after_link_and_the_vlan_options_after_type():
    shell = Shell()
    shell.ok(*QINQ)
    live = shell.executor.live
    assert "e0" in [c.text for c in complete(GRAMMAR, ["link", "add", "link"], "", live)]
    offered = [c.text for c in complete(GRAMMAR, ["link", "add", "x", "link", "e0", "type", "vlan"], "", live)]
    assert {"protocol", "id"} <= set(offered) and "peer" not in offered
    assert [c.text for c in complete(GRAMMAR, ["link", "add", "x", "type"], "v", live)] == ["vlan", "veth"]


def test_vlan_links_come_after_their_parents_in_the_running_config_and_load_rebuilds_them(tmp_path):
    shell = Shell()
    shell.ok(*QINQ)
    text = shell.running()
    lines = text.splitlines()
    assert "link add e0.10 type vlan link e0 id 10" in lines
    assert "link add s20 type vlan link e0 protocol 802.1ad id 20" in lines
    assert "link add c30 type vlan link s20 id 30" in lines
    order = [line.split()[2] for line in lines if line.startswith("link add ")]
    assert order == ["e0", "e0.10", "s20", "c30"]
    assert "address add 198.51.100.1/24 dev c30" in lines
    path = tmp_path / "rc"
    path.write_text(text)
    fresh = Shell()
    assert fresh.line(f"load {path}") == (0, "", "")
    assert fresh.running() == text
    assert fresh.state() == shell.state()
