"""DHCP / BOOTP (RFC 2131, RFC 2132): the fixed header and the options, as tshark shows them.

Every option is named (dhcp_options.NAMES); its value (dhcp.option.value, hidden as tshark
hides it) is shown by a typed field where tshark has one for it: addresses, text, times in
words, numbers and their names, and the options that hold a structure (request list, client
identifier, user classes, relay agent suboptions, static and classless routes, domain
search).  A value tshark would not read (a wrong length) stays in view with tshark's note.
Option overload (52: options continued in sname/file) is not followed.
"""
import socket
import struct

from .dhcp_options import NAMES, TYPED
from .dissect import F, Hidden, Node, dissector, named
from .ethernet import mac_to_str
from .textfmt import ascii_shown, ascii_value, duration, utf8_text

# op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file
HEADER = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s")
HEADER_LEN = 236
VENDOR_LEN = 64
COOKIE = b"\x63\x82\x53\x63"
SERVER_PORT, CLIENT_PORT = 67, 68
OPT_PAD, OPT_MESSAGE_TYPE, OPT_END = 0, 53, 255


def _hex(width: int):
    return lambda value: f"0x{value:0{width}x}"


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
XID = F("dhcp.id", "Transaction ID", 4, 4, show=_hex(8))
SECS = F("dhcp.secs", "Seconds elapsed", 8, 2)
FLAGS = F("dhcp.flags", "Bootp flags", 10, 2,
          show=lambda v: f"0x{v:04x}, Broadcast flag (Broadcast)" if v & 0x8000 else f"0x{v:04x} (Unicast)")
FLAG_BC = F("dhcp.flags.bc", "Broadcast flag", 10, 2, mask=0x8000, show=("Unicast", "Broadcast").__getitem__)
FLAG_RESERVED = F("dhcp.flags.reserved", "Reserved flags", 10, 2, mask=0x7FFF, show=_hex(4))
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
SUBOPTIONS_82 = {1: ("Agent Circuit ID", "agent_circuit_id"), 2: ("Agent Remote ID", "agent_remote_id")}
PAIRS = {21: (("dhcp.option.policy_filter.ip", "IP Address"), ("dhcp.option.policy_filter.subnet_mask", "Subnet Mask")),
         33: (("dhcp.option.static_route.ip", "Destination IP Address"),
              ("dhcp.option.static_route.router", "Destination Router"))}
CLASSLESS_ROUTES = {121: "dhcp.option.classless_static_route",
                    249: "dhcp.option.classless_static_route"}
FIXED = {"ip": 4, "u8": 1, "u16": 2, "time": 4, "stime": 4, "enabled": 1, "yes": 1}


def _ip(buf, off: int) -> str:
    return socket.inet_ntoa(bytes(buf[off:off + 4]))


def _seconds(value: int, kind: str) -> str:
    if kind == "time" and value == 0xFFFFFFFF:
        return f"({value}s) infinity"
    return f"({value}s) {duration(value)}"


def _typed(d, opt: Node, buf, code: int, pos: int, length: int) -> bool:
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
            d.problem(opt, "Option length isn't a multiple of 8")
        return True
    if code == 61:
        return _client_id(opt, buf, pos, length)
    if code == 77:
        return _user_classes(opt, buf, pos, length)
    if code == 82:
        return _agent_information(opt, buf, pos, length)
    if code == 43:
        opt.add(Node("dhcp.option.vendor.value", "Value", raw, pos, length, show=bytes.hex))
        return True
    if code in CLASSLESS_ROUTES:
        return _classless_routes(d, opt, code, buf, pos, length)
    if code == 119:
        return _domain_search(opt, buf, pos, length)
    if code == 145:
        for at in range(pos, pos + length):
            opt.add(Node("dhcp.option.forcerenew_nonce.algorithm", "Algorithm", buf[at], at, 1,
                         show=named(VALUE_NAMES[145])))
        return True
    if code not in TYPED:
        return True             # tshark hides the value of an option it shows no field for too
    kind, field, label = TYPED[code]
    if kind in FIXED and length != FIXED[kind]:
        d.problem(opt, f"length isn't {FIXED[kind]}")
        return False
    if kind == "ip":
        opt.add(Node(field, label, _ip(buf, pos), pos, 4))
        opt.label += f" ({_ip(buf, pos)})"
    elif kind == "ips":
        for at in range(pos, pos + length - 3, 4):
            opt.add(Node(field, label, _ip(buf, at), at, 4))
        if length % 4:
            d.problem(opt, "Option length isn't a multiple of 4")
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
            d.problem(opt, "Option length isn't a multiple of 2")
    else:                                           # u8, u16
        value = int.from_bytes(raw, "big")
        names = VALUE_NAMES.get(code)
        opt.add(Node(field, label, value, pos, length,
                     show=None if names is None else named(names)))
    return True


