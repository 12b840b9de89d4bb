"""Kernel settings under their sysctl names (sysctl(8)): a table of rows.

A row names one setting (``net.ipv4.ip_forward``) or one per link
(``net.ipv4.conf.{dev}.forwarding``, expanded for ``all``, ``default`` and every
link), with the functions that read and write it and its range.  A family adds
its rows with `register_sysctl` (IPv6: ``net.ipv6.conf.{dev}.forwarding`` ...).
Errors are sysctl(8)'s own lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import StackError
from .link import links_in_order
from .registry import call

INT_MAX = 2**31 - 1
PER_LINK = "{dev}"
ALL, DEFAULT = "all", "default"


@dataclass(frozen=True)
class Sysctl:
    name: str                          # with {dev} for a per-link row
    get: Callable                      # get(stack, scope) -> int; scope: None, "all", "default" or a link
    set: Callable                      # set(stack, scope, value)
    default: int                       # what a fresh stack has
    lo: int = 0
    hi: int = INT_MAX
    cascades: bool = False             # writing `all` writes `default` and every link (forwarding)
    same_as: str = ""                  # another row's name for the same setting (ip_forward)
    parse: Callable | None = None      # text -> value for a row that is not an integer (stable_secret)


SYSCTLS: list[Sysctl] = []


def register_sysctl(row: Sysctl) -> Sysctl:
    SYSCTLS.append(row)
    return row


def dev_word(name: str) -> str:
    """A link's name as sysctl writes it in a key (its dots become slashes)."""
    return name.replace(".", "/")


def entries(stack) -> list[tuple[str, Sysctl, object]]:
    """(full name, row, scope) for every setting the stack has now, sorted by name."""
    out = []
    for row in SYSCTLS:
        if PER_LINK not in row.name:
            out.append((row.name, row, None))
            continue
        for scope in (ALL, DEFAULT):
            out.append((row.name.replace(PER_LINK, scope), row, scope))
        for link in links_in_order(stack):
            out.append((row.name.replace(PER_LINK, dev_word(link.name)), row, link))
    out.sort(key=lambda entry: entry[0])
    return out


def _find(stack, name: str) -> tuple[Sysctl, object]:
    name = name.strip().replace("/", ".") if "/" in name and "." not in name else name.strip()
    for full, row, scope in entries(stack):
        if full == name:
            return row, scope
    raise StackError(f"sysctl: cannot stat /proc/sys/{name.replace('.', '/')}: No such file or directory")


def _row(name: str, value: int) -> dict:
    return {"name": name, "value": value}


@call
def sysctl_list(stack) -> list[dict]:
    """sysctl -a: every setting, by name."""
    out = []
    for full, row, scope in entries(stack):
        try:
            out.append(_row(full, row.get(stack, scope)))
        except StackError:
            continue                    # unreadable now (an unset stable_secret), as sysctl -a skips it
    return out


@call
def sysctl_get(stack, name: str) -> dict:
    row, scope = _find(stack, name)
    try:
        return _row(name, row.get(stack, scope))
    except StackError:
        raise StackError(f'sysctl: reading key "{name}": Input/output error') from None


@call
def sysctl_set(stack, name: str, value: str) -> dict:
    """sysctl -w NAME=VALUE: the value as an integer within the row's range."""
    row, scope = _find(stack, name)
    if row.parse is not None:
        try:
            parsed = row.parse(str(value))
        except (ValueError, StackError):
            raise StackError(f'sysctl: setting key "{name}": Invalid argument') from None
        row.set(stack, scope, parsed)
        return _row(name, row.get(stack, scope))
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not row.lo <= number <= row.hi:
        raise StackError(f'sysctl: setting key "{name}": Invalid argument')
    row.set(stack, scope, number)
    return _row(name, row.get(stack, scope))


def _value(row: Sysctl, stack, scope):
    try:
        return row.get(stack, scope)
    except StackError:
        return row.default


