"""DHCP / BOOTP (RFC 2131, RFC 2132) summary dissection: the fixed header and the common options.

Option fields carry tshark's names (dhcp.option.*); options not listed in
OPTIONS are shown as their raw value (dhcp.option.value).  Option overload
(52: options continued in sname/file) is not followed.
"""
import socket
import struct

from .dissect import F, Node, dissector
from .ethernet import mac_to_str

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

OP = F("dhcp.type", "Message type", 0, 1, show=lambda v: f"{OP_NAMES.get(v, 'Unknown')} ({v})")
HTYPE = F("dhcp.hw.type", "Hardware type", 1, 1, show=lambda v: ("Ethernet" if v == 1 else "Unknown")
          + f" (0x{v:02x})")
HLEN = F("dhcp.hw.len", "Hardware address length", 2, 1)
HOPS = F("dhcp.hops", "Hops", 3, 1)
XID = F("dhcp.id", "Transaction ID", 4, 4, show=_hex(8))
SECS = F("dhcp.secs", "Seconds elapsed", 8, 2)
FLAGS = F("dhcp.flags", "Bootp flags", 10, 2, show=_hex(4))
FLAG_BC = F("dhcp.flags.bc", "Broadcast flag", 10, 2, mask=0x8000)
FLAG_RESERVED = F("dhcp.flags.reserved", "Reserved flags", 10, 2, mask=0x7FFF, show=_hex(4))
ADDRESSES = (F("dhcp.ip.client", "Client IP address", 12, 4), F("dhcp.ip.your", "Your (client) IP address", 16, 4),
             F("dhcp.ip.server", "Next server IP address", 20, 4),
             F("dhcp.ip.relay", "Relay agent IP address", 24, 4))
CHADDR = F("dhcp.hw.addr", "Client hardware address", 28, 16)
SNAME = F("dhcp.server", "Server host name", 44, 64)
FILE = F("dhcp.file", "Boot file name", 108, 128)

# code: (label, field, kind); kinds: ip, ips, str, u8, u16, u32, i32, list8, routes
OPTIONS = {
    1: ("Subnet Mask", "dhcp.option.subnet_mask", "ip"),
    2: ("Time Offset", "dhcp.option.time_offset", "i32"),
    3: ("Router", "dhcp.option.router", "ips"),
    4: ("Time Server", "dhcp.option.time_server", "ips"),
    5: ("Name Server", "dhcp.option.name_server", "ips"),
    6: ("Domain Name Server", "dhcp.option.domain_name_server", "ips"),
    7: ("Log Server", "dhcp.option.log_server", "ips"),
    12: ("Host Name", "dhcp.option.hostname", "str"),
    13: ("Boot File Size", "dhcp.option.boot_file_size", "u16"),
    15: ("Domain Name", "dhcp.option.domain_name", "str"),
    17: ("Root Path", "dhcp.option.root_path", "str"),
    23: ("Default IP Time-to-Live", "dhcp.option.default_ip_ttl", "u8"),
    26: ("Interface MTU", "dhcp.option.interface_mtu", "u16"),
    28: ("Broadcast Address", "dhcp.option.broadcast_address", "ip"),
    33: ("Static Route", "dhcp.option.static_route", "routes"),
    40: ("Network Information Service Domain", "dhcp.option.nis_domain", "str"),
    41: ("Network Information Service Servers", "dhcp.option.nis_server", "ips"),
    42: ("Network Time Protocol Servers", "dhcp.option.ntp_server", "ips"),
    44: ("NetBIOS over TCP/IP Name Server", "dhcp.option.netbios_over_tcpip_name_server", "ips"),
    46: ("NetBIOS over TCP/IP Node Type", "dhcp.option.netbios_over_tcpip_node_type", "u8"),
    50: ("Requested IP Address", "dhcp.option.requested_ip_address", "ip"),
    51: ("IP Address Lease Time", "dhcp.option.ip_address_lease_time", "u32"),
    52: ("Option Overload", "dhcp.option.option_overload", "u8"),
    53: ("DHCP Message Type", "dhcp.option.dhcp", "u8"),
    54: ("DHCP Server Identifier", "dhcp.option.dhcp_server_id", "ip"),
    55: ("Parameter Request List", "dhcp.option.request_list_item", "list8"),
    56: ("Message", "dhcp.option.message", "str"),
    57: ("Maximum DHCP Message Size", "dhcp.option.dhcp_max_message_size", "u16"),
    58: ("Renewal Time Value", "dhcp.option.renewal_time_value", "u32"),
    59: ("Rebinding Time Value", "dhcp.option.rebinding_time_value", "u32"),
    60: ("Vendor class identifier", "dhcp.option.vendor_class_id", "str"),
    61: ("Client identifier", "dhcp.client_id", "client_id"),
    66: ("TFTP Server Name", "dhcp.option.tftp_server_name", "str"),
    67: ("Bootfile name", "dhcp.option.bootfile_name", "str"),
    101: ("TZ-Database String", "dhcp.option.tz_tcode", "str"),
    118: ("Subnet Selection Option", "dhcp.option.subnet_selection_option", "ip"),
    150: ("TFTP Server Address", "dhcp.option.tftp_server_address", "ips"),
    161: ("Manufacturer Usage Description", "dhcp.option.mudurl", "str"),
}
FIXED = {"ip": 4, "u8": 1, "u16": 2, "u32": 4, "i32": 4}


