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
