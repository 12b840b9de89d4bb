"""A summary-only dissection (tree=False) says exactly what the full one says in its columns."""
from pathlib import Path

import pytest

from stack.capfile import CaptureFileError, read
import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect

from .test_tshark_core import FRAMES

DATA = Path(__file__).resolve().parents[1] / "data"


def frames():
    out = [(f"core:{name}", frame, 1, len(frame)) for name, frame in FRAMES.items()]
    for path in sorted(DATA.iterdir()):
        if path.name == "PROVENANCE":
            continue
        try:
            for i, rec in enumerate(read(path)):
                out.append((f"{path.name}#{i + 1}", rec.data, rec.linktype, rec.orig_len))
        except CaptureFileError:
            pass
    return out


CASES = frames()


def test_there_are_many_frames():
    assert len(CASES) > 200


@pytest.mark.parametrize("name,data,linktype,orig_len", CASES, ids=[c[0] for c in CASES])
def test_quiet_and_full_dissections_agree(name, data, linktype, orig_len):
    full = dissect(data, linktype, orig_len=orig_len)
    quiet = dissect(data, linktype, tree=False, orig_len=orig_len)
    assert quiet.summary() == full.summary()
    assert quiet.problems == full.problems
    assert [layer.name for layer in quiet.layers] == [layer.name for layer in full.layers]
    assert all(not layer.children for layer in quiet.layers)
