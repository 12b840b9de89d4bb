"""ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): offsets, a builder, dissection."""
import struct
from dataclasses import replace

from .checksum import checksum, ones_sum
from .dissect import F, data_row, dissector, hexed, named, row_node
from .ethernet import mac_to_str
from .skim import DECLINE, skimmer
from .ipv6 import NEXTHDR_ICMP, add_address, add_raw, addr_to_str, pseudo_header_sum
from . import icmp
from .icmp import INCORRECT
from .udp import calculated_checksum, checksum_row

HEADER = struct.Struct("!BBHHH")       # type, code, checksum, id, seq (echo layout)
HEADER_LEN = 8

DEST_UNREACH = 1
PACKET_TOO_BIG = 2
TIME_EXCEEDED = 3
PARAM_PROBLEM = 4
ECHO_REQUEST = 128
ECHO_REPLY = 129
MLD_QUERY = 130
MLD_REPORT = 131
MLD_DONE = 132
ROUTER_SOLICIT = 133
ROUTER_ADVERT = 134
NEIGHBOUR_SOLICIT = 135
NEIGHBOUR_ADVERT = 136
REDIRECT = 137
MLD2_REPORT = 143

ND_OPT_SOURCE_LL_ADDR = 1
ND_OPT_TARGET_LL_ADDR = 2
ND_OPT_PREFIX_INFO = 3
ND_OPT_REDIRECT_HDR = 4
ND_OPT_MTU = 5
ND_OPT_ROUTE_INFO = 24
ND_OPT_RDNSS = 25
ND_OPT_DNSSL = 31

# Neighbor Advertisement flags (the first word of the message body)
NA_ROUTER = 0x80000000
NA_SOLICITED = 0x40000000
NA_OVERRIDE = 0x20000000


def build(kind: int, code: int, body: bytes, src: bytes, dst: bytes) -> bytes:
    """A whole ICMPv6 message (type, code, checksum, `body`) with its checksum over the pseudo-header."""
    message = bytearray(struct.pack("!BBH", kind, code, 0) + body)
    csum = checksum(message, pseudo_header_sum(src, dst, len(message), NEXTHDR_ICMP))
    message[2], message[3] = csum >> 8, csum & 0xFF
    return bytes(message)


# --- dissection ------------------------------------------------------------------

TYPE_NAMES = {DEST_UNREACH: "Destination Unreachable", PACKET_TOO_BIG: "Packet Too Big",
              TIME_EXCEEDED: "Time Exceeded", PARAM_PROBLEM: "Parameter Problem",
              ECHO_REQUEST: "Echo (ping) request", ECHO_REPLY: "Echo (ping) reply",
              MLD_QUERY: "Multicast Listener Query", MLD_REPORT: "Multicast Listener Report",
              MLD_DONE: "Multicast Listener Done", ROUTER_SOLICIT: "Router Solicitation",
              ROUTER_ADVERT: "Router Advertisement", NEIGHBOUR_SOLICIT: "Neighbor Solicitation",
              NEIGHBOUR_ADVERT: "Neighbor Advertisement", REDIRECT: "Redirect",
              100: "Private experimentation", 101: "Private experimentation",
              127: "Reserved for expansion of ICMPv6 error messages",
              138: "Router Renumbering", 139: "Node Information Query", 140: "Node Information Reply",
              141: "Inverse Neighbor Discovery Solicitation", 142: "Inverse Neighbor Discovery Advertisement",
              MLD2_REPORT: "Multicast Listener Report Message v2",
              144: "Home Agent Address Discovery Request", 145: "Home Agent Address Discovery Reply",
              146: "Mobile Prefix Solicitation", 147: "Mobile Prefix Advertisement",
              148: "Certification Path Solicitation", 149: "Certification Path Advertisement",
              151: "Multicast Router Advertisement", 152: "Multicast Router Solicitation",
              153: "Multicast Router Termination", 200: "Private experimentation",
              201: "Private experimentation",
              160: "Extended Echo request", 161: "Extended Echo reply",
              255: "Reserved for expansion of ICMPv6 informational messages"}
