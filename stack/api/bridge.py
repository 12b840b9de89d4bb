"""Calls on bridges (bridge(8)): the FDB (bridge fdb) and the ports' options (bridge link).

Rows carry bridge(8)'s JSON keys: an FDB entry is ``mac``, ``vlan`` (when not 0),
``ifname``, ``used``, ``updated`` (seconds since), ``flags``, ``master``, ``state``
(``""`` for a dynamic entry, ``static``, ``permanent``); a port is ``ifindex``,
``link``, ``ifname``, ``flags``, ``mtu``, ``master``, ``state``, ``priority``,
``cost`` and its flags (and ``stp_role``, which bridge(8) does not print, for the
dashboard).  Changes are checked whole before anything changes.
"""
from __future__ import annotations

from ..errors import StackError
from ..l2.bridge import DISABLED, STATE_NAMES
from ..l2.fdb import DYNAMIC, PERMANENT, STATES
from ..wire.ethernet import mac_to_str
from .config import section
from .link import find_link, find_master, links_in_order
from .registry import call

PORT_FLAGS = ("hairpin", "guard", "root_block", "fastleave", "learning", "flood", "mcast_flood",
              "bcast_flood", "mcast_router", "mcast_to_unicast", "neigh_suppress", "vlan_tunnel",
              "isolated", "locked")
SETTABLE_FLAGS = ("learning", "flood", "mcast_flood", "bcast_flood", "guard", "hairpin")
STP_ROLE = "stp_role"       # not bridge(8)'s: for the dashboard, its renderers leave it out
MAX_PORT_PRIORITY = 63      # (u16)~0 >> BR_PORT_BITS
MAX_PATH_COST = 65535


def bridges(stack) -> list:
    return [link for link in links_in_order(stack) if link.is_master]


def find_port(stack, name: str):
    """(bridge, port) of the link `name`, which must be a bridge port."""
    link = find_link(stack, name)
    master = link.master
    port = master.port_of(link) if master is not None and master.is_master else None
    if port is None:
        raise StackError(f'"{name}" is not a bridge port')
    return master, port


@call
def bridge_names(stack) -> list[str]:
    return [link.name for link in bridges(stack)]


@call
def bridge_port_names(stack) -> list[str]:
    return [port.link.name for br in bridges(stack) for port in br.port_list]


# --- bridge fdb ---------------------------------------------------------------------------

def _entry_row(bridge, entry, now: float) -> dict:
    row = {"mac": mac_to_str(entry.mac)}
    if entry.vid:
        row["vlan"] = entry.vid
    row["ifname"] = entry.port.link.name if entry.port is not None else bridge.name
    row["used"] = int(now - entry.used)
    row["updated"] = int(now - entry.updated)
    row["flags"] = []
    row["master"] = bridge.name
    row["state"] = "" if entry.state == DYNAMIC else entry.state
    return row


def _entries_in_order(bridge) -> list:
    """The bridge's own entries first, then each port's, by MAC and VLAN."""
    order = {None: 0, **{port: i + 1 for i, port in enumerate(bridge.port_list)}}
    return sorted(bridge.fdb.entries.values(), key=lambda e: (order[e.port], e.vid, e.mac))


@call
def fdb_show(stack, br: str | None = None, brport: str | None = None,
             vlan: int | None = None) -> list[dict]:
    """bridge fdb show [br BR] [brport DEV] [vlan VID]."""
    chosen = [find_master(stack, br)] if br is not None else bridges(stack)
    port = None
    if brport is not None:
        link = find_link(stack, brport)
        if link.is_master:                   # brport BR: the bridge's own entries
            chosen = [link]
        else:
            bridge, port = find_port(stack, brport)
            chosen = [bridge] if bridge in chosen else []
    now = stack.now()
    rows = []
    for bridge in chosen:
        for entry in _entries_in_order(bridge):
            if brport is not None and entry.port is not port:
                continue
            if vlan is not None and entry.vid != vlan:
                continue
            rows.append(_entry_row(bridge, entry, now))
    return rows


