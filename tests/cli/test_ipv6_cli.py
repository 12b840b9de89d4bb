"""IPv6 from the command line: addresses, routes and neighbours in iproute2's spelling
(text and -j), -4/-6/-f, ping -6's refusals, and the running configuration round trip."""
import json

from stack.l3.addrconf import link_local_address
from stack.wire.ipv6 import addr_to_str
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell


def lab() -> Shell:
    sh = Shell()
    sh.ok("link add v0 type pair peer v1", "link set v0 address 02:00:00:00:00:01 up",
          "addr add 2001:db8::1/64 dev v0", "addr add 2001:db8:5::1/64 dev v0 nodad",
          "addr add 192.0.2.1/24 dev v0")
    return sh


def settle(sh, seconds=3.0) -> None:
    """Let the fake clock run (DAD's timers) with the stack polled."""
    for _ in range(int(seconds * 10)):
        sh.stack.clock.advance(0.1)
        sh.stack.poll()


def test_addresses_show_as_ip_shows_them():
    sh = lab()
    status, out, err = sh.line("-6 address show dev v0")
    assert (status, err) == (0, "")
    assert out.splitlines()[2:] == [
        "    inet6 2001:db8:5::1/64 scope global nodad ",
        "       valid_lft forever preferred_lft forever",
        "    inet6 2001:db8::1/64 scope global tentative ",
        "       valid_lft forever preferred_lft forever",
        "    inet6 fe80::ff:fe00:1/64 scope link tentative ",
        "       valid_lft forever preferred_lft forever"]
    status, out, _ = sh.line("-4 address show dev v0")
    assert "inet6" not in out and "    inet 192.0.2.1/24 scope global v0" in out   # brd: only when given
    status, out, _ = sh.line("-j -6 address show")
    rows = json.loads(out)
    assert [row["ifname"] for row in rows] == ["lo", "v0"]      # links with an IPv6 address (v1 is down)
    assert rows[1]["addr_info"][1] == {
        "family": "inet6", "local": "2001:db8::1", "prefixlen": 64, "scope": "global", "tentative": True,
        "valid_life_time": 4294967295, "preferred_life_time": 4294967295}


def test_routes_show_per_family():
    sh = lab()
    settle(sh)
    status, out, _ = sh.line("-6 route show table local")
    assert out.splitlines()[:4] == [
        "local ::1 dev lo proto kernel metric 0 pref medium",
        "local 2001:db8::1 dev v0 proto kernel metric 0 pref medium",
        "local 2001:db8:5::1 dev v0 proto kernel metric 0 pref medium",
        "local fe80::ff:fe00:1 dev v0 proto kernel metric 0 pref medium"]
    status, out, _ = sh.line("-f inet6 route")
    assert out.splitlines()[0] == "2001:db8::/64 dev v0 proto kernel metric 256 linkdown pref medium"   # v1 is down
    status, out, _ = sh.line("route")
    assert out == "192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 linkdown \n"
    status, out, _ = sh.line("-j -6 route show")
    assert json.loads(out)[0] == {"dst": "2001:db8::/64", "dev": "v0", "protocol": "kernel",
                                  "metric": 256, "flags": ["linkdown"], "pref": "medium"}


def test_ipv6_neighbours_are_added_shown_and_deleted():
    sh = lab()
    sh.ok("neigh add 2001:db8::9 lladdr 02:00:00:00:00:09 dev v0",
          "neigh add 192.0.2.9 lladdr 02:00:00:00:00:08 dev v0")
    assert sh.line("-6 neigh show")[1] == "2001:db8::9 dev v0 lladdr 02:00:00:00:00:09 PERMANENT \n"
    assert sh.line("neigh show to 2001:db8::/64")[1] == "2001:db8::9 dev v0 lladdr 02:00:00:00:00:09 PERMANENT \n"
    assert sh.line("-4 neigh show")[1] == "192.0.2.9 dev v0 lladdr 02:00:00:00:00:08 PERMANENT \n"
    sh.ok("neigh del 2001:db8::9 dev v0")
    assert sh.line("-6 neigh show")[1] == ""


