"""Router advertisements against Linux: our advertisements configure a Linux host (its SLAAC
address and `default ... proto ra`), and Debian's radvd configures us (our address through
DAD, our default route), with a duplicate a Linux host already holds shown `dadfailed`."""
import os
import signal
import subprocess
import time

import pytest

from stack.l3.addrconf import eui64_interface_id, link_local_address
from stack.wire.ethernet import mac_from_str
from stack.wire.ipv6 import addr_from_str as a6, addr_to_str
from tests.tools import need

from .stackrun import stack_on, wait_for
from .test_ipv6_kernel import addresses, our_link_local, usable

pytestmark = pytest.mark.veth_ipv6


def peer_routes(peer) -> str:
    return peer.run("ip", "-6", "route", "show").stdout


def peer_addresses(peer) -> str:
    return peer.run("ip", "-6", "addr", "show", "dev", peer.peer_dev).stdout


def test_a_linux_host_configures_itself_from_our_advertisements(veth_peer):
    with stack_on(veth_peer, address=None) as (proxy, _):
        proxy.sysctl_set("net.ipv6.conf.all.forwarding", "1")
        proxy.addr_add("veth0", a6("2001:db8:7::1"), 64)
        assert wait_for(lambda: usable(proxy, our_link_local(proxy)), 5)
        proxy.ra_set("veth0", prefix=(a6("2001:db8:7::"), 64))
        expected = addr_to_str(a6("2001:db8:7::")[:8] + eui64_interface_id(mac_from_str(veth_peer.peer_mac)))
        assert wait_for(lambda: expected in peer_addresses(veth_peer), 10), peer_addresses(veth_peer)
        router = our_link_local(proxy)
        assert wait_for(lambda: f"default via {router} dev {veth_peer.peer_dev} proto ra"
                        in peer_routes(veth_peer), 5), peer_routes(veth_peer)
        assert wait_for(lambda: "tentative" not in peer_addresses(veth_peer), 5)
        out = veth_peer.run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-I", expected,
                            "2001:db8:7::1").stdout
        assert "2 received" in out, out
        proxy.ra_set("veth0", on=False)                  # the farewell: lifetime 0
        assert wait_for(lambda: "default" not in peer_routes(veth_peer), 5), peer_routes(veth_peer)


def radvd(peer, tmp_path, prefix: str):
    need("radvd")
    conf = tmp_path / "radvd.conf"
    conf.write_text(f"interface {peer.peer_dev} {{\n  AdvSendAdvert on;\n  MinRtrAdvInterval 3;\n"
                    f"  MaxRtrAdvInterval 4;\n  prefix {prefix} {{ AdvOnLink on; AdvAutonomous on; }};\n}};\n")
    peer.run("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    return subprocess.Popen(["ip", "netns", "exec", peer.peer_ns, "radvd", "-C", str(conf),
                             "-p", str(tmp_path / "radvd.pid"), "-n", "-m", "stderr"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def stop(proc) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.communicate(timeout=5)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()[1]


def test_radvd_configures_us(veth_peer, tmp_path):
    with stack_on(veth_peer, address=None) as (proxy, _):
        daemon = radvd(veth_peer, tmp_path, "2001:db8:5::/64")
        try:
            mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
            ours = addr_to_str(a6("2001:db8:5::")[:8] + eui64_interface_id(mac))
            assert wait_for(lambda: usable(proxy, ours), 15), (addresses(proxy), daemon.poll())
            assert addresses(proxy)[ours]["dynamic"]
            router = addr_to_str(link_local_address(mac_from_str(veth_peer.peer_mac)))
            default = [(r["gateway"], r["protocol"]) for r in proxy.route_list(family="inet6")
                       if r["dst"] == "default"]
            assert default == [(router, "ra")]
            veth_peer.ip("-6", "addr", "add", "2001:db8:5::1/64", "dev", veth_peer.peer_dev, "nodad")
            out = veth_peer.run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", ours).stdout
            assert "2 received" in out, out
        finally:
            log = stop(daemon)
        assert "exiting" in log or daemon.returncode is not None


def test_an_address_a_linux_host_holds_is_dadfailed_when_radvd_offers_its_prefix(veth_peer, tmp_path):
    with stack_on(veth_peer, address=None) as (proxy, _):
        mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        ours = addr_to_str(a6("2001:db8:6::")[:8] + eui64_interface_id(mac))
        veth_peer.ip("-6", "addr", "add", f"{ours}/64", "dev", veth_peer.peer_dev, "nodad")
        time.sleep(0.2)
        daemon = radvd(veth_peer, tmp_path, "2001:db8:6::/64")
        try:
            assert wait_for(lambda: addresses(proxy).get(ours, {}).get("dadfailed"), 15), addresses(proxy)
        finally:
            stop(daemon)
