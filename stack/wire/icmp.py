"""ICMP for IPv4 (RFC 792): type, code, checksum and the 4-byte rest of header."""
import socket
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
from .dissect import F, Hidden, data_row, dissector, named, row_node  # noqa: E402
from .skim import DECLINE, skimmer  # noqa: E402
from .textfmt import ascii_text, ascii_value, seconds_text, utc_date  # noqa: E402
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


# --- RFC 8335 extended echo and RFC 4884 multi-part extensions ------------------------

EXT_ECHO_REQUEST, EXT_ECHO_REPLY = 42, 43
EXT_SEQ = F("icmp.ext.echo.seq", "Sequence Number", 6, 1, show=lambda v: f"{v} (0x{v:02x})")
SET_TEXT = ("Not set", "Set").__getitem__
EXT_REQ_BITS = (F("icmp.ext.echo.req.res", "Reserved", 7, 1, mask=0xFE, show=lambda v: f"0x{v:02x}"),
                F("icmp.ext.echo.req.local", "Local bit", 7, 1, mask=0x01))
STATES = {0: "Reserved", 1: "Incomplete", 2: "Reachable", 3: "Stale", 4: "Delay", 5: "Probe", 6: "Failed"}
EXT_REPLY_BITS = (F("icmp.ext.echo.rsp.state", "State", 7, 1, mask=0xE0, show=named(STATES)),
                  F("icmp.ext.echo.rsp.res", "Reserved", 7, 1, mask=0x18, show=lambda v: f"0x{v:x}"),
                  F("icmp.ext.echo.rsp.active", "Active bit", 7, 1, mask=0x04),
                  F("icmp.ext.echo.rsp.ipv4", "IPv4 bit", 7, 1, mask=0x02),
                  F("icmp.ext.echo.rsp.ipv6", "IPv6 bit", 7, 1, mask=0x01))

EXT_VERSION = F("icmp.ext.version", "Version", 0, 1)          # the high nibble, shown with no bits
EXT_RES = F("icmp.ext.res", "Reserved", 0, 2, mask=0x0FFF, show=lambda v: f"0x{v:03x}")
EXT_CHECKSUM = F("icmp.ext.checksum", "Checksum", 2, 2, show=lambda v: f"0x{v:04x}")
EXT_CSUM_STATUS = F("icmp.ext.checksum.status", "Checksum Status", 2, 2,
                    show=("Bad", "Good", "Unverified", "Not present", "Illegal").__getitem__)
EXT_LENGTH = F("icmp.ext.length", "Length", 0, 2)
CLASSES = {1: "MPLS Label Stack Class", 2: "Interface Information Object", 3: "Interface Identification Object"}
EXT_CLASS = F("icmp.ext.class", "Class", 2, 1, show=named(CLASSES))
EXT_CTYPE = F("icmp.ext.ctype", "C-Type", 3, 1)
# MPLS label stack entries (RFC 4950), each 4 bytes
MPLS_LABEL = F("icmp.mpls.label", "Label", 0, 3, mask=0xFFFFF0)
MPLS_EXP = F("icmp.mpls.exp", "Experimental", 0, 3, mask=0x00000E)
MPLS_S = F("icmp.mpls.s", "Stack bit", 0, 3, mask=0x000001)
MPLS_TTL = F("icmp.mpls.ttl", "Time to live", 3, 1)
# Interface Information Object (RFC 5837): the C-Type is a bitmask of what follows
ROLES = {0: "IP interface upon which datagram arrived",
         1: "sub-IP component of an IP interface upon which datagram arrived",
         2: "IP interface through which datagram would be forwarded",
         3: "IP next-hop to which datagram would be forwarded"}
PRESENT = ("Not Present", "Present").__getitem__
INFO_BITS = (F("icmp.int_info.role", "Interface Role", 3, 1, mask=0xC0, show=named(ROLES)),
             F("icmp.int_info.reserved", "Reserved", 3, 1, mask=0x30),
             F("icmp.int_info.ifindex", "ifIndex", 3, 1, mask=0x08, show=("False", "True").__getitem__),
             F("icmp.int_info.ipaddr", "IP Address", 3, 1, mask=0x04, show=PRESENT),
             F("icmp.int_info.name_present", "Interface Name", 3, 1, mask=0x02, show=PRESENT),
             F("icmp.int_info.mtu_present", "MTU", 3, 1, mask=0x01, show=PRESENT))