def _ip(buf, off: int) -> str:
    return socket.inet_ntoa(bytes(buf[off:off + 4]))


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def _value_fields(d, opt: Node, buf, code: int, pos: int, length: int) -> None:
    """The typed field(s) of option `code` whose value is buf[pos:pos+length]."""
    if code not in OPTIONS:
        return
    label, field, kind = OPTIONS[code]
    if kind in FIXED:
        if length != FIXED[kind]:
            d.problem(opt, f"malformed: option {code} length {length}, expected {FIXED[kind]}")
            return
        value = _ip(buf, pos) if kind == "ip" else int.from_bytes(buf[pos:pos + length], "big",
                                                                  signed=kind == "i32")
        opt.add(Node(field, label, value, pos, length))
    elif kind == "ips":
        for at in range(pos, pos + length - 3, 4):
            opt.add(Node(field, label, _ip(buf, at), at, 4))
        if length % 4:
            d.problem(opt, f"malformed: option {code} length {length} is not a multiple of 4")
    elif kind == "routes":
        for at in range(pos, pos + length - 7, 8):
            opt.add(Node(f"{field}.ip", "Destination IP Address", _ip(buf, at), at, 4))
            opt.add(Node(f"{field}.router", "Destination Router", _ip(buf, at + 4), at + 4, 4))
    elif kind == "str":
        opt.add(Node(field, label, _text(bytes(buf[pos:pos + length])), pos, length))
    elif kind == "list8":
        for at in range(pos, pos + length):
            opt.add(Node(field, "Parameter Request List Item", buf[at], at, 1))
    elif kind == "client_id" and length == 7 and buf[pos] == 1:
        opt.add(Node("dhcp.hw.type", "Hardware type", 1, pos, 1, show=HTYPE.show))
        opt.add(Node("dhcp.hw.mac_addr", "Client MAC address", mac_to_str(buf[pos + 1:pos + 7]), pos + 1, 6))


def _pads(layer: Node, buf, pos: int, end: int) -> int:
    """A run of Pad options, shown as tshark does: one option 0 with the padding under it."""
    stop = pos
    while stop < end and buf[stop] == OPT_PAD:
        stop += 1
    opt = layer.add(Node("dhcp.option.type", "Option: (0) Padding", OPT_PAD, pos, stop - pos))
    opt.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos:stop]), pos, stop - pos))
    return stop


def _end(layer: Node, buf, pos: int, end: int) -> None:
    opt = layer.add(Node("dhcp.option.type", "Option: (255) End", OPT_END, pos, 1))
    opt.add(Node("dhcp.option.end", "Option End", OPT_END, pos, 1))
    if pos + 1 < end:
        layer.add(Node("dhcp.option.padding", "Padding", bytes(buf[pos + 1:end]), pos + 1, end - pos - 1))


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
        label = OPTIONS.get(code, ("Unknown",))[0]
        opt = layer.add(Node("dhcp.option.type", f"Option: ({code}) {label}", code, pos, min(end - pos, 2)))
        if pos + 1 < end:
            opt.add(Node("dhcp.option.length", "Length", buf[pos + 1], pos + 1, 1))
        if pos + 2 > end or pos + 2 + buf[pos + 1] > end:
            return msg_type, _cut_short(d, opt, f"option {code} runs past the message")
        length = buf[pos + 1]
        opt.length = 2 + length
        opt.add(Node("dhcp.option.value", "Value", bytes(buf[pos + 2:pos + 2 + length]), pos + 2, length))
        _value_fields(d, opt, buf, code, pos + 2, length)
        if code == OPT_MESSAGE_TYPE and length == 1:
            msg_type = buf[pos + 2]
            opt.label += f" ({MESSAGE_TYPES.get(msg_type, 'Unknown')})"
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
        layer.add(Node(f.name, f.label, _text(bytes(buf[off + f.offset:off + f.offset + f.size])),
                       off + f.offset, f.size))
    return True


def _chaddr(layer: Node, buf, off: int) -> None:
    chaddr, hlen = off + CHADDR.offset, min(buf[off + 2], CHADDR.size)
    if buf[off + 1] == 1 and hlen == 6:
        layer.add(Node("dhcp.hw.mac_addr", "Client MAC address", mac_to_str(buf[chaddr:chaddr + 6]), chaddr, 6))
    else:
        layer.add(Node(CHADDR.name, CHADDR.label, bytes(buf[chaddr:chaddr + hlen]), chaddr, hlen))
    if hlen < CHADDR.size:
        layer.add(Node("dhcp.hw.addr_padding", "Client hardware address padding",
                       bytes(buf[chaddr + hlen:chaddr + CHADDR.size]), chaddr + hlen, CHADDR.size - hlen))


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
        layer.add(Node("dhcp.cookie", "Magic cookie", socket.inet_ntoa(COOKIE), cookie, 4))
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
                   start, stop - start))
    return end - start >= VENDOR_LEN or _cut_short(
        d, layer, f"vendor area needs {VENDOR_LEN} bytes, {end - start} captured")
