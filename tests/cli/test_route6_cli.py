"""IPv6 routes and rules as commands: `ip -6 route` and `ip -6 rule`'s spelling, text, JSON
keys, the kernel's refusals (ip6_validate_gw) with their exit statuses, `route get` as the
data path decides it (output and, with iif, route input), and the running configuration that
makes them again. tests/interop/ip_differential.txt compares the same lines with Linux's."""
import json

import pytest

from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell

SETUP = (
    "link add v0 type pair peer v1",
    "link set v0 addrgenmode none",
    "link set v1 addrgenmode none",
    "link set v0 up",
    "link set v1 up",
    "addr add 2001:db8::1/64 dev v0 nodad",
    "addr add 2001:db8:1::1/64 dev v1 nodad",
)


@pytest.fixture
def sh():
    shell = Shell()
    shell.ok(*SETUP)
    return shell


def test_routes_are_added_and_shown_as_ip_6_shows_them(sh):
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2",
          "route add 2001:db8:11::/64 via fe80::1 dev v0",                  # -6 taken from the prefix
          "-6 route add 2001:db8:14::/64 via 2001:db8:77::1 dev v0 onlink",
          "-6 route add 2001:db8:16::/64 dev v1 src 2001:db8:1::1 mtu 1400 metric 10",
          "-6 route add 2001:db8:17::/64 nexthop via 2001:db8::2 weight 2 nexthop via 2001:db8:1::2",
          "-6 route add unreachable 2001:db8:18::/64",
          "-6 route add throw 2001:db8:1b::/64 table 100",
          "route add default via 2001:db8:1::2")                              # -6 taken from via
    status, out, err = sh.line("-6 route")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "2001:db8::/64 dev v0 proto kernel metric 256 pref medium",
        "2001:db8:1::/64 dev v1 proto kernel metric 256 pref medium",
        "2001:db8:10::/64 via 2001:db8::2 dev v0 metric 1024 pref medium",
        "2001:db8:11::/64 via fe80::1 dev v0 metric 1024 pref medium",
        "2001:db8:14::/64 via 2001:db8:77::1 dev v0 metric 1024 onlink pref medium",
        "2001:db8:16::/64 dev v1 src 2001:db8:1::1 metric 10 mtu 1400 pref medium",
        "2001:db8:17::/64 metric 1024 pref medium",
        "\tnexthop via 2001:db8::2 dev v0 weight 2 ",
        "\tnexthop via 2001:db8:1::2 dev v1 weight 1 ",
        "unreachable 2001:db8:18::/64 dev lo metric 1024 pref medium",
        "default via 2001:db8:1::2 dev v1 metric 1024 pref medium"]
    assert sh.line("route") == (0, "", "")                  # IPv4's, as ip route: none
    assert sh.line("route show 2001:db8:10::/64") == (0, "", "")       # ip's dump is IPv4's
    assert sh.line("-6 route show 2001:db8:10::/64")[1] == \
        "2001:db8:10::/64 via 2001:db8::2 dev v0 metric 1024 pref medium\n"
    rows = json.loads(sh.line("-j -6 route show 2001:db8:17::/64")[1])
    assert rows == [{"dst": "2001:db8:17::/64", "metric": 1024, "flags": [], "pref": "medium",
                     "nexthops": [{"gateway": "2001:db8::2", "dev": "v0", "weight": 2, "flags": []},
                                  {"gateway": "2001:db8:1::2", "dev": "v1", "weight": 1, "flags": []}]}]
    assert sh.line("-6 route show table 100")[1] == \
        "throw 2001:db8:1b::/64 dev lo metric 1024 pref medium\n"
    assert sh.line("-6 route show table all")[1].splitlines()[0] == \
        "throw 2001:db8:1b::/64 dev lo table 100 metric 1024 pref medium"


@pytest.mark.parametrize("line, status, message", [
    ("-6 route add 2001:db8:10::/64 via fe80::1", 2, "Egress device not specified."),
    ("-6 route add 2001:db8:10::/64 via 2001:db8:77::1", 2, "RTNETLINK answers: No route to host"),
    ("-6 route add 2001:db8:10::/64 via 2001:db8::2 dev v1", 2, "RTNETLINK answers: No route to host"),
    ("-6 route add 2001:db8:10::/64 via 2001:db8::1", 2, "Gateway can not be a local address."),
    ("-6 route add 2001:db8:10::/64 via 2001:db8::2 src 2001:db8::99", 2, "Invalid source address."),
    ("-6 route add 2001:db8:10::/64 via 2001:db8:77::1 onlink", 2, "Nexthop device required for onlink."),
    ("-6 route add 2001:db8:10::/64 via ff02::1 dev v0", 2, "Invalid gateway address."),
    ("-6 route add 192.0.2.0/24 dev v0", 1, 'inet6 prefix is expected rather than "192.0.2.0/24"'),
    ("-6 route add 2001:db8::/129 dev v0", 1, "prefix length must be 0..128"),
    ("-6 route change 2001:db8:1f::/64 via 2001:db8::2", 2, "Can not replace route - no match found."),
    ("-6 route del 2001:db8:1f::/64", 2, "RTNETLINK answers: No such process"),
    ("-6 route show table 99", 2, "ipv6: FIB table does not exist."),
    ("-6 route show table default", 2, "ipv6: FIB table does not exist."),
    ("rule add from 2001:db8::/64 table 5", 2, "Invalid source address."),      # ip rule: IPv4 unless -6
    ("-6 rule add to 192.0.2.0/24 table 5", 1, 'inet6 prefix is expected rather than "192.0.2.0/24"'),
])
def test_refusals_say_what_the_kernel_says(sh, line, status, message):
    got, out, err = sh.line(line)
    assert (got, out) == (status, "")
    assert message in err and len(err.splitlines()) == 1


