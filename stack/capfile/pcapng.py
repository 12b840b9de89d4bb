"""pcapng files: a sequence of blocks (type, total length, body, total length again).

Read: sections in either byte order, interfaces (IDB: if_name, if_tsresol as a power
of 10 or 2, if_tsoffset), enhanced, simple and obsolete packet blocks, epb_flags
direction; any other block is skipped.
Write: one little-endian section, an IDB per (ifname, linktype) on first use, EPBs.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from .linktype import ETHERNET
from .record import NS_PER_S, Record, as_record, direction_from_flags, flags_from_direction
from .stream import Source, Writer

SHB_MAGIC = b"\x0a\x0d\x0d\x0a"     # a palindrome: readable before the byte order is known
SHB = 0x0A0D0D0A
IDB = 1
PB = 2          # obsolete packet block
SPB = 3
EPB = 6
BYTE_ORDER_MAGIC = 0x1A2B3C4D

OPT_ENDOFOPT = 0
SHB_USERAPPL = 4
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
IF_TSOFFSET = 14
EPB_FLAGS = 2   # also pack_flags in the obsolete PB

MIN_BLOCK = 12
MIN_SHB = 28


class _Layout(NamedTuple):
    u32: struct.Struct
    block_header: struct.Struct    # type total_length
    shb: struct.Struct             # byte_order_magic major minor section_length
    idb: struct.Struct             # linktype reserved snaplen
    epb: struct.Struct             # interface_id ts_high ts_low caplen origlen
    pb: struct.Struct              # interface_id drops ts_high ts_low caplen origlen
    option: struct.Struct          # code length
    i64: struct.Struct


def _layout(order: str) -> _Layout:
    s = lambda fmt: struct.Struct(order + fmt)     # noqa: E731
    return _Layout(s("I"), s("II"), s("IHHq"), s("HHI"), s("IIIII"), s("HHIIII"), s("HH"), s("q"))


_LAYOUTS = {"<": _layout("<"), ">": _layout(">")}
_LE = _LAYOUTS["<"]


class _Malformed(Exception):
    """A block body that makes no sense; becomes CaptureFileError at the block's offset."""


@dataclass(slots=True)
class _Interface:
    linktype: int
    snaplen: int
    name: str | None = None
    description: str | None = None
    units_per_s: int = 1_000_000
    offset_s: int = 0

    def ts_ns(self, high: int, low: int) -> int:
        return ((high << 32) | low) * NS_PER_S // self.units_per_s + self.offset_s * NS_PER_S


PACKET_FIXED = 28      # a packet block's fields before its data (PB's 20, EPB's 20, SPB's 4), rounded up


def _pad4(n: int) -> int:
    return (n + 3) & ~3


# --- reading -------------------------------------------------------------------------


def read_pcapng(src: Source, head4: bytes, keep: int | None = None) -> Iterator[Record]:
    """Records of a pcapng file whose first four bytes (already consumed) are head4; of a
    packet block longer than `keep` bytes of data, the rest is skipped (Record.cut)."""
    interfaces: list[_Interface] = []
    for btype, body, layout, at, cut in _blocks(src, head4, keep):
        try:
            if btype == SHB:
                interfaces = []
            elif btype == IDB:
                interfaces.append(_parse_idb(body, layout))
            elif btype in _PACKET_PARSERS:
                rec = _PACKET_PARSERS[btype](body, layout, interfaces, cut)
                if cut:
                    rec.cut, rec.data = cut, rec.data[:keep]
                yield rec
        except _Malformed as exc:
            raise src.error(str(exc), at) from None


def _blocks(src: Source, head4: bytes, keep: int | None):
    """(type, body, layout, offset, bytes skipped) per block; each SHB switches the byte order.
    A packet block's body is read up to its fixed fields and `keep` bytes of data."""
    layout = None
    pending = head4
    while True:
        at = src.offset - len(pending)
        if pending == SHB_MAGIC:
            layout, body = _read_shb(src, at)
            yield SHB, body, layout, at, 0
        else:
            btype = layout.u32.unpack(pending)[0]
            (length,) = layout.u32.unpack(src.read_exact(4, "block header"))
            keep_body = None if keep is None or btype not in _PACKET_PARSERS else keep + PACKET_FIXED
            body, cut = _read_body(src, layout, length, MIN_BLOCK, at, keep=keep_body)
            yield btype, body, layout, at, cut
        pending = src.read_header(4, "block header")
        if pending is None:
            return


