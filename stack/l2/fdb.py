"""A bridge's forwarding database (net/bridge/br_fdb.c): MAC (and VLAN) -> port, bounded, aged.

Entries are keyed by `fdb_key(mac, vid)`: the MAC itself for VLAN 0 (no VLAN
filtering, what every bridge uses today), the MAC and the VID otherwise, so
VLAN filtering adds keys without changing a lookup.  An entry is

- dynamic: learned (or added as ``dynamic``); it ages out `ageing_time` after
  it was last seen as a source;
- static: added by a user (``static``); forwarded to its port, never aged;
- permanent: ``local`` in the kernel's words: frames for it are delivered up
  on the bridge; the bridge's own MAC and each port's MAC are such entries,
  and so is a user's ``permanent`` one.

Learning is bounded twice: a bridge's `fdb_max_learned` (0: no bound, as Linux)
and `HARD_LIMIT` learned entries in all bridges of a stack together, so a MAC
flood never grows memory; a refusal is counted, the frame still goes on.
`learn_decision` is what learning would do with a source, for the fast path
and the trace alike; `learn` does it.
"""
from __future__ import annotations

DYNAMIC, STATIC, PERMANENT = "dynamic", "static", "permanent"
STATES = (DYNAMIC, STATIC, PERMANENT)

HARD_LIMIT = 65536          # learned entries in all bridges of a stack

# What learning does with a frame's source (learn_decision)
(LEARN_OFF, LEARN_NEW, LEARN_REFRESH, LEARN_MOVE, LEARN_KEPT, LEARN_LIMIT,
 LEARN_GLOBAL_LIMIT) = range(7)


def fdb_key(mac: bytes, vid: int = 0) -> bytes:
    """The FDB key of `mac` in VLAN `vid` (VLAN 0: the MAC itself)."""
    return mac if not vid else mac + vid.to_bytes(2, "big")


class FdbEntry:
    __slots__ = ("mac", "vid", "port", "state", "local", "user", "updated", "used")

    def __init__(self, mac: bytes, vid: int, port, state: str, local: bool, user: bool, now: float):
        self.mac = mac
        self.vid = vid
        self.port = port            # a BridgePort, or None: the bridge device itself
        self.state = state
        self.local = local          # frames for it are delivered up (BR_FDB_LOCAL)
        self.user = user            # added by a command (added_by_user), not learned
        self.updated = now          # last seen as a source (or set)
        self.used = now             # last used as a destination

    @property
    def learned(self) -> bool:
        """Counted against the bounds: a dynamic entry learning made."""
        return self.state == DYNAMIC and not self.user


class Fdb:
    """One bridge's table; `domain` holds the stack-wide learned count and counters."""

    def __init__(self, domain, max_learned: int = 0):
        self.domain = domain
        self.entries: dict[bytes, FdbEntry] = {}
        self.max_learned = max_learned
        self.learned = 0            # fdb_n_learned

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, mac: bytes, vid: int = 0) -> FdbEntry | None:
        return self.entries.get(fdb_key(mac, vid))

    # --- learning -------------------------------------------------------------------
    def learn_decision(self, port, src: bytes, vid: int = 0) -> int:
        """What learning `src` on `port` does (nothing changes here)."""
        if not port.learning:
            return LEARN_OFF
        entry = self.entries.get(fdb_key(src, vid))
        if entry is None:
            if self.max_learned and self.learned >= self.max_learned:
                return LEARN_LIMIT
            if self.domain.learned >= HARD_LIMIT:
                return LEARN_GLOBAL_LIMIT
            return LEARN_NEW
        if entry.state != DYNAMIC:
            return LEARN_KEPT           # static, permanent and local entries do not move
        return LEARN_REFRESH if entry.port is port else LEARN_MOVE

    def learn(self, decision: int, port, src: bytes, now: float, vid: int = 0) -> None:
        """Carry out `decision` (from learn_decision) for `src` seen on `port`."""
        counters = self.domain.counters
        if decision == LEARN_REFRESH:
            self.entries[fdb_key(src, vid)].updated = now
        elif decision == LEARN_NEW:
            self.entries[fdb_key(src, vid)] = FdbEntry(src, vid, port, DYNAMIC, False, False, now)
            self.learned += 1
            self.domain.learned += 1
            counters.Learned += 1
        elif decision == LEARN_MOVE:
            entry = self.entries[fdb_key(src, vid)]
            entry.port = port
            entry.updated = now
            counters.Moved += 1
        elif decision == LEARN_LIMIT:
            counters.LearnLimitHits += 1
        elif decision == LEARN_GLOBAL_LIMIT:
            counters.LearnGlobalLimitHits += 1

    # --- entries made by commands and by the bridge itself ---------------------------
    def insert(self, mac: bytes, port, state: str, now: float, *, local: bool | None = None,
               user: bool = True, vid: int = 0) -> FdbEntry:
        """Add or replace the entry of `mac` (a replaced learned entry no longer counts)."""
        key = fdb_key(mac, vid)
        old = self.entries.get(key)
        if old is not None:
            self._forget(old)
        entry = FdbEntry(mac, vid, port, state, state == PERMANENT if local is None else local,
                         user, now)
        self.entries[key] = entry
        if entry.learned:
            self.learned += 1
            self.domain.learned += 1
        return entry

    def remove(self, entry: FdbEntry) -> None:
        del self.entries[fdb_key(entry.mac, entry.vid)]
        self._forget(entry)

    def _forget(self, entry: FdbEntry) -> None:
        if entry.learned:
            self.learned -= 1
            self.domain.learned -= 1

    def remove_where(self, keep) -> int:
        """Remove every entry `keep(entry)` is false for; how many went."""
        gone = [e for e in self.entries.values() if not keep(e)]
        for entry in gone:
            self.remove(entry)
        return len(gone)

    def clear(self) -> None:
        self.remove_where(lambda entry: False)

    # --- ageing -----------------------------------------------------------------------
    def expire(self, now: float, ageing: float) -> tuple[int, float | None]:
        """Remove dynamic entries not seen for `ageing` seconds; returns (how many went,
        when the next one is due, None when none ages)."""
        gone = []
        soonest = None
        for entry in self.entries.values():
            if entry.state != DYNAMIC:
                continue
            due = entry.updated + ageing
            if due <= now:
                gone.append(entry)
            elif soonest is None or due < soonest:
                soonest = due
        for entry in gone:
            self.remove(entry)
        self.domain.counters.Aged += len(gone)
        return len(gone), soonest
