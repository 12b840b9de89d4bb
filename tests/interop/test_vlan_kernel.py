"""VLAN links against a Linux host on a veth.

The kernel here has no 8021q module, so the Linux side speaks VLANs through a
raw AF_PACKET socket: it sends 802.1Q (and QinQ) tagged ARP requests and echo
requests to our VLAN links and reads our tagged replies (the kernel hands the
outer tag of a received frame over in PACKET_AUXDATA; the sniffer puts it back
as libpcap does).  tshark captures on the Linux end of the veth: every frame our
stack sent there is, byte for byte and tags included, a frame our capture says
we sent, and tshark's dissection of each agrees with ours.  Frames of a VLAN we
have no link for are counted as dropped.
"""
from __future__ import annotations

import struct
import subprocess
import sys
import time

import pytest

from stack.capfile import read
from stack.wire.dissect import dissect
from stack.wire.ethernet import BROADCAST, ETH_P_ARP, ETH_P_IP, mac_from_str
from stack.wire.ipv4 import addr_from_str
from tests.checker import arp, echo_packet, expect_frame
from tests.tools import need
from tests.tshark import compare, our_fields, tshark_fields

from .stackrun import stack_on, wait_for
from .test_cli_kernel import ROOT

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

OUR_IP, THEIR_IP = addr_from_str("198.51.100.1"), addr_from_str("198.51.100.2")
QINQ = [("s20", {"protocol": "802.1ad", "id": "20"}), ("c30", {"id": "30"})]
DOT1Q = [("v10", {"id": "10"})]


def tagged(dst: bytes, src: bytes, tags: list, ethertype: int, payload: bytes) -> bytes:
    body = bytes(payload) + bytes(max(0, 46 - len(payload)))
    return dst + src + b"".join(struct.pack("!HH", *t) for t in tags) + struct.pack("!H", ethertype) + body


def start_tshark(peer, path):
    need("tshark")
    dump = peer.popen("tshark", "-i", peer.peer_dev, "-w", str(path), "-F", "pcap", "-q")
    deadline = time.monotonic() + 15
    line = ""
    while "Capturing on" not in line and time.monotonic() < deadline and dump.poll() is None:
        line = dump.stderr.readline()
    assert "Capturing on" in line, f"tshark did not start: {line!r}"
    time.sleep(0.3)
    return dump


def make_chain(proxy, parent: str, chain: list) -> str:
    lower = parent
    for name, options in chain:
        proxy.link_add(name, "vlan", {"link": lower, **options})
        proxy.inet6_conf(name, disable_ipv6=True)      # a quiet wire: only the frames a test sends
        proxy.link_set(name, up=True)
        lower = name
    proxy.addr_add(lower, OUR_IP, 24)
    return lower


def is_reply(frame: bytes, tags: list, ethertype: int) -> bool:
    head = b"".join(struct.pack("!HH", *t) for t in tags) + struct.pack("!H", ethertype)
    return frame[12:12 + len(head)] == head


@pytest.mark.parametrize("chain, tags", [
    (DOT1Q, [(0x8100, 10)]),
    (QINQ, [(0x88A8, 20), (0x8100, 30)]),
], ids=["802.1Q", "QinQ"])
def test_linux_arps_and_pings_our_vlan_link_and_tshark_sees_what_we_sent(veth_peer, tmp_path, chain, tags):
    peer = veth_peer
    their_mac = mac_from_str(peer.peer_mac)
    pcap = tmp_path / "peer.pcap"
    with stack_on(peer, address=None, ipv6=False) as (proxy, _runtime):
        proxy.capture_start(dev=peer.stack_dev)
        dump = start_tshark(peer, pcap)
        top = make_chain(proxy, peer.stack_dev, chain)
        our_mac = mac_from_str(proxy.link_list(top)[0]["address"])
        request = tagged(BROADCAST, their_mac, tags, ETH_P_ARP,
                         arp(1, their_mac, THEIR_IP, bytes(6), OUR_IP))
        echo = tagged(our_mac, their_mac, tags, ETH_P_IP, echo_packet(THEIR_IP, OUR_IP, seq=1))
        with peer.sniffer(timeout=3.0, tags=True) as sniffer:
            peer.send_raw(request)
            time.sleep(0.3)
            peer.send_raw(echo)
            time.sleep(0.5)
            sniffer.stop()
        frames = sniffer.frames
        arp_replies = [f for f in frames if is_reply(f, tags, ETH_P_ARP) and f[:6] == their_mac]
        echo_replies = [f for f in frames if is_reply(f, tags, ETH_P_IP)]
        assert len(arp_replies) == 1 and len(echo_replies) == 1, [f.hex() for f in frames]
        expect_frame(arp_replies[0], arp={"opcode": 2, "src.proto_ipv4": OUR_IP,
                                          "src.hw_mac": our_mac, "dst.proto_ipv4": THEIR_IP})
        expect_frame(echo_replies[0], vlan={"id": tags[-1][1]}, ip={"src": OUR_IP, "dst": THEIR_IP},
                     icmp={"type": 0, "seq": 1})
        top_stats = proxy.link_list(top)[0]["stats64"]
        assert top_stats["rx"]["packets"] == 2 and top_stats["tx"]["packets"] == 3   # + announcement
        assert wait_for(lambda: len([p for p in proxy.capture_packets() if p.direction == "out"]) >= 3, 5)
        sent = [p.data for p in proxy.capture_packets() if p.direction == "out"]
        time.sleep(0.5)
        dump.terminate()
        dump.wait(timeout=10)
    seen = [rec.data for rec in read(pcap) if rec.data[6:12] == our_mac]
    assert seen == sent and len(sent) == 3          # announcement, ARP reply, echo reply
    assert all(frame[12:12 + 4 * len(tags)] == b"".join(struct.pack("!HH", *t) for t in tags)
               for frame in seen)
    records = list(read(pcap))
    theirs = tshark_fields(pcap)
    assert len(theirs) == len(records)
    layers = set()
    for rec, fields in zip(records, theirs):
        d = dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns)
        layers.update(layer.name for layer in d.layers)
        assert compare(our_fields(d), fields) == [], d.summary()
    assert {"vlan", "arp", "icmp"} <= layers and ("ieee8021ad" in layers) == (len(tags) == 2)


