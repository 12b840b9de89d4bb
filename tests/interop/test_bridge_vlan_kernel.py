"""A VLAN-filtering netsh bridge between Linux hosts (this kernel has neither a filtering
bridge nor 8021q, so the tags are made and read with raw AF_PACKET sockets):

    h0  eth0 (trunk: tagged frames from a raw socket) --veth-- p0  VLANs 1 (pvid), 10, 20
    h1  eth0 192.0.2.1/24   --veth-- p1  VLAN 10 pvid untagged (access)
    h2  eth0 192.0.2.2/24   --veth-- p2  VLAN 20 pvid untagged (access)
    h3  eth0 192.0.2.3/24   --veth-- p3  VLAN 10 pvid untagged (access)
                               br0 (netsh, vlan_filtering 1) in its own namespace

Frames tagged on h0 reach only the access ports of their VLAN, untagged there (bridge(8):
pvid and untagged egress); a VLAN no port is in, and VLAN 1 where no access port is, reach
no one and are counted by reason; h1 and h3 ping each other in VLAN 10 while h2 (VLAN 20)
cannot reach them; what h1 sends leaves p0 tagged 10, and tshark on h0 reads the same tags
our capture on p0 says we sent.
"""
from __future__ import annotations

import contextlib
import subprocess
import time

import pytest

from netsh.lab import link_mac, netns_delete, offloads_off, run_in_ns
from stack.capfile import read
from stack.runtime import Runtime, StackProxy
from stack.wire.ethernet import BROADCAST, mac_from_str
from tests.interop.stackrun import wait_for
from tests.interop.test_vlan_kernel import start_tshark
from tests.netns import RawSniffer, _names, require_netns, send_raw
from tests.tshark import tshark_fields

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

HOSTS = 4
HOST_IP = {1: "192.0.2.1", 2: "192.0.2.2", 3: "192.0.2.3"}
ACCESS = {1: 10, 2: 20, 3: 10}
ETH_P_TEST = 0x88B5


