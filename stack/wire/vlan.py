"""802.1Q VLAN tags and 802.1ad service tags (QinQ): TCI(2) then the inner ethertype(2).

The tag's TPID is the outer header's ethertype, so offsets here start at the TCI.
"""
import struct

from .dissect import F, dissector
from .ethernet import ETHERTYPE_NAMES

HEADER = struct.Struct("!HH")          # TCI (PCP 3 bits, DEI 1 bit, VID 12 bits), inner ethertype
HEADER_LEN = 4
TAG = struct.Struct("!HH")             # TPID, TCI: what `tag()` writes into a frame

TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
VID_MASK = 0x0FFF
MAX_LENGTH_FIELD = 1500                # a "type" up to this is an 802.3 length

PRIORITY_NAMES = ("Best Effort (default)", "Background", "Excellent Effort", "Critical Applications",
                  "Video, < 100ms latency and jitter", "Voice, < 10ms latency and jitter", "Internetwork Control",
                  "Network Control")       # IEEE 802.1Q-2014 table I-2, in tshark's words
PRIORITY = F("vlan.priority", "Priority", 0, 2, mask=0xE000, show=lambda v: f"{PRIORITY_NAMES[v]} ({v})")
DEI = F("vlan.dei", "DEI", 0, 2, mask=0x1000, show=("Ineligible", "Eligible").__getitem__)
ID = F("vlan.id", "ID", 0, 2, mask=VID_MASK)
ETYPE = F("vlan.etype", "Type", 2, 2, show=lambda v: f"{ETHERTYPE_NAMES.get(v, 'Unknown')} (0x{v:04x})")
LEN = F("vlan.len", "Length", 2, 2)

# tshark names the 802.1ad tag's fields apart (and its type field ieee8021ah.etype)
AD_PRIORITY = F("ieee8021ad.priority", "Priority", 0, 2, mask=0xE000)
AD_DEI = F("ieee8021ad.dei", "DEI", 0, 2, mask=0x1000, show=str)     # tshark shows its number
AD_ID = F("ieee8021ad.id", "ID", 0, 2, mask=VID_MASK)
AD_ETYPE = F("ieee8021ah.etype", "Type", 2, 2, show=ETYPE.show)

OFF_TCI = 0
OFF_TYPE = ETYPE.offset


def tag(tpid: int, pcp: int, dei: int, vid: int) -> bytes:
    """The 4 bytes of a tag (TPID, TCI) to insert after the MAC addresses."""
    if not (0 <= pcp <= 7 and 0 <= dei <= 1 and 0 <= vid <= VID_MASK and 0 <= tpid <= 0xFFFF):
        raise ValueError("expected pcp 0-7, dei 0-1, vid 0-4095")
    return TAG.pack(tpid, (pcp << 13) | (dei << 12) | vid)


def vid_of(tci: int) -> int:
    return tci & VID_MASK


# --- dissection ------------------------------------------------------------------

KINDS = {
    TPID_8021Q: ("vlan", "802.1Q Virtual LAN", (PRIORITY, DEI, ID), ETYPE, LEN),
    TPID_8021AD: ("ieee8021ad", "IEEE 802.1ad", (AD_PRIORITY, AD_DEI, AD_ID), AD_ETYPE, LEN),
}


@dissector("ethertype", TPID_8021Q)
def dissect_8021q(d, off: int, end: int):
    return _dissect_tag(d, off, end, TPID_8021Q)


@dissector("ethertype", TPID_8021AD)
def dissect_8021ad(d, off: int, end: int):
    return _dissect_tag(d, off, end, TPID_8021AD)


def _dissect_tag(d, off: int, end: int, tpid: int):
    buf = d.buf
    name, label, tci_fields, etype, length = KINDS[tpid]
    layer = d.layer(name, label, off, max(0, min(HEADER_LEN, end - off)))
    if end - off >= 2:
        pcp, dei, vid = (layer.field(f, buf, off).value for f in tci_fields)
        layer.label = (f"{label}, ID: {vid}" if tpid == TPID_8021AD
                       else f"{label}, PRI: {pcp}, DEI: {dei}, ID: {vid}")
    if d.short(layer, HEADER_LEN, end - off, f"{label} tag"):
        return None
    inner = etype.read(buf, off)
    if inner <= MAX_LENGTH_FIELD:
        layer.field(length, buf, off)
        d.protocol = "LLC"
        return ("llc", 0, off + HEADER_LEN, min(end, off + HEADER_LEN + inner))
    layer.field(etype, buf, off)
    d.protocol = ETHERTYPE_NAMES.get(inner, f"0x{inner:04x}")
    return ("ethertype", inner, off + HEADER_LEN, end)
