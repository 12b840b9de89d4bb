"""Per-layer counters named as Linux names them (DESIGN principle 5).

A `Mib` is one group of /proc/net/snmp (Ip, Icmp, ...): its counters are plain
attributes so the fast path pays one attribute increment.  `Drops` counts every
dropped packet under a named reason (the kernel's skb drop reasons), each with
a one-line description for `stats`.
"""
from __future__ import annotations

from typing import Callable

IP_MIB = (
    "InReceives", "InHdrErrors", "InAddrErrors", "InUnknownProtos", "InDiscards",
    "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout",
    "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates", "ForwDatagrams",
)
IPEXT_MIB = (
    "InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts",
    "OutBcastPkts", "InOctets", "OutOctets", "InCsumErrors", "ReasmOverlaps",
)
ICMP_MIB = (
    "InMsgs", "InErrors", "InCsumErrors", "InDestUnreachs", "InTimeExcds", "InParmProbs",
    "InRedirects", "InEchos", "InEchoReps", "OutMsgs", "OutErrors", "OutRateLimitGlobal", "OutRateLimitHost",
    "OutDestUnreachs", "OutTimeExcds", "OutEchos", "OutEchoReps",
)
ARP_STATS = (
    "InRequests", "InReplies", "InGratuitous", "OutRequests", "OutReplies", "OutGratuitous",
    "allocs", "destroys", "lookups", "hits", "res_failed", "table_fulls",
    "periodic_gc_runs", "forced_gc_runs", "unresolved_discards",
)


# Counter groups for `stats`: each protocol module declares its own with `counter_group`,
# at import, so the names are known without a stack (completion) and a new layer's
# counters reach `stats`, `-j stats` and the dashboard by declaring them.
COUNTER_GROUPS: dict[str, tuple[int, Callable]] = {}


def counter_group(name: str, rank: int, snapshot: Callable) -> None:
    """Declare group `name`; `snapshot(stack)` returns its counters; `rank` orders `stats`."""
    COUNTER_GROUPS[name] = (rank, snapshot)


def counter_groups() -> list[tuple[str, Callable]]:
    """(name, snapshot) for every declared group, in `stats` order."""
    return [(name, snap) for name, (rank, snap) in
            sorted(COUNTER_GROUPS.items(), key=lambda item: item[1][0])]


class Mib:
    """A group of named counters; attributes are the counters.

    Each group gets its own class with __slots__, so an increment is a plain
    slot write and a misspelt counter name raises AttributeError.
    """

    _classes: dict[tuple, type] = {}

    def __new__(cls, group: str, names: tuple[str, ...]):
        key = (group, names)
        sub = cls._classes.get(key)
        if sub is None:
            sub = type(f"Mib_{group}", (cls,), {"__slots__": names})
            cls._classes[key] = sub
        return object.__new__(sub)

    __slots__ = ("_group", "_names")

    def __init__(self, group: str, names: tuple[str, ...]):
        self._group = group
        self._names = names
        for name in names:
            setattr(self, name, 0)

    def snapshot(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self._names}


