"""Duplicate IPv4 addresses seen in ARP, as tshark detects them (arp.duplicate-address-*).

Each Ethernet/IPv4 ARP packet says which MAC address holds its sender's IP address (and, in
a reply, its target's).  The first MAC seen for an address is kept, and refreshed while the
same MAC keeps claiming it; another MAC claiming it is a duplicate, reported with the frame
that last showed the first one.  The table is not changed by a duplicate.  Address 0.0.0.0
(an ARP probe's), a group MAC address and a zero one claim nothing.  The Info column names the duplicate found in the check
tshark makes last: the sender's in a request, the target's in a reply.
"""
from __future__ import annotations

from collections import OrderedDict

from ..arp import ETHER_HW, IPV4_PROTOS, OP_REPLY, OP_REQUEST
from ..ethernet import mac_to_str

MAX_ADDRESSES = 65536


class DuplicateAddresses:
    def __init__(self):
        self.holders: OrderedDict = OrderedDict()       # IPv4 address -> [mac, frame, seconds]

    def check(self, number: int, seconds: int, d, layer, notes) -> None:
        buf, off = d.buf, layer.offset
        if len(buf) < off + 28:
            return
        htype, ptype, hlen, plen = int.from_bytes(buf[off:off + 2], "big"), \
            int.from_bytes(buf[off + 2:off + 4], "big"), buf[off + 4], buf[off + 5]
        op = int.from_bytes(buf[off + 6:off + 8], "big")
        if htype not in ETHER_HW or hlen != 6 or ptype not in IPV4_PROTOS or plen != 4 \
                or op not in (OP_REQUEST, OP_REPLY):
            return
        sender = self._claim(number, seconds, bytes(buf[off + 8:off + 14]), bytes(buf[off + 14:off + 18]), notes)
        if op == OP_REPLY:
            sender = self._claim(number, seconds, bytes(buf[off + 18:off + 24]), bytes(buf[off + 24:off + 28]),
                                 notes)
        if sender is not None:
            notes.suffix = f" (duplicate use of {sender} detected!)"

    def _claim(self, number: int, seconds: int, mac: bytes, ip: bytes, notes) -> str | None:
        """`mac` holds `ip` in frame `number`: the address's text if another MAC held it."""
        if not any(ip) or not any(mac) or mac[0] & 1:
            return None
        held = self.holders.get(ip)
        if held is None:
            self.holders[ip] = [mac, number, seconds]
            if len(self.holders) > MAX_ADDRESSES:
                self.holders.popitem(last=False)
            return None
        if number <= held[1]:
            return None
        if held[0] == mac:
            held[1], held[2] = number, seconds
            return None
        address = ".".join(map(str, ip))
        notes.duplicates.append((address, mac_to_str(mac), mac_to_str(held[0]), held[1], seconds - held[2]))
        fields = notes.fields
        for name, value in (("arp.duplicate-address-frame", held[1]),
                            ("arp.seconds-since-duplicate-address-frame", seconds - held[2])):
            fields[name] = fields[name] + [value] if name in fields else [value]
        fields["arp.duplicate-address-detected"] = True
        return address
