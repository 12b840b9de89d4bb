"""Text, brief, JSON and colour rendering of results (layouts checked against iproute2 6.1)."""
import io
import json

import pytest

from netsh.options import Options
from netsh.render import Result, View, render, renderer, stats64_json, stats64_lines
from tests.cli.fakes import debug, run, stats64  # noqa: F401

LINK_SHOW = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: a@b: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000
    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
3: b@a: <BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 1000
    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff
"""

# `ip -s -s link show v0` on a veth, byte for byte (trailing blanks included)
STATS2 = """\
2: a@b: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000
    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
    RX:  bytes packets errors dropped  missed   mcast           
           516       6      0       0       0       0 
    RX errors:  length    crc   frame    fifo overrun
                     0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
           642       9      0       0       0       0 
    TX errors: aborted   fifo  window heartbt transns
                     0      0       0       0       2 
"""

ADDR_SHOW = """\
2: a@b: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
    inet 192.0.2.1/24 brd 192.0.2.255 scope global a
       valid_lft forever preferred_lft forever
"""


def test_link_show():
    assert run("link show") == (0, LINK_SHOW, "")


def test_ip_s_s_link():
    assert run("link show a", "-s", "-s") == (0, STATS2, "")


def test_ip_s_link_has_no_error_rows():
    out = run("link show a", "-s")[1].splitlines()
    assert [line.split(":")[0].strip() for line in out[2::2]] == ["RX", "TX"]
    assert len(out) == 6


def test_stats_columns_widen_for_big_counters():
    lines = stats64_lines(stats64(rx_bytes=67458617346, rx_packets=58458556), 1)
    assert lines[0] == "    RX:   bytes  packets errors dropped  missed   mcast           "
    assert lines[1] == "    67458617346 58458556      0       0       0       0 "


def test_addr_show():
    assert run("addr show dev a") == (0, ADDR_SHOW, "")


def test_addr_show_with_stats_puts_counters_after_addresses():
    out = run("addr show a", "-s")[1].splitlines()
    assert out[2].startswith("    inet ") and out[4].startswith("    RX:")


def test_neigh_and_route():
    assert run("neigh")[1] == ("192.0.2.2 dev a lladdr 02:00:00:00:00:0b REACHABLE \n"
                               "192.0.2.77 dev a FAILED \n")
    assert run("neigh show dev b")[1] == ""
    assert run("route")[1] == "192.0.2.0/24 dev a proto kernel scope link src 192.0.2.1 \n"


def test_brief():
    assert run("link", "-br")[1] == (
        "lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n"
        "a@b              UP             02:00:00:00:00:0a <BROADCAST,MULTICAST,UP,LOWER_UP> \n"
        "b@a              DOWN           02:00:00:00:00:0b <BROADCAST,MULTICAST> \n")
    assert run("addr", "-br")[1] == ("lo               UNKNOWN        127.0.0.1/8 \n"
                                     "a@b              UP             192.0.2.1/24 \n"
                                     "b@a              DOWN           \n")
    assert run("neigh", "-br")[1].splitlines()[0] == \
        "192.0.2.2                               a                02:00:00:00:00:0b"


def test_brief_falls_back_to_text():
    assert run("route", "-br")[1] == run("route")[1]


def test_stats_text():
    assert run("stats")[1] == ("IcmpInMsgs                      3\n"
                               "IcmpOutEchos                    3\n"
                               "DropNO_SOCKET                   1           "
                               "# reply or error for no waiting ping or traceroute session\n")


def test_host_devices():
    assert run("link host")[1] == ("veth-h1: <UP,LOWER_UP> attached as veth-h1\n"
                                   "veth-h2: <UP>\n")


def test_changes_print_nothing():
    assert run("link set a up mtu 1400") == (0, "", "")
    assert run("link set a up", "-j") == (0, "", "")


# --- JSON -----------------------------------------------------------------------------

def jrun(line, *argv):
    status, out, err = run(line, "-j", *argv)
    assert status == 0 and err == "" and out.count("\n") == 1
    return json.loads(out)


def test_json_link_keys_like_ip_j_link():
    row = jrun("link show a")[0]
    assert list(row) == ["ifindex", "ifname", "flags", "mtu", "qdisc", "operstate",
                         "linkmode", "group", "txqlen", "link_type", "address", "broadcast"]
    assert "link_kind" in jrun("link show a", "-d")[0]          # our kind's words: -d, as ip


def test_json_stats_levels():
    one = jrun("link show a", "-s")[0]["stats64"]
    assert list(one["rx"]) == ["bytes", "packets", "errors", "dropped", "over_errors", "multicast"]
    assert list(one["tx"]) == ["bytes", "packets", "errors", "dropped", "carrier_errors",
                               "collisions"]
    two = jrun("link show a", "-s", "-s")[0]["stats64"]
    assert list(two["rx"])[6:] == ["length_errors", "crc_errors", "frame_errors", "fifo_errors",
                                   "missed_errors"]
    assert two["tx"]["carrier_changes"] == 2


def test_json_nonzero_only_keys():
    s = stats64(rx_nohandler=4)
    assert stats64_json(s, 2)["rx"]["nohandler"] == 4
    assert "nohandler" not in stats64_json(stats64(), 2)["rx"]


def test_json_addr_neigh_route_stats():
    addr = jrun("addr show a")[0]
    assert addr["addr_info"][0] == {"family": "inet", "local": "192.0.2.1", "prefixlen": 24,
                                    "broadcast": "192.0.2.255", "scope": "global", "label": "a",
                                    "valid_life_time": 4294967295,
                                    "preferred_life_time": 4294967295}
    assert jrun("neigh")[1] == {"dst": "192.0.2.77", "dev": "a", "state": ["FAILED"]}
    assert set(jrun("route")[0]) == {"dst", "dev", "protocol", "scope", "prefsrc", "flags"}
    assert jrun("stats Icmp") == {"Icmp": {"InMsgs": 3, "OutEchos": 3}}


def test_pretty_json():
    status, out, err = run("neigh show dev a", "-j", "-p")
    assert json.loads(out)[0]["dst"] == "192.0.2.2"
    assert out.startswith('[ {\n        "dst": "192.0.2.2",\n') and out.endswith("\n    } ]\n")


def test_help_as_json():
    assert jrun("help")["text"].startswith("Usage: netsh")


def test_changes_print_nothing_in_json():
    assert run("addr add 192.0.2.9/24 dev a", "-j") == (0, "", "")


# --- colour ----------------------------------------------------------------------------

def test_colour_like_iproute2():
    out = run("link show a", "-c=always")[1].splitlines()
    assert out[0] == ("2: \x1b[36ma@b: \x1b[0m<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc "
                      "pfifo_fast state \x1b[32mUP \x1b[0mmode DEFAULT group default qlen 1000")
    assert out[1] == ("    link/ether \x1b[33m02:00:00:00:00:0a\x1b[0m brd "
                      "\x1b[33mff:ff:ff:ff:ff:ff\x1b[0m")
    addr = run("addr show a", "-c")[1].splitlines()[2]
    assert addr == ("    inet \x1b[35m192.0.2.1\x1b[0m/24 brd \x1b[35m192.0.2.255 \x1b[0m"
                    "scope global a")
    brief = run("link show b", "-br", "-c")[1]
    assert brief.startswith("\x1b[36mb@a              \x1b[0m\x1b[31mDOWN           \x1b[0m")


def test_colour_dark_background(monkeypatch):
    monkeypatch.setenv("COLORFGBG", "15;0")
    assert "\x1b[1;36ma@b: " in run("link show a", "-c")[1]


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("color, no_color, tty, expected", [
    ("auto", "", True, True),
    ("auto", "1", True, False),          # NO_COLOR switches auto colour off
    ("auto", "", False, False),
    ("always", "1", False, True),
    ("never", "", True, False),
])
def test_colour_modes(color, no_color, tty, expected):
    stream = Tty() if tty else io.StringIO()
    assert Options(color=color).color_enabled(stream, {"NO_COLOR": no_color}) is expected


def test_json_is_never_coloured():
    assert "\x1b" not in run("link", "-j", "-c")[1]


# --- the registry --------------------------------------------------------------------------

def test_registry_picks_by_kind_and_face():
    @renderer("test-kind")
    def text(data, view):
        return f"text {data}"

    @renderer("test-kind", "json")
    def as_json(data, view):
        return {"wrapped": data}

    assert render(Result("test-kind", 1), View(Options())) == "text 1"
    assert render(Result("test-kind", 1), View(Options(brief=True))) == "text 1"
    assert render(Result("test-kind", 1), View(Options(json=True))) == '{"wrapped":1}\n'
    assert render(Result("unknown-kind", [1, 2]), View(Options())) == "1\n2"
    assert render(Result("none"), View(Options(json=True))) is None