class SparseMib:
    """Counters created on first use, e.g. IcmpMsg's InType8/OutType0."""

    def __init__(self, group: str):
        self.group = group
        self.counts: dict[str, int] = {}

    def inc(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


# Drop reasons: the kernel's names (include/net/dropreason-core.h) where one exists.
DROP_REASONS = {
    "PKT_TOO_SMALL": "packet shorter than its headers claim",
    "OTHERHOST": "frame addressed to another host's MAC",
    "UNHANDLED_PROTO": "no handler registered for the ethertype",
    "MAC_INVALID": "source MAC is multicast or zero",
    "LINK_DOWN": "link is administratively down",
    "QDISC_DROP": "transmit queue full",
    "RX_QUEUE_FULL": "receive queue of an in-process cable full",
    "IMPAIR_LOSS": "lost on purpose by an impair link (its loss option)",
    "IMPAIR_QUEUE_FULL": "delay queue of an impair link full",
    "VLAN_UNKNOWN": "tagged frame of a VLAN with no VLAN link on the receiving link",
    "TX_ERROR": "the NIC refused the frame",
    "ARP_UNSUPPORTED": "ARP for a hardware/protocol pair other than Ethernet/IPv4",
    "ARP_INVALID": "ARP with a bad opcode or sender address",
    "ARP_NOT_FOR_US": "ARP request for an address we do not own",
    "IP_INHDR": "IPv4 header invalid (version, IHL, length), or TTL/hop limit run out forwarding",
    "IP_CSUM": "IPv4 header checksum wrong",
    "IP_INADDRERRORS": "IPv4 destination not local and forwarding off on the input link",
    "IP_INVALID_SOURCE": "IPv4 source is multicast, broadcast or ours (a martian)",
    "IP_INVALID_DEST": "IPv4 multicast for a group we have not joined",
    "IP_NOPROTO": "no handler for the IP protocol",
    "DUP_FRAG": "fragment of data already held for its datagram (a duplicate)",
    "FRAG_OVERLAP": "fragment overlapping another of its datagram: the datagram is discarded",
    "FRAG_TINY": "first fragment too short to hold the transport header (IPv6: the header chain, RFC 7112)",
    "FRAG_BAD_LENGTH": "fragment ending past its datagram's last one, or empty: the datagram is discarded",
    "FRAG_OVERSIZE": "fragment ending past byte 65535 of its datagram (IPv4: the datagram is discarded; "
                     "IPv6: parameter problem)",
    "FRAG_UNALIGNED": "IPv6 fragment with more to follow and a length not a multiple of 8 (parameter problem)",
    "FRAG_TOO_MANY": "datagram in more fragments than a reassembly queue holds: it is discarded",
    "FRAG_MEM_LIMIT": "reassembly memory over its bound (ipfrag_high_thresh): fragment refused",
    "FRAG_REASM_TIMEOUT": "datagram not reassembled in time (ipfrag_time): its fragments are dropped",
    "IP_OUTNOROUTES": "no route to the destination",
    "IP_INNOROUTES": "packet to forward with no route to its destination (unreachable sent)",
    "ROUTE_UNREACHABLE": "packet to forward meets an unreachable route or rule (unreachable sent)",
    "ROUTE_PROHIBIT": "packet to forward meets a prohibit route or rule (admin prohibited sent)",
    "ROUTE_BLACKHOLE": "packet to forward meets a blackhole route or rule (silently)",
    "PKT_TOO_BIG": "packet larger than the path MTU with DF set or over IPv6 (or too small an MTU "
                   "to fragment)",
    "NEIGH_FAILED": "neighbour resolution failed",
    "NEIGH_QUEUEFULL": "too many packets waiting for resolution",
    "NEIGH_TABLEFULL": "neighbour table full",
    "NEIGH_DEAD": "neighbour entry removed while packets waited",
    "NETFILTER_DROP": "dropped by a netfilter hook (a DROP verdict)",
    "ICMP_CSUM": "ICMP checksum wrong",
    "ICMP_BROADCAST": "ICMP echo to a broadcast address (ignored, like Linux)",
    "ICMP_UNHANDLED": "ICMP type we do not act on",
    "IPV6_NDISC_REDIRECT": "NDP redirect refused (RFC 4861 8.1, not from our first hop, or accept_redirects)",
    "ICMP_REDIRECT_CODE": "ICMP redirect with a code that is not one",
    "ICMP_REDIRECT_REFUSED": "ICMP redirect refused (not from our gateway, a bad new gateway, or accept_redirects)",
    "ICMP_REDIRECT_UNRESOLVED": "ICMP redirect to a gateway not yet resolved (resolution started, redirect forgotten)",
    "NO_SOCKET": "reply or error for no waiting ping or traceroute session",
    "IPV6DISABLED": "IPv6 packet on a link where IPv6 is disabled (disable_ipv6)",
    "IPV6_INHDR": "IPv6 header invalid (version, a jumbogram)",
    "IPV6_INVALID_SOURCE": "IPv6 source multicast, or ::1 from outside loopback",
    "IPV6_INADDRERRORS": "IPv6 destination not ours (or tentative) and not to forward (forwarding "
                         "off, link-local), or a source that may not be forwarded",
    "IPV6_BEYOND_SCOPE": "IPv6 packet with a link-local source that would leave its link "
                         "(beyond scope sent)",
    "IPV6_MCAST_NOT_JOINED": "IPv6 multicast for a group not joined on the link",
    "IPV6_BAD_EXTHDR": "IPv6 extension header truncated, or its options malformed",
    "IPV6_UNKNOWN_OPTION": "IPv6 option of unknown type whose action is to discard",
    "IPV6_RTHDR": "IPv6 routing header with segments left (this host does not route)",
    "IPV6_NDISC_HOP_LIMIT": "neighbour discovery message with a hop limit other than 255",
    "IPV6_NDISC_BAD_CODE": "neighbour discovery message with a code other than 0",
    "IPV6_NDISC_BAD_OPTIONS": "neighbour discovery message or option malformed",
    "IPV6_NDISC_NS_OTHERHOST": "neighbour solicitation for an address not ours",
    "IPV6_NDISC_TENTATIVE": "neighbour solicitation for an address of ours still under DAD",
    "IPV6_NDISC_OUR_ADDRESS": "neighbour advertisement of an address that is ours",
    "IPV6_NDISC_RA_SOURCE": "router advertisement from a source that is not link-local",
    "IPV6_NDISC_RA_IGNORED": "router advertisement while this stack forwards (accept_ra 1)",
    "IPV6_MLD_INVALID": "MLD query with a hop limit other than 1 or a source not link-local",
}


class Drops:
    """Drop counters by reason name."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.record = None          # the packet trace being written, while one is

    def __call__(self, reason: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if self.record is not None:
            self.record.drop(reason)

    def __getitem__(self, reason: str) -> int:
        return self.counts.get(reason, 0)

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


class LinkStats:
    """Per-link counters in the `ip -s -s link` set (struct rtnl_link_stats64)."""

    RX = ("bytes", "packets", "errors", "dropped", "over_errors", "multicast",
          "length_errors", "crc_errors", "frame_errors", "fifo_errors", "missed_errors",
          "nohandler", "otherhost")
    TX = ("bytes", "packets", "errors", "dropped", "carrier_errors", "collisions",
          "aborted_errors", "fifo_errors", "window_errors", "heartbeat_errors", "carrier_changes")
    __slots__ = tuple("rx_" + n for n in RX) + tuple("tx_" + n for n in TX)

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)

    def stats64(self) -> dict:
        return {"rx": {n: getattr(self, "rx_" + n) for n in self.RX},
                "tx": {n: getattr(self, "tx_" + n) for n in self.TX}}


counter_group("Drop", 90, lambda stack: stack.drop.snapshot())
