"""VXLAN (RFC 7348, with the group policy extension's bits as tshark names them): UDP port
4789, an 8-byte header, then a whole Ethernet frame."""
from .dissect import F, dissector

PORT = 4789
HEADER_LEN = 8
FLAG_I = 0x0800

_TRUE_FALSE = ("False", "True").__getitem__
FLAG_G = F("vxlan.flag_g", "GBP Extension", 0, 2, mask=0x8000, show=("Not defined", "Defined").__getitem__)
FLAG_VNI = F("vxlan.flag_i", "VXLAN Network ID (VNI)", 0, 2, mask=FLAG_I, show=_TRUE_FALSE)
FLAG_D = F("vxlan.flag_d", "Don't Learn", 0, 2, mask=0x0040, show=_TRUE_FALSE)
FLAG_A = F("vxlan.flag_a", "Policy Applied", 0, 2, mask=0x0008, show=_TRUE_FALSE)
RESERVED_FLAGS = F("vxlan.flags_reserved", "Reserved(R)", 0, 2, mask=0x77B7, show=lambda v: f"0x{v:04x}")
_FLAG_BITS = (FLAG_G, FLAG_VNI, FLAG_D, FLAG_A)


def _show_flags(value: int) -> str:
    """tshark's `0x0800, VXLAN Network ID (VNI)`: the word, then the name of each flag set."""
    return ", ".join([f"0x{value:04x}"] + [f.label for f in _FLAG_BITS if value & f.mask])


FLAGS = F("vxlan.flags", "Flags", 0, 2, show=_show_flags)
GBP = F("vxlan.gbp", "Group Policy ID", 2, 2)
VNI = F("vxlan.vni", "VXLAN Network Identifier (VNI)", 4, 3)
RESERVED = F("vxlan.reserved8", "Reserved", 7, 1)


@dissector("udp.port", PORT)
def dissect_vxlan(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("vxlan", "Virtual eXtensible Local Area Network", off, min(HEADER_LEN, end - off))
    if d.short(layer, HEADER_LEN, end - off, "VXLAN header"):
        return None
    node = layer.field(FLAGS, buf, off)
    for bit in _FLAG_BITS + (RESERVED_FLAGS,):
        node.field(bit, buf, off)
    layer.field(GBP, buf, off)
    vni = layer.field(VNI, buf, off).value
    layer.field(RESERVED, buf, off)
    d.summarise("VXLAN", f"VNI {vni}")
    if off + HEADER_LEN >= end:
        return None
    return ("linktype", 1, off + HEADER_LEN, end)