def changed(stack) -> list[dict]:
    """The settings that differ from a fresh stack's, in the order that makes them again on a
    stack whose links exist: a cascading row's `all` first (it sets the rest), then what
    differs from it."""
    out = []
    for row in SYSCTLS:
        if row.same_as:
            continue
        if PER_LINK not in row.name:
            value = _value(row, stack, None)
            if value != row.default:
                out.append(_row(row.name, value))
            continue
        base = row.default
        all_value = _value(row, stack, ALL)
        if all_value != row.default:
            out.append(_row(row.name.replace(PER_LINK, ALL), all_value))
            if row.cascades:
                base = all_value
        default_value = _value(row, stack, DEFAULT)
        if default_value != base:
            out.append(_row(row.name.replace(PER_LINK, DEFAULT), default_value))
        for link in links_in_order(stack):
            if link.in_config() and _value(row, stack, link) != base:
                out.append(_row(row.name.replace(PER_LINK, dev_word(link.name)), _value(row, stack, link)))
    return out


# --- IPv4's rows ----------------------------------------------------------------------

def _devconf(key: str):
    """get/set of one net.ipv4.conf.{dev} setting; `all`'s forwarding is ip_forward."""
    def get(stack, scope):
        ipv4 = stack.ipv4
        if scope == ALL:
            return ipv4.conf_all[key]
        if scope == DEFAULT:
            return ipv4.conf_default[key]
        return ipv4.conf(scope)[key]

    def set(stack, scope, value):
        ipv4 = stack.ipv4
        if scope == ALL and key == "forwarding":
            ipv4.forwarding = value
        elif scope == ALL:
            ipv4.conf_all[key] = value
        elif scope == DEFAULT:
            ipv4.conf_default[key] = value
        else:
            ipv4.conf(scope)[key] = value
        ipv4.fib.flush_cache()          # route input's decisions read these
    return get, set


def _attr(path: str, convert=int):
    """get/set of an attribute of the stack (``icmp.ratelimit``)."""
    owner, attr = path.rsplit(".", 1)

    def target(stack):
        obj = stack
        for part in owner.split("."):
            obj = getattr(obj, part)
        return obj

    return (lambda stack, scope: int(getattr(target(stack), attr)),
            lambda stack, scope, value: setattr(target(stack), attr, convert(value)))


_forwarding_get, _forwarding_set = _devconf("forwarding")
register_sysctl(Sysctl("net.ipv4.ip_forward", lambda stack, scope: _forwarding_get(stack, ALL),
                       lambda stack, scope, value: _forwarding_set(stack, ALL, value),
                       0, cascades=True, same_as="net.ipv4.conf.all.forwarding"))
register_sysctl(Sysctl("net.ipv4.conf.{dev}.forwarding", _forwarding_get, _forwarding_set, 0,
                       cascades=True))
# Redirects are never sent: the setting reads 0 and cannot be turned on.
register_sysctl(Sysctl("net.ipv4.conf.{dev}.send_redirects", *_devconf("send_redirects"), 0, 0, 0))
# Redirects received (not acted on yet): Linux's host defaults
register_sysctl(Sysctl("net.ipv4.conf.{dev}.accept_redirects", *_devconf("accept_redirects"), 1, 0, 1))
register_sysctl(Sysctl("net.ipv4.conf.{dev}.secure_redirects", *_devconf("secure_redirects"), 1, 0, 1))
register_sysctl(Sysctl("net.ipv4.icmp_ratelimit", *_attr("icmp.ratelimit"), 1000))
register_sysctl(Sysctl("net.ipv4.icmp_ratemask", *_attr("icmp.ratemask"), 0x1818))
register_sysctl(Sysctl("net.ipv4.icmp_msgs_per_sec", *_attr("icmp.limiter.rate", float), 1000))
register_sysctl(Sysctl("net.ipv4.icmp_msgs_burst", *_attr("icmp.limiter.burst"), 50))
register_sysctl(Sysctl("net.ipv4.icmp_echo_ignore_broadcasts",
                       *_attr("icmp.echo_ignore_broadcasts", bool), 1, 0, 1))
register_sysctl(Sysctl("net.ipv4.ip_default_ttl", *_attr("ipv4.default_ttl"), 64, 1, 255))
register_sysctl(Sysctl("net.ipv4.route.mtu_expires", *_attr("ipv4.pmtu.expires"), 600))
register_sysctl(Sysctl("net.ipv4.route.min_pmtu", *_attr("ipv4.pmtu.floor"), 552, 68, 65536))
