"""Calls on links (ip link): list, attach a host NIC, make a pair, set, delete."""
from __future__ import annotations

from ..errors import StackError, rtnetlink
from ..link.kind import link_name_problem
from ..wire.ethernet import mac_to_str
from .family import families
from .registry import call


def check_name(name: str) -> None:
    problem = link_name_problem(name)
    if problem:
        raise StackError(f'"{name}": {problem}')


def _rename(stack, link, new: str) -> None:
    """dev_change_name: the table keeps its order; address labels of the old name follow."""
    old = link.name
    entries = [(new if key == old else key, value) for key, value in stack.links.items()]
    stack.links.clear()
    stack.links.update(entries)
    link.name = new
    for ifa in getattr(link, "ipv4_addrs", ()):
        if ifa.label == old or ifa.label.startswith(old + ":"):
            ifa.label = new + ifa.label[len(old):]


def find_link(stack, name: str):
    link = stack.links.get(name)
    if link is None:
        raise StackError(f'Cannot find device "{name}"')
    return link


def check_lladdr(mac: bytes) -> None:
    if len(mac) != 6 or mac[0] & 1 or mac == bytes(6):
        raise StackError(f'"{mac_to_str(mac)}" is not a unicast MAC address')


def link_dict(link) -> dict:
    row = link.to_dict()
    row["addr_info"] = [ifa.to_dict() for family in families() for ifa in family.addresses(link)]
    return row


def links_in_order(stack) -> list:
    return sorted(stack.links.values(), key=lambda link: link.index)


@call
def link_list(stack, name: str | None = None, master: str | None = None) -> list[dict]:
    """Every link, or `name`; with `master`, only that master's ports (ip link show master BR)."""
    links = [find_link(stack, name)] if name else links_in_order(stack)
    if master is not None:
        upper = find_master(stack, master)
        links = [link for link in links if link.master is upper]
    return [link_dict(link) for link in links]


def find_master(stack, name: str):
    link = find_link(stack, name)
    if not link.is_master:
        raise StackError(f'"{name}" is not a master device (a bridge)')
    return link


@call
def host_devices(stack) -> list[dict]:
    from ..link.hostdev import host_devices as pcap_devices
    attached = {link.hostdev: link.name for link in stack.links.values()
                if getattr(link, "hostdev", None)}
    return [dict(dev, attached=attached.get(dev["name"])) for dev in pcap_devices()]


@call
def link_attach(stack, hostdev: str, name: str | None = None, address: bytes | None = None) -> dict:
    from ..link.hostdev import host_device_names
    from ..link.pcap import PcapLink
    name = name or hostdev
    check_name(name)
    if name in stack.links:
        raise StackError(f'link "{name}" already exists')
    for link in stack.links.values():
        if getattr(link, "hostdev", None) == hostdev:
            raise StackError(f'"{hostdev}" is already attached as "{link.name}"')
    if hostdev not in host_device_names():
        raise StackError(f'Cannot find host device "{hostdev}"')
    if address is not None:
        check_lladdr(address)
    link = PcapLink(name, hostdev, address)
    link.open()
    stack.add_link(link)
    link.watch_carrier()
    return link_dict(link)


@call
def link_detach(stack, name: str) -> None:
    link = find_link(stack, name)
    if link.made_by != "attach":
        raise StackError(f'"{name}" is a {link.kind} link, not attached to a host device; use "link del"')
    stack.remove_link(link)


@call
def link_del(stack, name: str) -> None:
    link = find_link(stack, name)
    if not link.deletable:
        raise StackError(f"cannot delete the {link.kind} link")
    for companion in link.companions():
        stack.remove_link(companion)
    stack.remove_link(link)


@call
def link_add(stack, name: str, kind: str, options: dict | None = None) -> dict:
    """`link add NAME type KIND [OPTIONS]`: options are {name: text or value} of that kind."""
    from ..link.kind import link_type, parse_options
    check_name(name)
    if name in stack.links:
        raise StackError(f'link "{name}" already exists')
    cls = link_type(kind)
    values = parse_options(cls, options or {})
    made = cls.create(stack, name, values)
    return link_dict(made[0])


@call
def link_add_pair(stack, name: str, peer: str) -> None:
    link_add(stack, name, "pair", {"peer": peer})


@call
def link_set(stack, name: str, up: bool | None = None, mtu: int | None = None,
             address: bytes | None = None, master: str | None = None,
             nomaster: bool = False, kind: str | None = None,
             options: dict | None = None, new_name: str | None = None,
             txqlen: int | None = None, promisc: bool | None = None,
             arp: bool | None = None) -> None:
    """All or nothing: every value is checked before anything changes; what each change
    means to the layers goes out on the netdevice notifier chain.  `master`: make the link
    a port of that bridge (moved from another); `nomaster`: release it from its master;
    `kind` and `options`: change the options of its kind (ip link set br0 type bridge ...);
    `new_name`: rename it (up or down, as this kernel allows), `txqlen`, `promisc`, `arp`
    (off: IFF_NOARP; a change flushes the link's neighbours, as neigh_changeaddr)."""
    link = find_link(stack, name)
    if new_name is not None and new_name != name:
        check_name(new_name)
        if new_name in stack.links:
            raise rtnetlink("EEXIST")
    changes = None
    if kind is not None:
        from ..link.kind import link_type, parse_changes
        cls = link_type(kind)
        if not isinstance(link, cls):
            raise StackError(f'"{name}" is a {link.kind} link, not {kind}')
        changes = parse_changes(cls, options or {})
    upper = find_master(stack, master) if master is not None else None
    if upper is not None:
        upper.check_port(link)
    problem = link.set_problem(up, mtu)
    if problem:
        raise StackError(problem)
    if address is not None:
        if not link.has_mac:
            raise StackError(f"the {link.kind} link has no MAC address to set")
        check_lladdr(address)
    if new_name is not None and new_name != name:
        _rename(stack, link, new_name)
    if txqlen is not None:
        link.txqlen = txqlen
    if promisc is not None:
        link.promisc = promisc
    if arp is not None and arp == link.noarp:
        link.noarp = not arp
        stack.arp.table.flush(link, include_permanent=True)
    if mtu is not None:
        link.set_mtu(mtu)
    if address is not None:
        link.set_address(address)
    if changes:
        link.change_options(changes)
    if nomaster and link.master is not None:
        link.master.release(link)
    if upper is not None:
        upper.enslave(link)
    if up is not None:
        link.set_up(up)