def _fdb_target(stack, dev: str, target: str | None):
    """(bridge, port or None for the bridge itself) an FDB command on `dev` reaches."""
    link = find_link(stack, dev)
    if link.is_master:
        return link, None
    if target == "self":
        raise StackError(f'"{dev}" keeps no FDB of its own: use "master" for its bridge\'s')
    return find_port(stack, dev)


def _check_vlan(bridge, port, vlan: int) -> None:
    """An entry's VLAN must be one of its port's (or the bridge's), as br_fdb_add wants."""
    table = port.vlans if port is not None else bridge.vlans
    if vlan and vlan not in table.vids:
        where = port.link.name if port is not None else bridge.name
        raise StackError(f"vlan {vlan} is not configured on {where} (bridge vlan add)")


def _check_mac(mac: bytes) -> None:
    if len(mac) != 6 or mac[0] & 1 or mac == bytes(6):
        raise StackError(f'"{mac_to_str(mac)}" is not a unicast MAC address')


@call
def fdb_add(stack, mac: bytes, dev: str, vlan: int = 0, state: str | None = None,
            target: str | None = None, replace: bool = False) -> None:
    """bridge fdb add|replace LLADDR dev DEV [vlan VID] [static|permanent|dynamic] [master|self];
    iproute2's default state is permanent (local: delivered up on the bridge)."""
    state = state or PERMANENT
    if state not in STATES:
        raise StackError(f'invalid state "{state}": one of {", ".join(STATES)}')
    bridge, port = _fdb_target(stack, dev, target)
    _check_mac(mac)
    _check_vlan(bridge, port, vlan)
    if port is None and state != PERMANENT:
        raise StackError(f"an entry on the bridge {bridge.name} itself must be permanent")
    entry = bridge.fdb.get(mac, vlan)
    if entry is not None:
        if not replace:
            raise StackError(f"{mac_to_str(mac)} is in the FDB of {bridge.name} already "
                             f"(on {_owner(bridge, entry)}); use replace")
        if entry.local and not entry.user:
            raise StackError(f"{mac_to_str(mac)} is {_owner(bridge, entry)}'s own address")
    bridge.fdb.insert(mac, port, state, stack.now(), vid=vlan)


def _owner(bridge, entry) -> str:
    return entry.port.link.name if entry.port is not None else bridge.name


@call
def fdb_del(stack, mac: bytes, dev: str, vlan: int = 0, target: str | None = None) -> None:
    bridge, port = _fdb_target(stack, dev, target)
    entry = bridge.fdb.get(mac, vlan)
    if entry is None or entry.port is not port:
        raise StackError(f"no FDB entry {mac_to_str(mac)}"
                         + (f" vlan {vlan}" if vlan else "") + f" on {dev}")
    if entry.local and not entry.user:
        raise StackError(f"{mac_to_str(mac)} is {dev}'s own address: it goes with the link")
    bridge.fdb.remove(entry)


@call
def fdb_flush(stack, dev: str, vlan: int | None = None, state: str | None = None) -> int:
    """bridge fdb flush dev DEV [vlan VID] [static|permanent|dynamic]: the entries of a port
    (or of every port, for a bridge) that match; the links' own addresses stay."""
    link = find_link(stack, dev)
    if link.is_master:
        bridge, port = link, None
    else:
        bridge, port = find_port(stack, dev)

    def keep(entry) -> bool:
        if entry.local and not entry.user:
            return True
        if port is not None and entry.port is not port:
            return True
        if vlan is not None and entry.vid != vlan:
            return True
        return state is not None and entry.state != state
    return bridge.fdb.remove_where(keep)


# --- bridge link --------------------------------------------------------------------------

def _port_row(bridge, port) -> dict:
    row = port.link.to_dict()
    out = {"ifindex": row["ifindex"]}
    if "link" in row:
        out["link"] = row["link"]
    out.update({"ifname": row["ifname"], "flags": row["flags"], "mtu": row["mtu"],
                "master": bridge.name, "state": STATE_NAMES[port.state],
                "priority": port.priority, "cost": port.cost})
    flags = {"root_block": False, "fastleave": False, "mcast_router": 1, "mcast_to_unicast": False,
             "neigh_suppress": False, "vlan_tunnel": False, "isolated": False, "locked": False}
    for name in PORT_FLAGS:
        out[name] = getattr(port, name) if name in SETTABLE_FLAGS else flags[name]
    out[STP_ROLE] = bridge.stp_role(port)
    return out


