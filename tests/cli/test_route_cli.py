"""route, rule and sysctl as commands: iproute2's and sysctl(8)'s text, JSON keys, errors and
exit statuses, and the running configuration that makes them again."""
import json

import pytest

from netsh import __version__
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell

SETUP = (
    "link add v0 type pair peer v1",
    "link set v0 up",
    "link set v1 up",
    "addr add 192.0.2.1/24 dev v0",
    "addr add 198.51.100.1/24 dev v1",
)


@pytest.fixture
def sh():
    shell = Shell()
    shell.ok(*SETUP)
    return shell


def test_route_add_and_show_as_ip_prints_them(sh):
    sh.ok("route add 203.0.113.0/24 via 192.0.2.2 metric 10 src 192.0.2.1 mtu 1400 proto static",
          "route add 203.0.113.0/24 via 192.0.2.3",
          "route add unreachable 198.18.0.0/25",
          "route add prohibit 198.18.0.128/25",
          "route add blackhole 198.51.100.7 table 100",
          "route add throw 10.0.0.0/8 table 100",
          "route add 198.19.0.0/16 nexthop via 192.0.2.2 dev v0 weight 1 nexthop via 198.51.100.3 weight 2",
          "route add 198.51.100.9 via 203.0.113.1 dev v0 onlink",
          "route add default via 192.0.2.254")
    status, out, err = sh.line("route show")
    assert (status, err) == (0, "")
    assert out == "\n".join([
        "default via 192.0.2.254 dev v0 ",
        "192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 ",
        "198.18.0.0/25 ".join(["unreachable ", ""]),
        "prohibit 198.18.0.128/25 ",
        "198.19.0.0/16 \n\tnexthop via 192.0.2.2 dev v0 weight 1 \n\tnexthop via 198.51.100.3 dev v1 weight 2 ",
        "198.51.100.0/24 dev v1 proto kernel scope link src 198.51.100.1 ",
        "198.51.100.9 via 203.0.113.1 dev v0 onlink ",
        "203.0.113.0/24 via 192.0.2.3 dev v0 ",
        "203.0.113.0/24 via 192.0.2.2 dev v0 proto static src 192.0.2.1 metric 10 mtu 1400 ",
    ]) + "\n"
    assert sh.line("route show table 100")[1] == "throw 10.0.0.0/8 \nblackhole 198.51.100.7 \n"
    status, out, _ = sh.line("-j route show table all")
    rows = json.loads(out)
    assert rows[:2] == [{"type": "throw", "dst": "10.0.0.0/8", "table": "100", "flags": []},
                        {"type": "blackhole", "dst": "198.51.100.7", "table": "100", "flags": []}]
    assert {"dst": "203.0.113.0/24", "gateway": "192.0.2.2", "dev": "v0", "protocol": "static",
            "prefsrc": "192.0.2.1", "metric": 10, "flags": [], "metrics": [{"mtu": 1400}]} in rows


def test_show_selectors_hide_what_they_fix(sh):
    sh.ok("route add 203.0.113.0/24 via 198.51.100.2", "route add 203.0.113.128/25 dev v0")
    assert sh.line("route show dev v1")[1] == \
        "198.51.100.0/24 proto kernel scope link src 198.51.100.1 \n203.0.113.0/24 via 198.51.100.2 \n"
    assert sh.line("route show proto kernel")[1] == (
        "192.0.2.0/24 dev v0 scope link src 192.0.2.1 \n198.51.100.0/24 dev v1 scope link src 198.51.100.1 \n")
    assert sh.line("route show root 203.0.113.0/24")[1].count("\n") == 2
    assert sh.line("route show match 203.0.113.200")[1].count("\n") == 2
    assert sh.line("route show exact 203.0.113.0/24")[1] == "203.0.113.0/24 via 198.51.100.2 dev v1 \n"
    assert sh.line("route show 203.0.113.128/25")[1] == "203.0.113.128/25 dev v0 scope link \n"
    assert sh.line("route show table all type local")[1].startswith("local 127.0.0.0/8 dev lo table local")


