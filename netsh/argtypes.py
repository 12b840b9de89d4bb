"""Value types for command slots: how a token is checked, converted and completed.

`parse` returns the value a handler gets or raises ValueError with a short
reason; the grammar turns that into ``invalid MTU "20": must be 68..65535``.
Live candidates come from ``ctx.live(kind)`` (the executor, or the context
handed to handlers), so completion lists the stack's links and host NICs.
"""
from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

from netsh.grammar import ArgType
from stack.api import link_name_problem
from stack.api.stats import group_names


class LiveArg(ArgType):
    """An ArgType whose values are names the running stack knows (`kind`)."""

    def candidates(self, ctx) -> list[str]:
        live = getattr(ctx, "live", None)
        return list(live(self.kind)) if live and self.kind else []


def check_link_name(token: str) -> str:
    problem = link_name_problem(token)
    if problem:
        raise ValueError(problem)
    return token


class LinkName(LiveArg):
    """A link the stack has (``eth0``, a pair end)."""

    metavar = "DEV"
    kind = "link"
    help = "a link of the stack"

    def parse(self, token: str) -> str:
        return check_link_name(token)


class NewLinkName(ArgType):
    """A name for a link about to be made."""

    metavar = "NAME"
    help = "a new link name (1..15 characters)"

    def parse(self, token: str) -> str:
        return check_link_name(token)


class HostDev(LiveArg):
    """A host NIC that pcap can open."""

    metavar = "HOSTDEV"
    kind = "hostdev"
    help = "a host network device (see: link host)"

    def parse(self, token: str) -> str:
        return check_link_name(token)


class BridgeName(LiveArg):
    """A bridge of the stack."""

    metavar = "BR"
    kind = "bridge"
    help = "a bridge of the stack"

    def parse(self, token: str) -> str:
        return check_link_name(token)


class PortName(LiveArg):
    """A port of one of the stack's bridges."""

    metavar = "PORT"
    kind = "brport"
    help = "a bridge port (or a bridge, for its own entries)"

    def parse(self, token: str) -> str:
        return check_link_name(token)


class IPv4Addr(ArgType):
    metavar = "ADDR"
    invalid_status = 1                  # ip: get_addr's "any valid address is expected", exit 1
    help = "an IPv4 address, A.B.C.D"

    def parse(self, token: str) -> ipaddress.IPv4Address:
        try:
            return ipaddress.IPv4Address(token)
        except ValueError:
            raise ValueError("not an IPv4 address") from None


class Prefix(NamedTuple):
    address: ipaddress.IPv4Address
    prefixlen: int | None          # None: not given, where that means "any" (addr del)

    def __str__(self) -> str:
        return str(self.address) + ("" if self.prefixlen is None else f"/{self.prefixlen}")


class IPv4Prefix(ArgType):
    """``A.B.C.D[/LEN]``; a missing length is `default_len` (/32 for ``addr add``, as ip does)."""

    metavar = "PREFIX"
    help = "an IPv4 address with prefix length, A.B.C.D/LEN"
    invalid_status = 1                  # ip: get_prefix's "any valid prefix is expected", exit 1

    def __init__(self, default_len: int | None = 32):
        self.default_len = default_len

    def parse(self, token: str) -> Prefix:
        addr, slash, length = token.partition("/")
        address = IPv4Addr().parse(addr)
        if not slash:
            return Prefix(address, self.default_len)
        if not length.isdigit() or not 0 <= int(length) <= 32:
            raise ValueError("prefix length must be 0..32")
        return Prefix(address, int(length))