def test_bad_ipv6_input_is_one_line_naming_what_was_wrong():
    sh = lab()
    cases = {
        "ping -6 192.0.2.2": "Error: 192.0.2.2: Address family for hostname not supported\n",
        "ping -4 2001:db8::2": "Error: 2001:db8::2: Address family for hostname not supported\n",
        "addr add 2001:db8::1/129 dev v0": 'Error: invalid PREFIX "2001:db8::1/129": prefix length must be 0..128\n',
        "addr add fe80::1%v0/64 dev v0": 'Error: invalid PREFIX "fe80::1%v0/64": a %scope is not taken here\n',
        "addr add 2001:db8::1/64 dev v0": "Error: Address already assigned.\n",
        "addr add ff02::1/64 dev v0": "Error: ff02::1 cannot be a link's address\n",
        "ping -c 1 fe80::1": "Error: connect: Invalid argument (a link-local address needs -I DEV)\n",
        "-f inet7 addr": 'Error: invalid protocol family "inet7": one of inet, inet6, link\n',
    }
    for line, message in cases.items():
        status, out, err = sh.line(line)
        assert status != 0 and err == message, line


def test_ipv6_configuration_round_trips(tmp_path):
    sh = lab()
    link_local = addr_to_str(link_local_address(bytes.fromhex("020000000001")))
    sh.ok(f"addr del {link_local}/64 dev v0", "addr add fe80::1/64 dev v0",
          "neigh add 2001:db8::9 lladdr 02:00:00:00:00:09 dev v0")
    text = sh.running()
    assert text.splitlines()[-6:] == [
        "address add 192.0.2.1/24 dev v0",
        f"address delete {link_local}/64 dev v0",
        "address add 2001:db8::1/64 dev v0",
        "address add 2001:db8:5::1/64 dev v0 nodad",
        "address add fe80::1/64 dev v0",
        "neighbour add 2001:db8::9 lladdr 02:00:00:00:00:09 dev v0"]
    path = tmp_path / "rc"
    sh.ok(f"save {path}")
    fresh = Shell()
    assert fresh.line(f"load {path}") == (0, "", "")
    assert fresh.running() == text
    assert fresh.stack.api.addr_list("v0") == sh.stack.api.addr_list("v0")


def test_stats_names_ip6_and_icmp6_as_nstat_does():
    sh = lab()
    session = sh.stack.api.ping_open(bytes(15) + b"\x01", 56)
    sh.stack.api.ping_send(session, 1)
    settle(sh, 0.5)
    out = sh.line("stats Icmp6")[1]
    assert "Icmp6InEchos                    1" in out and "Icmp6OutType129                 1" in out
    assert sh.line("stats Ip6")[1].splitlines()[0] == "Ip6InReceives                   2"


def test_lifetimes_are_taken_shown_counted_down_and_kept():
    sh = lab()
    sh.ok("addr add 2001:db8:7::1/64 dev v0 valid_lft 100 preferred_lft 50 nodad")
    out = sh.line("-6 addr show dev v0")[1]
    assert ("    inet6 2001:db8:7::1/64 scope global nodad dynamic \n"
            "       valid_lft 100sec preferred_lft 50sec") in out
    settle(sh, 51)
    out = sh.line("-6 addr show dev v0")[1]
    assert ("    inet6 2001:db8:7::1/64 scope global nodad deprecated dynamic \n"
            "       valid_lft 49sec preferred_lft 0sec") in out
    assert "address add 2001:db8:7::1/64 dev v0 nodad valid_lft 49 preferred_lft 0" in sh.running()
    settle(sh, 50)
    assert "2001:db8:7::1" not in sh.line("-6 addr show dev v0")[1]
    for line, message in (("addr add 2001:db8:8::1/64 dev v0 valid_lft 10 preferred_lft 20",
                           "Error: preferred_lft is greater than valid_lft\n"),
                          ("addr add 2001:db8:8::1/64 dev v0 valid_lft 0", "Error: valid_lft must be more than 0\n"),
                          ("addr add 192.0.2.7/24 dev v0 valid_lft 10",
                           "Error: valid_lft and preferred_lft are taken for IPv6 addresses only\n"),
                          ("addr add 2001:db8:8::1/64 dev v0 valid_lft soon",
                           'Error: invalid LFT "soon": seconds 0..4294967294, or forever\n')):
        assert sh.line(line)[2] == message, line


