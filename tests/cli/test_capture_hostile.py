"""Hostile and unusual capture files through `capture read`/`replay`/`show`: FIFOs and pipes,
records beyond what the ring keeps, timestamps beyond time_t, NUL bytes in file names."""
import errno
import gzip
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from netsh.cli import main
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_serve import serving  # noqa: F401  (a served stack in its own runtime dir)

DATA = Path(__file__).resolve().parents[1] / "data" / "print-flags.pcap"
ROOT = Path(__file__).resolve().parents[2]
ETH_FRAME = bytes(12) + b"\x08\x00" + bytes(20)


def run_batch(tmp_path, text, *options):
    path = tmp_path / "c.batch"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return main([*options, "-b", str(path)])


def pcap(records, snaplen=65535) -> bytes:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)
    return head + b"".join(struct.pack("<IIII", 1, 0, len(d), len(d)) + d for d in records)


def block(btype: int, body: bytes) -> bytes:
    body += bytes(-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def pcapng_one_packet(idb_options: bytes, ts: int) -> bytes:
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", 1, 0, 0) + idb_options + struct.pack("<HH", 0, 0))
    epb = block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(ETH_FRAME), len(ETH_FRAME))
                + ETH_FRAME)
    return shb + idb + epb


def option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + bytes(-len(value) % 4)


# --- timestamps a file can hold, beyond the platform's time_t --------------------------

@pytest.mark.parametrize("options, ts, date", [
    (option(14, struct.pack("<q", 2 ** 63 - 1)), 0, "Dec  4, 292277026596 15:30"),
    (option(9, b"\x00"), 2 ** 64 - 1, "Nov  9, 584554051223 07:00"),
    (option(14, struct.pack("<q", -2 ** 63)), 0, "Jan 27, -292277022657 08:29"),
], ids=["tsoffset-max", "tsresol-0", "tsoffset-min"])
def test_any_timestamp_a_file_holds_prints(tmp_path, capsys, options, ts, date):
    f = tmp_path / "t.pcapng"
    f.write_bytes(pcapng_one_packet(options, ts))
    assert run_batch(tmp_path, f"capture read {f}\ncapture show\ncapture show -V\n") == 0
    assert run_batch(tmp_path, f"capture read {f}\ncapture show\n", "-j") == 0
    out, err = capsys.readouterr()
    assert f"Arrival Time: {date}" in out and "Error" not in err
    assert run_batch(tmp_path, f"capture read {f}\ncapture save {tmp_path}/o.pcap\n") == 1
    err = capsys.readouterr().err
    assert f'Error: cannot save packet 1 to "{tmp_path}/o.pcap": timestamp ' in err
    assert "does not fit a pcap file" in err


# --- records beyond what the ring keeps of one packet ---------------------------------

def test_a_record_longer_than_kept_is_cut_and_said(tmp_path, capsys):
    big = ETH_FRAME + bytes(300_000)
    for name, content in (("big.pcap", pcap([ETH_FRAME, big], snaplen=0xFFFFFFFF)),):
        f = tmp_path / name
        f.write_bytes(content)
        assert run_batch(tmp_path, f"capture read {f}\ncapture show -V 2\n") == 0
        out, err = capsys.readouterr()
        assert f"2 packets read from {f}" in out
        assert "262144 bytes captured" in out
        assert (f"Warning: {f}: 1 records longer than 262144 bytes were cut to their first "
                f"262144 (record 2: {len(big)} bytes)") in err


def test_a_pcapng_block_longer_than_kept_is_cut(tmp_path):
    from stack.capfile import read
    big = ETH_FRAME + bytes(300_000)
    f = tmp_path / "big.pcapng"
    shb_idb = pcapng_one_packet(b"", 0)
    epb = block(6, struct.pack("<IIIII", 0, 0, 0, len(big), len(big)) + big
                + option(2, struct.pack("<I", 1)) + struct.pack("<HH", 0, 0))
    f.write_bytes(shb_idb + epb)
    records = list(read(str(f), keep=1000))
    assert [len(r.data) for r in records] == [len(ETH_FRAME), 1000]
    assert records[1].cut > 299_000 and records[1].orig_len == len(big)
    assert [len(r.data) for r in read(str(f))] == [len(ETH_FRAME), len(big)]


