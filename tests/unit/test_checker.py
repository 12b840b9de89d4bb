"""tests/checker.py itself: its builders make what the dissector reads, its checks name each
mismatch."""
import pytest

from stack.wire.ethernet import ETH_P_IP
from tests.checker import (A_IP, B_IP, PEER_MAC, counters, echo_packet, ethernet, expect_counters,
                           expect_frame, frame_to, ipv4, udp)

from .lab import two_hosts

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS


def test_expect_frame_passes_on_the_fields_the_builders_wrote():
    frame = ethernet(b"\x02" * 6, PEER_MAC, ETH_P_IP, ipv4(A_IP, B_IP, 17, udp(5000, 53, b"q", A_IP, B_IP)))
    expect_frame(frame, eth={"src": PEER_MAC, "type": ETH_P_IP},
                 ip={"src": A_IP, "dst": B_IP, "proto": 17, "ttl": 64, "checksum.status": 1},
                 udp={"srcport": 5000, "dstport": 53, "length": 9, "checksum.status": 1})


def test_expect_frame_names_every_mismatch_missing_field_and_missing_layer():
    frame = ethernet(b"\x02" * 6, PEER_MAC, ETH_P_IP, echo_packet())
    with pytest.raises(AssertionError) as failure:
        expect_frame(frame, ip={"ttl": 1, "nosuch": 0}, icmp={"type": 8}, udp={"srcport": 1})
    message = str(failure.value)
    assert "ip.ttl: 64, expected 1" in message and "ip.nosuch: missing" in message
    assert "no udp layer (layers: eth, ip, icmp" in message and "icmp.type" not in message


def test_expect_counters_checks_values_and_deltas():
    w = two_hosts()
    b = w["b"]
    before = counters(b, "Icmp", "Ip")
    b.links["eth0"].deliver(frame_to(b, bytes(echo_packet())))
    expect_counters(b, since=before, Icmp={"InEchos": 1}, Ip={"InReceives": 1, "InHdrErrors": 0})
    with pytest.raises(AssertionError, match="Icmp InEchos is 1, expected 2"):
        expect_counters(b, Icmp={"InEchos": 2})
    with pytest.raises(AssertionError, match="Ip InReceives went up by 1, expected 0"):
        expect_counters(b, since=before, Ip={"InReceives": 0})
