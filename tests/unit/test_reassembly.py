"""The family-neutral reassembly queues as IPv6 uses them: a (source, destination,
identification) key, 60 s, Ip6-prefixed counters, RFC 5722's overlaps, the fake clock."""
from stack.counters import Mib
from stack.l3.reassembly import COMPLETE, QUEUED, Reassembly

from .lab import World

IP6_NAMES = ("Ip6ReasmReqds", "Ip6ReasmOKs", "Ip6ReasmFails", "Ip6ReasmTimeout")
SRC, DST = bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002")


def ipv6_reassembly():
    world = World("h")
    stack = world["h"]
    expired = []
    mib = Mib("Ip6", IP6_NAMES)
    reasm = Reassembly(stack, 60.0, mib, expired.append, prefix="Ip6")
    return world, stack, reasm, mib, expired


def key(ident: int):
    return (SRC, DST, ident)


def test_fragments_complete_into_the_datagram_in_any_order():
    world, stack, reasm, mib, _ = ipv6_reassembly()
    data = bytes(range(256)) * 12
    assert reasm.add(key(0xDEADBEEF), 1232, data[1232:2464], True)[0] is QUEUED
    assert reasm.add(key(0xDEADBEEF), 2464, data[2464:], False)[0] is QUEUED
    verdict, queue = reasm.add(key(0xDEADBEEF), 0, data[:1232], True, head=b"unfragmentable part")
    assert verdict is COMPLETE and queue.assemble() == data and queue.head == b"unfragmentable part"
    assert mib.snapshot() == {"Ip6ReasmReqds": 3, "Ip6ReasmOKs": 1, "Ip6ReasmFails": 0, "Ip6ReasmTimeout": 0}
    assert reasm.queues == {} and reasm.mem == 0 and stack.drop.snapshot() == {}


def test_an_overlap_discards_the_datagram_and_a_duplicate_only_itself():
    world, stack, reasm, mib, _ = ipv6_reassembly()
    reasm.add(key(1), 0, bytes(1232), True, head=b"h")
    assert reasm.add(key(1), 0, bytes(1232), True, head=b"h") == ("DUP_FRAG", None)
    assert len(reasm.queues) == 1 and mib.Ip6ReasmFails == 0
    assert reasm.add(key(1), 1224, bytes(16), False) == ("FRAG_OVERLAP", None)
    assert reasm.queues == {} and mib.Ip6ReasmFails == 1
    assert stack.drop.snapshot() == {"DUP_FRAG": 1, "FRAG_OVERLAP": 2}


def test_the_judgement_is_what_add_then_does():
    world, stack, reasm, mib, _ = ipv6_reassembly()
    steps = []
    cases = [(0, 1232, True), (1232, 8, True), (1232, 8, True), (1240, 16, False), (8, 16, True)]
    for offset, size, more in cases:
        told = reasm.explain(steps.append, key(9), "0x9", offset, size, more)
        assert reasm.add(key(9), offset, bytes(size), more, head=b"h")[0] == told
    assert [s.split(": ", 1)[1] for s in steps] == [
        "queued (1232 of ? bytes)", "queued (1240 of ? bytes)",
        "dropped: DUP_FRAG (bytes 1232..1240 are held already; the datagram waits on)",
        "reassembled, 1256 bytes from 3 fragments",
        "queued (16 of ? bytes)"]


def test_a_queue_times_out_after_its_family_timeout_and_tells_only_if_its_first_came():
    world, stack, reasm, mib, expired = ipv6_reassembly()
    reasm.add(key(1), 0, bytes(1232), True, head=b"first", link="eth0")
    reasm.add(key(2), 1232, bytes(100), False)
    world.run(59.5, step=0.5)
    assert len(reasm.queues) == 2 and expired == []
    world.run(1.0, step=0.5)
    assert reasm.queues == {} and reasm.mem == 0
    assert [(q.key, q.head, q.link, q.first_bytes(4)) for q in expired] == [(key(1), b"first", "eth0", bytes(4))]
    assert mib.Ip6ReasmTimeout == 2 and mib.Ip6ReasmFails == 2
    assert stack.drop.snapshot() == {"FRAG_REASM_TIMEOUT": 2}


def test_the_byte_bound_refuses_fragments_until_queues_leave():
    world, stack, reasm, mib, _ = ipv6_reassembly()
    reasm.high_thresh = 10_000
    taken = 0
    for ident in range(20):
        taken += reasm.add(key(ident), 0, bytes(1232), True, head=b"h")[0] is QUEUED
    assert taken == 6 and reasm.mem <= 10_000 + 1232 + 512        # one past the bound at most
    assert stack.drop["FRAG_MEM_LIMIT"] == 14 and mib.Ip6ReasmFails == 14
    world.run(61, step=1)
    assert reasm.add(key(99), 0, bytes(1232), True, head=b"h")[0] is QUEUED
