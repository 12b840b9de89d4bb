"""`stats`: every counter group the stack's modules declared (stack/counters.py)."""
from __future__ import annotations

from .. import protocols  # noqa: F401  (every layer is loaded, so its groups are declared)
from ..counters import counter_group, counter_groups
from ..errors import StackError
from .registry import call


def group_names() -> list[str]:
    """The groups `stats` shows, in order (known without a stack)."""
    return [name for name, _ in counter_groups()]


@call
def stats(stack, layer: str | None = None) -> dict:
    groups = counter_groups()
    if layer is not None:
        groups = [(name, snap) for name, snap in groups if name.lower() == layer.lower()]
        if not groups:
            raise StackError(f'unknown layer "{layer}"; one of: {", ".join(group_names())}')
    return {name: snapshot(stack) for name, snapshot in groups}


def link_totals(stack) -> dict:
    """Every link's counters summed, under ``rx_packets``-style names."""
    totals: dict[str, int] = {}
    for link in stack.links.values():
        for direction, counters in link.stats64().items():
            for key, value in counters.items():
                name = f"{direction}_{key}"
                totals[name] = totals.get(name, 0) + value
    return totals


counter_group("Link", 80, link_totals)
