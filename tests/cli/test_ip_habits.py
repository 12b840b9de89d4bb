"""ip habits that carry over (issue 15): a leading `ip` with ip's options, ip's exit statuses,
neigh add/replace/change, address options, link set name/txqlen/promisc, -o, -p, -s neigh,
and a pipe on standard input run as a batch. tests/interop/test_ip_differential.py checks
the same against Linux's ip; these run without namespaces."""
import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_running_config import Shell

ROOT = Path(__file__).resolve().parents[2]


def shell_with_a_pair() -> Shell:
    shell = Shell()
    shell.ok("link add v0 type veth peer name v1",         # no link-locals: IPv4 lines as written
             "link set v0 addrgenmode none up", "link set v1 addrgenmode none up")
    return shell


def test_a_leading_ip_takes_ips_options():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0")
    status, out, _ = shell.line("ip -br a")
    assert status == 0 and "v0@v1            UP             192.0.2.1/24 \n" in out
    assert json.loads(shell.line("ip -j link show v0")[1])[0]["ifname"] == "v0"
    assert "RX:" in shell.line("ip -s l show v0")[1]
    status, _, err = shell.line("ip link frob", caret=True)
    assert status == 255 and err.splitlines()[1] == "        ^^^^"     # under the word, past ip


def test_exit_statuses_are_ips():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0", "neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0")
    assert shell.line("neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0") == (
        2, "", "Error: RTNETLINK answers: File exists\n")
    assert shell.line("addr add 192.0.2.1/24 dev v0")[0] == 2
    assert shell.line("addr del 192.0.2.99/24 dev v0")[0] == 2
    assert shell.line("neigh change 192.0.2.6 lladdr 02:00:00:00:00:06 dev v0")[0] == 2
    assert shell.line("link set v9 up")[0] == 1                           # no such device
    assert shell.line("addr add 300.1.1.1/24 dev v0")[0] == 1             # ip: get_prefix, exit 1
    assert shell.line("link bogus")[0] == 255                             # bad syntax


def test_neigh_replace_and_change():
    shell = shell_with_a_pair()
    shell.ok("neigh replace 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0",
             "neigh change 192.0.2.5 lladdr 02:00:00:00:00:15 dev v0",
             "neigh replace 192.0.2.5 lladdr 02:00:00:00:00:25 dev v0")
    assert shell.line("neigh show dev v0")[1] == "192.0.2.5 lladdr 02:00:00:00:00:25 PERMANENT \n"
    assert "used 0/0/0probes 0 PERMANENT" in shell.line("-s neigh show")[1]


def test_address_options_show_and_come_back_from_the_running_config():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0",
             "addr add 198.51.100.1/24 brd + scope link label v0:lan dev v0",
             "addr add 198.51.100.9/24 scope link dev v0")
    assert shell.line("addr add 198.51.100.10/24 dev v0")[0] == 2      # a secondary keeps its
                                                                        # primary's scope
    lines = shell.line("addr show dev v0")[1].splitlines()
    assert lines[2] == "    inet 192.0.2.1/24 scope global v0"            # no brd never given
    assert lines[4] == "    inet 198.51.100.1/24 brd 198.51.100.255 scope link v0:lan"
    assert lines[6] == "    inet 198.51.100.9/24 scope link secondary v0"
    config = shell.running()
    assert "address add 198.51.100.1/24 dev v0 brd 198.51.100.255 scope link label v0:lan" in config
    again = Shell()
    again.ok(*[line for line in config.splitlines() if line and not line.startswith("#")])
    assert again.line("addr show dev v0")[1] == shell.line("addr show dev v0")[1]


def test_link_set_name_txqlen_promisc():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0", "link set v0 name lan0 txqlen 500 promisc on")
    status, out, _ = shell.line("link show lan0")
    assert "<BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP>" in out and out.split("\n")[0].endswith("qlen 500")
    assert "scope global lan0" in shell.line("addr show dev lan0")[1]        # the label followed
    assert shell.line("link set lan0 name v1") == (2, "", "Error: RTNETLINK answers: File exists\n")
    assert " up txqlen 500 promisc on\n" in shell.running()


def test_link_down_takes_connected_routes_and_neighbours_up_brings_routes_back():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0", "neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0",
             "route add 203.0.113.0/24 via 192.0.2.254")
    shell.ok("link set v0 down")
    assert shell.line("route show")[1] == "" and shell.line("neigh show")[1] == ""
    assert "local 192.0.2.1 dev v0" in shell.line("route show table local")[1]
    shell.ok("link set v0 up")
    assert shell.line("route show")[1] == \
        "192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 \n"     # the user's route stays gone


def test_oneline_and_pretty_json_as_ip_writes_them():
    shell = shell_with_a_pair()
    out = shell.line("-o link show v0")[1]
    assert out.count("\n") == 1 and "qlen 1000\\    link/ether " in out
    pretty = shell.line("-j -p link show v0")[1]
    assert pretty.startswith('[ {\n        "ifindex": 2,\n') and pretty.endswith("\n    } ]\n")
    assert '"flags": [ "BROADCAST","MULTICAST","UP","LOWER_UP" ],' in pretty


def test_a_pipe_on_standard_input_is_a_batch():
    done = subprocess.run([sys.executable, "-m", "netsh"], input="link show lo\nlink frob\n",
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("1: lo: <LOOPBACK,UP,LOWER_UP>")
    assert done.returncode == 1 and done.stderr.endswith("Command failed -:2\n")
    assert "\x1b" not in done.stdout + done.stderr


def test_arp_off_sends_no_arp_and_resolves_to_the_links_own_address():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0", "neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0",
             "link set v0 arp off")
    assert "<BROADCAST,MULTICAST,NOARP,UP,LOWER_UP>" in shell.line("link show v0")[1]
    assert shell.line("neigh show")[1] == ""                       # neigh_changeaddr
    mac = json.loads(shell.line("-j link show v0")[1])[0]["address"]
    shell.line("ping -c 1 -W 0.1 192.0.2.7")
    assert shell.line("neigh show dev v0")[1] == f"192.0.2.7 lladdr {mac} NOARP \n"
    assert shell.stack.arp.stats.OutRequests == 0 and shell.stack.arp.stats.OutGratuitous == 1
    assert " arp off" in shell.running()


def test_dash_zero_shows_links_without_addresses_and_dash_t_is_taken():
    shell = shell_with_a_pair()
    shell.ok("addr add 192.0.2.1/24 dev v0")
    status, out, _ = shell.line("ip -0 addr show dev v0")
    assert status == 0 and "link/ether" in out and "inet" not in out and "mode" not in out
    assert "addr_info" not in json.loads(shell.line("ip -j -0 addr show dev v0")[1])[0]
    assert shell.line("ip -0 -br addr")[1] == shell.line("ip -br link")[1]
    assert shell.line("ip -t -br link")[1] == shell.line("ip -br link")[1]