@call
def bridge_link_show(stack, dev: str | None = None, master: str | None = None) -> list[dict]:
    """bridge link show [dev DEV] [master BR]: the ports of every bridge, in link order."""
    if dev is not None:
        bridge, port = find_port(stack, dev)
        pairs = [(bridge, port)]
    else:
        chosen = [find_master(stack, master)] if master is not None else bridges(stack)
        pairs = [(br, port) for br in chosen for port in br.port_list]
        pairs.sort(key=lambda pair: pair[1].link.index)
    return [_port_row(bridge, port) for bridge, port in pairs]


def parse_state(value) -> int:
    """A port state by bridge(8)'s name or number (case insensitive)."""
    text = str(value).strip().lower()
    if text in STATE_NAMES:
        return STATE_NAMES.index(text)
    if text.isdigit() and int(text) < len(STATE_NAMES):
        return int(text)
    raise StackError(f'invalid state "{value}": one of {", ".join(STATE_NAMES)} or 0..4')


@call
def bridge_link_set(stack, dev: str, state=None, cost: int | None = None,
                    priority: int | None = None, **flags) -> None:
    """bridge link set dev DEV [state S] [cost N] [priority N] [learning|flood|mcast_flood|
    bcast_flood|guard|hairpin on|off]: all checked, then all made."""
    bridge, port = find_port(stack, dev)
    unknown = set(flags) - set(SETTABLE_FLAGS)
    if unknown:
        raise StackError(f'unknown port option "{sorted(unknown)[0]}"')
    new_state = parse_state(state) if state is not None else None
    if new_state is not None:
        if bridge.stp_state:
            raise StackError(f"cannot set the state of {dev}: STP decides it on {bridge.name}"
                             " (stp_state 1)")
        if new_state != DISABLED and not (port.link.running and bridge.admin_up):
            raise StackError(f"cannot set {dev} {STATE_NAMES[new_state]}: the port or "
                             f"{bridge.name} is down")
    if cost is not None and not 1 <= cost <= MAX_PATH_COST:
        raise StackError(f"cost {cost} out of range 1..{MAX_PATH_COST}")
    if priority is not None and not 0 <= priority <= MAX_PORT_PRIORITY:
        raise StackError(f"priority {priority} out of range 0..{MAX_PORT_PRIORITY}")
    if cost is not None:
        port.cost = cost
    if priority is not None:
        port.priority = priority
    for name, value in flags.items():
        if value is not None:
            setattr(port, name, bool(value))
    if cost is not None or priority is not None:
        bridge.stp_port_changed(port)
    if new_state is not None and new_state != port.state:
        port.state = new_state
        bridge.sync_ports()


# --- bridge vlan -------------------------------------------------------------------------

def _vlan_table(stack, dev: str, target: str | None):
    """(bridge, port or None, table) a `bridge vlan` command on `dev` reaches: a port's
    (master, the default) or a bridge's own (self)."""
    link = find_link(stack, dev)
    if link.is_master:
        if target != "self":
            raise StackError(f'"{dev}" is a bridge: its own VLANs take "self"')
        return link, None, link.vlans
    if target == "self":
        raise StackError(f'"{dev}" keeps no VLANs of its own: use "master" for its bridge port\'s')
    bridge, port = find_port(stack, dev)
    return bridge, port, port.vlans


def _vlan_row(link, table, vid: int | None) -> dict | None:
    vlans = []
    for number, pvid, untagged in table.entries():
        if vid is not None and number != vid:
            continue
        entry = {"vlan": number}
        flags = (["PVID"] if pvid else []) + (["Egress Untagged"] if untagged else [])
        if flags:
            entry["flags"] = flags
        vlans.append(entry)
    return {"ifname": link.name, "vlans": vlans} if vlans else None


