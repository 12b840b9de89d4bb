"""stack.capfile: pcap/pcapng read and write, checked against tshark, tcpdump and editcap."""
import gzip
import io
import json
import random
import re
import struct
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from stack.capfile import (ETHERNET, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, LOOP, MAX_RECORD, NULL,
                           RAW, RAW_DLT12, RAW_DLT14, CaptureFileError, PcapngWriter, PcapWriter,
                           Record, ethernet_refusal, linktype_name, read, to_ethernet)
from tests.tools import need

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = Path("/work/shared/corpus")
CORPUS_FILES = CORPUS / "tcpdump" / "tests"

DST = bytes.fromhex("020000000001")
SRC = bytes.fromhex("0200000000fe")
IPV4_PACKET = bytes.fromhex("4500001c0001000040110000c0000201c0000202") + bytes(8)
IPV6_PACKET = (bytes.fromhex("6000000000083a40") + bytes(15) + b"\x01" + bytes(15) + b"\x02"
               + bytes(8))


def ether(payload: bytes = IPV4_PACKET, ethertype: int = 0x0800) -> bytes:
    return DST + SRC + struct.pack("!H", ethertype) + payload


def sample_records() -> list[Record]:
    """Two interfaces of Ethernet and one of raw IP, both directions and none, ns timestamps."""
    return [
        Record(1_700_000_000_123_456_789, ether(), linktype=ETHERNET, ifname="eth0",
               direction="in", ifindex=0),
        Record(1_700_000_000_223_456_000, ether(bytes(100))[:60], 114, ETHERNET, "eth0", "out", 0),
        Record(1_700_000_001_000_000_001, IPV4_PACKET, linktype=RAW, ifname="tun0", ifindex=1),
        Record(1_700_000_002_999_999_999, ether(), linktype=ETHERNET, ifname="lo",
               direction="out", ifindex=2),
        Record(1_700_000_003_000_000_000, IPV6_PACKET, linktype=RAW, ifname="tun0",
               direction="in", ifindex=1),
    ]


def write_pcapng(path, records, **kw):
    with PcapngWriter(path, **kw) as w:
        for rec in records:
            w.write(rec)
    return path


def write_pcap(path, records, **kw):
    with PcapWriter(path, **kw) as w:
        for rec in records:
            w.write(rec)
    return path


def read_all(path) -> list[Record]:
    return list(read(path))


def read_until_error(path) -> tuple[list[Record], CaptureFileError | None]:
    records = []
    try:
        for rec in read(path):
            records.append(rec)
    except CaptureFileError as exc:
        return records, exc
    return records, None


