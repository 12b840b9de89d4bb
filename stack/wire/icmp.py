"""ICMP for IPv4 (RFC 792): type, code, checksum and the 4-byte rest of header."""
import struct
from dataclasses import replace

HEADER = struct.Struct("!BBHHH")       # type, code, checksum, id, seq (echo layout)
HEADER_LEN = 8

ECHO_REPLY = 0
DEST_UNREACH = 3
ECHO_REQUEST = 8
TIME_EXCEEDED = 11
PARAMETER_PROBLEM = 12

# Destination Unreachable codes
NET_UNREACH = 0
HOST_UNREACH = 1
PROT_UNREACH = 2
PORT_UNREACH = 3
FRAG_NEEDED = 4

# What iputils ping prints for each Destination Unreachable code
UNREACH_TEXT = {
    NET_UNREACH: "Destination Net Unreachable",
    HOST_UNREACH: "Destination Host Unreachable",
    PROT_UNREACH: "Destination Protocol Unreachable",
    PORT_UNREACH: "Destination Port Unreachable",
    FRAG_NEEDED: "Frag needed and DF set",
    13: "Packet filtered",
}


# --- dissection ------------------------------------------------------------------

from .checksum import ones_sum  # noqa: E402
from .dissect import F, data_row, dissector, row_node  # noqa: E402
from .skim import DECLINE, skimmer  # noqa: E402
from .textfmt import seconds_text, utc_date  # noqa: E402
from .udp import calculated_checksum, checksum_row  # noqa: E402

# tshark's names of the types (read from tshark 4.0)
TYPE_NAMES = {ECHO_REPLY: "Echo (ping) reply", 1: "Reserved", 2: "Reserved", DEST_UNREACH: "Destination unreachable",
              4: "Source quench (flow control)", 5: "Redirect", 6: "Alternate host address",
              ECHO_REQUEST: "Echo (ping) request", 9: "Router advertisement", 10: "Router solicitation",
              TIME_EXCEEDED: "Time-to-live exceeded", PARAMETER_PROBLEM: "Parameter problem",
              13: "Timestamp request", 14: "Timestamp reply", 15: "Information request", 16: "Information reply",
              17: "Address mask request", 18: "Address mask reply", 19: "Reserved (for security)",
              30: "Traceroute", 31: "Datagram Conversion Error", 32: "Mobile Host Redirect",
              33: "IPv6 Where-Are-You", 34: "IPv6 I-Am-Here", 35: "Mobile Registration Request",
              36: "Mobile Registration Reply", 37: "Domain Name Request", 38: "Domain Name Reply", 39: "SKIP",
              40: "Photuris", 41: "Experimental mobility protocols", 42: "Extended Echo request",
              43: "Extended Echo reply"}
UNREACH_CODES = {NET_UNREACH: "Network unreachable", HOST_UNREACH: "Host unreachable",
                 PROT_UNREACH: "Protocol unreachable", PORT_UNREACH: "Port unreachable",
                 FRAG_NEEDED: "Fragmentation needed", 5: "Source route failed", 6: "Destination network unknown",
                 7: "Destination host unknown", 8: "Source host isolated", 9: "Network administratively prohibited",
                 10: "Host administratively prohibited", 11: "Network unreachable for TOS",
                 12: "Host unreachable for TOS", 13: "Communication administratively filtered",
                 14: "Host precedence violation", 15: "Precedence cutoff in effect"}
# tshark's names of the codes of the types that name them (read from tshark 4.0)
CODE_NAMES = {DEST_UNREACH: UNREACH_CODES,
              6: {0: "Alternate address for host"},
              5: {0: "Redirect for network", 1: "Redirect for host", 2: "Redirect for TOS and network",
                  3: "Redirect for TOS and host"},
              9: {0: "Normal router advertisement", 16: "Does not route common traffic"},
              TIME_EXCEEDED: {0: "Time to live exceeded in transit", 1: "Fragment reassembly time exceeded"},
              PARAMETER_PROBLEM: {0: "Pointer indicates the error", 1: "Required option missing", 2: "Bad length"},
              40: {0: "Bad SPI", 1: "Authentication Failed", 2: "Decompression Failed", 3: "Decryption Failed",
                   4: "Need Authentication", 5: "Need Authorization"},
              42: {0: "No error"},
              43: {0: "No error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry",
                   4: "Multiple Interfaces Satisfy Query"}}


def code_name(kind: int, code: int) -> str:
    return CODE_NAMES[kind].get(code) or f"Unknown code: {code}"


ERRORS = (DEST_UNREACH, 4, 5, TIME_EXCEEDED, PARAMETER_PROBLEM)

UNKNOWN_TYPE = "Unknown ICMP (obsolete or malformed?)"
TYPE = F("icmp.type", "Type", 0, 1, show=lambda v: f"{v} ({TYPE_NAMES.get(v, UNKNOWN_TYPE)})")
CODE = F("icmp.code", "Code", 1, 1)
NAMED_CODES = {kind: replace(CODE, show=lambda code, kind=kind: f"{code} ({code_name(kind, code)})")
               for kind in CODE_NAMES}
CHECKSUM = F("icmp.checksum", "Checksum", 2, 2, show=lambda v: f"0x{v:04x}")
IDENT = F("icmp.ident", "Identifier (BE)", 4, 2, show=lambda v: f"{v} (0x{v:04x})")
SEQ = F("icmp.seq", "Sequence Number (BE)", 6, 2, show=lambda v: f"{v} (0x{v:04x})")
ECHO_LIKE = (ECHO_REQUEST, ECHO_REPLY, 13, 14, 15, 16)     # an identifier and a sequence number
ECHO_FIELDS = struct.Struct("!HH")