class VlanBridge:
    def __init__(self):
        base = _names()
        self.stack_ns = base + "-stack"
        self.hosts = [f"{base}-h{i}" for i in range(HOSTS)]
        self.made: list[str] = []
        self.macs: list[bytes] = []
        self.runtime = None
        self.proxy = None

    def build(self):
        for ns in [self.stack_ns, *self.hosts]:
            self.made.append(ns)
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)
        for i, host in enumerate(self.hosts):
            run_in_ns(self.stack_ns, "ip", "link", "add", f"p{i}", "type", "veth",
                      "peer", "name", "eth0", "netns", host)
            offloads_off(self.stack_ns, f"p{i}")
            offloads_off(host, "eth0")
            run_in_ns(host, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            run_in_ns(self.stack_ns, "ip", "link", "set", f"p{i}", "up")
            if i in HOST_IP:
                run_in_ns(host, "ip", "addr", "add", f"{HOST_IP[i]}/24", "dev", "eth0")
            run_in_ns(host, "ip", "link", "set", "eth0", "up")
            self.macs.append(mac_from_str(link_mac(host, "eth0")))
        self.runtime = Runtime(netns=self.stack_ns).start()
        self.proxy = proxy = StackProxy(self.runtime)
        proxy.link_add("br0", "bridge", {"vlan_filtering": "1"})
        for i in range(HOSTS):
            proxy.link_attach(f"p{i}", name=f"p{i}")
            proxy.link_set(f"p{i}", up=True, master="br0")
        proxy.bridge_vlan_add("p0", 10)
        proxy.bridge_vlan_add("p0", 20)
        for i, vid in ACCESS.items():
            proxy.bridge_vlan_del(f"p{i}", 1)
            proxy.bridge_vlan_add(f"p{i}", vid, pvid=True, untagged=True)
        proxy.link_set("br0", up=True)
        return self

    def down(self):
        if self.runtime is not None:
            self.runtime.stop()
        for ns in reversed(self.made):
            with contextlib.suppress(Exception):
                netns_delete(ns)

    def sniffers(self, timeout: float = 2.0) -> dict:
        return {i: RawSniffer(self.hosts[i], "eth0", timeout=timeout, tags=True).start()
                for i in range(HOSTS)}

    def drops(self) -> dict:
        return self.proxy.stats("Drop")["Drop"]


@pytest.fixture
def lab():
    require_netns()
    bridge = VlanBridge()
    try:
        yield bridge.build()
    finally:
        bridge.down()


def test_frame(src: bytes, vid: int | None, marker: int) -> bytes:
    tag = b"" if vid is None else b"\x81\x00" + vid.to_bytes(2, "big")
    return BROADCAST + src + tag + ETH_P_TEST.to_bytes(2, "big") + marker.to_bytes(2, "big") + bytes(44)


test_frame.__test__ = False         # a helper, not a test


def markers(frames: list, src: bytes) -> dict:
    """{marker: VLAN id or None} of the test frames from `src` among `frames`."""
    seen = {}
    for frame in frames:
        if frame[6:12] != src:
            continue
        vid = None
        body = frame[12:]
        if body[:2] == b"\x81\x00":
            vid = int.from_bytes(body[2:4], "big") & 0xFFF
            body = body[4:]
        if body[:2] == ETH_P_TEST.to_bytes(2, "big"):
            seen[int.from_bytes(body[2:4], "big")] = vid
    return seen


def test_tagged_frames_reach_only_the_access_ports_of_their_vlan_untagged(lab):
    src = lab.macs[0]
    before = lab.drops()
    sniffers = lab.sniffers()
    sent = {10: test_frame(src, 10, 10), 20: test_frame(src, 20, 20),
            30: test_frame(src, 30, 30), 1: test_frame(src, None, 1)}
    send_raw(lab.hosts[0], "eth0", list(sent.values()))
    time.sleep(0.8)
    seen = {i: markers(sniffer.stop(), src) for i, sniffer in sniffers.items()}
    assert seen[1] == {10: None} and seen[3] == {10: None}       # VLAN 10, untagged
    assert seen[2] == {20: None}                                  # VLAN 20, untagged
    after = lab.drops()
    # VLAN 30: p0 is not in it (counted); untagged, VLAN 1 (p0's pvid): only br0 is in it
    assert after.get("BRIDGE_VLAN_FILTERED", 0) - before.get("BRIDGE_VLAN_FILTERED", 0) == 1
    rows = {(r["mac"], r.get("vlan")): r["ifname"] for r in lab.proxy.fdb_show(br="br0")
            if r["state"] == ""}
    assert rows.get((link_mac(lab.hosts[0], "eth0"), 10)) == "p0"
    assert rows.get((link_mac(lab.hosts[0], "eth0"), 20)) == "p0"


def test_hosts_of_one_vlan_ping_and_another_vlan_is_not_reached(lab):
    ok = run_in_ns(lab.hosts[1], "ping", "-c", "3", "-i", "0.2", "-W", "2", HOST_IP[3],
                   check=False, timeout=30)
    assert ok.returncode == 0, ok.stdout
    cut = run_in_ns(lab.hosts[1], "ping", "-c", "2", "-i", "0.2", "-W", "1", HOST_IP[2],
                    check=False, timeout=30)
    assert cut.returncode != 0
    rows = lab.proxy.bridge_vlan_show(dev="p1")
    assert rows == [{"ifname": "p1", "vlans": [{"vlan": 10, "flags": ["PVID", "Egress Untagged"]}]}]


def test_untagged_ingress_leaves_the_trunk_tagged_and_tshark_reads_our_tags(lab, tmp_path):
    pcap = tmp_path / "h0.pcap"

    class Peer:                     # what start_tshark needs of a peer
        peer_dev = "eth0"

        @staticmethod
        def popen(*argv):
            return subprocess.Popen(["ip", "netns", "exec", lab.hosts[0], *argv],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    lab.proxy.capture_start(dev="p0")
    dump = start_tshark(Peer, pcap)
    try:
        src = lab.macs[1]
        send_raw(lab.hosts[1], "eth0", [test_frame(src, None, 7), test_frame(src, 0, 8)])
        assert wait_for(lambda: len([p for p in lab.proxy.capture_packets()
                                     if p.direction == "out" and p.data[6:12] == src]) >= 2, 5)
        time.sleep(0.5)
    finally:
        dump.terminate()
        dump.wait(timeout=10)
    sent = [p.data for p in lab.proxy.capture_packets() if p.direction == "out" and p.data[6:12] == src]
    assert markers(sent, src) == {7: 10, 8: 10}       # untagged and priority-tagged: pvid 10
    records = list(read(pcap))
    theirs = tshark_fields(pcap)
    from_h1 = [(rec.data, fields) for rec, fields in zip(records, theirs) if rec.data[6:12] == src]
    assert [data for data, _ in from_h1] == sent
    assert [fields.get("vlan.id") for _, fields in from_h1] == [["10"], ["10"]]
