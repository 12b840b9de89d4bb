"""DHCP / BOOTP (RFC 2131, RFC 2132): the fixed header and the options, as tshark shows them.

Every option is named (dhcp_options.NAMES); its value (dhcp.option.value, hidden as tshark
hides it) is shown by a typed field where tshark has one for it: addresses, text, times in
words, numbers and their names, and the options that hold a structure (request list, client
identifier, user classes, relay agent suboptions, static and classless routes, domain
search, SIP servers, client FQDN, architectures, UUIDs, the vendor-identifying options 124
and 125, PXE's option 43).  A value tshark would not read (a wrong length) stays in view with
tshark's note; one it stops at (a field running past its option) ends the options, as tshark's
exception does.  Option overload (52) is followed: the options the server host name and boot
file name fields carry are shown under option 52, as tshark shows them.
"""
import socket
import struct

from .arp import HW_TYPES as HARDWARE_TYPES     # a client identifier's type: ARP's hardware types
from .dhcp_options import (AUTO_CONFIGURATION, CLIENT_ARCHITECTURES, NAMES,
                           SIP_ENCODINGS, SUBOPTIONS_82, TYPED)
from .dhcp_values import no_room_for_value, suboption, suboption_length
from .dhcp_values import Malformed as _Malformed
from .dhcp_values import enterprise as _enterprise
from .dhcp_values import ip_text as _ip
from .dhcp_values import note as _note
from .dhcp_vendor import vendor_specific, vi_class, vi_specific
from .dissect import F, Hidden, Node, dissector, hexed, named
from .dns import read_name
from .ethernet import mac_to_str
from .textfmt import ascii_shown, ascii_value, duration

# op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file
HEADER = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s")
HEADER_LEN = 236
VENDOR_LEN = 64
COOKIE = b"\x63\x82\x53\x63"
SERVER_PORT, CLIENT_PORT = 67, 68
OPT_PAD, OPT_MESSAGE_TYPE, OPT_END = 0, 53, 255



OP_NAMES = {1: "Boot Request", 2: "Boot Reply"}
MESSAGE_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK", 7: "Release",
                 8: "Inform", 9: "Force Renew", 10: "Lease query", 11: "Lease Unassigned",
                 12: "Lease Unknown", 13: "Lease Active", 14: "Bulk Lease Query", 15: "Lease Query Done",
                 16: "Active LeaseQuery", 17: "Lease Query Status", 18: "TLS"}

OP = F("dhcp.type", "Message type", 0, 1, show=named(OP_NAMES))
HTYPE = F("dhcp.hw.type", "Hardware type", 1, 1, show=lambda v: ("Ethernet" if v == 1 else "Unknown")
          + f" (0x{v:02x})")
HLEN = F("dhcp.hw.len", "Hardware address length", 2, 1)
HOPS = F("dhcp.hops", "Hops", 3, 1)
XID = F("dhcp.id", "Transaction ID", 4, 4, show=hexed(8))
SECS = F("dhcp.secs", "Seconds elapsed", 8, 2)
FLAGS = F("dhcp.flags", "Bootp flags", 10, 2,
          show=lambda v: f"0x{v:04x}, Broadcast flag (Broadcast)" if v & 0x8000 else f"0x{v:04x} (Unicast)")
FLAG_BC = F("dhcp.flags.bc", "Broadcast flag", 10, 2, mask=0x8000, show=("Unicast", "Broadcast").__getitem__)
FLAG_RESERVED = F("dhcp.flags.reserved", "Reserved flags", 10, 2, mask=0x7FFF, show=hexed(4))
ADDRESSES = (F("dhcp.ip.client", "Client IP address", 12, 4), F("dhcp.ip.your", "Your (client) IP address", 16, 4),
             F("dhcp.ip.server", "Next server IP address", 20, 4),
             F("dhcp.ip.relay", "Relay agent IP address", 24, 4))
CHADDR = F("dhcp.hw.addr", "Client hardware address", 28, 16)
SNAME = F("dhcp.server", "Server host name", 44, 64)
FILE = F("dhcp.file", "Boot file name", 108, 128)



ONE_BYTE_NAMES = {
    "enabled": ("Disabled", "Enabled"), "yes": ("No", "Yes")}
