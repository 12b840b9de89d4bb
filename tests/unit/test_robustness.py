"""Garbage and mutated frames: every one is dropped under a named reason or answered, never a crash."""
from stack.counters import DROP_REASONS
from tests.frames import mutated_frames

from tests.checker import echo_packet, frame_to

from .lab import two_hosts


def test_seeded_garbage_and_mutations_never_raise_and_every_drop_is_named():
    w = two_hosts()
    a, b = w["a"], w["b"]
    link = b.links["eth0"]
    b.api.neigh_add("eth0", bytes([192, 0, 2, 1]), a.links["eth0"].mac)
    good = frame_to(b, bytes(echo_packet(payload=b"p" * 24)))
    arp = bytes(link.mac) + b"\x02\x00\x00\x00\x00\x01\x08\x06" + bytes.fromhex(
        "0001080006040001020000000001c0000201000000000000c0000202")
    sent = 0
    for frame in mutated_frames([good, arp], seed=20261125, count=5000):
        link.deliver(frame)
        w.settle()
        sent += 1
    drops = b.drop.snapshot()
    assert set(drops) <= set(DROP_REASONS)
    answered = b.icmp.mib.OutEchoReps + b.arp.stats.OutReplies + b.icmp.mib.OutDestUnreachs
    assert sum(drops.values()) + answered >= sent * 0.9
    # and the stack still works
    session = a.api.ping_open(bytes([192, 0, 2, 2]), 56)
    a.api.ping_send(session, 1)
    w.settle()
    assert session.replies.get_nowait().kind == "reply"
