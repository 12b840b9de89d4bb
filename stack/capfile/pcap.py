"""Classic libpcap files: a 24-byte file header, then (16-byte header, data) per packet.

Read: both byte orders, micro- and nanosecond magics, and the "modified" (Kuznetzov)
variant whose 24-byte record header adds ifindex, protocol and pkt_type (unused: like
tshark we take no direction from pkt_type, which converters fill with 0). A fraction
of a second or more in the timestamp is carried into the seconds.
Write: micro- or nanosecond magic, little-endian.
"""
from __future__ import annotations

import struct
from typing import Iterator, NamedTuple

from .linktype import ETHERNET
from .record import NS_PER_S, Record, as_record
from .stream import Source, Writer

MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D
MAGIC_MODIFIED = 0xA1B2CD34     # microseconds, with the longer record header

FILE_HEADER_LEN = 24
LINKTYPE_MASK = 0xFFFF          # the upper bits carry FCS length and flags, not the link type

# (ns per timestamp unit, record header has the modified tail) by magic
_MAGICS = {MAGIC_US: (1000, False), MAGIC_NS: (1, False), MAGIC_MODIFIED: (1000, True)}




class _Layout(NamedTuple):
    file_header: struct.Struct     # magic ver_major ver_minor thiszone sigfigs snaplen linktype
    record: struct.Struct          # ts_sec ts_frac incl_len orig_len
    modified: struct.Struct        # the same + ifindex protocol pkt_type pad


def _layout(order: str) -> _Layout:
    return _Layout(struct.Struct(order + "IHHiIII"), struct.Struct(order + "IIII"),
                   struct.Struct(order + "IIIIiHBx"))


_LAYOUTS = {"<": _layout("<"), ">": _layout(">")}


def layout_of(head4: bytes) -> _Layout | None:
    """The byte order's layout for a file starting with these four bytes; None if not pcap."""
    for order, layout in _LAYOUTS.items():
        if struct.unpack(order + "I", head4)[0] in _MAGICS:
            return layout
    return None


def read_pcap(src: Source, head4: bytes, keep: int | None = None) -> Iterator[Record]:
    """Records of a pcap file whose first four bytes (already consumed) are head4; of a
    record longer than `keep` bytes, the rest is skipped (Record.cut)."""
    layout = layout_of(head4)
    header = head4 + src.read_exact(FILE_HEADER_LEN - 4, "pcap file header")
    magic, _, _, _, _, _, network = layout.file_header.unpack(header)
    ns_per_unit, is_modified = _MAGICS[magic]
    linktype = network & LINKTYPE_MASK
    record_header = layout.modified if is_modified else layout.record
    while True:
        at = src.offset
        raw = src.read_header(record_header.size, "record header")
        if raw is None:
            return
        fields = record_header.unpack(raw)
        sec, frac, incl_len, orig_len = fields[:4]
        src.check_size(incl_len, "record", at)
        data, cut = src.read_kept(incl_len, keep, "packet data")
        yield Record(sec * NS_PER_S + frac * ns_per_unit, data, orig_len, linktype, None, None, 0, cut)


class PcapWriter(Writer):
    """Write a pcap file of one link type; records are cut to `snaplen`.

    `write()` takes a Record (of this writer's link type) or a (ts_seconds, data) pair.
    With nanosecond=True the file uses the nanosecond magic and keeps ts_ns exactly;
    otherwise timestamps are truncated to microseconds.
    """

    def __init__(self, target, linktype: int = ETHERNET, snaplen: int = 65535,
                 nanosecond: bool = False):
        super().__init__(target)
        self.linktype = linktype
        self.snaplen = snaplen
        self._ns_per_unit = 1 if nanosecond else 1000
        magic = MAGIC_NS if nanosecond else MAGIC_US
        self._emit(_LAYOUTS["<"].file_header.pack(magic, 2, 4, 0, 0, snaplen, linktype))

    def write(self, item) -> None:
        rec = as_record(item, self.linktype)
        if rec.linktype != self.linktype:
            raise ValueError(f"record of link type {rec.linktype} in a pcap file of link type "
                             f"{self.linktype}")
        if rec.ts_ns < 0 or rec.ts_ns // NS_PER_S > 0xFFFFFFFF:
            raise ValueError(f"timestamp {rec.ts_ns} ns does not fit a pcap file")
        sec, rem = divmod(rec.ts_ns, NS_PER_S)
        data = rec.data[:self.snaplen]
        header = _LAYOUTS["<"].record.pack(sec, rem // self._ns_per_unit, len(data), rec.orig_len)
        self._emit(header)
        self._emit(data)