# Code texts as tshark prints them in the Info column
CODE_NAMES = {
    DEST_UNREACH: {0: "no route to destination", 1: "Administratively prohibited",
                   2: "Beyond scope of source address", 3: "Address unreachable", 4: "Port unreachable",
                   5: "Source address failed ingress/egress policy", 6: "Reject route to destination",
                   7: "Error in Source Routing Header"},
    TIME_EXCEEDED: {0: "hop limit exceeded in transit", 1: "fragment reassembly time exceeded"},
    PARAM_PROBLEM: {0: "erroneous header field encountered", 1: "unrecognized Next Header type encountered",
                    2: "unrecognized IPv6 option encountered",
                    3: "IPv6 First Fragment has incomplete IPv6 Header Chain"},
    160: {0: "No error"},
    161: {0: "No error", 1: "Malformed Query", 2: "No Such Interface", 3: "No Such Table Entry",
          4: "Multiple Interfaces Satisfy Query"},
}
OPTION_NAMES = {ND_OPT_SOURCE_LL_ADDR: "Source link-layer address",
                ND_OPT_TARGET_LL_ADDR: "Target link-layer address",
                ND_OPT_PREFIX_INFO: "Prefix information", ND_OPT_REDIRECT_HDR: "Redirected header",
                ND_OPT_MTU: "MTU", 7: "Advertisement Interval", 8: "Home Agent Information", 14: "Nonce",
                ND_OPT_ROUTE_INFO: "Route Information", ND_OPT_RDNSS: "Recursive DNS Server",
                ND_OPT_DNSSL: "DNS Search List Option",
                # the rest of tshark's names (icmpv6.opt.type)
                6: "NBMA Shortcut Limit Option", 9: "Source Address List", 10: "Target Address List", 11: "CGA",
                12: "RSA Signature", 13: "Timestamp", 15: "Trust Anchor", 16: "Certificate",
                17: "IP Address/Prefix Option", 18: "New Router Prefix Information", 19: "Link-layer Address",
                20: "Neighbor Advertisement Acknowledgment", 23: "MAP", 26: "RA Flags Extension",
                27: "Handover Key Request", 28: "Handover Key Reply", 29: "Handover Assist Information",
                30: "Mobile Node Identifier Option", 32: "Proxy Signature (PS)",
                33: "Address Registration Option", 34: "6LoWPAN Context Option",
                35: "Authoritative Border Router", 36: "6LoWPAN Capability Indication Option",
                37: "DHCP Captive-Portal", 38: "PREF64 Option", 138: "CARD Request", 139: "CARD Reply",
                253: "RFC3692-style Experiment 1", 254: "RFC3692-style Experiment 2"}


def _show_type(value: int) -> str:
    return f"{TYPE_NAMES.get(value, 'Unknown')} ({value})"



TYPE = F("icmpv6.type", "Type", 0, 1, show=_show_type)
CODE = F("icmpv6.code", "Code", 1, 1)


def code_name(kind: int, code: int) -> str:
    unknown = "Unknown" if kind == DEST_UNREACH else f"Unknown ({code})"    # sic: tshark 4.0
    return CODE_NAMES[kind].get(code, unknown)


# the Code line of the types whose codes have names: "Code: 4 (Port unreachable)"
NAMED_CODES = {kind: replace(CODE, show=lambda code, kind=kind: f"{code} ({code_name(kind, code)})")
               for kind in CODE_NAMES}
CHECKSUM = F("icmpv6.checksum", "Checksum", 2, 2, show=hexed(4))
ECHO_ID = F("icmpv6.echo.identifier", "Identifier", 4, 2, show=hexed(4))
ECHO_SEQ = F("icmpv6.echo.sequence_number", "Sequence", 6, 2)
MTU = F("icmpv6.mtu", "MTU", 4, 4)
POINTER = F("icmpv6.pointer", "Pointer", 4, 4)
RA_HOP_LIMIT = F("icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", 4, 1)
PREFERENCES = ("Medium", "High", "Reserved", "Low")       # RFC 4191's two bits


def _flags_text(width: int, bits: tuple):
    """A flags field as tshark shows it: its hex, then the labels of the `bits` (their Fs) that
    are set; a field of two bits (a router preference) is named by its value, always."""
    def show(value: int) -> str:
        parts = [f"0x{value:0{width}x}"]
        for f in bits:
            if f.mask & (f.mask - 1):
                parts.append(f"{f.label}: {PREFERENCES[(value & f.mask) // (f.mask & -f.mask)]}")
            elif value & f.mask:
                parts.append(f.label)
        return ", ".join(parts)
    return show


RA_FLAGS = (F("icmpv6.nd.ra.flag.m", "Managed address configuration", 5, 1, mask=0x80),
            F("icmpv6.nd.ra.flag.o", "Other configuration", 5, 1, mask=0x40),
            F("icmpv6.nd.ra.flag.h", "Home Agent", 5, 1, mask=0x20),
            F("icmpv6.nd.ra.flag.prf", "Prf (Default Router Preference)", 5, 1, mask=0x18,
              show=lambda v: f"{PREFERENCES[v]} ({v})"),
            F("icmpv6.nd.ra.flag.p", "Proxy", 5, 1, mask=0x04),
            F("icmpv6.nd.ra.flag.rsv", "Reserved", 5, 1, mask=0x03))
