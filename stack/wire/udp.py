"""UDP header (RFC 768): offsets, the pseudo-header sum (IPv4 and IPv6), a builder, dissection."""
import struct
from dataclasses import replace

from .checksum import checksum, ones_sum
from .dissect import DISSECTORS, F, dissector, row_node
from .skim import DECLINE, skimmer, table
from .textfmt import byte_count

HEADER = struct.Struct("!HHHH")        # source port, destination port, length, checksum
HEADER_LEN = 8
PROTO_UDP = 17


def _hex4(value: int) -> str:
    return f"0x{value:04x}"


SRCPORT = F("udp.srcport", "Source Port", 0, 2)
DSTPORT = F("udp.dstport", "Destination Port", 2, 2)
LENGTH = F("udp.length", "Length", 4, 2)
CHECKSUM = F("udp.checksum", "Checksum", 6, 2, show=_hex4)

OFF_SPORT = SRCPORT.offset
OFF_DPORT = DSTPORT.offset
OFF_LEN = LENGTH.offset
OFF_CSUM = CHECKSUM.offset


def pseudo_header_sum(src, dst, proto: int, length: int) -> int:
    """One's-complement sum of the IPv4 (RFC 768) or IPv6 (RFC 8200 8.1) pseudo-header.

    `src`/`dst` are 4 or 16 bytes; pass the result as `initial` to ones_sum/checksum
    over the transport header and payload.
    """
    # Both sum to the addresses + protocol + length: the 32-bit IPv6 length folds to the same
    # remainder modulo 0xffff as its two 16-bit words, and the addresses are even-sized.
    total = (int.from_bytes(src, "big") + int.from_bytes(dst, "big") + proto + length) % 0xFFFF
    if total == 0 and (any(src) or any(dst) or proto or length):
        return 0xFFFF           # ones_sum's convention: a nonzero sum that folds to zero is 0xffff
    return total


def write_header(buf, off: int, sport: int, dport: int, length: int, csum: int = 0) -> None:
    HEADER.pack_into(buf, off, sport, dport, length, csum)


def fill_checksum(buf, off: int, length: int, src, dst) -> None:
    """Compute and store the checksum of the datagram at buf[off:off+length] (0 goes out as 0xffff)."""
    buf[off + OFF_CSUM:off + OFF_CSUM + 2] = b"\0\0"
    csum = checksum(buf[off:off + length], pseudo_header_sum(src, dst, PROTO_UDP, length)) or 0xFFFF
    buf[off + OFF_CSUM:off + OFF_CSUM + 2] = csum.to_bytes(2, "big")


def segment_sum(buf, off: int, length: int, src, dst, proto: int = PROTO_UDP) -> int:
    """The ones_sum of the segment at buf[off:off+length] with its pseudo-header (0xffff when it is correct)."""
    # the pseudo-header's words, unfolded: ones_sum folds them with the rest (`proto` is never 0)
    return ones_sum(buf[off:off + length], int.from_bytes(src, "big") + int.from_bytes(dst, "big") + proto + length)


def verify(buf, off: int, length: int, src, dst, proto: int = PROTO_UDP) -> bool:
    """True if the segment at buf[off:off+length] sums to 0xffff with its pseudo-header."""
    return segment_sum(buf, off, length, src, dst, proto) == 0xFFFF


def calculated_checksum(total: int, csum: int) -> int:
    """The checksum a segment should carry, from its `segment_sum` (`total`, its field `csum` included).

    The field is a 16-bit word at an even offset, so it adds exactly `csum` modulo 0xffff; the
    pseudo-header keeps the rest nonzero, which ones_sum then writes as 0xffff rather than 0.
    """
    return ~((total - csum) % 0xFFFF or 0xFFFF) & 0xFFFF


# --- dissection ------------------------------------------------------------------

# tshark's checksum status values (proto_checksum_enum_e)
CSUM_BAD, CSUM_GOOD, CSUM_UNVERIFIED, CSUM_NOT_PRESENT, CSUM_ILLEGAL = 0, 1, 2, 3, 4
CSUM_STATUS = {CSUM_BAD: "Bad", CSUM_GOOD: "Good", CSUM_UNVERIFIED: "Unverified",
               CSUM_NOT_PRESENT: "Not present", CSUM_ILLEGAL: "Illegal"}