def _read_shb(src: Source, at: int) -> tuple[_Layout, bytes]:
    raw_length = src.read_exact(4, "section header")
    bom = src.read_exact(4, "section header")
    layout = _layout_of_bom(bom)
    if layout is None:
        raise src.error(f"bad byte-order magic 0x{bom.hex()} in section header", at)
    (length,) = layout.u32.unpack(raw_length)
    body = bom + _read_body(src, layout, length, MIN_SHB, at, already=4)[0]
    _, major, minor, _ = layout.shb.unpack_from(body)
    if major != 1:
        raise src.error(f"unsupported pcapng version {major}.{minor}", at)
    return layout, body


def _layout_of_bom(bom: bytes) -> _Layout | None:
    for layout in _LAYOUTS.values():
        if layout.u32.unpack(bom)[0] == BYTE_ORDER_MAGIC:
            return layout
    return None


def _read_body(src: Source, layout: _Layout, length: int, minimum: int, at: int,
               already: int = 0, keep: int | None = None) -> tuple[bytes, int]:
    """The rest of a block of total length `length`, its header and `already` bytes read,
    cut to `keep` bytes (and how many were skipped); the trailer must repeat the length."""
    if length < minimum:
        raise src.error(f"block length {length} is too short", at)
    if length % 4:
        raise src.error(f"block length {length} is not a multiple of 4", at)
    src.check_size(length, "block", at)
    body, cut = src.read_kept(length - MIN_BLOCK - already, keep, "block body")
    (trailer,) = layout.u32.unpack(src.read_exact(4, "block trailer"))
    if trailer != length:
        raise src.error(f"block trailer length {trailer} does not match {length}", at)
    return body, cut


def _options(body: bytes, pos: int, layout: _Layout) -> Iterator[tuple[int, bytes]]:
    """(code, value) per option from `pos` to the end of the body or opt_endofopt."""
    while pos + 4 <= len(body):
        code, length = layout.option.unpack_from(body, pos)
        if code == OPT_ENDOFOPT:
            return
        pos += 4
        if pos + length > len(body):
            raise _Malformed(f"option {code} of {length} bytes overruns its block")
        yield code, body[pos:pos + length]
        pos += _pad4(length)


def _parse_idb(body: bytes, layout: _Layout) -> _Interface:
    if len(body) < layout.idb.size:
        raise _Malformed("interface description block too short")
    linktype, _, snaplen = layout.idb.unpack_from(body)
    iface = _Interface(linktype, snaplen)
    for code, value in _options(body, layout.idb.size, layout):
        if code == IF_NAME:
            iface.name = value.rstrip(b"\0").decode("utf-8", "replace")
        elif code == IF_DESCRIPTION:
            iface.description = value.rstrip(b"\0").decode("utf-8", "replace")
        elif code == IF_TSRESOL and value:
            iface.units_per_s = _units_per_second(value[0])
        elif code == IF_TSOFFSET and len(value) == 8:
            iface.offset_s = layout.i64.unpack(value)[0]
    return iface


def _units_per_second(tsresol: int) -> int:
    """if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds."""
    return 2 ** (tsresol & 0x7F) if tsresol & 0x80 else 10 ** tsresol


def _interface(interfaces: list[_Interface], if_id: int) -> _Interface:
    if if_id >= len(interfaces):
        raise _Malformed(f"packet on undefined interface {if_id}")
    return interfaces[if_id]


def _packet_data(body: bytes, start: int, caplen: int, cut: int) -> bytes:
    if caplen > len(body) + cut - start:
        raise _Malformed(f"captured length {caplen} overruns its block")
    return body[start:start + caplen]


def _flags_direction(body: bytes, pos: int, layout: _Layout) -> str | None:
    for code, value in _options(body, pos, layout):
        if code == EPB_FLAGS and len(value) == 4:
            return direction_from_flags(layout.u32.unpack(value)[0])
    return None


def _parse_epb(body: bytes, layout: _Layout, interfaces: list[_Interface], cut: int) -> Record:
    if len(body) < layout.epb.size:
        raise _Malformed("enhanced packet block too short")
    if_id, high, low, caplen, orig_len = layout.epb.unpack_from(body)
    return _packet(body, layout, interfaces, if_id, high, low, caplen, orig_len, layout.epb.size, cut)