def test_a_route_that_exists_is_refused_and_replace_append_delete_work(sh):
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2")
    assert sh.line("-6 route add 2001:db8:10::/64 via 2001:db8::3") == \
        (2, "", "Error: RTNETLINK answers: File exists\n")
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::3 metric 5",
          "-6 route replace 2001:db8:10::/64 via 2001:db8::4")
    assert sh.line("-6 route show 2001:db8:10::/64")[1].splitlines() == [
        "2001:db8:10::/64 via 2001:db8::3 dev v0 metric 5 pref medium",
        "2001:db8:10::/64 via 2001:db8::4 dev v0 metric 1024 pref medium"]
    sh.ok("-6 route del 2001:db8:10::/64 metric 5", "-6 route del 2001:db8:10::/64")
    assert sh.line("-6 route show 2001:db8:10::/64") == (0, "", "")
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2", "-6 route add 2001:db8:20::/64 dev v1",
          "-6 route flush dev v0")
    assert "2001:db8:20::/64" in sh.line("-6 route")[1] and "2001:db8:10::" not in sh.line("-6 route")[1]


def test_route_get_prints_the_decision_as_ip_6_route_get(sh):
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2",
          "-6 route add 2001:db8:16::/64 dev v1 mtu 1400",
          "-6 route add prohibit 2001:db8:19::/64", "-6 route add blackhole 2001:db8:1a::/64")
    assert sh.line("-6 route get 2001:db8:10::5")[1] == \
        "2001:db8:10::5 from :: via 2001:db8::2 dev v0 src 2001:db8::1 metric 1024 pref medium\n"
    assert sh.line("route get 2001:db8:16::9 from 2001:db8:1::1")[1] == \
        "2001:db8:16::9 from 2001:db8:1::1 dev v1 src 2001:db8:1::1 metric 1024 mtu 1400 pref medium\n"
    assert sh.line("-6 route get 2001:db8::1")[1] == \
        "local 2001:db8::1 from :: dev lo table local proto kernel src 2001:db8::1 metric 0 pref medium\n"
    assert json.loads(sh.line("-j -6 route get 2001:db8:10::5 iif v1")[1]) == [
        {"dst": "2001:db8:10::5", "from": "::", "gateway": "2001:db8::2", "dev": "v0",
         "metric": 1024, "flags": [], "iif": "v1", "pref": "medium"}]
    for dst, answer in (("2001:db8:19::1", "Permission denied"), ("2001:db8:1a::1", "Invalid argument"),
                        ("2001:db8:99::1", "Network is unreachable")):
        assert sh.line(f"-6 route get {dst}") == (2, "", f"Error: RTNETLINK answers: {answer}\n")


def test_rules_by_source_and_fwmark_pick_the_table(sh):
    sh.ok("-6 route add default via 2001:db8::2 table 10",
          "-6 route add default via 2001:db8:1::2 table 20",
          "-6 route add default via 2001:db8::3",
          "-6 rule add from 2001:db8:1::/64 lookup 10 priority 100",
          "-6 rule add fwmark 0x7/0xff lookup 20 priority 200",
          "-6 rule add to 2001:db8:22::/64 unreachable priority 300")
    assert sh.line("-6 rule")[1].splitlines() == [
        "0:\tfrom all lookup local",
        "100:\tfrom 2001:db8:1::/64 lookup 10",
        "200:\tfrom all fwmark 0x7/0xff lookup 20",
        "300:\tfrom all to 2001:db8:22::/64 unreachable",
        "32766:\tfrom all lookup main"]
    assert sh.line("rule")[1].splitlines()[-1] == "32767:\tfrom all lookup default"   # IPv4's are apart
    get = lambda line: sh.line(line)[1]                                             # noqa: E731
    assert get("-6 route get 2001:db8:30::1 from 2001:db8:1::1") == \
        "2001:db8:30::1 from 2001:db8:1::1 via 2001:db8::2 dev v0 table 10 src 2001:db8:1::1 metric 1024 pref medium\n"
    assert get("-6 route get 2001:db8:30::1 mark 0x107") == \
        "2001:db8:30::1 from :: via 2001:db8:1::2 dev v1 table 20 src 2001:db8:1::1 metric 1024 pref medium\n"
    assert get("-6 route get 2001:db8:30::1").startswith("2001:db8:30::1 from :: via 2001:db8::3 dev v0 ")
    assert sh.line("-6 route get 2001:db8:22::1") == (2, "", "Error: RTNETLINK answers: Network is unreachable\n")
    assert json.loads(get("-j -6 rule show"))[1] == {"priority": 100, "src": "2001:db8:1::", "srclen": 64,
                                                     "table": "10"}
    sh.ok("-6 rule del priority 200")
    assert sh.line("-6 rule del priority 200") == (2, "", "Error: RTNETLINK answers: No such file or directory\n")
    sh.ok("-6 rule flush")
    assert get("-6 rule") == "0:\tfrom all lookup local\n"


