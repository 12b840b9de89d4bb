"""The capture-file index: every packet of a file of any size, by the file's numbering and
times, read from disk on demand; what cannot be seeked (FIFO, gzip unless spooled) is left to
the stream path."""
import gzip
import os
from pathlib import Path

import pytest

from stack.capfile import CaptureFileError, read
from stack.capfile.index import index_file
from tests.capgen_udp import ETH_IP_UDP, timestamp, write_udp_pcap

COUNT = 131_510     # more than the live ring's 100k: nothing may be lost


def test_every_packet_of_a_large_file_is_indexed_with_its_numbering_and_times(tmp_path):
    path = tmp_path / "big.pcap"
    write_udp_pcap(path, COUNT)
    idx = index_file(str(path))
    assert len(idx) == COUNT and idx.digits == 6 and idx.damage is None
    for number in (1, 2, 100_001, COUNT):
        sec, ns = timestamp(number - 1, 12_000)
        rec = idx.record(number)
        assert rec.ts_ns == sec * 1_000_000_000 + ns
        assert rec.data == ETH_IP_UDP and rec.orig_len == 60
    assert idx.ts_ns[1] - idx.ts_ns[0] == 12_000            # exact: a 12 us gap, no float
    walked = list(idx.walk(COUNT - 2))
    assert [n for n, _, _ in walked] == [COUNT - 2, COUNT - 1, COUNT]
    assert all(data == ETH_IP_UDP for _, _, data in walked)
    with pytest.raises(IndexError):
        idx.record(COUNT + 1)
    idx.close()


def test_nanosecond_files_keep_nine_digits(tmp_path):
    path = tmp_path / "ns.pcap"
    write_udp_pcap(path, 3, step_ns=7, nanosecond=True)
    idx = index_file(str(path))
    assert idx.digits == 9 and idx.ts_ns[2] - idx.ts_ns[0] == 14


def test_a_damaged_tail_keeps_the_whole_records_before_it(tmp_path):
    path = tmp_path / "cut.pcap"
    write_udp_pcap(path, 10)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 5)
    idx = index_file(str(path))
    assert len(idx) == 9 and "truncated packet data" in idx.damage


def test_a_truncated_file_header_is_one_clear_error(tmp_path):
    path = tmp_path / "head.pcap"
    write_udp_pcap(path, 1)
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(CaptureFileError, match="truncated pcap file header"):
        index_file(str(path))


def test_a_huge_record_length_ends_the_index_without_allocating(tmp_path):
    path = tmp_path / "huge.pcap"
    write_udp_pcap(path, 2)
    data = bytearray(path.read_bytes())
    data[24 + 76 + 8:24 + 76 + 12] = (1 << 31).to_bytes(4, "little")   # 2nd record's incl_len
    path.write_bytes(bytes(data))
    idx = index_file(str(path))
    assert len(idx) == 1 and "exceeds" in idx.damage


def test_gzip_and_fifos_stay_on_the_stream_path(tmp_path):
    plain = tmp_path / "a.pcap"
    write_udp_pcap(plain, 5)
    zipped = tmp_path / "a.pcap.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    assert index_file(str(zipped)) is None
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert index_file(str(fifo)) is None
    assert index_file("-") is None


