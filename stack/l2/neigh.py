"""The neighbour table and its NUD state machine, as Linux runs it (net/core/neighbour.c).

States and transitions:
  (none) --output--> INCOMPLETE: broadcast probes every retrans_time; the
      packets that wait are queued (bounded by unres_qlen);
  INCOMPLETE --reply--> REACHABLE (queue flushed) | --mcast_probes--> FAILED;
  REACHABLE --reachable_time without confirmation--> STALE;
  STALE --output--> DELAY --delay_first_probe_time--> PROBE (unicast probes)
      or back to REACHABLE if confirmed meanwhile;
  PROBE --reply--> REACHABLE | --ucast_probes--> FAILED;
  PERMANENT: configured by hand, never changes.
A protocol (ARP here, NDP later) supplies `solicit(entry, unicast_to)`.
"""
from __future__ import annotations

import random
from collections import deque

from ..link.notifier import NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_DOWN, NETDEV_UNREGISTER
from ..wire.ethernet import mac_to_str

NONE = "NONE"
INCOMPLETE = "INCOMPLETE"
REACHABLE = "REACHABLE"
STALE = "STALE"
DELAY = "DELAY"
PROBE = "PROBE"
FAILED = "FAILED"
PERMANENT = "PERMANENT"
NOARP = "NOARP"

VALID = frozenset((REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP))


class NeighParams:
    """The per-table knobs of /proc/sys/net/ipv4/neigh/default, with Linux's defaults."""

    def __init__(self):
        self.base_reachable_time = 30.0
        self.retrans_time = 1.0
        self.delay_first_probe_time = 5.0
        self.mcast_probes = 3
        self.ucast_probes = 3
        self.unres_qlen = 101
        self.gc_interval = 30.0
        self.gc_staletime = 60.0
        self.gc_thresh1 = 128
        self.gc_thresh3 = 1024


class Neighbour:
    __slots__ = ("key", "link", "addr", "lladdr", "state", "hh", "queue", "probes",
                 "confirmed", "updated", "used", "timer", "ethertype")

    def __init__(self, link, addr: bytes, ethertype: int, now: float):
        self.key = (link.index, addr)
        self.link = link
        self.addr = addr
        self.lladdr: bytes | None = None
        self.state = NONE
        self.hh: bytes | None = None         # the link's cached header towards lladdr
        self.queue: deque = deque()
        self.probes = 0
        self.confirmed = now - 3600.0
        self.updated = now
        self.used = now
        self.timer = None
        self.ethertype = ethertype

    def set_lladdr(self, lladdr: bytes) -> None:
        self.lladdr = lladdr
        self.hh = self.link.header_cache(lladdr, self.ethertype)