RA_FLAG = F("icmpv6.nd.ra.flag", "Flags", 5, 1, show=_flags_text(2, RA_FLAGS[:-1]))     # Reserved unnamed
RA_LIFETIME = F("icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", 6, 2)
RA_REACHABLE = F("icmpv6.nd.ra.reachable_time", "Reachable time (ms)", 8, 4)
RA_RETRANS = F("icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", 12, 4)
NA_FLAGS = (F("icmpv6.nd.na.flag.r", "Router", 4, 4, mask=NA_ROUTER),
            F("icmpv6.nd.na.flag.s", "Solicited", 4, 4, mask=NA_SOLICITED),
            F("icmpv6.nd.na.flag.o", "Override", 4, 4, mask=NA_OVERRIDE),
            F("icmpv6.nd.na.flag.rsv", "Reserved", 4, 4, mask=0x1FFFFFFF))
NA_FLAG = F("icmpv6.nd.na.flag", "Flags", 4, 4, show=_flags_text(8, NA_FLAGS[:-1]))
TARGET_OFFSET = 8              # NS, NA and Redirect: the target address after a 4-byte word
REDIRECT_DST_OFFSET = 24

# NDP options, offsets from the option's start
OPT_TYPE = F("icmpv6.opt.type", "Type", 0, 1, show=named(OPTION_NAMES))
OPT_LENGTH = F("icmpv6.opt.length", "Length", 1, 1, show=lambda v: f"{v} ({v * 8} bytes)")
PREFIX_LENGTH = F("icmpv6.opt.prefix.length", "Prefix Length", 2, 1)
PREFIX_FLAGS = (F("icmpv6.opt.prefix.flag.l", "On-link flag(L)", 3, 1, mask=0x80),
                F("icmpv6.opt.prefix.flag.a", "Autonomous address-configuration flag(A)", 3, 1, mask=0x40),
                F("icmpv6.opt.prefix.flag.r", "Router address flag(R)", 3, 1, mask=0x20),
                F("icmpv6.opt.prefix.flag.reserved", "Reserved", 3, 1, mask=0x1F))
PREFIX_FLAG = F("icmpv6.opt.prefix.flag", "Flag", 3, 1, show=_flags_text(2, PREFIX_FLAGS[:-1]))
PREFIX_VALID = F("icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", 4, 4)
PREFIX_PREFERRED = F("icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime", 8, 4)
PREFIX_OFFSET = 16
OPT_MTU = F("icmpv6.opt.mtu", "MTU", 4, 4)
ROUTE_FLAGS = (F("icmpv6.opt.route_info.flag.route_preference", "Route Preference", 3, 1, mask=0x18,
                 show=lambda v: f"{PREFERENCES[v]} ({v})"),
               F("icmpv6.opt.route_info.flag.reserved", "Reserved", 3, 1, mask=0xE7))
ROUTE_FLAG = F("icmpv6.opt.route_info.flag", "Flag", 3, 1, show=_flags_text(2, ROUTE_FLAGS[:-1]))
ROUTE_LIFETIME = F("icmpv6.opt.route_lifetime", "Route Lifetime", 4, 4)
RDNSS_LIFETIME = F("icmpv6.opt.rdnss.lifetime", "Lifetime", 4, 4)
DNSSL_LIFETIME = F("icmpv6.opt.dnssl.lifetime", "Lifetime", 4, 4)
ADVERTISEMENT_INTERVAL = F("icmpv6.opt.advertisement_interval", "Advertisement Interval", 4, 4)
HOME_AGENT_PREFERENCE = F("icmpv6.opt.home_agent_preference", "Home Agent Preference", 4, 2)
HOME_AGENT_LIFETIME = F("icmpv6.opt.home_agent_lifetime", "Home Agent Lifetime", 6, 2)

ERRORS = (DEST_UNREACH, PACKET_TOO_BIG, TIME_EXCEEDED, PARAM_PROBLEM)
MLD = (MLD_QUERY, MLD_REPORT, MLD_DONE, MLD2_REPORT)


CSUM_STATUS = F("icmpv6.checksum.status", "Checksum Status", 2, 2, show=("Bad", "Good", "Unverified").__getitem__)


def _checksum(d, layer, buf, off: int, end: int):
    """The checksum field's row (a node when Bad), verified over the pseudo-header; not for a cut
    payload or a packet quoted by an error."""
    csum = (buf[off + 2] << 8) | buf[off + 3]
    if not d.payload_complete or d.net_src is None or d.locked:
        return checksum_row(d, CHECKSUM, None, CSUM_STATUS, off + 2, csum, 2, None)
    # the pseudo-header's words, unfolded: ones_sum folds them with the rest
    seed = int.from_bytes(d.net_src, "big") + int.from_bytes(d.net_dst, "big") + end - off + NEXTHDR_ICMP
    total = ones_sum(buf[off:end], seed)
    status = int(total == 0xFFFF)
    return checksum_row(d, CHECKSUM, None, CSUM_STATUS, off + 2, csum, status,
                        None if status else calculated_checksum(total, csum), INCORRECT)


