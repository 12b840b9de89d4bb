"""How a link makes the interface id of its link-local and SLAAC addresses
(net.ipv6.conf.DEV.addr_gen_mode, `ip link set DEV addrgenmode`): 0 eui64 from the MAC,
1 none (no link-local), 2 stable_secret (RFC 7217 with net.ipv6.conf.{DEV,default}.stable_secret),
3 random (RFC 7217 with a secret the link draws once), as addrconf_addr_gen does.
"""
from __future__ import annotations

import os

from .addrconf import eui64_interface_id
from .stable_id import IDGEN_RETRIES, stable_interface_id

MODES = ("eui64", "none", "stable_secret", "random")       # by addr_gen_mode's number
EUI64, NONE, STABLE_SECRET, RANDOM = range(4)


def secret_of(ipv6, link) -> bytes | None:
    """The link's stable_secret, else the default one (random mode: its own, drawn once)."""
    conf = ipv6.conf(link)
    if conf.get("stable_secret") is None and conf["addr_gen_mode"] == RANDOM:
        conf["stable_secret"] = os.urandom(16)
    return conf.get("stable_secret") or ipv6.conf_default.get("stable_secret")


def interface_id(ipv6, link, prefix: bytes, dad_count: int = 0) -> tuple[bytes, int] | None:
    """(interface id, DAD counter) for an address in `prefix` on `link`, or None: none is made."""
    mode = ipv6.conf(link)["addr_gen_mode"]
    if mode == NONE or not link.has_mac:
        return None
    if mode == EUI64:
        return (eui64_interface_id(link.mac), 0) if dad_count == 0 else None
    secret = secret_of(ipv6, link)
    if secret is None:
        return None                     # stable_secret unset: Linux makes no address
    return stable_interface_id(secret, prefix, link.mac, dad_count, IDGEN_RETRIES)
