"""The impair link on in-process cables under a FakeClock: deterministic for a seed."""
from __future__ import annotations

import pytest

from stack.errors import StackError
from stack.packet import Packet
from tests.unit.lab import A_IP, B_IP, World, drain

ETH_P_TEST = 0x88B5         # IEEE local experimental ethertype: a handler of the test's own


def impaired_world(addresses: bool = False, **options) -> World:
    """a:eth0 <-> b:eth0; a's imp0 sits on eth0 with `options`; with `addresses` 192.0.2.1 on
    imp0 and .2 on b (whose gratuitous ARP then goes through the impairment too)."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    a = world["a"]
    a.api.link_add("imp0", "impair", {"link": "eth0", **options})
    for stack, dev in ((a, "eth0"), (a, "imp0"), (world["b"], "eth0")):    # only the frames sent here
        stack.api.inet6_conf(dev, disable_ipv6=True)
    a.api.link_set("imp0", up=True)
    if addresses:
        a.api.addr_add("imp0", A_IP, 24)
        world["b"].api.addr_add("eth0", B_IP, 24)
    world.settle()
    return world


def arrivals(stack) -> list:
    """(seq, time) of each test frame `stack` receives, as its ptype handler sees them."""
    seen = []
    stack.ethernet.register(ETH_P_TEST, lambda pkt: seen.append(
        (int.from_bytes(pkt.buf[pkt.data:pkt.data + 4], "big"), stack.now())))
    return seen


def test_frame(stack, link_name: str, seq: int, size: int = 46) -> bytes:
    mac = stack.links[link_name].mac
    return mac + b"\x02\x00\x00\x00\x00\x09" + ETH_P_TEST.to_bytes(2, "big") + \
        seq.to_bytes(4, "big") + bytes(size - 4)


test_frame.__test__ = False


def send_in(world, count: int, size: int = 46) -> None:
    """`count` test frames arrive on a's eth0 (then pass through imp0's impairment)."""
    a = world["a"]
    eth0 = a.links["eth0"]
    for seq in range(count):
        eth0.deliver(test_frame(a, "eth0", seq, size))
    world.settle()


def passed_with_loss(seed: int) -> list:
    world = impaired_world(loss="50%", seed=seed)
    seen = arrivals(world["a"])
    send_in(world, 1000)
    return [seq for seq, _ in seen]


def test_loss_drops_the_same_frames_on_every_run_and_about_half():
    first, second = passed_with_loss(1), passed_with_loss(1)
    assert first == second
    assert 400 < len(first) < 600
    assert passed_with_loss(2) != first


def test_loss_is_counted_by_the_link_and_by_name():
    world = impaired_world(loss="50", seed=1)
    a = world["a"]
    passed = arrivals(a)
    send_in(world, 100)
    xstats = a.api.link_list("imp0")[0]["linkinfo"]["info_xstats"]
    assert xstats["rx"]["dropped"] == 100 - len(passed) == a.drop["IMPAIR_LOSS"] > 0
    assert a.links["imp0"].stats.rx_packets == len(passed)
    assert a.links["eth0"].stats.rx_packets == 100


def test_delay_moves_each_frame_by_ten_ms_of_fake_time():
    world = impaired_world(delay="10ms", seed=1)
    seen = arrivals(world["a"])
    start = world.clock.now()
    send_in(world, 3)
    assert seen == []
    world.run(0.009, step=0.001)
    assert seen == []
    world.run(0.002, step=0.001)
    assert [seq for seq, _ in seen] == [0, 1, 2]
    assert all(when == pytest.approx(start + 0.010, abs=0.0011) for _, when in seen)
    assert world["a"].links["imp0"].ingress.counts["delayed"] == 3


def test_jitter_spreads_the_delay_within_its_bounds():
    world = impaired_world(delay="10", jitter="5", seed=3)
    seen = arrivals(world["a"])
    start = world.clock.now()
    send_in(world, 50)
    world.run(0.02, step=0.0005)
    delays = [when - start for _, when in seen]
    assert len(delays) == 50 and min(delays) >= 0.005 - 1e-9 and max(delays) <= 0.0155
    assert max(delays) - min(delays) > 0.004


def test_reorder_sends_some_frames_ahead_of_delayed_ones():
    world = impaired_world(delay="10", reorder="50%", seed=1)
    seen = arrivals(world["a"])
    send_in(world, 20)
    world.run(0.02, step=0.001)
    order = [seq for seq, _ in seen]
    reordered = world["a"].links["imp0"].ingress.counts["reordered"]
    assert sorted(order) == list(range(20))
    assert order != sorted(order) and 0 < reordered < 20
    assert order[:reordered] == sorted(order[:reordered])     # those went at once, in order


def test_duplicate_sends_frames_twice():
    world = impaired_world(duplicate="100%", seed=1)
    seen = arrivals(world["a"])
    send_in(world, 5)
    assert [seq for seq, _ in seen] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert world["a"].links["imp0"].ingress.counts["duplicated"] == 5


def test_corrupt_flips_one_bit_of_each_chosen_frame():
    world = impaired_world(corrupt="100%", seed=1)
    a = world["a"]
    received = []
    a.links["imp0"].rx_tap = lambda frame: received.append(frame) and False
    sent = [test_frame(a, "eth0", seq) for seq in range(20)]
    for frame in sent:
        a.links["eth0"].deliver(frame)
    world.settle()
    assert len(received) == 20
    for before, after in zip(sent, received):
        assert sum(bin(x ^ y).count("1") for x, y in zip(before, after)) == 1
    assert a.links["imp0"].ingress.counts["corrupted"] == 20


def test_rate_spaces_frames_by_their_serialisation_time():
    world = impaired_world(rate="80kbit", seed=1)      # 100-byte frames: 800 bits, 10 ms each
    seen = arrivals(world["a"])
    start = world.clock.now()
    send_in(world, 4, size=86)
    world.run(0.05, step=0.001)
    times = [(when - start) * 1000 for _, when in seen]     # due times, seen at 1 ms steps
    assert times == [pytest.approx(ms, abs=1.01) for ms in (10, 20, 30, 40)]


def test_a_full_delay_queue_is_a_counted_drop():
    world = impaired_world(delay="10", seed=1)
    a = world["a"]
    seen = arrivals(a)
    eth0 = a.links["eth0"]
    for seq in range(1005):
        eth0.deliver(test_frame(a, "eth0", seq))
    world.run(0.02, step=0.005)
    assert len(seen) == 1000
    assert a.links["imp0"].ingress.counts["queue_full"] == 5 == a.drop["IMPAIR_QUEUE_FULL"]


def test_ping_through_the_impairment_both_ways():
    world = impaired_world(addresses=True, delay="10", seed=1)
    a = world["a"]
    world.run(0.05, step=0.005)         # the gratuitous ARPs through
    session = a.api.ping_open(B_IP, 56)
    for seq in (1, 2, 3):
        a.api.ping_send(session, seq)
        world.run(0.05, step=0.005)
    events = drain(session)
    assert [(e.kind, e.seq) for e in events] == [("reply", 1), ("reply", 2), ("reply", 3)]
    assert events[-1].rtt_ms == pytest.approx(20.0, abs=5.1)     # 10 ms out, 10 ms back
    imp0 = a.links["imp0"]
    assert imp0.egress.counts["delayed"] >= 3 and imp0.ingress.counts["delayed"] >= 3


def test_the_lower_link_is_claimed_once_and_freed_on_delete():
    world = impaired_world(seed=1)
    a = world["a"]
    eth0 = a.links["eth0"]
    with pytest.raises(StackError, match='"eth0" is already claimed by imp0'):
        a.api.link_add("imp1", "impair", {"link": "eth0"})
    assert "imp1" not in a.links
    row = a.api.link_list("imp0")[0]
    assert (row["link"], row["linkinfo"]["info_kind"], row["qdisc"]) == ("eth0", "impair", "noqueue")
    a.api.link_del("imp0")
    assert eth0.rx_handler is None and eth0.uppers == []
    a.api.link_add("imp1", "impair", {"link": "eth0"})     # free again


def test_deleting_the_lower_link_takes_the_impair_link_with_it():
    world = impaired_world(seed=1)
    a = world["a"]
    a.api.link_del("eth0")
    assert "imp0" not in a.links and "eth0" not in a.links
    assert all(ifa.link.name != "imp0" for ifa in a.ipv4.local.values())


@pytest.mark.parametrize("options, message", [
    ({"link": "eth0", "peer": "x"}, '"peer" is not an option of type impair'),
    ({"loss": "5"}, 'type impair needs "link DEV"'),
    ({"link": "eth9"}, 'Cannot find device "eth9"'),
    ({"link": "eth0", "loss": "150"}, 'invalid loss "150": must be 0..100%'),
    ({"link": "eth0", "delay": "soon"}, 'invalid delay "soon": milliseconds, e.g. 10 or 10ms'),
])
def test_bad_options_are_one_line_errors_and_change_nothing(options, message):
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    a = world["a"]
    before = sorted(a.links)
    with pytest.raises(StackError, match=message.replace("(", r"\(")):
        a.api.link_add("imp0", "impair", options)
    assert sorted(a.links) == before and a.links["eth0"].rx_handler is None


def test_an_egress_packet_is_impaired_then_sent_out_of_the_lower_link():
    world = impaired_world(loss="100", seed=1)
    a = world["a"]
    pkt = Packet.of(bytes(46))
    imp0 = a.links["imp0"]
    imp0.hard_header(pkt, b"\xff" * 6, ETH_P_TEST)
    sent_before = a.links["eth0"].stats.tx_packets
    imp0.xmit(pkt)
    world.settle()
    assert imp0.stats.tx_packets >= 1 and imp0.egress.counts["dropped"] >= 1
    assert a.links["eth0"].stats.tx_packets == sent_before


def test_a_trace_on_the_lower_link_follows_the_frame_into_the_impair_link():
    world = impaired_world(addresses=True, seed=1)
    a, b = world["a"], world["b"]
    b.api.ping_send(b.api.ping_open(A_IP, 56), 1)
    world.settle()                                   # neighbours resolved
    a.api.trace_add("eth0", 1, "icmp")
    b.api.ping_send(b.api.ping_open(A_IP, 56), 2)
    world.settle()
    [record] = a.api.trace_show()["records"]
    steps = [str(step) for step in record["steps"]]
    assert any("eth0 is claimed by _impair_rx" in text for text in steps)
    assert any("ours (imp0)" in text for text in steps)
    assert record["verdict"].startswith("answered")


def test_the_impair_links_carrier_follows_its_lower_link():
    world = impaired_world(seed=1)
    a = world["a"]
    events = []
    a.netdev.subscribe("test", lambda event, link: events.append((event, link.name)))
    assert a.api.link_list("imp0")[0]["operstate"] == "UP"
    a.api.link_set("eth0", up=False)
    assert ("NETDEV_CHANGE", "imp0") in events
    row = a.api.link_list("imp0")[0]
    assert (row["operstate"], "NO-CARRIER" in row["flags"]) == ("LOWERLAYERDOWN", True)
