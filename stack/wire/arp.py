"""ARP for IPv4 over Ethernet (RFC 826): the 28-byte body after the Ethernet header."""
import struct

BODY = struct.Struct("!HHBBH6s4s6s4s")
BODY_LEN = 28
HTYPE_ETHER = 1
PTYPE_IP = 0x0800
OP_REQUEST = 1
OP_REPLY = 2


def parse(buf, off: int, end: int):
    """(op, sha, spa, tha, tpa), or a drop-reason string when the body is unusable."""
    if end - off < BODY_LEN:
        return "PKT_TOO_SMALL"
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = BODY.unpack_from(buf, off)
    if htype != HTYPE_ETHER or ptype != PTYPE_IP or hlen != 6 or plen != 4:
        return "ARP_UNSUPPORTED"
    return op, sha, spa, tha, tpa


def build(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return BODY.pack(HTYPE_ETHER, PTYPE_IP, 6, 4, op, sha, spa, tha, tpa)


# --- dissection ------------------------------------------------------------------

from .dissect import F, dissector  # noqa: E402
from .ethernet import mac_to_str, show_ethertype  # noqa: E402

OPCODES = {OP_REQUEST: "request", OP_REPLY: "reply", 3: "reverse request", 4: "reverse reply"}

HTYPE = F("arp.hw.type", "Hardware type", 0, 2,
          show=lambda v: "Ethernet (1)" if v == 1 else str(v))
PTYPE = F("arp.proto.type", "Protocol type", 2, 2, show=show_ethertype)
HLEN = F("arp.hw.size", "Hardware size", 4, 1)
PLEN = F("arp.proto.size", "Protocol size", 5, 1)
OPCODE = F("arp.opcode", "Opcode", 6, 2, show=lambda v: f"{OPCODES.get(v, 'unknown')} ({v})")


def _ip(b) -> str:
    return ".".join(str(x) for x in b)


@dissector("ethertype", 0x0806)
def dissect_arp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("arp", "Address Resolution Protocol", off, min(BODY_LEN, end - off))
    d.protocol = "ARP"
    if d.short(layer, 8, end - off, "ARP fixed header"):
        return None
    for f in (HTYPE, PTYPE, HLEN, PLEN, OPCODE):
        layer.field(f, buf, off)
    hlen, plen, op = buf[off + 4], buf[off + 5], OPCODE.read(buf, off)
    need = 8 + 2 * (hlen + plen)
    if d.short(layer, need, end - off, "ARP addresses"):
        return None
    layer.length = need
    pos = off + 8
    names = (("arp.src.hw_mac", "Sender MAC address", hlen), ("arp.src.proto_ipv4", "Sender IP address", plen),
             ("arp.dst.hw_mac", "Target MAC address", hlen), ("arp.dst.proto_ipv4", "Target IP address", plen))
    values = []
    for name, label, size in names:
        raw = bytes(buf[pos:pos + size])
        is_ip = name.endswith("ipv4") and size == 4
        is_mac = name.endswith("mac") and size == 6
        text = _ip(raw) if is_ip else mac_to_str(raw) if is_mac else raw.hex(":")
        layer.text(name if (is_ip or is_mac) else name.replace("_ipv4", "").replace("_mac", ""),
                   label, text, pos, size, value=raw)
        values.append(text)
        pos += size
    sha, spa, tha, tpa = values
    if op == OP_REQUEST:
        d.info = (f"ARP Announcement for {spa}" if spa == tpa else f"Who has {tpa}? Tell {spa}")
        layer.label = "Address Resolution Protocol (request)"
    elif op == OP_REPLY:
        d.info = f"{spa} is at {sha}"
        layer.label = "Address Resolution Protocol (reply)"
    else:
        d.info = f"ARP opcode {op}"
    return None