@dissector("ipv6.nxt", NEXTHDR_ICMP)
def dissect_icmpv6(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("icmpv6", "Internet Control Message Protocol v6", off, end - off)
    d.summarise("ICMPv6", "")
    if end - off < 4:
        d.short(layer, 4, end - off, "ICMPv6 header")
        return None
    kind, code = buf[off], buf[off + 1]
    csum_row = _checksum(d, layer, buf, off, end)
    if kind in ECHOES and end - off >= HEADER_LEN:
        ident, seq = ECHO_FIELDS.unpack_from(buf, off + 4)
        if d.tree:
            layer._kids.append((_echo_rows, buf, off, end, csum_row, ident, seq))
        if not d.locked:                    # d.summarise_later, inline
            d.protocol, d._info = "ICMPv6", (echo_info, kind, ident, seq, d.ipv6_hlim)
        return None
    if d.tree:
        layer.put(((TYPE, off, kind), (NAMED_CODES.get(kind, CODE), off + 1, code), csum_row))
    info = TYPE_NAMES.get(kind, f"Unknown ({kind})")
    if kind in CODE_NAMES:
        info += f" ({code_name(kind, code)})"
    d.summarise("ICMPv6", info)
    body = BODIES.get(kind)
    if body is None:
        if end > off + 4:
            add_raw(layer, "icmpv6.raw", "Message body (not dissected)", buf, off + 4, end)
        return None
    return body(d, layer, buf, off, end, info)


def _error(d, layer, buf, off: int, end: int, info: str):
    """Errors carry one word (unused, MTU or pointer), then as much of the invoking packet as fits."""
    if d.short(layer, HEADER_LEN, end - off, "ICMPv6 error header"):
        return None
    word = {PACKET_TOO_BIG: MTU, PARAM_PROBLEM: POINTER}.get(buf[off])
    if word is None:
        add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 4, off + 8)
    else:
        layer.field(word, buf, off)
    if end > off + HEADER_LEN:
        d.locked = True                      # the quoted packet does not own the summary
        return ("ethertype", 0x86DD, off + HEADER_LEN, end)
    return None


def _echo_rows(buf, off: int, end: int, csum_row, ident: int, seq: int) -> tuple:
    rows = ((TYPE, off, buf[off]), (CODE, off + 1, buf[off + 1]), csum_row, (ECHO_ID, off + 4, ident),
            (ECHO_SEQ, off + 6, seq))
    if end > off + HEADER_LEN:
        rows += (data_row(buf, off + HEADER_LEN, end),)
    return rows


def _echo(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, HEADER_LEN, end - off, "ICMPv6 echo header"):
        return None
    ident, seq = ECHO_FIELDS.unpack_from(buf, off + 4)
    if d.tree:
        layer.put(((ECHO_ID, off + 4, ident), (ECHO_SEQ, off + 6, seq)))
        if end > off + HEADER_LEN:
            layer.put((data_row(buf, off + HEADER_LEN, end),))
    d.summarise("ICMPv6", echo_info(buf[off], ident, seq, d.ipv6_hlim))
    return None


ECHOES = (ECHO_REQUEST, ECHO_REPLY)


ECHO_FIELDS = struct.Struct("!HH")


def echo_info(kind: int, ident: int, seq: int, hlim) -> str:
    """Info of an echo; the hop limit is the innermost IPv6 header's (an echo may travel in a tunnel)."""
    return (f"{TYPE_NAMES[kind]} id=0x{ident:04x}, seq={seq}"
            + (f", hop limit={hlim}" if hlim is not None else ""))


MLD_DELAY = F("icmpv6.mld.maximum_response_delay", "Maximum Response Delay [ms]", 4, 2)
MLDR_RECORDS = F("icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records", 6, 2)
RECORD_TYPES = {1: "Include", 2: "Exclude", 3: "Changed to include", 4: "Changed to exclude",
                5: "Allow new sources", 6: "Block old sources"}
RECORD_TYPE = F("icmpv6.mldr.mar.record_type", "Record Type", 0, 1,
                show=named(RECORD_TYPES))
RECORD_AUX_LEN = F("icmpv6.mldr.mar.aux_data_len", "Aux Data Len", 1, 1)
RECORD_SOURCES = F("icmpv6.mldr.mar.nb_sources", "Number of Sources", 2, 2)


MLD_CODE = F("icmpv6.mld.maximum_response_code", "Maximum Response Code", 4, 2)
MLD_FLAG = F("icmpv6.mld.flag", "Flags", 24, 1, show=hexed(2))
MLD_FLAGS = (F("icmpv6.mld.flag.s", "Suppress Router-Side Processing", 24, 1, mask=0x08,
               show=lambda v: "True" if v else "False"),
             F("icmpv6.mld.flag.qrv", "QRV (Querier's Robustness Variable)", 24, 1, mask=0x07),
             F("icmpv6.mld.flag.reserved", "Reserved", 24, 1, mask=0xF0))