def test_addrgenmode_none_makes_no_link_local_and_is_kept():
    sh = Shell()
    sh.ok("link add v0 type pair peer v1", "link set v0 addrgenmode none up", "link set v1 up")
    assert "inet6" not in sh.line("address show dev v0")[1]
    assert "inet6 fe80::" in sh.line("address show dev v1")[1]
    text = sh.running()
    assert "addrgenmode none up" in text and "address delete" not in text
    fresh = Shell()
    fresh.ok(*[line for line in text.splitlines() if not line.startswith("#")])
    assert fresh.running() == text
    assert sh.line("link set v0 addrgenmode bogus")[2].startswith('Error: invalid MODE "bogus"')


def test_disable_ipv6_follows_linuxs_all_and_default_and_survives_the_running_config():
    sh = Shell()
    sh.ok("link add a type pair peer b", "sysctl -w net.ipv6.conf.default.disable_ipv6=1",
          "link add c type pair peer d", "link set a up", "link set c up")
    assert sh.line("sysctl net.ipv6.conf.c.disable_ipv6")[1] == "net.ipv6.conf.c.disable_ipv6 = 1\n"
    assert sh.line("sysctl net.ipv6.conf.a.disable_ipv6")[1] == "net.ipv6.conf.a.disable_ipv6 = 0\n"
    out = sh.line("-6 addr show dev a")[1]
    assert "inet6 fe80::" in out and "inet6" not in sh.line("-6 addr show dev c")[1]
    sh.ok("sysctl -w net.ipv6.conf.all.disable_ipv6=1")           # every link, and the default
    assert "inet6" not in sh.line("-6 addr show")[1]
    running = sh.running()
    assert "address delete" not in running and "net.ipv6.conf.all.disable_ipv6=1" in running
    again = Shell()
    again.ok(*[line for line in running.splitlines() if line and not line.startswith("#")])
    assert again.running() == running


def test_link_set_ra_shows_under_d_link_and_survives_the_running_config():
    sh = lab()
    settle(sh)
    status, _, err = sh.line("link set v0 ra on")
    assert status == 1 and "net.ipv6.conf.all.forwarding" in err and len(err.splitlines()) == 1
    sh.ok("sysctl -w net.ipv6.conf.all.forwarding=1",
          "link set v0 ra on prefix 2001:db8:7::/64 onlink off valid 600 preferred 300 interval 10 30 "
          "mtu 1400 managed on")
    lines = sh.line("-d link show v0")[1].splitlines()
    assert lines[3] == ("    ra on prefix 2001:db8:7::/64 onlink off autonomous on valid 600 preferred 300 "
                        "interval 10 30 lifetime 90 mtu 1400 managed on other off hoplimit 64")
    row = json.loads(sh.line("-j -d link show v0")[1])[0]
    assert row["ra"]["prefixes"] == [{"prefix": "2001:db8:7::/64", "onlink": False, "autonomous": True,
                                      "valid": 600, "preferred": 300}]
    assert "ra" not in json.loads(sh.line("-j link show v0")[1])[0]
    text = sh.running()
    fresh = Shell()
    fresh.ok(*[line for line in text.splitlines() if not line.startswith("#")])
    assert fresh.running() == text
    assert sh.line("link set v0 ra on interval 2 3")[2].startswith('Error: invalid interval "2"')
    assert sh.line("link set v0 ra on valid 5")[2].startswith('Error: "valid" belongs after a prefix')
    sh.ok("link set v0 ra off")
    assert "ra on" not in sh.line("-d link show v0")[1] and "link set v0 ra" not in sh.running()


def test_stable_secret_through_sysctl_and_addrgenmode_under_d_link():
    sh = lab()
    assert "Input/output error" in sh.line("sysctl net.ipv6.conf.v0.stable_secret")[2]
    sh.ok("sysctl -w net.ipv6.conf.v0.stable_secret=2001:db8::1234", "link set v0 down", "link set v0 up")
    assert "addrgenmode stable_secret" in sh.line("-d link show v0")[1]
    assert "scope link tentative stable-privacy" in sh.line("-6 addr show dev v0")[1]
    assert sh.line("sysctl net.ipv6.conf.v0.addr_gen_mode")[1] == "net.ipv6.conf.v0.addr_gen_mode = 2\n"