# how tshark follows a checksum's value with its verdict (Bad: see checksum_row)
VERDICTS = {CSUM_GOOD: "[correct]", CSUM_UNVERIFIED: "[unverified]", CSUM_NOT_PRESENT: "[zero-value ignored]",
            CSUM_ILLEGAL: "[zero-value illegal]"}
_SHOWN: dict = {}               # (checksum field, status) -> the field shown with its verdict


def _shown(f: F, status: int, quoted: bool = False) -> F:
    key = (f, status, quoted)
    if key not in _SHOWN:
        verdict = VERDICTS[status] + (" [in ICMP error packet]" if quoted else "")
        _SHOWN[key] = replace(f, show=lambda v: f"0x{v:04x} {verdict}")
    return _SHOWN[key]


def checksum_row(d, f: F, calculated_f, status_f: F, start: int, csum: int, status: int, calculated,
                 incorrect: str = "[incorrect, should be 0x{:04x}]") -> tuple:
    """The checksum field's row as tshark shows it (`0x1c46 [correct]`), with the calculated
    value (when there is one and `calculated_f` names it) and the status under it; a node when Bad
    or Illegal, to carry the problem. ICMP words a bad one without brackets (`incorrect`)."""
    status_row = (status_f, start, status)
    subrows = (status_row,) if calculated is None or calculated_f is None else \
        ((calculated_f, start, calculated), status_row)
    if status != CSUM_BAD:
        row = (_shown(f, status, d.locked and status == CSUM_UNVERIFIED), start, csum, subrows)
        if status != CSUM_ILLEGAL:
            return row
        row = row_node(*row)
        d.problem(row, "illegal checksum 0")
        return row
    row = row_node(f, start, csum, subrows)
    row._text = f"0x{csum:04x} " + incorrect.format(calculated)
    d.problem(row, f"bad checksum, should be 0x{calculated:04x}")
    return row


def reported_end(d, end: int) -> int:
    """Where the network layer says its payload ends, also past a snaplen cut (tshark's reported length).

    Called by an L4 dissector after adding its layer, so the network layer is the one before it.
    """
    if d.payload_complete or len(d.layers) < 2:
        return end
    reported = d.reported_ends.get(len(d.layers) - 2)
    return end if reported is None else max(end, reported)


def is_fragment(d, end: int) -> bool:
    """The network layer's packet is all there, yet its payload is not: it is one fragment of a datagram."""
    return not d.payload_complete and reported_end(d, end) <= end


def next_port(table: str, sport: int, dport: int) -> tuple:
    """The (table, port) to hand the payload to: the lower port first, as tshark tries them."""
    low, high = (sport, dport) if sport <= dport else (dport, sport)
    if low and (table, low) in DISSECTORS:
        return (table, low)
    if high and (table, high) in DISSECTORS:
        return (table, high)
    return (table, low)


CSUM_INFO = {CSUM_BAD: " [UDP CHECKSUM INCORRECT]", CSUM_ILLEGAL: " [ILLEGAL CHECKSUM (0)]"}
CALCULATED = F("udp.checksum_calculated", "Calculated Checksum", 6, 2, show=_hex4)
STATUS = F("udp.checksum.status", "Checksum Status", 6, 2, show=CSUM_STATUS.__getitem__)
PAYLOAD = F("udp.payload", "UDP payload", HEADER_LEN, 0, show=lambda value: "")   # the label says it


def layer_label(sport: int, dport: int) -> str:
    return f"User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}"


def _rows(buf, off: int, sport: int, dport: int, length_row, csum_row, payload_end: int) -> tuple:
    rows = ((SRCPORT, off, sport), (DSTPORT, off + 2, dport), length_row, csum_row)
    if payload_end > off + HEADER_LEN:
        size = payload_end - off - HEADER_LEN
        rows += ((PAYLOAD, off + HEADER_LEN, buf[off + HEADER_LEN:payload_end], (), size, f"UDP payload ({byte_count(size)})"),)
    return rows