MLD_QQIC = F("icmpv6.mld.qqi", "QQIC (Querier's Query Interval Code)", 25, 1)
MLD_SOURCES = F("icmpv6.mld.nb_sources", "Number of Sources", 26, 2)


def _mld(d, layer, buf, off: int, end: int, info: str):
    """MLD (RFC 2710) query, report and done, the MLDv2 query and report (RFC 3810), the
    report record by record."""
    if buf[off] == MLD_QUERY and end - off >= 28:
        _mld2_query(d, layer, buf, off, end)
    elif buf[off] == MLD2_REPORT and end - off >= 8:
        add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 4, off + 6)
        count = layer.field(MLDR_RECORDS, buf, off).value
        _mld_records(d, layer, buf, off + 8, end, count)
    elif buf[off] != MLD2_REPORT and end - off == 24:
        layer.field(MLD_DELAY, buf, off)
        add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 6, off + 8)
        add_address(layer, "icmpv6.mld.multicast_address", "Multicast Address", buf, off + 8)
    elif end > off + 4:
        add_raw(layer, "icmpv6.mld.raw", "MLD message body", buf, off + 4, end)
    return None


def _mld2_query(d, layer, buf, off: int, end: int) -> None:
    layer.field(MLD_CODE, buf, off)
    add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 6, off + 8)
    add_address(layer, "icmpv6.mld.multicast_address", "Multicast Address", buf, off + 8)
    flags = layer.field(MLD_FLAG, buf, off)
    for f in MLD_FLAGS:
        flags.field(f, buf, off)
    layer.field(MLD_QQIC, buf, off)
    sources = layer.field(MLD_SOURCES, buf, off).value
    if off + 28 + 16 * sources > end:
        d.problem(layer, "malformed: the query's sources run past the message")
        return
    for at in range(off + 28, off + 28 + 16 * sources, 16):
        add_address(layer, "icmpv6.mld.source_address", "Source Address", buf, at)


def _mld_records(d, layer, buf, pos: int, end: int, count: int) -> None:
    for _ in range(count):
        if pos + 20 > end:
            d.problem(layer, "malformed: a multicast address record runs past the message")
            return
        kind, aux, sources = buf[pos], buf[pos + 1], int.from_bytes(buf[pos + 2:pos + 4], "big")
        size = 20 + 16 * sources + 4 * aux
        group = addr_to_str(buf[pos + 4:pos + 20])
        record = layer.text("icmpv6.mldr.mar", f"Multicast Address Record {RECORD_TYPES.get(kind, 'Unknown')}: "
                            f"{group}", "", pos, min(size, end - pos))
        for f in (RECORD_TYPE, RECORD_AUX_LEN, RECORD_SOURCES):
            record.field(f, buf, pos)
        add_address(record, "icmpv6.mldr.mar.multicast_address", "Multicast Address", buf, pos + 4)
        if pos + size > end:
            d.problem(record, "malformed: the record's sources run past the message")
            return
        for at in range(pos + 20, pos + 20 + 16 * sources, 16):
            add_address(record, "icmpv6.mldr.mar.source_address", "Source Address", buf, at)
        if aux:
            add_raw(record, "icmpv6.mldr.mar.aux_data", "Aux Data", buf, pos + 20 + 16 * sources, pos + size)
        pos += size


def _router_solicit(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, 8, end - off, "Router Solicitation"):
        return None
    add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 4, off + 8)
    return _with_options(d, layer, buf, off + 8, end, info)


def _router_advert(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, 16, end - off, "Router Advertisement"):
        return None
    layer.field(RA_HOP_LIMIT, buf, off)
    flags = layer.field(RA_FLAG, buf, off)
    for f in RA_FLAGS:
        flags.field(f, buf, off)
    for f in (RA_LIFETIME, RA_REACHABLE, RA_RETRANS):
        layer.field(f, buf, off)
    return _with_options(d, layer, buf, off + 16, end, info)


def _neighbour_solicit(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, 24, end - off, "Neighbor Solicitation"):
        return None
    add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 4, off + 8)
    target = add_address(layer, "icmpv6.nd.ns.target_address", "Target Address", buf, off + TARGET_OFFSET)
    return _with_options(d, layer, buf, off + 24, end, f"{info} for {target.display}")


def _neighbour_advert(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, 24, end - off, "Neighbor Advertisement"):
        return None
    flags = layer.field(NA_FLAG, buf, off)
    for f in NA_FLAGS:
        flags.field(f, buf, off)
    target = add_address(layer, "icmpv6.nd.na.target_address", "Target Address", buf, off + TARGET_OFFSET)
    names = [n for bit, n in ((NA_ROUTER, "rtr"), (NA_SOLICITED, "sol"), (NA_OVERRIDE, "ovr"))
             if flags.value & bit]
    text = f"{info} {target.display}" + (f" ({', '.join(names)})" if names else "")
    return _with_options(d, layer, buf, off + 24, end, text)


