"""Dissection of Ethernet, ARP, IPv4 and ICMP: fields with offsets, problems instead of exceptions."""
import pytest

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from tests.checker import arp_request, echo_packet, ethernet, expect_frame

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

FRAME = ethernet(b"\x02" * 6, b"\x04" * 6, 0x0800, echo_packet(payload=b"abcd" * 4))


def test_echo_request_fields_and_offsets():
    d = dissect(FRAME)
    assert [layer.name for layer in d.layers] == ["eth", "ip", "icmp"]
    expect_frame(FRAME, eth={"dst": b"\x02" * 6, "type": 0x0800},
                 ip={"ttl": 64, "proto": 1, "src": bytes([192, 0, 2, 1]), "flags.df": 0},
                 icmp={"type": 8, "code": 0, "ident": 7, "seq": 1})
    assert d.summary() == {"source": "192.0.2.1", "destination": "192.0.2.2", "protocol": "ICMP",
                           "length": 58, "info": "Echo (ping) request  id=0x0007, seq=1/256, ttl=64"}
    ttl = d.find("ip.ttl")
    assert (ttl.value, ttl.offset, ttl.length) == (64, 22, 1)
    df = d.find("ip.flags.df")
    assert (df.offset, df.mask, df.value) == (20, 0x40, 0)
    assert d.find("ip.checksum.status").display == "Good"
    assert d.find("icmp.checksum.status").display == "Good"
    assert d.problems == []


def test_every_node_lies_inside_the_frame():
    d = dissect(FRAME)
    for layer in d.layers:
        for node in layer.walk():
            assert 0 <= node.offset and node.offset + node.length <= len(FRAME), node.name


def test_truncation_at_every_length_never_raises():
    for cut in range(len(FRAME) + 1):
        d = dissect(FRAME[:cut])
        assert d.layers, cut
        if cut < 34:
            assert d.problems, cut


def test_bad_ip_checksum_is_shown_not_fatal():
    frame = bytearray(FRAME)
    frame[24] ^= 0xFF
    d = dissect(bytes(frame))
    assert d.find("ip.checksum.status").display == "Bad"
    assert d.find("icmp.type").value == 8
    assert any("bad checksum" in p for p in d.problems)


def test_padding_after_the_ip_packet_belongs_to_ethernet():
    d = dissect(FRAME + b"\0" * 2)
    pad = d.find("eth.padding")
    assert (pad.offset, pad.length) == (58, 2)
    assert d.find("icmp.checksum.status").display == "Good"
    assert d.find("eth.fcs") is None and d.find("eth.trailer") is None


def test_bytes_past_the_minimum_frame_end_in_an_fcs_as_tshark_guesses():
    """A 64-byte frame: padding to 60, the last 4 the FCS (tshark's guess when the capture does
    not say); a longer tail keeps its middle as a trailer."""
    d = dissect(FRAME + b"\0" * 6)
    assert (d.find("eth.padding").offset, d.find("eth.padding").length) == (58, 2)
    fcs = d.find("eth.fcs")
    assert (fcs.offset, fcs.display) == (60, "0x00000000 [unverified]")
    d = dissect(FRAME + b"\0" * 2 + b"TRAILER!" + b"\xde\xad\xbe\xef")
    assert d.find("eth.trailer").value == b"TRAILER!" and d.find("eth.fcs").value == 0xDEADBEEF


def test_snaplen_cut_payload_leaves_the_icmp_checksum_unverified():
    d = dissect(FRAME[:50])
    assert d.find("icmp.checksum.status").display == "Unverified"


def test_arp_request_summary():
    d = dissect(arp_request(tpa=bytes([192, 0, 2, 1]), sha=b"\x02\x00\x00\x00\x00\x01",
                            spa=bytes([192, 0, 2, 2])))
    assert d.summary()["info"] == "Who has 192.0.2.1? Tell 192.0.2.2"
    assert d.find("arp.src.hw_mac").display == "02:00:00:00:00:01"
