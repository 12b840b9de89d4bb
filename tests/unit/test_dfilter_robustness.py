"""Every capture of tests/data and of the shared corpus through display filters: no exception.

Malformed, truncated and odd frames (the corpus has many, on purpose) must give a verdict,
never a traceback; the filters read fields of every protocol we dissect, slices past the
ends of short fields, generated fields, regular expressions and functions.
"""
import time

import pytest

from netsh.dfilter import compile_filter
from stack.capture import from_record
from tests.frames import CORPUS, DATA, capture_files, records_of

FILTERS = (
    "tcp.port in {80, 443} or udp.port == 53 or icmp.type == 8 or icmpv6.type in {133..137}",
    "ip.addr == 192.0.2.0/24 or ipv6.addr == 2001:db8::/32 or eth.addr == ff:ff:ff:ff:ff:ff",
    "dns.qry.name matches \"example|tcpdump\" or dhcp.option.hostname contains \"a\" or arp.opcode == 1",
    "eth.src[0:3] == 00:00:5e or frame[-2:] == 00:00 or ip[0] == 0x45 or tcp.payload[4:8] == 00:00:00:00",
    "tcp.flags & 0x12 == 0x12 or len(udp.payload) > 100 or count(dns.a) > 1 or lower(dns.qry.name) == \"x\"",
    "not (ip or ipv6 or arp or llc) and frame.len > 0 or vlan.id == 1 or sll.pkttype == 4 or data",
    "string(ip.src) matches \"^10\\\\.\" or ipv6.opt or tcp.options.mss_val > 1400 or ip.opt.type == 7",
)


def packets():
    folders = [DATA] + ([CORPUS] if CORPUS.is_dir() else [])
    for folder in folders:
        for path in capture_files(folder):
            for number, rec in enumerate(records_of(path), 1):
                yield path.name, from_record(rec, number)


def test_every_frame_through_every_filter_without_an_exception():
    programs = [compile_filter(f) for f in FILTERS]
    started = time.monotonic()
    count = matched = 0
    for name, pkt in packets():
        for program in programs:
            try:
                matched += program(pkt)
            except Exception as exc:           # noqa: BLE001  (the test's point: name the frame)
                pytest.fail(f"{name} frame {pkt.number}: {program.text!r}: {type(exc).__name__}: {exc}")
        count += 1
    assert count > 1000 and 0 < matched < count * len(programs)
    assert time.monotonic() - started < 30
