"""DNS record data (RDATA), type by type, as tshark reads it: the fields under a record's
line, the words its label ends with (`priority 0, weight 5, port 5060, target sip.example.com`)
and its words in the Info column.  stack/wire/dns.py walks the message and calls `rdata` with
it (`msg`: its reader, dns._Msg: the bytes, names, numbers)."""
from __future__ import annotations

import base64
import socket

from .dissect import F, Node, hexed, named
from .dns_tables import (DS_DIGESTS, FAMILIES, NSEC3_HASHES, RCODES, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_DNSKEY,
                         TYPE_DS, TYPE_KX, TYPE_LINES, TYPE_MX, TYPE_NS, TYPE_NSEC, TYPE_PTR, TYPE_RRSIG, TYPE_SOA,
                         TYPE_TXT, algorithm_show, ttl_text, type_line)
from .ipproto import show_protocol
from .textfmt import ascii_shown, ascii_value, utc_date, utf8_text


def rdata(msg, node: Node, rtype: int, pos: int, rdlen: int, owner: str = "") -> tuple[str, str]:
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


def _counted(msg, node: Node, field: str, label: str, length_field: str, length_label: str,
             pos: int, utf8: bool = False) -> tuple[str, int]:
    """A <character-string> (RFC 1035 3.3): its length, then its text; returns the text and the end."""
    length = msg.u(pos, 1)
    node.add(Node(length_field, length_label, length, pos, 1))
    msg.need(pos + 1, length)
    return _string(node, field, label, bytes(msg.buf[pos + 1:pos + 1 + length]), pos + 1, utf8), pos + 1 + length


def _signature_time(secs: float) -> str:
    return f"{utc_date(round(secs) * 1_000_000_000)} UTC"


