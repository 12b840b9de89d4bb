"""Router advertisements against Linux on one veth: netsh advertises and the kernel forms its
SLAAC address and default route `proto ra`; real radvd advertises and netsh forms its address
(EUI-64 and RFC 7217), passes DAD or finds the duplicate a Linux host holds (`dadfailed`)."""
import pytest

from stack.l3.addrconf import eui64_interface_id
from stack.wire.ethernet import mac_from_str
from stack.wire.ipv6 import addr_from_str as a6, addr_to_str

from .stackrun import stack_on, wait_for
from .test_ipv6_kernel import addresses, our_link_local, usable

pytestmark = pytest.mark.veth_ipv6


def test_linux_takes_netshs_advertisement(veth_peer):
    dev = veth_peer.peer_dev
    veth_peer.run("sysctl", "-qw", f"net.ipv6.conf.{dev}.accept_ra=2")
    with stack_on(veth_peer, address=None) as (proxy, _):
        assert wait_for(lambda: usable(proxy, our_link_local(proxy)), 5)
        proxy.sysctl_set("net.ipv6.conf.all.forwarding", "1")
        proxy.link_ra("veth0", on=True, options={"prefixes": [{"prefix": "2001:db8:3::/64"}],
                                                  "interval": [3, 4], "mtu": 1400})
        kernel_addr = addr_to_str(a6("2001:db8:3::")[:8] + eui64_interface_id(mac_from_str(veth_peer.peer_mac)))

        def formed():
            out = veth_peer.ip("-6", "addr", "show", "dev", dev).stdout
            return f"{kernel_addr}/64 scope global" in out and "tentative" not in out.split(kernel_addr)[1].split("\n")[0]
        assert wait_for(formed, 10), veth_peer.ip("-6", "addr", "show", "dev", dev).stdout
        routes = veth_peer.ip("-6", "route", "show", "default").stdout
        assert f"default via {our_link_local(proxy)} dev {dev} proto ra" in routes, routes
        assert "mtu 1400" in veth_peer.ip("link", "show", dev).stdout or \
            veth_peer.run("sysctl", "-n", f"net.ipv6.conf.{dev}.mtu").stdout.strip() == "1400"
        proxy.link_ra("veth0", on=False)                 # the last advert: lifetime 0
        assert wait_for(lambda: "default" not in veth_peer.ip("-6", "route", "show", "default").stdout, 5)


def radvd(peer, tmp_path, prefix: str):
    conf = tmp_path / "radvd.conf"
    conf.write_text(f"interface {peer.peer_dev} {{\n  AdvSendAdvert on;\n  MinRtrAdvInterval 3;\n"
                    f"  MaxRtrAdvInterval 4;\n  prefix {prefix} {{ AdvOnLink on; AdvAutonomous on; }};\n}};\n")
    peer.run("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    return peer.popen("radvd", "-C", str(conf), "-p", str(tmp_path / "radvd.pid"), "-n", "-m", "stderr",
                      "-d", "1")


def peer_link_local(peer) -> str:
    out = peer.ip("-6", "addr", "show", "dev", peer.peer_dev, "scope", "link").stdout
    return out.split("inet6 ")[1].split("/")[0]


def test_slaac_from_real_radvd(veth_peer, tmp_path):
    with stack_on(veth_peer, address=None) as (proxy, _):
        assert wait_for(lambda: usable(proxy, our_link_local(proxy)), 5)
        daemon = radvd(veth_peer, tmp_path, "2001:db8:4::/64")
        mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        address = addr_to_str(a6("2001:db8:4::")[:8] + eui64_interface_id(mac))
        assert wait_for(lambda: usable(proxy, address), 15), (addresses(proxy), daemon.poll())
        default = [r for r in proxy.route_list(family="inet6") if r["dst"] == "default"]
        assert [(r["gateway"], r["protocol"]) for r in default] == [(peer_link_local(veth_peer), "ra")]
        veth_peer.ip("-6", "addr", "add", "2001:db8:4::1/64", "dev", veth_peer.peer_dev, "nodad")
        out = veth_peer.run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", address).stdout
        assert "2 packets transmitted, 2 received" in out


def test_radvd_prefix_with_stable_secret_and_a_duplicate(veth_peer, tmp_path):
    from stack.l3.stable_id import stable_interface_id
    secret = "2001:db8::77"
    with stack_on(veth_peer, address=None) as (proxy, _):
        proxy.sysctl_set("net.ipv6.conf.veth0.stable_secret", secret)
        mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        address = addr_to_str(a6("2001:db8:5::")[:8]
                              + stable_interface_id(a6(secret), a6("2001:db8:5::"), mac)[0])
        veth_peer.ip("-6", "addr", "add", f"{address}/64", "dev", veth_peer.peer_dev, "nodad")
        radvd(veth_peer, tmp_path, "2001:db8:5::/64")
        assert wait_for(lambda: addresses(proxy).get(address, {}).get("dadfailed"), 15), addresses(proxy)
        assert addresses(proxy)[address].get("stable-privacy")


def test_rfc7217_ids_match_the_kernels(veth_peer):
    """The kernel is the oracle: its stable_secret link-local (a veth hashes an all-zero
    permanent address) equals ours for the same secret, prefix and hardware address."""
    from stack.l3.stable_id import stable_interface_id
    dev, secret = veth_peer.peer_dev, "2001:db8::4242"
    veth_peer.run("sysctl", "-qw", f"net.ipv6.conf.{dev}.stable_secret={secret}")
    veth_peer.ip("link", "set", dev, "down")
    veth_peer.ip("link", "set", dev, "addrgenmode", "stable_secret")
    veth_peer.ip("link", "set", dev, "up")
    assert "addrgenmode stable_secret" in veth_peer.ip("-d", "link", "show", dev).stdout
    kernel = peer_link_local(veth_peer)
    ours = addr_to_str(a6("fe80::")[:8] + stable_interface_id(a6(secret), a6("fe80::"), bytes(6))[0])
    assert kernel == ours
