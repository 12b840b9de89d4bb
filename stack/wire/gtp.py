"""GTP-U (3GPP TS 29.281) on UDP port 2152: the tunnel header, its optional sequence, N-PDU
number and extension headers, then a T-PDU (type 255) whose IP version its first nibble says."""
from .dissect import F, dissector

PORT = 2152
HEADER_LEN = 8
T_PDU = 0xFF
MESSAGES = {1: "Echo Request", 2: "Echo Response", 26: "Error Indication", 31: "Supported Extension Headers Notification",
            254: "End Marker", T_PDU: "T-PDU"}

FLAGS = F("gtp.flags", "Flags", 0, 1, show=lambda v: f"0x{v:02x}")
F_VERSION = F("gtp.flags.version", "Version", 0, 1, mask=0xE0)
F_PAYLOAD = F("gtp.flags.payload", "Protocol type", 0, 1, mask=0x10)
F_RESERVED = F("gtp.flags.reserved", "Reserved", 0, 1, mask=0x08)
F_E = F("gtp.flags.e", "Is Next Extension Header present?", 0, 1, mask=0x04)
F_S = F("gtp.flags.s", "Is Sequence Number present?", 0, 1, mask=0x02)
F_PN = F("gtp.flags.pn", "Is N-PDU number present?", 0, 1, mask=0x01)
MESSAGE = F("gtp.message", "Message Type", 1, 1,
            show=lambda v: f"{MESSAGES.get(v, 'Unknown')} (0x{v:02x})")
LENGTH = F("gtp.length", "Length", 2, 2)
TEID = F("gtp.teid", "TEID", 4, 4, show=lambda v: f"0x{v:08x} ({v})")
SEQUENCE = F("gtp.seq_number", "Sequence number", 8, 2, show=lambda v: f"0x{v:04x} ({v})")
NPDU = F("gtp.npdu_number", "N-PDU Number", 10, 1, show=lambda v: f"0x{v:02x}")
NEXT = F("gtp.next", "Next extension header type", 11, 1, show=lambda v: f"0x{v:02x}")
EXT_LENGTH = F("gtp.ext_hdr.length", "Extension Header Length", 0, 1)


@dissector("udp.port", PORT)
def dissect_gtpu(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("gtp", "GPRS Tunneling Protocol", off, min(HEADER_LEN, end - off))
    if d.short(layer, HEADER_LEN, end - off, "GTP header"):
        return None
    node = layer.field(FLAGS, buf, off)
    for bit in (F_VERSION, F_PAYLOAD, F_RESERVED, F_E, F_S, F_PN):
        node.field(bit, buf, off)
    flags = buf[off]
    kind = layer.field(MESSAGE, buf, off).value
    length = layer.field(LENGTH, buf, off).value
    teid = layer.field(TEID, buf, off).value
    pos = off + HEADER_LEN
    stop = min(end, pos + length)
    if flags & 0x07:
        if d.short(layer, HEADER_LEN + 4, end - off, "GTP optional fields"):
            return None
        for f in (SEQUENCE, NPDU, NEXT):
            layer.field(f, buf, off)
        nxt = buf[off + 11]
        pos += 4
        while nxt and pos < stop:
            size = buf[pos] * 4
            if size == 0 or pos + size > stop:
                d.problem(layer, "malformed: extension header length")
                return None
            ext = layer.text("gtp.ext_hdr", "Extension header", f"(length {size})", pos, size,
                             value=buf[pos:pos + size])
            ext.field(EXT_LENGTH, buf, pos)
            nxt = buf[pos + size - 1]
            pos += size
    layer.length = pos - off
    d.summarise("GTP", f"{MESSAGES.get(kind, f'Unknown 0x{kind:02x}')} TEID 0x{teid:08x}")
    if kind != T_PDU or pos >= stop:
        return None
    nibble = buf[pos] >> 4
    if nibble == 4:
        return ("ethertype", 0x0800, pos, stop)
    if nibble == 6:
        return ("ethertype", 0x86DD, pos, stop)
    return ("gtp.payload", 0, pos, stop)
