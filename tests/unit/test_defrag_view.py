"""IP fragment reassembly for display (stack/wire/defrag_view.py) against tshark's default
(`ip.defragment`/`ipv6.defragment` on, second pass `-2` for the links back to earlier
fragments): columns, the reassembled dissection and the generated fields, frame by frame."""
import struct
import subprocess
from pathlib import Path

import pytest

from stack.wire.defrag_view import DefragView, attach
from stack.wire.dissect import dissect
from tests.frames import capture_files, records_of
from tests.tools import need
from tests.tshark import write_pcap

CORPUS = Path("/work/shared/corpus/tcpdump/tests")     # the shared public corpus, where this machine has it
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("20010db8000000000000000000000002")


def _csum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _eth(ethertype: int) -> bytes:
    return bytes.fromhex("020000000002020000000001") + struct.pack("!H", ethertype)


def v4_fragments(payload: bytes, ident: int, size: int = 1480, proto: int = 1) -> list[bytes]:
    out = []
    for off in range(0, len(payload), size):
        chunk, more = payload[off:off + size], off + size < len(payload)
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ident, (0x2000 if more else 0) | off // 8, 64,
                        proto, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        out.append(_eth(0x0800) + h[:10] + struct.pack("!H", _csum(h)) + h[12:] + chunk)
    return out


def v6_fragments(payload: bytes, ident: int, size: int = 1232, nxt: int = 58) -> list[bytes]:
    out = []
    for off in range(0, len(payload), size):
        chunk, more = payload[off:off + size], off + size < len(payload)
        fh = struct.pack("!BBHI", nxt, 0, off | more, ident)
        out.append(_eth(0x86DD) + struct.pack("!IHBB16s16s", 0x60000000, 8 + len(chunk), 44, 64, SRC6, DST6)
                   + fh + chunk)
    return out


def echo4(size: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"x" * size
    return body[:2] + struct.pack("!H", _csum(body)) + body[4:]


def echo6(size: int) -> bytes:
    body = struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"y" * size
    pseudo = SRC6 + DST6 + struct.pack("!IxxxB", len(body), 58)
    return body[:2] + struct.pack("!H", _csum(pseudo + body)) + body[4:]


def in_gre(frames: list[bytes]) -> list[bytes]:
    """Each Ethernet/IPv4 frame's IPv4 packet carried in GRE (0x0800) from 198.51.100.1 to .2."""
    out = []
    for frame in frames:
        inner = b"\0\0\x08\0" + frame[14:]
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), 0x4242, 0x4000, 64, 47, 0,
                        bytes([198, 51, 100, 1]), bytes([198, 51, 100, 2]))
        out.append(_eth(0x0800) + h[:10] + struct.pack("!H", _csum(h)) + h[12:] + inner)
    return out


FIELDS = ("ip.fragment", "ip.fragment.count", "ip.reassembled.length", "ip.reassembled_in",
          "ipv6.fragment", "ipv6.fragment.count", "ipv6.reassembled.length", "ipv6.reassembled.in")


