"""DNS (RFC 1035) summary dissection: header, questions, resource records, and tshark's Info line.

Names are decompressed with a guard: a pointer may be followed at most
MAX_POINTERS times, and past MAX_NAME bytes a name stops growing (and, once a
pointer has fixed where it ends, stops being walked), so a pointer loop, a
long chain of pointers or a label running off the message ends in a marked
problem, never a hang: a message costs time linear in its size.
"""
import base64
import socket
import struct
from typing import NamedTuple

from .dissect import F, Node, dissector, named
from .ipproto import show_protocol
from .skim import DECLINE, skimmer
from .textfmt import ascii_shown, ascii_value, duration, utc_date, utf8_text

HEADER = struct.Struct("!HHHHHH")     # id, flags, questions, answers, authority, additional
HEADER_LEN = 12
PORT = 53
MDNS_PORT = 5353
MAX_NAME = 255
MAX_POINTERS = 32
MAX_INFO = 4095            # tshark's Info column limit: a crafted message can name thousands of records
ROOT_TEXT = "<Root>"
LOOP_TEXT = "<Name contains a pointer that loops>"
TOO_LONG_TEXT = "<Name too long>"


def _hex(width: int):
    return lambda value: f"0x{value:0{width}x}"


OPCODES = {0: "Standard query", 1: "Inverse query", 2: "Server status request",
           4: "Zone change notification", 5: "Dynamic update", 6: "DNS Stateful operations (DSO)"}
RCODES = {0: "No error", 1: "Format error", 2: "Server failure", 3: "No such name", 4: "Not implemented",
          5: "Refused", 6: "Name exists", 7: "RRset exists", 8: "RRset does not exist",
          9: "Not authoritative", 10: "Name out of zone", 11: "DSO-Type not implemented",
          16: "Bad OPT Version or TSIG Signature Failure", 17: "Key not recognized",
          18: "Signature out of time window", 19: "Bad TKEY Mode", 20: "Duplicate key name",
          21: "Algorithm not supported", 22: "Bad Truncation", 23: "Bad/missing Server Cookie"}
