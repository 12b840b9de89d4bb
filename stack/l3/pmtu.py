"""Path MTUs learned from ICMP, per destination (the kernel's next-hop exceptions: fnhe_pmtu
for IPv4, the RTF_CACHE clones of fib6 for IPv6).

A router on the path that cannot pass a packet answers fragmentation needed (IPv4, DF set)
or packet too big (IPv6) with its next hop's MTU.  When the quoted packet is one of ours, the
family calls `learn(dst, mtu, route_mtu)`; output then sends to that destination no larger
than what was learned until the entry expires (`mtu_expires`, 600 s), after which the route's
MTU is tried again (RFC 1191/8201 say to probe upward after about ten minutes).  Only
lowering is learned: a report at or above the route's MTU is ignored, one under the family's
floor (IPv4 `min_pmtu` 552, IPv6 1280) is raised to it, as the kernel clamps.  Bounded: past
`LIMIT` entries the oldest goes.
"""
from __future__ import annotations

LIMIT = 4096
MTU_EXPIRES = 600


class PmtuCache:
    def __init__(self, stack, floor: int):
        self.stack = stack
        self.floor = floor                      # net.ipv4.route.min_pmtu, or IPv6's 1280
        self.expires = MTU_EXPIRES              # net.ipv{4,6}.route.mtu_expires (seconds)
        self.entries: dict[bytes, tuple[int, float]] = {}   # dst -> (mtu, expiry time)

    def clamp(self, mtu: int) -> int:
        return max(mtu, self.floor)

    def learn(self, dst: bytes, mtu: int, route_mtu: int) -> int | None:
        """Take a reported next-hop MTU for `dst`; returns the MTU now in force, or None when
        the report is ignored (not lower than what the route allows)."""
        mtu = self.clamp(mtu)
        if mtu >= route_mtu:
            return None
        entries = self.entries
        entries.pop(dst, None)
        if len(entries) >= LIMIT:
            del entries[next(iter(entries))]
        entries[dst] = (mtu, self.stack.now() + self.expires)
        return mtu

    def lookup(self, dst: bytes) -> int | None:
        """The learned MTU for `dst` while it lasts, else None (an expired entry goes)."""
        found = self.entries.get(dst)
        if found is None:
            return None
        if self.stack.now() >= found[1]:
            del self.entries[dst]
            return None
        return found[0]

    def remaining(self, dst: bytes) -> tuple[int, int] | None:
        """(mtu, whole seconds left) as `ip route get` prints them (`expires 599sec mtu 1400`)."""
        mtu = self.lookup(dst)
        if mtu is None:
            return None
        left = self.entries[dst][1] - self.stack.now()
        return mtu, max(0, int(left))

    def path_mtu(self, dst: bytes, mtu: int) -> int:
        """The MTU a packet to `dst` is held to: the route's (or link's) `mtu`, or less if learned."""
        if not self.entries:
            return mtu
        learned = self.lookup(dst)
        return learned if learned is not None and learned < mtu else mtu

    def flush(self) -> int:
        count = len(self.entries)
        self.entries.clear()
        return count