def tshark_rows(path, *fields) -> list[list[str]]:
    tshark = need("tshark")
    cmd = [tshark, "-r", str(path), "-T", "fields"] + [a for f in fields for a in ("-e", f)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def ns_of(epoch: str) -> int:
    return int(Decimal(epoch) * 10**9)


TSHARK_DIRECTION = {"0x00000001": "in", "0x00000002": "out", "": None}


# --- Record --------------------------------------------------------------------------


def test_record_defaults_and_float_ts():
    rec = Record(1_500_000_000_250_000_000, b"abc")
    assert rec.orig_len == 3
    assert rec.ts == pytest.approx(1_500_000_000.25)
    assert (rec.linktype, rec.ifname, rec.direction, rec.ifindex) == (ETHERNET, None, None, 0)
    assert not hasattr(rec, "__dict__")


# --- pcap writing and round trips ----------------------------------------------------


def test_pcap_round_trip_microseconds(tmp_path):
    records = [Record(1_700_000_000_000_000_000 + i * 1_234_000, ether(bytes([i]) * 30), 200 + i)
               for i in range(5)]
    assert read_all(write_pcap(tmp_path / "a.pcap", records)) == records


def test_pcap_round_trip_nanoseconds(tmp_path):
    records = [Record(1_700_000_000_000_000_001 + i * 1_234_567, IPV6_PACKET, linktype=RAW)
               for i in range(5)]
    path = write_pcap(tmp_path / "n.pcap", records, linktype=RAW, nanosecond=True)
    assert read_all(path) == records


def test_pcap_microseconds_drop_sub_microsecond_digits(tmp_path):
    path = write_pcap(tmp_path / "u.pcap", [Record(1_000_000_000_123_456_789, ether())])
    assert read_all(path)[0].ts_ns == 1_000_000_000_123_456_000


def test_pcap_snaplen_cuts_data_and_keeps_orig_len(tmp_path):
    frame = ether(bytes(200))
    [rec] = read_all(write_pcap(tmp_path / "s.pcap", [Record(0, frame)], snaplen=64))
    assert rec.data == frame[:64] and rec.orig_len == len(frame)


def test_pcap_writer_takes_ts_data_pairs(tmp_path):
    path = write_pcap(tmp_path / "p.pcap", [(1.5, IPV4_PACKET), (2, IPV4_PACKET)], linktype=RAW)
    assert [(r.ts_ns, r.linktype, r.data) for r in read_all(path)] == [
        (1_500_000_000, RAW, IPV4_PACKET), (2_000_000_000, RAW, IPV4_PACKET)]


def test_pcap_writer_refuses_a_record_of_another_link_type(tmp_path):
    with PcapWriter(tmp_path / "x.pcap") as w, pytest.raises(ValueError, match="link type"):
        w.write(Record(0, IPV4_PACKET, linktype=RAW))


def test_pcap_writer_refuses_negative_timestamps(tmp_path):
    with PcapWriter(tmp_path / "x.pcap") as w, pytest.raises(ValueError, match="timestamp"):
        w.write(Record(-1, ether()))


def test_writers_leave_a_callers_file_object_open():
    for writer_class in (PcapWriter, PcapngWriter):
        buf = io.BytesIO()
        with writer_class(buf) as w:
            w.write(Record(5_000_000_000, ether()))
        assert not buf.closed
        buf.seek(0)
        assert [r.data for r in read(buf)] == [ether()]


def test_write_after_close_raises(tmp_path):
    w = PcapngWriter(tmp_path / "c.pcapng")
    w.close()
    w.close()
    with pytest.raises(ValueError, match="closed"):
        w.write(Record(0, ether()))


# --- pcapng writing and round trips --------------------------------------------------


def test_pcapng_round_trip_keeps_interfaces_directions_and_nanoseconds(tmp_path):
    records = sample_records()
    assert read_all(write_pcapng(tmp_path / "r.pcapng", records)) == records


def test_pcapng_microsecond_resolution(tmp_path):
    path = write_pcapng(tmp_path / "u.pcapng", [Record(1_000_000_000_123_456_789, ether())],
                        nanosecond=False)
    assert read_all(path)[0].ts_ns == 1_000_000_000_123_456_000


def test_pcapng_interface_ids_follow_first_use_not_record_ifindex(tmp_path):
    records = [Record(0, ether(), ifname="b", ifindex=7), Record(0, ether(), ifname="a"),
               Record(0, ether(), ifname="b"), Record(0, IPV4_PACKET, linktype=RAW, ifname="b")]
    got = read_all(write_pcapng(tmp_path / "i.pcapng", records))
    assert [(r.ifname, r.linktype, r.ifindex) for r in got] == [
        ("b", ETHERNET, 0), ("a", ETHERNET, 1), ("b", ETHERNET, 0), ("b", RAW, 2)]


def test_pcapng_writer_refuses_an_unknown_direction(tmp_path):
    with PcapngWriter(tmp_path / "d.pcapng") as w, pytest.raises(ValueError, match="direction"):
        w.write(Record(0, ether(), direction="sideways"))


def test_pcapng_empty_direction_is_unknown(tmp_path):
    path = write_pcapng(tmp_path / "e.pcapng", [Record(0, ether(), direction="")])
    assert read_all(path)[0].direction is None


# --- tshark and tcpdump read what we write -------------------------------------------


def test_tshark_reads_our_pcapng(tmp_path):
    records = sample_records()
    path = write_pcapng(tmp_path / "t.pcapng", records)
    rows = tshark_rows(path, "frame.time_epoch", "frame.len", "frame.cap_len",
                       "frame.interface_id", "frame.interface_name",
                       "frame.packet_flags_direction")
    assert [(ns_of(t), int(length), int(cap), int(if_id), name, TSHARK_DIRECTION[d])
            for t, length, cap, if_id, name, d in rows] == [
        (r.ts_ns, r.orig_len, len(r.data), r.ifindex, r.ifname, r.direction) for r in records]


def test_tshark_verbose_names_the_direction(tmp_path):
    tshark = need("tshark")
    path = write_pcapng(tmp_path / "v.pcapng", [Record(0, ether(), direction="in"),
                                                 Record(0, ether(), direction="out")])
    out = subprocess.run([tshark, "-r", str(path), "-V"], capture_output=True, text=True,
                         check=True).stdout
    assert re.findall(r"= Direction: (\w+)", out) == ["Inbound", "Outbound"]


@pytest.mark.parametrize("nanosecond", [False, True])
def test_tshark_reads_our_pcap(tmp_path, nanosecond):
    records = [Record(1_700_000_000_000_000_000 + i * 987_654_321, ether(bytes(i * 10)), 1000)
               for i in range(4)]
    path = write_pcap(tmp_path / "t.pcap", records, nanosecond=nanosecond)
    unit = 1 if nanosecond else 1000
    rows = tshark_rows(path, "frame.time_epoch", "frame.len", "frame.cap_len")
    assert [(ns_of(t), int(length), int(cap)) for t, length, cap in rows] == [
        (r.ts_ns // unit * unit, r.orig_len, len(r.data)) for r in records]


@pytest.mark.parametrize("linktype", [NULL, ETHERNET, RAW, LOOP, LINUX_SLL, LINUX_SLL2, IPV4, IPV6,
                                      105, 127])
def test_linktype_names_are_what_tcpdump_prints(tmp_path, linktype):
    tcpdump = need("tcpdump")
    path = write_pcap(tmp_path / "l.pcap", [], linktype=linktype)
    out = subprocess.run([tcpdump, "-r", str(path)], capture_output=True, text=True).stderr
    assert re.search(r"link-type (\S+) ", out).group(1) == linktype_name(linktype)


def test_linktype_name_of_an_unknown_type_is_its_number():
    assert linktype_name(60000) == "60000"
    assert linktype_name(RAW_DLT12) == linktype_name(RAW_DLT14) == "RAW"


# --- reading files other tools wrote -------------------------------------------------


def editcap(src, dst, file_type):
    subprocess.run([need("editcap"), "-F", file_type, str(src), str(dst)], check=True,
                   capture_output=True)
    return dst


def packets(records, unit_ns=1):
    return [(r.ts_ns // unit_ns * unit_ns, r.data, r.orig_len, r.linktype) for r in records]


@pytest.mark.parametrize("name", ["802.1ad_QinQ.pcap", "tcp-handshake-nano.pcap",
                                  "tcp_rst_diag_payload.pcap", "slow-ossp.pcap"])
@pytest.mark.parametrize("file_type", ["pcapng", "pcap", "nsecpcap"])
def test_reads_what_editcap_writes(tmp_path, name, file_type):
    original = read_all(DATA / name)
    converted = read_all(editcap(DATA / name, tmp_path / f"out.{file_type}", file_type))
    unit = 1000 if file_type == "pcap" else 1
    assert packets(converted) == packets(original, unit)


def test_reads_the_modified_pcap_format(tmp_path):
    path = editcap(DATA / "802.1ad_QinQ.pcap", tmp_path / "m.pcap", "modpcap")
    assert path.read_bytes()[:4] == struct.pack("<I", 0xA1B2CD34)
    assert packets(read_all(path)) == packets(read_all(DATA / "802.1ad_QinQ.pcap"))


def test_reads_a_pcapng_tshark_writes_from_our_pcap(tmp_path):
    tshark = need("tshark")
    records = [Record(1_600_000_000_000_001_000 * 1 + i, ether(bytes([i]))) for i in range(3)]
    ours = write_pcap(tmp_path / "o.pcap", records, nanosecond=True)
    theirs = tmp_path / "t.pcapng"
    subprocess.run([tshark, "-r", str(ours), "-F", "pcapng", "-w", str(theirs)], check=True,
                   capture_output=True)
    assert packets(read_all(theirs)) == packets(records)


@pytest.mark.parametrize("name", ["tcp-handshake-nano.pcap", "bgp-role.pcapng"])
def test_gzip_is_read_transparently_with_or_without_the_suffix(tmp_path, name):
    raw = (DATA / name).read_bytes()
    for target in (tmp_path / (name + ".gz"), tmp_path / "no-suffix"):
        target.write_bytes(gzip.compress(raw))
        assert read_all(target) == read_all(DATA / name)


def test_damaged_gzip_is_a_capture_file_error(tmp_path):
    data = bytearray(gzip.compress((DATA / "bgp-role.pcapng").read_bytes()))
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "bad.pcapng.gz"
    path.write_bytes(bytes(data))
    _, error = read_until_error(path)
    assert error is not None and str(error).startswith(str(path) + ": ")


# --- files in tests/data and the public corpus ---------------------------------------


def data_files():
    return sorted(p for p in DATA.iterdir() if p.name != "PROVENANCE")


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_data_file_reads_or_fails_cleanly(path):
    records, error = read_until_error(path)
    assert error is None or "\n" not in str(error)


def test_provenance_lists_every_data_file():
    rows = [line.split("\t") for line in (DATA / "PROVENANCE").read_text().splitlines()
            if line and not line.startswith("#")]
    assert {row[0] for row in rows} >= {p.name for p in data_files()}
    assert all(len(row) >= 5 for row in rows)


# Files whose timestamps tshark shows unnormalised (a fraction >= 1 s, or orig_len 0).
TSHARK_TIME_ODDITIES = {"timestamp_invalid_micro.pcap", "rx_serviceid_oobr.pcap"}
OUR_DATA = ["802.1ad_QinQ.pcap", "slow-ossp.pcap", "tcp-handshake-nano.pcap",
            "LINKTYPE_IPV4.pcap", "LINKTYPE_IPV6.pcap", "LINKTYPE_RAW_ipv4.pcap",
            "LINKTYPE_RAW_ipv6.pcap", "tcp_rst_diag_payload.pcap", "ipv6-rthdr-oobr.pcap",
            "rx_serviceid_oobr.pcap", "bgp-role.pcapng", "ospf2-seg-fault-1.pcapng",
            "time_2106_overflow.pcapng", "msnlb2.pcapng", "timestamp_invalid_micro.pcap"]


@pytest.mark.parametrize("name", OUR_DATA)
def test_data_files_agree_with_tshark(name):
    path = DATA / name
    records = read_all(path)
    rows = tshark_rows(path, "frame.time_epoch", "frame.len", "frame.cap_len",
                       "frame.interface_name", "frame.packet_flags_direction")
    assert len(rows) == len(records)
    for (t, length, cap, ifname, d), rec in zip(rows, records):
        if name not in TSHARK_TIME_ODDITIES:
            assert ns_of(t) == rec.ts_ns
        assert (int(length), int(cap), TSHARK_DIRECTION[d]) == (
            rec.orig_len, len(rec.data), rec.direction)
        assert (None if ifname in ("", "unknown") else ifname) == rec.ifname


def corpus_rows():
    manifest = CORPUS / "MANIFEST.jsonl"
    if not manifest.exists():
        return [pytest.param(None, id="corpus-absent")]
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [pytest.param(row, id=Path(row["file"]).name) for row in rows]


@pytest.mark.parametrize("row", corpus_rows())
def test_corpus_file_reads_with_the_manifest_packet_count(row):
    if row is None:
        pytest.skip(f"{CORPUS} is not here (it lives outside the repository)")
    path = CORPUS / row["file"]
    records, error = read_until_error(path)
    # tshark read every corpus file to its end, so a CaptureFileError here is ours.
    assert error is None, str(error)
    assert len(records) == row["packets"]


def test_corpus_has_no_file_the_manifest_misses():
    if not CORPUS_FILES.is_dir():
        pytest.skip(f"{CORPUS_FILES} is not here")
    lines = (CORPUS / "MANIFEST.jsonl").read_text().splitlines()
    listed = {json.loads(line)["file"] for line in lines if line.strip()}
    for path in CORPUS_FILES.iterdir():
        assert str(path.relative_to(CORPUS)) in listed
        read_until_error(path)   # and any file at all raises nothing but CaptureFileError


# --- truncation, corruption and refusals ---------------------------------------------


def truncation_sources(tmp_path):
    ours = write_pcapng(tmp_path / "ours.pcapng", sample_records())
    gz = tmp_path / "QinQ.pcap.gz"
    gz.write_bytes(gzip.compress((DATA / "802.1ad_QinQ.pcap").read_bytes()))
    return [ours, gz] + [DATA / n for n in ("802.1ad_QinQ.pcap", "slow-ossp.pcap",
                                            "tcp-handshake-nano.pcap", "bgp-role.pcapng",
                                            "ospf2-seg-fault-1.pcapng")]


def test_a_file_cut_anywhere_reads_a_prefix_or_raises_capture_file_error(tmp_path):
    for source in truncation_sources(tmp_path):
        full = read_all(source)
        data = source.read_bytes()
        cut = tmp_path / ("cut" + "".join(source.suffixes))
        for end in range(0, len(data), 7):
            cut.write_bytes(data[:end])
            records, error = read_until_error(cut)
            assert records == full[:len(records)], (source.name, end)
            if error is None:
                assert len(records) < len(full), (source.name, end)
            else:
                assert str(error).startswith(f"{cut}: ") and "\n" not in str(error)


def test_cut_record_names_the_offset(tmp_path):
    data = (DATA / "802.1ad_QinQ.pcap").read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:24 + 16 + 10])
    records, error = read_until_error(path)
    assert records == []
    assert str(error) == f"{path}: truncated packet data (10 of 64 bytes) at offset 40"


def test_random_corruption_raises_nothing_but_capture_file_error(tmp_path):
    rng = random.Random(4242)
    for source in truncation_sources(tmp_path)[:1] + [DATA / "bgp-role.pcapng",
                                                      DATA / "tcp-handshake-nano.pcap"]:
        data = source.read_bytes()
        bad = tmp_path / ("bad" + "".join(source.suffixes))
        for _ in range(300):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            bad.write_bytes(bytes(mutated))
            read_until_error(bad)


@pytest.mark.parametrize("content", [b"", b"\xd4\xc3", b"hello, world, not a capture",
                                     bytes(range(256))])
def test_garbage_is_not_a_pcap_or_pcapng_file(tmp_path, content):
    path = tmp_path / "junk.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureFileError) as info:
        read_all(path)
    assert str(info.value) == f"{path}: not a pcap or pcapng file"


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_all(tmp_path / "nope.pcap")


def pcap_header(order="<", magic=0xA1B2C3D4, linktype=ETHERNET):
    return struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)


def test_a_huge_pcap_record_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.pcap"
    path.write_bytes(pcap_header() + struct.pack("<IIII", 0, 0, 64, 64) + ether()[:64].ljust(64)
                     + struct.pack("<IIII", 1, 0, MAX_RECORD + 1, MAX_RECORD + 1) + bytes(100))
    records, error = read_until_error(path)
    assert len(records) == 1
    assert str(error) == (f"{path}: record of {MAX_RECORD + 1} bytes exceeds the 256 MiB limit "
                          "at offset 104")


def test_big_endian_nanosecond_pcap(tmp_path):
    path = tmp_path / "be.pcap"
    path.write_bytes(pcap_header(">", 0xA1B23C4D, RAW) + struct.pack(">IIII", 7, 5, 20, 40)
                     + IPV4_PACKET[:20])
    assert read_all(path) == [Record(7_000_000_005, IPV4_PACKET[:20], 40, RAW)]


def test_pcap_linktype_upper_bits_are_not_the_link_type(tmp_path):
    [rec] = read_all(DATA / "ipv6-rthdr-oobr.pcap")   # 0x300000e5: FCS bits over IPV6
    assert rec.linktype == IPV6


# --- hand-built pcapng: both byte orders and the less common blocks ------------------


def block(order, btype, body):
    body += bytes(-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def option(order, code, value):
    return struct.pack(order + "HH", code, len(value)) + value + bytes(-len(value) % 4)


def end_of_options(order):
    return struct.pack(order + "HH", 0, 0)


def shb(order):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(order, linktype, *options, snaplen=0):
    opts = b"".join(option(order, c, v) for c, v in options)
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen)
                 + (opts + end_of_options(order) if opts else b""))


def epb(order, if_id, ticks, data, orig_len=None, flags=None):
    opts = b""
    if flags:
        opts = option(order, 2, struct.pack(order + "I", flags)) + end_of_options(order)
    head = struct.pack(order + "IIIII", if_id, ticks >> 32, ticks & 0xFFFFFFFF, len(data),
                       len(data) if orig_len is None else orig_len)
    return block(order, 6, head + data + bytes(-len(data) % 4) + opts)


def big_endian_section():
    be = ">"
    return [
        shb(be),
        idb(be, ETHERNET, (2, b"eth9\0"), (9, bytes([0x80 | 20])), (14, struct.pack(">q", 100))),
        block(be, 4, struct.pack(">HH", 0, 0)),                     # name resolution: skipped
        epb(be, 0, 3 << 20, ether(), flags=2),                       # 3 s at 2^-20 s + 100 s offset
        block(be, 3, struct.pack(">I", 42) + ether()),               # SPB: no timestamp
        block(be, 2, struct.pack(">HHIIII", 0, 0, 0, 1 << 20, 20, 20) + IPV4_PACKET[:20]
              + option(be, 2, struct.pack(">I", 1)) + end_of_options(be)),   # obsolete PB
    ]


BIG_ENDIAN_RECORDS = [
    Record(103_000_000_000, ether(), 42, ETHERNET, "eth9", "out", 0),
    Record(0, ether(), 42, ETHERNET, "eth9", None, 0),
    Record(101_000_000_000, IPV4_PACKET[:20], 20, ETHERNET, "eth9", "in", 0),
]


def test_big_endian_pcapng_with_power_of_two_resolution_offset_spb_and_pb(tmp_path):
    path = tmp_path / "be.pcapng"
    path.write_bytes(b"".join(big_endian_section()))
    records = read_all(path)
    assert records == BIG_ENDIAN_RECORDS
    rows = tshark_rows(path, "frame.time_epoch", "frame.len", "frame.cap_len",
                       "frame.interface_name", "frame.packet_flags_direction")
    # tshark gives a simple packet block no time at all; we give it 0
    assert [(ns_of(t or "0"), int(length), int(cap), name, TSHARK_DIRECTION[d])
            for t, length, cap, name, d in rows] == [
        (r.ts_ns, r.orig_len, len(r.data), r.ifname, r.direction) for r in records]


def test_pcapng_sections_switch_byte_order_and_restart_interface_ids(tmp_path):
    le = "<"
    content = b"".join(big_endian_section() + [
        block(">", 0x0BAD, b"vendor stuff"),                         # unknown: skipped
        shb(le),
        idb(le, RAW, (9, bytes([3]))),
        epb(le, 0, 1500, IPV4_PACKET, flags=1),
        block(le, 5, struct.pack("<III", 0, 0, 0)),                  # interface statistics
    ])
    path = tmp_path / "mixed.pcapng"
    path.write_bytes(content)
    assert read_all(path) == BIG_ENDIAN_RECORDS + [
        Record(1_500_000_000, IPV4_PACKET, None, RAW, None, "in", 0)]


def test_spb_respects_the_interface_snaplen(tmp_path):
    path = tmp_path / "spb.pcapng"
    path.write_bytes(shb("<") + idb("<", ETHERNET, snaplen=20)
                     + block("<", 3, struct.pack("<I", 60) + ether()))
    [rec] = read_all(path)
    assert (rec.data, rec.orig_len) == (ether()[:20], 60)


def malformed_pcapng_cases():
    good = shb("<") + idb("<", ETHERNET)
    packet = epb("<", 0, 0, ether())
    bad_length = bytearray(packet)
    bad_length[4] += 2                                       # 2 more than the trailer says
    return {
        "not a multiple of 4": good + bytes(bad_length),
        "block trailer length": good + packet[:-4] + struct.pack("<I", len(packet) + 4),
        "undefined interface 3": good + epb("<", 3, 0, ether()),
        "captured length 9999 overruns": good + block(
            "<", 6, struct.pack("<IIIII", 0, 0, 0, 9999, 9999) + ether()),
        "option 2 of 200 bytes overruns": good + block(
            "<", 6, struct.pack("<IIIII", 0, 0, 0, 4, 4) + b"abcd" + struct.pack("<HH", 2, 200)),
        "bad byte-order magic": good + b"\x0a\x0d\x0d\x0a" + struct.pack("<II", 28, 0x12345678)
        + bytes(16),
        "unsupported pcapng version 2.0": good + block(
            "<", 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 2, 0, -1)),
        "exceeds the 256 MiB limit": good + struct.pack("<II", 6, MAX_RECORD + 4),
        "block length 8 is too short": good + struct.pack("<III", 6, 8, 8),
        "enhanced packet block too short": good + block("<", 6, b"\0" * 8),
        "captured length 100 overruns": good + block("<", 3, struct.pack("<I", 100) + ether()),
    }