INFO_INDEX = F("icmp.int_info.index", "Interface Index", 0, 4)
INFO_AFI = F("icmp.int_info.afi", "Address Family Identifier", 0, 2)
INFO_NAME_LENGTH = F("icmp.int_info.name_length", "Name Length", 0, 1)
INFO_MTU = F("icmp.int_info.mtu", "Maximum Transmission Unit", 0, 4)
# Interface Identification Object (RFC 8335)
IDENT_CTYPES = {1: "Identifies Interface By Name", 2: "Identifies Interface By Index",
                3: "Identifies Interface By Address"}
IDENT_CTYPE = replace(EXT_CTYPE, show=lambda v: f"{v} ({IDENT_CTYPES.get(v) or f'Unknown C-Type {v}'})")
# tshark's names of the address families (afn_vals)
AFNS = {0: "Reserved", 1: "IPv4", 2: "IPv6", 3: "NSAP", 4: "HDLC (8-bit multidrop)", 5: "BBN 1822",
        6: "802 (includes all 802 media plus Ethernet)", 7: "E.163", 8: "E.164 (SMDS, Frame Relay, ATM)",
        9: "F.69 (Telex)", 10: "X.121 (X.25, Frame Relay)", 11: "IPX", 12: "Appletalk", 13: "Decnet IV",
        14: "Banyan Vines", 15: "E.164 with NSAP subaddress", 16: "DNS (Domain Name System)",
        17: "Distinguished Name", 18: "AS Number", 19: "XTP over IP version 4", 20: "XTP over IP version 6",
        21: "XTP native mode XTP", 22: "Fibre Channel World-Wide Port Name",
        23: "Fibre Channel World-Wide Node Name", 24: "GWID", 25: "Layer-2 VPN", 196: "Layer-2 VPN (old)",
        26: "MPLS-TP Section Endpoint Identifier", 27: "MPLS-TP LSP Endpoint Identifier",
        28: "MPLS-TP Pseudowire Endpoint Identifier", 29: "MT IP: Multi-Topology IP version 4",
        30: "MT IPv6: Multi-Topology IP version 6", 16384: "EIGRP Common Service Family",
        16385: "EIGRP IPv4 Service Family", 16386: "EIGRP IPv6 Service Family",
        16387: "LISP Canonical Address Format (LCAF)", 16388: "BGP-LS", 16389: "48-bit MAC Address",
        16390: "64-bit MAC Address", 16391: "OUI", 16392: "MAC/24", 16393: "MAC/40", 16394: "IPv6/64",
        16395: "RBridge Port ID", 16396: "TRILL Nickname", 65535: "Reserved"}
IDENT_INDEX = F("icmp.int_ident.index", "Interface Index", 0, 4)
IDENT_AFI = F("icmp.int_ident.afi", "Address Family Identifier", 0, 2, show=named(AFNS))
IDENT_ADDR_LENGTH = F("icmp.int_ident.addr_length", "Address Length", 0, 1)


def quiet_problem(d, parent, text: str, name: str = "_ws.malformed", label: str = "Malformed Packet") -> None:
    """Note a problem as tshark does, in an expert item under `parent` (hidden here: its line
    is tshark's expert info, which our tree leaves out), so the tree's lines stay tshark's."""
    node = parent.add(Hidden(name, label, None, parent.offset, 0, text=label))
    if name == "_ws.malformed":         # tshark's exception: the malformed item, its expert item under it
        node = node.add(Hidden(name, label, None, parent.offset, 0, text=label))
    d.problem(node, text)


class _Short(Exception):
    """A field reaches past the message: tshark's exception, which ends the dissection."""


def _need(pos: int, size: int, end: int) -> None:
    if pos + size > end:
        raise _Short


def ext_echo_bits(layer, buf, off: int, bits: tuple) -> None:
    """The last byte of an extended echo's header, bit by bit (`off`: the message's start)."""
    for f in bits:
        layer.field(f, buf, off)


