"""Routes and rules beside Linux's: the same commands given to `ip` in a namespace and to
netsh give the same `-j route show table all`, `-j rule show` and `-j route get`, key for key,
and the same refusals."""
import io
import json

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from stack.clock import FakeClock
from stack.link.pair import PairLink
from stack.stack import Stack
from tests.netns import VethPeer, require_netns

COMMANDS = (
    "route add 203.0.113.0/24 via 192.0.2.1 metric 10 proto static",
    "route add 203.0.113.0/24 via 192.0.2.3",
    "route add unreachable 198.18.0.0/25",
    "route add prohibit 198.18.0.128/25",
    "route add blackhole 198.51.100.7 table 100",
    "route add throw 10.0.0.0/8 table 100",
    "route add 198.51.100.0/24 via 192.0.2.4 table 100 mtu 1300",
    "route add 198.19.0.0/16 nexthop via 192.0.2.5 weight 1 nexthop via 192.0.2.6 weight 2",
    "route add 198.51.100.9 via 203.0.113.1 dev eth0 onlink",
    "route add 192.0.2.128/25 dev eth0 metric 7 src 192.0.2.2",
    "route add default via 192.0.2.254 mtu 1400",
    "rule add not from 198.51.100.0/24 to 203.0.113.7 fwmark 0x5/0xff tos 0x10 iif lo lookup 200 priority 10",
    "rule add fwmark 7 prohibit",
    "rule add from 192.0.2.2 table 5 suppress_prefixlength 0",
    "rule add to 198.51.100.0/24 lookup 100",
    "rule add to 203.0.113.5 blackhole",
)
GETS = ("203.0.113.9", "198.51.100.8", "198.51.100.7", "8.8.8.8", "192.0.2.2", "192.0.2.255",
        "192.0.2.200", "198.18.0.1", "198.18.0.200", "203.0.113.5")
REFUSED = (
    "route add 203.0.113.0/24 via 198.51.100.1",
    "route add 203.0.113.0/24 via 192.0.2.9 metric 10",
    "route add 203.0.113.0/24 dev eth0 src 192.0.2.9",
    "route del 203.0.113.0/24 via 192.0.2.77",
    "route change 203.0.113.0/24 via 192.0.2.1 metric 99",
    "rule del table 77",
    "rule add fwmark 7 prohibit priority 9",
)


class Ours:
    """A stack whose eth0 holds the peer's address, its cable's far end up like the veth's."""

    def __init__(self, address: str):
        self.stack = Stack(clock=FakeClock())
        eth0, far = PairLink("eth0"), PairLink("far")
        PairLink.connect(eth0, far)
        self.stack.add_link(eth0)
        self.stack.add_link(far)
        eth0.set_up(True)
        far.set_up(True)
        self.out, self.err = io.StringIO(), io.StringIO()
        self.executor = Executor(None, Options(), self.out, self.err, stack=self.stack.api,
                                 grammar=GRAMMAR)
        assert self.line(f"address add {address} dev eth0")[0] == 0

    def line(self, text: str):
        o, e = self.out.tell(), self.err.tell()
        status = self.executor.run_line(text)
        return status, self.out.getvalue()[o:], self.err.getvalue()[e:]

    def json(self, text: str):
        status, out, err = self.line("-j " + text)
        assert (status, err) == (0, ""), err
        return json.loads(out)


def linux_json(peer, *args):
    return json.loads(peer.ip("-4", "-j", *args).stdout)


def test_routes_rules_and_decisions_are_the_kernels():
    require_netns()
    with VethPeer() as peer:
        ours = Ours(f"{peer.peer_ip}/{peer.peer_prefixlen}")
        for command in COMMANDS:
            peer.ip(*command.split())
            assert ours.line(command) == (0, "", ""), command
        assert ours.json("route show table all") == linux_json(peer, "route", "show", "table", "all")
        assert ours.json("rule show") == linux_json(peer, "rule", "show")
        for shown in ("route show", "route show table all", "route show table 100", "rule show",
                      "route show dev eth0", "route show proto static", "route show type unicast",
                      "route show match 198.51.100.9", "route show table local root 192.0.2.0/24"):
            assert ours.line(shown)[1] == peer.ip("-4", *shown.split()).stdout, shown
        for dst in GETS:
            linux = peer.ip("-j", "route", "get", dst, check=False)
            status, out, err = ours.line(f"-j route get {dst}")
            if linux.returncode:
                assert (status, "Error: " + err.removeprefix("Error: ")) == (
                    2, "Error: " + linux.stderr), dst
            else:
                assert json.loads(out) == json.loads(linux.stdout), dst
        peer.run("sysctl", "-qw", "net.ipv4.ip_forward=1")          # route input, forwarding
        assert ours.line("sysctl -q -w net.ipv4.ip_forward=1")[0] == 0
        for dst, src in (("203.0.113.9", "198.51.100.77"), ("192.0.2.2", "198.51.100.77"),
                         ("198.18.0.1", "198.51.100.77"), ("198.51.100.8", "203.0.113.7"),
                         ("8.8.8.8", "0.0.0.0"), ("192.0.2.255", "198.51.100.77"),
                         ("203.0.113.5", "198.51.100.77"), ("203.0.113.9", "192.0.2.2")):
            query = f"route get {dst} from {src} iif eth0"
            linux = peer.ip("-j", *query.split(), check=False)
            status, out, err = ours.line("-j " + query)
            if linux.returncode:
                assert (status, err.removeprefix("Error: ")) == (2, linux.stderr), query
            else:
                assert json.loads(out) == json.loads(linux.stdout), query


@pytest.mark.parametrize("command", REFUSED)
def test_refusals_are_the_kernels(command):
    require_netns()
    with VethPeer() as peer:
        ours = Ours(f"{peer.peer_ip}/{peer.peer_prefixlen}")
        for given in COMMANDS:
            peer.ip(*given.split())
            ours.line(given)
        linux = peer.ip(*command.split(), check=False)
        status, out, err = ours.line(command)
        assert linux.returncode == status == 2
        assert err.removeprefix("Error: ") == linux.stderr.removeprefix("Error: "), command


def test_our_sysctls_are_the_kernels_names_and_defaults():
    """Every setting we have is one Linux has, with Linux's value on a fresh namespace; but
    send_redirects, which we never do and so keep at 0, and disable_ipv6, which the test's
    namespace sets (tests/netns.py keeps its kernel quiet) where a fresh one has 0, as ours."""
    require_netns()
    with VethPeer() as peer:
        linux = dict(line.split(" = ", 1) for line in
                     peer.run("sysctl", "-a", check=False).stdout.splitlines() if " = " in line)
        ours = Ours(f"{peer.peer_ip}/{peer.peer_prefixlen}")
        rows = ours.json("sysctl -a")
        checked = 0
        for row in rows:
            name = row["name"]
            if ".far." in name:
                continue                        # the far end of our cable: no such link there
            assert name in linux, name
            expected = 0 if name.endswith((".send_redirects", ".disable_ipv6")) else int(linux[name])
            assert row["value"] == expected, name
            checked += 1
        assert checked >= 12
