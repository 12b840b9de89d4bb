"""IPv6's connected routes beside Linux's: the same addresses on a link with the same MAC give
the same main and local tables, key for key (`ip -6 -j route show table main|local`)."""
import json

from stack.clock import FakeClock
from stack.link.pair import PairLink
from stack.stack import Stack
from stack.wire.ethernet import mac_from_str
from stack.wire.ipv6 import addr_from_str
from tests.interop.stackrun import wait_for
from tests.netns import VethPeer, require_netns

EXTRA = ("2001:db8:1::5/48", "2001:db8:2::7/128")


def ours(peer) -> dict:
    """A stack whose eth0 has the peer's MAC and addresses, DAD over."""
    clock = FakeClock()
    stack = Stack(clock=clock)
    eth0, far = PairLink("eth0", mac=mac_from_str(peer.peer_mac)), PairLink("far")
    PairLink.connect(eth0, far)
    stack.add_link(eth0)
    stack.add_link(far)
    eth0.set_up(True)
    far.set_up(True)
    for prefix in (f"{peer.peer_ip6}/64", *EXTRA):
        address, length = prefix.split("/")
        stack.api.addr_add("eth0", addr_from_str(address), int(length), nodad=True)
    for _ in range(30):
        clock.advance(0.1)
        stack.poll()
    routes = {table: stack.api.route_list(family="inet6", table=table) for table in ("main", "local")}
    routes = {table: [r for r in rows if r["dev"] != "far"] for table, rows in routes.items()}
    return routes


def kernel_settled(peer) -> bool:
    return "tentative" not in peer.ip("-6", "addr", "show", "dev", peer.peer_dev).stdout


def test_ipv6_main_and_local_tables_are_the_kernels():
    require_netns()
    with VethPeer(ipv6=True) as peer:
        for prefix in EXTRA:
            peer.ip("-6", "addr", "add", prefix, "dev", peer.peer_dev, "nodad")
        assert wait_for(lambda: kernel_settled(peer), 5)
        linux = {table: json.loads(peer.ip("-6", "-j", "route", "show", "table", table).stdout)
                 for table in ("main", "local")}
        assert ours(peer) == linux
