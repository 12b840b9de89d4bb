"""Calls on routes (ip route), for any family."""
from __future__ import annotations

from .family import families
from .registry import call


@call
def route_list(stack, family: str | None = "inet", table: str = "main") -> list[dict]:
    """The routes of `table` (a name, a number, or "all": every table, each row naming it);
    IPv4's unless `family` says otherwise (None: every family), as `ip route` does."""
    rows = []
    for fam in families(family):
        for table_id in fam.table_ids(stack, table):
            for route in fam.routes(stack, table_id):
                row = route.to_dict()
                if table == "all":
                    row["table"] = fam.table_name(table_id)
                rows.append(row)
    return rows
