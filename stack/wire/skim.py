"""Summary columns at speed: tshark's Source, Destination, Protocol and Info
read straight from struct views, with no field objects.

A packet list (``capture show``, the dashboard's list pane) needs only the
four columns of each packet, and needs them for many packets.  Each hot
protocol module registers a *skimmer* beside its dissector:
``@skimmer("ip.proto", 6)``.  A skimmer takes the common, well-formed case
of its header, sets what it knows on a `Skim`, hands the rest of the frame
to the next layer's skimmer itself, and returns None, or `DECLINE` for
anything unusual (options it does not know, a truncated or malformed
header, a quoted packet in an ICMP error...).  A declined packet is
dissected in full (``dissect(tree=False)``), so the columns are always the
dissector's; skimmers build their Info text with the same functions the
dissectors use, and tests/unit/test_dissect_skim.py checks on every test
frame that both give identical columns.
"""
from __future__ import annotations

from typing import Callable

from .dissect import CHECKSUMS, dissect

DECLINE = False
TEXT_CACHE_LIMIT = 4096          # strings kept per cache; a full cache is cleared
TABLES: dict[str, dict[int, Callable]] = {}


def table(name: str) -> dict[int, Callable]:
    """The skimmers of one dispatch table ("ethertype", "ip.proto", ...), by key."""
    return TABLES.setdefault(name, {})


def skimmer(name: str, *keys: int):
    def register(fn):
        for key in keys:
            table(name)[key] = fn
        return fn
    return register


class Skim:
    """What the skimmers of one frame tell each other, and the columns they set.

    Defaults live on the class: a frame pays only for what its skimmers set.
    """

    source = destination = protocol = info = ""
    net_src = net_dst = None
    ip_ttl = ipv6_hlim = udp_ports = None
    complete = True          # the network layer's payload is all here (not a fragment)

    def __init__(self, buf: bytes):
        self.buf = buf
        self.checksums = CHECKSUMS.get()        # stack/wire/dissect.py: tshark's check_checksum prefs


class TextCache(dict):
    """bytes -> text, computed once: traffic repeats its addresses.  ``cache[raw]``."""

    def __init__(self, convert: Callable[[bytes], str]):
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: bytes) -> str:
        if len(self) >= TEXT_CACHE_LIMIT:
            self.clear()
        text = self[raw] = self.convert(raw)
        return text


LINKTYPES = table("linktype")


def skim(buf: bytes, linktype: int = 1) -> Skim | None:
    """The columns of one whole frame, or None when a skimmer declines it."""
    s = Skim(buf)
    first = LINKTYPES.get(linktype)
    try:
        if first is None or first(s, 0, len(buf)) is DECLINE:
            return None
    except (IndexError, ValueError):        # struct.error is a ValueError: leave it to dissect
        return None
    return s


def columns(buf: bytes, linktype: int = 1, orig_len: int | None = None) -> tuple[str, str, str, str]:
    """(source, destination, protocol, info) of a captured frame, as `dissect` gives them."""
    if not isinstance(buf, bytes):
        buf = bytes(buf)
    if orig_len is None or orig_len == len(buf):      # a frame cut by snaplen takes the full path
        s = skim(buf, linktype)
        if s is not None:
            return s.source, s.destination, s.protocol, s.info
    d = dissect(buf, linktype, tree=False, orig_len=orig_len)
    return d.source, d.destination, d.protocol, d.info