@pytest.mark.parametrize("reason", list(malformed_pcapng_cases()))
def test_malformed_pcapng_gives_one_line_after_the_good_records(tmp_path, reason):
    path = tmp_path / "m.pcapng"
    first = epb("<", 0, 1000, ether())
    content = malformed_pcapng_cases()[reason]
    head = shb("<") + idb("<", ETHERNET)
    path.write_bytes(head + first + content[len(head):])
    records, error = read_until_error(path)
    assert len(records) == 1
    assert error is not None and reason in str(error)
    assert re.fullmatch(rf"{re.escape(str(path))}: [^\n]+ at offset \d+", str(error))


# --- to_ethernet ---------------------------------------------------------------------


def eth_parts(frame):
    return frame[:6], frame[6:12], struct.unpack("!H", frame[12:14])[0], frame[14:]


def test_ethernet_records_pass_as_they_are():
    frame = ether(bytes(50))
    assert to_ethernet(Record(0, frame), DST, SRC) == frame
    assert ethernet_refusal(Record(0, frame)) is None


@pytest.mark.parametrize("linktype", [RAW, RAW_DLT12, RAW_DLT14])
def test_raw_ip_gets_an_ethertype_from_the_version(linktype):
    assert eth_parts(to_ethernet(Record(0, IPV4_PACKET, linktype=linktype), DST, SRC)) == (
        DST, SRC, 0x0800, IPV4_PACKET)
    assert eth_parts(to_ethernet(Record(0, IPV6_PACKET, linktype=linktype), DST, SRC)) == (
        DST, SRC, 0x86DD, IPV6_PACKET)
    assert to_ethernet(Record(0, b"\x20" + IPV4_PACKET[1:], linktype=linktype), DST, SRC) is None
    assert "IP version 2" in ethernet_refusal(Record(0, b"\x20", linktype=linktype))


