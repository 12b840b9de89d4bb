"""One decision, two tellings: what a trace explains is what the fast path does.

Every traced frame's predicted drop (or none) is compared with the drop the stack
counted (stack/trace.py); these tests run captures, mutated frames and the public
corpus through a traced stack and expect no disagreement, each frame as it is and
addressed to the stack (its MAC, and for IPv4 its address) so it reaches every layer.
"""
import pytest

from stack.trace import trace_counters
from tests.checker import fix_csum, ipv4_fragment
from stack.wire import icmpv6
from stack.wire.ipv6 import addr_from_str as a6
from tests.frames import (CORPUS, addressed_to, arp_request, capture_files, capture_frames,
                          echo_packet, ipv4_variants, ipv6_variants, mutated_frames)
from tests.unit.lab import A_IP, B_IP, World, two_hosts

ALL = 10 ** 9          # a trace armed for every frame the test sends
A6, B6 = a6("2001:db8::1"), a6("2001:db8::2")


def traced_host():
    world = two_hosts()
    b = world["b"]
    b.api.neigh_add("eth0", A_IP, world["a"].links["eth0"].mac)    # replies go at once, no ARP
    b.api.addr_add("eth0", B6, 64, nodad=True)
    b.api.neigh_add("eth0", A6, world["a"].links["eth0"].mac)      # nor neighbour discovery
    b.api.trace_add(count=ALL)
    return world, b


def disagreements(world, stack, frames, link_name: str = "eth0") -> list[tuple[str, str]]:
    """(frame hex, the record's "explained X, counted Y") for each frame the trace told wrong."""
    link = stack.links[link_name]
    counters = trace_counters(stack)
    found = []
    for frame in frames:
        before = counters.Disagreements
        link.deliver(frame)
        world.settle()
        if counters.Disagreements != before:
            texts = [text for rec in stack.tracer.records for layer, text in rec.steps
                     if layer == "trace" and text.startswith("explained ")]
            found.append((frame[:80].hex(), texts[-1] if texts else "?"))
    return found


def with_addressed_variants(frames, stack) -> list[bytes]:
    mac = stack.links["eth0"].mac
    return [variant for frame in frames for variant in (frame, addressed_to(frame, mac, B_IP, B6))]


@pytest.mark.parametrize("path", capture_files(), ids=lambda p: p.name)
def test_every_capture_frame_is_explained_as_it_is_handled(path):
    world, b = traced_host()
    frames = with_addressed_variants(capture_frames(path, b.links["eth0"].mac), b)
    assert disagreements(world, b, frames) == []
    assert trace_counters(b).Records >= len(frames)


def test_mutated_echo_and_arp_frames_are_explained_as_they_are_handled():
    world, b = traced_host()
    b_mac = b.links["eth0"].mac
    echo = b_mac + b"\x02\x00\x00\x00\x00\x09\x08\x00" + bytes(echo_packet(A_IP, B_IP, b"p" * 24))
    arp = arp_request(B_IP, b"\x02\x00\x00\x00\x00\x01", A_IP)
    frames = list(mutated_frames([echo, arp], seed=20261125, count=3000))
    assert disagreements(world, b, frames) == []
    counted = trace_counters(b)
    assert counted.Compared > 2500 and len(b.drop.snapshot()) >= 5     # many ways to fail were taken


@pytest.mark.parametrize("link_name", ["eth0", "lo"])
def test_ipv4_headers_past_the_checksum_are_explained_as_they_are_handled(link_name):
    world, b = traced_host()
    link = b.links[link_name]
    destinations = [link.mac, b"\xff" * 6, b"\x01\x00\x5e\x00\x00\x01"]
    frames = [destinations[i % 3] + b"\x02\x00\x00\x00\x00\x09\x08\x00" + ip
              for i, ip in enumerate(ipv4_variants(seed=1, count=2000))]
    assert disagreements(world, b, frames, link_name) == []
    assert len(b.drop.snapshot()) >= 10                 # IPv4's checks were reached, most of them


