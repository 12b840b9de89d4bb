"""DHCP's vendor options, as tshark reads them: the vendor-identifying vendor class (124) and
vendor-specific information (125: Broadband Forum TR-111 and CableLabs suboptions named, other
enterprises' numbered), and option 43 read by the rules of the client's vendor class (PXE's
suboptions decoded; the classes tshark has other rules for named)."""
from __future__ import annotations

from .dhcp_options import CL_ADDRESS_MODES, PXE_BOOT_SERVER_TYPES, PXE_SUBOPTIONS, VENDOR_43_OTHERS, VI_SUBOPTIONS
from .dhcp_values import no_room_for_value, suboption, suboption_length
from .dhcp_values import Malformed as _Malformed
from .dhcp_values import enterprise as _enterprise
from .dhcp_values import ip_text as _ip
from .dhcp_values import note as _note
from .dissect import Hidden, Node, named
from .textfmt import ascii_shown, ascii_value

PXE_DISCOVERY_BITS = ((0x01, "broadcast", "Disable Broadcast"), (0x02, "multicast", "Disable Multicast"),
                      (0x04, "serverlist", "Serverlist only"), (0x08, "bstrap", "Bootstrap override"))


def vi_class(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3925's V-I vendor class: enterprise, data length, data (tshark's labels, as they are)."""
    if length == 1:
        opt.add(Node("dhcp.option.vi_class.cl_address_mode", "CableLab Address Mode", buf[pos], pos, 1,
                     show=named(CL_ADDRESS_MODES)))
        return True
    at, end = pos, pos + length
    while end - at >= 5:
        _enterprise(opt, "dhcp.option.vi_class.enterprise", int.from_bytes(buf[at:at + 4], "big"), at)
        size = buf[at + 4]
        opt.add(Node("dhcp.option.vi_class.length", "CableLab Address Mode", size, at + 4, 1))
        if at + 5 + size > end:
            raise _Malformed("vendor class data runs past its option")
        raw = bytes(buf[at + 5:at + 5 + size])
        data = ascii_value(raw)
        opt.add((Node if data else Hidden)("dhcp.option.vi_class.data", "NetInfo Parent Server Tag", data,
                                          at + 5, size, show=ascii_shown))
        at += 5 + size
    if at < end:
        _note(d, opt, "length < 5", "dhcp.bad_length")
    return True


def vi_specific(d, opt: Node, buf, pos: int, length: int) -> bool:
    """RFC 3925's V-I vendor-specific information: per enterprise, its suboptions; those of the
    Broadband Forum (TR-111) and CableLabs named, others' numbered with their data in hex."""
    at, end = pos, pos + length
    while at < end:
        if at + 5 > end:
            raise _Malformed("enterprise runs past its option")
        number = int.from_bytes(buf[at:at + 4], "big")
        _enterprise(opt, "dhcp.option.vi.enterprise", number, at)
        size = buf[at + 4]
        opt.add(Node("dhcp.option.vi.length", "Length", size, at + 4, 1))
        stop = at + 5 + size
        if stop > end:
            raise _Malformed("enterprise data runs past its option")
        _vi_suboptions(d, opt, buf, at + 5, stop, number)
        at = stop
    return True


def _vi_suboptions(d, opt: Node, buf, at: int, end: int, number: int) -> None:
    field, table = VI_SUBOPTIONS.get(number, (None, None))
    while at < end:
        code, size = buf[at], suboption_length(d, opt, buf, at, end)
        if size is None:
            return
        if table is None:
            sub = suboption(opt, "dhcp.vendor.suboption", "Option 125 Suboption", code, at, size)
        else:
            name, value_field, kind = table.get(code, ("Unknown", None, None))
            text = f"Option 125 Suboption: ({code}) {name}"
            sub = suboption(opt, field, text, code, at, size, text)
        start = at + 2
        if start + size > end:
            no_room_for_value(d, sub, code)
            return
        raw = bytes(buf[start:start + size])
        if table is None:
            if size:
                sub.add(Node("dhcp.vendor.data", "Data", raw, start, size, show=bytes.hex))
        elif value_field is not None and size:
            _vi_value(sub, buf, start, size, value_field, name, kind)
        at = start + size


def _vi_value(sub: Node, buf, at: int, size: int, field: str, label: str, kind: str) -> None:
    raw = bytes(buf[at:at + size])
    if kind == "str":
        if ascii_value(raw):
            sub.add(Node(field, label, ascii_value(raw), at, size, show=ascii_shown))
    elif kind == "ips":
        for where in range(at, at + size - 3, 4):
            sub.add(Node(field, label, _ip(buf, where), where, 4))
    elif kind == "spaced":
        sub.add(Node(field, label, raw, at, size, show=lambda v: " ".join(f"{b:02x}" for b in v)))
    elif kind == "oui":             # named from the OUI table tshark has and we have not
        sub.add(Hidden(field, label, int.from_bytes(raw[:3], "big"), at, size))
    else:
        sub.add(Node(field, label, raw, at, size, show=bytes.hex))


def vendor_specific(d, opt: Node, buf, pos: int, length: int, vendor_class: bytes | None) -> bool:
    """Option 43: PXE's suboptions for a "PXEClient"; the value in hex when no vendor class tshark
    reads by its own rules is given (those others are left out of view)."""
    if vendor_class is not None and vendor_class.startswith(b"PXEClient"):
        opt.label += " (PXEClient)"
        opt.add(Hidden("dhcp", "DHCP", None, pos, length))      # tshark's vendor dissector: dhcp once more
        _pxe(d, opt, buf, pos, pos + length)                     # in frame.protocols
        return True
    for prefix, vendor in VENDOR_43_OTHERS if vendor_class is not None else ():
        if vendor_class.startswith(prefix):
            opt.label += f" ({vendor})"
            opt.add(Hidden("dhcp", "DHCP", None, pos, length))
            return True
    opt.add(Node("dhcp.option.vendor.value", "Value", bytes(buf[pos:pos + length]), pos, length, show=bytes.hex))
    return True


