"""Packet times as tshark -t prints them, from integer nanoseconds (never a float), at the
file's precision: 6 digits for microsecond files, 9 for nanosecond ones.

    format_time("r", ts_ns, digits=6, first_ns=..., prev_ns=..., prev_shown_ns=...)
"""
from __future__ import annotations

import time

NS_PER_S = 1_000_000_000
FORMATS = ("a", "ad", "adoy", "d", "dd", "e", "r", "u", "ud", "udoy")
FORMAT_HELP = ("a absolute time of day, ad absolute date and time, adoy absolute year/day-of-year, "
               "d delta from the previous packet, dd delta from the previous shown packet, "
               "e epoch seconds, r relative to the first packet (default), u/ud/udoy as a/ad/adoy in UTC")


def fraction(ns: int, digits: int) -> str:
    """The sub-second part of a non-negative ns count, truncated to `digits` digits."""
    return f"{ns % NS_PER_S // 10 ** (9 - digits):0{digits}d}"


def seconds(ns: int, digits: int) -> str:
    """Signed seconds.fraction, as tshark prints epoch, relative and delta times."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    return f"{sign}{ns // NS_PER_S}.{fraction(ns, digits)}"


def format_time(fmt: str, ts_ns: int, digits: int = 6, first_ns: int = 0,
                prev_ns: int | None = None, prev_shown_ns: int | None = None) -> str:
    if fmt == "r":
        return seconds(ts_ns - first_ns, digits)
    if fmt == "d":
        return seconds(ts_ns - (ts_ns if prev_ns is None else prev_ns), digits)
    if fmt == "dd":
        return seconds(ts_ns - (ts_ns if prev_shown_ns is None else prev_shown_ns), digits)
    if fmt == "e":
        return seconds(ts_ns, digits)
    whole = ts_ns // NS_PER_S
    tm = time.gmtime(whole) if fmt.startswith("u") else time.localtime(whole)
    clock = f"{time.strftime('%H:%M:%S', tm)}.{fraction(ts_ns, digits)}"
    if fmt in ("a", "u"):
        return clock
    if fmt in ("ad", "ud"):
        return f"{time.strftime('%Y-%m-%d', tm)} {clock}"
    if fmt in ("adoy", "udoy"):
        return f"{tm.tm_year:04d}/{tm.tm_yday:03d} {clock}"
    raise ValueError(f'"{fmt}": a time format is one of {", ".join(FORMATS)}')