def _redirect(d, layer, buf, off: int, end: int, info: str):
    if d.short(layer, 40, end - off, "Redirect"):
        return None
    add_raw(layer, "icmpv6.reserved", "Reserved", buf, off + 4, off + 8)
    add_address(layer, "icmpv6.nd.rd.target_address", "Target Address", buf, off + TARGET_OFFSET)
    add_address(layer, "icmpv6.rd.na.destination_address", "Destination Address", buf,
                off + REDIRECT_DST_OFFSET)
    return _with_options(d, layer, buf, off + 40, end, info)


def _with_options(d, layer, buf, pos: int, end: int, info: str):
    """Walk the options, finish the Info column, and hand on a Redirected Header's packet."""
    suffix, quoted = _options(d, layer, buf, pos, end)
    d.summarise("ICMPv6", info + suffix)
    if quoted is None:
        return None
    d.locked = True                          # the redirected packet does not own the summary
    return ("ethertype", 0x86DD, *quoted)


EXT_SEQ = F("icmpv6.ext.echo.seq", "Sequence number", 6, 1, show=lambda v: f"{v} (0x{v:02x})")
EXT_REQ_BITS = tuple(replace(f, name=f.name.replace("icmp.", "icmpv6.", 1)) for f in icmp.EXT_REQ_BITS)
EXT_REPLY_BITS = tuple(replace(f, name=f.name.replace("icmp.", "icmpv6.", 1)) for f in icmp.EXT_REPLY_BITS)


def _ext_echo(d, layer, buf, off: int, end: int, info: str):
    """Extended echo (RFC 8335): identifier, sequence number, flags; a request's extension
    structure after them, shown even when empty (tshark 4.0)."""
    for f in (ECHO_ID, EXT_SEQ):
        if off + f.offset + f.size > end:
            break
        layer.field(f, buf, off)
    if end - off < HEADER_LEN:                  # tshark: an exception at the first field past the end
        icmp.quiet_problem(d, layer, f"malformed: ICMPv6 extended echo header needs 8 bytes, {end - off} captured")
        d.summarise("ICMPv6", info + "[Malformed Packet]")
        return None
    icmp.ext_echo_bits(layer, buf, off, EXT_REQ_BITS if buf[off] == 160 else EXT_REPLY_BITS)
    if buf[off] == 160 and not icmp.extension(d, layer, buf, off + HEADER_LEN, end):
        d.summarise("ICMPv6", info + "[Malformed Packet]")
    return None


BODIES = {**dict.fromkeys(ERRORS, _error), 160: _ext_echo, 161: _ext_echo,
          **dict.fromkeys(MLD, _mld), ECHO_REQUEST: _echo,
          ECHO_REPLY: _echo, ROUTER_SOLICIT: _router_solicit, ROUTER_ADVERT: _router_advert,
          NEIGHBOUR_SOLICIT: _neighbour_solicit, NEIGHBOUR_ADVERT: _neighbour_advert, REDIRECT: _redirect}


# --- NDP options -------------------------------------------------------------------

def _options(d, layer, buf, pos: int, end: int):
    """Walk the type-length-value options.

    Returns the Info column's suffix (" from MAC" for a source, " is at MAC" for a
    target link-layer address, as tshark writes) and the (start, stop) of a
    Redirected Header's packet, or None.  Each step advances by a non-zero multiple
    of 8 bytes and a zero length ends the walk, so a crafted packet cannot make it spin.
    """
    suffix, quoted = "", None
    while pos < end:
        kind = buf[pos]
        name = OPTION_NAMES.get(kind, f"Unknown {kind}")
        opt = layer.text("icmpv6.opt", f"ICMPv6 Option ({name})", "", pos, min(8, end - pos))
        if pos + 2 > end:
            _option_cut(d, opt, 2, end - pos)
            break
        opt.field(OPT_TYPE, buf, pos)
        size = opt.field(OPT_LENGTH, buf, pos).value * 8
        if size == 0:
            d.problem(opt, "malformed: option length 0")
            break
        opt.length = min(size, end - pos)
        if pos + size > end:
            _option_cut(d, opt, size, end - pos)
            break
        try:
            summary = OPTION_BODIES.get(kind, _opt_raw)(d, opt, buf, pos, size)
        except icmp._Short:
            opt.label = f"ICMPv6 Option ({name}"            # tshark closes the label after the option
            icmp.quiet_problem(d, opt, f"malformed: option {kind} reaches past its length")
            suffix += "[Malformed Packet]"
            break
        if summary:
            opt.label = f"ICMPv6 Option ({name} : {summary})"
        if kind in LLADDR_INFO:
            suffix += f" {LLADDR_INFO[kind]} {summary}"
        elif kind == ND_OPT_REDIRECT_HDR and size > 8:
            quoted = (pos + 8, pos + size)
        pos += size
    return suffix, quoted


