"""Packet traces: the path a received frame took, the frames it caused, the counter that dropped it."""
import re
import types

from tests.checker import echo_packet, frame_to

from .lab import A_IP, B_IP, drain, two_hosts


def test_an_echo_request_is_followed_to_the_reply_it_caused():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.trace_add(dev="eth0", count=10, expression="icmp")
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    (record,) = b.api.trace_show()["records"]           # the ARP exchange did not match the filter
    assert record["verdict"] == "answered: 1 frame sent"
    steps = [(s["layer"], s["text"]) for s in record["steps"]]
    # every check on the way in, one step each, in the order the stack makes them
    assert [layer for layer, _ in steps] == (["link"] + ["ethernet"] * 2 + ["ipv4"] * 8 + ["icmp"] * 3
                                             + ["ipv4"] * 3 + ["neigh", "link"])
    texts = [text for _, text in steps]
    mac_a, mac_b = (w[n].links["eth0"].mac.hex(":") for n in "ab")
    assert texts[:3] == ["rx on eth0: 98 bytes",
                         f"{mac_a} → {mac_b}: destination is ours (eth0): taken",
                         "ethertype 0x0800 (IPv4) → IPv4.receive"]
    assert texts[3:5] == ["version 4", "header length 20 ≤ 84 captured"]
    assert re.fullmatch(r"header checksum 0x[0-9a-f]{4} good", texts[5])
    assert texts[6:11] == ["total length 84 ≤ 84 available (padding 0)",
                           "source 192.0.2.1 is unicast and not ours: not a martian",
                           "destination 192.0.2.2 is local (route local 192.0.2.2 dev eth0 proto kernel scope host"
                               " src 192.0.2.2): deliver here",
                           "not a fragment (DF, offset 0)",
                           "protocol 1 (ICMP), ttl 64 → Icmp.receive"]
    assert texts[11] == "length 64 ≥ 8" and re.fullmatch(r"checksum 0x[0-9a-f]{4} good", texts[12])
    assert texts[13] == ("type 8 code 0 (Echo (ping) request) id 0x0001 seq 1: "
                         "answer with an echo reply of 64 bytes to 192.0.2.1")
    assert texts[14:] == [
        "output to 192.0.2.1: route 192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 "
        "(rule 32766: from all lookup main); "
        "next hop 192.0.2.1 (on link)",
        "source 192.0.2.2: set by the protocol sending it",
        "length 84 ≤ mtu 1500",
        f"192.0.2.1 dev eth0: STALE: sent to {mac_a}, and the entry goes to DELAY",   # b learnt a from its ARP request
        f"tx on eth0: 98 bytes to {mac_a}"]


def test_an_arp_request_shows_each_check_and_the_neighbour_update():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.arp.table.flush()
    b.api.trace_add(count=1)
    session = a.api.ping_open(B_IP, 8)
    a.api.ping_send(session, 1)
    w.settle()
    (record,) = b.api.trace_show()["records"]
    mac_a = a.links["eth0"].mac.hex(":")
    assert [(s["layer"], s["text"]) for s in record["steps"]][2:] == [
        ("ethernet", "ethertype 0x0806 (ARP) → Arp.receive"),
        ("arp", "hardware type 1 (Ethernet), address length 6"),
        ("arp", "protocol type 0x0800 (IPv4), address length 4"),
        ("arp", "opcode 1 (request)"),
        ("arp", f"sender 192.0.2.1 is at {mac_a}"),
        ("arp", "target 192.0.2.2 is ours"),
        ("arp", f"a request for us: learn 192.0.2.1 (an entry is made if none); reply to {mac_a}"),
        ("neigh", f"192.0.2.1 dev eth0 lladdr {mac_a}: new entry, STALE"),
        ("link", f"tx on eth0: 60 bytes to {mac_a}")]
    assert record["steps"][1]["text"].endswith("destination is broadcast: for every host on the link, taken")


def test_an_armed_idle_trace_costs_only_its_filter():
    """With no capture, the receive tap is the BPF program's own filter: no Python frame per frame."""
    w = two_hosts()
    b = w["b"]
    b.api.trace_add(dev="eth0", count=3, expression="udp port 9")
    tap = b.links["eth0"].rx_tap
    assert isinstance(tap, types.BuiltinMethodType) and tap.__self__ is b.tracer.program
    assert b.links["lo"].rx_tap is None


def test_explaining_runs_only_for_a_traced_frame_and_a_fault_in_it_changes_nothing(monkeypatch):
    w = two_hosts()
    a, b = w["a"], w["b"]

    def broken(rec, pkt):
        raise ValueError("explainer bug")
    monkeypatch.setattr(b.ipv4, "explain_receive", broken)
    session = a.api.ping_open(B_IP, 8)
    a.api.ping_send(session, 1)                      # untraced: the explainer is never called
    w.settle()
    b.api.trace_add(count=1)
    a.api.ping_send(session, 2)                      # traced: it fails, the packet is still answered
    w.settle()
    assert [e.seq for e in drain(session)] == [1, 2]
    (record,) = b.api.trace_show()["records"]
    assert record["verdict"] == "answered: 1 frame sent"
    assert [s["text"] for s in record["steps"] if s["layer"] == "trace"] == [
        f"{broken.__qualname__} failed: ValueError: explainer bug"]


def test_a_dropped_frame_names_its_drop_counter():
    w = two_hosts()
    b = w["b"]
    b.api.trace_add(count=1)
    bad = bytearray(echo_packet(src=A_IP, dst=B_IP))
    bad[10] ^= 0xFF
    b.links["eth0"].deliver(frame_to(b, bytes(bad)))
    (record,) = b.api.trace_show()["records"]
    assert record["verdict"] == "dropped: IP_CSUM"
    assert record["steps"][-1]["text"].startswith("IP_CSUM: IPv4 header checksum wrong")


def test_count_runs_out_and_the_taps_close():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.trace_add(count=2)
    assert b.links["eth0"].rx_tap is not None
    session = a.api.ping_open(B_IP, 8)
    for seq in (1, 2, 3):
        a.api.ping_send(session, seq)
        w.settle()
    assert len(b.api.trace_show()["records"]) == 2
    assert b.links["eth0"].rx_tap is None
    assert b.api.trace_clear() == 2 and b.api.trace_show()["records"] == []


def test_trace_and_capture_together():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.capture_start()
    b.api.trace_add(count=5)
    session = a.api.ping_open(B_IP, 8)
    a.api.ping_send(session, 1)
    w.settle()
    b.api.capture_stop()
    assert len(b.api.capture_packets()) == 4 and len(b.api.trace_show()["records"]) == 2
    assert b.links["eth0"].rx_tap is not None        # the trace still wants frames


def test_trace_records_are_bounded_and_the_overflow_counted():
    from stack import trace
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.api.trace_add(count=50)
    b.tracer.records = trace.deque(maxlen=3)
    session = a.api.ping_open(B_IP, 8)
    for seq in range(1, 4):
        a.api.ping_send(session, seq)
        w.settle()
    shown = b.api.trace_show()
    assert len(shown["records"]) == 3
    # b received 4 frames (the ARP request, then 3 echo requests); the bound kept 3
    assert shown["overflow"] == 1
    assert [r["number"] for r in shown["records"]] == [2, 3, 4]
