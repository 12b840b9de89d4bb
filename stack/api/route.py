"""Calls on routes (ip route), for any family."""
from __future__ import annotations

from .family import families
from .registry import call


@call
def route_list(stack, family: str | None = None) -> list[dict]:
    return [route.to_dict() for fam in families(family) for route in fam.routes(stack)]