LLADDR_INFO = {ND_OPT_SOURCE_LL_ADDR: "from", ND_OPT_TARGET_LL_ADDR: "is at"}


def _option_cut(d, opt, need: int, have: int) -> None:
    if d.payload_complete:
        d.problem(opt, f"malformed: option needs {need} bytes, the message has {have}")
    else:
        d.short(opt, need, have, "ICMPv6 option")


def _opt_linkaddr(d, opt, buf, pos: int, size: int):
    """Source/target link-layer address: a MAC in an 8-byte option, raw bytes otherwise."""
    which = "src_linkaddr" if buf[pos] == ND_OPT_SOURCE_LL_ADDR else "target_linkaddr"
    data = bytes(buf[pos + 2:pos + (8 if size == 8 else size)])
    text = mac_to_str(data[:6]) if size == 8 else data.hex(":")
    length = 6 if size == 8 else len(data)
    opt.text("icmpv6.opt.linkaddr", "Link-layer address", text, pos + 2, length, value=data[:length])
    opt.text(f"icmpv6.opt.{which}", "Link-layer address", text, pos + 2, length, value=data[:length])
    return text


def _opt_prefix(d, opt, buf, pos: int, size: int):
    if size != 32:
        d.problem(opt, f"malformed: prefix information is 32 bytes, not {size}")
        return _opt_raw(d, opt, buf, pos, size)
    opt.field(PREFIX_LENGTH, buf, pos)
    flags = opt.field(PREFIX_FLAG, buf, pos)
    for f in PREFIX_FLAGS:
        flags.field(f, buf, pos)
    opt.field(PREFIX_VALID, buf, pos)
    opt.field(PREFIX_PREFERRED, buf, pos)
    _reserved(opt, buf, pos + 12, pos + 16)
    prefix = add_address(opt, "icmpv6.opt.prefix", "Prefix", buf, pos + PREFIX_OFFSET)
    return f"{prefix.display}/{buf[pos + 2]}"


def _opt_mtu(d, opt, buf, pos: int, size: int):
    _reserved(opt, buf, pos + 2, pos + 4)
    return str(opt.field(OPT_MTU, buf, pos).value)


def _opt_route_info(d, opt, buf, pos: int, size: int):
    """Route Information (RFC 4191): the prefix takes 0, 8 or 16 bytes, zero-extended to show."""
    if size > 24:
        d.problem(opt, f"malformed: route information is at most 24 bytes, not {size}")
        return _opt_raw(d, opt, buf, pos, size)
    opt.field(PREFIX_LENGTH, buf, pos)
    flags = opt.field(ROUTE_FLAG, buf, pos)
    for f in ROUTE_FLAGS:
        flags.field(f, buf, pos)
    opt.field(ROUTE_LIFETIME, buf, pos)
    prefix = bytes(buf[pos + 8:pos + size]).ljust(16, b"\0")
    text = f"{PREFERENCES[flags.value >> 3 & 3]} {addr_to_str(prefix)}/{buf[pos + 2]}"
    opt.text("icmpv6.opt.prefix", "Prefix", addr_to_str(prefix), pos + 8, size - 8, value=prefix)
    return text


def _opt_rdnss(d, opt, buf, pos: int, size: int):
    """Recursive DNS Server (RFC 8106): a lifetime, then the servers' addresses."""
    _reserved(opt, buf, pos + 2, pos + 4)
    opt.field(RDNSS_LIFETIME, buf, pos)
    servers = [add_address(opt, "icmpv6.opt.rdnss", "Recursive DNS Servers", buf, at).display
               for at in range(pos + 8, pos + size - 15, 16)]
    opt.label = " ".join(["ICMPv6 Option (Recursive DNS Server"] + servers) + ")"
    return None


def _opt_dnssl(d, opt, buf, pos: int, size: int):
    """DNS Search List (RFC 8106): a lifetime, then domain names in DNS's label form, zero-padded."""
    from .dns import read_name          # here: building the shell's grammar loads no DNS dissector
    _reserved(opt, buf, pos + 2, pos + 4)
    opt.field(DNSSL_LIFETIME, buf, pos)
    at, stop, names = pos + 8, pos + size, []
    while at < stop and buf[at]:
        name = read_name(buf, at, at, stop)
        if name.fatal or name.after <= at:
            d.problem(opt, f"malformed: {name.problem}")
            break
        opt.text("icmpv6.opt.dnssl", "Domain Names", name.text, at, name.after - at)
        names.append(name.text)
        at = name.after
    if at < stop:
        opt.text("icmpv6.opt.padding", "Padding", "", at, stop - at)         # no value (FT_NONE), as tshark
    opt.label = " ".join(["ICMPv6 Option (DNS Search List Option"] + names) + ")"
    return None


