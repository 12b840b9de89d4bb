"""A file shown by `capture read` is indexed, not copied into the ring: every packet by the
file's own numbers and times, paged through; times are integer ns to the file's precision and
printed in tshark's -t formats, checked against tshark on the same files."""
import subprocess
from pathlib import Path

import pytest

from stack.capfile import PcapngWriter, Record, read
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_hostile import pcap, run_batch
from tests.tools import need

DATA = Path(__file__).resolve().parents[1] / "data"
FRAME = bytes(12) + b"\x08\x00" + bytes.fromhex("4500001c00000000401100000000000000000000") + bytes(8)


def out_lines(capsys) -> list[str]:
    return [line.rstrip() for line in capsys.readouterr().out.splitlines() if line.strip()]


def time_column(line: str) -> str:
    """The time text of a summary line: what stands between the number and the source."""
    left = line.split(" → ")[0].split()
    return " ".join(left[1:-1])


def tshark_lines(path, *args) -> list[str]:
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["tcp-handshake-nano.pcap", "dns_udp_2.pcap", "icmpv6.pcap"])
@pytest.mark.parametrize("fmt", ["r", "d", "e", "u", "ud", "a", "ad"])
def test_time_formats_agree_with_tshark(tmp_path, capsys, name, fmt):
    path = DATA / name
    assert run_batch(tmp_path, f"capture read {path}\ncapture show -t {fmt}\n") == 0
    mine = out_lines(capsys)[1:]
    theirs = tshark_lines(path, "-t", fmt)
    assert mine and [time_column(line) for line in mine] == [time_column(line) for line in theirs]


def test_delta_displayed_follows_the_display_filter_as_tshark(tmp_path, capsys):
    path, expression = DATA / "icmpv6.pcap", "icmpv6.type == 143"
    assert run_batch(tmp_path, f"capture read {path}\ncapture show -t dd -Y {expression}\n"
                               f"capture show -t d -Y {expression}\n") == 0
    mine = out_lines(capsys)[1:]
    theirs = tshark_lines(path, "-t", "dd", "-Y", expression) + tshark_lines(path, "-t", "d", "-Y", expression)
    assert len(mine) == len(theirs) == 6
    assert [time_column(line) for line in mine] == [time_column(line) for line in theirs]


def test_nanoseconds_a_float_cannot_hold_come_through_exact(tmp_path, capsys):
    path = tmp_path / "ns.pcapng"
    times = [1_700_000_000_123_456_789, 1_700_000_000_123_468_790]     # 12.001 us apart
    with PcapngWriter(str(path)) as writer:
        for ts in times:
            writer.write(Record(ts_ns=ts, data=FRAME, orig_len=len(FRAME), linktype=1))
    assert run_batch(tmp_path, f"capture read {path}\ncapture show -t e\ncapture show\ncapture show 2 -V\n") == 0
    lines = out_lines(capsys)
    assert [time_column(line) for line in lines[1:3]] == ["1700000000.123456789", "1700000000.123468790"]
    assert [time_column(line) for line in lines[3:5]] == ["0.000000000", "0.000012001"]
    assert any(line.strip() == "Arrival Time: Nov 14, 2023 22:13:20.123468790 UTC" for line in lines)


def test_a_file_longer_than_the_ring_pages_by_its_own_numbers(tmp_path, capsys, monkeypatch):
    import stack.capture
    monkeypatch.setattr(stack.capture, "RING_PACKETS", 10)
    monkeypatch.setattr(stack.capture.Ring.__init__, "__defaults__", (10, stack.capture.RING_BYTES))
    frames = [FRAME[:-1] + bytes([i]) for i in range(50)]
    src = tmp_path / "fifty.pcap"
    src.write_bytes(pcap(frames))
    copy = tmp_path / "copy.pcap"
    assert run_batch(tmp_path, f"capture read {src}\ncapture show from 45 count 3\ncapture show 50\n"
                               f"capture show last 2\ncapture status\ncapture save {copy}\n") == 0
    lines = out_lines(capsys)
    assert lines[0] == f"50 packets read from {src}"
    assert [line.split()[0] for line in lines[1:7]] == ["45", "46", "47", "50", "49", "50"]
    assert lines[7] == f"capture stopped; file {src}: 50 packets"
    assert lines[8] == f"50 packets saved to {copy}"
    assert [rec.data for rec in read(str(copy))] == frames


def test_a_filtered_file_keeps_the_file_numbers_and_saves_only_those(tmp_path, capsys):
    path, copy = DATA / "icmpv6.pcap", tmp_path / "ns.pcapng"
    expression = "icmpv6.type == 143"
    assert run_batch(tmp_path, f"capture read {path} -Y {expression}\ncapture show\ncapture status\n"
                               f"capture save {copy}\n") == 0
    lines = out_lines(capsys)
    theirs = tshark_lines(path, "-Y", expression)
    count = len(theirs)
    total = len(tshark_lines(path))
    assert lines[0] == f"{count} packets read from {path} ({count} of {total} matched the display filter)"
    assert [line.split()[0] for line in lines[1:1 + count]] == [line.split()[0] for line in theirs]
    assert lines[1 + count] == f"capture stopped; file {path}: {total} packets, {count} shown (display filter)"
    assert len(list(read(str(copy)))) == count


