"""PPPoE (RFC 2516): discovery (0x8863, its tags) and session (0x8864) stages; a session
carries PPP, whose protocol field hands IPv4 and IPv6 on (LCP and the other control
protocols are left as data)."""
from .dissect import F, Node, dissector

ETH_P_PPPOED, ETH_P_PPPOES = 0x8863, 0x8864
HEADER_LEN = 6
PPP_IP, PPP_IPV6 = 0x0021, 0x0057
PPP_NAMES = {PPP_IP: "Internet Protocol version 4", PPP_IPV6: "Internet Protocol version 6",
             0xC021: "Link Control Protocol", 0xC023: "Password Authentication Protocol",
             0xC223: "Challenge Handshake Authentication Protocol", 0x8021: "Internet Protocol Control Protocol",
             0x8057: "IPv6 Control Protocol"}
CODES = {0x00: "Session Data", 0x09: "Active Discovery Initiation (PADI)",
         0x07: "Active Discovery Offer (PADO)", 0x19: "Active Discovery Request (PADR)",
         0x65: "Active Discovery Session-confirmation (PADS)", 0xA7: "Active Discovery Terminate (PADT)"}
TAG_NAMES = {0x0000: "End-Of-List", 0x0101: "Service-Name", 0x0102: "AC-Name", 0x0103: "Host-Uniq",
             0x0104: "AC-Cookie", 0x0105: "Vendor-Specific", 0x0110: "Relay-Session-Id",
             0x0201: "Service-Name-Error", 0x0202: "AC-System-Error", 0x0203: "Generic-Error"}

VERSION = F("pppoe.version", "Version", 0, 1, mask=0xF0)
TYPE = F("pppoe.type", "Type", 0, 1, mask=0x0F)
CODE = F("pppoe.code", "Code", 1, 1, show=lambda v: f"{CODES.get(v, 'Unknown')} (0x{v:02x})")
SESSION = F("pppoe.session_id", "Session ID", 2, 2, show=lambda v: f"0x{v:04x}")
LENGTH = F("pppoe.payload_length", "Payload Length", 4, 2)
TAG = F("pppoed.tag", "Tag", 0, 2, show=lambda v: f"{TAG_NAMES.get(v, 'Unknown')} (0x{v:04x})")
TAG_LENGTH = F("pppoed.tag_length", "Tag Length", 2, 2)
PPP_PROTOCOL = F("ppp.protocol", "Protocol", 0, 2,
                 show=lambda v: f"{PPP_NAMES.get(v, 'Unknown')} (0x{v:04x})")


def _header(d, off: int, end: int, name: str, label: str):
    buf = d.buf
    layer = d.layer(name, label, off, min(HEADER_LEN, end - off))
    if d.short(layer, HEADER_LEN, end - off, "PPPoE header"):
        return None, 0
    for f in (VERSION, TYPE, CODE, SESSION):
        layer.field(f, buf, off)
    length = layer.field(LENGTH, buf, off).value
    return layer, min(end, off + HEADER_LEN + length)


@dissector("ethertype", ETH_P_PPPOED)
def dissect_pppoed(d, off: int, end: int):
    layer, stop = _header(d, off, end, "pppoed", "PPP-over-Ethernet Discovery")
    if layer is None:
        return None
    buf = d.buf
    code = buf[off + 1]
    pos = off + HEADER_LEN
    if pos < stop:
        tags = layer.add(Node("pppoed.tags", "PPPoE Tags", None, pos, stop - pos, text=""))
        while pos + 4 <= stop:
            size = TAG_LENGTH.read(buf, pos)
            tag = tags.field(TAG, buf, pos)
            tag.field(TAG_LENGTH, buf, pos)
            if size:
                tag.text("pppoed.tag.unknown_data", "Data", buf[pos + 4:pos + 4 + size].hex(),
                         pos + 4, min(size, stop - pos - 4), value=buf[pos + 4:pos + 4 + size])
            pos += 4 + size
    d.summarise("PPPoED", CODES.get(code, f"Unknown code 0x{code:02x}"))
    return None


@dissector("ethertype", ETH_P_PPPOES)
def dissect_pppoes(d, off: int, end: int):
    layer, stop = _header(d, off, end, "pppoes", "PPP-over-Ethernet Session")
    if layer is None:
        return None
    d.summarise("PPPoES", "Session Data")
    if off + HEADER_LEN >= stop:
        return None
    return ("ppp", 0, off + HEADER_LEN, stop)


@dissector("ppp", 0)
@dissector("ethertype", 0x880B)          # PPP in GRE (PPTP)
def dissect_ppp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("ppp", "Point-to-Point Protocol", off, min(2, end - off))
    if d.short(layer, 2, end - off, "PPP protocol"):
        return None
    pos = off
    if buf[off] == 0xFF and end - off >= 4 and buf[off + 1] == 0x03:    # address and control (HDLC)
        pos += 2
    proto = layer.field(PPP_PROTOCOL, buf, pos).value
    layer.length = pos + 2 - off
    d.summarise("PPP", PPP_NAMES.get(proto, f"Protocol 0x{proto:04x}"))
    if proto == PPP_IP:
        return ("ethertype", 0x0800, pos + 2, end)
    if proto == PPP_IPV6:
        return ("ethertype", 0x86DD, pos + 2, end)
    return ("ppp.protocol", proto, pos + 2, end)