def test_ipv4_and_ipv6_link_types():
    assert eth_parts(to_ethernet(Record(0, IPV4_PACKET, linktype=IPV4), DST, SRC))[2] == 0x0800
    assert eth_parts(to_ethernet(Record(0, IPV6_PACKET, linktype=IPV6), DST, SRC))[2] == 0x86DD


@pytest.mark.parametrize("linktype,header,ethertype", [
    (NULL, struct.pack("<I", 2), 0x0800), (NULL, struct.pack(">I", 2), 0x0800),
    (NULL, struct.pack("<I", 30), 0x86DD), (NULL, struct.pack(">I", 24), 0x86DD),
    (NULL, struct.pack("<I", 28), 0x86DD), (LOOP, struct.pack(">I", 2), 0x0800),
    (LOOP, struct.pack(">I", 24), 0x86DD)])
def test_loopback_address_family_becomes_the_ethertype(linktype, header, ethertype):
    rec = Record(0, header + IPV4_PACKET, linktype=linktype)
    assert eth_parts(to_ethernet(rec, DST, SRC)) == (DST, SRC, ethertype, IPV4_PACKET)


def test_loopback_refusals():
    unknown_family = Record(0, struct.pack("<I", 7) + IPV4_PACKET, linktype=NULL)
    assert to_ethernet(unknown_family, DST, SRC) is None
    assert "family 7" in ethernet_refusal(Record(0, struct.pack(">I", 7), linktype=LOOP))
    assert "cut short" in ethernet_refusal(Record(0, b"\x02\0", linktype=NULL))