@pytest.mark.parametrize("link_name", ["eth0", "lo"])
def test_ipv6_packets_are_explained_as_they_are_handled(link_name):
    world, b = traced_host()
    link = b.links[link_name]
    destinations = [link.mac, b"\x33\x33\x00\x00\x00\x01", b"\x33\x33\xff\x00\x00\x02"]
    frames = [destinations[i % 3] + b"\x02\x00\x00\x00\x00\x09\x86\xdd" + ip
              for i, ip in enumerate(ipv6_variants(seed=6, count=3000))]
    assert disagreements(world, b, frames, link_name) == []
    reasons = {r for r in b.drop.snapshot() if r.startswith(("IPV6", "IP_NOPROTO", "ICMP"))}
    assert len(reasons) >= 12                           # IPv6's checks were reached, most of them


def test_mutated_ipv6_echo_and_neighbour_solicitations_are_explained_as_they_are_handled():
    world, b = traced_host()
    b_mac = b.links["eth0"].mac
    head = b"\x02\x00\x00\x00\x00\x09\x86\xdd"
    echo = icmpv6.build(128, 0, b"\x00\x07\x00\x01" + b"p" * 24, A6, B6)
    ns = icmpv6.build(135, 0, bytes(4) + B6 + b"\x01\x01\x02\x00\x00\x00\x00\x09", A6, B6)
    frames = [b_mac + head + bytes((0x60, 0, 0, 0)) + len(m).to_bytes(2, "big") + bytes((58, hlim)) + A6 + B6 + m
              for m, hlim in ((echo, 64), (ns, 255))]
    assert disagreements(world, b, list(mutated_frames(frames, seed=20261204, count=3000))) == []
    assert trace_counters(b).Compared > 2500


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared capture corpus is not on this machine")
def test_the_public_corpus_is_explained_as_it_is_handled():
    world, b = traced_host()
    found = []
    for path in capture_files(CORPUS):
        frames = with_addressed_variants(capture_frames(path, b.links["eth0"].mac), b)
        found += [(path.name, *case) for case in disagreements(world, b, frames)]
    assert found == []
    assert trace_counters(b).Compared > 5000


def test_fragment_trains_are_explained_as_they_are_handled():
    """In order, out of order, duplicated, overlapping, tiny, corrupt, past 65535: each fragment's
    fate (queued, reassembled and answered, or dropped by name) is the one the trace tells."""
    world, b = traced_host()
    head = b.links["eth0"].mac + b"\x02\x00\x00\x00\x00\x09\x08\x00"
    packet = echo_packet(A_IP, B_IP, bytes(range(256)) * 12)
    first, second, last = (ipv4_fragment(packet, 0, 1480), ipv4_fragment(packet, 1480, 1480),
                           ipv4_fragment(packet, 2960, more=False))
    tiny = ipv4_fragment(echo_packet(A_IP, B_IP, bytes(64)), 0, 4)
    far = ipv4_fragment(packet, 0, 8)
    far[6:8] = (0x2000 | 8191).to_bytes(2, "big")
    trains = [[first, second, last], [last, second, first], [first, first, second, second, last],
              [first, ipv4_fragment(packet, 1472, 1488, more=False)], [second, first, ipv4_fragment(packet, 8, 1480)],
              [tiny], [ipv4_fragment(packet, 1480, 100, more=False), ipv4_fragment(packet, 1480, 200, more=False)],
              [fix_csum(far)]]
    for ident, train in enumerate(trains):
        for fragment in train:
            fragment[4:6] = ident.to_bytes(2, "big")
            fix_csum(fragment)
        assert disagreements(world, b, [head + bytes(f) for f in train]) == []
    assert b.icmp.mib.OutEchoReps == 3
    assert set(b.drop.snapshot()) == {"DUP_FRAG", "FRAG_OVERLAP", "FRAG_TINY", "FRAG_BAD_LENGTH", "FRAG_OVERSIZE"}
    assert trace_counters(b).Compared == sum(map(len, trains))


