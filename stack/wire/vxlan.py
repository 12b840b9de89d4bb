"""VXLAN (RFC 7348, with the group policy extension's bits as tshark names them): UDP port
4789, an 8-byte header, then a whole Ethernet frame."""
from .dissect import F, dissector

PORT = 4789
HEADER_LEN = 8
FLAG_I = 0x0800

FLAGS = F("vxlan.flags", "Flags", 0, 2, show=lambda v: f"0x{v:04x}")
FLAG_G = F("vxlan.flag_g", "GBP Extension", 0, 2, mask=0x8000)
FLAG_VNI = F("vxlan.flag_i", "VXLAN Network ID (VNI)", 0, 2, mask=FLAG_I)
FLAG_D = F("vxlan.flag_d", "Don't Learn", 0, 2, mask=0x0040)
FLAG_A = F("vxlan.flag_a", "Policy Applied", 0, 2, mask=0x0008)
RESERVED_FLAGS = F("vxlan.flags_reserved", "Reserved(R)", 0, 2, mask=0x77B7)
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
    for bit in (FLAG_G, FLAG_VNI, FLAG_D, FLAG_A, RESERVED_FLAGS):
        node.field(bit, buf, off)
    layer.field(GBP, buf, off)
    vni = layer.field(VNI, buf, off).value
    layer.field(RESERVED, buf, off)
    layer.label = f"Virtual eXtensible Local Area Network, VNI: {vni}"
    d.summarise("VXLAN", f"VNI {vni}")
    if off + HEADER_LEN >= end:
        return None
    return ("linktype", 1, off + HEADER_LEN, end)