def _client_id(opt: Node, buf, pos: int, length: int) -> bool:
    if length == 7 and buf[pos] == 1:
        opt.add(Node("dhcp.hw.type", "Hardware type", 1, pos, 1, show=HTYPE.show))
        opt.add(Node("dhcp.hw.mac_addr", "Client MAC address", mac_to_str(buf[pos + 1:pos + 7]), pos + 1, 6))
        return True
    if length >= 2 and buf[pos] == 0:
        opt.add(Node("dhcp.client_id.type", "Type", 0, pos, 1))
        opt.add(Node("dhcp.client_id.undef", "Client Identifier", ascii_value(bytes(buf[pos + 1:pos + length])),
                     pos + 1, length - 1, show=ascii_shown))
        return True
    return length > 0


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


def _agent_information(opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3046 suboptions: code, length, value; circuit and remote IDs named."""
    at, end = pos, pos + length
    while at + 2 <= end and at + 2 + buf[at + 1] <= end:
        code, size = buf[at], buf[at + 1]
        name, field = SUBOPTIONS_82.get(code, ("Unknown", None))
        sub = opt.add(Node("dhcp.option.agent_information_option.suboption", f"Option 82 Suboption: ({code}) {name}",
                           code, at, 2 + size, text=f"Option 82 Suboption: ({code}) {name}"))
        sub.add(Node("dhcp.option.suboption_length", "Length", size, at + 1, 1))
        value = bytes(buf[at + 2:at + 2 + size])
        sub.add(Hidden("dhcp.option.agent_information_option.value", "Value", value, at + 2, size, show=bytes.hex))
        if field is not None:
            sub.add(Node(f"dhcp.option.agent_information_option.{field}", name, value, at + 2, size,
                         show=bytes.hex))
        at += 2 + size
    return True


def _classless_routes(d, opt: Node, code: int, buf, pos: int, length: int) -> bool:
    """RFC 3442 routes: a prefix length, the significant bytes of the prefix, a router."""
    at, end = pos, pos + length
    if length < 5:
        d.problem(opt, "length isn't >= 5")
        return False
    while at < end:
        bits = buf[at]
        size = (bits + 7) // 8
        if bits > 32 or at + 1 + size + 4 > end:
            d.problem(opt, "malformed: a route runs past the option")
            break
        prefix = socket.inet_ntoa(bytes(buf[at + 1:at + 1 + size]) + bytes(4 - size))
        router = _ip(buf, at + 1 + size)
        text = f"default-{router}" if bits == 0 else f"{prefix}/{bits}-{router}"
        opt.add(Node(CLASSLESS_ROUTES[code], "", bytes(buf[at:at + 1 + size + 4]), at, 1 + size + 4, text=f" {text}"))
        at += 1 + size + 4
    return True


def _domain_search(opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3397 names, uncompressed labels (a pointer or an overrun ends the walk)."""
    at, end = pos, pos + length
    while at < end:
        labels, start = [], at
        while at < end and buf[at] and not buf[at] & 0xC0 and at + 1 + buf[at] <= end:
            labels.append(bytes(buf[at + 1:at + 1 + buf[at]]))
            at += 1 + buf[at]
        if at >= end or buf[at]:
            return True
        at += 1
        opt.add(Node("dhcp.option.dhcp_dns_domain_search_list_fqdn", "FQDN",
                     ".".join(utf8_text(label) for label in labels), start, at - start))
    return True


def _pads(layer: Node, buf, pos: int, end: int) -> int:
    """A run of Pad options, shown as tshark does: one option 0 with the padding under it."""
    stop = pos
    while stop < end and buf[stop] == OPT_PAD:
        stop += 1
    opt = layer.add(Node("dhcp.option.type", "Option: (0) Padding", OPT_PAD, pos, stop - pos,
                         text="Option: (0) Padding"))
    opt.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos:stop]), pos, stop - pos, show=bytes.hex))
    return stop