def _tshark(path) -> list[list[str]]:
    out = subprocess.run([need("tshark"), "-r", str(path), "-2", "-T", "fields", "-E", "separator=|",
                          "-e", "_ws.col.Protocol", "-e", "_ws.col.Info", *[a for f in FIELDS for a in ("-e", f)]],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


def _ours(frames) -> list[list[str]]:
    view = DefragView()
    views = [view.feed(number, frame) for number, frame in enumerate(frames, 1)]
    rows = []
    for seen in views:
        assert seen is not None
        protocol, info = seen.columns()
        rows.append([protocol, info] + [",".join(map(str, v)) if isinstance(v := seen.fields.get(f, ""), list)
                                        else str(v) for f in FIELDS])
    return rows


def test_ping_3000_ipv4_and_ipv6_as_tshark(tmp_path):
    frames = v4_fragments(echo4(3000), 0x1234) + v6_fragments(echo6(3000), 0xABCD)
    path = tmp_path / "frag.pcap"
    write_pcap(path, frames)
    theirs = _tshark(path)
    ours = _ours(frames)
    for number, (mine, tshark) in enumerate(zip(ours, theirs), 1):
        # tshark's -2 Info adds ICMP's response link, another pass's business (stack/wire/analysis)
        tshark[1] = tshark[1].replace(" (no response found!)", "")
        assert mine == tshark, f"frame {number}"


def test_fragments_inside_a_tunnel_as_tshark(tmp_path):
    frames = in_gre(v4_fragments(echo4(2000), 0x77, size=1000))
    path = tmp_path / "gre.pcap"
    write_pcap(path, frames)
    theirs = [[row[0], row[1].replace(" (no response found!)", ""), *row[2:]] for row in _tshark(path)]
    assert _ours(frames) == theirs


def test_reassembled_frame_dissects_the_whole_datagram():
    frames = v4_fragments(echo4(3000), 0x1234)
    view = DefragView()
    last = [view.feed(n, f) for n, f in enumerate(frames, 1)][-1]
    d = last.dissection
    assert [layer.name for layer in d.layers] == ["eth", "ip", "icmp"]
    frags = d.layers[1].find("ip.fragments")
    assert frags.label == "[3 IPv4 Fragments (3008 bytes): #1(1480), #2(1480), #3(48)]"
    assert [(c.label, c.display) for c in frags.children][:1] == [("Frame", "1, payload: 0-1479 (1480 bytes)")]
    assert d.layers[2].length == 3008 and not d.problems


def test_out_of_order_and_duplicate_fragments():
    frames = v4_fragments(echo4(3000), 0x99)
    order = [frames[2], frames[0], frames[0], frames[1]]
    view = DefragView()
    seen = [view.feed(n, f) for n, f in enumerate(order, 1)]
    assert [s.completes for s in seen] == [False, False, False, True]
    assert seen[3].fields["ip.fragment"] == [2, 4, 1]
    assert seen[0].fields["ip.reassembled_in"] == 4


def test_memory_is_bounded():
    view = DefragView(max_datagrams=8)
    for ident in range(100):
        view.feed(ident + 1, v4_fragments(echo4(3000), ident)[0])
    assert len(view.datagrams) == 8 and view.held == 8 * 1480


def test_not_a_fragment_is_left_alone():
    assert DefragView().feed(1, _eth(0x0800) + v4_fragments(echo4(10), 1)[0][14:]) is None


CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".pcap", ".pcapng")) if CORPUS.is_dir() else []
CAPTURES = capture_files() + CORPUS_FILES


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_every_capture_through_the_pass_never_raises(path):
    view = DefragView()
    for number, rec in enumerate(records_of(path), 1):
        seen = view.feed(number, rec.data, rec.linktype, rec.orig_len)
        if seen is not None:
            assert all(seen.columns())
            for tree in (True, False):
                d = attach(dissect(rec.data, rec.linktype, tree=tree, orig_len=rec.orig_len), seen)
                for layer in d.layers:
                    for node in layer.walk():
                        node.display


def test_earlier_fragment_shows_its_payload_as_data_and_the_link_forward():
    frames = v4_fragments(echo4(3000), 0x1234)
    view = DefragView()
    seen = [view.feed(n, f) for n, f in enumerate(frames, 1)]
    d = attach(dissect(frames[0]), seen[0])
    assert [layer.name for layer in d.layers] == ["eth", "ip", "data"]
    assert d.layers[1].find("ip.reassembled_in").value == 3
    assert d.layers[2].label == "Data (1480 bytes)"
    assert d.info == "Fragmented IP protocol (proto=ICMP 1, off=0, ID=1234) [Reassembled in #3]"


KERNEL = Path(__file__).parent.parent / "data" / "kernel_ping_fragments.pcap"   # tests/capgen/kernel_ping_fragments.sh


def test_kernel_ping_s_3000_every_frame_as_tshark():
    """Linux's own fragments (ping -s 3000, IPv4 and IPv6, both ways) through the whole
    listing path: the analysis pass sees the reassembled echoes and links them."""
    from netsh.inspect import summary_row
    from stack.capture import from_record
    from stack.wire.analysis import annotated
    frames = annotated([from_record(rec, number) for number, rec in enumerate(records_of(KERNEL), 1)])
    theirs = _tshark(KERNEL)
    assert len(frames) == len(theirs) > 30
    reassembled = 0
    for pkt, tshark in zip(frames, theirs):
        row = summary_row(pkt, 0)
        view = pkt.defrag
        fields = view.fields if view is not None else {}
        mine = [row["protocol"], row["info"]] + [",".join(map(str, v)) if isinstance(v := fields.get(f, ""), list)
                                                 else str(v) for f in FIELDS]
        assert mine == tshark, f"frame {pkt.number}"
        reassembled += view is not None and view.completes
    assert reassembled == 8


def test_mutated_fragments_never_raise():
    """Overlaps, holes, bad lengths, offsets past 64 KiB, cut headers: shown, never raised."""
    import random
    rng = random.Random(16)
    base = v4_fragments(echo4(3000), 7) + v6_fragments(echo6(3000), 9)
    view = DefragView(max_datagrams=16)
    for number in range(1, 3001):
        frame = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 4)):
            frame[rng.randrange(14, 62)] = rng.randrange(256)
        frame = bytes(frame[:rng.choice((len(frame), rng.randrange(14, len(frame))))])
        seen = view.feed(number, frame, 1, len(frame))
        if seen is not None:
            seen.columns()
            for layer in attach(dissect(frame), seen).layers:
                for node in layer.walk():
                    node.display
    assert view.held == sum(gram.held for gram in view.datagrams.values())
