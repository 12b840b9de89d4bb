"""GTP-U (3GPP TS 29.281) on UDP port 2152: the tunnel header, its optional sequence, N-PDU
number and extension headers, then a T-PDU (type 255) whose IP version its first nibble says."""
from .dissect import F, dissector, hexed, named

PORT = 2152
HEADER_LEN = 8
T_PDU = 0xFF
# tshark's words for the GTP-U messages (gtp.message)
MESSAGES = {1: "Echo request", 2: "Echo response", 26: "Error indication",
            31: "Supported extension header notification", 254: "End Marker", T_PDU: "T-PDU"}
# the extension header types (gtp.ext_hdr.next), as tshark names them
EXT_TYPES = {0x00: "No more extension headers", 0x01: "MBMS support indication",
             0x02: "MS Info Change Reporting support indication", 0x03: "Long PDCP PDU Number",
             0x20: "Service Class Indicator", 0x40: "UDP Port number", 0x81: "RAN container",
             0x82: "Long PDCP PDU number", 0x83: "Xw RAN container", 0x84: "NR RAN container",
             0x85: "PDU Session container", 0xC0: "PDCP PDU number", 0xC1: "Suspend Request",
             0xC2: "Suspend Response"}
EXT_UDP_PORT, EXT_RAN_CONTAINER, EXT_PDU_SESSION, EXT_PDCP = 0x40, 0x81, 0x85, 0xC0
FLAG_E, FLAG_S, FLAG_PN = 0x04, 0x02, 0x01
_YES_NO = ("No", "Yes").__getitem__
_PRESENT = ("Not Present", "Present").__getitem__



def _show_next(value: int) -> str:
    return f"{EXT_TYPES.get(value, 'Unknown')} (0x{value:02x})"


FLAGS = F("gtp.flags", "Flags", 0, 1, show=hexed(2))
F_VERSION = F("gtp.flags.version", "Version", 0, 1, mask=0xE0, show=named({
    0: "GTP release 97/98 version", 1: "GTP release 99 version", 2: "GTPv2-C", 3: "None", 4: "None",
    5: "None", 6: "None", 7: "None"}))
F_PAYLOAD = F("gtp.flags.payload", "Protocol type", 0, 1, mask=0x10, show=named({0: "GTP'", 1: "GTP"}))
F_RESERVED = F("gtp.flags.reserved", "Reserved", 0, 1, mask=0x08)
F_E = F("gtp.flags.e", "Is Next Extension Header present?", 0, 1, mask=FLAG_E, show=_YES_NO)
F_S = F("gtp.flags.s", "Is Sequence Number present?", 0, 1, mask=FLAG_S, show=_YES_NO)
F_PN = F("gtp.flags.pn", "Is N-PDU number present?", 0, 1, mask=FLAG_PN, show=_YES_NO)
MESSAGE = F("gtp.message", "Message Type", 1, 1,
            show=lambda v: f"{MESSAGES.get(v, 'Unknown')} (0x{v:02x})")
LENGTH = F("gtp.length", "Length", 2, 2)
TEID = F("gtp.teid", "TEID", 4, 4, show=lambda v: f"0x{v:08x} ({v})")
SEQUENCE = F("gtp.seq_number", "Sequence number", 8, 2, show=lambda v: f"0x{v:04x} ({v})")
NPDU = F("gtp.npdu_number", "N-PDU Number", 10, 1, show=hexed(2))
NEXT = F("gtp.ext_hdr.next", "Next extension header type", 11, 1, show=_show_next)
EXT_LENGTH = F("gtp.ext_hdr.length", "Extension Header Length", 0, 1)
EXT_NEXT = F("gtp.ext_hdr.next", "Next extension header type", 0, 1, show=_show_next)   # at the header's end
EXT_UDP = F("gtp.ext_hdr.udp_port", "UDP Port", 1, 2)
EXT_PDCP_SN = F("gtp.ext_hdr.pdcp_sn", "PDCP Sequence Number", 1, 2)
# the PDU session container (3GPP TS 38.415): downlink (type 0) and uplink (type 1) layouts
PDU_TYPE = F("gtp.ext_hdr.pdu_ses_con.pdu_type", "PDU Type", 1, 1, mask=0xF0,
             show=named({0: "DL PDU SESSION INFORMATION", 1: "UL PDU SESSION INFORMATION"}))