@dissector("ip.proto", PROTO_UDP)
@dissector("ipv6.nxt", PROTO_UDP)
def dissect_udp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("udp", "User Datagram Protocol", off, min(HEADER_LEN, end - off))
    d.summarise("UDP", "")
    if end - off < HEADER_LEN:
        d.short(layer, HEADER_LEN, end - off, "UDP header")
        return None
    sport, dport, length, csum = HEADER.unpack_from(buf, off)
    if d.udp_ports is None:
        d.udp_ports = (sport, dport)
    layer._text = (layer_label, sport, dport)      # layer.label_from, inline
    length_row = (LENGTH, off + 4, length)
    if length < HEADER_LEN:
        length_row = row_node(*length_row)
        layer.put(((SRCPORT, off, sport), (DSTPORT, off + 2, dport), length_row))
        d.problem(length_row, f"malformed: length {length} < {HEADER_LEN}")
        d.summarise("UDP", f"{sport} \u2192 {dport} [BAD UDP LENGTH {length} < {HEADER_LEN}]")
        return None
    have = (end if d.payload_complete else reported_end(d, end)) - off
    note = ""
    if length > have and not is_fragment(d, end):   # tshark still hands what there is on
        length_row = row_node(*length_row)
        d.problem(length_row, f"malformed: length {length} > IP payload length {have}")
        note = f" [BAD UDP LENGTH {length} > IP PAYLOAD LENGTH]"
    status, calculated = checksum_verdict(buf, off, csum, length, have, d.net_src, d.net_dst, d.checksums)
    if status == CSUM_ILLEGAL and d.locked:     # quoted by an ICMP error: tshark lets a zero pass
        status = CSUM_NOT_PRESENT
    csum_row = checksum_row(d, CHECKSUM, CALCULATED, STATUS, off + OFF_CSUM, csum, status, calculated)
    if not d.locked:                        # d.summarise_later, inline
        d.protocol, d._info = "UDP", (info_text, sport, dport, length, status, note)
    payload_end = end if length > have else min(end, off + length)
    if d.tree:
        layer._kids.append((_rows, buf, off, sport, dport, length_row, csum_row, payload_end))
    if payload_end <= off + HEADER_LEN:
        return None
    table, port = next_port("udp.port", sport, dport)
    return (table, port, off + HEADER_LEN, payload_end)


def info_text(sport: int, dport: int, length: int, status: int, note: str = "") -> str:
    return f"{sport} \u2192 {dport}{note} Len={length - HEADER_LEN}" + CSUM_INFO.get(status, "")


def checksum_verdict(buf, off: int, csum: int, length: int, have: int, src, dst, check: bool = True) -> tuple:
    """The status of a datagram's checksum, given `have` bytes of IP payload from `off`,
    and the checksum it should carry when that could be computed (else None); not
    computed without `check` (a zero checksum is judged all the same, as tshark does)."""
    if csum == 0:           # optional over IPv4 (RFC 768), mandatory over IPv6 (RFC 8200 8.1)
        return (CSUM_NOT_PRESENT if src is None or len(src) == 4 else CSUM_ILLEGAL), None
    if not check or src is None or length > have or off + length > len(buf):     # not all of it captured
        return CSUM_UNVERIFIED, None
    total = segment_sum(buf, off, length, src, dst)
    return (CSUM_GOOD if total == 0xFFFF else CSUM_BAD), calculated_checksum(total, csum) or 0xFFFF


def skim_next(s, name: str, sport: int, dport: int, start: int, end: int):
    """Hand a payload on: to the skimmer of its port, to nobody (no dissector takes it),
    or DECLINE (a dissector without a skimmer must speak)."""
    key = next_port(name, sport, dport)
    following = table(name).get(key[1])
    if following is not None:
        return following(s, start, end)
    return DECLINE if key in DISSECTORS else None


@skimmer("ip.proto", PROTO_UDP)
@skimmer("ipv6.nxt", PROTO_UDP)
def skim_udp(s, off: int, end: int):
    if end - off < HEADER_LEN:
        return DECLINE
    sport, dport, length, csum = HEADER.unpack_from(s.buf, off)
    have = end - off
    if length < HEADER_LEN or (length > have and s.complete):
        return DECLINE
    if s.udp_ports is None:
        s.udp_ports = (sport, dport)
    status = checksum_verdict(s.buf, off, csum, length, have, s.net_src, s.net_dst, s.checksums)[0]
    s.protocol = "UDP"
    s.info = info_text(sport, dport, length, status)
    payload_end = end if length > have else min(end, off + length)
    if payload_end <= off + HEADER_LEN:
        return None
    return skim_next(s, "udp.port", sport, dport, off + HEADER_LEN, payload_end)