class NeighTable:
    def __init__(self, stack, name: str, ethertype: int, solicit, stats, addr_to_str,
                 params: NeighParams | None = None):
        self.stack = stack
        self.name = name
        self.ethertype = ethertype
        self.solicit = solicit            # solicit(entry, unicast_lladdr or None)
        self.stats = stats                # an ArpStats-like Mib
        self.addr_to_str = addr_to_str
        self.params = params or NeighParams()
        self.entries: dict[tuple, Neighbour] = {}
        self.reachable_time = self._random_reachable()
        self._gc_timer = None
        self._last_rand = stack.now()
        self.on_failed = None             # callback(packet) for each packet lost on FAILED
        stack.netdev.subscribe(f"neigh-{name}", self._netdev_event,
                               (NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_UNREGISTER))

    def _netdev_event(self, event: str, link) -> None:
        """neigh_ifdown and neigh_changeaddr: what was learnt on `link` no longer holds, and
        the kernel takes the permanent entries too; neigh_carrier_down keeps those."""
        if event == NETDEV_CHANGE:
            if not link.has_carrier():
                self.flush(link, include_permanent=False)
            return
        self.flush(link, include_permanent=True)

    # --- time --------------------------------------------------------
    def _random_reachable(self) -> float:
        base = self.params.base_reachable_time
        return random.uniform(base / 2, base * 3 / 2)

    def _arm(self, entry: Neighbour, when: float) -> None:
        if entry.timer is None:
            entry.timer = self.stack.timers.arm(when, self._timer, entry, name="neigh")
        else:
            entry.timer.rearm(when)

    def _disarm(self, entry: Neighbour) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None

    def start(self) -> None:
        self._gc_timer = self.stack.timers.arm(
            self.stack.now() + self.params.gc_interval, self._periodic_gc, name="neigh-gc")

    # --- lookup / creation ---------------------------------------------
    def lookup(self, link, addr: bytes) -> Neighbour | None:
        self.stats.lookups += 1
        entry = self.entries.get((link.index, addr))
        if entry is not None:
            self.stats.hits += 1
        return entry

    def create(self, link, addr: bytes) -> Neighbour | None:
        if len(self.entries) >= self.params.gc_thresh3 and not self._forced_gc():
            self.stats.table_fulls += 1
            return None
        entry = Neighbour(link, addr, self.ethertype, self.stack.now())
        if link.noarp:                  # arp_constructor: NOARP, to the link's own address
            entry.set_lladdr(link.mac)
            entry.state = NOARP
        self.entries[entry.key] = entry
        self.stats.allocs += 1
        return entry

    def _destroy(self, entry: Neighbour, reason: str = "NEIGH_DEAD") -> None:
        self._disarm(entry)
        for _ in entry.queue:
            self.stack.drop(reason)
        entry.queue.clear()
        if self.entries.get(entry.key) is entry:
            del self.entries[entry.key]
            self.stats.destroys += 1

    # --- output: resolve, queue or send ----------------------------------
    def output(self, link, addr: bytes, pkt) -> bool:
        """Send an L3 packet to neighbour `addr` on `link` (pkt.data = L3 header)."""
        entry = self.entries.get((link.index, addr))
        if entry is not None and entry.state is REACHABLE:
            return self._send(entry, pkt)
        return self._output_slow(link, addr, entry, pkt)

    def _send(self, entry: Neighbour, pkt) -> bool:
        hh = entry.hh
        n = len(hh)
        start = pkt.push(n)
        pkt.buf[start:start + n] = hh
        pkt.mac = start
        return entry.link.xmit(pkt)

    def _output_slow(self, link, addr: bytes, entry: Neighbour | None, pkt) -> bool:
        now = self.stack.now()
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("neigh", f"{self.addr_to_str(addr)} dev {link.name}: {_output_text(entry)}")
        if entry is None:
            entry = self.create(link, addr)
            if entry is None:
                self.stack.drop("NEIGH_TABLEFULL")
                return False
        entry.used = now
        state = entry.state
        if state in (PERMANENT, NOARP, REACHABLE, DELAY, PROBE):
            return self._send(entry, pkt)
        if state is STALE:
            entry.state = DELAY
            self._arm(entry, now + self.params.delay_first_probe_time)
            return self._send(entry, pkt)
        # NONE, FAILED or INCOMPLETE: wait for resolution
        if len(entry.queue) >= self.params.unres_qlen:
            entry.queue.popleft()
            self.stats.unresolved_discards += 1
            self.stack.drop("NEIGH_QUEUEFULL")
        entry.queue.append(pkt)
        if state is not INCOMPLETE:
            entry.state = INCOMPLETE
            entry.probes = self.params.ucast_probes     # Linux starts here, so mcast_probes remain
            entry.updated = now
            self._probe(entry, now)
        return True

    def event_send(self, link, addr: bytes) -> Neighbour | None:
        """neigh_event_send without a packet: resolution starts unless the entry is valid or
        already resolving; returns the entry."""
        entry = self.entries.get((link.index, addr)) or self.create(link, addr)
        if entry is not None and entry.state not in VALID and entry.state is not INCOMPLETE:
            now = self.stack.now()
            entry.state, entry.probes, entry.updated = INCOMPLETE, self.params.ucast_probes, now
            self._probe(entry, now)
        return entry

    def _probe(self, entry: Neighbour, now: float) -> None:
        unicast = entry.lladdr if entry.state is PROBE else None
        entry.probes += 1
        self.solicit(entry, unicast)
        self._arm(entry, now + self.params.retrans_time)

    def _max_probes(self, entry: Neighbour) -> int:
        p = self.params
        return p.ucast_probes + (0 if entry.state is PROBE else p.mcast_probes)

    # --- the timer (neigh_timer_handler) ---------------------------------
    def _timer(self, entry: Neighbour) -> None:
        entry.timer = None
        now = self.stack.now()
        p = self.params
        state = entry.state
        if state is REACHABLE:
            if now < entry.confirmed + self.reachable_time:
                self._arm(entry, entry.confirmed + self.reachable_time)
            elif now < entry.used + p.delay_first_probe_time:
                entry.state = DELAY
                entry.updated = now
                self._arm(entry, now + p.delay_first_probe_time)
            else:
                entry.state = STALE
                entry.updated = now
            return
        if state is DELAY:
            if now < entry.confirmed + p.delay_first_probe_time:
                entry.state = REACHABLE
                entry.updated = now
                self._arm(entry, entry.confirmed + self.reachable_time)
            else:
                entry.state = PROBE
                entry.updated = now
                entry.probes = 0
                self._probe(entry, now)
            return
        if state in (INCOMPLETE, PROBE):
            if entry.probes >= self._max_probes(entry):
                self._fail(entry, now)
            else:
                self._probe(entry, now)

    def _fail(self, entry: Neighbour, now: float) -> None:
        entry.state = FAILED
        entry.updated = now
        self.stats.res_failed += 1
        waiting = list(entry.queue)
        entry.queue.clear()
        for pkt in waiting:
            self.stack.drop("NEIGH_FAILED")
            if self.on_failed is not None:
                self.on_failed(pkt)

    # --- updates from the wire or the user (__neigh_update) --------------
    def confirm(self, link, addr: bytes, lladdr: bytes, reachable: bool, create: bool) -> Neighbour | None:
        """An ARP/NDP message told us `addr` is at `lladdr`.

        `reachable`: a unicast reply proves two-way reachability (REACHABLE);
        otherwise (a request, a broadcast) the entry only becomes STALE.
        `create`: make an entry if there is none (requests aimed at us do).
        """
        entry = self.entries.get((link.index, addr))
        rec = self.stack.trace_rec
        before = None if rec is None or entry is None else (entry.state, entry.lladdr)
        if entry is None and create:
            entry = self.create(link, addr)
        if entry is None or entry.state in (PERMANENT, NOARP):
            if rec is not None:
                rec.step("neigh", self._confirm_text(link, addr, lladdr, before, entry, create))
            return entry
        now = self.stack.now()
        changed = entry.lladdr != lladdr
        entry.updated = now
        if reachable:                   # only a proof of reachability confirms (__neigh_update)
            if changed:
                entry.set_lladdr(lladdr)
            entry.confirmed = now
            entry.state = REACHABLE
            self._arm(entry, now + self.reachable_time)
        elif changed or entry.state not in VALID:
            entry.set_lladdr(lladdr)
            entry.state = STALE
            self._disarm(entry)
        # else: same address, a STALE hint: the state stays as it is
        if rec is not None:
            rec.step("neigh", self._confirm_text(link, addr, lladdr, before, entry, create))
        self._flush_queue(entry)
        return entry

    def _confirm_text(self, link, addr: bytes, lladdr: bytes, before, entry, create: bool) -> str:
        """What `confirm` did to the entry for addr, for a trace."""
        name = f"{self.addr_to_str(addr)} dev {link.name}"
        if entry is None:
            return f"{name}: no entry" + (", and the table is full: none made" if create else ", none made")
        if entry.state in (PERMANENT, NOARP):
            return f"{name} is {entry.state}: left as it is"
        text = f"{name} lladdr {mac_to_str(lladdr)}: "
        if before is None:
            text += f"new entry, {entry.state}"
        else:
            state, old = before
            text += f"{state} → {entry.state}" if state != entry.state else f"stays {state}"
            if old is not None and old != entry.lladdr:
                text += f" (was at {mac_to_str(old)})"
        if entry.queue:
            text += (f"; {len(entry.queue)} waiting packet{'s' if len(entry.queue) > 1 else ''} sent now"
                     + (", so DELAY" if entry.state is STALE else ""))
        return text

    def _flush_queue(self, entry: Neighbour) -> None:
        if not entry.queue or entry.lladdr is None:
            return
        waiting = list(entry.queue)
        entry.queue.clear()
        if entry.state is STALE:        # sending makes it DELAY, as output would
            entry.state = DELAY
            self._arm(entry, self.stack.now() + self.params.delay_first_probe_time)
        for pkt in waiting:
            self._send(entry, pkt)

    def add_permanent(self, link, addr: bytes, lladdr: bytes) -> Neighbour:
        entry = self.entries.get((link.index, addr))
        if entry is None:
            entry = self.create(link, addr)
            if entry is None:
                from ..errors import StackError
                raise StackError("neighbour table is full")
        self._disarm(entry)
        entry.set_lladdr(lladdr)
        entry.state = PERMANENT
        entry.updated = entry.confirmed = self.stack.now()     # NUD_CONNECTED: confirmed now
        self._flush_queue(entry)
        return entry

    def delete(self, link, addr: bytes) -> bool:
        entry = self.entries.get((link.index, addr))
        if entry is None:
            return False
        self._destroy(entry)
        return True

    def flush(self, link=None, include_permanent: bool = False) -> int:
        victims = [e for e in self.entries.values()
                   if (link is None or e.link is link)
                   and (include_permanent or e.state is not PERMANENT)]
        for entry in victims:
            self._destroy(entry)
        return len(victims)

    # --- garbage collection ------------------------------------------------
    def _collectable(self, entry: Neighbour, now: float) -> bool:
        if entry.state is FAILED:
            return True
        return entry.state is STALE and now - entry.used > self.params.gc_staletime

    def _periodic_gc(self) -> None:
        now = self.stack.now()
        self.stats.periodic_gc_runs += 1
        if now - self._last_rand >= 300.0:      # Linux re-draws reachable_time every 300 s
            self._last_rand = now
            self.reachable_time = self._random_reachable()
        if len(self.entries) >= self.params.gc_thresh1:     # Linux leaves small tables alone
            for entry in [e for e in self.entries.values() if self._collectable(e, now)]:
                self._destroy(entry)
        self._gc_timer = self.stack.timers.arm(now + self.params.gc_interval,
                                               self._periodic_gc, name="neigh-gc")

    def _forced_gc(self) -> bool:
        self.stats.forced_gc_runs += 1
        victims = [e for e in self.entries.values()
                   if e.state in (FAILED, STALE, NONE) and not e.queue]
        victims.sort(key=lambda e: e.used)
        for entry in victims[: max(1, len(victims) // 2)]:
            self._destroy(entry)
        return len(self.entries) < self.params.gc_thresh3

    # --- views for the faces ------------------------------------------------
    def add_flags(self, entry, row: dict) -> None:
        """The entry's flags (ip's `router`), where ip puts them: after lladdr."""

    def to_dicts(self, link=None) -> list[dict]:
        """ip -j neigh's rows, with its -s keys: seconds since used, confirmed and updated,
        and the probes sent."""
        out = []
        now = self.stack.now()
        for entry in self.entries.values():
            if link is not None and entry.link is not link:
                continue
            row = {"dst": self.addr_to_str(entry.addr), "dev": entry.link.name}
            if entry.lladdr is not None and entry.state is not INCOMPLETE:
                row["lladdr"] = mac_to_str(entry.lladdr)
            self.add_flags(entry, row)
            row.update(used=int(now - entry.used), confirmed=int(now - entry.confirmed),
                       updated=int(now - entry.updated), probes=entry.probes)
            row["state"] = [entry.state]
            out.append(row)
        return out


def _output_text(entry: Neighbour | None) -> str:
    """What output does with a packet for this entry (any state but REACHABLE), for a trace."""
    if entry is None:
        return "no entry: one is made and the packet waits for resolution"
    state = entry.state
    if state in (PERMANENT, NOARP, DELAY, PROBE):
        return f"{state}: sent to {mac_to_str(entry.lladdr)}"
    if state is STALE:
        return f"STALE: sent to {mac_to_str(entry.lladdr)}, and the entry goes to DELAY"
    return f"{state}: the packet waits for resolution ({len(entry.queue)} already waiting)"