def test_a_capture_start_or_clear_ends_the_file_view(tmp_path, capsys):
    path = DATA / "dns_udp.pcap"
    assert run_batch(tmp_path, f"capture read {path}\ncapture clear\ncapture status\n") == 0
    lines = out_lines(capsys)
    assert lines[-1].startswith("capture stopped") and "file" not in lines[-1]


def test_read_behind_returns_with_a_screenful_and_a_whole_pass_waits_for_the_rest(tmp_path, capsys):
    from tests.capgen_udp import write_udp_pcap
    path = tmp_path / "big.pcap"
    write_udp_pcap(path, 300_000)
    assert run_batch(tmp_path, f"capture read {path} behind\ncapture show 1\n"
                               f"capture save {tmp_path / 'copy.pcap'}\ncapture status\n") == 0
    lines = out_lines(capsys)
    so_far = int(lines[0].split()[0])
    assert 1000 <= so_far < 300_000 and "indexed so far; the rest is being indexed" in lines[0]
    assert lines[1].split()[0] == "1"
    assert lines[2] == f"300000 packets saved to {tmp_path / 'copy.pcap'}"     # save walks it whole
    assert lines[3] == f"capture stopped; file {path}: 300000 packets"


def test_at_pages_a_filters_packets_of_the_live_ring_and_a_new_capture_starts_it_again(tmp_path, capsys):
    replay = f"replay {DATA / 'print-flags.pcap'} dev a\n"
    # only the replayed TCP: the link's own IPv6 start-up (DAD, MLD, RS) comes when it will
    assert run_batch(tmp_path, "link add a type pair peer b\nlink set a up\nlink set b up\n"
                     "capture start dev a filter tcp\n" + replay + "capture show at 2 count 5 -Y tcp.flags.syn == 1\n"
                     "capture stop\ncapture start dev a filter tcp\n" + replay + replay +
                     "capture show at 3 count 1 -Y tcp.flags.syn == 1\n") == 0
    lines = [line for line in out_lines(capsys) if " → " in line]
    assert [line.split()[0] for line in lines] == ["2", "11"]     # the 2nd SYN; then the 3rd of the new capture


def test_read_behind_leaves_damage_and_cut_records_to_capture_status(tmp_path, capsys):
    """What `capture read` warns of at once, a read behind cannot know yet: `capture status`
    tells it once the file is indexed (and the dashboard's list says it once)."""
    from stack.capture import DEFAULT_SNAPLEN
    big = FRAME + bytes(DEFAULT_SNAPLEN + 100 - len(FRAME))
    path = tmp_path / "hurt.pcap"
    path.write_bytes(pcap([FRAME] * 3 + [big, FRAME, big], snaplen=DEFAULT_SNAPLEN * 2)[:-10])   # the tail cut
    assert run_batch(tmp_path, f"capture read {path} behind\ncapture show\ncapture status\n") == 0
    out = out_lines(capsys)
    assert out[-1] == (f"capture stopped; file {path}: 5 packets; 1 records longer than {DEFAULT_SNAPLEN} bytes "
                       f"were cut to their first {DEFAULT_SNAPLEN} (record 4: {len(big)} bytes); damaged: "
                       f"{path}: truncated packet data ({len(big) - 10} of {len(big)} bytes) at offset 262532")


def tcp_stream_pcap(path, segments: int) -> None:
    """A SYN, then `segments` data segments of 10 bytes from the same end (no ACKs come back)."""
    import struct

    def frame(seq, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", 40000, 5000, seq, 5001, 5 << 4, flags, 64240, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp
    path.write_bytes(pcap([frame(1000, 0x02)] + [frame(1001 + 10 * i, 0x18, b"x" * 10) for i in range(segments)]))


def test_a_packet_paged_to_far_ahead_of_the_analysis_gets_it_behind(tmp_path):
    """`quick` (the dashboard's paging) shows a packet far past the conversation analysis at
    once, raw and marked pending; a thread carries the analysis there, and asked again the
    packet comes with it: relative Seq/Ack as tshark gives them."""
    import io
    import json
    import time

    from netsh.app import GRAMMAR
    from netsh.executor import Executor
    from netsh.options import Options
    from stack.runtime import Runtime
    path = tmp_path / "stream.pcap"
    tcp_stream_pcap(path, 30_000)
    runtime = Runtime().start()
    try:
        out = io.StringIO()
        ex = Executor(runtime, Options(json=True), out=out, err=io.StringIO(), grammar=GRAMMAR)

        def run(line):
            start = out.tell()
            assert ex.run_line(line) == 0, line
            return json.loads(out.getvalue()[start:])
        run(f"capture read {path}")
        far = run("capture show from 30000 count 2 quick")
        assert [row.get("analysis_pending") for row in far] == [True, True]
        assert "Seq=300981 " in far[0]["info"]                      # the raw number: no analysis yet
        for _ in range(600):
            status = run("capture status")
            if not status.get("analysing"):
                break
            time.sleep(0.05)
        assert status["analysed"] >= 30001 and status["analysing"] is None
        near = run("capture show from 30000 count 2 quick")
        assert [row.get("analysis_pending") for row in near] == [None, None]
        theirs = tshark_lines(path, "-Y", "frame.number >= 30000 && frame.number <= 30001")
        assert [row["info"] for row in near] == [line.split(" TCP 64 ", 1)[1] for line in theirs]
    finally:
        runtime.stop()