def _parse_pb(body: bytes, layout: _Layout, interfaces: list[_Interface], cut: int) -> Record:
    if len(body) < layout.pb.size:
        raise _Malformed("packet block too short")
    if_id, _, high, low, caplen, orig_len = layout.pb.unpack_from(body)
    return _packet(body, layout, interfaces, if_id, high, low, caplen, orig_len, layout.pb.size, cut)


def _packet(body, layout, interfaces, if_id, high, low, caplen, orig_len, start, cut) -> Record:
    iface = _interface(interfaces, if_id)
    data = _packet_data(body, start, caplen, cut)
    direction = _flags_direction(body, start + _pad4(caplen), layout)
    return Record(iface.ts_ns(high, low), data, orig_len, iface.linktype, iface.name,
                  direction, if_id)


def _parse_spb(body: bytes, layout: _Layout, interfaces: list[_Interface], cut: int) -> Record:
    """A simple packet block: interface 0, no timestamp; captured length is the original
    length cut to the interface's snaplen (0: none), and must fit the block."""
    if len(body) < 4:
        raise _Malformed("simple packet block too short")
    iface = _interface(interfaces, 0)
    (orig_len,) = layout.u32.unpack_from(body)
    caplen = min(orig_len, iface.snaplen) if iface.snaplen else orig_len
    data = _packet_data(body, 4, caplen, cut)
    return Record(0, data, orig_len, iface.linktype, iface.name, None, 0)


_PACKET_PARSERS = {EPB: _parse_epb, PB: _parse_pb, SPB: _parse_spb}


# --- writing -------------------------------------------------------------------------


def _block(btype: int, body: bytes) -> bytes:
    length = MIN_BLOCK + len(body)
    return _LE.block_header.pack(btype, length) + body + _LE.u32.pack(length)


def _encode_options(options: list[tuple[int, bytes]]) -> bytes:
    if not options:
        return b""
    parts = []
    for code, value in options:
        parts += [_LE.option.pack(code, len(value)), value, bytes(_pad4(len(value)) - len(value))]
    parts.append(_LE.option.pack(OPT_ENDOFOPT, 0))
    return b"".join(parts)


class PcapngWriter(Writer):
    """Write a pcapng file: one section, an interface per (ifname, linktype) as first seen.

    `write()` takes a Record (a (ts_seconds, data) pair is an Ethernet record); its
    direction becomes epb_flags, its ifindex is ignored: the interface id follows the
    order interfaces were first used. Timestamps are kept in nanoseconds
    (if_tsresol 9), or microseconds (6) with nanosecond=False.
    """

    def __init__(self, target, application: str = "netsh", nanosecond: bool = True):
        super().__init__(target)
        self._interfaces: dict[tuple[str | None, int], int] = {}
        self._tsresol = 9 if nanosecond else 6
        self._ns_per_tick = 1 if nanosecond else 1000
        shb = _LE.shb.pack(BYTE_ORDER_MAGIC, 1, 0, -1)     # -1: section length not given
        self._emit(_block(SHB, shb + _encode_options([(SHB_USERAPPL, application.encode())])))

    def write(self, item) -> None:
        rec = as_record(item, ETHERNET)
        flags = flags_from_direction(rec.direction)
        ticks = rec.ts_ns // self._ns_per_tick
        if not 0 <= ticks < 1 << 64:
            raise ValueError(f"timestamp {rec.ts_ns} ns does not fit a pcapng file")
        if_id = self._interface_id(rec.ifname, rec.linktype)
        options = [(EPB_FLAGS, _LE.u32.pack(flags))] if flags else []
        data = rec.data
        body = (_LE.epb.pack(if_id, ticks >> 32, ticks & 0xFFFFFFFF, len(data), rec.orig_len)
                + data + bytes(_pad4(len(data)) - len(data)) + _encode_options(options))
        self._emit(_block(EPB, body))

    def _interface_id(self, ifname: str | None, linktype: int) -> int:
        key = (ifname, linktype)
        if_id = self._interfaces.get(key)
        if if_id is None:
            if_id = self._interfaces[key] = len(self._interfaces)
            options = [(IF_TSRESOL, bytes([self._tsresol]))]
            if ifname is not None:
                options.insert(0, (IF_NAME, ifname.encode()))
            # snaplen 0: no limit
            self._emit(_block(IDB, _LE.idb.pack(linktype, 0, 0) + _encode_options(options)))
        return if_id