VALUE_NAMES = {      # options whose byte (or two) tshark names
    46: {1: "B-node", 2: "P-node", 4: "M-node", 8: "H-node"},
    52: {1: "Boot file name holds options", 2: "Server host name holds options",
         3: "Boot file and server host names hold options"},
    145: {1: "HMAC-MD5"},
}
PAIRS = {21: (("dhcp.option.policy_filter.ip", "IP Address"), ("dhcp.option.policy_filter.subnet_mask", "Subnet Mask")),
         33: (("dhcp.option.static_route.ip", "Destination IP Address"),
              ("dhcp.option.static_route.router", "Destination Router"))}
CLASSLESS_ROUTES = {121: "dhcp.option.classless_static_route",
                    249: "dhcp.option.classless_static_route"}
FIXED = {"ip": 4, "u8": 1, "u16": 2, "time": 4, "stime": 4, "enabled": 1, "yes": 1}
OPT_OVERLOAD, OPT_VENDOR_CLASS = 52, 60
LONG_OPTIONS = (119, 120)       # RFC 3396: one value split over several options of the code
EMPTY_READ = (77,)              # an empty option tshark still reads (its note, no Value line)




class _Context:
    """What tshark's first pass over the options learns: the vendor class (option 43 is read
    by it), the overload, how many options of a long-option code there are."""

    __slots__ = ("base", "vendor_class", "overload", "counts", "ended")

    def __init__(self, buf, base: int, pos: int, end: int):
        self.base, self.vendor_class, self.overload, self.counts = base, None, 0, {}
        self.ended = False          # whether the End option is among the captured bytes
        while pos < end:
            if buf[pos] == OPT_END:
                self.ended = True
                break
            code = buf[pos]
            if code == OPT_PAD:
                pos += 1
                continue
            if pos + 1 >= end:
                break
            length = buf[pos + 1]
            if pos + 2 + length > end:
                break
            if code == OPT_VENDOR_CLASS and self.vendor_class is None:
                self.vendor_class = bytes(buf[pos + 2:pos + 2 + length])
            elif code == OPT_OVERLOAD and length == 1:
                self.overload = buf[pos + 2]
            self.counts[code] = self.counts.get(code, 0) + 1
            pos += 2 + length


def _fqdn_flags(value: int) -> str:
    names = [name for bit, name in ((8, "Server DDNS"), (4, "Encoding"), (2, "Server overrides"), (1, "Server"))
             if value & bit]
    return ", ".join([f"0x{value:02x}"] + names)


FQDN_FLAGS = F("dhcp.fqdn.flags", "Flags", 0, 1, show=_fqdn_flags)
FQDN_BITS = (F("dhcp.fqdn.mbz", "Reserved flags", 0, 1, mask=0xF0, show=lambda v: f"0x{v:x}"),
             F("dhcp.fqdn.n", "Server DDNS", 0, 1, mask=0x08,
               show=("Some server updates", "No server updates").__getitem__),
             F("dhcp.fqdn.e", "Encoding", 0, 1, mask=0x04, show=("ASCII encoding", "Binary encoding").__getitem__),
             F("dhcp.fqdn.o", "Server overrides", 0, 1, mask=0x02, show=("No override", "Override").__getitem__),
             F("dhcp.fqdn.s", "Server", 0, 1, mask=0x01, show=("Client", "Server").__getitem__))



def _seconds(value: int, kind: str) -> str:
    if kind == "time" and value == 0xFFFFFFFF:
        return f"({value}s) infinity"
    return f"({value}s) {duration(value)}"


