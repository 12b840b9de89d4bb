"""Byte sources and sinks: an input that counts offsets and turns every read failure into
CaptureFileError, and the path-or-file-object handling the writers share."""
from __future__ import annotations

import os
import zlib

from .record import MAX_RECORD, CaptureFileError

CHUNK = 1 << 20     # read large records piecewise so a lying length allocates only what exists


class Source:
    """A binary input read forward only; `offset` is the position of the next byte."""

    def __init__(self, fileobj, name: str, offset: int = 0):
        self._f = fileobj
        self.name = name
        self.offset = offset

    def error(self, reason: str, offset: int | None = None) -> CaptureFileError:
        at = self.offset if offset is None else offset
        return CaptureFileError(f"{self.name}: {reason} at offset {at}")

    def read_upto(self, n: int) -> bytes:
        """Up to n bytes; fewer only at end of file."""
        parts, want = [], n
        while want > 0:
            try:
                part = self._f.read(min(want, CHUNK))
            except (OSError, EOFError, zlib.error) as exc:   # gzip reports damage with these
                raise self.error(f"read failed ({_one_line(exc)})") from None
            if not part:
                break
            parts.append(part)
            want -= len(part)
            self.offset += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def read_exact(self, n: int, what: str) -> bytes:
        """Exactly n bytes of `what`; a short read is a truncated file."""
        start = self.offset
        data = self.read_upto(n)
        if len(data) != n:
            raise self.error(f"truncated {what} ({len(data)} of {n} bytes)", start)
        return data

    def read_kept(self, n: int, keep: int | None, what: str) -> tuple[bytes, int]:
        """The first `keep` of the next n bytes, and how many more were skipped unread."""
        if keep is None or n <= keep:
            return self.read_exact(n, what), 0
        data = self.read_exact(keep, what)
        self.skip(n - keep, what)
        return data, n - keep

    def skip(self, n: int, what: str) -> None:
        """Pass over n bytes, a chunk at a time, holding none of them."""
        start, want = self.offset, n
        while want > 0:
            got = len(self.read_upto(min(want, CHUNK)))
            if not got:
                raise self.error(f"truncated {what} ({n - want} of {n} bytes)", start)
            want -= got

    def read_header(self, n: int, what: str) -> bytes | None:
        """The next n-byte header, or None at a clean end of file."""
        start = self.offset
        data = self.read_upto(n)
        if not data:
            return None
        if len(data) != n:
            raise self.error(f"truncated {what} ({len(data)} of {n} bytes)", start)
        return data

    def check_size(self, n: int, what: str, offset: int) -> None:
        if n > MAX_RECORD:
            limit = f"the {MAX_RECORD >> 20} MiB limit"
            raise self.error(f"{what} of {n} bytes exceeds {limit}", offset)


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def open_output(target):
    """(file object, whether we opened it) for a path or a writable binary file object."""
    if isinstance(target, (str, os.PathLike)):
        return open(target, "wb"), True
    if not hasattr(target, "write"):
        raise TypeError(f"expected a path or a binary file object, not {type(target).__name__}")
    return target, False


class Writer:
    """What both writers share: the output, flush/close and the context manager."""

    def __init__(self, target):
        self._out, self._owned = open_output(target)

    def _emit(self, data: bytes) -> None:
        if self._out is None:
            raise ValueError("write to a closed capture file")
        self._out.write(data)

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        """Flush; close the file if we opened it (a caller's file object stays open)."""
        if self._out is None:
            return
        try:
            self._out.flush()
        finally:
            if self._owned:
                self._out.close()
            self._out = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