def extension(d, parent, buf, start: int, end: int) -> bool:
    """An ICMP extension structure (RFC 4884) at buf[start:end] under `parent`, as tshark's
    dissect_icmp_extension shows it: version, checksum, then each object. False when a field
    reaches past the message (tshark: malformed)."""
    ext = parent.text("icmp.ext", "ICMP Multi-Part Extensions", "", start, end - start)
    if end - start < 4:
        return True
    ext.put(((EXT_VERSION, start, buf[start] >> 4),))
    ext.field(EXT_RES, buf, start)
    csum = (buf[start + 2] << 8) | buf[start + 3]
    if csum == 0:
        ext.text("icmp.ext.checksum", "Checksum", "[missing]", start + 2, 2, value=0)
        ext.put(((EXT_CSUM_STATUS, start + 2, 3),))
    else:
        total = ones_sum(buf[start:end])
        if total == 0xFFFF:
            ext.put((checksum_row(d, EXT_CHECKSUM, None, EXT_CSUM_STATUS, start + 2, csum, 1, None),))
        else:
            should = calculated_checksum(total, csum)
            node = ext.add(row_node(EXT_CHECKSUM, start + 2, csum))
            node._text = f"0x{csum:04x} " + INCORRECT.format(should)
            quiet_problem(d, node, f"bad checksum, should be 0x{should:04x}", "icmp.ext.checksum_bad", "Bad checksum")
            ext.put(((EXT_CSUM_STATUS, start + 2, 0),))
    if buf[start] >> 4 not in (1, 2):
        if d.tree:
            ext.label += " (unsupported version)"
        return True
    pos, infos = start + 4, 0
    while end - pos >= 4:
        length, kind, ctype = (buf[pos] << 8) | buf[pos + 1], buf[pos + 2], buf[pos + 3]
        stop = pos + min(length, end - pos)
        obj = ext.text("icmp.ext.object", "Unknown object", "", pos, max(stop - pos, 4))
        obj.field(EXT_LENGTH, buf, pos)
        obj.field(EXT_CLASS, buf, pos)
        if length < 4:
            obj.label = "Object with bad length"
            break
        try:
            if kind == 1:
                unknown = _mpls_stack(obj, buf, pos, stop)
            elif kind == 2:
                unknown = _interface_information(obj, buf, pos, stop, end)
                infos += 1
                if infos > 4:
                    obj.label = "More than 4 Interface Information Objects"
            elif kind == 3:
                unknown = _interface_identification(obj, buf, pos, length, end)
            else:
                unknown = True
        except _Short:
            quiet_problem(d, obj, "malformed: the object reaches past the message")
            return False
        if unknown:
            obj.field(EXT_CTYPE, buf, pos)
            obj.label = f"Unknown object ({kind}/{ctype})"
            if stop - pos > 4:
                data = bytes(buf[pos + 4:stop])
                obj.text("icmp.ext.data", "Data", data.hex(), pos + 4, len(data), value=data)
        if stop - pos < length and d.tree:
            obj.label += " (truncated)"
        pos = stop
    return True


def _mpls_stack(obj, buf, pos: int, stop: int) -> bool:
    obj.field(EXT_CTYPE, buf, pos)
    if buf[pos + 3] != 1:
        return True
    obj.label = "MPLS Stack Entry"
    at = pos + 4
    while at + 4 <= stop:
        label, exp, bottom, ttl = (int.from_bytes(buf[at:at + 3], "big") >> 4, buf[at + 2] >> 1 & 7,
                                   buf[at + 2] & 1, buf[at + 3])
        entry = obj.text("icmp.mpls.stack_entry", f"Label: {label}, Exp: {exp}, S: {bottom}, TTL: {ttl}", "", at, 4)
        for f in (MPLS_LABEL, MPLS_EXP, MPLS_S, MPLS_TTL):
            entry.field(f, buf, at)
        at += 4
    if at < stop:
        data = bytes(buf[at:stop])
        obj.text("icmp.mpls.data", "Data", data.hex(), at, len(data), value=data)
    return False


def _interface_information(obj, buf, pos: int, stop: int, end: int) -> bool:
    """RFC 5837; tshark reads the sub-objects the C-Type announces even past the object's end."""
    obj.label = "Interface Information Object"
    ctype = buf[pos + 3]
    words = [f"{ctype}", f"Interface Role: {ROLES[ctype >> 6]}"]
    words += [f.label for f in INFO_BITS[2:] if ctype & f.mask]
    kind = obj.text("icmp.ext.ctype", "C-Type", ", ".join(words), pos + 3, 1, value=ctype)
    for f in INFO_BITS:
        kind.field(f, buf, pos)
    at = pos + 4
    if ctype & 0x08:
        _need(at, 4, end)
        obj.field(INFO_INDEX, buf, at)
        at += 4
    if ctype & 0x04 and stop >= at + 2:
        _need(at, 2, end)
        afi = (buf[at] << 8) | buf[at + 1]
        _need(at, 8 if afi == 1 else 20, end)          # the sub-object's span, checked as tshark adds it
        sub = obj.text("icmp.int_info.ip_sub_object", "IP Address Sub-Object", "", at, 8 if afi == 1 else 20)
        sub.field(INFO_AFI, buf, at)
        _need(at + 2, 2, end)
        reserved = bytes(buf[at + 2:at + 4])
        sub.text("icmp.reserved", "Reserved", reserved.hex(), at + 2, 2, value=reserved)
        at += 4
        if afi == 1:
            _need(at, 4, end)
            sub.text("icmp.int_info.ipv4", "Source", socket.inet_ntoa(bytes(buf[at:at + 4])), at, 4,
                     value=bytes(buf[at:at + 4]))
            at += 4
        elif afi == 2:
            _need(at, 16, end)
            addr = bytes(buf[at:at + 16])
            sub.text("icmp.int_info.ipv6", "Source", socket.inet_ntop(socket.AF_INET6, addr), at, 16, value=addr)
            at += 16
        else:
            raise _Short            # tshark asks for a negative length: an exception
    if ctype & 0x02:
        size = 0
        sub = None
        if stop >= at + 1:
            size = buf[at]
            _need(at, size, end)
            sub = obj.text("icmp.int_info.name_sub_object", "Interface Name Sub-Object", "", at, size)
            sub.field(INFO_NAME_LENGTH, buf, at)
            at += 1
        if stop >= at + size:
            if sub is None or size < 1:
                raise _Short
            _need(at, size - 1, end)
            raw = bytes(buf[at:at + size - 1])
            sub.text("icmp.int_info.name", "Name", ascii_text(raw), at, size - 1, value=ascii_value(raw))
            at += size - 1
    if ctype & 0x01:
        _need(at, 4, end)
        obj.field(INFO_MTU, buf, at)
    return False