def test_route_get_prints_the_decision_as_ip(sh):
    sh.ok("route add 203.0.113.0/24 via 192.0.2.2", "route add 198.18.0.0/24 via 192.0.2.3 table 7 mtu 1300",
          "rule add to 198.18.0.0/24 lookup 7")
    assert sh.line("route get 203.0.113.9")[1] == \
        "203.0.113.9 via 192.0.2.2 dev v0 src 192.0.2.1 uid 0 \n    cache \n"
    assert sh.line("route get 198.18.0.8")[1] == \
        "198.18.0.8 via 192.0.2.3 dev v0 table 7 src 192.0.2.1 uid 0 \n    cache mtu 1300 \n"
    assert sh.line("route get 192.0.2.1")[1] == \
        "local 192.0.2.1 dev lo table local src 192.0.2.1 uid 0 \n    cache <local> \n"
    assert sh.line("route get 192.0.2.5 from 192.0.2.1 mark 3")[1] == \
        "192.0.2.5 from 192.0.2.1 dev v0 mark 3 uid 0 \n    cache \n"
    status, out, err = sh.line("-j route get 192.0.2.255")
    assert json.loads(out) == [{"type": "broadcast", "dst": "192.0.2.255", "dev": "v0",
                                "table": "local", "prefsrc": "192.0.2.1", "flags": [], "uid": 0, "cache": ["local", "brd"]}]
    assert sh.line("route get 203.0.113.9 from 198.51.100.9 iif v1") == (
        2, "", "Error: RTNETLINK answers: No route to host\n")          # v1 does not forward
    sh.ok("sysctl -w net.ipv4.ip_forward=1")
    assert sh.line("route get 203.0.113.9 from 198.51.100.9 iif v1")[1] == \
        "203.0.113.9 from 198.51.100.9 via 192.0.2.2 dev v0 \n    cache iif v1 \n"
    assert sh.line("-j route get 192.0.2.1 from 198.51.100.9 iif v1")[1] == json.dumps(
        [{"type": "local", "dst": "192.0.2.1", "from": "198.51.100.9", "dev": "lo", "table": "local",
          "flags": [], "cache": ["local"], "iif": "v1"}], separators=(",", ":")) + "\n"


@pytest.mark.parametrize("line,status,message", [
    ("route add 203.0.113.0/24 via 203.0.113.1", 2, "Error: Nexthop has invalid gateway."),
    ("route add 203.0.113.0/24 via 192.0.2.2 dev v1", 2, "Error: Nexthop has invalid gateway."),
    ("route add 203.0.113.0/24 dev v0 src 192.0.2.9", 2, "Error: Invalid prefsrc address."),
    ("route add 203.0.113.0/24 dev v9", 1, 'Error: Cannot find device "v9"'),
    ("route add 192.0.2.0/24 dev v0 proto kernel", 2, "Error: RTNETLINK answers: File exists"),
    ("route del 203.0.113.0/24", 2, "Error: RTNETLINK answers: No such process"),
    ("route change 203.0.113.0/24 dev v0", 2, "Error: RTNETLINK answers: No such file or directory"),
    ("route get 203.0.113.1", 2, "Error: RTNETLINK answers: Network is unreachable"),
    ("route show table 42", 2, "Error: ipv4: FIB table does not exist."),
    ("route add 203.0.113.1/24 dev v0", 2, "Error: Invalid prefix for given prefix length."),
    ("route flush", 255, None),
    ("rule del table 77", 2, "Error: RTNETLINK answers: No such file or directory"),
    ("rule add from 192.0.2.0/24 table 0", 255, None),
    ("sysctl net.ipv4.no_such", 1,
     "Error: sysctl: cannot stat /proc/sys/net/ipv4/no_such: No such file or directory"),
    ("sysctl -w net.ipv4.ip_forward=on", 1,
     'Error: sysctl: setting key "net.ipv4.ip_forward": Invalid argument'),
])
def test_refusals_and_their_exit_statuses(sh, line, status, message):
    before = sh.stack.api.route_list(table="all")
    got, out, err = sh.line(line)
    assert (got, out) == (status, "")
    assert err.count("\n") == 1 and err.startswith("Error: ")
    if message:
        assert err == message + "\n"
    assert sh.stack.api.route_list(table="all") == before          # nothing changed


