"""The local routing table beside Linux's: the same addresses give the same `local` and
`broadcast` routes, key for key (`ip -j route show table local`)."""
import json

from stack.clock import FakeClock
from stack.link.pair import PairLink
from stack.stack import Stack
from stack.wire.ipv4 import addr_from_str
from tests.netns import VethPeer, require_netns

EXTRA = ("198.51.100.1/31", "203.0.113.5/32", "203.0.113.65/26")


def ours(peer) -> list[dict]:
    """A stack whose eth0 holds the peer's addresses, its end of the cable up like the veth's."""
    stack = Stack(clock=FakeClock())
    eth0, far = PairLink("eth0"), PairLink("far")
    PairLink.connect(eth0, far)
    stack.add_link(eth0)
    stack.add_link(far)
    eth0.set_up(True)
    far.set_up(True)
    for prefix in (f"{peer.peer_ip}/{peer.peer_prefixlen}", *EXTRA):
        address, length = prefix.split("/")
        stack.api.addr_add("eth0", addr_from_str(address), int(length))
    return stack.api.route_list(table="local")


def test_the_local_table_is_the_kernels():
    require_netns()
    with VethPeer() as peer:
        for prefix in EXTRA:
            peer.ip("addr", "add", prefix, "dev", peer.peer_dev)
        linux = json.loads(peer.ip("-j", "route", "show", "table", "local").stdout)
        assert ours(peer) == linux
