"""Ethernet II header: dst(6) src(6) ethertype(2)."""
import struct

HEADER = struct.Struct("!6s6sH")
HEADER_LEN = 14
MIN_FRAME = 60              # without FCS; shorter frames are padded on transmit

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_IPV6 = 0x86DD

BROADCAST = b"\xff" * 6
ZERO = b"\x00" * 6


def is_multicast(mac) -> bool:
    return bool(mac[0] & 1)


def header(dst: bytes, src: bytes, ethertype: int) -> bytes:
    """A ready 14-byte header (cached per neighbour: the kernel's hh_cache)."""
    return HEADER.pack(dst, src, ethertype)


def mac_to_str(mac) -> str:
    return bytes(mac).hex(":")


def mac_from_str(text: str) -> bytes:
    """Parse aa:bb:cc:dd:ee:ff (also '-' separated); ValueError naming the problem."""
    parts = text.replace("-", ":").split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError("expected six hex bytes like 02:00:00:00:00:01")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError("expected six hex bytes like 02:00:00:00:00:01") from None


# --- dissection ------------------------------------------------------------------

from .dissect import F, dissector  # noqa: E402  (dissect imports nothing from here)
from .skim import DECLINE, TextCache, skimmer, table  # noqa: E402

ETHERTYPE_NAMES = {ETH_P_IP: "IPv4", ETH_P_ARP: "ARP", ETH_P_IPV6: "IPv6", ETH_P_8021Q: "802.1Q Virtual LAN",
                   0x88A8: "802.1ad Provider Bridge (Q-in-Q)", 0x88CC: "802.1 Link Layer Discovery Protocol (LLDP)",
                   0x8847: "MPLS label switched packet", 0x8863: "PPPoE Discovery", 0x8864: "PPPoE Session"}


def show_mac(mac) -> str:
    return mac_to_str(mac)


MAC_TEXT = TextCache(mac_to_str)
ETHERTYPE_SKIMMERS = table("ethertype")


def protocol_name(ethertype: int) -> str:
    """The Protocol column while nothing above the Ethernet header has spoken."""
    return ETHERTYPE_NAMES.get(ethertype) or f"0x{ethertype:04x}"


def show_ethertype(value: int) -> str:
    return f"{ETHERTYPE_NAMES.get(value, 'Unknown')} (0x{value:04x})"


DST = F("eth.dst", "Destination", 0, 6, show=mac_to_str)
SRC = F("eth.src", "Source", 6, 6, show=mac_to_str)
TYPE = F("eth.type", "Type", 12, 2, show=show_ethertype)
LEN = F("eth.len", "Length", 12, 2)


# Under each address, as tshark's -V and filters have them: the address again (eth.addr) and its
# LG and IG bits, drawn over the OUI's three bytes
ADDR = F("eth.addr", "Address", 0, 6, show=mac_to_str)
LG_TEXT = ("Globally unique address (factory default)", "Locally administered address (this is NOT the factory default)")
IG_TEXT = ("Individual address (unicast)", "Group address (multicast/broadcast)")
DST_LG = F("eth.dst.lg", "LG bit", 0, 3, mask=0x020000, show=LG_TEXT.__getitem__)
DST_IG = F("eth.dst.ig", "IG bit", 0, 3, mask=0x010000, show=IG_TEXT.__getitem__)
SRC_LG = F("eth.src.lg", "LG bit", 6, 3, mask=0x020000, show=LG_TEXT.__getitem__)
SRC_IG = F("eth.src.ig", "IG bit", 6, 3, mask=0x010000, show=IG_TEXT.__getitem__)


def _address_rows(at: int, mac: bytes, lg: F, ig: F) -> tuple:
    return (ADDR, at, mac), (lg, at, mac[0] >> 1 & 1), (ig, at, mac[0] & 1)


def _rows(off: int, dst: bytes, src: bytes, ethertype: int) -> tuple:
    return ((DST, off, dst, _address_rows(off, dst, DST_LG, DST_IG)),
            (SRC, off + 6, src, _address_rows(off + 6, src, SRC_LG, SRC_IG)), (TYPE, off + 12, ethertype))


def layer_label(src: bytes, dst: bytes) -> str:
    return f"Ethernet II, Src: {MAC_TEXT[src]}, Dst: {MAC_TEXT[dst]}"


@dissector("linktype", 1)
def dissect_ethernet(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("eth", "Ethernet II", off, min(HEADER_LEN, end - off))
    if end - off < HEADER_LEN:
        d.short(layer, HEADER_LEN, end - off, "Ethernet header")
        return None
    dst, src, value = HEADER.unpack_from(buf, off)
    d.source, d.destination = MAC_TEXT[src], MAC_TEXT[dst]
    if value <= 1500:                       # IEEE 802.3 length field
        layer.label = "IEEE 802.3 Ethernet"
        if d.tree:
            layer.put(((DST, off, dst, _address_rows(off, dst, DST_LG, DST_IG)),
                       (SRC, off + 6, src, _address_rows(off + 6, src, SRC_LG, SRC_IG)), (LEN, off + 12, value)))
        d.protocol = d.protocol or "LLC"
        return ("llc", 0, off + HEADER_LEN, min(end, off + HEADER_LEN + value))
    if d.tree:
        layer._kids.append((_rows, off, dst, src, value))
    layer._text = (layer_label, src, dst)           # layer.label_from, inline
    d.protocol = ETHERTYPE_NAMES.get(value) or protocol_name(value)
    return ("ethertype", value, off + HEADER_LEN, end)


@skimmer("linktype", 1)
def skim_ethernet(s, off: int, end: int):
    buf = s.buf
    if end - off < HEADER_LEN:
        return DECLINE
    value = (buf[off + 12] << 8) | buf[off + 13]
    following = ETHERTYPE_SKIMMERS.get(value)
    if following is None:
        return DECLINE
    result = following(s, off + HEADER_LEN, end)
    if not s.source:                    # nothing above spoke: the Ethernet header's columns
        s.source, s.destination = MAC_TEXT[buf[off + 6:off + 12]], MAC_TEXT[buf[off:off + 6]]
    if not s.protocol:
        s.protocol = protocol_name(value)
    return result
