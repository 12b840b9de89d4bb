"""Fragment reassembly for either family (the kernel's inet_fragment.c).

A `Reassembly` is one family's set of queues (the kernel's fqdir): IPv4 keys
them by (source, destination, id, protocol), IPv6 by (source, destination,
identification); the family reads its header and hands over the fragment's
place (offset, bytes, more-fragments) and, with the first fragment, what it
needs to rebuild the datagram (`head`).  Everything else is shared:

- `judge` is the decision: QUEUED, COMPLETE or a drop reason.  The fast path
  (`add`) acts on it and the trace's explainer (`explain`) only tells it, so
  the two never disagree (stack/trace.py).
- Overlaps are the kernel's (inet_frag_queue_insert, RFC 5722 with its
  erratum, for both families): a fragment inside data already held is a
  duplicate and only it is dropped (DUP_FRAG); one that overlaps partly
  discards the whole datagram (FRAG_OVERLAP).
- Memory: every fragment held is charged its bytes plus FRAG_OVERHEAD (an
  skb's truesize), every queue QUEUE_OVERHEAD.  Over `high_thresh`
  (ipfrag_high_thresh, 4 MiB) no fragment is taken, as the kernel's
  inet_frag_find refuses since 4.17 (it evicts nothing: queues leave by
  completing, failing or timing out), so a flood costs at most the bound.
- Each queue has at most `max_fragments` fragments and lives `timeout`
  seconds from its first fragment (30 s for IPv4, 60 s for IPv6); when it
  expires, `expired(queue)` is called if its first fragment came (time
  exceeded, fragment reassembly).
- Counters go to the family's MIB under Linux's names (ReasmReqds, ReasmOKs,
  ReasmFails, ReasmTimeout, with a prefix such as "Ip6" if its MIB has one);
  every fragment dropped is counted under its reason, including those held by
  a datagram that fails.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Callable

QUEUED = "queued"
COMPLETE = "complete"

HIGH_THRESH = 4 * 1024 * 1024       # net.ipv4.ipfrag_high_thresh, net.ipv6.ip6frag_high_thresh
FRAG_OVERHEAD = 256                 # charged per fragment held beyond its bytes (an skb's overhead)
QUEUE_OVERHEAD = 256                # charged per queue (struct ipq / frag_queue)
MAX_FRAGMENTS = 2048                # per queue: a 64 KiB datagram at IPv4's minimum MTU (68) needs 1366
MAX_PAYLOAD = 65535

# Drop reasons (described in stack/counters.py) that discard the whole datagram (the kernel's
# discard_qp) and count ReasmFails.
DISCARDS_DATAGRAM = frozenset(("FRAG_OVERLAP", "FRAG_TINY", "FRAG_BAD_LENGTH", "FRAG_OVERSIZE",
                               "FRAG_TOO_MANY"))


class FragQueue:
    """The fragments of one datagram held so far (struct inet_frag_queue).

    `runs` are the kernel's fragment runs: [start, end) spans of fragments received back to
    back at the tail; a fragment placed before the tail starts a run of its own.
    """

    __slots__ = ("key", "frags", "runs", "meat", "length", "last_in", "head", "link",
                 "timer", "charge")

    def __init__(self, key):
        self.key = key
        self.frags: list[tuple[int, bytes]] = []
        self.runs: list[list[int]] = []
        self.meat = 0               # bytes held
        self.length = 0             # the datagram's length as far as known (exact once last_in)
        self.last_in = False        # the fragment without more-fragments came
        self.head = None            # the family's data from the first fragment (offset 0)
        self.link = None            # where the first fragment came in
        self.timer = None
        self.charge = QUEUE_OVERHEAD

    @property
    def first_in(self) -> bool:
        return self.head is not None

    def placement(self, offset: int, end: int) -> str | None:
        """Where [offset, end) goes (inet_frag_queue_insert): None (it fits), DUP_FRAG or
        FRAG_OVERLAP."""
        runs = self.runs
        if not runs:
            return None
        tail = runs[-1][1]
        if tail < end:                          # the common case: it goes to the end
            return "FRAG_OVERLAP" if offset < tail else None
        touching = []
        for run in runs[max(bisect_left(runs, [offset + 1]) - 1, 0):]:    # from the last run starting
            if run[0] >= end:                                              # at or before offset
                break
            if offset < run[1]:
                touching.append(run)
        if not touching:
            return None
        if len(touching) == 1 and touching[0][0] <= offset and end <= touching[0][1]:
            return "DUP_FRAG"
        return "FRAG_OVERLAP"

    def insert(self, offset: int, end: int, data: bytes) -> None:
        runs = self.runs
        if runs and runs[-1][1] == offset:
            runs[-1][1] = end                   # appended to the last run
        elif not runs or runs[-1][1] < offset:
            runs.append([offset, end])
        else:
            runs.insert(bisect_left(runs, [offset]), [offset, end])
        self.frags.append((offset, data))
        self.meat += end - offset

    def first_bytes(self, n: int) -> bytes:
        """The datagram's first `n` bytes held (for the quote of a time exceeded)."""
        for offset, data in self.frags:
            if offset == 0:
                return data[:n]
        return b""

    def assemble(self) -> bytes:
        return b"".join(data for offset, data in sorted(self.frags, key=lambda f: f[0]))


