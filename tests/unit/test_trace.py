"""Packet traces: the path a received frame took, the frames it caused, the counter that dropped it."""
from .lab import A_IP, B_IP, drain, two_hosts
from .test_icmp_ipv4 import echo_packet, frame_to


def test_an_echo_request_is_followed_to_the_reply_it_caused():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.trace_add(dev="eth0", count=10, expression="icmp")
    session = a.ping_open(B_IP, 56)
    a.ping_send(session, 1)
    w.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    (record,) = b.trace_show()["records"]           # the ARP exchange did not match the filter
    layers = [s["layer"] for s in record["steps"]]
    assert layers[:4] == ["link", "ethernet", "ipv4", "icmp"]
    assert "ipv4" in layers[4:] and layers[-1] == "link"
    texts = " | ".join(s["text"] for s in record["steps"])
    assert "output to 192.0.2.1: via eth0" in texts and "tx on eth0: 98 bytes" in texts


def test_a_dropped_frame_names_its_drop_counter():
    w = two_hosts()
    b = w["b"]
    b.trace_add(count=1)
    bad = bytearray(echo_packet(src=A_IP, dst=B_IP))
    bad[10] ^= 0xFF
    b.links["eth0"].deliver(frame_to(b, bytes(bad)))
    (record,) = b.trace_show()["records"]
    assert record["verdict"] == "dropped: IP_CSUM"
    assert record["steps"][-1]["text"].startswith("IP_CSUM: IPv4 header checksum wrong")


def test_count_runs_out_and_the_taps_close():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.trace_add(count=2)
    assert b.links["eth0"].rx_tap is not None
    session = a.ping_open(B_IP, 8)
    for seq in (1, 2, 3):
        a.ping_send(session, seq)
        w.settle()
    assert len(b.trace_show()["records"]) == 2
    assert b.links["eth0"].rx_tap is None
    assert b.trace_clear() == 2 and b.trace_show()["records"] == []


def test_trace_and_capture_together():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.capture_start()
    b.trace_add(count=5)
    session = a.ping_open(B_IP, 8)
    a.ping_send(session, 1)
    w.settle()
    b.capture_stop()
    assert len(b.capture_packets()) == 4 and len(b.trace_show()["records"]) == 2
    assert b.links["eth0"].rx_tap is not None        # the trace still wants frames


def test_trace_records_are_bounded_and_the_overflow_counted():
    from stack import trace
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.trace_add(count=50)
    b.tracer.records = trace.deque(maxlen=3)
    session = a.ping_open(B_IP, 8)
    for seq in range(1, 4):
        a.ping_send(session, seq)
        w.settle()
    shown = b.trace_show()
    assert len(shown["records"]) == 3
    # b received 4 frames (the ARP request, then 3 echo requests); the bound kept 3
    assert shown["overflow"] == 1
    assert [r["number"] for r in shown["records"]] == [2, 3, 4]