TYPES = {0: "Unused", 1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR",
         10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP",
         18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY",
         26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC", 33: "SRV",
         34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT",
         42: "APL", 43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
         49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 55: "HIP", 57: "RKEY", 58: "TALINK",
         59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS",
         99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC", 104: "NID", 105: "L32", 106: "L64",
         107: "LP", 108: "EUI48", 109: "EUI64", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR",
         253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI", 257: "CAA", 32768: "TA", 32769: "DLV"}
CLASSES = {1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_PTR, TYPE_MX, TYPE_TXT = 1, 2, 5, 6, 12, 15, 16
TYPE_AAAA, TYPE_OPT, TYPE_SRV, TYPE_KX = 28, 41, 33, 36
TYPE_DS, TYPE_RRSIG, TYPE_NSEC, TYPE_DNSKEY = 43, 46, 47, 48
OPT_COOKIE = 10

ID = F("dns.id", "Transaction ID", 0, 2, show=_hex(4))
def _flags_text(flags: int) -> str:
    """The Flags line as tshark's: "0x8180 Standard query response, No error"."""
    opcode, rcode = (flags >> 11) & 0xF, flags & 0xF
    text = f"0x{flags:04x} {OPCODES.get(opcode, f'Unknown operation ({opcode})')}"
    if flags & 0x8000:
        text += " response, " + RCODES.get(rcode, f"Unknown error ({rcode})")
    return text


def ttl_text(seconds: int) -> str:
    """A TTL with its span in words, as tshark: "86400 (1 day)", "3661 (1 hour, 1 minute, 1 second)"."""
    return f"{seconds} ({duration(seconds)})"


def _says(when_clear: str, when_set: str):
    """A flag bit shown in words, as tshark's true/false strings."""
    return (when_clear, when_set).__getitem__


FLAGS = F("dns.flags", "Flags", 2, 2, show=_flags_text)
RESPONSE = F("dns.flags.response", "Response", 2, 2, mask=0x8000,
             show=_says("Message is a query", "Message is a response"))
OPCODE = F("dns.flags.opcode", "Opcode", 2, 2, mask=0x7800,
           show=lambda v: OPCODES.get(v, f"Unknown ({v})") + f" ({v})")
AUTHORITATIVE = F("dns.flags.authoritative", "Authoritative", 2, 2, mask=0x0400,
                  show=_says("Server is not an authority for domain", "Server is an authority for domain"))
TRUNCATED = F("dns.flags.truncated", "Truncated", 2, 2, mask=0x0200,
              show=_says("Message is not truncated", "Message is truncated"))
RECDESIRED = F("dns.flags.recdesired", "Recursion desired", 2, 2, mask=0x0100,
               show=_says("Don't do query recursively", "Do query recursively"))
RECAVAIL = F("dns.flags.recavail", "Recursion available", 2, 2, mask=0x0080,
             show=_says("Server can't do recursive queries", "Server can do recursive queries"))
Z = F("dns.flags.z", "Z", 2, 2, mask=0x0040, show=lambda v: f"reserved ({v})")
AUTHENTICATED = F("dns.flags.authenticated", "Answer authenticated", 2, 2, mask=0x0020,
                  show=_says("Answer/authority portion was not authenticated by the server",
                             "Answer/authority portion was authenticated by the server"))
AD_BIT = F("dns.flags.authenticated", "AD bit", 2, 2, mask=0x0020)      # in a query, as tshark names it
CHECKDISABLE = F("dns.flags.checkdisable", "Non-authenticated data", 2, 2, mask=0x0010,
                 show=_says("Unacceptable", "Acceptable"))
RCODE = F("dns.flags.rcode", "Reply code", 2, 2, mask=0x000F,
          show=lambda v: RCODES.get(v, f"Unknown error ({v})") + f" ({v})")
COUNTS = (F("dns.count.queries", "Questions", 4, 2), F("dns.count.answers", "Answer RRs", 6, 2),
          F("dns.count.auth_rr", "Authority RRs", 8, 2), F("dns.count.add_rr", "Additional RRs", 10, 2))
QUERY_FLAGS = (RESPONSE, OPCODE, TRUNCATED, RECDESIRED, Z, AD_BIT, CHECKDISABLE)
RESPONSE_FLAGS = (RESPONSE, OPCODE, AUTHORITATIVE, TRUNCATED, RECDESIRED, RECAVAIL, Z, AUTHENTICATED,
                  CHECKDISABLE, RCODE)
SECTIONS = (("dns.queries", "Queries"), ("dns.answers", "Answers"),
            ("dns.authorities", "Authoritative nameservers"),
            ("dns.additionals", "Additional records"))


class _Stop(ValueError):
    """The message cannot be read further (a name, a record or its data runs past the end)."""




class Name(NamedTuple):
    """A name read from a message; `length` and `labels` are tshark's dns.qry.name.len and dns.count.labels."""
    text: str
    length: int
    labels: int
    after: int                  # the position just past the name (past its first pointer if compressed)
    problem: str | None = None
    fatal: bool = False


def _name(labels: list[bytes], after: int, problem: str | None = None, fatal: bool = False) -> Name:
    if not labels:                      # tshark counts "<Root>" as one 6-character label
        return Name(ROOT_TEXT, len(ROOT_TEXT), 1, after, problem, fatal)
    text = ".".join(utf8_text(label) for label in labels)
    # tshark counts the labels by the dots of the text, a dot inside a label too
    return Name(text, sum(map(len, labels)) + len(labels) - 1, text.count(".") + 1, after, problem, fatal)


def read_name(buf, pos: int, start: int, end: int) -> Name:
    """The name at `pos` of the message buf[start:end] (pointers are offsets from `start`).

    A loop or an over-long name is a problem tshark reads past (the text says so);
    a name running off the message or an unknown label type is fatal.
    """
    labels: list[bytes] = []
    size, jumps, after = 0, 0, None
    while True:
        if pos >= end:
            return _name(labels, after or pos, "name runs past the message", True)
        length = buf[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= end:
                return _name(labels, after or end, "pointer runs past the message", True)
            jumps += 1
            after = after or pos + 2
            if size > MAX_NAME:
                return Name(TOO_LONG_TEXT, len(TOO_LONG_TEXT), 1, after, "name too long")
            if jumps > MAX_POINTERS:
                return Name(LOOP_TEXT, len(LOOP_TEXT), 1, after, "compression pointers loop")
            pos = start + (((length & 0x3F) << 8) | buf[pos + 1])
            continue
        if length & 0xC0:
            return _name(labels, after or pos + 1, f"unsupported label type 0x{length:02x}", True)
        if length == 0 and size > MAX_NAME:
            return Name(TOO_LONG_TEXT, len(TOO_LONG_TEXT), 1, after or pos + 1, "name too long")
        if length == 0:
            return _name(labels, after or pos + 1)
        if pos + 1 + length > end:
            return _name(labels, after or end, "label runs past the message", True)
        size += length + 1
        if size > MAX_NAME and after is not None:   # its end is known: no need to walk on
            return Name(TOO_LONG_TEXT, len(TOO_LONG_TEXT), 1, after, "name too long")
        if size <= MAX_NAME:
            labels.append(bytes(buf[pos + 1:pos + 1 + length]))
        pos += 1 + length


def type_name(value: int) -> str:
    return TYPES.get(value, f"Unknown ({value})")


class _Msg:
    """What the record walkers share: the buffer, message bounds, the layer, the Info words."""

    __slots__ = ("d", "buf", "start", "end", "mdns", "words", "pointed")

    def __init__(self, d, start: int, end: int, mdns: bool):
        self.d, self.buf, self.start, self.end, self.mdns = d, d.buf, start, end, mdns
        self.words: list[str] = []
        self.pointed: dict[int, Name] = {}      # a bare pointer's name, by the pointer's target

    def read(self, pos: int) -> Name:
        buf = self.buf
        if pos + 1 < self.end and buf[pos] & 0xC0 == 0xC0:
            # a name that is a pointer alone reads the same from wherever it stands but for
            # where it ends: a message of 64k such questions walks each target once
            target = ((buf[pos] & 0x3F) << 8) | buf[pos + 1]
            name = self.pointed.get(target)
            if name is None:
                name = self.pointed[target] = read_name(buf, pos, self.start, self.end)
            else:
                name = name._replace(after=pos + 2)
        else:
            name = read_name(buf, pos, self.start, self.end)
        if name.fatal:
            raise _Stop(name.problem)
        return name

    def add(self, parent: Node, field: str, label: str, pos: int, name: Name, counts: bool = False) -> str:
        node = parent.add(Node(field, label, name.text, pos, max(min(name.after, self.end) - pos, 0)))
        if counts:
            parent.add(Node(f"{field}.len", "Name Length", name.length, pos, 0))
            parent.add(Node("dns.count.labels", "Label Count", name.labels, pos, 0))
        if name.problem:
            self.d.problem(node, f"malformed: {name.problem}")
        return name.text

    def name(self, parent: Node, field: str, label: str, pos: int) -> tuple[str, int]:
        name = self.read(pos)
        return self.add(parent, field, label, pos, name), name.after

    def need(self, pos: int, size: int) -> None:
        if pos + size > self.end:
            raise _Stop("record runs past the message")

    def u(self, pos: int, size: int) -> int:
        self.need(pos, size)
        return int.from_bytes(self.buf[pos:pos + size], "big")


def _class_fields(msg: _Msg, node: Node, prefix: str, pos: int, question: bool) -> tuple[int, bool]:
    """The class; mDNS takes its top bit for "unicast response wanted" / "cache flush" (RFC 6762)."""
    value, top = msg.u(pos, 2), False
    if msg.mdns:
        top = bool(value & 0x8000)
        bit = "dns.qry.qu" if question else "dns.resp.cache_flush"
        node.add(Node(bit, '"QU" question' if question else "Cache flush", int(top), pos, 2, 0x8000,
                      ("False", "True").__getitem__))
        value &= 0x7FFF
    node.add(Node(f"{prefix}.class", "Class", value, pos, 2, 0x7FFF if msg.mdns else 0,
                  lambda v: f"{CLASSES.get(v, 'Unknown')} (0x{v:04x})"))
    return value, top


def class_name(value: int) -> str:
    return CLASSES.get(value, f"Unknown ({value})")


QRY = F("dns.qry", "", 0, 0)
QRY_NAME = F("dns.qry.name", "Name", 0, 0)
QRY_NAME_LEN = F("dns.qry.name.len", "Name Length", 0, 0)
LABEL_COUNT = F("dns.count.labels", "Label Count", 0, 0)
# tshark's descriptions of the common types on the Type line (the Info column keeps the short
# names); only those read from tshark's own -V are here
# a type's words in -V, before its number: tshark's, read from its -V for every type
TYPE_LINES = {
    0: 'Unused', 1: 'A (Host Address)', 2: 'NS (authoritative Name Server)', 3: 'MD (Mail Destination)',
    4: 'MF (Mail Forwarder)', 5: 'CNAME (Canonical NAME for an alias)',
    6: 'SOA (Start Of a zone of Authority)', 7: 'MB (MailBox domain name)', 8: 'MG (Mail Group member)',
    9: 'MR (Mail Rename domain)', 10: 'NULL RR', 11: 'WKS (Well Known Service)',
    12: 'PTR (domain name PoinTeR)', 13: 'HINFO (host information)',
    14: 'MINFO (Mailbox or mail list information)', 15: 'MX (Mail eXchange)', 16: 'TXT (Text strings)',
    17: 'RP (Responsible Person)', 18: 'AFSDB (AFS Data Base location)', 19: 'X25 (XX.25 PSDN address)',
    20: 'ISDN (ISDN address)', 21: 'RT (Route Through)', 22: 'NSAP (NSAP address)',
    23: 'NSAP-PTR (NSAP domain name pointer)', 24: 'SIG (security signature)', 25: 'KEY (security key)',
    26: 'PX (X.400 mail mapping information)', 27: 'GPOS (Geographical Position)', 28: 'AAAA (IPv6 Address)',
    29: 'LOC (Location Information)', 30: 'NXT (Next Domain)', 31: 'EID (Endpoint Identifier)',
    32: 'NIMLOC (Nimrod Locator)', 33: 'SRV (Server Selection)', 34: 'ATMA (ATM Address)',
    35: 'NAPTR (Naming Authority Pointer)', 36: 'KX (Key Exchanger)', 37: 'CERT',
    38: 'A6 (OBSOLETE - use AAAA)', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL',
    43: 'DS (Delegation Signer)', 44: 'SSHFP (SSH Key Fingerprint)', 45: 'IPSECKEY',
    46: 'RRSIG (Resource Record Signature)', 47: 'NSEC (Next Secure)', 48: 'DNSKEY (DNS Public Key)',
    49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 55: 'HIP (Host Identity Protocol)', 57: 'RKEY',
    58: 'TALINK (Trust Anchor LINK)', 59: 'CDS (Child DS)',
    60: 'CDNSKEY (DNSKEY(s) the Child wants reflected in DS)', 61: 'OPENPGPKEY (OpenPGP Key)',
    62: 'CSYNC (Child-to-Parent Synchronization)', 63: 'ZONEMD',
    64: 'SVCB (General Purpose Service Endpoints)', 65: 'HTTPS (HTTPS Specific Service Endpoints)', 99: 'SPF',
    100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC', 104: 'NID (NodeID)', 105: 'L32 (Locator32)',
    106: 'L64 (Locator64)', 107: 'LP (Locator FQDN)', 108: 'EUI48', 109: 'EUI64',
    249: 'TKEY (Transaction Key)', 250: 'TSIG (Transaction Signature)', 251: 'IXFR (incremental transfer)',
    252: 'AXFR (transfer of an entire zone)', 253: 'MAILB (mailbox-related RRs)',
    254: 'MAILA (mail agent RRs)', 255: '* (A request for all records the server/cache has available)',
    256: 'URI', 257: 'CAA (Certification Authority Restriction)', 32768: 'TA (DNSSEC Trust Authorities)',
    32769: 'DLV (DNSSEC Lookaside Validation)'}


def type_line(value: int) -> str:
    """"A (Host Address) (1)", as tshark's -V writes a record's type."""
    return f"{TYPE_LINES.get(value, 'Unknown')} ({value})"


QRY_TYPE = F("dns.qry.type", "Type", 0, 2, show=type_line)
QRY_CLASS = F("dns.qry.class", "Class", 0, 2, show=lambda v: f"{CLASSES.get(v, 'Unknown')} (0x{v:04x})")


def _question_rows(pos: int, after: int, name: Name, qtype: int, qclass: int) -> tuple:
    fields = ((QRY_NAME, pos, name.text, (), after - pos), (QRY_NAME_LEN, pos, name.length),
              (LABEL_COUNT, pos, name.labels), (QRY_TYPE, after, qtype), (QRY_CLASS, after + 2, qclass))
    return ((QRY, pos, None, fields, after + 4 - pos, f"{name.text}: type {type_name(qtype)}, class {class_name(qclass)}"),)


def _question(msg: _Msg, section: Node, pos: int) -> int:
    name = msg.read(pos)
    msg.need(name.after, 4)                 # as tshark, a question cut short adds no fields
    if not (name.problem or msg.mdns):      # the everyday question, as rows
        qtype, qclass = QUESTION_TAIL.unpack_from(msg.buf, name.after)
        section.later(_question_rows, pos, name.after, name, qtype, qclass)
        msg.words.append(question_word(qtype, name.text))
        return name.after + 4
    node = section.add(Node("dns.qry", "", None, pos, name.after + 4 - pos))
    text, pos = msg.add(node, "dns.qry.name", "Name", pos, name, counts=True), name.after
    qtype = msg.u(pos, 2)
    node.add(Node("dns.qry.type", "Type", qtype, pos, 2, show=type_line))
    qclass, qu = _class_fields(msg, node, "dns.qry", pos + 2, True)
    node.label = f"{text}: type {type_name(qtype)}, class {class_name(qclass)}"
    if msg.mdns:
        node.label += ', "QU" question' if qu else ', "QM" question'
    msg.words.append(question_word(qtype, text, msg.mdns, qu))
    return pos + 4


def question_word(qtype: int, name: str, mdns: bool = False, unicast: bool = False) -> str:
    word = f"{type_name(qtype)} {name}"
    if mdns:
        word += ', "QU" question' if unicast else ', "QM" question'
    return word


def _rdata(msg: _Msg, node: Node, rtype: int, pos: int, rdlen: int, owner: str = "") -> tuple[str, str]:
    """Fields of the record data; returns its words for the record's label and for the Info column
    (as tshark, a record with no data has neither)."""
    if not rdlen:
        return "", ""
    buf, end = msg.buf, pos + rdlen
    if rtype == TYPE_A and rdlen == 4:
        text = socket.inet_ntop(socket.AF_INET, bytes(buf[pos:end]))
        node.add(Node("dns.a", "Address", text, pos, 4))
        return f"addr {text}", text
    if rtype == TYPE_AAAA and rdlen == 16:
        text = socket.inet_ntop(socket.AF_INET6, bytes(buf[pos:end]))
        node.add(Node("dns.aaaa", "AAAA Address", text, pos, 16))
        return f"addr {text}", text
    if rtype in (TYPE_NS, TYPE_CNAME, TYPE_PTR):
        field, word, label = {TYPE_NS: ("dns.ns", "ns ", "Name Server"), TYPE_CNAME: ("dns.cname", "cname ", "CNAME"),
                              TYPE_PTR: ("dns.ptr.domain_name", "", "Domain Name")}[rtype]
        name, _ = msg.name(node, field, label, pos)
        return f"{word}{name}", name
    if rtype in (TYPE_MX, TYPE_KX):
        pref = msg.u(pos, 2)
        field = "dns.mx" if rtype == TYPE_MX else "dns.kx"
        node.add(Node(f"{field}.preference", "Preference", pref, pos, 2))
        name, _ = msg.name(node, *(("dns.mx.mail_exchange", "Mail Exchange") if rtype == TYPE_MX
                                   else ("dns.kx.key_exchange", "Key Exchange")), pos + 2)
        return f"preference {pref}, {'mx' if rtype == TYPE_MX else 'kx'} {name}", f"{pref} {name}"
    if rtype in NAMED_DATA:            # the data is names (after a number), the Info word the owner's name
        for kind, field, label in NAMED_DATA[rtype]:
            if kind == "name":
                _, pos = msg.name(node, field, label, pos)
            else:
                node.add(Node(field, label, msg.u(pos, 2), pos, 2))
                pos += 2
        return "", owner
    if rtype in OWNER_BYTES:
        field, label = OWNER_BYTES[rtype]
        _bytes(node, field, label, buf, pos, end)
        return "", owner
    handler = RDATA.get(rtype)
    if handler is not None:
        return handler(msg, node, pos, end, owner)
    node.add(Node("dns.data", "Data", bytes(buf[pos:end]), pos, rdlen))
    return "", ""


SHOWN_BYTES = 36            # tshark shows this many of a byte string's bytes, then "…"


def hex_shown(value: bytes) -> str:
    """Bytes as tshark's tree shows them: hex, cut after 36 bytes; no bytes, "<MISSING>"."""
    if not value:
        return "<MISSING>"
    return value[:SHOWN_BYTES].hex() + ("…" if len(value) > SHOWN_BYTES else "")


def _bytes(node: Node, field: str, label: str, buf, pos: int, end: int) -> Node:
    return node.add(Node(field, label, bytes(buf[pos:end]), pos, max(end - pos, 0), show=hex_shown))


def _string(node: Node, field: str, label: str, raw: bytes, pos: int, utf8: bool = False) -> str:
    """A character string of the data (ASCII, or UTF-8 in mDNS' TXT), as tshark shows it; an
    empty one is "Label: " in tshark's tree, which our tree writes only from a label of its own."""
    value = utf8_text(raw) if utf8 else ascii_value(raw)
    shown = value if utf8 else ascii_shown(value)
    node.add(Node(field, label if shown else f"{label}:", value, pos, len(raw), text=shown))
    return shown


def _counted(msg: _Msg, node: Node, field: str, label: str, length_field: str, length_label: str,
             pos: int, utf8: bool = False) -> tuple[str, int]:
    """A <character-string> (RFC 1035 3.3): its length, then its text; returns the text and the end."""
    length = msg.u(pos, 1)
    node.add(Node(length_field, length_label, length, pos, 1))
    msg.need(pos + 1, length)
    return _string(node, field, label, bytes(msg.buf[pos + 1:pos + 1 + length]), pos + 1, utf8), pos + 1 + length


def _signature_time(secs: float) -> str:
    return f"{utc_date(round(secs) * 1_000_000_000)} UTC"


def _rrsig(msg: _Msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 3.1: what is signed, by which key and algorithm, when; the signature."""
    u = msg.u
    node.add(Node("dns.rrsig.type_covered", "Type Covered", u(pos, 2), pos, 2, show=type_line))
    node.add(Node("dns.rrsig.algorithm", "Algorithm", u(pos + 2, 1), pos + 2, 1, show=_algorithm))
    node.add(Node("dns.rrsig.labels", "Labels", u(pos + 3, 1), pos + 3, 1))
    node.add(Node("dns.rrsig.original_ttl", "Original TTL", u(pos + 4, 4), pos + 4, 4, show=ttl_text))
    node.add(Node("dns.rrsig.signature_expiration", "Signature Expiration", float(u(pos + 8, 4)), pos + 8, 4,
                  show=_signature_time))
    node.add(Node("dns.rrsig.signature_inception", "Signature Inception", float(u(pos + 12, 4)), pos + 12, 4,
                  show=_signature_time))
    node.add(Node("dns.rrsig.key_tag", "Key Tag", u(pos + 16, 2), pos + 16, 2))
    _, after = msg.name(node, "dns.rrsig.signers_name", "Signer's name", pos + 18)
    if after < end:
        node.add(Node("dns.rrsig.signature", "Signature", bytes(msg.buf[after:end]), after, end - after,
                      show=bytes.hex))
    return "", ""


def _ds(msg: _Msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 5.1: the key a delegation trusts, by tag, algorithm and digest."""
    u = msg.u
    node.add(Node("dns.ds.key_id", "Key id", u(pos, 2), pos, 2, show=lambda v: f"0x{v:04x}"))
    node.add(Node("dns.ds.algorithm", "Algorithm", u(pos + 2, 1), pos + 2, 1, show=_algorithm))
    node.add(Node("dns.ds.digest_type", "Digest Type", u(pos + 3, 1), pos + 3, 1,
                  show=named(DS_DIGESTS)))
    if end > pos + 4:
        node.add(Node("dns.ds.digest", "Digest", bytes(msg.buf[pos + 4:end]), pos + 4, end - pos - 4, show=bytes.hex))
    return "", ""


KEY_FLAGS = (F("dns.dnskey.flags.zone_key", "Zone Key", 0, 2, mask=0x0100,
                show=("This it not a zone key", "This is the zone key for specified zone").__getitem__),
             F("dns.dnskey.flags.key_revoked", "Key Revoked", 0, 2, mask=0x0080, show=("No", "Yes").__getitem__),
             F("dns.dnskey.flags.secure_entry_point", "Key Signing Key", 0, 2, mask=0x0001,
               show=("No", "Yes").__getitem__),
             F("dns.dnskey.flags.reserved", "Key Signing Key", 0, 2, mask=0xFE7E, show=lambda v: f"0x{v:04x}"))


def key_tag(rdata: bytes) -> int:
    """RFC 4034 appendix B: the tag a DNSKEY is known by (RSA/MD5 keys: from the modulus' end)."""
    if rdata[3] == 1:
        return int.from_bytes(rdata[-3:-1], "big") if len(rdata) >= 7 else 0
    total = sum(int.from_bytes(rdata[i:i + 2].ljust(2, b"\0"), "big") for i in range(0, len(rdata), 2))
    total += (total >> 16) & 0xFFFF
    return total & 0xFFFF


def _dnskey(msg: _Msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 2.1: the key's flags, protocol and algorithm, its tag, the key."""
    flags = node.add(Node("dns.dnskey.flags", "Flags", msg.u(pos, 2), pos, 2, show=lambda v: f"0x{v:04x}"))
    for f in KEY_FLAGS:
        flags.field(f, msg.buf, pos)
    node.add(Node("dns.dnskey.protocol", "Protocol", msg.u(pos + 2, 1), pos + 2, 1))
    node.add(Node("dns.dnskey.algorithm", "Algorithm", msg.u(pos + 3, 1), pos + 3, 1, show=_algorithm))
    node.add(Node("dns.dnskey.key_id", "Key id", key_tag(bytes(msg.buf[pos:end])), pos, 0))
    if end > pos + 4:
        node.add(Node("dns.dnskey.public_key", "Public Key", bytes(msg.buf[pos + 4:end]), pos + 4, end - pos - 4,
                      show=bytes.hex))
    return "", ""


def _nsec(msg: _Msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 4.1: the next owner name, then the types it has, window by window."""
    name, at = msg.name(node, "dns.nsec.next_domain_name", "Next Domain Name", pos)
    _type_bitmap(node, msg.buf, at, end)
    return f"next domain name {name}", name


def _soa(msg: _Msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    mname, pos = msg.name(node, "dns.soa.mname", "Primary name server", pos)
    _, pos = msg.name(node, "dns.soa.rname", "Responsible authority's mailbox", pos)
    for field, label in (("dns.soa.serial_number", "Serial Number"),
                         ("dns.soa.refresh_interval", "Refresh Interval"),
                         ("dns.soa.retry_interval", "Retry Interval"), ("dns.soa.expire_limit", "Expire limit"),
                         ("dns.soa.minimum_ttl", "Minimum TTL")):
        node.add(Node(field, label, msg.u(pos, 4), pos, 4, show=None if field == "dns.soa.serial_number" else ttl_text))
        pos += 4
    return f"mname {mname}", mname


def _strings(field: str, label: str, length_field: str, length_label: str):
    """TXT and SPF: <character-string>s, each with its length, to the end of the data."""
    def walk(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
        while pos < end:
            _, pos = _counted(msg, node, field, label, length_field, length_label, pos, msg.mdns and field == "dns.txt")
        return "", ""
    return walk


_txt = _strings("dns.txt", "TXT", "dns.txt.length", "TXT Length")


def _hinfo(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    cpu, pos = _counted(msg, node, "dns.hinfo.cpu", "CPU", "dns.hinfo.cpu_length", "CPU Length", pos)
    os_, _ = _counted(msg, node, "dns.hinfo.os", "OS", "dns.hinfo.os_length", "OS Length", pos)
    return f"CPU {cpu}, OS {os_}", f"{cpu} {os_}"


def _wks(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 1035 3.4.2: an address, a protocol, and a bit per port it serves."""
    msg.need(pos, 5)
    address = socket.inet_ntoa(bytes(msg.buf[pos:pos + 4]))
    node.add(Node("dns.wks.address", "Address", address, pos, 4))
    node.add(Node("dns.wks.protocol", "Protocol", msg.buf[pos + 4], pos + 4, 1, show=show_protocol))
    for i in range(pos + 5, end):
        bits = msg.u(i, 1)
        if bits:
            ports = ", ".join(str((i - pos - 5) * 8 + b) for b in range(8) if bits & (0x80 >> b))
            node.add(Node("dns.wks.bits", "Bits", bits, i, 1, show=lambda v, p=ports: f"0x{v:02x} ({p})"))
    return f"addr {address}", address


def _x25(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _counted(msg, node, "dns.x25.psdn_address", "PSDN-Address", "dns.x25.length", "Length", pos)
    return "", owner


def _isdn(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _, pos = _counted(msg, node, "dns.idsn.address", "ISDN Address", "dns.idsn.length", "Length", pos)
    if end - pos > 1:                   # the subaddress is optional
        _counted(msg, node, "dns.idsn.sa.address", "Sub Address", "dns.idsn.sa.length", "Length", pos)
    return "", owner


def _gpos(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    for what in ("longitude", "latitude", "altitude"):
        _, pos = _counted(msg, node, f"dns.gpos.{what}", what.title(), f"dns.gpos.{what}_length",
                          f"{what.title()} length", pos)
    return "", owner


def _loc_size(value: int) -> str:
    """RFC 1876 size and precision: a digit and a power of ten, in cm; shown in metres as C's %g."""
    return f"{value} ({((value >> 4) * 10 ** (value & 0xF)) / 100:g} m)"


def _loc_angle(longitude: bool):
    def show(value: int) -> str:
        if value < 0x80000000:
            angle, way = 0x80000000 - value, "W" if longitude else "S"
        else:
            angle, way = value - 0x80000000, "E" if longitude else "N"
        if angle > (648000000 if longitude else 324000000):
            return f"{value} (Value out of range)"
        thousandths, angle = angle % 1000, angle // 1000
        return f"{value} ({angle // 3600} deg {angle // 60 % 60} min {angle % 60}.{thousandths:03d} sec {way})"
    return show


def _loc(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 1876: version 0's size, precisions, latitude, longitude and altitude."""
    version = msg.u(pos, 1)
    node.add(Node("dns.loc.version", "Version", version, pos, 1))
    if version:
        _bytes(node, "dns.loc.unknown_data", "Unknown data", msg.buf, pos, end)
        return "", ""
    msg.need(pos, 16)
    for i, (field, label) in enumerate((("dns.loc.size", "Size"),
                                        ("dns.loc.horizontal_precision", "Horizontal Precision"),
                                        ("dns.loc.vertical_precision", "Vertical Precision"))):
        node.add(Node(field, label, msg.buf[pos + 1 + i], pos + 1 + i, 1, show=_loc_size))
    node.add(Node("dns.loc.latitude", "Latitude", msg.u(pos + 4, 4), pos + 4, 4, show=_loc_angle(False)))
    node.add(Node("dns.loc.longitude", "Longitude", msg.u(pos + 8, 4), pos + 8, 4, show=_loc_angle(True)))
    altitude = msg.u(pos + 12, 4)
    signed = altitude - (1 << 32) if altitude & 0x80000000 else altitude
    node.add(Node("dns.loc.altitude", "Altitude", altitude, pos + 12, 4,
                  show=lambda v: f"{v} ({(signed - 10000000) / 100:g} m)"))
    return "", ""


def _type_bitmap(node: Node, buf, at: int, end: int, windows: bool = True) -> None:
    """The types an NSEC, NSEC3 or CSYNC record names (RFC 4034 4.1.2), window by window; NXT's
    (RFC 2535 5.2) is one bitmap from type 0."""
    while at < end:
        if windows:
            if at + 2 > end:
                return
            base, size = buf[at] * 256, buf[at + 1]
            at += 2
        else:
            base, size = 0, end - at
        for i, byte in enumerate(buf[at:min(at + size, end)]):
            for bit in range(8):
                if byte & (0x80 >> bit):
                    rtype = base + i * 8 + bit
                    node.add(Node("dns.resp.type", f"RR type in bit map: {TYPE_LINES.get(rtype, f'Unknown ({rtype})')}",
                                  rtype, at + i, 1, text=""))
        at += size


def _nxt(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    name, at = msg.name(node, "dns.nxt.next_domain_name", "Next Domain Name", pos)
    _type_bitmap(node, msg.buf, at, end, windows=False)
    return f"next domain name {name}", name


def _srv(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 2782: priority, weight, port and target."""
    values = []
    for i, (field, label) in enumerate((("dns.srv.priority", "Priority"), ("dns.srv.weight", "Weight"),
                                        ("dns.srv.port", "Port"))):
        values.append(msg.u(pos + 2 * i, 2))
        node.add(Node(field, label, values[-1], pos + 2 * i, 2))
    target, _ = msg.name(node, "dns.srv.target", "Target", pos + 6)
    priority, weight, port = values
    return (f"priority {priority}, weight {weight}, port {port}, target {target}",
            f"{priority} {weight} {port} {target}")


def _naptr(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 3403: order, preference, flags, service, regular expression, replacement."""
    order, preference = msg.u(pos, 2), msg.u(pos + 2, 2)
    node.add(Node("dns.naptr.order", "Order", order, pos, 2))
    node.add(Node("dns.naptr.preference", "Preference", preference, pos + 2, 2))
    flags, pos = _counted(msg, node, "dns.naptr.flags", "Flags", "dns.naptr.flags_length", "Flags Length", pos + 4)
    _, pos = _counted(msg, node, "dns.naptr.service", "Service", "dns.naptr.service_length", "Service Length", pos)
    _, pos = _counted(msg, node, "dns.naptr.regex", "Regex", "dns.naptr.regex_length", "Regex Length", pos)
    name = msg.read(pos)
    node.add(Node("dns.naptr.replacement_length", "Replacement Length", name.length, pos, 0))
    msg.add(node, "dns.naptr.replacement", "Replacement", pos, name)
    return f"order {order}, preference {preference}, flags {flags}", f"{order} {preference} {flags}"


def _cert(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 4398: the certificate's type, key tag and algorithm, then the certificate."""
    node.add(Node("dns.cert.type", "Type", msg.u(pos, 2), pos, 2, show=named(CERT_TYPES)))
    node.add(Node("dns.cert.key_tag", "Key Tag", msg.u(pos + 2, 2), pos + 2, 2, show=_hex(4)))
    node.add(Node("dns.cert.algorithm", "Algorithm", msg.u(pos + 4, 1), pos + 4, 1, show=_algorithm))
    if end > pos + 5:
        _bytes(node, "dns.cert.certificate", "Certificate (or CRL)", msg.buf, pos + 5, end)
    return "", ""


def _a6(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 2874: a prefix length, the address' last bits, the name of the prefix."""
    prefix = msg.u(pos, 1)
    node.add(Node("dns.a6.prefix_len", "Prefix len", prefix, pos, 1))
    size = (128 - prefix - 1) // 8 + 1 if prefix < 128 else 0
    msg.need(pos + 1, size)
    suffix = socket.inet_ntop(socket.AF_INET6, bytes(16 - size) + bytes(msg.buf[pos + 1:pos + 1 + size]))
    if size:
        node.add(Node("dns.a6.address_suffix", "Address Suffix", suffix, pos + 1, size))
    name = ""
    if prefix:
        name, _ = msg.name(node, "dns.a6.prefix_name", "Prefix name", pos + 1 + size)
    return f"addr {prefix} {suffix} {name}", f"{prefix} {suffix} {name}"


def _dname(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    name, _ = msg.name(node, "dns.dname", "Dname", pos)
    return f"dname {name}", name


APL_NEGATION = F("dns.apl.negation", "Negation Flag", 0, 1, mask=0x80, show=("No (0)", "Yes (!)").__getitem__)
APL_LENGTH = F("dns.apl.afdlength", "Address Length", 0, 1, mask=0x7F)


def _apl(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 3123: address prefixes, each with its family, length, negation and address bytes."""
    while end - pos > 1:
        family = msg.u(pos, 2)
        node.add(Node("dns.apl.address_family", "Address Family", family, pos, 2, show=named(FAMILIES)))
        node.add(Node("dns.apl.coded_prefix", "Prefix Length", msg.u(pos + 2, 1), pos + 2, 1))
        node.field(APL_NEGATION, msg.buf, pos + 3)
        size = msg.u(pos + 3, 1) & 0x7F
        node.field(APL_LENGTH, msg.buf, pos + 3)
        pos += 4
        msg.need(pos, size)
        raw = bytes(msg.buf[pos:pos + size])
        if family == 1 and size <= 4:
            node.add(Node("dns.apl.afdpart.ipv4", "Address", socket.inet_ntoa(raw.ljust(4, b"\0")), pos, size))
        elif family == 2 and size <= 16:
            node.add(Node("dns.apl.afdpart.ipv6", "Address", socket.inet_ntop(socket.AF_INET6, raw.ljust(16, b"\0")),
                          pos, size))
        else:
            _bytes(node, "dns.apl.afdpart.data", "Address", msg.buf, pos, pos + size)
        pos += size
    return "", owner


def _sshfp(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 4255: the key's algorithm, the fingerprint's type, the fingerprint."""
    node.add(Node("dns.sshfp.algorithm", "Algorithm", msg.u(pos, 1), pos, 1, show=named(SSHFP_ALGORITHMS)))
    node.add(Node("dns.sshfp.fingerprint.type", "Fingerprint type", msg.u(pos + 1, 1), pos + 1, 1,
                  show=named(SSHFP_TYPES)))
    if end > pos + 2:
        _bytes(node, "dns.sshfp.fingerprint", "Fingerprint", msg.buf, pos + 2, end)
    return "", ""


def _ipseckey(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 4025: precedence, gateway type and algorithm, the gateway, the public key."""
    kind = msg.u(pos + 1, 1)
    node.add(Node("dns.ipseckey.gateway_precedence", "Gateway Precedence", msg.u(pos, 1), pos, 1))
    node.add(Node("dns.ipseckey.gateway_type", "Gateway Type", kind, pos + 1, 1, show=named(IPSECKEY_GATEWAYS)))
    node.add(Node("dns.ipseckey.gateway_algorithm", "Gateway Algorithm", msg.u(pos + 2, 1), pos + 2, 1,
                  show=named(IPSECKEY_ALGORITHMS)))
    pos += 3
    if kind == 1:
        msg.need(pos, 4)
        node.add(Node("dns.ipseckey.gateway_ipv4", "IPv4 Gateway", socket.inet_ntoa(bytes(msg.buf[pos:pos + 4])),
                      pos, 4))
        pos += 4
    elif kind == 2:
        msg.need(pos, 16)
        node.add(Node("dns.ipseckey.gateway_ipv6", "IPv6 Gateway",
                      socket.inet_ntop(socket.AF_INET6, bytes(msg.buf[pos:pos + 16])), pos, 16))
        pos += 16
    elif kind == 3:
        _, pos = msg.name(node, "dns.ipseckey.gateway_dns", "DNS Gateway", pos)
    if end > pos:
        _bytes(node, "dns.ipseckey.public_key", "Public Key", msg.buf, pos, end)
    return "", ""


NSEC3_OPT_OUT = F("dns.nsec3.flags.opt_out", "NSEC3 Opt-out flag", 0, 1, mask=0x01,
                  show=("Additional insecure delegations forbidden",
                        "Additional insecure delegations allowed").__getitem__)
BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def base32hex(raw: bytes) -> str:
    """RFC 4648 section 7, lower case and unpadded, as tshark writes NSEC3's next hashed owner."""
    count = (len(raw) * 8 + 4) // 5
    total = count * 5
    bits = int.from_bytes(raw, "big") << (total - len(raw) * 8)
    return "".join(BASE32HEX[(bits >> (total - 5 * (i + 1))) & 31] for i in range(count))


def _nsec3(msg: _Msg, node: Node, pos: int, end: int, owner: str, param: bool = False) -> tuple[str, str]:
    """RFC 5155: hash algorithm, flags, iterations, salt; an NSEC3's next hashed owner and its types."""
    node.add(Node("dns.nsec3.algo", "Hash algorithm", msg.u(pos, 1), pos, 1, show=named(NSEC3_HASHES)))
    flags = node.add(Node("dns.nsec3.flags", "NSEC3 flags", msg.u(pos + 1, 1), pos + 1, 1))
    if not param:
        flags.field(NSEC3_OPT_OUT, msg.buf, pos + 1)
    node.add(Node("dns.nsec3.iterations", "NSEC3 iterations", msg.u(pos + 2, 2), pos + 2, 2))
    salt = msg.u(pos + 4, 1)
    node.add(Node("dns.nsec3.salt_length", "Salt length", salt, pos + 4, 1))
    msg.need(pos + 5, salt)
    _bytes(node, "dns.nsec3.salt_value", "Salt value", msg.buf, pos + 5, pos + 5 + salt)
    if param:
        return "", owner
    pos += 5 + salt
    size = msg.u(pos, 1)
    node.add(Node("dns.nsec3.hash_length", "Hash length", size, pos, 1))
    pos += 1
    if size:
        msg.need(pos, size)
        owner_hash = base32hex(bytes(msg.buf[pos:pos + size]))
        node.add(Node("dns.nsec3.hash_value", "Next hashed owner", owner_hash, pos, size))
        pos += size
    _type_bitmap(node, msg.buf, pos, end)
    return "", ""


def _tlsa(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 6698: usage, selector, matching type, the data the certificate must match."""
    for i, (field, label, names) in enumerate(TLSA_FIELDS):
        node.add(Node(field, label, msg.u(pos + i, 1), pos + i, 1, show=named(names)))
    _bytes(node, "dns.tlsa.certificate_association_data", "Certificate Association Data", msg.buf, pos + 3, end)
    return "", owner


def _hip(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8005: the HIT and public key with their lengths and algorithm, the rendezvous servers."""
    hit, key = msg.u(pos, 1), msg.u(pos + 2, 2)
    node.add(Node("dns.hip.hit.length", "HIT length", hit, pos, 1))
    node.add(Node("dns.hip.hit.pk.algo", "HIT length", msg.u(pos + 1, 1), pos + 1, 1, show=named(HIP_ALGORITHMS)))
    node.add(Node("dns.hip.pk.length", "PK length", key, pos + 2, 2))
    pos += 4
    msg.need(pos, hit + key)
    _bytes(node, "dns.hip.hit", "Host Identity Tag", msg.buf, pos, pos + hit)
    _bytes(node, "dns.hip.pk", "HIP Public Key", msg.buf, pos + hit, pos + hit + key)
    pos += hit + key
    while end - pos > 1:
        _, pos = msg.name(node, "dns.hip.rendezvous_server", "Rendezvous Server", pos)
    return "", owner


def _openpgpkey(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _string(node, "dns.openpgpkey", "OpenPGP Key", bytes(msg.buf[pos:end]), pos)
    return "", ""


CSYNC_FLAGS = (F("dns.csync.flags.immediate", "immediate", 0, 2, mask=0x0001, show=("False", "True").__getitem__),
               F("dns.csync.flags.soaminimum", "soaminimum", 0, 2, mask=0x0002, show=("False", "True").__getitem__))


def _csync(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 7477: the SOA serial, flags, and the types to synchronise."""
    node.add(Node("dns.csync.soa", "SOA", msg.u(pos, 4), pos, 4))
    flags = node.add(Node("dns.csync.flags", "Flags", msg.u(pos + 4, 2), pos + 4, 2, show=_hex(4)))
    for f in CSYNC_FLAGS:
        flags.field(f, msg.buf, pos + 4)
    _bytes(node, "dns.csync.type_bitmap", "Type Bitmap", msg.buf, pos + 6, end)
    _type_bitmap(node, msg.buf, pos + 6, end)
    return "", ""


def _zonemd(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8976: the zone's serial, the digest's scheme and hash algorithm, the digest."""
    node.add(Node("dns.zonemd.serial", "Serial", msg.u(pos, 4), pos, 4))
    node.add(Node("dns.zonemd.scheme", "Scheme", msg.u(pos + 4, 1), pos + 4, 1,
                  show=named(ZONEMD_SCHEMES, "Unassigned")))
    node.add(Node("dns.zonemd.hash_algo", "Hash Algorithm", msg.u(pos + 5, 1), pos + 5, 1,
                  show=named(ZONEMD_HASHES, "Unassigned")))
    _bytes(node, "dns.zonemd.digest", "Digest", msg.buf, pos + 6, end)
    return "", ""


def _svcb(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 9460: priority, target, and each parameter with its value read as its key says."""
    node.add(Node("dns.svcb.svcpriority", "SvcPriority", msg.u(pos, 2), pos, 2))
    _, pos = msg.name(node, "dns.svcb.targetname", "TargetName", pos + 2)
    while pos < end:
        key, size = msg.u(pos, 2), msg.u(pos + 2, 2)
        param = node.add(Node("dns.svcb.svcparam", "SvcParam", None, pos, 4 + size))
        param.add(Node("dns.svcb.svcparam.key", "SvcParamKey", key, pos, 2, show=named(SVC_KEYS)))
        param.add(Node("dns.svcb.svcparam.value.length", "SvcParamValue length", size, pos + 2, 2))
        pos += 4
        msg.need(pos, size)
        words = []
        if key == 0:
            for at in range(pos, pos + size - 1, 2):
                value = msg.u(at, 2)
                param.add(Node("dns.svcb.svcparam.mandatory.key", "Mandatory key", value, at, 2, show=named(SVC_KEYS)))
                words.append(SVC_KEYS.get(value, f"key{value}"))
        elif key == 1:
            at = pos
            while at < pos + size:
                alpn, at = _counted(msg, param, "dns.svcb.svcparam.alpn", "ALPN", "dns.svcb.svcparam.alpn.length",
                                    "ALPN length", at)
                words.append(alpn)
        elif key == 3 and size >= 2:
            value = msg.u(pos, 2)
            param.add(Node("dns.svcb.svcparam.port", "Port", value, pos, 2))
            words.append(str(value))
        elif key in (4, 6):
            width, family, field = (4, socket.AF_INET, "ipv4hint") if key == 4 else (16, socket.AF_INET6, "ipv6hint")
            for at in range(pos, pos + size - width + 1, width):
                text = socket.inet_ntop(family, bytes(msg.buf[at:at + width]))
                param.add(Node(f"dns.svcb.svcparam.{field}.ip", "IP", text, at, width))
                words.append(text)
        elif key in (5, 32769):
            text = base64.b64encode(bytes(msg.buf[pos:pos + size])).decode()
            field, label = ("echconfig", "ECHConfig") if key == 5 else ("odohconfig", "ODoHConfig")
            param.add(Node(f"dns.svcb.svcparam.{field}", label, bytes(msg.buf[pos:pos + size]), pos, size, text=text))
            words.append(text)
        elif key != 2 and size:
            _bytes(param, "dns.svcb.svcparam.value", "SvcParamValue", msg.buf, pos, pos + size)
            words.append(utf8_text(bytes(msg.buf[pos:pos + size])))
        name = SVC_KEYS.get(key, f"key{key}")
        param.label = f"SvcParam: {name}" + ("=" + ",".join(words) if words else "")
        pos += size
    return "", ""


_spf = _strings("dns.spf", "SPF", "dns.spf.length", "SPF Length")


def _ilnp(kind: str, label: str, size: int):
    """RFC 6742: a preference, then a node identifier, a locator or a locator's name."""
    def walk(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
        node.add(Node(f"dns.ilnp.{kind}.preference", "Preference", msg.u(pos, 2), pos, 2))
        pos += 2
        if kind == "lp":
            msg.name(node, "dns.ilnp.lp", label, pos)
        elif kind == "l32":
            msg.need(pos, 4)
            node.add(Node("dns.ilnp.l32", label, socket.inet_ntoa(bytes(msg.buf[pos:pos + 4])), pos, 4))
        else:
            msg.need(pos, size)
            _bytes(node, f"dns.ilnp.{kind}", label, msg.buf, pos, pos + size)
        return "", ""
    return walk


def _eui(size: int):
    def walk(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
        msg.need(pos, size)
        text = ":".join(f"{b:02x}" for b in msg.buf[pos:pos + size])
        node.add(Node(f"dns.eui{size * 8}", f"EUI{size * 8} Address", text, pos, size,
                      text=text if size == 6 else f"{text} ({text})"))
        return "", ""
    return walk


KEY_FLAG_BITS = (
    F("dns.key.flags.authentication", "Key allowed for authentication", 0, 2, mask=0x8000,
      show=("Allowed", "Not Allowed").__getitem__),
    F("dns.key.flags.confidentiality", "Key allowed for confidentiality", 0, 2, mask=0x4000,
      show=("Allowed", "Not Allowed").__getitem__),
    F("dns.key.flags.required", "Key required", 0, 2, mask=0x2000,
      show=("Required", "Experimental or optional").__getitem__),
    F("dns.key.flags.associated_user", "Key is associated with a user", 0, 2, mask=0x0400,
      show=("No", "Yes").__getitem__),
    F("dns.key.flags.associated_named_entity", "Key is associated with the named entity", 0, 2, mask=0x0200,
      show=("No", "Yes").__getitem__),
    F("dns.key.flags.ipsec", "Key use with IPSEC", 0, 2, mask=0x0080, show=("Invalid", "Valid").__getitem__),
    F("dns.key.flags.mime", "Key use with MIME security multiparts", 0, 2, mask=0x0040,
      show=("Invalid", "Valid").__getitem__),
    F("dns.key.flags.signatory", "Signatory", 0, 2, mask=0x000F))


def _key(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 2535 3.1: the flags (the key's uses but for a "no key" record), protocol, algorithm, key."""
    value = msg.u(pos, 2)
    flags = node.add(Node("dns.key.flags", "Flags", value, pos, 2, show=_hex(4)))
    for f in KEY_FLAG_BITS if value & 0xC000 != 0xC000 else KEY_FLAG_BITS[:2]:
        flags.field(f, msg.buf, pos)
    node.add(Node("dns.key.protocol", "Protocol", msg.u(pos + 2, 1), pos + 2, 1))
    node.add(Node("dns.key.algorithm", "Algorithm", msg.u(pos + 3, 1), pos + 3, 1, show=_algorithm))
    node.add(Node("dns.key.key_id", "Key ID", key_tag(bytes(msg.buf[pos:end])), pos, 0))
    if end > pos + 4:
        _bytes(node, "dns.key.public_key", "Public Key", msg.buf, pos + 4, end)
    return "", ""


def _tkey(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 2930: algorithm, validity, mode, error, the key and other data."""
    _, pos = msg.name(node, "dns.tkey.algo_name", "Algorithm name", pos)
    node.add(Node("dns.tkey.signature_inception", "Signature Inception", float(msg.u(pos, 4)), pos, 4,
                  show=_signature_time))
    node.add(Node("dns.tkey.signature_expiration", "Signature Expiration", float(msg.u(pos + 4, 4)), pos + 4, 4,
                  show=_signature_time))
    node.add(Node("dns.tkey.mode", "Mode", msg.u(pos + 8, 2), pos + 8, 2, show=named(TKEY_MODES)))
    node.add(Node("dns.tkey.error", "Error", msg.u(pos + 10, 2), pos + 10, 2, show=named(RCODES)))
    size = msg.u(pos + 12, 2)
    node.add(Node("dns.tkey.key_size", "Key Size", size, pos + 12, 2))
    pos += 14
    if size:
        msg.need(pos, size)
        _bytes(node, "dns.tkey.key_data", "Key Data", msg.buf, pos, pos + size)
        pos += size
    other = msg.u(pos, 2)
    node.add(Node("dns.tkey.other_size", "Other Size", other, pos, 2))
    if other:
        msg.need(pos + 2, other)
        _bytes(node, "dns.tkey.other_data", "Other Data", msg.buf, pos + 2, pos + 2 + other)
    return "", ""


def _tsig(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8945: algorithm, time signed, fudge, the MAC, original id, error, other data."""
    _, pos = msg.name(node, "dns.tsig.algorithm_name", "Algorithm Name", pos)
    node.add(Node("dns.tsig.time_signed", "Time Signed", float(msg.u(pos, 6)), pos, 6, show=_signature_time))
    node.add(Node("dns.tsig.fudge", "Fudge", msg.u(pos + 6, 2), pos + 6, 2))
    size = msg.u(pos + 8, 2)
    node.add(Node("dns.tsig.mac_size", "MAC Size", size, pos + 8, 2))
    pos += 10
    if size:
        msg.need(pos, size)
        node.add(Node("dns.tsig.mac", "MAC", None, pos, size))
        pos += size
    node.add(Node("dns.tsig.original_id", "Original Id", msg.u(pos, 2), pos, 2))
    node.add(Node("dns.tsig.error", "Error", msg.u(pos + 2, 2), pos + 2, 2, show=named(RCODES)))
    other = msg.u(pos + 4, 2)
    node.add(Node("dns.tsig.other_len", "Other Len", other, pos + 4, 2))
    if other:
        msg.need(pos + 6, other)
        _bytes(node, "dns.tsig.other_data", "Other Data", msg.buf, pos + 6, pos + 6 + other)
    return "", ""


CAA_CRITICAL = F("dns.caa.flags.issuer_critical", "Issuer Critical", 0, 1, mask=0x80,
                 show=("Not critical", "Critical").__getitem__)
CAA_TAGS = {"issue": ("dns.caa.issue", "Issue"), "issuewild": ("dns.caa.issuewild", "Issue Wildcard"),
            "iodef": ("dns.caa.iodef", "Report URL")}


def _caa(msg: _Msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8659: flags, then a tag and its value, under a line named for the tag."""
    flags = node.add(Node("dns.caa.flags", "CAA Flags", msg.u(pos, 1), pos, 1, show=_hex(2)))
    flags.field(CAA_CRITICAL, msg.buf, pos)
    size = msg.u(pos + 1, 1)
    msg.need(pos + 2, size)
    tag_raw = bytes(msg.buf[pos + 2:pos + 2 + size])
    value_raw = bytes(msg.buf[pos + 2 + size:end])
    field, label = CAA_TAGS.get(tag_raw.decode("latin-1"), ("dns.caa.unknown", "Unknown tag"))
    value = ascii_value(value_raw)
    line = node.add(Node(field, label, value, pos + 1, end - pos - 1, text=ascii_shown(value)))
    line.add(Node("dns.caa.tag_length", "Tag length", size, pos + 1, 1))
    _string(line, "dns.caa.tag", "Tag", tag_raw, pos + 2)
    _string(line, "dns.caa.value", "Value", value_raw, pos + 2 + size)
    return "", ""


CERT_TYPES = {1: "PKIX", 2: "SPKI", 3: "PGP", 4: "IPKIX", 5: "ISPKI", 6: "IPGP", 7: "ACPKIX", 8: "IACPKIX",
              253: "Private, URI", 254: "Private, OID"}
SSHFP_ALGORITHMS = {0: "Reserved", 1: "RSA", 2: "DSA", 3: "ECDSA", 4: "Ed25519", 5: "XMSS"}
SSHFP_TYPES = {0: "Reserved", 1: "SHA1", 2: "SHA256"}
IPSECKEY_GATEWAYS = {0: "No Gateway", 1: "IPv4 Gateway", 2: "IPv6 Gateway", 3: "DNS Gateway"}
IPSECKEY_ALGORITHMS = {1: "DSA", 2: "RSA"}
TLSA_FIELDS = (("dns.tlsa.certificate_usage", "Certificate Usage",
                {0: "CA constraint (PKIX-TA)", 1: "Service certificate constraint (PKIX-EE)",
                 2: "Trust anchor assertion (DANE-TA)", 3: "Domain-issued certificate (DANE-EE)"}),
               ("dns.tlsa.selector", "Selector", {0: "Full certificate (Cert)", 1: "SubjectPublicKeyInfo (SPKI)"}),
               ("dns.tlsa.matching_type", "Matching Type",
                {0: "No Hash Used (Full)", 1: "256 bit hash by SHA2 (SHA2-256)", 2: "512 bit hash by SHA2 (SHA2-512)"}))
HIP_ALGORITHMS = {0: "Reserved", 1: "DSA", 2: "RSA"}
ZONEMD_SCHEMES = {1: "SIMPLE"}
ZONEMD_HASHES = {1: "SHA-384", 2: "SHA-512"}
SVC_KEYS = {0: "mandatory", 1: "alpn", 2: "no-default-alpn", 3: "port", 4: "ipv4hint", 5: "echconfig",
            6: "ipv6hint", 32769: "odohconfig", 65535: "key65535"}
TKEY_MODES = {1: "Server assigned", 2: "Diffie Hellman", 3: "GSSAPI", 4: "Resolver assigned", 5: "Delete"}

# types whose data is names and 16-bit numbers: (kind, field, label) in order; tshark's Info names the owner
NAMED_DATA = {
    3: (("name", "dns.md", "Mail Destination"),), 4: (("name", "dns.mf", "Mail Forwarder"),),
    7: (("name", "dns.mb", "MailBox Domaine"),), 8: (("name", "dns.mg", "Mail Group member"),),
    9: (("name", "dns.mr", "Mail Rename domaine"),),
    14: (("name", "dns.minfo.r", "Responsible Mailbox"), ("name", "dns.minfo.e", "Error Mailbox")),
    17: (("name", "dns.rp.mailbox", "Mailbox"), ("name", "dns.rp.txt_rr", "TXT RR")),
    18: (("u16", "dns.afsdb.subtype", "Subtype"), ("name", "dns.afsdb.hostname", "Hostname")),
    21: (("u16", "dns.rt.subtype", "Preference"), ("name", "dns.rt.intermediate_host", "Intermediate Hostname")),
    23: (("name", "dns.nsap_ptr.owner", "Owner"),),
    26: (("u16", "dns.px.preference", "Preference"), ("name", "dns.px.map822", "MAP822"),
         ("name", "dns.px.map400", "MAPX400")),
}
# types whose data tshark shows as one byte string, the Info word the owner's name
OWNER_BYTES = {10: ("dns.null", "Null (data)"), 22: ("dns.nsap.rdata", "NSAP Data"),
               49: ("dns.dhcid.rdata", "DHCID Data")}
RDATA = {
    TYPE_SOA: lambda msg, node, pos, end, owner: _soa(msg, node, pos, end),
    TYPE_TXT: _txt, 99: _spf, 13: _hinfo, 11: _wks, 19: _x25, 20: _isdn, 27: _gpos, 29: _loc, 30: _nxt,
    33: _srv, 35: _naptr, 37: _cert, 38: _a6, 39: _dname, 42: _apl, 44: _sshfp, 45: _ipseckey,
    50: _nsec3, 51: lambda msg, node, pos, end, owner: _nsec3(msg, node, pos, end, owner, param=True),
    52: _tlsa, 55: _hip, 61: _openpgpkey, 62: _csync, 63: _zonemd, 64: _svcb, 65: _svcb,
    104: _ilnp("nid", "NodeID", 8), 105: _ilnp("l32", "Locator32", 4), 106: _ilnp("l64", "Locator64", 8),
    107: _ilnp("lp", "Locator FQDN", 0), 108: _eui(6), 109: _eui(8), 25: _key, 249: _tkey, 250: _tsig, 257: _caa,
    **{t: lambda msg, node, pos, end, owner: _rrsig(msg, node, pos, end) for t in (TYPE_RRSIG, 24)},
    **{t: lambda msg, node, pos, end, owner: _ds(msg, node, pos, end) for t in (TYPE_DS, 59, 32769)},
    **{t: lambda msg, node, pos, end, owner: _dnskey(msg, node, pos, end) for t in (TYPE_DNSKEY, 60)},
    TYPE_NSEC: lambda msg, node, pos, end, owner: _nsec(msg, node, pos, end),
}


# the integer fields of record data, as header definitions so that display filters know them
# (their nodes are made where the data is read; a one-bit mask makes a Boolean)
RECORD_INTEGERS = tuple(F(name, "", 0, 0) for name in """
    dns.a6.prefix_len dns.afsdb.subtype dns.apl.address_family dns.apl.coded_prefix dns.caa.flags
    dns.caa.tag_length dns.cert.algorithm dns.cert.key_tag dns.cert.type dns.csync.flags dns.csync.soa
    dns.gpos.altitude_length dns.gpos.latitude_length dns.gpos.longitude_length dns.hinfo.cpu_length
    dns.hinfo.os_length dns.hip.hit.length dns.hip.hit.pk.algo dns.hip.pk.length dns.idsn.length
    dns.idsn.sa.length dns.ilnp.l32.preference dns.ilnp.l64.preference dns.ilnp.lp.preference
    dns.ilnp.nid.preference dns.ipseckey.gateway_algorithm dns.ipseckey.gateway_precedence
    dns.ipseckey.gateway_type dns.key.algorithm dns.key.flags dns.key.key_id dns.key.protocol
    dns.kx.preference dns.loc.altitude dns.loc.horizontal_precision dns.loc.latitude dns.loc.longitude
    dns.loc.size dns.loc.version dns.loc.vertical_precision dns.mx.preference dns.naptr.flags_length
    dns.naptr.order dns.naptr.preference dns.naptr.regex_length dns.naptr.replacement_length
    dns.naptr.service_length dns.nsec3.algo dns.nsec3.flags dns.nsec3.hash_length dns.nsec3.iterations
    dns.nsec3.salt_length dns.px.preference dns.rt.subtype dns.spf.length dns.srv.port dns.srv.priority
    dns.srv.weight dns.sshfp.algorithm dns.sshfp.fingerprint.type dns.svcb.svcparam.alpn.length
    dns.svcb.svcparam.key dns.svcb.svcparam.mandatory.key dns.svcb.svcparam.port
    dns.svcb.svcparam.value.length dns.svcb.svcpriority dns.tkey.error dns.tkey.key_size dns.tkey.mode
    dns.tkey.other_size dns.tlsa.certificate_usage dns.tlsa.matching_type dns.tlsa.selector dns.tsig.error
    dns.tsig.fudge dns.tsig.mac_size dns.tsig.original_id dns.tsig.other_len dns.txt.length dns.wks.bits
    dns.wks.protocol dns.x25.length dns.zonemd.hash_algo dns.zonemd.scheme dns.zonemd.serial
    """.split()) + (F("dns.qry.qu", '"QU" question', 0, 2, mask=0x8000),
                    F("dns.resp.cache_flush", "Cache flush", 0, 2, mask=0x8000))


def _opt(msg: _Msg, node: Node, pos: int, name: str) -> int:
    """An EDNS(0) OPT pseudo-record (RFC 6891) from its type field on; returns the end."""
    u = msg.u
    node.add(Node("dns.rr.udp_payload_size", "UDP payload size", u(pos + 2, 2), pos + 2, 2))
    node.add(Node("dns.resp.ext_rcode", "Higher bits in extended RCODE", u(pos + 4, 1), pos + 4, 1,
                  show=_hex(2)))
    node.add(Node("dns.resp.edns0_version", "EDNS0 version", u(pos + 5, 1), pos + 5, 1))
    z = node.add(Node("dns.resp.z", "Z", u(pos + 6, 2), pos + 6, 2, show=_hex(4)))
    z.add(Node("dns.resp.z.do", "DO bit", z.value >> 15, pos + 6, 2, 0x8000,
               show=("Cannot handle DNSSEC security RRs", "Accepts DNSSEC security RRs").__getitem__))
    z.add(Node("dns.resp.z.reserved", "Reserved", z.value & 0x7FFF, pos + 6, 2, 0x7FFF, _hex(4)))
    rdlen = u(pos + 8, 2)
    node.add(Node("dns.resp.len", "Data length", rdlen, pos + 8, 2))
    start, end = pos + 10, pos + 10 + rdlen
    if end > msg.end:
        raise _Stop("record data runs past the message")
    while start + 4 <= end:
        code, length = u(start, 2), u(start + 2, 2)
        title = f"Option: {edns_option_name(code)}"
        opt = node.add(Node("dns.opt", title, None, start, min(4 + length, end - start), text=title))
        opt.add(Node("dns.opt.code", "Option Code", code, start, 2, show=lambda v: edns_option_name(v) if v not in EDNS_OPTIONS else f"{EDNS_OPTIONS[v]} ({v})"))
        opt.add(Node("dns.opt.len", "Option Length", length, start + 2, 2))
        if start + 4 + length > end:
            raise _Stop("EDNS option runs past the record")
        data = bytes(msg.buf[start + 4:start + 4 + length])
        opt.add(Node("dns.opt.data", "Option Data", data, start + 4, length, show=bytes.hex))
        edns_option_fields(opt, code, data, start + 4)
        start += 4 + length
    node.label = f"{name}: type OPT"
    msg.words.append("OPT")
    return end


EDNS_OPTIONS = {0: "Reserved", 1: "LLQ - Long-lived query", 2: "UL - Update lease", 3: "NSID - Name Server Identifier",
                4: "Owner (reserved)", 5: "DAU - DNSSEC Algorithm Understood (RFC6975)",
                6: "DHU - DS Hash Understood (RFC6975)", 7: "N3U - NSEC3 Hash Understood (RFC6975)",
                8: "CSUBNET - Client subnet", 9: "EDNS EXPIRE (RFC7314)", 10: "COOKIE", 11: "EDNS TCP Keepalive",
                12: "PADDING", 13: "CHAIN", 15: "Extended DNS Error"}
DNSSEC_ALGORITHMS = {1: "RSA/MD5", 2: "Diffie-Hellman", 3: "DSA", 4: "Elliptic curve crypto", 5: "RSA/SHA1",
                     6: "DSA + NSEC3/SHA1", 7: "RSA/SHA1 + NSEC3/SHA1", 8: "RSA/SHA-256", 10: "RSA/SHA-512",
                     12: "GOST R 34.10-2001", 13: "ECDSA Curve P-256 with SHA-256",
                     14: "ECDSA Curve P-386 with SHA-386", 15: "Ed25519", 16: "Ed448", 157: "HMAC/MD5",
                     252: "Indirect key", 253: "Private, domain name", 254: "Private, OID"}
DS_DIGESTS = {0: "Reserved digest", 1: "SHA-1", 2: "SHA-256", 3: "GOST R 34.11-94", 4: "SHA-384"}
NSEC3_HASHES = {0: "Reserved", 1: "SHA-1"}
_algorithm = named(DNSSEC_ALGORITHMS)
UNDERSTOOD = {5: ("dns.opt.dau", "DAU", DNSSEC_ALGORITHMS), 6: ("dns.opt.dhu", "DHU", DS_DIGESTS),
              7: ("dns.opt.n3u", "N3U", NSEC3_HASHES)}
FAMILIES = {1: "IPv4", 2: "IPv6"}


def edns_option_name(code: int) -> str:
    return EDNS_OPTIONS.get(code, f"Unknown ({code})")


def edns_option_fields(opt: Node, code: int, data: bytes, at: int) -> None:
    """What tshark reads from an EDNS option's data (RFC 6975, 7828, 7871, 7873, 7830, 7901)."""
    length = len(data)
    if code == OPT_COOKIE and length >= 8:           # RFC 7873: client cookie, then the server's
        opt.add(Node("dns.opt.cookie.client", "Client Cookie", data[:8], at, 8, show=bytes.hex))
        opt.add(Node("dns.opt.cookie.server", "Server Cookie", data[8:], at + 8, length - 8, show=bytes.hex))
    elif code in UNDERSTOOD:
        field, label, names = UNDERSTOOD[code]
        for i, value in enumerate(data):
            opt.add(Node(field, label, value, at + i, 1,
                         show=named(names)))
    elif code == 8 and length >= 4:                  # RFC 7871: family, source and scope bits, the address
        family, source, scope = int.from_bytes(data[:2], "big"), data[2], data[3]
        opt.add(Node("dns.opt.client.family", "Family", family, at, 2,
                     show=named(FAMILIES)))
        opt.add(Node("dns.opt.client.netmask", "Source Netmask", source, at + 2, 1))
        opt.add(Node("dns.opt.client.scope", "Scope Netmask", scope, at + 3, 1))
        address = data[4:]
        if family == 1 and len(address) <= 4:
            opt.add(Node("dns.opt.client.addr4", "Client Subnet", socket.inet_ntoa(address.ljust(4, b"\0")),
                         at + 4, len(address)))
        elif family == 2 and len(address) <= 16:
            opt.add(Node("dns.opt.client.addr6", "Client Subnet",
                         socket.inet_ntop(socket.AF_INET6, address.ljust(16, b"\0")), at + 4, len(address)))
    elif code == 11 and length == 2:                 # RFC 7828: the idle timeout, in 100 ms units
        opt.add(Node("dns.opt.edns_tcp_keepalive.timeout", "Timeout", int.from_bytes(data, "big"), at, 2))
    elif code == 12 and length:                      # RFC 7830
        opt.add(Node("dns.opt.padding", "Padding", data, at, length, show=bytes.hex))
    elif code == 13 and length:                      # RFC 7901: the closest trust point, as its wire name
        opt.add(Node("dns.opt.chain.fqdn", "Closest Trust Point", ascii_value(data), at, length, show=ascii_shown))


def _record(msg: _Msg, section: Node, pos: int) -> int:
    name = msg.read(pos)
    msg.need(name.after, 10)
    node = section.add(Node("dns.rr", "", None, pos, 0))
    rtype = msg.u(name.after, 2)
    if rtype == TYPE_SRV and name.text:
        name, pos = _srv_owner(msg, node, pos, name), name.after
    else:
        name, pos = msg.add(node, "dns.resp.name", "Name", pos, name), name.after
    node.add(Node("dns.resp.type", "Type", rtype, pos, 2, show=type_line))
    if rtype == TYPE_OPT:
        end = _opt(msg, node, pos, name)
        node.length = end - node.offset
        return end
    rclass, flush = _class_fields(msg, node, "dns.resp", pos + 2, False)
    node.add(Node("dns.resp.ttl", "Time to live", msg.u(pos + 4, 4), pos + 4, 4, show=ttl_text))
    rdlen = msg.u(pos + 8, 2)
    node.add(Node("dns.resp.len", "Data length", rdlen, pos + 8, 2))
    pos += 10
    if pos + rdlen > msg.end:
        raise _Stop("record data runs past the message")
    node.length = pos + rdlen - node.offset
    label, word = _rdata(msg, node, rtype, pos, rdlen, name)
    node.label = (f"{name}: type {type_name(rtype)}, class {class_name(rclass)}" + (", cache flush" if flush else "")
                  + (f", {label}" if label else ""))
    text = type_name(rtype) + (", cache flush" if flush else "")
    msg.words.append(f"{text} {word}" if word else text)
    return pos + rdlen


def _srv_owner(msg: _Msg, node: Node, pos: int, name: Name) -> str:
    """An SRV record's owner as tshark shows it: split at its first two dots into the service,
    the protocol and the name (RFC 2782's _Service._Proto.Name), in place of the Name line."""
    size = max(min(name.after, msg.end) - pos, 0)
    for field, label, part in zip(("dns.srv.service", "dns.srv.proto", "dns.srv.name"), ("Service", "Protocol", "Name"),
                                  name.text.split(".", 2)):
        line = node.add(Node(field, label, part, pos, size))
        if name.problem and field == "dns.srv.service":
            msg.d.problem(line, f"malformed: {name.problem}")
    return name.text


def _header_rows(off: int, ident: int, flags: int, counts: list) -> tuple:
    response = flags & 0x8000
    bits = tuple((f, off + 2, (flags & f.mask) >> f.shift) for f in (RESPONSE_FLAGS if response else QUERY_FLAGS)
                 if f is not AD_BIT or flags & f.mask)   # tshark: AD in a query only when set
    return ((ID, off, ident), (FLAGS, off + 2, flags, bits),
            *[(f, off + f.offset, count) for f, count in zip(COUNTS, counts)])


def _info(ident: int, response: bool, opcode: int, rcode: int) -> str:
    text = OPCODES.get(opcode, f"Unknown operation ({opcode})") + (" response" if response else "")
    text += f" 0x{ident:04x}"
    if response and rcode:
        text += " " + RCODES.get(rcode, f"Unknown error ({rcode})")
    return text


def _message_info(ident: int, response: bool, opcode: int, rcode: int, words: list, tail: str) -> str:
    return (" ".join([_info(ident, response, opcode, rcode)] + words) + tail)[:MAX_INFO]


def _sections(msg: _Msg, layer: Node, pos: int, counts: tuple) -> None:
    for (name, label), count, walk in zip(SECTIONS, counts, (_question, _record, _record, _record)):
        if not count:
            continue
        section = layer.add(Node(name, label, None, pos, 0))
        for _ in range(count):
            pos = walk(msg, section, pos)
            section.length = pos - section.offset


def _is_mdns(d) -> bool:
    return d.udp_ports is not None and MDNS_PORT in d.udp_ports


LLMNR_PORT = 5355
# (Protocol column, layer name, label) of DNS's kin that tshark names apart
KIN = {MDNS_PORT: ("MDNS", "mdns", "Multicast Domain Name System"),
       LLMNR_PORT: ("LLMNR", "llmnr", "Link-local Multicast Name Resolution")}
PLAIN = ("DNS", "dns", "Domain Name System")


def _kin(d) -> tuple:
    ports = d.udp_ports or ()
    for port in (MDNS_PORT, LLMNR_PORT):
        if port in ports:
            return KIN[port]
    return PLAIN


@dissector("udp.port", PORT, MDNS_PORT, LLMNR_PORT)
def dissect_dns(d, off: int, end: int):
    buf = d.buf
    mdns = _is_mdns(d)
    proto, name, label = _kin(d)
    layer = d.layer(name, label, off, end - off)
    d.summarise(proto, "")
    if d.short(layer, HEADER_LEN, end - off, "DNS header"):
        return None
    ident, flags, *counts = HEADER.unpack_from(buf, off)
    response, opcode, rcode = bool(flags & 0x8000), (flags >> 11) & 0xF, flags & 0xF
    if d.tree:
        layer.later(_header_rows, off, ident, flags, counts)
    layer.label += f" ({'response' if response else 'query'})"
    msg = _Msg(d, off, end, mdns)
    tail = ""
    try:
        _sections(msg, layer, off + HEADER_LEN, tuple(counts))
    except _Stop as exc:
        cut = not d.payload_complete
        d.problem(layer, f"{'truncated' if cut else 'malformed'}: {exc}")
        tail = "[Packet size limited during capture]" if cut else "[Malformed Packet]"
    d.summarise_later(proto, _message_info, ident, response, opcode, rcode, msg.words, tail)
    return None


QUESTION_TAIL = struct.Struct("!HH")      # type, class


@skimmer("udp.port", PORT)
def skim_dns(s, off: int, end: int):
    """A plain DNS message with questions only (queries, and answers that carry no records)."""
    if end - off < HEADER_LEN or (s.udp_ports is not None and MDNS_PORT in s.udp_ports):
        return DECLINE
    buf = s.buf
    ident, flags, questions, *records = HEADER.unpack_from(buf, off)
    if any(records):
        return DECLINE
    words = [_info(ident, bool(flags & 0x8000), (flags >> 11) & 0xF, flags & 0xF)]
    pos = off + HEADER_LEN
    for _ in range(questions):
        name = read_name(buf, pos, off, end)
        if name.problem or name.after + 4 > end:
            return DECLINE
        qtype = QUESTION_TAIL.unpack_from(buf, name.after)[0]
        words.append(question_word(qtype, name.text))
        pos = name.after + 4
    s.protocol = "DNS"
    s.info = " ".join(words)[:MAX_INFO]
    return None
