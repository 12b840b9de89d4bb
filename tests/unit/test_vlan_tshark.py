"""Tagged frames, as our VLAN links send them and as a peer pads them, dissected by us and by
tshark: every field both name agrees (802.1Q, 802.1ad, QinQ, padding and the tag's trailer)."""
from __future__ import annotations

import struct

import pytest

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from stack.wire.ipv4 import addr_from_str
from tests.checker import echo_packet
from tests.tshark import compare, our_fields, tshark_fields, write_pcap

from .lab import World, drain

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

A_IP, B_IP = addr_from_str("192.0.2.1"), addr_from_str("192.0.2.2")
MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
CHAINS = {
    "802.1Q": [("v10", {"id": "10"})],
    "802.1ad": [("v10", {"protocol": "802.1ad", "id": "10"})],
    "QinQ": [("s20", {"protocol": "802.1ad", "id": "20"}), ("c30", {"id": "4094"})],
}


def frames_sent_by_vlan_links(chain) -> list[bytes]:
    """Every frame that crossed the cable while a pinged b over `chain` (ARP both ways, echo)."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    for stack, ip in (("a", A_IP), ("b", B_IP)):
        lower = "eth0"
        for name, options in chain:
            world[stack].api.link_add(name, "vlan", {"link": lower, **options})
            world[stack].api.link_set(name, up=True)
            lower = name
        world[stack].api.addr_add(lower, ip, 24)
    world["a"].api.capture_start(dev="eth0")
    session = world["a"].api.ping_open(B_IP, 56)
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    return [p.data for p in world["a"].api.capture_packets()]


def tagged(tags, ethertype: int, payload: bytes, size: int) -> bytes:
    frame = (MAC_B + MAC_A + b"".join(struct.pack("!HH", *t) for t in tags)
             + struct.pack("!H", ethertype) + bytes(payload))
    return frame + bytes(max(0, size - len(frame)))


FRAMES = {f"{name}-{i}": frame for name, chain in CHAINS.items()
          for i, frame in enumerate(frames_sent_by_vlan_links(chain))}
FRAMES.update({
    "1q-padded-to-60": tagged([(0x8100, 10)], 0x0800, echo_packet(), 60),
    "1q-padded-to-64": tagged([(0x8100, (3 << 13) | 10)], 0x0800, echo_packet(), 64),
    "qinq-padded-to-68": tagged([(0x88A8, 20), (0x8100, 30)], 0x0800, echo_packet(), 68),
    "qinq-long-trailer": tagged([(0x88A8, 20), (0x8100, 30)], 0x0800, echo_packet(payload=b"y" * 80), 140),
    "1ad-priority-dei": tagged([(0x88A8, (5 << 13) | (1 << 12) | 100)], 0x0800, echo_packet(), 64),
})


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    path = tmp_path_factory.mktemp("tshark") / "vlan.pcap"
    write_pcap(path, FRAMES.values())
    return dict(zip(FRAMES, tshark_fields(path)))


def test_ping_over_each_chain_crossed_the_cable_tagged():
    assert len([n for n in FRAMES if n.startswith("QinQ-")]) == 6     # announcements, ARP, echo
    for name, frame in FRAMES.items():
        if name.startswith("QinQ-"):
            assert frame[12:14] == b"\x88\xa8" and frame[16:18] == b"\x81\x00", name


@pytest.mark.parametrize("name", list(FRAMES))
def test_fields_agree_with_tshark(name, theirs):
    ours = our_fields(dissect(FRAMES[name]))
    tags = {"vlan.id", "ieee8021ad.id"} & set(theirs[name])
    assert tags and tags <= set(ours), sorted(ours)
    assert compare(ours, theirs[name], ignore={"data.data"}) == []


def test_padding_stops_at_60_bytes_and_the_rest_is_the_tags_trailer():
    d = dissect(FRAMES["qinq-padded-to-68"])
    pad, trailer = d.find("eth.padding"), d.find("vlan.trailer")
    assert (pad.offset, pad.length) == (58, 2) and (trailer.offset, trailer.length) == (60, 8)
    d = dissect(FRAMES["1q-padded-to-60"])
    assert d.find("eth.padding").length == 6 and d.find("vlan.trailer") is None
