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
