"""Multicast Listener Discovery version 2 (RFC 3810), the host's part: a report when a link
joins or leaves a group (sent twice, the robustness variable), and answers to queries, so
switches that snoop MLD deliver our solicited-node groups to us.

Reports go to ff02::16 with hop limit 1 behind a hop-by-hop header carrying a Router Alert
(RFC 2711); the link-local all-nodes group is never reported.  Queries of either version
are answered with version 2 reports (no MLDv1 compatibility mode yet).
"""
from __future__ import annotations

import random

from ..packet import Packet
from ..wire import icmpv6 as wire
from ..wire import ipv6 as ipwire
from .addrconf import ALL_NODES, UNSPECIFIED, is_link_local
from .icmpv6 import fill_checksum

ALL_MLDV2_ROUTERS = bytes.fromhex("ff020000000000000000000000000016")
MODE_IS_EXCLUDE = 2
CHANGE_TO_INCLUDE = 3
CHANGE_TO_EXCLUDE = 4
ROBUSTNESS = 2                      # net.ipv6.mld_qrv
UNSOLICITED_INTERVAL = 1.0          # mldv2_unsolicited_report_interval
# next header ICMPv6, length 0 (8 bytes), Router Alert (MLD), PadN of 0
ROUTER_ALERT_HOP_BY_HOP = bytes((ipwire.NEXTHDR_ICMP, 0, ipwire.OPT_ROUTER_ALERT_TYPE, 2, 0, 0, ipwire.OPT_PADN, 0))
QUERY_MIN_LEN = 24


def reported(group: bytes) -> bool:
    """RFC 3810 6: every group but all-nodes, link scope or wider."""
    return group != ALL_NODES and group[1] & 0x0F >= 2


def max_response_delay(buf, off: int, length: int) -> float:
    """Seconds: MLDv1's Maximum Response Delay, or MLDv2's Maximum Response Code (5.1.3)."""
    code = (buf[off + 4] << 8) | buf[off + 5]
    if length >= 28 and code >= 0x8000:
        code = ((code & 0x0FFF) | 0x1000) << (((code >> 12) & 7) + 3)
    return code / 1000.0


def check_query(pkt: Packet) -> str | None:
    buf, off, net = pkt.buf, pkt.data, pkt.network
    if pkt.tail - off < QUERY_MIN_LEN:
        return "PKT_TOO_SMALL"
    if buf[net + 7] != 1 or not is_link_local(buf[net + 8:net + 24]):
        return "IPV6_MLD_INVALID"           # queries come from a link-local router, hop limit 1
    return None


class Mld:
    def __init__(self, stack):
        self.stack = stack
        stack.icmp6.handlers[wire.MLD_QUERY] = self.receive_query
        stack.icmp6.explainers[wire.MLD_QUERY] = self.explain_query

    # --- reports ------------------------------------------------------------------------
    def joined(self, link, group: bytes) -> None:
        self._schedule(link, group, CHANGE_TO_EXCLUDE, ROBUSTNESS)

    def left(self, link, group: bytes) -> None:
        self._schedule(link, group, CHANGE_TO_INCLUDE, ROBUSTNESS)

    def link_up(self, link) -> None:
        for group in list(self.stack.ipv6.groups.get(link, ())):
            self._schedule(link, group, CHANGE_TO_EXCLUDE, ROBUSTNESS)

    def _schedule(self, link, group: bytes, record: int, left: int) -> None:
        """A state-change report within a random part of the unsolicited report interval, as
        Linux's mld_ifc_start_work does, then again until the robustness count is spent."""
        if reported(group) and not link.iff_loopback and link.admin_up and left > 0:
            self.stack.timers.arm(self.stack.now() + random.uniform(0, UNSOLICITED_INTERVAL),
                                  self._change, link, group, record, left, name="mld")

    def _change(self, link, group: bytes, record: int, left: int) -> None:
        if link.stack is not self.stack or not link.admin_up or link in self.stack.ipv6.disabled:
            return
        if self.stack.ipv6.joined(link, group) != (record == CHANGE_TO_EXCLUDE):
            return                          # joined and left again meanwhile: the later one counts
        self.report(link, [(record, group)])
        self._schedule(link, group, record, left - 1)

    def report(self, link, records: list) -> None:
        message = bytes((wire.MLD2_REPORT, 0, 0, 0, 0, 0)) + len(records).to_bytes(2, "big")
        message += b"".join(bytes((kind, 0, 0, 0)) + group for kind, group in records)
        hop_by_hop = ROUTER_ALERT_HOP_BY_HOP
        pkt = Packet.alloc(len(hop_by_hop) + len(message))
        buf, start = pkt.buf, pkt.data
        buf[start:start + len(hop_by_hop)] = hop_by_hop
        icmp = start + len(hop_by_hop)
        buf[icmp:pkt.tail] = message
        src = self.stack.ipv6.source_for(link, ALL_MLDV2_ROUTERS) or UNSPECIFIED   # RFC 3590
        fill_checksum(buf, icmp, pkt.tail, src, ALL_MLDV2_ROUTERS)
        self.stack.icmp6.count_out(wire.MLD2_REPORT)
        self.stack.ipv6.output(pkt, src, ALL_MLDV2_ROUTERS, ipwire.NEXTHDR_HOP, hlim=1, oif=link)

    # --- queries --------------------------------------------------------------------------
    def receive_query(self, pkt: Packet) -> None:
        reason = check_query(pkt)
        if reason is not None:
            self.stack.drop(reason)
            return
        buf, off, link = pkt.buf, pkt.data, pkt.link
        group = bytes(buf[off + 8:off + 24])
        delay = random.uniform(0, max_response_delay(buf, off, pkt.tail - off))
        self.stack.timers.arm(self.stack.now() + delay, self._answer, link, group, name="mld")

    def _answer(self, link, group: bytes) -> None:
        """The current state (MODE_IS_EXCLUDE) of every group asked about that we are in."""
        if link.stack is not self.stack or not link.admin_up:
            return
        groups = self.stack.ipv6.groups.get(link, {})
        asked = [g for g in groups if reported(g)] if group == UNSPECIFIED else (
            [group] if group in groups and reported(group) else [])
        if asked:
            self.report(link, [(MODE_IS_EXCLUDE, g) for g in sorted(asked)])

    def explain_query(self, rec, pkt: Packet, what: str) -> str | None:
        reason = check_query(pkt)
        buf, off = pkt.buf, pkt.data
        if reason == "PKT_TOO_SMALL":
            rec.step("mld", f"{what}: {pkt.tail - off} bytes, shorter than {QUERY_MIN_LEN}")
        elif reason is not None:
            rec.step("mld", f"{what}: hop limit {buf[pkt.network + 7]} or a source that is not "
                            "link-local: not a query from a router on this link")
        else:
            group = bytes(buf[off + 8:off + 24])
            asked = "every group" if group == UNSPECIFIED else ipwire.addr_to_str(group)
            rec.step("mld", f"{what} for {asked}: a report after a random delay up to "
                            f"{max_response_delay(buf, off, pkt.tail - off):g} s")
        return reason
