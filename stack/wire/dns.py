"""DNS (RFC 1035) summary dissection: header, questions, resource records, and tshark's Info line.

Names are decompressed with a guard: a pointer may be followed at most
MAX_POINTERS times, and past MAX_NAME bytes a name stops growing (and, once a
pointer has fixed where it ends, stops being walked), so a pointer loop, a
long chain of pointers or a label running off the message ends in a marked
problem, never a hang: a message costs time linear in its size.
"""
import socket
import struct
from typing import NamedTuple

from .dissect import F, Node, dissector, hexed, named
from .dns_rdata import rdata
from .dns_tables import (CLASSES, DNSSEC_ALGORITHMS, DS_DIGESTS, FAMILIES, NSEC3_HASHES, OPCODES, RCODES, TYPE_OPT,
                         TYPE_SRV, TYPES, ttl_text, type_line)
from .skim import DECLINE, skimmer
from .textfmt import ascii_shown, ascii_value, utf8_text

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




OPT_COOKIE = 10

ID = F("dns.id", "Transaction ID", 0, 2, show=hexed(4))
def _flags_text(flags: int) -> str:
    """The Flags line as tshark's: "0x8180 Standard query response, No error"."""
    opcode, rcode = (flags >> 11) & 0xF, flags & 0xF
    text = f"0x{flags:04x} {OPCODES.get(opcode, f'Unknown operation ({opcode})')}"
    if flags & 0x8000:
        text += " response, " + RCODES.get(rcode, f"Unknown error ({rcode})")
    return text




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


def _opt(msg: _Msg, node: Node, pos: int, name: str) -> int:
    """An EDNS(0) OPT pseudo-record (RFC 6891) from its type field on; returns the end."""
    u = msg.u
    node.add(Node("dns.rr.udp_payload_size", "UDP payload size", u(pos + 2, 2), pos + 2, 2))
    node.add(Node("dns.resp.ext_rcode", "Higher bits in extended RCODE", u(pos + 4, 1), pos + 4, 1,
                  show=hexed(2)))
    node.add(Node("dns.resp.edns0_version", "EDNS0 version", u(pos + 5, 1), pos + 5, 1))
    z = node.add(Node("dns.resp.z", "Z", u(pos + 6, 2), pos + 6, 2, show=hexed(4)))
    z.add(Node("dns.resp.z.do", "DO bit", z.value >> 15, pos + 6, 2, 0x8000,
               show=("Cannot handle DNSSEC security RRs", "Accepts DNSSEC security RRs").__getitem__))
    z.add(Node("dns.resp.z.reserved", "Reserved", z.value & 0x7FFF, pos + 6, 2, 0x7FFF, hexed(4)))
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
UNDERSTOOD = {5: ("dns.opt.dau", "DAU", DNSSEC_ALGORITHMS), 6: ("dns.opt.dhu", "DHU", DS_DIGESTS),
              7: ("dns.opt.n3u", "N3U", NSEC3_HASHES)}


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
    label, word = rdata(msg, node, rtype, pos, rdlen, name)
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
