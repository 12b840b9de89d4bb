"""Our stack and the Linux kernel on one veth: ping, ARP, NUD, malformed frames."""
import re

import pytest

from stack.wire.dissect import dissect
from stack.wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, mac_from_str
from stack.wire.ipv4 import PROTO_ICMP, addr_from_str
from tests.checker import arp, ethernet, expect_counters, expect_frame, fix_csum, icmp_echo, ipv4

from .stackrun import stack_on, wait_for


STACK_IP = "192.0.2.1"


def neigh_state(proxy, dst):
    for row in proxy.neigh_list():
        if row["dst"] == dst:
            return row["state"][0]
    return None


def test_linux_pings_us_and_both_sides_learn_each_other(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        link = proxy.link_list("veth0")[0]
        assert link["pcap_immediate"] is True, "immediate mode fell back: receive latency is 1 ms"
        out = veth_peer.run("ping", "-c", "5", "-i", "0.2", "-W", "2", STACK_IP).stdout
        assert "5 packets transmitted, 5 received, 0% packet loss" in out
        # Linux's ARP request made us STALE, our replies DELAY; the unicast probe
        # after delay_first_probe_time (5 s) is answered: REACHABLE.
        assert wait_for(lambda: neigh_state(proxy, veth_peer.peer_ip) == "REACHABLE", 10)
        kernel = veth_peer.ip("neigh", "show", STACK_IP).stdout
        assert link["address"] in kernel
        expect_counters(proxy, Icmp={"InEchos": 5, "OutEchoReps": 5}, Drop={"IP_CSUM": 0})


def test_we_ping_linux_and_an_absent_host(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        session = proxy.ping_open(addr_from_str(veth_peer.peer_ip), 56)
        replies = []
        for seq in range(1, 6):
            proxy.ping_send(session, seq)
            replies.append(session.replies.get(timeout=3))
        assert [(e.kind, e.seq, e.ttl, e.size) for e in replies] == [
            ("reply", s, 64, 64) for s in range(1, 6)]
        assert all(0 < e.rtt_ms < 100 for e in replies)
        absent = proxy.ping_open(addr_from_str("192.0.2.99"), 56)
        proxy.ping_send(absent, 1)
        event = absent.replies.get(timeout=6)
        assert (event.kind, event.message) == ("error", "Destination Host Unreachable")
        assert neigh_state(proxy, "192.0.2.99") == "FAILED"


def test_arping_is_answered(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        mac = proxy.link_list("veth0")[0]["address"]
        out = veth_peer.run("arping", "-c", "3", "-i", veth_peer.peer_dev, STACK_IP, check=False).stdout
        assert len(re.findall(re.escape(mac), out)) == 3, out
        assert proxy.stats("ArpStats")["ArpStats"]["OutReplies"] >= 3


def test_gratuitous_arp_on_address_add(veth_peer):
    with stack_on(veth_peer, address=None) as (proxy, _):
        mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        with veth_peer.sniffer(count=1, timeout=5) as sniffer:
            proxy.addr_add("veth0", addr_from_str("192.0.2.5"), 24)
        (frame,) = sniffer.frames
        new = addr_from_str("192.0.2.5")           # a request whose sender and target are ours
        expect_frame(frame, eth={"dst": BROADCAST, "src": mac, "type": ETH_P_ARP},
                     arp={"opcode": 1, "src.hw_mac": mac, "src.proto_ipv4": new, "dst.proto_ipv4": new})


def _echo(src, dst, tweak=None, tail=b""):
    packet = ipv4(src, dst, PROTO_ICMP, icmp_echo(0x1234, 1, b"x" * 32), ident=7)
    if tweak:
        tweak(packet)
    return bytes(packet) + tail


MALFORMED = {
    "IP_CSUM": lambda p: p.__setitem__(10, p[10] ^ 0xFF),
    "IP_INHDR": lambda p: (p.__setitem__(0, 0x43), fix_csum(p)),
    "PKT_TOO_SMALL": lambda p: (p.__setitem__(slice(2, 4), (200).to_bytes(2, "big")), fix_csum(p)),
}


@pytest.mark.usefixtures("checksums_on")      # the inspector flags a bad IPv4 checksum when asked to
def test_malformed_frames_are_dropped_by_name_and_we_keep_answering(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        ours = mac_from_str(proxy.link_list("veth0")[0]["address"])
        theirs = mac_from_str(veth_peer.peer_mac)
        src, dst = addr_from_str(veth_peer.peer_ip), addr_from_str(STACK_IP)
        frames = {reason: ethernet(ours, theirs, ETH_P_IP, _echo(src, dst, tweak))
                  for reason, tweak in MALFORMED.items()}
        frames["truncated"] = ethernet(ours, theirs, ETH_P_IP, _echo(src, dst)[:16])
        frames["ihl-beyond-data"] = ethernet(
            ours, theirs, ETH_P_IP, _echo(src, dst, lambda p: (p.__setitem__(0, 0x4F), fix_csum(p)))[:40])
        for frame in frames.values():
            assert dissect(frame).problems, frame.hex()      # the inspector flags each too
            veth_peer.send_raw(frame)
        expected = {"IP_CSUM": 1, "IP_INHDR": 1, "PKT_TOO_SMALL": 3}

        def drops():
            d = proxy.stats("Drop")["Drop"]
            return d if all(d.get(k, 0) >= v for k, v in expected.items()) else None
        got = wait_for(drops, 5)
        assert got, proxy.stats("Drop")
        ip = proxy.stats("Ip")["Ip"]
        assert ip["InHdrErrors"] >= 2
        assert proxy.stats("IpExt")["IpExt"]["InCsumErrors"] == 1
        assert proxy.stats("IpExt")["IpExt"]["InTruncatedPkts"] == 3
        out = veth_peer.run("ping", "-c", "3", "-i", "0.2", "-W", "2", STACK_IP).stdout
        assert "3 received" in out


def test_fallback_without_immediate_mode_is_reported_and_still_works(veth_peer, monkeypatch, caplog):
    monkeypatch.setenv("NETSH_NO_IMMEDIATE", "1")
    with caplog.at_level("WARNING", logger="netsh.stack"):
        with stack_on(veth_peer) as (proxy, _):
            assert proxy.link_list("veth0")[0]["pcap_immediate"] is False
            out = veth_peer.run("ping", "-c", "2", "-i", "0.2", STACK_IP).stdout
            assert "2 received" in out
    assert any("immediate mode unavailable" in r.getMessage() for r in caplog.records)


def test_malformed_arp_is_dropped_by_name(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        theirs = mac_from_str(veth_peer.peer_mac)
        eth = ethernet(BROADCAST, theirs, ETH_P_ARP)
        body = arp(1, theirs, addr_from_str(veth_peer.peer_ip), bytes(6), addr_from_str(STACK_IP))
        bad = [eth + body[:20],                                   # truncated
               eth + b"\x00\x06" + body[2:],                      # not Ethernet hardware
               eth + body[:7] + b"\x09" + body[8:]]                # opcode 9
        assert dissect(bad[0]).problems                            # the inspector flags the cut one
        veth_peer.send_raw(bad)

        def counted():
            d = proxy.stats("Drop")["Drop"]
            return d.get("PKT_TOO_SMALL", 0) >= 1 and d.get("ARP_UNSUPPORTED", 0) >= 1 \
                and d.get("ARP_INVALID", 0) >= 1
        assert wait_for(counted, 5), proxy.stats("Drop")
        assert "2 received" in veth_peer.run("ping", "-c", "2", "-i", "0.2", STACK_IP).stdout
