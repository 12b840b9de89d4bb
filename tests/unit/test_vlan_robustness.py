"""Mutated tagged frames (802.1Q, 802.1ad, QinQ, priority tags) and the captures in tests/data,
into a traced stack with VLAN links: never a crash, every drop named, and every trace's told
decision the one the fast path took."""
from __future__ import annotations

import struct

from stack.counters import DROP_REASONS
from stack.trace import trace_counters
from stack.wire.ethernet import BROADCAST
from tests.checker import arp, echo_packet
from tests.frames import capture_files, capture_frames, mutated_frames

from .lab import A_IP, B_IP, World, drain

PEER = b"\x02\x00\x00\x00\x00\x09"


def vlan_host() -> tuple[World, object]:
    """a:eth0 <-> b:eth0; b has eth0.10 (802.1Q), s20 (802.1ad) and c30 (802.1Q) on s20, with
    addresses on eth0 and both tops, and traces every frame."""
    world = World("a", "b")
    world.cable("a", "eth0", "b", "eth0")
    b = world["b"]
    for name, options in (("eth0.10", {"link": "eth0", "id": "10"}),
                          ("s20", {"link": "eth0", "protocol": "802.1ad", "id": "20"}),
                          ("c30", {"link": "s20", "id": "30"})):
        b.api.link_add(name, "vlan", options)
        b.api.link_set(name, up=True)
    for name, address in (("eth0", B_IP), ("eth0.10", bytes([198, 51, 100, 2])),
                          ("c30", bytes([203, 0, 113, 2]))):
        b.api.addr_add(name, address, 24)
    world["a"].api.addr_add("eth0", A_IP, 24)
    world.settle()
    b.api.trace_add(count=10 ** 9)
    return world, b


def tagged(dst: bytes, tags: list, ethertype: int, payload: bytes) -> bytes:
    return (dst + PEER + b"".join(struct.pack("!HH", *t) for t in tags)
            + struct.pack("!H", ethertype) + bytes(payload))


def bases(b) -> list[bytes]:
    mac = b.links["eth0"].mac
    frames = []
    for tags, ip in (([(0x8100, 10)], bytes([198, 51, 100, 2])),
                     ([(0x88A8, 20), (0x8100, 30)], bytes([203, 0, 113, 2])),
                     ([(0x8100, 0)], B_IP), ([(0x8100, 99)], B_IP)):
        frames.append(tagged(mac, tags, 0x0800, echo_packet(A_IP, ip, b"p" * 24)))
        frames.append(tagged(BROADCAST, tags, 0x0806, arp(1, PEER, A_IP, bytes(6), ip)))
    return frames


def run(world, b, frames) -> list:
    counters = trace_counters(b)
    wrong = []
    for frame in frames:
        before = counters.Disagreements
        b.links["eth0"].deliver(frame)
        world.settle()
        if counters.Disagreements != before:
            texts = [t for rec in b.tracer.records for layer, t in rec.steps if layer == "trace"]
            wrong.append((frame[:40].hex(), texts[-1] if texts else "?"))
    return wrong


def test_mutated_tagged_frames_never_crash_and_are_explained_as_handled():
    world, b = vlan_host()
    frames = list(mutated_frames(bases(b), seed=20261204, count=3000))
    assert run(world, b, frames) == []
    drops = b.drop.snapshot()
    assert set(drops) <= set(DROP_REASONS) and drops.get("VLAN_UNKNOWN", 0) > 0
    assert trace_counters(b).Compared > 2000
    session = world["a"].api.ping_open(B_IP, 56)         # and the stack still answers
    world["a"].api.ping_send(session, 1)
    world.settle()
    assert [e.kind for e in drain(session)] == ["reply"]


def test_every_capture_frame_is_explained_as_handled_with_vlan_links_claiming_eth0():
    world, b = vlan_host()
    frames = [f for path in capture_files() for f in capture_frames(path, b.links["eth0"].mac)]
    assert run(world, b, frames) == []
    assert trace_counters(b).Records >= len(frames)