def test_the_down_link_refusal(sh):
    sh.ok("link set v1 down")
    assert sh.line("route add 203.0.113.0/24 dev v1") == (2, "", "Error: Device for nexthop is not up.\n")


def test_replace_append_flush(sh):
    sh.ok("route add 203.0.113.0/24 via 192.0.2.2 metric 5",
          "route append 203.0.113.0/24 via 192.0.2.3 metric 5",
          "route replace 203.0.113.0/24 via 192.0.2.4 metric 5",
          "route add 203.0.113.0/24 dev v1 metric 7 table 9")
    assert [r["gateway"] for r in sh.stack.api.route_list() if r["dst"] == "203.0.113.0/24"] == \
        ["192.0.2.4", "192.0.2.3"]
    sh.ok("route del 203.0.113.0/24 via 192.0.2.3", "route flush table 9")
    assert sh.line("route show table 9") == (0, "", "")
    sh.ok("route flush dev v0")
    assert sh.line("route show")[1] == "198.51.100.0/24 dev v1 proto kernel scope link src 198.51.100.1 \n"


def test_rule_show_text_and_json_as_ip(sh):
    sh.ok("rule add not from 198.51.100.0/24 to 203.0.113.7 fwmark 0x5/0xff tos 0x10 iif lo lookup 200 priority 10",
          "rule add fwmark 7 prohibit",
          "rule add from 192.0.2.1 table 5 suppress_prefixlength 0",
          "rule add to 203.0.113.5 blackhole",
          "rule add from all iif v0 oif v1 table main pref 1000")
    assert sh.line("rule show")[1] == "\n".join([
        "0:\tfrom all lookup local",
        "7:\tfrom all to 203.0.113.5 blackhole",
        "8:\tfrom 192.0.2.1 lookup 5 suppress_prefixlength 0",
        "9:\tfrom all fwmark 0x7 prohibit",
        "10:\tnot from 198.51.100.0/24 to 203.0.113.7 tos 0x10 fwmark 0x5/0xff iif lo lookup 200",
        "1000:\tfrom all iif v0 oif v1 lookup main",
        "32766:\tfrom all lookup main",
        "32767:\tfrom all lookup default"]) + "\n"
    rows = json.loads(sh.line("-j rule show")[1])
    assert rows[4] == {"priority": 10, "not": None, "src": "198.51.100.0", "srclen": 24,
                       "dst": "203.0.113.7", "tos": "0x10", "fwmark": "0x5", "fwmask": "0xff",
                       "iif": "lo", "table": "200"}
    assert rows[3] == {"priority": 9, "src": "all", "fwmark": "0x7", "action": "prohibit"}
    assert sh.line("rule show table 5")[1] == "8:\tfrom 192.0.2.1 lookup 5 suppress_prefixlength 0\n"
    sh.ok("rule add from 192.0.2.0/24 priority 20")                 # no table: main, as ip does
    assert sh.line("rule show table main")[1].startswith("20:\tfrom 192.0.2.0/24 lookup main\n")
    sh.ok("rule del priority 9", "rule del from 192.0.2.1", "rule flush")
    assert sh.line("rule show")[1] == "0:\tfrom all lookup local\n"