def test_records_longer_than_a_read_chunk_are_indexed_and_read_whole(tmp_path):
    import struct
    from stack.capfile.index import SCAN_CHUNK
    path = tmp_path / "long.pcap"
    write_udp_pcap(path, 1)
    big = bytes(range(256)) * (SCAN_CHUNK // 256 * 2 + 3)
    with open(path, "ab") as f:
        f.write(struct.pack("<IIII", 1_700_000_002, 0, len(big), len(big)) + big)
        f.write(struct.pack("<IIII", 1_700_000_003, 0, 60, 60) + ETH_IP_UDP)
    idx = index_file(str(path))
    assert len(idx) == 3 and idx.damage is None
    assert idx.data(2) == big and idx.data(3) == ETH_IP_UDP


def test_gzip_is_indexed_through_a_spool_the_bomb_guard_still_watches(tmp_path, monkeypatch):
    plain = tmp_path / "a.pcap"
    write_udp_pcap(plain, 1000)
    zipped = tmp_path / "a.pcap.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    spool = tmp_path / "spool"
    spool.mkdir()
    idx = index_file(str(zipped), spool_dir=str(spool))
    assert len(idx) == 1000 and idx.record(1000).data == ETH_IP_UDP
    assert list(spool.iterdir()) == []          # unlinked at once; open until idx.close()
    idx.close()
    from stack.capfile import reader
    monkeypatch.setattr(reader, "INFLATION_FLOOR", 1000)
    bomb = tmp_path / "bomb.pcap.gz"
    bomb.write_bytes(gzip.compress(plain.read_bytes()[:24] + bytes(10_000_000)))
    with pytest.raises(CaptureFileError, match="inflated"):
        index_file(str(bomb), spool_dir=str(spool))
    assert list(spool.iterdir()) == []


DATA = Path(__file__).resolve().parents[1] / "data"


def _stream(path):
    records, damage = [], None
    try:
        records.extend(read(str(path)))
    except CaptureFileError as exc:
        damage = str(exc)
    return records, damage


@pytest.mark.parametrize("path", sorted(DATA.glob("*.pcap*")), ids=lambda p: p.name)
def test_every_test_file_indexes_as_the_stream_reader_reads_it(path, tmp_path):
    """pcap and pcapng (sections, interfaces, directions, obsolete and simple packet blocks,
    damaged tails with the same one-line reason) by number and in order."""
    records, damage = _stream(path)
    idx = index_file(str(path), spool_dir=str(tmp_path))
    assert idx.damage == damage
    fields = lambda r: (r.ts_ns, r.data, r.orig_len, r.linktype, r.ifname, r.direction, r.ifindex)  # noqa: E731
    assert [fields(idx.record(n)) for n in range(1, len(idx) + 1)] == [fields(r) for r in records]
    assert list(idx.walk()) == [(n, r.ts_ns, r.data) for n, r in enumerate(records, 1)]
    idx.close()


def test_pcapng_times_beyond_64_bits_of_nanoseconds_are_kept(tmp_path):
    import struct
    from tests.cli.test_capture_hostile import option, pcapng_one_packet
    path = tmp_path / "far.pcapng"
    path.write_bytes(pcapng_one_packet(option(14, struct.pack("<q", 2 ** 63 - 1)), 0))
    idx = index_file(str(path))
    assert idx.time(1) == (2 ** 63 - 1) * 1_000_000_000 == idx.record(1).ts_ns
    assert [ts for _, ts, _ in idx.walk()] == [(2 ** 63 - 1) * 1_000_000_000]


def test_a_gzip_bomb_ends_the_spooled_index_where_it_was_found(tmp_path, monkeypatch):
    from stack.capfile import reader
    plain = tmp_path / "a.pcap"
    write_udp_pcap(plain, 100_000)
    monkeypatch.setattr(reader, "INFLATION_FLOOR", 1 << 20)
    bomb = tmp_path / "bomb.pcap.gz"
    bomb.write_bytes(gzip.compress(plain.read_bytes() + bytes(100_000_000), 9))
    idx = index_file(str(bomb), spool_dir=str(tmp_path))
    assert len(idx) > 100_000 and "over 100 times" in idx.damage      # zeros: empty records


def test_ready_after_returns_early_and_the_rest_is_indexed_behind(tmp_path):
    path = tmp_path / "big.pcap"
    write_udp_pcap(path, 200_000)
    idx = index_file(str(path), ready_after=100)
    assert len(idx) >= 100
    first = idx.record(1).ts_ns
    idx.wait()
    assert idx.complete and len(idx) == 200_000 and idx.damage is None
    assert idx.time(200_000) - first == 199_999 * 12_000
