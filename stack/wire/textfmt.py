"""Text as tshark shows it in a tree: strings from packets with their control characters
escaped, and spans of seconds in words."""
from __future__ import annotations

PLAIN = bytes(range(0x20, 0x7F))      # shown as they are
C_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r"}


def escaped(text: str) -> str:
    """Control characters as C escapes or three octal digits (`\\t`, `\\000`, `\\177`)."""
    return "".join(c if " " <= c != "\x7f" else C_ESCAPES.get(ord(c)) or f"\\{ord(c):03o}" for c in text)


def utf8_text(raw: bytes) -> str:
    """Bytes read as UTF-8 (a byte that is not, as U+FFFD), control characters escaped."""
    if not raw.translate(None, PLAIN):
        return raw.decode("ascii")
    return escaped(raw.decode("utf-8", "replace"))


def ascii_text(raw: bytes) -> str:
    """A string tshark reads as ASCII: up to its first NUL, each byte past 0x7f as U+FFFD,
    control characters escaped."""
    raw = raw.split(b"\0", 1)[0]
    if not raw.translate(None, PLAIN):
        return raw.decode("ascii")
    return escaped("".join(chr(b) if b < 0x80 else "\ufffd" for b in raw))


def ascii_value(raw: bytes) -> str:
    """The value a filter compares of such a string: its bytes up to the first NUL, unescaped."""
    return raw.split(b"\0", 1)[0].decode("latin-1")


def ascii_shown(value: str) -> str:
    """`ascii_value`'s text as the tree shows it (a Node's `show`)."""
    return ascii_text(value.encode("latin-1"))


def duration(seconds: int) -> str:
    """A span in words, as tshark's time_secs_to_str: "1 day, 1 second", "0 seconds", "-16 seconds"."""
    if seconds == 0:
        return "0 seconds"
    parts, rest = [], abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return ("-" if seconds < 0 else "") + ", ".join(parts)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc_date(ts_ns: int, digits: int = 9) -> str:
    """tshark's arrival time, "Jan 02, 2006 15:04:05.000000000", for any time a file can hold:
    the calendar is computed here (H. Hinnant's civil_from_days), not by the platform's
    gmtime, whose time_t ends short of what a pcapng timestamp and offset reach."""
    days, rest = divmod(ts_ns // 1_000_000_000, 86400)
    days += 719468                      # from 1970-01-01 to 0000-03-01
    era, doe = divmod(days, 146097)
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    hour, minute, second = rest // 3600, rest // 60 % 60, rest % 60
    return (f"{MONTHS[month - 1]} {day:2d}, {year} {hour:02d}:{minute:02d}:{second:02d}."
            f"{ts_ns % 1_000_000_000 // 10 ** (9 - digits):0{digits}d}")


def seconds_text(ns: int) -> str:
    """A signed span of ns as tshark's relative times: "0.233047000 seconds"."""
    sign = "-" if ns < 0 else ""
    whole, rest = divmod(abs(ns), 1_000_000_000)
    return f"{sign}{whole}.{rest:09d} seconds"


def byte_count(count: int) -> str:
    """`1 byte`, `2 bytes`: tshark's plural where its labels count bytes."""
    return f"{count} byte" if count == 1 else f"{count} bytes"
