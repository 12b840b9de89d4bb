"""IPsec headers: AH (RFC 4302), whose next header is dissected after it, and ESP (RFC 4303),
whose payload is encrypted and shown opaque (SPI and sequence number), also over UDP 4500
(RFC 3948, where four zero bytes mark IKE instead)."""
from .dissect import F, dissector
from .ipproto import show_protocol

PROTO_ESP, PROTO_AH = 50, 51
NAT_T_PORT = 4500


def _hex8(value: int) -> str:
    return f"0x{value:08x}"


AH_NEXT = F("ah.next_header", "Next header", 0, 1, show=show_protocol)
AH_LENGTH = F("ah.length", "Length", 1, 1, show=lambda v: f"{v} ({(v + 2) * 4} bytes)")    # 32-bit words, minus 2
AH_SPI = F("ah.spi", "AH SPI", 4, 4, show=_hex8)
AH_SEQUENCE = F("ah.sequence", "AH Sequence", 8, 4)
ESP_SPI = F("esp.spi", "ESP SPI", 0, 4, show=lambda v: f"0x{v:08x} ({v})")
ESP_SEQUENCE = F("esp.sequence", "ESP Sequence", 4, 4)
NON_ESP = F("udpencap.non_esp_marker", "Non-ESP Marker", 0, 4)


@dissector("ip.proto", PROTO_AH)
@dissector("ipv6.nxt", PROTO_AH)
def dissect_ah(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("ah", "Authentication Header", off, min(12, end - off))
    if d.short(layer, 12, end - off, "AH header"):
        return None
    nxt = layer.field(AH_NEXT, buf, off).value
    length = (layer.field(AH_LENGTH, buf, off).value + 2) * 4
    layer.text("ah.reserved", "Reserved", buf[off + 2:off + 4].hex(), off + 2, 2, value=buf[off + 2:off + 4])
    spi = layer.field(AH_SPI, buf, off).value
    layer.field(AH_SEQUENCE, buf, off)
    layer.length = min(length, end - off)
    if d.short(layer, max(length, 12), end - off, "AH header"):
        return None
    if length > 12:
        layer.text("ah.icv", "AH ICV", buf[off + 12:off + length].hex(), off + 12, length - 12,
                   value=buf[off + 12:off + length])
    d.summarise("AH", f"AH (SPI=0x{spi:08x})")
    if off + length >= end:
        return None
    return ("ipv6.nxt" if d.net_src is not None and len(d.net_src) == 16 else "ip.proto", nxt,
            off + length, end)


@dissector("ip.proto", PROTO_ESP)
@dissector("ipv6.nxt", PROTO_ESP)
def dissect_esp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("esp", "Encapsulating Security Payload", off, end - off)
    if d.short(layer, 8, end - off, "ESP header"):
        return None
    spi = layer.field(ESP_SPI, buf, off).value
    layer.field(ESP_SEQUENCE, buf, off)
    d.summarise("ESP", f"ESP (SPI=0x{spi:08x})")
    return None


@dissector("udp.port", NAT_T_PORT)
def dissect_udpencap(d, off: int, end: int):
    layer = d.layer("udpencap", "UDP Encapsulation of IPsec Packets", off, 0)
    if end - off >= 4 and d.buf[off:off + 4] == bytes(4):
        layer.length = 4
        layer.field(NON_ESP, d.buf, off)
        return ("udpencap.ike", 0, off + 4, end)
    return dissect_esp(d, off, end)