# --- the comparison itself -----------------------------------------------------------

def echo_frame(world) -> bytes:
    b_mac = world["b"].links["eth0"].mac
    return b_mac + world["a"].links["eth0"].mac + b"\x08\x00" + bytes(echo_packet(A_IP, B_IP))


def test_a_wrong_prediction_is_counted_and_named_in_the_record(monkeypatch):
    world, b = traced_host()
    monkeypatch.setattr(b.icmp, "explain_receive", lambda rec, pkt: "ICMP_CSUM")
    assert disagreements(world, b, [echo_frame(world)]) == [
        (echo_frame(world)[:80].hex(), "explained ICMP_CSUM, counted no drop")]
    assert b.api.stats("Trace")["Trace"] == {"Records": 1, "Compared": 1, "Undecided": 0,
                                             "Disagreements": 1}


def test_a_drop_no_explainer_foresaw_is_counted(monkeypatch):
    world, b = traced_host()
    monkeypatch.setattr(b.ipv4, "explain_receive", lambda rec, pkt: None)
    bad = bytearray(echo_frame(world))
    bad[24] ^= 0xFF                                     # the IPv4 header checksum
    (case,) = disagreements(world, b, [bytes(bad)])
    assert case[1] == "explained no drop, counted IP_CSUM"


def test_what_a_frame_causes_is_not_its_fate():
    """An echo request answered is not dropped, even when its reply finds no route."""
    world, b = traced_host()
    far = bytes([198, 51, 100, 7])                      # no route back to it
    frame = world["b"].links["eth0"].mac + b"\x02\x00\x00\x00\x00\x09\x08\x00" + bytes(echo_packet(far, B_IP))
    assert disagreements(world, b, [frame]) == []
    (record,) = b.api.trace_show()["records"]
    assert record["verdict"] == "handled; a frame it caused was dropped: IP_OUTNOROUTES"
    assert trace_counters(b).Compared == 1


def test_an_rx_handler_that_decides_leaves_the_frame_undecided():
    """An impair link's loss drops the frame where no explainer runs: it is not compared."""
    world, b = impaired_host(loss="100%")
    lost = b.drop["IMPAIR_LOSS"]                        # IPv6's reports when the links came up
    assert disagreements(world, b, [echo_frame(world)]) == []
    assert b.drop["IMPAIR_LOSS"] == lost + 1
    counted = trace_counters(b)
    assert (counted.Records, counted.Undecided, counted.Disagreements) == (1, 1, 0)


def test_a_frame_an_rx_handler_passes_on_is_compared_on_the_upper_link():
    world, b = impaired_host(loss="0")
    assert disagreements(world, b, [echo_frame(world)]) == []
    assert b.drop["IP_INADDRERRORS"] == 1              # imp0 has no address: for another host
    counted = trace_counters(b)
    assert (counted.Records, counted.Compared, counted.Disagreements) == (1, 1, 0)


def test_a_reply_waiting_for_its_neighbour_leaves_the_request_answered():
    world, b = traced_host()
    stranger = bytes([192, 0, 2, 9])                    # on the link, not in b's neighbour table
    frame = b.links["eth0"].mac + b"\x02\x00\x00\x00\x00\x09\x08\x00" + bytes(echo_packet(stranger, B_IP))
    before = b.drop.snapshot()
    assert disagreements(world, b, [frame]) == []
    assert trace_counters(b).Compared == 1 and b.drop.snapshot() == before


def impaired_host(**options):
    """b's eth0 claimed by imp0 with `options`; a trace on every link of b."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    b = world["b"]
    b.api.link_add("imp0", "impair", {"link": "eth0", **options})
    b.api.link_set("imp0", up=True)
    world.settle()
    b.api.trace_add(count=ALL)
    return world, b