def _typed(d, opt: Node, buf, code: int, pos: int, length: int, ctx: _Context) -> bool:
    """The field(s) that show option `code`'s value buf[pos:pos+length], as tshark's; False
    when the value is not one tshark reads (its Value line then stays in view)."""
    raw = bytes(buf[pos:pos + length])
    if code == OPT_MESSAGE_TYPE and length == 1:
        opt.add(Node("dhcp.option.dhcp", "DHCP", raw[0], pos, 1,
                     show=named(MESSAGE_TYPES)))
        return True
    if code == 55:
        for at in range(pos, pos + length):
            opt.add(Node("dhcp.option.request_list_item", "Parameter Request List Item", buf[at], at, 1,
                         show=lambda v: f"({v}) {NAMES[v]}"))
        return True
    if code in PAIRS:
        (first, first_label), (second, second_label) = PAIRS[code]
        for at in range(pos, pos + length - 7, 8):
            opt.add(Node(first, first_label, _ip(buf, at), at, 4))
            opt.add(Node(second, second_label, _ip(buf, at + 4), at + 4, 4))
        if length % 8:
            _note(d, opt, "Option length isn't a multiple of 8", "dhcp.bad_length")
        return True
    if code == 61:
        return _client_id(opt, buf, pos, length)
    if code == 77:
        if length < 2:
            _note(d, opt, "length isn't >= 2", "dhcp.bad_length")
            return True
        return _user_classes(opt, buf, pos, length)
    if code == 82:
        return _agent_information(d, opt, buf, pos, length)
    if code == 43:
        return vendor_specific(d, opt, buf, pos, length, ctx.vendor_class)
    if code in CLASSLESS_ROUTES:
        return _classless_routes(d, opt, code, buf, pos, length)
    if code in LONG_OPTIONS and ctx.counts.get(code, 0) > 1:
        return True             # RFC 3396's concatenation: not read (tshark's notes left out)
    if code == 119:
        return _domain_search(opt, buf, pos, length)
    if code in STRUCTURED:
        return STRUCTURED[code](d, opt, buf, pos, length)
    if code == 145:
        for at in range(pos, pos + length):
            opt.add(Node("dhcp.option.forcerenew_nonce.algorithm", "Algorithm", buf[at], at, 1,
                         show=named(VALUE_NAMES[145])))
        return True
    if code not in TYPED:
        return True             # tshark hides the value of an option it shows no field for too
    kind, field, label = TYPED[code]
    if kind in FIXED and length != FIXED[kind]:
        _note(d, opt, f"length isn't {FIXED[kind]}", "dhcp.bad_length")
        return False
    if kind == "ip":
        opt.add(Node(field, label, _ip(buf, pos), pos, 4))
        opt.label += f" ({_ip(buf, pos)})"
    elif kind == "ips":
        for at in range(pos, pos + length - 3, 4):
            opt.add(Node(field, label, _ip(buf, at), at, 4))
        if length % 4:
            _note(d, opt, "Option length isn't a multiple of 4", "dhcp.bad_length")
    elif kind == "str":
        opt.add(Node(field, label, ascii_value(raw), pos, length, show=ascii_shown))
        return length > 0
    elif kind in ("time", "stime"):
        value = int.from_bytes(raw, "big", signed=kind == "stime")
        opt.add(Node(field, label, value, pos, 4, show=lambda v, kind=kind: _seconds(v, kind)))
    elif kind in ONE_BYTE_NAMES:
        opt.add(Node(field, label, int(raw[0] != 0), pos, 1, show=ONE_BYTE_NAMES[kind].__getitem__))
    elif kind == "u16s":
        for at in range(pos, pos + length - 1, 2):
            opt.add(Node(field, label, int.from_bytes(buf[at:at + 2], "big"), at, 2))
        if length % 2:
            _note(d, opt, "Option length isn't a multiple of 2", "dhcp.bad_length")
    else:                                           # u8, u16
        value = int.from_bytes(raw, "big")
        names = VALUE_NAMES.get(code)
        opt.add(Node(field, label, value, pos, length,
                     show=None if names is None else named(names)))
    return True


def _client_id(opt: Node, buf, pos: int, length: int, uuid_only: bool = False) -> bool:
    """Option 61 (RFC 2132, 4361) and 97 (RFC 4578): a hardware type and address, a UUID."""
    if length == 7 and 0 < buf[pos] < 48:
        opt.add(Node("dhcp.hw.type", "Hardware type", buf[pos], pos, 1,
                     show=lambda v: f"{HARDWARE_TYPES.get(v, 'Unknown')} (0x{v:02x})"))
        if buf[pos] in (1, 6):
            opt.add(Node("dhcp.hw.mac_addr", "Client MAC address", mac_to_str(buf[pos + 1:pos + 7]), pos + 1, 6))
        return True
    if length == 17 and buf[pos] == 0:
        opt.add(Node("dhcp.client_id.uuid", "Client Identifier (UUID)", _guid(bytes(buf[pos + 1:pos + 17])),
                     pos + 1, 16))
        return True
    if uuid_only:
        return True
    if length >= 2 and buf[pos] == 0:
        opt.add(Node("dhcp.client_id.type", "Type", 0, pos, 1))
        text = ascii_value(bytes(buf[pos + 1:pos + length]))       # an empty one: tshark's "Client Identifier: "
        opt.add((Node if text else Hidden)("dhcp.client_id.undef", "Client Identifier", text, pos + 1, length - 1,
                                           show=ascii_shown))
        return True
    return length > 0