def swapped(value: int) -> int:
    """A 16-bit field read in the other byte order (tshark's LE identifier and sequence number)."""
    return ((value & 0xFF) << 8) | (value >> 8)


def echo_info(kind: int, ident: int, seq: int, ttl) -> str:
    """Info of an echo (or timestamp) message; the sequence number is also shown byte-swapped, as tshark does."""
    return (f"{TYPE_NAMES[kind]:<20} id=0x{ident:04x}, seq={seq}/{swapped(seq)}"
            + (f", ttl={ttl}" if ttl is not None else ""))


CSUM_STATUS = F("icmp.checksum.status", "Checksum Status", 2, 2, show=lambda v: CSUM_TEXT[v])
CSUM_TEXT = ("Bad", "Good", "Unverified")
INCORRECT = "incorrect, should be 0x{:04x}"      # ICMP's wording of a bad checksum (no brackets)


IDENT_LE = F("icmp.ident_le", "Identifier (LE)", 4, 2, show=lambda v: f"{v} (0x{v:04x})")
SEQ_LE = F("icmp.seq_le", "Sequence Number (LE)", 6, 2, show=lambda v: f"{v} (0x{v:04x})")
# times in float seconds, as display filters compare them (a ping's microseconds survive the float)
DATA_TIME = F("icmp.data_time", "Timestamp from icmp data", HEADER_LEN, 8,
              show=lambda secs: f"{utc_date(round(secs * 1e6) * 1000)} UTC")
DATA_TIME_RELATIVE = F("icmp.data_time_relative", "Timestamp from icmp data (relative)", HEADER_LEN, 8,
                       show=lambda secs: seconds_text(round(secs * 1e9)))
DAY = 86400


def data_time(buf, at: int, end: int, ts_ns: int | None) -> int | None:
    """The time a ping put at the start of its data (a struct timeval, either byte order), in
    ns, when it looks like one: within a day of the frame's own time, microseconds under a
    million; tshark's test, its 8-byte form only."""
    if ts_ns is None or end - at < 8:
        return None
    frame_secs = ts_ns // 1_000_000_000
    for order in ("big", "little"):
        secs, usecs = int.from_bytes(buf[at:at + 4], order), int.from_bytes(buf[at + 4:at + 8], order)
        if abs(secs - frame_secs) < DAY and usecs < 1_000_000:
            return secs * 1_000_000_000 + usecs * 1000
    return None


def _echo_rows(buf, off: int, end: int, csum_row, ident: int, seq: int, ts_ns: int | None = None) -> tuple:
    rows = ((TYPE, off, buf[off]), (CODE, off + 1, buf[off + 1]), csum_row,
            (IDENT, off + 4, ident), (IDENT_LE, off + 4, swapped(ident)), (SEQ, off + 6, seq),
            (SEQ_LE, off + 6, swapped(seq)))
    start = off + HEADER_LEN
    sent = data_time(buf, start, end, ts_ns)
    if sent is not None:
        rows += ((DATA_TIME, start, sent / 1e9), (DATA_TIME_RELATIVE, start, (ts_ns - sent) / 1e9, (), 0))
        start += 8
    if end > start:
        rows += (data_row(buf, start, end),)
    return rows


@dissector("ip.proto", 1)
def dissect_icmp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("icmp", "Internet Control Message Protocol", off, end - off)
    d.summarise("ICMP", "")
    if end - off < 4:
        d.short(layer, 4, end - off, "ICMP header")
        return None
    kind, code, csum = buf[off], buf[off + 1], (buf[off + 2] << 8) | buf[off + 3]
    verify = d.payload_complete and not d.locked            # d.can_verify(), inline
    total = ones_sum(buf[off:end]) if verify else None
    status = 2 if total is None else int(total == 0xFFFF)
    csum_row = checksum_row(d, CHECKSUM, None, CSUM_STATUS, off + 2, csum, status,
                            None if status else calculated_checksum(total, csum), INCORRECT)
    if kind in ECHO_LIKE and end - off >= HEADER_LEN:
        ident, seq = ECHO_FIELDS.unpack_from(buf, off + 4)
        if d.tree:
            layer._kids.append((_echo_rows, buf, off, end, csum_row, ident, seq, d.ts_ns))
        if not d.locked:                    # d.summarise_later, inline
            d.protocol, d._info = "ICMP", (echo_info, kind, ident, seq, d.ip_ttl)
        return None
    if d.tree:
        layer.put(((TYPE, off, kind), (NAMED_CODES.get(kind, CODE), off + 1, code), csum_row))
    if kind in ECHO_LIKE:
        d.short(layer, HEADER_LEN, end - off, "ICMP echo header")
        return None
    info = f"{TYPE_NAMES.get(kind, UNKNOWN_TYPE):<20}"      # tshark pads the type to 20 characters
    if kind in CODE_NAMES:
        info += f" ({code_name(kind, code)})"
    d.summarise("ICMP", info)
    if kind in ERRORS and end - off > HEADER_LEN:
        d.locked = True                      # the quoted packet does not own the summary
        return ("ethertype", 0x0800, off + HEADER_LEN, end)
    return None


@skimmer("ip.proto", 1)
def skim_icmp(s, off: int, end: int):
    """Echo and timestamp messages (whose Info shows no checksum verdict)."""
    if end - off < HEADER_LEN or s.buf[off] not in ECHO_LIKE:
        return DECLINE
    ident, seq = ECHO_FIELDS.unpack_from(s.buf, off + 4)
    s.protocol = "ICMP"
    s.info = echo_info(s.buf[off], ident, seq, s.ip_ttl)
    return None
