"""The capture-file index: every packet of a file of any size, by the file's numbering and
times, read from disk on demand; what cannot be seeked (gzip, FIFO) is left to the stream path."""
import gzip
import os

import pytest

from stack.capfile import CaptureFileError
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