def test_running_config_rebuilds_ipv6_routes_and_rules(sh, tmp_path):
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2",
          "-6 route add default via fe80::1 dev v0 metric 5",
          "-6 route add 2001:db8:17::/64 nexthop via 2001:db8::2 weight 2 nexthop via 2001:db8:1::2",
          "-6 route add unreachable 2001:db8:18::/64 table 10",
          "-6 route add 2001:db8:16::/64 dev v1 src 2001:db8:1::1 mtu 1400",
          "-6 rule add from 2001:db8:1::/64 lookup 10 priority 100",
          "-6 rule del priority 32766")
    text = sh.running()
    lines = text.splitlines()
    assert "-6 rule delete priority 32766 table main" in lines
    assert "-6 rule add from 2001:db8:1::/64 lookup 10 priority 100" in lines
    assert "-6 route add default via fe80::1 dev v0 metric 5" in lines
    assert "-6 route add unreachable 2001:db8:18::/64 table 10 metric 1024" in lines
    path = tmp_path / "rc"
    sh.ok(f"save {path}")
    fresh = Shell()
    assert fresh.line(f"load {path}") == (0, "", "")
    assert fresh.running() == text
    for line in ("-6 route show table all", "-6 rule show"):
        assert fresh.line(line) == sh.line(line)


def test_traceroute_6_refuses_what_traceroute_refuses(sh):
    assert sh.line("traceroute -6 192.0.2.1")[0] == 1
    assert "Address family for hostname not supported" in sh.line("traceroute -6 192.0.2.1")[2]
    status, out, err = sh.line("traceroute -n 2001:db8:99::1")          # -6 taken from the address
    assert (status, out) == (2, "")
    assert "Network is unreachable" in err and len(err.splitlines()) == 1


def test_append_joins_gateway_routes_into_one_multipath_route_as_fib6_does(sh):
    sh.ok("-6 route add 2001:db8:10::/64 via 2001:db8::2",
          "-6 route append 2001:db8:10::/64 via 2001:db8:1::2",
          "-6 route prepend 2001:db8:10::/64 via 2001:db8::3",           # joins at the end too
          "-6 route append 2001:db8:10::/64 dev v1")                     # no gateway: a route of its own
    assert sh.line("-6 route append 2001:db8:10::/64 via 2001:db8::3") == \
        (2, "", "Error: RTNETLINK answers: File exists\n")
    assert sh.line("-6 route show 2001:db8:10::/64")[1].splitlines() == [
        "2001:db8:10::/64 metric 1024 pref medium",
        "\tnexthop via 2001:db8::2 dev v0 weight 1 ",
        "\tnexthop via 2001:db8:1::2 dev v1 weight 1 ",
        "\tnexthop via 2001:db8::3 dev v0 weight 1 ",
        "2001:db8:10::/64 dev v1 metric 1024 pref medium"]
    sh.ok("-6 route del 2001:db8:10::/64 via 2001:db8:1::2", "-6 route del 2001:db8:10::/64 via 2001:db8::2")
    assert sh.line("-6 route show 2001:db8:10::/64")[1].splitlines() == [
        "2001:db8:10::/64 via 2001:db8::3 dev v0 metric 1024 pref medium",      # one left: plain again
        "2001:db8:10::/64 dev v1 metric 1024 pref medium"]



def test_what_we_send_to_a_refused_destination_is_counted_not_a_crash(sh):
    """IPv6 output through a refusing route or rule (no link to leave by): OutNoRoutes and
    the IP_OUTNOROUTES drop, as IPv4's output answers them."""
    from stack.packet import Packet
    from stack.wire.ipv6 import NEXTHDR_ICMP, addr_from_str
    sh.ok("-6 route add prohibit 2001:db8:66::/64", "-6 rule add to 2001:db8:77::/64 blackhole")
    stack = sh.stack
    before = stack.api.stats("Ip6")["Ip6"]["OutNoRoutes"]
    for dst in ("2001:db8:66::1", "2001:db8:77::1"):
        assert stack.ipv6.output(Packet.alloc(8), None, addr_from_str(dst), NEXTHDR_ICMP) == "IP_OUTNOROUTES"
    assert stack.api.stats("Ip6")["Ip6"]["OutNoRoutes"] == before + 2