def _pxe(d, opt: Node, buf, at: int, end: int) -> None:
    prefix = "dhcp.option.vendor.pxeclient"
    while at < end:
        code = buf[at]
        if code == 0:
            opt.add(Node(f"{prefix}.padding", "Padding", 0, at, 1))
            at += 1
            continue
        if code == 255:
            opt.add(Node(f"{prefix}.end", "PXE Client End", 255, at, 1))
            return
        size = suboption_length(d, opt, buf, at, end)
        if size is None:
            return
        name, field, label, kind = PXE_SUBOPTIONS.get(code, ("Unknown", None, None, None))
        text = f"Option 43 Suboption: ({code}) {name}"
        sub = suboption(opt, f"{prefix}.suboption", text, code, at, size, text)
        start = at + 2
        if start + size > end:
            raise _Malformed(f"PXE suboption {code} runs past its option")
        sub.add(Hidden("dhcp.option.vendor.value", "Value", bytes(buf[start:start + size]), start, size,
                       show=bytes.hex))
        if field is not None and size:
            _pxe_value(sub, buf, start, size, f"{prefix}.{field}", label, kind)
        at = start + size


def _pxe_value(sub: Node, buf, at: int, size: int, field: str, label: str, kind: str) -> None:
    raw, end = bytes(buf[at:at + size]), at + size
    if kind == "ips":
        for where in range(at, end - 3, 4):
            sub.add(Node(field, label, _ip(buf, where), where, 4))
    elif kind == "u16le" and size == 2:
        sub.add(Node(field, label, int.from_bytes(raw, "little"), at, 2))
    elif kind == "u8" and size == 1:
        sub.add(Node(field, label, raw[0], at, 1))
    elif kind == "u32" and size == 4:
        sub.add(Node(field, label, int.from_bytes(raw, "big"), at, 4))
    elif kind == "yes" and size == 1:
        sub.add(Node(field, label, int(raw[0] != 0), at, 1, show=("No", "Yes").__getitem__))
    elif kind == "str":
        if ascii_value(raw):
            sub.add(Node(field, label, ascii_value(raw), at, size, show=ascii_shown))
    elif kind == "bytes":
        sub.add(Node(field, label, raw, at, size, show=bytes.hex))
    elif kind == "discovery" and size == 1:
        bits = [name for bit, _, name in PXE_DISCOVERY_BITS if raw[0] & bit]
        node = sub.add(Node(field, label, raw[0], at, 1, show=lambda v: ", ".join([f"0x{v:02x}"] + bits)))
        for bit, name, bit_label in PXE_DISCOVERY_BITS:
            node.add(Node(f"{field}.{name}", bit_label, int(bool(raw[0] & bit)), at, 1, mask=bit))
    elif kind in ("servers", "menu", "prompt", "item"):
        _pxe_structure(sub, buf, at, end, field, label, kind)


def _pxe_structure(sub: Node, buf, at: int, end: int, field: str, label: str, kind: str) -> None:
    """Boot servers (type, count, addresses), boot menu (type, length, description), menu
    prompt (timeout, prompt), boot item (type, layer): shown only when they fit their suboption."""
    rows, where = [], at
    if kind == "servers":
        while where < end - 1:
            if where + 3 > end or where + 3 + 4 * buf[where + 2] > end:
                return
            count = buf[where + 2]
            rows.append(Node(f"{field}.type", "Type", int.from_bytes(buf[where:where + 2], "big"), where, 2,
                             show=named(PXE_BOOT_SERVER_TYPES)))
            rows.append(Node(f"{field}.count", "IP count", count, where + 2, 1))
            rows += [Node(f"{field}.ip", "IP", _ip(buf, ip), ip, 4)
                     for ip in range(where + 3, where + 3 + 4 * count, 4)]
            where += 3 + 4 * count
    elif kind == "menu":
        while where < end - 1:
            if where + 3 > end or where + 3 + buf[where + 2] > end:
                return
            size = buf[where + 2]
            rows.append(Node(f"{field}.type", "Type", int.from_bytes(buf[where:where + 2], "big"), where, 2,
                             show=named({0: "Local boot"})))
            rows.append(Node(f"{field}.length", "Length", size, where + 2, 1))
            text = ascii_value(bytes(buf[where + 3:where + 3 + size]))
            if text:
                rows.append(Node(f"{field}.desc", "Description", text, where + 3, size, show=ascii_shown))
            where += 3 + size
    elif kind == "prompt":
        rows.append(Node(f"{field}.timeout", "Timeout", buf[at], at, 1))
        text = ascii_value(bytes(buf[at + 1:end]))
        if text:
            rows.append(Node(f"{field}.prompt", "Prompt", text, at + 1, end - at - 1, show=ascii_shown))
    elif end - at >= 4:                                                     # boot item
        rows.append(Node(f"{field}.type", "Type", int.from_bytes(buf[at:at + 2], "big"), at, 2))
        rows.append(Node(f"{field}.layer", "Layer", bytes(buf[at + 2:at + 4]), at + 2, 2, show=bytes.hex))
    else:
        return
    node = sub.add(Node(field, label, bytes(buf[at:end]), at, end - at, show=bytes.hex))
    for row in rows:
        node.add(row)
