"""What the DHCP readers (stack/wire/dhcp.py, dhcp_vendor.py) share: tshark's exception for a
field running past its option, its notes, an IPv4 address, an enterprise number."""
import socket

from .dhcp_options import ENTERPRISES
from .dissect import Hidden, Node, named

NO_LENGTH, NO_VALUE = "dhcp.missing_subopt_length", "dhcp.missing_subopt_value"     # tshark's expert items


class Malformed(Exception):
    """A field runs past its option: tshark's exception, which ends the options there."""


def ip_text(buf, off: int) -> str:
    return socket.inet_ntoa(bytes(buf[off:off + 4]))


def enterprise(parent: Node, field: str, number: int, at: int) -> Node:
    """An enterprise number, named as tshark names it; one not in our table is kept for filters only."""
    if number in ENTERPRISES:
        return parent.add(Node(field, "Enterprise", number, at, 4, show=named(ENTERPRISES)))
    return parent.add(Hidden(field, "Enterprise", number, at, 4))


def note(d, parent: Node, text: str, name: str) -> None:
    """A problem noted as tshark's expert item under `parent` (hidden: our tree leaves expert
    items out, so the tree's lines stay tshark's)."""
    d.problem(parent.add(Hidden(name, text, "", parent.offset, 0, text="")), text)


def suboption_length(d, opt: Node, buf, at: int, end: int) -> int | None:
    """The length byte of the suboption whose code is at buf[at]; None, with tshark's note on
    `opt`, when the option ends before it."""
    if at + 1 >= end:
        note(d, opt, f"Suboption {buf[at]}: no room left in option for suboption length", NO_LENGTH)
        return None
    return buf[at + 1]


def suboption(opt: Node, field: str, label: str, code: int, at: int, size: int, text: str | None = None) -> Node:
    """A suboption's line (code at buf[at], `size` bytes of value after its length) and its Length."""
    sub = opt.add(Node(field, label, code, at, 2 + size, text=text))
    sub.add(Node("dhcp.option.suboption_length", "Length", size, at + 1, 1))
    return sub


def no_room_for_value(d, sub: Node, code: int) -> None:
    note(d, sub, f"Suboption {code}: no room left in option for suboption value", NO_VALUE)