def test_a_file_larger_than_the_ring_is_shown_whole_a_fifo_keeps_the_newest(tmp_path, capsys, monkeypatch):
    """A regular file is indexed, not copied: every packet; a FIFO cannot be seeked, so it
    streams into the ring, which keeps the newest and says how many older did not fit."""
    import stack.capture
    monkeypatch.setattr(stack.capture, "RING_PACKETS", 3)
    monkeypatch.setattr(stack.capture.Ring.__init__, "__defaults__", (3, stack.capture.RING_BYTES))
    f = tmp_path / "five.pcap"
    f.write_bytes(pcap([ETH_FRAME] * 5))
    assert run_batch(tmp_path, f"capture read {f}\ncapture show\n") == 0
    out = capsys.readouterr().out
    assert f"5 packets read from {f}\n" in out and [line.split()[0] for line in out.splitlines()[1:]] == [
        "1", "2", "3", "4", "5"]
    fifo = tmp_path / "five.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(f.read_bytes(),))
    writer.start()
    assert run_batch(tmp_path, f"capture read {fifo}\ncapture show\n") == 0
    writer.join()
    out = capsys.readouterr().out
    assert f"3 packets read from {fifo} (the newest; 2 older did not fit the ring)" in out
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["1", "2", "3"]


def test_a_gzip_bomb_is_stopped_and_said(tmp_path, capsys, monkeypatch):
    import stack.capfile.reader as reader
    monkeypatch.setattr(reader, "INFLATION_FLOOR", 1 << 20)
    f = tmp_path / "bomb.pcap.gz"
    f.write_bytes(gzip.compress(pcap([b""] * 200_000), 9))      # 3.2 MB from some 10 kB
    assert run_batch(tmp_path, f"capture read {f}\n") == 0
    out, err = capsys.readouterr()
    assert "bytes of gzip inflated to" in err and "over 100 times" in err and "kept the" in err


# --- FIFOs, pipes and standard input --------------------------------------------------

def netsh(*args, text=True, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "netsh", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text, **kw)


def batch_on_fifo(tmp_path, after: str = ""):
    """A FIFO, and a netsh batch reading it (then `after`) started in its own process."""
    fifo = tmp_path / "f.pcap"
    os.mkfifo(fifo)
    (tmp_path / "b").write_text(f"capture read {fifo}\n{after}")
    return fifo, netsh("-b", str(tmp_path / "b"))


def test_a_fifo_whose_writer_comes_late_is_read(tmp_path):
    fifo, proc = batch_on_fifo(tmp_path, "capture show\n")
    time.sleep(0.5)
    assert proc.poll() is None            # waiting for a writer, not failed at open
    with open(fifo, "wb") as w:
        w.write(DATA.read_bytes())
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"packets read from {fifo}" in out


def test_ctrl_c_stops_a_fifo_with_no_writer(tmp_path):
    _, proc = batch_on_fifo(tmp_path)
    time.sleep(1.0)
    proc.send_signal(2)
    proc.communicate(timeout=10)
    assert proc.returncode not in (None, 0)


def test_standard_input_is_read_as_dash(tmp_path):
    (tmp_path / "b").write_text("capture read -\ncapture show 1\n")
    proc = netsh("-b", str(tmp_path / "b"), stdin=subprocess.PIPE, text=False)
    out, err = proc.communicate(DATA.read_bytes(), timeout=30)
    assert proc.returncode == 0, err
    assert b"packets read from -" in out


def test_a_served_read_of_a_fifo_stops_on_interrupt(tmp_path):
    from stack.capfile import read
    fifo = tmp_path / "f.pcap"
    os.mkfifo(fifo)
    flag = threading.Event()
    threading.Timer(0.3, flag.set).start()
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        list(read(str(fifo), interrupted=flag.is_set))
    assert time.monotonic() - began < 2


# --- file names ---------------------------------------------------------------------

@pytest.mark.parametrize("line", ["capture save /tmp/a\0b", "capture read /tmp/a\0b",
                                  "capture start write /tmp/a\0b", "replay /tmp/a\0b dev a",
                                  "save /tmp/a\0b", "load /tmp/a\0b"])
def test_a_nul_byte_in_a_file_name_is_a_bad_value(tmp_path, capsys, line):
    assert run_batch(tmp_path, "link add a type pair peer b\n" + line + "\n") == 1
    err = capsys.readouterr().err
    assert 'Error: invalid FILE "/tmp/a\0b": a file name cannot hold a NUL byte' in err
    assert "internal" not in err


def test_a_served_read_of_a_fifo_is_interrupted_and_the_stack_goes_on(serving, tmp_path):
    fifo = tmp_path / "f.pcap"
    os.mkfifo(fifo)
    serving.serve("t")
    reader = serving.popen("-n", "t", "capture", "read", str(fifo))
    time.sleep(1.0)
    status = serving.run("-n", "t", "capture", "status", timeout=15)   # the stack's thread is free
    assert status.returncode == 0 and "capture stopped" in status.stdout
    reader.send_signal(2)
    out, err = reader.communicate(timeout=15)
    assert reader.returncode not in (None, 0) and "Traceback" not in err
    time.sleep(0.3)
    with pytest.raises(OSError) as gone:        # the server's worker let go of the FIFO
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert gone.value.errno == errno.ENXIO
    again = serving.run("-n", "t", "capture", "read", str(DATA), timeout=30)
    assert again.returncode == 0 and "packets read from" in again.stdout