def sll(protocol, addr=b"\xaa\xbb\xcc\xdd\xee\xff", pkt_type=0):
    return struct.pack("!HHH8sH", pkt_type, 1, len(addr), addr, protocol)


def sll2(protocol, addr=b"\xaa\xbb\xcc\xdd\xee\xff", pkt_type=0):
    return struct.pack("!HHIHBB8s", protocol, 0, 3, 1, pkt_type, len(addr), addr)


@pytest.mark.parametrize("linktype,build", [(LINUX_SLL, sll), (LINUX_SLL2, sll2)])
def test_cooked_captures(linktype, build):
    mac = bytes.fromhex("aabbccddeeff")
    rec = Record(0, build(0x86DD) + IPV6_PACKET, linktype=linktype)
    assert eth_parts(to_ethernet(rec, DST, SRC)) == (DST, mac, 0x86DD, IPV6_PACKET)
    no_address = Record(0, build(0x0800, addr=b"") + IPV4_PACKET, linktype=linktype)
    assert eth_parts(to_ethernet(no_address, DST, SRC)) == (DST, SRC, 0x0800, IPV4_PACKET)
    netlink = Record(0, build(0x0010) + bytes(16), linktype=linktype)
    assert to_ethernet(netlink, DST, SRC) is None
    assert "0x0010 is not an ethertype" in ethernet_refusal(netlink)
    assert "cut short" in ethernet_refusal(Record(0, build(0x0800)[:10], linktype=linktype))


def test_other_link_types_are_refused_by_name():
    rec = Record(0, bytes(40), linktype=105)
    assert to_ethernet(rec, DST, SRC) is None
    assert ethernet_refusal(rec) == "link type IEEE802_11 cannot be made Ethernet"


@pytest.mark.parametrize("name", ["tcp_rst_diag_payload.pcap", "bgp-role.pcapng",
                                  "tcp-handshake-nano.pcap", "LINKTYPE_IPV6.pcap",
                                  "LINKTYPE_RAW_ipv4.pcap", "ospf2-seg-fault-1.pcapng"])
def test_data_files_become_ethernet_carrying_the_same_ip_packet(name):
    for rec in read_all(DATA / name):
        frame = to_ethernet(rec, DST, SRC)
        assert frame is not None, ethernet_refusal(rec)
        _, _, ethertype, payload = eth_parts(frame)
        assert ethertype in (0x0800, 0x86DD)
        assert rec.data.endswith(payload)
        assert payload[0] >> 4 == (4 if ethertype == 0x0800 else 6)