def _interface_identification(obj, buf, pos: int, length: int, end: int) -> bool:
    obj.label = "Interface Identification Object"
    if end - pos < 5:
        return True
    ctype = obj.field(IDENT_CTYPE, buf, pos).value
    at = pos + 4
    if ctype == 1:
        _need(at, length - 4, end)
        raw = bytes(buf[at:pos + length])
        obj.text("icmp.int_ident.name", "Name", ascii_text(raw), at, len(raw), value=ascii_value(raw))
    elif ctype == 2:
        _need(at, 4, end)
        obj.field(IDENT_INDEX, buf, at)
    elif ctype == 3:
        _need(at, 4, end)
        afi = obj.field(IDENT_AFI, buf, at).value
        size = obj.field(IDENT_ADDR_LENGTH, buf, at + 2).value
        obj.text("icmp.int_ident.reserved", "Reserved", f"{buf[at + 3]:02x}", at + 3, 1,
                 value=bytes(buf[at + 3:at + 4]))
        at += 4
        step, name = {1: (4, "icmp.int_ident.ipv4"), 2: (16, "icmp.int_ident.ipv6")}.get(afi, (0, None))
        if name is None:
            raw = bytes(buf[at:end])
            obj.text("icmp.int_ident.address", "Address", raw.hex(), at, len(raw), value=raw)
        while name is not None and size >= step and end - at >= step:
            addr = bytes(buf[at:at + step])
            text = socket.inet_ntoa(addr) if step == 4 else socket.inet_ntop(socket.AF_INET6, addr)
            obj.text(name, "Address", text, at, step, value=addr)
            at += step
            size -= step
    return False


def _ext_echo(d, layer, buf, off: int, end: int, csum_row) -> bool:
    """Extended echo request and reply (RFC 8335): identifier, 8-bit sequence number, flags;
    a request's extension structure after them (tshark 4.0 reads none in a reply)."""
    kind = buf[off]
    ident = (buf[off + 4] << 8) | buf[off + 5]
    layer.put(((TYPE, off, kind), (NAMED_CODES[kind], off + 1, buf[off + 1]), csum_row,
               (IDENT, off + 4, ident), (IDENT_LE, off + 4, swapped(ident))))
    layer.field(EXT_SEQ, buf, off)
    ext_echo_bits(layer, buf, off, EXT_REQ_BITS if kind == EXT_ECHO_REQUEST else EXT_REPLY_BITS)
    if kind == EXT_ECHO_REQUEST and end > off + HEADER_LEN:
        return extension(d, layer, buf, off + HEADER_LEN, end)
    return True


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
    if kind in (EXT_ECHO_REQUEST, EXT_ECHO_REPLY):
        info = f"{TYPE_NAMES[kind]:<20} ({code_name(kind, code)})"
        d.summarise("ICMP", info)
        if end - off < HEADER_LEN:
            layer.put(((TYPE, off, kind), (NAMED_CODES[kind], off + 1, code), csum_row))
            if end - off >= 6:
                ident = (buf[off + 4] << 8) | buf[off + 5]
                layer.put(((IDENT, off + 4, ident), (IDENT_LE, off + 4, swapped(ident))))
            if end - off >= 7:
                layer.field(EXT_SEQ, buf, off)
            quiet_problem(d, layer, f"malformed: ICMP extended echo header needs 8 bytes, {end - off} captured")
            d.summarise("ICMP", info + "[Malformed Packet]")
        elif not _ext_echo(d, layer, buf, off, end, csum_row):
            d.summarise("ICMP", info + "[Malformed Packet]")
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