class IPAddr(ArgType):
    """An IPv4 or IPv6 address; with `scoped`, an IPv6 one may name its link (``fe80::1%eth0``)."""

    metavar = "ADDR"
    help = "an IPv4 (A.B.C.D) or IPv6 (2001:db8::1) address"
    invalid_status = 1                  # ip: get_addr's "any valid address is expected", exit 1

    def __init__(self, scoped: bool = False):
        self.scoped = scoped

    def parse(self, token: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        if ":" not in token:
            return IPv4Addr().parse(token)
        try:
            address = ipaddress.IPv6Address(token)
        except ValueError:
            raise ValueError("not an IPv4 or IPv6 address") from None
        if address.scope_id is not None and not self.scoped:
            raise ValueError("a %scope is not taken here")
        return address


class IPPrefix(ArgType):
    """``ADDR[/LEN]`` of either family; a missing length is the whole address (/32, /128), as
    ``ip addr add`` takes it, or None where that means "any" (addr del)."""

    metavar = "PREFIX"
    help = "an IPv4 or IPv6 address with prefix length, A.B.C.D/LEN or 2001:db8::1/LEN"
    invalid_status = 1                  # ip: get_prefix's "any valid prefix is expected", exit 1

    def __init__(self, whole: bool = True):
        self.whole = whole

    def parse(self, token: str) -> Prefix:
        addr, slash, length = token.partition("/")
        address = IPAddr().parse(addr)
        if not slash:
            return Prefix(address, address.max_prefixlen if self.whole else None)
        if not length.isdigit() or not 0 <= int(length) <= address.max_prefixlen:
            raise ValueError(f"prefix length must be 0..{address.max_prefixlen}")
        return Prefix(address, int(length))


class Lifetime(ArgType):
    """``forever`` or seconds, as ``ip addr add ... valid_lft LFT`` takes them (None: forever)."""

    metavar = "LFT"
    help = "seconds (0..4294967294), or forever"

    def parse(self, token: str) -> int | None:
        if token == "forever":
            return None
        if not token.isdigit() or int(token) >= 0xFFFFFFFF:
            raise ValueError("seconds 0..4294967294, or forever")
        return int(token)

    def choices(self) -> list[str]:
        return ["forever"]


class LLAddr(ArgType):
    metavar = "LLADDR"
    invalid_status = 1                  # ip: '"zz" is invalid lladdr.', exit 1
    help = "a MAC address, aa:bb:cc:dd:ee:ff"
    _MAC = re.compile(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}")

    def parse(self, token: str) -> bytes:
        if not self._MAC.fullmatch(token):
            raise ValueError("expected 6 hex bytes like aa:bb:cc:dd:ee:ff")
        return bytes(int(part, 16) for part in token.split(":"))


class Integer(ArgType):
    """A whole number within lo..hi."""

    def __init__(self, lo: int, hi: int, metavar: str = "N", help: str = ""):
        self.lo, self.hi = lo, hi
        self.metavar = metavar
        self.help = help or f"{lo}..{hi}"

    def parse(self, token: str) -> int:
        try:
            value = int(token, 10)
        except ValueError:
            raise ValueError("not a number") from None
        if not self.lo <= value <= self.hi:
            raise ValueError(f"must be {self.lo}..{self.hi}")
        return value


class Seconds(ArgType):
    """A duration in seconds (``0.2``, ``5``) within lo..hi."""

    def __init__(self, lo: float, hi: float, metavar: str = "SECONDS", help: str = ""):
        self.lo, self.hi = lo, hi
        self.metavar = metavar
        self.help = help or f"seconds, {lo:g}..{hi:g}"

    def parse(self, token: str) -> float:
        try:
            value = float(token)
        except ValueError:
            raise ValueError("not a number of seconds") from None
        if not self.lo <= value <= self.hi:      # also refuses nan
            raise ValueError(f"must be {self.lo:g}..{self.hi:g}")
        return value


class Choice(ArgType):
    """One word of a fixed set, exact or by unique prefix."""

    def __init__(self, words: tuple[str, ...], metavar: str, help: str = ""):
        self.words = tuple(words)
        self.metavar = metavar
        self.help = help

    def parse(self, token: str) -> str:
        if token in self.words:
            return token
        hits = [w for w in self.words if token and w.startswith(token)]
        if len(hits) == 1:
            return hits[0]
        raise ValueError(f"one of: {', '.join(self.words)}")

    def choices(self) -> list[str]:
        return list(self.words)


class FilePath(ArgType):
    metavar = "FILE"
    kind = "file"
    help = "a file name"

    def parse(self, token: str) -> str:
        if "\0" in token:          # no system call takes it: refuse it here, as any bad value
            raise ValueError("a file name cannot hold a NUL byte")
        return token


class StatsLayer(LiveArg):
    """A counter group of the stack; the canonical groups are known offline."""

    metavar = "LAYER"
    kind = "layer"
    help = "a counter group"

    def parse(self, token: str) -> str:
        for name in group_names():
            if name.lower() == token.lower():
                return name
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", token):
            raise ValueError(f"one of: {', '.join(group_names())}")
        return token          # a group the stack may have grown; it says if not

    def choices(self) -> list[str]:
        return group_names()


class Word(ArgType):
    """Any word (``help link set``); `words` lists offline completions."""

    def __init__(self, metavar: str, help: str = "", words=None):
        self.metavar = metavar
        self.help = help
        self._words = words

    def choices(self) -> list[str]:
        return list(self._words()) if callable(self._words) else list(self._words or ())


class InetAddr(ArgType):
    """An address of either family (``192.0.2.1``, ``2001:db8::1``)."""

    metavar = "ADDR"
    help = "an address, A.B.C.D (or an IPv6 address)"
    invalid_status = 1

    def parse(self, token: str):
        try:
            return ipaddress.ip_address(token)
        except ValueError:
            raise ValueError("not an address") from None


class RoutePrefix(ArgType):
    """``A.B.C.D[/LEN]`` of either family, or `any_word` (``default``, ``all``: 0.0.0.0/0).
    No length: the whole address (a host route)."""

    invalid_status = 1

    def __init__(self, any_word: str = "default", metavar: str = "PREFIX"):
        self.any_word = any_word
        self.metavar = metavar
        self.help = f"A.B.C.D/LEN, 2001:db8::/LEN, or {any_word}"

    def parse(self, token: str) -> Prefix:
        if token == self.any_word or (self.any_word == "default" and token == "all"):
            return Prefix(ipaddress.IPv4Address(0), 0)
        addr, slash, length = token.partition("/")
        address = InetAddr().parse(addr)
        if not slash:
            return Prefix(address, address.max_prefixlen)
        if not length.isdigit() or not 0 <= int(length) <= address.max_prefixlen:
            raise ValueError(f"prefix length must be 0..{address.max_prefixlen}")
        return Prefix(address, int(length))

    def choices(self) -> list[str]:
        return [self.any_word]


class Number(ArgType):
    """A whole number in decimal or 0x hex, within 0..hi (a mark, a TOS, a table id)."""

    def __init__(self, hi: int, metavar: str, help: str = ""):
        self.hi = hi
        self.metavar = metavar
        self.help = help or f"0..{hi}, decimal or 0xHEX"

    def parse(self, token: str) -> int:
        try:
            value = int(token, 0)
        except ValueError:
            raise ValueError("not a number") from None
        if not 0 <= value <= self.hi:
            raise ValueError(f"must be 0..{self.hi}")
        return value


class MarkMask(ArgType):
    """``MARK[/MASK]`` (fwmark): numbers in decimal or 0x hex."""

    metavar = "MARK[/MASK]"
    help = "a firewall mark, with a mask after a slash"

    def parse(self, token: str) -> tuple[int, int | None]:
        mark, slash, mask = token.partition("/")
        number = Number(0xFFFFFFFF, "MARK")
        return number.parse(mark), number.parse(mask) if slash else None


class TableId(ArgType):
    """A routing table: local, main, default or a number."""

    metavar = "TABLE_ID"
    help = "local, main, default, or a number 1..4294967295"
    NAMES = ("local", "main", "default")

    def __init__(self, all_word: bool = False):
        self.all_word = all_word
        if all_word:
            self.help += ", or all"

    def parse(self, token: str) -> str:
        if token in self.NAMES or (self.all_word and token == "all"):
            return token
        if not (token.isdigit() or token.lower().startswith("0x")):
            raise ValueError(f"one of: {', '.join(self.choices())}, or a number")
        value = Number(0xFFFFFFFF, "TABLE_ID").parse(token)
        if value == 0:
            raise ValueError("table 0 is not a table")
        return str(value)

    def choices(self) -> list[str]:
        return list(self.NAMES) + (["all"] if self.all_word else [])


# Shared instances, so help's "NAME := ..." lines have one spelling per type.
LINK = LinkName()
NEW_LINK = NewLinkName()
HOSTDEV = HostDev()
BRIDGE = BridgeName()
BRPORT = PortName()
ADDR = IPv4Addr()
PREFIX = IPv4Prefix()
ANY_PREFIX = IPv4Prefix(default_len=None)     # addr del: no length matches any
LLADDR = LLAddr()
IP_ADDR = IPAddr()
SCOPED_ADDR = IPAddr(scoped=True)           # ping fe80::1%eth0
IP_PREFIX = IPPrefix()
LIFETIME = Lifetime()
ANY_IP_PREFIX = IPPrefix(whole=False)
MTU = Integer(68, 65535, "MTU")
COUNT = Integer(1, 2 ** 31, "COUNT")
SIZE = Integer(0, 65507, "SIZE", "ICMP payload bytes, 0..65507")
INTERVAL = Seconds(0.002, 3600, "INTERVAL")
TIMEOUT = Seconds(0.001, 3600, "TIMEOUT")
DURATION = Seconds(0, 86400, "SECONDS")
LAYER = StatsLayer()
FILE = FilePath()
INET_ADDR = InetAddr()
ROUTE_PREFIX = RoutePrefix()
RULE_PREFIX = RoutePrefix("all")
TABLE_ID = TableId()
SHOW_TABLE = TableId(all_word=True)
FWMARK = MarkMask()
MARK = Number(0xFFFFFFFF, "MARK", "a firewall mark, decimal or 0xHEX")
TOS = Number(0xFF, "TOS", "a TOS byte, decimal or 0xHEX")
ON_OFF = Choice(("on", "off"), "on|off", "on or off")
