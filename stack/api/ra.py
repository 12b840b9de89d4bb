"""Router advertisements a link sends (stack/l3/ra_send.py): `ra set DEV on|off ...`, `ra show`."""
from __future__ import annotations

from dataclasses import replace

from ..errors import StackError
from ..l3.ra_send import AdvertConfig, Prefix
from .link import find_link, links_in_order
from .registry import call

# What `ra_set` takes besides the link, and the AdvertConfig field each sets
SETTINGS = {"min_interval": "min_interval", "max_interval": "max_interval", "lifetime": "lifetime",
            "hoplimit": "hop_limit", "managed": "managed", "other": "other", "mtu": "mtu"}


@call
def ra_set(stack, dev: str, on: bool = True, prefix: tuple | None = None, onlink: bool = True,
           autonomous: bool = True, valid: int = 86400, preferred: int = 14400,
           **settings) -> dict | None:
    """Start (or change) or stop the advertisements of `dev`.  `prefix` (address bytes,
    length) adds that prefix to those advertised, or replaces it; with none listed the link's
    own /64s are.  `max_interval` alone moves the minimum to a third of it, as RFC 4861 says."""
    link = find_link(stack, dev)
    sender = stack.ra_send
    if not on:
        if not sender.stop(link):
            raise StackError(f"{dev} sends no router advertisements")
        return None
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise StackError(f"unknown setting {sorted(unknown)[0]}")
    state = sender.links.get(link)
    config = state.config if state is not None else AdvertConfig()
    changes = {SETTINGS[key]: value for key, value in settings.items() if value is not None}
    if "max_interval" in changes and "min_interval" not in changes:
        maximum = changes["max_interval"]
        changes["min_interval"] = max(3.0, round(maximum / 3, 1)) if maximum >= 9 else 0.75 * maximum
    config = replace(config, **changes)
    if prefix is not None:
        address, length = prefix
        if len(address) != 16 or not 0 < length <= 128:
            raise StackError("prefix: an IPv6 prefix, 2001:db8:1::/64")
        network = (int.from_bytes(address, "big") >> (128 - length) << (128 - length)).to_bytes(16, "big")
        row = Prefix(network, length, onlink, autonomous, valid, preferred)
        kept = tuple(p for p in config.prefixes if (p.network, p.length) != (network, length))
        config = replace(config, prefixes=kept + (row,))
    sender.start(link, config)
    return sender.show(link)


@call
def ra_show(stack, dev: str | None = None) -> list[dict]:
    links = [find_link(stack, dev)] if dev else links_in_order(stack)
    return [row for row in (stack.ra_send.show(link) for link in links) if row is not None]
