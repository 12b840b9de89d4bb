"""Capture taps, BPF filters and the bounded ring, on stacks joined by a pair cable."""
import pytest

from stack.errors import StackError

from .lab import B_IP, drain, two_hosts


def ping(w, count=1, size=56):
    a = w["a"]
    session = a.api.ping_open(B_IP, size)
    for seq in range(1, count + 1):
        a.api.ping_send(session, seq)
        w.settle()
    return drain(session)


def test_taps_see_both_directions_with_the_wire_bytes():
    w = two_hosts()
    b = w["b"]
    b.api.capture_start(dev="eth0")
    ping(w)
    packets = b.api.capture_packets()
    # ARP request in, ARP reply out, echo request in, echo reply out
    assert [(p.number, p.direction, p.link) for p in packets] == [
        (1, "in", "eth0"), (2, "out", "eth0"), (3, "in", "eth0"), (4, "out", "eth0")]
    assert packets[1].data[12:14] == b"\x08\x06" and packets[3].data[12:14] == b"\x08\x00"
    assert all(p.orig_len == len(p.data) for p in packets)
    status = b.api.capture_stop()
    assert status["captured"] == 4 and not status["running"]
    assert b.links["eth0"].rx_tap is None and b.links["eth0"].tx_tap is None


def test_bpf_filter_count_and_snaplen():
    w = two_hosts()
    b = w["b"]
    b.api.capture_start(expression="icmp[icmptype] == icmp-echoreply or icmp[icmptype] == icmp-echo",
                    count=3, snaplen=40)
    ping(w, count=4)
    packets = b.api.capture_packets()
    assert len(packets) == 3
    assert all(len(p.data) == 40 and p.orig_len == 98 for p in packets)
    status = b.api.capture_status()
    assert status["running"] is False          # stopped itself after count
    assert status["seen"] > status["matched"] >= 3


def test_a_bad_filter_is_one_line_from_libpcap_and_nothing_starts():
    w = two_hosts()
    b = w["b"]
    with pytest.raises(StackError, match="bad filter 'icmp and and': can't parse filter expression: syntax error") as info:
        b.api.capture_start(expression="icmp and and")
    assert "\n" not in str(info.value)
    assert b.api.capture_status()["running"] is False
    assert b.links["eth0"].rx_tap is None and b.links["eth0"].tx_tap is None


def test_ring_is_bounded_and_counts_overflow():
    w = two_hosts()
    b = w["b"]
    b.ring.max_packets = 5
    b.api.capture_start()
    ping(w, count=5)
    status = b.api.capture_stop()
    assert status["ring_packets"] == 5
    assert status["ring_overflow"] == status["captured"] - 5 > 0
    assert [p.number for p in b.api.capture_packets()] == list(range(status["captured"] - 4, status["captured"] + 1))
    assert [p.number for p in b.api.capture_packets(last=2)] == [status["captured"] - 1, status["captured"]]
    newest = status["captured"]
    for number in range(newest - 4, newest + 1):           # by number: from either end of the ring
        assert [p.number for p in b.api.capture_packets(number=number)] == [number]
    for gone in (newest - 5, newest + 1):
        with pytest.raises(StackError, match=f"no packet {gone} in the capture ring"):
            b.api.capture_packets(number=gone)
    assert [p.number for p in b.api.capture_packets(start=newest - 1, count=9)] == [newest - 1, newest]


def test_capture_on_every_link_includes_links_added_later_and_loopback():
    w = two_hosts()
    a = w["a"]
    a.api.capture_start()
    a.api.link_add_pair("x0", "x1")
    assert a.links["x0"].rx_tap is not None
    session = a.api.ping_open(bytes([127, 0, 0, 1]), 8)
    a.api.ping_send(session, 1)
    w.settle()
    assert {p.link for p in a.api.capture_packets()} == {"lo"}
    a.api.capture_stop()
    assert all(link.rx_tap is None and link.tx_tap is None for link in a.links.values())


def test_one_capture_at_a_time_and_clear():
    w = two_hosts()
    b = w["b"]
    b.api.capture_start()
    with pytest.raises(StackError, match="already running"):
        b.api.capture_start()
    ping(w)
    b.api.capture_stop()
    assert b.api.capture_clear() == 4
    assert b.api.capture_packets() == []
    with pytest.raises(StackError, match="no packet 1"):
        b.api.capture_packets(number=1)


def test_clearing_a_running_capture_numbers_its_packets_from_1_again():
    w = two_hosts()
    b = w["b"]
    b.api.capture_start()
    ping(w)
    b.api.capture_clear()
    ping(w)
    assert [p.number for p in b.api.capture_packets()] == [1, 2]       # echo request in, reply out
    assert b.api.capture_status()["captured"] == 6                        # the session counts on


def test_replay_pushes_frames_through_the_receive_path():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.capture_start(dev="eth0")
    ping(w)
    b.api.capture_stop()
    frames = [p.data for p in b.api.capture_packets() if p.direction == "in"]
    before = b.icmp.mib.InEchos
    assert b.api.replay("eth0", frames) == 2
    assert b.icmp.mib.InEchos == before + 1