def _guid(raw: bytes) -> str:
    """A UUID as tshark shows it (its first three groups little-endian, as Intel's PXE sends them)."""
    text = raw[3::-1].hex() + raw[5:3:-1].hex() + raw[7:5:-1].hex() + raw[8:].hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _user_classes(opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3004 instances, each a length and its data (a class that overruns ends the walk)."""
    at, end, index = pos, pos + length, 0
    while at < end and at + 1 + buf[at] <= end:
        size = buf[at]
        instance = opt.add(Node("dhcp.option.user_class", "Instance of User Class", index, at, 1 + size,
                                show=lambda v: f"[{v}]"))
        instance.add(Node("dhcp.option.user_class.length", "User Class Length", size, at, 1))
        instance.add(Node("dhcp.option.user_class.data", "User Class Data", bytes(buf[at + 1:at + 1 + size]),
                          at + 1, size, show=bytes.hex))
        at, index = at + 1 + size, index + 1
    return True


def _agent_information(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3046 suboptions: code, length, value, each shown by its field as tshark 4.0 does."""
    at, end = pos, pos + length
    prefix = "dhcp.option.agent_information_option"
    while at < end:
        code, size = buf[at], suboption_length(d, opt, buf, at, end)
        if size is None:
            break
        name, field, kind = SUBOPTIONS_82.get(code, ("Unknown", None, None))
        text = f"Option 82 Suboption: ({code}) {name}"
        if kind == "ip" and size == 4 and at + 6 <= end:
            text += f" ({_ip(buf, at + 2)})"
        sub = suboption(opt, f"{prefix}.suboption", text, code, at, size, text)
        if at + 2 + size > end:
            no_room_for_value(d, sub, code)
            break
        value = bytes(buf[at + 2:at + 2 + size])
        if kind is None:            # padding and codes tshark does not know: the bytes in view
            sub.add(Node(f"{prefix}.value", "Value", value, at + 2, size, show=bytes.hex))
        else:
            sub.add(Hidden(f"{prefix}.value", "Value", value, at + 2, size, show=bytes.hex))
            _agent_value(d, sub, buf, at + 2, size, f"{prefix}.{field}", name, kind)
        at += 2 + size
    return True


def _agent_value(d, sub: Node, buf, at: int, size: int, field: str, label: str, kind: str) -> None:
    value = bytes(buf[at:at + size])
    if kind == "bytes" and size:
        sub.add(Node(field, label, value, at, size, show=bytes.hex))
    elif kind == "str" and size:
        sub.add(Node(field, label, ascii_value(value), at, size, show=ascii_shown))
    elif kind == "ip" and size == 4:
        sub.add(Node(field, label, _ip(buf, at), at, 4))
    elif kind == "ether" and size == 6:
        sub.add(Node(field, label, mac_to_str(value), at, 6))
    elif kind in ("u8", "u8hex") and size == 1:
        sub.add(Node(field, label, value[0], at, 1, show=hexed(2) if kind == "u8hex" else None))
    elif kind == "u32hex" and size == 4:
        sub.add(Node(field, label, int.from_bytes(value, "big"), at, 4, show=hexed(8)))
    elif kind == "vrf":
        if size == 1:
            sub.add(Node(f"{field}.global", "Global, default VPN", value[0], at, 1))
        elif size == 7:
            sub.add(Node(f"{field}.vpn_id.oui", "VRF name/VPN ID OUI", int.from_bytes(value[:3], "big"), at, 3,
                         show=hexed(6)))
            sub.add(Node(f"{field}.vpn_id.index", "VRF name/VPN ID Index", int.from_bytes(value[3:], "big"),
                         at + 3, 4, show=hexed(8)))
        elif size:
            sub.add(Node(field, "VRF name", ascii_value(value), at, size, show=ascii_shown))
    elif kind == "vi":
        _agent_vendor(d, sub, buf, at, at + size)


def _agent_vendor(d, sub: Node, buf, at: int, end: int) -> None:
    """RFC 4243: enterprise numbers, each with its data (CableLabs' is not read here)."""
    prefix = "dhcp.option.agent_information_option"
    while at < end:
        if at + 5 > end:
            raise _Malformed("vendor-specific suboption runs past its option")
        number = int.from_bytes(buf[at:at + 4], "big")
        _enterprise(sub, f"{prefix}.vi.enterprise", number, at)
        size = buf[at + 4]
        sub.add(Node(f"{prefix}.vi.data_length", "Data Length", size, at + 4, 1))
        if at + 5 + size > end:
            raise _Malformed("vendor-specific data runs past its option")
        if number != 4491 and size:
            sub.add(Node(f"{prefix}.value", "Value", bytes(buf[at + 5:at + 5 + size]), at + 5, size,
                         show=bytes.hex))
        at += 5 + size




def _classless_routes(d, opt: Node, code: int, buf, pos: int, length: int) -> bool:
    """RFC 3442 routes: a prefix length, the significant bytes of the prefix, a router."""
    at, end = pos, pos + length
    if length < 5:
        _note(d, opt, "length isn't >= 5", "dhcp.bad_length")
        return False
    while at < end:
        bits = buf[at]
        size = (bits + 7) // 8
        if bits > 32 or at + 1 + size + 4 > end:
            _note(d, opt, "malformed: a route runs past the option", "dhcp.bad_length")
            break
        prefix = socket.inet_ntoa(bytes(buf[at + 1:at + 1 + size]) + bytes(4 - size))
        router = _ip(buf, at + 1 + size)
        text = f"default-{router}" if bits == 0 else f"{prefix}/{bits}-{router}"
        opt.add(Node(CLASSLESS_ROUTES[code], "", bytes(buf[at:at + 1 + size + 4]), at, 1 + size + 4, text=f" {text}"))
        at += 1 + size + 4
    return True


def _domain_search(opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3397 names (RFC 1035 labels, pointers counted from the option's value)."""
    at, end = pos, pos + length
    while at < end:
        name = read_name(buf, at, pos, end)
        if name.fatal or name.after <= at:
            return True
        opt.add(Node("dhcp.option.dhcp_dns_domain_search_list_fqdn", "FQDN", name.text, at, name.after - at))
        at = name.after
    return True


def _fqdn(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 4702: flags bit by bit, the two results, the name (DNS labels with the E flag, else text)."""
    if length < 3:
        _note(d, opt, "length isn't >= 3", "dhcp.bad_length")
        return True
    flags = opt.field(FQDN_FLAGS, buf, pos)
    for f in FQDN_BITS:
        flags.field(f, buf, pos)
    opt.add(Node("dhcp.fqdn.rcode1", "A-RR result", buf[pos + 1], pos + 1, 1))
    opt.add(Node("dhcp.fqdn.rcode2", "PTR-RR result", buf[pos + 2], pos + 2, 1))
    start, end = pos + 3, pos + length
    if end > start:
        if buf[pos] & 0x04:
            name = read_name(buf, start, start, end)
            if not name.fatal:
                opt.add(Node("dhcp.fqdn.name", "Client name", name.text, start, end - start))
        else:
            raw = bytes(buf[start:end])
            opt.add(Node("dhcp.fqdn.name", "Client name", ascii_value(raw), start, end - start, show=ascii_shown))
    return True


def _architectures(d, opt: Node, buf, pos: int, length: int) -> bool:
    for at in range(pos, pos + length - 1, 2):
        opt.add(Node("dhcp.option.client_system_architecture", "Client System Architecture",
                     int.from_bytes(buf[at:at + 2], "big"), at, 2, show=named(CLIENT_ARCHITECTURES)))
    if length % 2:
        _note(d, opt, "Option length isn't a multiple of 2", "dhcp.bad_length")
    return True


def _network_interface(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 4578's UNDI: type 1, then major and minor versions."""
    if buf[pos] == 1:
        if length < 3:
            raise _Malformed("UNDI version runs past its option")
        opt.add(Node("dhcp.client_network_id_major", "Major Version", buf[pos + 1], pos + 1, 1))
        opt.add(Node("dhcp.client_network_id_minor", "Minor Version", buf[pos + 2], pos + 2, 1))
    return True


def _auto_configuration(d, opt: Node, buf, pos: int, length: int) -> bool:
    if length != 1:
        _note(d, opt, "length isn't 1", "dhcp.bad_length")
        return False
    opt.add(Node("dhcp.option.dhcp_auto_configuration", "DHCP Auto-Configuration", buf[pos], pos, 1,
                 show=named(AUTO_CONFIGURATION)))
    return True


def _sip_servers(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3361: an encoding byte, then names (pointers count from past it) or addresses."""
    encoding, end = buf[pos], pos + length
    opt.add(Node("dhcp.option.sip_server.encoding", "SIP Server Encoding", encoding, pos, 1,
                 show=named(SIP_ENCODINGS)))
    if encoding == 0:
        if length < 3:
            _note(d, opt, f"length isn't >= 3 (len = {length})", "dhcp.bad_length")
            return True
        at = pos + 1
        while at < end:
            name = read_name(buf, at, pos + 1, end)
            if name.fatal or name.after <= at:
                break
            opt.add(Node("dhcp.option.sip_server.name", "SIP Server Name", name.text, at, name.after - at))
            at = name.after
    elif encoding == 1:
        if length < 5:
            _note(d, opt, f"length isn't >= 5 (len = {length})", "dhcp.bad_length")
        elif (length - 1) % 4:
            _note(d, opt, f"length isn't a multiple of 4 plus 1 (len = {length}).", "dhcp.bad_length")
        else:
            for at in range(pos + 1, end, 4):
                opt.add(Node("dhcp.option.sip_server.address", "SIP Server Address", _ip(buf, at), at, 4))
    else:
        _note(d, opt, f"RFC 3361 defines only 0 and 1 for Encoding byte (Encoding = {encoding}).",
              "dhcp.option.sip_server_address.encoding")
    return True


STRUCTURED = {81: _fqdn, 93: _architectures, 94: _network_interface,
              97: lambda d, opt, buf, pos, length: _client_id(opt, buf, pos, length, uuid_only=True),
              116: _auto_configuration, 120: _sip_servers, 124: vi_class, 125: vi_specific}


def _pads(layer: Node, buf, pos: int, end: int) -> int:
    """A run of Pad options, shown as tshark does: one option 0 with the padding under it."""
    stop = pos
    while stop < end and buf[stop] == OPT_PAD:
        stop += 1
    opt = layer.add(Node("dhcp.option.type", "Option: (0) Padding", OPT_PAD, pos, stop - pos,
                         text="Option: (0) Padding"))
    opt.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos:stop]), pos, stop - pos, show=bytes.hex))
    return stop


def _end(layer: Node, buf, pos: int, end: int, padding: bool = True) -> None:
    opt = layer.add(Node("dhcp.option.type", "Option: (255) End", OPT_END, pos, 1, text="Option: (255) End"))
    opt.add(Node("dhcp.option.end", "Option End", OPT_END, pos, 1))
    if padding and pos + 1 < end:
        layer.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos + 1:end]), pos + 1, end - pos - 1,
                       show=bytes.hex))


def _options(d, layer: Node, buf, pos: int, end: int, ctx: _Context, area: str = "") -> tuple[int | None, bool]:
    """Walk the options; returns (message type or None, whether they were well-formed).  `area`
    names an overloaded field (sname, file) whose options these are."""
    msg_type = None
    while pos < end:
        code = buf[pos]
        if code == OPT_END:
            _end(layer, buf, pos, end, padding=not area)
            return msg_type, True
        if code == OPT_PAD:
            pos = _pads(layer, buf, pos, end)
            continue
        label = f"Option: ({code}) {NAMES[code]}"
        opt = layer.add(Node("dhcp.option.type", label, code, pos, min(end - pos, 2), text=label))
        if pos + 1 < end:
            opt.add(Node("dhcp.option.length", "Length", buf[pos + 1], pos + 1, 1))
        if pos + 2 > end or pos + 2 + buf[pos + 1] > end:
            return msg_type, _cut_short(d, opt, f"option {code} runs past the {area or 'message'}")
        length = buf[pos + 1]
        opt.length = 2 + length
        value = Node("dhcp.option.value", "Value", bytes(buf[pos + 2:pos + 2 + length]), pos + 2, length,
                     show=bytes.hex)
        opt.add(value)
        try:
            typed = (length or code in EMPTY_READ) and _typed(d, opt, buf, code, pos + 2, length, ctx)
        except _Malformed as exc:
            opt.children[opt.children.index(value)] = Hidden.of(value)
            opt._text = opt.label
            return msg_type, _cut_short(d, opt, str(exc))
        if typed:
            opt.children[opt.children.index(value)] = Hidden.of(value)     # shown by its typed field instead
        if code == OPT_MESSAGE_TYPE and length == 1:
            msg_type = buf[pos + 2]
            opt.label += f" ({MESSAGE_TYPES.get(msg_type, 'Unknown')})"
        opt._text = opt.label
        pos += 2 + length
        if code == OPT_OVERLOAD and length == 1 and not area and not _overloaded(d, opt, buf, ctx):
            return msg_type, False
    if area:
        _note(d, layer, f"{area} overload end option missing", f"dhcp.option.option_overload.{area}_end_missing")
    else:
        _note(d, layer, "End option missing", "dhcp.end_option_missing")
    return msg_type, True


def _overloaded(d, opt: Node, buf, ctx: _Context) -> bool:
    """RFC 2131's option overload: the options in the server host name field, then those in the
    boot file name field, each under a line of its own beneath option 52 (tshark's tree)."""
    base = ctx.base
    for bit, f, area, text in ((2, SNAME, "sname", "Server host name option overload"),
                               (1, FILE, "file", "Boot file name option overload")):
        if ctx.overload & bit:
            start = base + f.offset
            group = opt.add(Node(f"dhcp.{area}_overload", text, None, start, f.size, text=text))
            _, ok = _options(d, group, buf, start, start + f.size, ctx, area)
            if not ok:
                return False
    return True


def _header(layer: Node, buf, off: int, end: int, overload: int = 0) -> bool:
    """The fixed fields, as far as they were captured; True if all of them were."""
    for f in (OP, HTYPE, HLEN, HOPS, XID, SECS, FLAGS):
        if off + f.offset + f.size > end:
            return False
        node = layer.field(f, buf, off)
    node.field(FLAG_BC, buf, off)
    node.field(FLAG_RESERVED, buf, off)
    for f in ADDRESSES:
        if off + f.offset + 4 > end:
            return False
        layer.add(Node(f.name, f.label, _ip(buf, off + f.offset), off + f.offset, 4))
    if off + CHADDR.offset + CHADDR.size > end:
        return False
    _chaddr(layer, buf, off)
    for f, bit, note in ((SNAME, 2, ("dhcp.server_name_overloaded_by_dhcp", "Server name option overloaded by DHCP")),
                         (FILE, 1, ("dhcp.boot_filename_overloaded_by_dhcp",
                                    "Boot file name option overloaded by DHCP"))):
        if off + f.offset + f.size > end:
            return False
        at = off + f.offset
        if overload & bit:      # the field holds options (shown under option 52): tshark's note instead
            layer.add(Node(note[0], note[1], None, at, f.size, text=note[1]))
        elif buf[at]:
            layer.add(Node(f.name, f.label, ascii_value(bytes(buf[at:at + f.size])), at, f.size, show=ascii_shown))
        else:                   # tshark: "Server host name not given", the field left out
            layer.add(Node(f.name, f"{f.label} not given", "", at, f.size, text=f"{f.label} not given"))
    return True


def _chaddr(layer: Node, buf, off: int) -> None:
    chaddr, hlen = off + CHADDR.offset, min(buf[off + 2], CHADDR.size)
    if buf[off + 1] == 1 and hlen == 6:
        layer.add(Node("dhcp.hw.mac_addr", "Client MAC address", mac_to_str(buf[chaddr:chaddr + 6]), chaddr, 6))
    else:
        layer.add(Node(CHADDR.name, CHADDR.label, bytes(buf[chaddr:chaddr + hlen]), chaddr, hlen, show=bytes.hex))
    if hlen < CHADDR.size:
        layer.add(Node("dhcp.hw.addr_padding", "Client hardware address padding",
                       bytes(buf[chaddr + hlen:chaddr + CHADDR.size]), chaddr + hlen, CHADDR.size - hlen,
                       show=bytes.hex))


def _boot_info(buf, off: int) -> str:
    op = buf[off]
    if op not in OP_NAMES:
        return f"Unknown BOOTP message type ({op})"
    if op == 1 and buf[off + 1] == 1 and buf[off + 2] == 6:
        mac = mac_to_str(buf[off + 28:off + 34])
        return f"Boot Request from {mac} ({mac})"      # tshark: resolved name, then address
    return OP_NAMES[op]


@dissector("udp.port", SERVER_PORT, CLIENT_PORT)
def dissect_dhcp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("dhcp", "Dynamic Host Configuration Protocol", off, end - off)
    if end - off < 3:
        d.summarise("BOOTP", "")
        d.short(layer, HEADER_LEN, end - off, "BOOTP header")
        return None
    info, msg_type = _boot_info(buf, off), None
    cookie = off + HEADER_LEN
    dhcp = bytes(buf[cookie:cookie + 4]) == COOKIE
    ctx = _Context(buf, off, cookie + 4, end) if dhcp else None
    if not d.payload_complete and (ctx is None or not ctx.ended):
        # tshark's first pass over the options runs off the captured bytes: its exception
        # comes before any field is shown
        d.summarise("BOOTP", info + "[Packet size limited during capture]")
        _cut_short(d, layer, "the options run past the captured bytes")
        return None
    if not _header(layer, buf, off, end, ctx.overload if ctx else 0):
        ok = _cut_short(d, layer, f"BOOTP header needs {HEADER_LEN} bytes, {end - off} captured")
    elif dhcp:
        layer.add(Node("dhcp.cookie", "Magic cookie", socket.inet_ntoa(COOKIE), cookie, 4, show=lambda v: "DHCP"))
        msg_type, ok = _options(d, layer, buf, cookie + 4, end, ctx)
    else:
        ok = _vendor_area(d, layer, buf, cookie, end)
    if not ok and not d.payload_complete:
        msg_type = None                 # tshark gives up on the options and calls it BOOTP
    if msg_type is None:
        layer.add(Hidden("dhcp.bootp", "Frame is BOOTP", 1, off, 0))
    else:
        layer.label = f"Dynamic Host Configuration Protocol ({MESSAGE_TYPES.get(msg_type, 'Unknown')})"
        name = MESSAGE_TYPES.get(msg_type, f"Unknown Message Type (0x{msg_type:02x})")
        info = f"DHCP {name:<8} - Transaction ID 0x{XID.read(buf, off):x}"
    if not ok:
        info += "[Packet size limited during capture]" if not d.payload_complete else "[Malformed Packet]"
    d.summarise("BOOTP" if msg_type is None else "DHCP", info)
    return None




def _cut_short(d, layer: Node, what: str) -> bool:
    """tshark's exception: its malformed (or cut short) item, hidden as the expert items are."""
    item = layer.add(Hidden("_ws.malformed", "Malformed Packet", None, layer.offset, 0, text="Malformed Packet"))
    d.problem(item, f"{'malformed' if d.payload_complete else 'truncated'}: {what}")
    return False


def _vendor_area(d, layer: Node, buf, start: int, end: int) -> bool:
    """RFC 951's 64-byte vendor area, when it does not start with the DHCP magic cookie."""
    if end - start < VENDOR_LEN:        # tshark's exception: the field is not shown
        return _cut_short(d, layer, f"vendor area needs {VENDOR_LEN} bytes, {end - start} captured")
    layer.add(Node("dhcp.vendor_specific_options", "Bootp vendor specific options",
                   bytes(buf[start:start + VENDOR_LEN]), start, VENDOR_LEN, show=bytes.hex))
    return True