def _rrsig(msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 3.1: what is signed, by which key and algorithm, when; the signature."""
    u = msg.u
    node.add(Node("dns.rrsig.type_covered", "Type Covered", u(pos, 2), pos, 2, show=type_line))
    node.add(Node("dns.rrsig.algorithm", "Algorithm", u(pos + 2, 1), pos + 2, 1, show=algorithm_show))
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


def _ds(msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 5.1: the key a delegation trusts, by tag, algorithm and digest."""
    u = msg.u
    node.add(Node("dns.ds.key_id", "Key id", u(pos, 2), pos, 2, show=lambda v: f"0x{v:04x}"))
    node.add(Node("dns.ds.algorithm", "Algorithm", u(pos + 2, 1), pos + 2, 1, show=algorithm_show))
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


def _dnskey(msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 2.1: the key's flags, protocol and algorithm, its tag, the key."""
    flags = node.add(Node("dns.dnskey.flags", "Flags", msg.u(pos, 2), pos, 2, show=lambda v: f"0x{v:04x}"))
    for f in KEY_FLAGS:
        flags.field(f, msg.buf, pos)
    node.add(Node("dns.dnskey.protocol", "Protocol", msg.u(pos + 2, 1), pos + 2, 1))
    node.add(Node("dns.dnskey.algorithm", "Algorithm", msg.u(pos + 3, 1), pos + 3, 1, show=algorithm_show))
    node.add(Node("dns.dnskey.key_id", "Key id", key_tag(bytes(msg.buf[pos:end])), pos, 0))
    if end > pos + 4:
        node.add(Node("dns.dnskey.public_key", "Public Key", bytes(msg.buf[pos + 4:end]), pos + 4, end - pos - 4,
                      show=bytes.hex))
    return "", ""


def _nsec(msg, node: Node, pos: int, end: int) -> tuple[str, str]:
    """RFC 4034 4.1: the next owner name, then the types it has, window by window."""
    name, at = msg.name(node, "dns.nsec.next_domain_name", "Next Domain Name", pos)
    _type_bitmap(node, msg.buf, at, end)
    return f"next domain name {name}", name


def _soa(msg, node: Node, pos: int, end: int) -> tuple[str, str]:
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
    def walk(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
        while pos < end:
            _, pos = _counted(msg, node, field, label, length_field, length_label, pos, msg.mdns and field == "dns.txt")
        return "", ""
    return walk


_txt = _strings("dns.txt", "TXT", "dns.txt.length", "TXT Length")


def _hinfo(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    cpu, pos = _counted(msg, node, "dns.hinfo.cpu", "CPU", "dns.hinfo.cpu_length", "CPU Length", pos)
    os_, _ = _counted(msg, node, "dns.hinfo.os", "OS", "dns.hinfo.os_length", "OS Length", pos)
    return f"CPU {cpu}, OS {os_}", f"{cpu} {os_}"


def _wks(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _x25(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _counted(msg, node, "dns.x25.psdn_address", "PSDN-Address", "dns.x25.length", "Length", pos)
    return "", owner


def _isdn(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _, pos = _counted(msg, node, "dns.idsn.address", "ISDN Address", "dns.idsn.length", "Length", pos)
    if end - pos > 1:                   # the subaddress is optional
        _counted(msg, node, "dns.idsn.sa.address", "Sub Address", "dns.idsn.sa.length", "Length", pos)
    return "", owner


def _gpos(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _loc(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _nxt(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    name, at = msg.name(node, "dns.nxt.next_domain_name", "Next Domain Name", pos)
    _type_bitmap(node, msg.buf, at, end, windows=False)
    return f"next domain name {name}", name


def _srv(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _naptr(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _cert(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 4398: the certificate's type, key tag and algorithm, then the certificate."""
    node.add(Node("dns.cert.type", "Type", msg.u(pos, 2), pos, 2, show=named(CERT_TYPES)))
    node.add(Node("dns.cert.key_tag", "Key Tag", msg.u(pos + 2, 2), pos + 2, 2, show=hexed(4)))
    node.add(Node("dns.cert.algorithm", "Algorithm", msg.u(pos + 4, 1), pos + 4, 1, show=algorithm_show))
    if end > pos + 5:
        _bytes(node, "dns.cert.certificate", "Certificate (or CRL)", msg.buf, pos + 5, end)
    return "", ""


def _a6(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _dname(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    name, _ = msg.name(node, "dns.dname", "Dname", pos)
    return f"dname {name}", name


APL_NEGATION = F("dns.apl.negation", "Negation Flag", 0, 1, mask=0x80, show=("No (0)", "Yes (!)").__getitem__)
APL_LENGTH = F("dns.apl.afdlength", "Address Length", 0, 1, mask=0x7F)


def _apl(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _sshfp(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 4255: the key's algorithm, the fingerprint's type, the fingerprint."""
    node.add(Node("dns.sshfp.algorithm", "Algorithm", msg.u(pos, 1), pos, 1, show=named(SSHFP_ALGORITHMS)))
    node.add(Node("dns.sshfp.fingerprint.type", "Fingerprint type", msg.u(pos + 1, 1), pos + 1, 1,
                  show=named(SSHFP_TYPES)))
    if end > pos + 2:
        _bytes(node, "dns.sshfp.fingerprint", "Fingerprint", msg.buf, pos + 2, end)
    return "", ""


def _ipseckey(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _nsec3(msg, node: Node, pos: int, end: int, owner: str, param: bool = False) -> tuple[str, str]:
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


def _tlsa(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 6698: usage, selector, matching type, the data the certificate must match."""
    for i, (field, label, names) in enumerate(TLSA_FIELDS):
        node.add(Node(field, label, msg.u(pos + i, 1), pos + i, 1, show=named(names)))
    _bytes(node, "dns.tlsa.certificate_association_data", "Certificate Association Data", msg.buf, pos + 3, end)
    return "", owner


def _hip(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _openpgpkey(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    _string(node, "dns.openpgpkey", "OpenPGP Key", bytes(msg.buf[pos:end]), pos)
    return "", ""


CSYNC_FLAGS = (F("dns.csync.flags.immediate", "immediate", 0, 2, mask=0x0001, show=("False", "True").__getitem__),
               F("dns.csync.flags.soaminimum", "soaminimum", 0, 2, mask=0x0002, show=("False", "True").__getitem__))


def _csync(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 7477: the SOA serial, flags, and the types to synchronise."""
    node.add(Node("dns.csync.soa", "SOA", msg.u(pos, 4), pos, 4))
    flags = node.add(Node("dns.csync.flags", "Flags", msg.u(pos + 4, 2), pos + 4, 2, show=hexed(4)))
    for f in CSYNC_FLAGS:
        flags.field(f, msg.buf, pos + 4)
    _bytes(node, "dns.csync.type_bitmap", "Type Bitmap", msg.buf, pos + 6, end)
    _type_bitmap(node, msg.buf, pos + 6, end)
    return "", ""


def _zonemd(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8976: the zone's serial, the digest's scheme and hash algorithm, the digest."""
    node.add(Node("dns.zonemd.serial", "Serial", msg.u(pos, 4), pos, 4))
    node.add(Node("dns.zonemd.scheme", "Scheme", msg.u(pos + 4, 1), pos + 4, 1,
                  show=named(ZONEMD_SCHEMES, "Unassigned")))
    node.add(Node("dns.zonemd.hash_algo", "Hash Algorithm", msg.u(pos + 5, 1), pos + 5, 1,
                  show=named(ZONEMD_HASHES, "Unassigned")))
    _bytes(node, "dns.zonemd.digest", "Digest", msg.buf, pos + 6, end)
    return "", ""


def _svcb(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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
    def walk(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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
    def walk(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _key(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 2535 3.1: the flags (the key's uses but for a "no key" record), protocol, algorithm, key."""
    value = msg.u(pos, 2)
    flags = node.add(Node("dns.key.flags", "Flags", value, pos, 2, show=hexed(4)))
    for f in KEY_FLAG_BITS if value & 0xC000 != 0xC000 else KEY_FLAG_BITS[:2]:
        flags.field(f, msg.buf, pos)
    node.add(Node("dns.key.protocol", "Protocol", msg.u(pos + 2, 1), pos + 2, 1))
    node.add(Node("dns.key.algorithm", "Algorithm", msg.u(pos + 3, 1), pos + 3, 1, show=algorithm_show))
    node.add(Node("dns.key.key_id", "Key ID", key_tag(bytes(msg.buf[pos:end])), pos, 0))
    if end > pos + 4:
        _bytes(node, "dns.key.public_key", "Public Key", msg.buf, pos + 4, end)
    return "", ""


def _tkey(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _tsig(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
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


def _caa(msg, node: Node, pos: int, end: int, owner: str) -> tuple[str, str]:
    """RFC 8659: flags, then a tag and its value, under a line named for the tag."""
    flags = node.add(Node("dns.caa.flags", "CAA Flags", msg.u(pos, 1), pos, 1, show=hexed(2)))
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
