"""MPLS label stack entries (RFC 3032): ethertypes 0x8847/0x8848, MPLS over UDP (RFC 7510,
port 6635) and over GRE (through the ethertype).  After the bottom of the stack the payload
is guessed by its first nibble as tshark does: 4 IPv4, 6 IPv6, else left as data."""
from .dissect import F, dissector

ETH_P_MPLS_UC, ETH_P_MPLS_MC = 0x8847, 0x8848
UDP_PORT = 6635
ENTRY_LEN = 4
MAX_ENTRIES = 32

# tshark's names of the reserved labels (0-15); a label from 16 up shows as `21 (0x00015)`
SPECIAL_LABELS = {0: "IPv4 Explicit-Null", 1: "Router Alert", 2: "IPv6 Explicit-Null", 3: "Implicit-Null",
                  7: "Entropy Label Indicator (ELI)", 13: "Generic Associated Channel Label (GAL)",
                  14: "OAM Alert"}
FIRST_UNRESERVED = 16


def _show_label(value: int) -> str:
    if value < FIRST_UNRESERVED:
        return f"{SPECIAL_LABELS.get(value, 'Unknown')} ({value})"
    return f"{value} (0x{value:05x})"


def _header_label(value: int) -> str:
    """The label as the layer's line gives it: `21`, `0 (IPv4 Explicit-Null)`, `15 (Reserved - Unknown)`."""
    if value < FIRST_UNRESERVED:
        return f"{value} ({SPECIAL_LABELS.get(value, 'Reserved - Unknown')})"
    return str(value)


LABEL = F("mpls.label", "MPLS Label", 0, 4, mask=0xFFFFF000, show=_show_label)
EXP = F("mpls.exp", "MPLS Experimental Bits", 0, 4, mask=0x00000E00)
BOTTOM = F("mpls.bottom", "MPLS Bottom Of Label Stack", 0, 4, mask=0x00000100)
TTL = F("mpls.ttl", "MPLS TTL", 0, 4, mask=0x000000FF)


@dissector("ethertype", ETH_P_MPLS_UC, ETH_P_MPLS_MC)
@dissector("udp.port", UDP_PORT)
@dissector("ip.proto", 137)
@dissector("ipv6.nxt", 137)
def dissect_mpls(d, off: int, end: int):
    buf = d.buf
    pos = off
    for _ in range(MAX_ENTRIES):
        layer = d.layer("mpls", "MultiProtocol Label Switching Header", pos, min(ENTRY_LEN, end - pos))
        if d.short(layer, ENTRY_LEN, end - pos, "MPLS label stack entry"):
            return None
        label = layer.field(LABEL, buf, pos).value
        exp = layer.field(EXP, buf, pos).value
        bottom = layer.field(BOTTOM, buf, pos).value
        ttl = layer.field(TTL, buf, pos).value
        layer.label = (f"MultiProtocol Label Switching Header, Label: {_header_label(label)}, Exp: {exp}, "
                       f"S: {bottom}, TTL: {ttl}")
        pos += ENTRY_LEN
        if bottom:
            break
    d.summarise("MPLS", "MPLS Label Switched Packet")
    if pos >= end:
        return None
    nibble = buf[pos] >> 4
    if nibble == 4:
        return ("ethertype", 0x0800, pos, end)
    if nibble == 6:
        return ("ethertype", 0x86DD, pos, end)
    return ("mpls.payload", 0, pos, end)
