"""Packet times from integer nanoseconds, in every tshark -t format, checked against tshark
itself on microsecond and nanosecond pcap and pcapng files."""
import os
import subprocess
import time

import pytest

from netsh.timefmt import FORMATS, format_time
from stack.capfile import PcapngWriter, PcapWriter, Record, read
from tests.capgen_udp import ETH_IP_UDP
from tests.tools import need

NS = 1_000_000_000
# a 12 us gap, a gap across a second, a packet earlier than the one before, sub-us parts
STAMPS = [1_700_000_000 * NS + 889_619_000, 1_700_000_000 * NS + 889_631_000,
          1_700_000_001 * NS + 5_123, 1_700_000_000 * NS + 3_987, 1_700_086_400 * NS + 999_999_999]


def _write(path, kind):
    if kind.startswith("pcapng"):
        writer = PcapngWriter(path, nanosecond=kind.endswith("ns"))
    else:
        writer = PcapWriter(path, nanosecond=kind.endswith("ns"))
    with writer:
        for ts in STAMPS:
            writer.write(Record(ts, ETH_IP_UDP))


def _ours(path, fmt, digits):
    stamps = [rec.ts_ns for rec in read(path)]
    out, prev = [], None
    for ts in stamps:
        out.append(format_time(fmt, ts, digits, first_ns=stamps[0], prev_ns=prev, prev_shown_ns=prev))
        prev = ts
    return out


@pytest.mark.parametrize("kind,digits", [("pcap-us", 6), ("pcap-ns", 9), ("pcapng-us", 6),
                                         ("pcapng-ns", 9)])
def test_times_agree_with_tshark_in_every_format(tmp_path, monkeypatch, kind, digits):
    tshark = need("tshark")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    path = str(tmp_path / f"t.{kind}")
    _write(path, kind)
    for fmt in FORMATS:
        theirs = subprocess.run([tshark, "-r", path, "-t", fmt, "-T", "fields", "-e", "_ws.col.Time"],
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "TZ": "UTC"}).stdout.split("\n")[:-1]
        assert _ours(path, fmt, digits) == theirs, fmt


def test_a_twelve_microsecond_gap_prints_exactly():
    assert format_time("d", 1_000_012_000, 6, prev_ns=1_000_000_000) == "0.000012"
    assert format_time("e", 1_700_000_000_889_619_000, 9) == "1700000000.889619000"
    with pytest.raises(ValueError, match="time format"):
        format_time("x", 0)