def _opt_advertisement_interval(d, opt, buf, pos: int, size: int):
    """Advertisement Interval (RFC 6275): how often the router advertises, in ms."""
    _reserved(opt, buf, pos + 2, pos + 4)
    return str(opt.field(ADVERTISEMENT_INTERVAL, buf, pos).value)


def _opt_home_agent(d, opt, buf, pos: int, size: int):
    """Home Agent Information (RFC 6275); tshark 4.0 labels the lifetime "Home Agent Preference" too."""
    _reserved(opt, buf, pos + 2, pos + 4)
    opt.field(HOME_AGENT_PREFERENCE, buf, pos)
    opt.field(HOME_AGENT_LIFETIME, buf, pos)
    return None


def _opt_nonce(d, opt, buf, pos: int, size: int):
    """Nonce (RFC 3971, used by RFC 7527's duplicate address detection)."""
    data = bytes(buf[pos + 2:pos + size])
    opt.text("icmpv6.opt.nonce", "Nonce", data.hex(), pos + 2, size - 2, value=data)
    return None


def _opt_redirected(d, opt, buf, pos: int, size: int):
    """The packet itself is dissected as a quoted IPv6 packet after the options."""
    _reserved(opt, buf, pos + 2, pos + 8)
    if size > 8:
        opt.text("icmpv6.opt.redirected_packet", "Redirected Packet", "", pos + 8, size - 8)
    return None


PLC_NAMES = {0: "96 bits prefix length", 1: "64 bits prefix length", 2: "56 bits prefix length",
             3: "48 bits prefix length", 4: "40 bits prefix length", 5: "32 bits prefix length"}
PREF64_LIFETIME = F("icmpv6.opt.pref64.scaled_lifetime", "Scaled Lifetime", 2, 2, mask=0xFFF8)
PREF64_PLC = F("icmpv6.opt.pref64.plc", "PLC (Prefix Length Code)", 2, 2, mask=0x0007,
               show=lambda v: f"{PLC_NAMES.get(v, 'Unknown')} (0x{v:x})")
PLC_BYTES = {0: 12, 1: 8, 2: 7, 3: 6, 4: 5, 5: 4}


def _opt_pref64(d, opt, buf, pos: int, size: int):
    """PREF64 (RFC 8781): a scaled lifetime, a prefix length code, the NAT64 prefix's first bytes."""
    opt.field(PREF64_LIFETIME, buf, pos)
    plc = opt.field(PREF64_PLC, buf, pos).value
    if plc not in PLC_BYTES:
        icmp.quiet_problem(d, opt, "malformed: unknown prefix length code", "icmpv6.invalid_option_length",
                           "Invalid Option Length")
        return None
    width = PLC_BYTES[plc]
    if 4 + width > size:        # tshark reads on past the option: past the message, an exception
        raise icmp._Short
    prefix = bytes(buf[pos + 4:pos + 4 + width]).ljust(16, b"\0")
    opt.text("icmpv6.opt.pref64.prefix", "Prefix", addr_to_str(prefix), pos + 4, width, value=prefix)
    if size > 16:
        data = bytes(buf[pos + 16:pos + size])
        opt.text("icmpv6.unknown_data", "Unknown Data", data.hex(), pos + 16, len(data), value=data)
    return None


def _reserved(opt, buf, start: int, stop: int) -> None:
    """An option's reserved bytes: tshark names them and shows no value (FT_NONE)."""
    opt.text("icmpv6.opt.reserved", "Reserved", "", start, stop - start, value=bytes(buf[start:stop]))


def _opt_raw(d, opt, buf, pos: int, size: int):
    add_raw(opt, "icmpv6.opt.data", "Data", buf, pos + 2, pos + size)
    return None


OPTION_BODIES = {ND_OPT_SOURCE_LL_ADDR: _opt_linkaddr, ND_OPT_TARGET_LL_ADDR: _opt_linkaddr,
                 ND_OPT_PREFIX_INFO: _opt_prefix, ND_OPT_REDIRECT_HDR: _opt_redirected, ND_OPT_MTU: _opt_mtu,
                 ND_OPT_ROUTE_INFO: _opt_route_info, ND_OPT_RDNSS: _opt_rdnss, ND_OPT_DNSSL: _opt_dnssl,
                 7: _opt_advertisement_interval, 8: _opt_home_agent, 14: _opt_nonce, 38: _opt_pref64}


@skimmer("ipv6.nxt", NEXTHDR_ICMP)
def skim_icmpv6(s, off: int, end: int):
    """Echo request and reply (whose Info shows no checksum verdict)."""
    if end - off < HEADER_LEN or s.buf[off] not in (ECHO_REQUEST, ECHO_REPLY):
        return DECLINE
    ident, seq = ECHO_FIELDS.unpack_from(s.buf, off + 4)
    s.protocol = "ICMPv6"
    s.info = echo_info(s.buf[off], ident, seq, s.ipv6_hlim)
    return None