@call
def bridge_vlan_show(stack, dev: str | None = None, vid: int | None = None) -> list[dict]:
    """bridge vlan show [dev DEV] [vid VID]: the VLANs of each port and bridge, in link order
    (the tables exist whether or not the bridge filters, as with Linux's)."""
    chosen = [find_link(stack, dev)] if dev is not None else links_in_order(stack)
    rows = []
    for link in chosen:
        if link.is_master:
            table = link.vlans
        else:
            master = link.master
            port = master.port_of(link) if master is not None and master.is_master else None
            if port is None:
                continue
            table = port.vlans
        row = _vlan_row(link, table, vid)
        if row is not None:
            rows.append(row)
    return rows


@call
def bridge_vlan_vids(stack) -> list[int]:
    """Every VLAN id some port or bridge is in (for completion)."""
    vids = set()
    for bridge in bridges(stack):
        vids |= bridge.vlans.vids
        for port in bridge.port_list:
            vids |= port.vlans.vids
    return sorted(vids)


@call
def bridge_vlan_add(stack, dev: str, vid: int, vid_end: int | None = None, pvid: bool = False,
                    untagged: bool = False, target: str | None = None) -> None:
    """bridge vlan add dev DEV vid VID[-VID] [pvid] [untagged] [self|master]."""
    _bridge, _port, table = _vlan_table(stack, dev, target)
    last = vid_end if vid_end is not None else vid
    _check_vid_range(vid, last)
    if pvid and last != vid:
        raise StackError("pvid cannot be configured for a vlan range")
    for number in range(vid, last + 1):
        table.add(number, pvid=pvid, untagged=untagged)


@call
def bridge_vlan_del(stack, dev: str, vid: int, vid_end: int | None = None,
                    target: str | None = None) -> None:
    """bridge vlan del dev DEV vid VID[-VID] [self|master]: VLANs not there are no error,
    as with Linux's; the FDB entries of a VLAN that goes go with it."""
    bridge, port, table = _vlan_table(stack, dev, target)
    last = vid_end if vid_end is not None else vid
    _check_vid_range(vid, last)
    gone = {number for number in range(vid, last + 1) if table.delete(number)}
    if gone:
        bridge.fdb.remove_where(lambda e: e.vid not in gone or e.port is not port)


def _check_vid_range(first: int, last: int) -> None:
    for number in (first, last):
        if not 1 <= number <= 4094:
            raise StackError(f'invalid VLAN id "{number}": 1..4094')
    if last < first:
        raise StackError(f'invalid VLAN range "{first}-{last}"')


# --- running configuration: ports (after the links) and static FDB entries ---------------

@section("bridge_port")
def _ports(stack, links: list):
    kept = {id(link) for link in links}
    for link in links:
        master = link.master
        if master is None or not master.is_master or id(master) not in kept:
            continue
        port = master.port_of(link)
        yield {"dev": link.name, "master": master.name, **port.options()}


@section("bridge_vlan")
def _vlans(stack, links: list):
    """Each table that differs from a new one's: the default VLAN taken away unless it is as
    a new port has it, then every other VLAN with its flags."""
    kept = {id(link) for link in links}
    for link in links:
        if link.is_master:
            bridge, table, target = link, link.vlans, "self"
        else:
            bridge = link.master
            if bridge is None or not bridge.is_master or id(bridge) not in kept:
                continue
            table, target = bridge.port_of(link).vlans, None
        default = bridge.values["vlan_default_pvid"]
        if table.is_default(default):
            continue
        own = {"target": target} if target else {}
        as_new = default and table.pvid == default and default in table.untagged
        if default and not as_new:
            yield {"dev": link.name, "vid": default, "delete": True, **own}
        for number, pvid, untagged in table.entries():
            if as_new and number == default:
                continue
            flags = {name: True for name, on in (("pvid", pvid), ("untagged", untagged)) if on}
            yield {"dev": link.name, "vid": number, **flags, **own}


@section("fdb")
def _fdb_entries(stack, links: list):
    kept = {id(link) for link in links}
    for bridge in bridges(stack):
        if id(bridge) not in kept:
            continue
        for entry in _entries_in_order(bridge):
            if entry.user and entry.state != DYNAMIC:
                obj = {"mac": mac_to_str(entry.mac), "dev": _owner(bridge, entry),
                       "state": entry.state}
                if entry.vid:
                    obj["vlan"] = entry.vid
                yield obj