def test_frames_of_a_vlan_we_have_no_link_for_are_counted_as_dropped(veth_peer):
    peer = veth_peer
    their_mac = mac_from_str(peer.peer_mac)
    with stack_on(peer, address=None, ipv6=False) as (proxy, _runtime):
        make_chain(proxy, peer.stack_dev, DOT1Q)
        unknown = [tagged(BROADCAST, their_mac, t, ETH_P_ARP, arp(1, their_mac, THEIR_IP, bytes(6), OUR_IP))
                   for t in ([(0x8100, 99)], [(0x88A8, 10)], [(0x8100, 4095)])]
        with peer.sniffer(timeout=1.5, tags=True) as sniffer:
            peer.send_raw(unknown)
        assert [f for f in sniffer.frames if f[6:12] != their_mac] == []    # nothing answered
        assert wait_for(lambda: proxy.stats("Drop")["Drop"].get("VLAN_UNKNOWN", 0) == 3, 5)
        veth = proxy.link_list(peer.stack_dev)[0]["stats64"]["rx"]
        assert veth["dropped"] == 3
        assert proxy.link_list("v10")[0]["stats64"]["rx"]["packets"] == 0


def test_the_netsh_program_makes_a_vlan_link_in_ips_words_and_counts_what_linux_sends(veth_peer, tmp_path):
    peer = veth_peer
    dev = peer.stack_dev
    their_mac = mac_from_str(peer.peer_mac)
    batch = (f"link attach {dev} name {dev} address 02:00:00:00:01:01\n"
             f"link set {dev} up\n"
             f"ip link add link {dev} name {dev}.10 type vlan id 10\n"
             f"link set {dev}.10 up\n"
             f"addr add 198.51.100.1/24 dev {dev}.10\n"
             "sleep 6\n"
             f"-s -d link show {dev}.10\n"
             "stats Drop\n")
    path = tmp_path / "vlan.batch"
    path.write_text(batch)
    proc = subprocess.Popen([sys.executable, "-m", "netsh", "-netns", peer.stack_ns, "-b", str(path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        request = tagged(BROADCAST, their_mac, [(0x8100, 10)], ETH_P_ARP,
                         arp(1, their_mac, THEIR_IP, bytes(6), OUR_IP))

        attempts = []

        def answered():
            with peer.sniffer(timeout=0.5, tags=True) as sniffer:
                attempts.append(peer.send_raw(request))
            return [f for f in sniffer.frames if is_reply(f, [(0x8100, 10)], ETH_P_ARP)
                    and f[:6] == their_mac]
        replies = wait_for(answered, 5, interval=0.0)
        assert replies, "no tagged ARP reply from the stack"
        peer.send_raw([tagged(BROADCAST, their_mac, [(0x8100, 11)], ETH_P_ARP,
                              arp(1, their_mac, THEIR_IP, bytes(6), OUR_IP))], count=2)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert any(line.startswith(f"3: {dev}.10@{dev}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
                               "state UP") for line in lines), out
    assert "    vlan protocol 802.1Q id 10 <REORDER_HDR> addrgenmode eui64 " in lines
    rx = lines[lines.index("    RX:  bytes packets errors dropped  missed   mcast           ") + 1].split()
    assert 1 <= int(rx[1]) <= len(attempts) and int(rx[3]) == 0     # VLAN 10's requests only
    assert any(line.startswith("DropVLAN_UNKNOWN") and line.split()[1] == "2" for line in lines), out
