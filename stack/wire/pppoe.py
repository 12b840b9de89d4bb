"""PPPoE (RFC 2516): discovery (0x8863, its tags) and session (0x8864) stages; a session
carries PPP, whose protocol field hands IPv4 and IPv6 on (LCP and the other control
protocols are left as data)."""
from .dissect import F, Hidden, Node, dissector

ETH_P_PPPOED, ETH_P_PPPOES = 0x8863, 0x8864
HEADER_LEN = 6
PPP_IP, PPP_IPV6 = 0x0021, 0x0057
PPP_NAMES = {PPP_IP: "Internet Protocol version 4", PPP_IPV6: "Internet Protocol version 6",
             0xC021: "Link Control Protocol", 0xC023: "Password Authentication Protocol",
             0xC223: "Challenge Handshake Authentication Protocol", 0x8021: "Internet Protocol Control Protocol",
             0x8057: "IPv6 Control Protocol"}
CODES = {0x00: "Session Data", 0x09: "Active Discovery Initiation (PADI)",
         0x07: "Active Discovery Offer (PADO)", 0x19: "Active Discovery Request (PADR)",
         0x65: "Active Discovery Session-confirmation (PADS)", 0xA7: "Active Discovery Terminate (PADT)",
         0x0A: "Active Discovery Session-Grant (PADG)", 0x0B: "Active Discovery Session-Credit Resp.(PADC)",
         0x0C: "Active Discovery Quality (PADQ)", 0xD3: "Active Discovery Message (PADM)",
         0xD4: "Active Discovery Network (PADN)"}
TAG_NAMES = {0x0000: "End-Of-List", 0x0101: "Service-Name", 0x0102: "AC-Name", 0x0103: "Host-Uniq",
             0x0104: "AC-Cookie", 0x0105: "Vendor-Specific", 0x0110: "Relay-Session-Id",
             0x0201: "Service-Name-Error", 0x0202: "AC-System-Error", 0x0203: "Generic-Error",
             0x0106: "Credits", 0x0107: "Metrics", 0x0108: "Sequence Number", 0x0109: "Credit Scale Factor",
             0x0111: "HURL", 0x0112: "MOTM", 0x0120: "PPP-Max-Payload", 0x0121: "IP Route Add"}
# how tshark shows a tag's value, by its own field: text, bytes (hex), or a number
TAG_STRINGS = {0x0101: ("pppoed.tags.service_name", "Service-Name"), 0x0102: ("pppoed.tags.ac_name", "AC-Name"),
               0x0201: ("pppoed.tags.service_name_error", "Service-Name-Error"),
               0x0202: ("pppoed.tags.ac_system_error", "AC-System-Error"),
               0x0203: ("pppoed.tags.generic_error", "Generic-Error")}
TAG_BYTES = {0x0103: ("pppoed.tags.host_uniq", "Host-Uniq"), 0x0104: ("pppoed.tags.ac_cookie", "AC-Cookie"),
             0x0110: ("pppoed.tags.relay_session_id", "Relay-Session-Id"), 0x0111: ("pppoed.tags.hurl", "HURL"),
             0x0112: ("pppoed.tags.motm", "MOTM"), 0x0120: ("pppoed.tags.max_payload", "PPP-Max-Payload"),
             0x0121: ("pppoed.tags.ip_route_add", "IP Route Add")}
TAG_VENDOR, TAG_CREDITS, TAG_SEQUENCE, TAG_CREDIT_SCALE = 0x0105, 0x0106, 0x0108, 0x0109
VENDOR_DSL_FORUM = 3561                 # its sub-tags tshark dissects; not shown here

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
            _tag(tags, buf, pos, size, stop)
            pos += 4 + size
    d.summarise("PPPoED", CODES.get(code, f"Unknown code 0x{code:02x}"))
    return None


def _tag(tags: Node, buf, pos: int, size: int, stop: int) -> None:
    """One tag as tshark shows it: by its own field (`Host-Uniq: 01020304`), nothing for an empty
    one; the type and length lines only for a tag tshark does not know (kept hidden otherwise)."""
    kind = TAG.read(buf, pos)
    at, have = pos + 4, max(0, min(size, stop - pos - 4))
    data = bytes(buf[at:at + have])
    if kind not in TAG_NAMES:
        tag = tags.field(TAG, buf, pos)
        tag.field(TAG_LENGTH, buf, pos)
        if size:        # tshark's data starts at the length field, two bytes early
            early = bytes(buf[pos + 2:pos + 2 + size])
            tag.text("pppoed.tag.unknown_data", "Unknown Data", early.hex(), pos + 2, len(early), value=early)
        return
    tag = tags.add(Hidden.of(Node(TAG.name, TAG.label, kind, pos, 2, show=TAG.show)))
    tag.add(Hidden.of(Node(TAG_LENGTH.name, TAG_LENGTH.label, size, pos + 2, 2)))
    if not size:
        return
    if kind in TAG_STRINGS:
        name, label = TAG_STRINGS[kind]
        text = data.decode("utf-8", "replace")
        tags.text(name, label, text, at, have, value=text)
    elif kind in TAG_BYTES:
        name, label = TAG_BYTES[kind]
        tags.text(name, label, data.hex(), at, have, value=data)
    elif kind == TAG_VENDOR and have >= 4:
        vendor = int.from_bytes(data[:4], "big")
        tags.text("pppoed.tags.vendor_id", "Vendor id", str(vendor), at, 4, value=vendor)
        if vendor != VENDOR_DSL_FORUM and have > 4:
            tags.text("pppoed.tags.vendor_unspecified", "Vendor unspecified", data[4:].hex(), at + 4, have - 4,
                      value=data[4:])
    elif kind == TAG_CREDITS and have == 4:
        fcn, bcn = int.from_bytes(data[:2], "big"), int.from_bytes(data[2:], "big")
        tags.text("pppoed.tags.credits.fcn", "FCN", str(fcn), at, 2, value=fcn)
        tags.text("pppoed.tags.credits.bcn", "BCN", str(bcn), at + 2, 2, value=bcn)
    elif kind == TAG_SEQUENCE and have == 2:
        number = int.from_bytes(data, "big")
        tags.text("pppoed.tags.seq_num", "Sequence Number", f"0x{number:04x}", at, 2, value=number)
    elif kind == TAG_CREDIT_SCALE and have == 2:
        number = int.from_bytes(data, "big")
        tags.text("pppoed.tags.credit_scale", "Credit Scale Factor", str(number), at, 2, value=number)


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