class Reassembly:
    """One family's reassembly queues, bounded in bytes, fragments per queue and time."""

    def __init__(self, stack, timeout: float, mib, expired: Callable[[FragQueue], None],
                 prefix: str = "", overlaps: tuple | None = None, high_thresh: int = HIGH_THRESH,
                 max_fragments: int = MAX_FRAGMENTS):
        self.stack = stack
        self.timeout = timeout              # net.ipv4.ipfrag_time / net.ipv6.ip6frag_time
        self.high_thresh = high_thresh
        self.max_fragments = max_fragments
        self.mib = mib
        self.names = {name: prefix + name for name in ("ReasmReqds", "ReasmOKs", "ReasmFails",
                                                        "ReasmTimeout")}
        self.overlaps = overlaps            # (mib, counter) for ReasmOverlaps, where a family has it
        self.expired = expired
        self.queues: dict[object, FragQueue] = {}
        self.mem = 0                        # bytes charged (frag_mem_limit)

    def count(self, name: str) -> None:
        counter = self.names[name]
        setattr(self.mib, counter, getattr(self.mib, counter) + 1)

    # --- the decision -----------------------------------------------------------------
    def judge(self, key, offset: int, size: int, more: bool, first_min: int = 0,
              max_payload: int = MAX_PAYLOAD) -> str:
        """What taking the fragment would do: QUEUED, COMPLETE or a drop reason.

        `offset` and `size` are the fragment's place in the datagram's payload in bytes;
        `first_min` is how much the first fragment must hold (the transport header);
        `max_payload` the longest payload the family's datagram can have.
        """
        if self.mem > self.high_thresh:
            return "FRAG_MEM_LIMIT"
        if offset == 0 and more and size < first_min:
            return "FRAG_TINY"
        end = fragment_end(offset, size, more)
        if end > max_payload:
            return "FRAG_OVERSIZE"
        queue = self.queues.get(key)
        length, last_in = (queue.length, queue.last_in) if queue is not None else (0, False)
        if not more:
            if end < length or (last_in and end != length):
                return "FRAG_BAD_LENGTH"        # bits beyond the end, or a second, different end
            length, last_in = end, True
        elif end > length:
            if last_in:
                return "FRAG_BAD_LENGTH"
            length = end
        if end <= offset:
            return "FRAG_BAD_LENGTH"            # nothing left of it
        meat, first_in = end - offset, offset == 0
        if queue is not None:
            placed = queue.placement(offset, end)
            if placed is not None:
                return placed
            if len(queue.frags) >= self.max_fragments:
                return "FRAG_TOO_MANY"
            meat += queue.meat
            first_in = first_in or queue.first_in
        return COMPLETE if first_in and last_in and meat == length else QUEUED

    # --- the fast path ---------------------------------------------------------------
    def add(self, key, offset: int, data, more: bool, head=None, link=None, first_min: int = 0,
            max_payload: int = MAX_PAYLOAD) -> tuple[str, FragQueue | None]:
        """Take one fragment (`data`: its payload; `head`: the family's data when offset is 0).

        Returns (QUEUED, queue), (COMPLETE, queue) with the queue removed and ready for
        `queue.assemble()`, or (reason, None) with the fragment dropped and counted.
        """
        self.count("ReasmReqds")
        size = len(data)
        verdict = self.judge(key, offset, size, more, first_min, max_payload)
        stack = self.stack
        if verdict is not QUEUED and verdict is not COMPLETE:
            if verdict != "DUP_FRAG":
                self.count("ReasmFails")
                if verdict == "FRAG_OVERLAP" and self.overlaps is not None:
                    mib, name = self.overlaps
                    setattr(mib, name, getattr(mib, name) + 1)
                if verdict in DISCARDS_DATAGRAM:
                    queue = self.queues.get(key)
                    if queue is not None:
                        self._discard(queue, verdict)
            stack.drop(verdict)
            return verdict, None
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = FragQueue(key)
            queue.timer = stack.timers.arm(stack.now() + self.timeout, self._expire, queue,
                                           name="ipfrag")
            self.mem += queue.charge
        end = fragment_end(offset, size, more)
        data = bytes(data[:end - offset])
        queue.insert(offset, end, data)
        if not more:
            queue.last_in = True
            queue.length = end
        elif end > queue.length:
            queue.length = end
        if offset == 0:
            queue.head = head
            queue.link = link
        charge = len(data) + FRAG_OVERHEAD
        queue.charge += charge
        self.mem += charge
        if verdict is COMPLETE:
            self._remove(queue)
            self.count("ReasmOKs")
        return verdict, queue

    def _remove(self, queue: FragQueue) -> None:
        del self.queues[queue.key]
        self.mem -= queue.charge
        if queue.timer is not None:
            queue.timer.cancel()

    def _discard(self, queue: FragQueue, reason: str) -> None:
        """The datagram fails: its queue goes and the fragments it held are counted dropped."""
        self._remove(queue)
        drops = self.stack.drop.counts
        drops[reason] = drops.get(reason, 0) + len(queue.frags)

    def _expire(self, queue: FragQueue) -> None:
        """ip_expire: the datagram did not complete in time."""
        if self.queues.get(queue.key) is not queue:
            return
        queue.timer = None
        self._discard(queue, "FRAG_REASM_TIMEOUT")
        self.count("ReasmFails")
        self.count("ReasmTimeout")
        if queue.first_in:
            self.expired(queue)

    # --- the trace: the decision above, in words ---------------------------------------
    def explain(self, step, key, ident: str, offset: int, size: int, more: bool,
                first_min: int = 0, max_payload: int = MAX_PAYLOAD) -> str:
        """Tell what `add` will do with the fragment; returns `judge`'s verdict."""
        verdict = self.judge(key, offset, size, more, first_min, max_payload)
        queue = self.queues.get(key)
        end = fragment_end(offset, size, more)
        held = len(queue.frags) if queue is not None else 0
        what = (f"fragment {held + 1} of datagram {ident} (offset {offset}, {size} bytes, "
                + ("more follow)" if more else "the last)"))
        if verdict is QUEUED:
            meat = (queue.meat if queue is not None else 0) + end - offset
            last_in = not more or (queue is not None and queue.last_in)
            total = max(end, queue.length if queue is not None else 0) if last_in else "?"
            step(f"{what}: queued ({meat} of {total} bytes)")
        elif verdict is COMPLETE:
            step(f"{what}: reassembled, {queue.length if queue is not None and queue.last_in else end}"
                 f" bytes from {held + 1} fragments")
        else:
            step(f"{what}: dropped: {verdict} ({self._why(verdict, queue, offset, end, size, first_min)})")
        return verdict

    def _why(self, verdict: str, queue, offset: int, end: int, size: int, first_min: int) -> str:
        if verdict == "FRAG_MEM_LIMIT":
            return f"{self.mem} bytes held > ipfrag_high_thresh {self.high_thresh}; ReasmFails"
        if verdict == "FRAG_TINY":
            return f"a first fragment of {size} bytes < {first_min}; the datagram is discarded, ReasmFails"
        if verdict == "FRAG_OVERSIZE":
            return f"it ends at byte {end}, past the longest datagram; discarded, ReasmFails"
        if verdict == "FRAG_BAD_LENGTH":
            if end <= offset:
                return "no whole 8-byte block in it; the datagram is discarded, ReasmFails"
            return (f"it ends at {end} and the datagram's end is {queue.length if queue else 0}"
                    "; the datagram is discarded, ReasmFails")
        if verdict == "DUP_FRAG":
            return f"bytes {offset}..{end} are held already; the datagram waits on"
        if verdict == "FRAG_OVERLAP":
            return (f"bytes {offset}..{end} overlap data held; the datagram and its "
                    f"{len(queue.frags)} fragments held are discarded, ReasmFails")
        return f"{self.max_fragments} fragments held already; the datagram is discarded, ReasmFails"


def fragment_end(offset: int, size: int, more: bool) -> int:
    """Where a fragment's data ends: a fragment with more to follow keeps whole 8-byte blocks."""
    end = offset + size
    return end & ~7 if more else end