def _end(layer: Node, buf, pos: int, end: int) -> None:
    opt = layer.add(Node("dhcp.option.type", "Option: (255) End", OPT_END, pos, 1, text="Option: (255) End"))
    opt.add(Node("dhcp.option.end", "Option End", OPT_END, pos, 1))
    if pos + 1 < end:
        layer.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos + 1:end]), pos + 1, end - pos - 1,
                       show=bytes.hex))


def _options(d, layer: Node, buf, pos: int, end: int) -> tuple[int | None, bool]:
    """Walk the options; returns (message type or None, whether they were well-formed)."""
    msg_type = None
    while pos < end:
        code = buf[pos]
        if code == OPT_END:
            _end(layer, buf, pos, end)
            return msg_type, True
        if code == OPT_PAD:
            pos = _pads(layer, buf, pos, end)
            continue
        label = f"Option: ({code}) {NAMES[code]}"
        opt = layer.add(Node("dhcp.option.type", label, code, pos, min(end - pos, 2), text=label))
        if pos + 1 < end:
            opt.add(Node("dhcp.option.length", "Length", buf[pos + 1], pos + 1, 1))
        if pos + 2 > end or pos + 2 + buf[pos + 1] > end:
            return msg_type, _cut_short(d, opt, f"option {code} runs past the message")
        length = buf[pos + 1]
        opt.length = 2 + length
        value = Node("dhcp.option.value", "Value", bytes(buf[pos + 2:pos + 2 + length]), pos + 2, length,
                     show=bytes.hex)
        opt.add(value)
        if length and _typed(d, opt, buf, code, pos + 2, length):
            opt.children[opt.children.index(value)] = Hidden.of(value)     # shown by its typed field instead
        if code == OPT_MESSAGE_TYPE and length == 1:
            msg_type = buf[pos + 2]
            opt.label += f" ({MESSAGE_TYPES.get(msg_type, 'Unknown')})"
        opt._text = opt.label
        pos += 2 + length
    d.problem(layer, "end option missing")
    return msg_type, True


def _header(layer: Node, buf, off: int, end: int) -> bool:
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
    for f in (SNAME, FILE):
        if off + f.offset + f.size > end:
            return False
        at = off + f.offset
        if buf[at]:
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
    layer = d.layer("dhcp", "Bootstrap Protocol", off, end - off)
    if end - off < 3:
        d.summarise("BOOTP", "")
        d.short(layer, HEADER_LEN, end - off, "BOOTP header")
        return None
    info, msg_type = _boot_info(buf, off), None
    cookie = off + HEADER_LEN
    if not _header(layer, buf, off, end):
        ok = _cut_short(d, layer, f"BOOTP header needs {HEADER_LEN} bytes, {end - off} captured")
    elif bytes(buf[cookie:cookie + 4]) == COOKIE:
        layer.add(Node("dhcp.cookie", "Magic cookie", socket.inet_ntoa(COOKIE), cookie, 4, show=lambda v: "DHCP"))
        msg_type, ok = _options(d, layer, buf, cookie + 4, end)
    else:
        ok = _vendor_area(d, layer, buf, cookie, end)
    if not ok and not d.payload_complete:
        msg_type = None                 # tshark gives up on the options and calls it BOOTP
    if msg_type is None:
        layer.add(Node("dhcp.bootp", "Frame is BOOTP", 1, off, 0))
    else:
        layer.label = f"Dynamic Host Configuration Protocol ({MESSAGE_TYPES.get(msg_type, 'Unknown')})"
        name = MESSAGE_TYPES.get(msg_type, f"Unknown Message Type (0x{msg_type:02x})")
        info = f"DHCP {name:<8} - Transaction ID 0x{XID.read(buf, off):x}"
    if not ok:
        info += "[Packet size limited during capture]" if not d.payload_complete else "[Malformed Packet]"
    d.summarise("BOOTP" if msg_type is None else "DHCP", info)
    return None


def _cut_short(d, layer: Node, what: str) -> bool:
    d.problem(layer, f"{'malformed' if d.payload_complete else 'truncated'}: {what}")
    return False


def _vendor_area(d, layer: Node, buf, start: int, end: int) -> bool:
    """RFC 951's 64-byte vendor area, when it does not start with the DHCP magic cookie."""
    stop = min(end, start + VENDOR_LEN)
    layer.add(Node("dhcp.vendor_specific_options", "Bootp vendor specific options", bytes(buf[start:stop]),
                   start, stop - start, show=bytes.hex))
    return end - start >= VENDOR_LEN or _cut_short(
        d, layer, f"vendor area needs {VENDOR_LEN} bytes, {end - start} captured")