PDU_SPARE = F("gtp.spare.h1", "Spare", 1, 1, mask=0x0F, show=hexed(1))
PDU_PPP = F("gtp.ext_hdr.pdu_ses_cont.ppp", "Paging Policy Presence (PPP)", 2, 1, mask=0x80, show=_PRESENT)
PDU_RQI = F("gtp.ext_hdr.pdu_ses_cont.rqi", "Reflective QoS Indicator (RQI)", 2, 1, mask=0x40, show=_PRESENT)
PDU_UL_SPARE = F("gtp.spare.b7b6", "Spare", 2, 1, mask=0xC0, show=hexed(1))
PDU_QFI = F("gtp.ext_hdr.pdu_ses_con.qos_flow_id", "QoS Flow Identifier (QFI)", 2, 1, mask=0x3F)
PDU_PPI = F("gtp.ext_hdr.pdu_ses_cont.ppi", "Paging Policy Indicator (PPI)", 3, 1, mask=0xE0)
PDU_PPI_SPARE = F("gtp.spare.b4b0", "Spare", 3, 1, mask=0x1F, show=hexed(2))


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
    if flags & (FLAG_E | FLAG_S | FLAG_PN):
        if d.short(layer, HEADER_LEN + 4, end - off, "GTP optional fields"):
            return None
        # the three fields are there when any flag is; tshark shows those whose flag is set
        for flag, f in ((FLAG_S, SEQUENCE), (FLAG_PN, NPDU), (FLAG_E, NEXT)):
            if flags & flag:
                layer.field(f, buf, off)
        nxt = buf[off + 11] if flags & FLAG_E else 0
        pos += 4
        while nxt and pos < stop:
            size = buf[pos] * 4
            if size == 0 or pos + size > stop:
                d.problem(layer, "malformed: extension header length")
                return None
            ext = layer.text("gtp.ext_hdr", f"Extension header ({EXT_TYPES.get(nxt, 'Unknown')})", "", pos, size,
                             value=buf[pos:pos + size])
            ext.field(EXT_LENGTH, buf, pos)
            _extension(ext, buf, pos, size, nxt)
            ext.field(EXT_NEXT, buf, pos + size - 1)
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


def _extension(ext, buf, pos: int, size: int, kind: int) -> None:
    """The body of an extension header of the kinds tshark dissects (others show none)."""
    if kind == EXT_UDP_PORT and size == 4:
        ext.field(EXT_UDP, buf, pos)
    elif kind == EXT_PDCP and size == 4:
        ext.field(EXT_PDCP_SN, buf, pos)
    elif kind == EXT_RAN_CONTAINER and size > 2:
        body = bytes(buf[pos + 1:pos + size])            # tshark counts the next-type byte in too
        ext.text("gtp.ext_hdr.ran_cont", "RAN Container", body.hex(), pos + 1, len(body), value=body)
    elif kind == EXT_PDU_SESSION and size >= 4:
        pdu_type = PDU_TYPE.read(buf, pos)
        if pdu_type > 1:
            return
        fields = [PDU_TYPE, PDU_SPARE]
        if pdu_type == 0:
            fields += [PDU_PPP, PDU_RQI, PDU_QFI]
            if PDU_PPP.read(buf, pos) and size >= 8:
                fields += [PDU_PPI, PDU_PPI_SPARE]
        else:
            fields += [PDU_UL_SPARE, PDU_QFI]
        for f in fields:
            ext.field(f, buf, pos)
