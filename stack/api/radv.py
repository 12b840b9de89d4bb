"""Router advertisements a link sends (stack/l3/radv.py): `link set DEV ra on|off ...`."""
from __future__ import annotations

import ipaddress
from typing import Iterator

from ..errors import StackError
from ..l3.radv import AdvertConfig, AdvPrefix
from .config import section
from .link import find_link
from .registry import call


def _prefix(obj: dict) -> AdvPrefix:
    try:
        net = ipaddress.IPv6Network(obj["prefix"], strict=False)
    except (ValueError, KeyError):
        raise StackError(f'ra: prefix "{obj.get("prefix")}": not an IPv6 prefix') from None
    return AdvPrefix(net.network_address.packed, net.prefixlen,
                     **{k: obj[k] for k in ("onlink", "autonomous", "valid", "preferred") if k in obj})


def config_from(options: dict) -> AdvertConfig:
    cfg = AdvertConfig(prefixes=[_prefix(p) for p in options.get("prefixes", [])])
    if "interval" in options:
        cfg.min_interval, cfg.max_interval = (float(x) for x in options["interval"])
    for key in ("lifetime", "mtu", "managed", "other", "hoplimit"):
        if key in options:
            setattr(cfg, key, options[key])
    return cfg


@call
def link_ra(stack, dev: str, on: bool | None = None, options: dict | None = None) -> dict:
    """Start (with options: radvd.conf's, in `AdvertConfig`), stop, or read a link's advertising.
    Returns {"ra": bool, ...its options}."""
    link = find_link(stack, dev)
    if on:
        stack.radv.start(link, config_from(options or {}))
    elif on is not None:
        stack.radv.stop(link)
    cfg = stack.radv.config(link)
    return {"ra": cfg is not None, **(cfg.to_dict() if cfg is not None else {})}


@section("ra")
def _advertising(stack, links: list) -> Iterator[dict]:
    """Links that advertise (after the sysctls: forwarding must be on first)."""
    for link in links:
        cfg = stack.radv.config(link)
        if cfg is not None:
            yield {"dev": link.name, **cfg.to_dict()}
