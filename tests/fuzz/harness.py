"""One fuzz harness for every entry point that takes untrusted bytes.

A `Target` is a name, a check (bytes in; it raises on a bug: any exception but the
entry point's documented errors, or an AssertionError on a broken invariant) and
its seed inputs. `run()` drives a target with a seeded random mutator (bit flips,
byte inserts and deletes, splices, interesting integers at header offsets),
deterministic for one seed; `run_atheris()` hands the same check to atheris
(coverage-guided libFuzzer) where it is installed. Each crash is saved under
`crash_dir` with the target and seed in its name, and `reproduce()` runs one again.
"""
from __future__ import annotations

import random
import struct
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

INTERESTING = (0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
               0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
MAX_INPUT = 1 << 16


@dataclass
class Target:
    name: str
    check: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    offsets: tuple[int, ...] = ()          # header fields worth an interesting integer


@dataclass
class Report:
    target: str
    engine: str
    seed: int
    executions: int = 0
    seconds: float = 0.0
    crashes: list[Path] = field(default_factory=list)


class Mutator:
    def __init__(self, rnd: random.Random, corpus: list[bytes], offsets: tuple[int, ...]):
        self.rnd = rnd
        self.corpus = corpus
        self.offsets = offsets

    def mutate(self, data: bytes) -> bytes:
        buf = bytearray(data)
        for _ in range(self.rnd.randrange(1, 5)):
            getattr(self, self.rnd.choice(("flip", "insert", "delete", "splice", "integer",
                                           "integer", "truncate")))(buf)
        return bytes(buf[:MAX_INPUT])

    def _at(self, buf: bytearray) -> int:
        return self.rnd.randrange(len(buf) + 1)

    def flip(self, buf: bytearray) -> None:
        if buf:
            i = self.rnd.randrange(len(buf))
            buf[i] ^= 1 << self.rnd.randrange(8)

    def insert(self, buf: bytearray) -> None:
        at = self._at(buf)
        byte = self.rnd.choice((0, 0xFF, self.rnd.getrandbits(8)))
        buf[at:at] = bytes([byte]) * self.rnd.choice((1, 1, 2, 4, 16, 64))

    def delete(self, buf: bytearray) -> None:
        at = self._at(buf)
        del buf[at:at + self.rnd.choice((1, 2, 4, 16, 256))]

    def truncate(self, buf: bytearray) -> None:
        del buf[self._at(buf):]

    def splice(self, buf: bytearray) -> None:
        other = self.rnd.choice(self.corpus)
        if other:
            start = self.rnd.randrange(len(other))
            piece = other[start:start + self.rnd.randrange(1, 512)]
            at = self._at(buf)
            buf[at:at + self.rnd.choice((0, len(piece)))] = piece

    def integer(self, buf: bytearray) -> None:
        size, order = self.rnd.choice((1, 2, 4, 8)), self.rnd.choice("<>")
        if self.offsets and self.rnd.random() < 0.6:
            at = self.rnd.choice(self.offsets)
        else:
            at = self._at(buf)
        if at + size > len(buf):
            return
        value = self.rnd.choice(INTERESTING) & ((1 << 8 * size) - 1)
        if self.rnd.random() < 0.3:
            value = (1 << 8 * size) - 1 - value
        buf[at:at + size] = struct.pack(order + "BHIQ"[(1, 2, 4, 8).index(size)], value)


def run(target: Target, seconds: float, seed: int, crash_dir: Path | None = None,
        max_executions: int | None = None) -> Report:
    """Mutate the target's seeds for `seconds` (or `max_executions`); deterministic for a seed
    as far as the count of executions allows (a time bound ends it wherever it is)."""
    rnd = random.Random(seed)
    corpus = [s[:MAX_INPUT] for s in target.seeds()] or [b""]
    mutator = Mutator(rnd, corpus, target.offsets)
    report = Report(target.name, "random", seed)
    began = time.monotonic()
    deadline = began + seconds
    while time.monotonic() < deadline and (max_executions is None or report.executions < max_executions):
        for data in [mutator.mutate(rnd.choice(corpus)) for _ in range(64)]:
            report.executions += 1
            try:
                target.check(data)
            except Exception:          # noqa: BLE001  (every escape is a finding)
                report.crashes.append(save_crash(target, data, seed, report.executions, crash_dir))
            if rnd.random() < 0.01 and len(corpus) < 4096:
                corpus.append(data)     # walk further from the seeds now and then
    report.seconds = time.monotonic() - began
    return report


def save_crash(target: Target, data: bytes, seed: int, execution: int, crash_dir: Path | None) -> Path:
    crash_dir = Path(crash_dir or "fuzz-crashes")
    crash_dir.mkdir(parents=True, exist_ok=True)
    path = crash_dir / f"{target.name}-seed{seed}-exec{execution}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(traceback.format_exc())
    return path


def reproduce(target: Target, path: Path) -> None:
    """Run one saved input again; raises what it raised."""
    target.check(Path(path).read_bytes())
