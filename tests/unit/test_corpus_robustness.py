"""Every capture in tests/data goes through dissection and through a live stack's receive path.

No exception may escape either; whatever the stack drops lands in a named,
described drop counter.  (tests/data/PROVENANCE says where each file comes from.)
"""
import pytest

from stack.capfile import to_ethernet
from stack.counters import DROP_REASONS
import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from tests.frames import capture_files, records_of

from .lab import two_hosts

FILES = capture_files()


def test_there_are_captures_to_test():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_dissection_and_replay_never_raise(path):
    records = records_of(path)
    w = two_hosts()
    b = w["b"]
    link = b.links["eth0"]
    replayed = 0
    for rec in records:
        d = dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns)
        assert d.layers or not rec.data
        for layer in d.layers:
            for node in layer.walk():
                node.display                         # formatting must not raise either
        frame = to_ethernet(rec, link.mac, b"\x02\x00\x00\x00\x00\xfe")
        if frame is not None:
            link.deliver(frame)
            w.settle()
            replayed += 1
    drops = b.drop.snapshot()
    assert set(drops) <= set(DROP_REASONS), set(drops) - set(DROP_REASONS)
