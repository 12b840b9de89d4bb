"""Skimmed columns (stack/wire/skim.py) are the dissector's columns, on every test frame.

The skimmers take only the common, well-formed case and decline the rest, so
the frames that matter most here are the ones near their edges: fragments,
options, odd lengths, bad checksums, ICMP errors, DNS with records.
"""
import pytest

from stack.wire import skim as skim_module
from stack.wire.dissect import dissect
from stack.wire.skim import columns, skim

from .test_dissect_quiet import CASES


def full_columns(data, linktype, orig_len):
    d = dissect(data, linktype, tree=False, orig_len=orig_len)
    return d.source, d.destination, d.protocol, d.info


@pytest.mark.parametrize("name,data,linktype,orig_len", CASES, ids=[c[0] for c in CASES])
def test_skimmed_columns_are_the_dissectors(name, data, linktype, orig_len):
    assert columns(data, linktype, orig_len) == full_columns(data, linktype, orig_len)
    s = skim(bytes(data), linktype)
    if s is not None and orig_len == len(data):
        assert (s.source, s.destination, s.protocol, s.info) == full_columns(data, linktype, orig_len)


def test_most_everyday_frames_are_skimmed():
    """The fast path must carry the common traffic, or it is no fast path."""
    everyday = [c for c in CASES if c[0].startswith("core:")]
    skimmed = [c for c in everyday if skim(bytes(c[1]), c[2]) is not None]
    assert len(skimmed) >= len(everyday) // 3


def test_a_declined_frame_is_dissected_in_full(monkeypatch):
    calls = []
    real = skim_module.dissect

    def spy(*args, **kw):
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(skim_module, "dissect", spy)
    frame = bytes(14)                      # ethertype 0: an 802.3 length frame, which no skimmer takes
    assert columns(frame) == full_columns(frame, 1, len(frame))
    assert calls


def test_a_frame_cut_by_snaplen_takes_the_full_path():
    full = [c for c in CASES if c[3] > len(c[1])]
    assert full, "the test data has frames cut by a snap length"
    for name, data, linktype, orig_len in full:
        assert columns(data, linktype, orig_len) == full_columns(data, linktype, orig_len), name


def test_address_text_cache_is_bounded():
    from stack.wire.ipv4 import ADDR_TEXT
    for i in range(skim_module.TEXT_CACHE_LIMIT + 10):
        raw = i.to_bytes(4, "big")
        assert ADDR_TEXT[raw] == ".".join(str(b) for b in raw)
        assert len(ADDR_TEXT) <= skim_module.TEXT_CACHE_LIMIT


def test_an_option_after_the_end_of_the_list_is_no_option():
    """An MPTCP option after End of Option List is padding: the columns say TCP, whichever path
    makes them (the fuzzer found the skim's walk and the dissector's disagreeing)."""
    import struct
    options = bytes.fromhex("00" "1e0401010000" "00")           # EOL, then what would be MPTCP
    tcp = struct.pack("!HHIIHHHH", 40000, 80, 1, 1, (((20 + len(options) + 1) // 4) << 12) | 0x10, 100, 0, 0)
    tcp += options + bytes(-len(options) % 4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes([192, 0, 2, 1]),
                     bytes([192, 0, 2, 2]))
    frame = bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp
    d = dissect(frame, 1, tree=False, orig_len=len(frame))
    assert d.protocol == "TCP"
    assert columns(frame, 1, len(frame)) == (d.source, d.destination, d.protocol, d.info)
