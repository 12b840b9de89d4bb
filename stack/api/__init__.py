"""The stack's call interface: what faces may ask, answered with plain data.

One module per object (link, addr, neigh, route, bridge, stats, config, ping,
capture, trace), each declaring its verbs with `registry.call`; importing
this package registers them all, and `CALLS` is the whitelist the runtime's
proxy and `netsh serve` obey.  Verbs run in the stack's thread; they validate
everything before changing anything, so a refused request leaves the
configuration as it was.  addr, neigh and route are family-neutral: they go
through the adapters of stack/api/family.py.  Keys follow iproute2's JSON
(docs/stack-api.md).
"""
from __future__ import annotations

from . import (addr, bridge, capture, config, inet, inet6, link, neigh, ping, radv, route,  # noqa: F401
               rule, stats, sysctl, trace)                                       # (they register)
from .link import link_name_problem
from .registry import CALLS, Calls, UnknownCall, lookup

__all__ = ["CALLS", "Calls", "UnknownCall", "link_name_problem", "lookup"]