def test_sysctl_reads_writes_and_lists_as_sysctl(sh):
    assert sh.line("sysctl net.ipv4.ip_forward net.ipv4.conf.v0.forwarding")[1] == \
        "net.ipv4.ip_forward = 0\nnet.ipv4.conf.v0.forwarding = 0\n"
    assert sh.line("sysctl -w net.ipv4.ip_forward=1")[1] == "net.ipv4.ip_forward = 1\n"
    assert sh.line("sysctl net.ipv4.conf.v1.forwarding")[1] == "net.ipv4.conf.v1.forwarding = 1\n"
    assert sh.line("sysctl -w net.ipv4.conf.v1.forwarding=0")[0] == 0
    listing = sh.line("sysctl -a")[1].splitlines()
    assert listing == sorted(listing) and "net.ipv4.icmp_ratemask = 6168" in listing
    assert "net.ipv4.conf.v1.forwarding = 0" in listing and "net.ipv4.conf.v0.forwarding = 1" in listing
    rows = json.loads(sh.line("-j sysctl net.ipv4.icmp_ratelimit")[1])
    assert rows == [{"name": "net.ipv4.icmp_ratelimit", "value": 1000}]
    assert sh.line("sysctl -w net.ipv4.ip_forward")[0] == 1


def test_running_config_rebuilds_routes_rules_and_sysctls(sh, tmp_path):
    sh.ok("sysctl -w net.ipv4.ip_forward=1",
          "sysctl -w net.ipv4.conf.v1.forwarding=0",
          "sysctl -w net.ipv4.icmp_ratelimit=250",
          "route add default via 192.0.2.254",
          "route add 203.0.113.0/24 via 192.0.2.2 metric 5 mtu 1400 proto static src 192.0.2.1",
          "route append 203.0.113.0/24 via 192.0.2.3 metric 5",
          "route add 198.19.0.0/16 nexthop via 192.0.2.2 weight 1 nexthop via 198.51.100.3 weight 2",
          "route add blackhole 198.18.0.0/15 table 100",
          "route add 198.51.100.9 via 203.0.113.1 dev v0 onlink table 100",
          "rule add from 192.0.2.0/24 fwmark 0x10/0xf0 lookup 100 priority 50",
          "rule add iif v1 prohibit priority 60",
          "rule del priority 32767")
    text = sh.running()
    assert text.splitlines()[6:] == [
        "sysctl -q -w net.ipv4.conf.all.forwarding=1",
        "sysctl -q -w net.ipv4.conf.v1.forwarding=0",
        "sysctl -q -w net.ipv4.icmp_ratelimit=250",
        "rule delete priority 32767 table default",
        "rule add from 192.0.2.0/24 fwmark 0x10/0xf0 lookup 100 priority 50",
        "rule add from all iif v1 prohibit priority 60",
        "route add blackhole 198.18.0.0/15 table 100",
        "route add 198.51.100.9 via 203.0.113.1 dev v0 onlink table 100",
        "route add default via 192.0.2.254 dev v0",
        "route add 198.19.0.0/16 nexthop via 192.0.2.2 dev v0 weight 1 nexthop via 198.51.100.3 dev v1 weight 2",
        "route add 203.0.113.0/24 via 192.0.2.2 dev v0 proto static src 192.0.2.1 metric 5 mtu 1400",
        "route append 203.0.113.0/24 via 192.0.2.3 dev v0 metric 5",
    ]
    sh.ok(f"save {tmp_path / 'rc'}")
    fresh = Shell()
    assert fresh.line(f"load {tmp_path / 'rc'}") == (0, "", "")
    assert fresh.running() == text
    api, again = sh.stack.api, fresh.stack.api
    assert again.route_list(table="all") == api.route_list(table="all")
    assert again.rule_list() == api.rule_list() and again.sysctl_list() == api.sysctl_list()


def test_a_fresh_stack_still_has_nothing_to_say():
    assert Shell().running() == f"# netsh running-config, netsh-{__version__}\n"


def test_sysctl_names_complete_offline_and_live(sh):
    from netsh.commands.sysctl import NAME
    from netsh.complete import value_candidates
    from netsh.grammar import pos
    offline = NAME.choices()
    assert "net.ipv4.conf.all.forwarding" in offline and "net.ipv4.ip_forward" in offline
    assert not any("{" in name for name in offline)
    found = [c.text for c in value_candidates(pos("names", NAME), "net.ipv4.conf.v", sh.executor.live)]
    assert found == [f"net.ipv4.conf.{dev}.{key}" for dev in ("v0", "v1")
                     for key in ("accept_redirects", "forwarding", "secure_redirects", "send_redirects")]
