"""IPv6 against the Linux kernel on one veth: ping both ways (link-local and global), NDP
seen from the kernel's neighbour table, DAD against an address Linux holds, and our frames
as tshark reads them on the Linux side (ICMPv6 checksums good)."""
import subprocess
import time

import pytest

from stack.l3.addrconf import link_local_address
from stack.wire.ethernet import mac_from_str
from stack.wire.ipv6 import addr_from_str as a6, addr_to_str
from tests.checker import expect_counters
from tests.tools import need

from .stackrun import stack_on, wait_for
from .test_cli_kernel import netsh

pytestmark = pytest.mark.veth_ipv6

STACK_IP6 = "2001:db8::1"


def addresses(proxy, dev="veth0") -> dict:
    return {row["local"]: row for row in proxy.addr_list(dev)[0]["addr_info"] if row["family"] == "inet6"}


def usable(proxy, address: str) -> bool:
    row = addresses(proxy).get(address)
    return row is not None and not row.get("tentative")


def our_link_local(proxy) -> str:
    return addr_to_str(link_local_address(mac_from_str(proxy.link_list("veth0")[0]["address"])))


def peer_link_local(peer) -> str:
    return addr_to_str(link_local_address(mac_from_str(peer.peer_mac)))


def test_linux_and_we_ping_each_other_link_local_and_global(veth_peer, tmp_path):
    need("tshark")
    pcap = tmp_path / "peer.pcap"
    with stack_on(veth_peer, address=None) as (proxy, _):
        proxy.addr_add("veth0", a6(STACK_IP6), 64)
        ours_ll = our_link_local(proxy)
        assert wait_for(lambda: usable(proxy, STACK_IP6) and usable(proxy, ours_ll), 5), addresses(proxy)
        dump = veth_peer.popen("tcpdump", "-U", "-n", "-i", veth_peer.peer_dev, "-w", str(pcap), "ip6")
        time.sleep(1.0)
        out = veth_peer.run("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", STACK_IP6).stdout
        assert "3 packets transmitted, 3 received, 0% packet loss" in out
        out = veth_peer.run("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                            f"{ours_ll}%{veth_peer.peer_dev}").stdout
        assert "3 packets transmitted, 3 received, 0% packet loss" in out
        kernel = veth_peer.ip("-6", "neigh", "show", "dev", veth_peer.peer_dev).stdout
        mac = proxy.link_list("veth0")[0]["address"]
        for address in (STACK_IP6, ours_ll):
            assert f"{address} lladdr {mac} REACHABLE" in kernel, kernel
        for dst, dev in ((a6(veth_peer.peer_ip6), None), (a6(peer_link_local(veth_peer)), "veth0")):
            session = proxy.ping_open(dst, 56, dev)
            events = []
            for seq in (1, 2, 3):
                proxy.ping_send(session, seq)
                events.append(session.replies.get(timeout=3))
            assert [(e.kind, e.seq, e.ttl, e.size) for e in events] == [("reply", s, 64, 64) for s in (1, 2, 3)]
            proxy.ping_close(session)
        # Linux's solicitation made it STALE here, our replies DELAY; the unicast probe after
        # delay_first_probe_time (5 s) is answered: REACHABLE.
        assert wait_for(lambda: any(r["dst"] == veth_peer.peer_ip6 and r["state"] == ["REACHABLE"]
                                    for r in proxy.neigh_list(family="inet6")), 8)
        expect_counters(proxy, Icmp6={"InCsumErrors": 0, "InEchos": 6, "OutEchoReplies": 6,
                                      "OutEchos": 6, "InEchoReplies": 6})
        time.sleep(0.5)
        dump.terminate()
        dump.wait(timeout=5)
    rows = subprocess.run(["tshark", "-r", str(pcap), "-Y", f"icmpv6 && eth.src == {mac}", "-T", "fields",
                           "-e", "icmpv6.type", "-e", "icmpv6.checksum.status", "-e", "ipv6.src"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.split("\n")
    seen = [row.split("\t") for row in rows if row]
    assert seen, "tshark saw no ICMPv6 from us"
    assert {status for _, status, _ in seen} == {"1"}, seen       # every checksum good
    types = {kind for kind, _, _ in seen}
    assert {"128", "129", "136"} <= types, types                   # echo both ways, advertisements


def test_a_duplicate_of_an_address_linux_holds_is_dadfailed(veth_peer):
    with stack_on(veth_peer, address=None) as (proxy, _):
        assert wait_for(lambda: usable(proxy, our_link_local(proxy)), 5)
        proxy.addr_add("veth0", a6(veth_peer.peer_ip6), 64)
        assert wait_for(lambda: addresses(proxy)[veth_peer.peer_ip6].get("dadfailed"), 5)
        row = addresses(proxy)[veth_peer.peer_ip6]
        assert row["tentative"] and row["scope"] == "global"
        local = [r["dst"] for r in proxy.route_list(family="inet6", table="local")]
        assert veth_peer.peer_ip6 not in local


def test_netsh_pings_linux_over_ipv6_as_ping_does(veth_peer, tmp_path):
    batch = (f"link attach {veth_peer.stack_dev} name {veth_peer.stack_dev}\n"
             f"link set {veth_peer.stack_dev} up\n"
             f"addr add {STACK_IP6}/64 dev {veth_peer.stack_dev}\n"
             "sleep 3\n"
             f"-6 addr show dev {veth_peer.stack_dev}\n"
             f"ping -6 -c 3 -i 0.2 {veth_peer.peer_ip6}\n"
             f"ping -c 2 -i 0.2 {peer_link_local(veth_peer)}%{veth_peer.stack_dev}\n"
             f"-6 neigh show\n")
    run = netsh(veth_peer, batch=batch, tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert f"    inet6 {STACK_IP6}/64 scope global \n       valid_lft forever preferred_lft forever" in out
    assert f"PING {veth_peer.peer_ip6}({veth_peer.peer_ip6}) 56 data bytes" in out
    assert out.count(f"64 bytes from {veth_peer.peer_ip6}: icmp_seq=") == 3
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    scoped = f"{peer_link_local(veth_peer)}%{veth_peer.stack_dev}"
    assert f"PING {scoped}({scoped}) 56 data bytes" in out
    assert out.count(f"64 bytes from {scoped}: icmp_seq=") == 2
    assert f"{veth_peer.peer_ip6} dev {veth_peer.stack_dev} lladdr {veth_peer.peer_mac}" in out


def router_advert(peer, prefix: str = "2001:db8:1::", lifetime: int = 1800) -> bytes:
    """A Router Advertisement from the peer's link-local, as radvd would send it: a /64 prefix
    to autoconfigure from (L and A set) and its link-layer address."""
    from stack.wire.icmpv6 import build
    mac = mac_from_str(peer.peer_mac)
    src, dst = link_local_address(mac), a6("ff02::1")
    body = bytes((64, 0)) + lifetime.to_bytes(2, "big") + bytes(8) + bytes((1, 1)) + mac
    body += bytes((3, 4, 64, 0xC0)) + (86400).to_bytes(4, "big") + (14400).to_bytes(4, "big") + bytes(4) + a6(prefix)
    msg = build(134, 0, body, src, dst)
    ip = bytes((0x60, 0, 0, 0)) + len(msg).to_bytes(2, "big") + bytes((58, 255)) + src + dst + msg
    return b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip


def test_slaac_from_an_advert_on_the_wire_and_linux_reaches_the_address(veth_peer):
    from stack.l3.addrconf import eui64_interface_id
    with stack_on(veth_peer, address=None) as (proxy, _):
        assert wait_for(lambda: usable(proxy, our_link_local(proxy)), 5)
        veth_peer.ip("-6", "addr", "add", "2001:db8:1::2/64", "dev", veth_peer.peer_dev, "nodad")
        veth_peer.send_raw(router_advert(veth_peer))
        mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        address = addr_to_str(a6("2001:db8:1::")[:8] + eui64_interface_id(mac))
        assert wait_for(lambda: usable(proxy, address), 5), addresses(proxy)
        row = addresses(proxy)[address]
        assert row["dynamic"] and 86000 < row["valid_life_time"] <= 86400
        default = [r for r in proxy.route_list(family="inet6") if r["dst"] == "default"]
        assert [(r["gateway"], r["protocol"], r["metric"]) for r in default] == [
            (peer_link_local(veth_peer), "ra", 1024)]
        out = veth_peer.run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", address).stdout
        assert "2 packets transmitted, 2 received, 0% packet loss" in out
