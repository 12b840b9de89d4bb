"""The bridge link kind: ``link add NAME type bridge [OPTIONS]``, its ports and their options.

Options, defaults and units are Linux's (`ip -d link show` prints them): times
in centiseconds (ageing_time 30000 is 300 s), priority 32768, hello_time
100..1000, max_age 600..4000, group_fwd_mask without bits 0..2.  With STP off
a port forwards as soon as it and the bridge are up; with stp_state 1 the
802.1D state machine (stack/l2/stp.py) decides each port's state from the
BPDUs the ports exchange (forward_delay is then held to 2..30 s, as Linux
does; the glue is stack/link/bridge_stp.py).  Each port and the bridge itself
have a VLAN table (stack/l2/bridge_vlan.py), vlan_default_pvid untagged when
made; with vlan_filtering 1 the tables decide what is forwarded.

``link set DEV master BR`` makes DEV a port (`enslave`): the bridge claims its
receive (`rx_handler_register`, the handler is stack/link/bridge_path.py's
`bridge_rx`) and becomes its master (`upper_link(br, master=True)`); DEV's own
addresses are not reached while it is a port, as in Linux.  A port carries
bridge(8)'s per-port options (`BridgePort`) and shows them as the
``bridge_slave`` info of `link show -d` (`port_info`).  The bridge's MAC and
each port's are permanent local entries of its FDB; until `link set address`
gives the bridge one, its MAC is its ports' lowest, and so is its MTU until one
is set, as Linux's are.
"""
from __future__ import annotations

from functools import partial

from ..errors import StackError
from ..l2.bridge import BLOCKING, DISABLED, FORWARDING, GROUP_FWD_RESTRICTED, LISTENING, STATE_NAMES
from ..l2.bridge_vlan import default_vlans
from ..l2.fdb import PERMANENT, Fdb
from ..l2.stp import Stp
from .base import Link, register_link_type
from .bridge_path import bridge_rx, bridge_xmit
from .bridge_stp import BridgeStp, bridge_id, id_text, left
from .kind import LinkOption, parse_count
from .notifier import NETDEV_CHANGE, NETDEV_CHANGEADDR, NETDEV_CHANGEMTU, NETDEV_DOWN, NETDEV_UP

GC_MIN_INTERVAL = 0.1       # seconds between two ageing passes at least
PORT_PRIORITY = 32          # bridge(8) port defaults
PORT_COST = 100             # the kernel's cost for a port whose speed it does not know
MAX_PORTS = 1024            # BR_MAX_PORTS


def _ranged(low: int, high: int):
    def parse(text: str) -> int:
        return parse_count(text, low, high)
    return parse


def _group_fwd_mask(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise ValueError("a 16-bit mask, e.g. 0x4000") from None
    if not 0 <= value <= 0xFFFF:
        raise ValueError("must be 0..0xffff")
    if value & GROUP_FWD_RESTRICTED:
        raise ValueError("bits 0..2 (01:80:c2:00:00:00..02) cannot be forwarded")
    return value


CS = "CENTISECONDS"
OPTIONS = (
    LinkOption("ageing_time", _ranged(0, 2 ** 32 - 1), 30000,
               "how long a learned MAC is kept after it was last seen (centiseconds)", CS,
               value_help="hundredths of a second (30000: 300 s)"),
    LinkOption("stp_state", _ranged(0, 1), 0, "run 802.1D STP on the ports",
               "0|1", value_help="0 (off) or 1 (on)"),
    LinkOption("priority", _ranged(0, 65535), 32768, "the bridge priority of its STP bridge id",
               "PRIORITY", value_help="0..65535 (32768)"),
    LinkOption("forward_delay", _ranged(0, 2 ** 32 - 1), 1500,
               "STP listening and learning time (centiseconds)", CS),
    LinkOption("hello_time", _ranged(100, 1000), 200, "STP hello interval (centiseconds)", CS),
    LinkOption("max_age", _ranged(600, 4000), 2000, "STP information lifetime (centiseconds)", CS),
    LinkOption("vlan_filtering", _ranged(0, 1), 0,
               "forward by the VLAN tables of the ports and the bridge (bridge vlan)", "0|1"),
    LinkOption("vlan_default_pvid", _ranged(0, 4094), 1, "the pvid new ports get", "VID",
               value_help="a VLAN id, 1..4094 (0: none)"),
    LinkOption("fdb_max_learned", _ranged(0, 2 ** 32 - 1), 0,
               "learn at most this many MACs (0: no bound but the stack's own)", "N"),
    LinkOption("group_fwd_mask", _group_fwd_mask, 0,
               "link-local groups 01:80:c2:00:00:0X to forward, by bit X", "MASK",
               value_help="a mask of bits 3..15, e.g. 0x4000 (LLDP)"),
)

# iproute2 writes some keys of -d text differently from its JSON keys
INFO_TEXT_KEYS = {"root_id": "designated_root", "group_addr": "group_address"}
PORT_TEXT_KEYS = {"id": "port_id", "no": "port_no", "bridge_id": "designated_bridge",
                  "root_id": "designated_root", "multicast_router": "mcast_router"}


class BridgePort:
    """One port: its link, its bridge, its STP state and bridge(8)'s per-port options."""

    __slots__ = ("link", "bridge", "number", "state", "priority", "cost", "learning", "flood",
                 "mcast_flood", "bcast_flood", "guard", "hairpin", "guarded", "vlans")
    FLAGS = ("learning", "flood", "mcast_flood", "bcast_flood", "guard", "hairpin")
    DEFAULTS = {"priority": PORT_PRIORITY, "cost": PORT_COST, "learning": True, "flood": True,
                "mcast_flood": True, "bcast_flood": True, "guard": False, "hairpin": False}

    def __init__(self, link, bridge, number: int):
        self.link = link
        self.bridge = bridge
        self.number = number
        self.state = DISABLED
        self.guarded = False            # disabled by a BPDU while guard is on, until down and up
        self.vlans = default_vlans(bridge.values["vlan_default_pvid"])
        for name, value in self.DEFAULTS.items():
            setattr(self, name, value)

    def options(self) -> dict:
        """The per-port options that differ from a new port's (for the running config)."""
        out = {name: getattr(self, name) for name, value in self.DEFAULTS.items()
               if getattr(self, name) != value}
        if self.state not in (FORWARDING, DISABLED) and self.bridge.stp is None:
            out["state"] = STATE_NAMES[self.state]        # set by hand (bridge link set state)
        return out


@register_link_type
class BridgeLink(BridgeStp, Link):
    """A learning bridge: its ports forward to each other and up to the host."""

    kind = "bridge"
    creatable = True
    settable = True
    options = OPTIONS
    qdisc = "noqueue"
    is_master = True

    def __init__(self, name: str, values: dict, domain):
        super().__init__(name)
        self.values = dict(values)
        self.domain = domain
        self.fdb = Fdb(domain, values["fdb_max_learned"])
        self.ports: dict[int, BridgePort] = {}      # by the port link's index
        self.port_list: list[BridgePort] = []       # the same, in port order (flooding)
        self.gc_timer = None
        self._carrier = False
        self._topology_change = False
        self.address_set = False                # link set address: no longer the ports' lowest
        self.mtu_set = False                    # link set mtu: no longer the ports' lowest
        self.stp: Stp | None = None             # with stp_state 1 (stack/l2/stp.py)
        self.stp_timer = None
        self.vlan_filtering = values["vlan_filtering"]
        self.vlans = default_vlans(values["vlan_default_pvid"])    # the bridge's own (self)
        if values["stp_state"]:
            self.stp = self._new_stp()

    # options as attributes the forwarding path reads
    @property
    def stp_state(self) -> int:
        return self.values["stp_state"]

    @property
    def group_fwd_mask(self) -> int:
        return self.values["group_fwd_mask"]

    @property
    def ageing(self) -> float:
        """Seconds a learned entry lives; forward_delay while STP says the topology changes."""
        ageing = self.values["ageing_time"] / 100.0
        return self.stp.ageing_time(ageing) if self.stp is not None else ageing

    def change_options(self, values: dict) -> None:
        """ip link set BR type bridge OPTION VALUE...: the new values take effect at once."""
        now = self.stack.now()
        old = dict(self.values)
        self.values.update(values)
        self.fdb.max_learned = self.values["fdb_max_learned"]
        self.vlan_filtering = self.values["vlan_filtering"]
        if self.values["vlan_default_pvid"] != old["vlan_default_pvid"]:
            self.change_default_pvid(old["vlan_default_pvid"], self.values["vlan_default_pvid"])
        self.stp_reconfigure(old)
        if self.admin_up:
            self.arm_gc(now)

    @classmethod
    def create(cls, stack, name: str, values: dict) -> list:
        domain = stack.bridges
        if not domain.watching:
            stack.netdev.subscribe("bridge", partial(_netdev_event, domain),
                                   (NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEADDR,
                                    NETDEV_CHANGEMTU))
            domain.watching = True
        link = cls(name, values, domain)
        stack.add_link(link)
        domain.bridges.append(link)
        link.local_addresses_changed()
        return [link]

    def close(self) -> None:
        for port in list(self.port_list):
            self.release(port.link)
        if self in self.domain.bridges:
            self.domain.bridges.remove(self)
        for timer in (self.gc_timer, self.stp_timer):
            if timer is not None:
                timer.cancel()
        self.gc_timer = self.stp_timer = None
        self.fdb.clear()

    # --- carrier: up while a port forwards (as Linux's bridge) ------------------------
    def has_carrier(self) -> bool:
        return any(port.state == FORWARDING for port in self.port_list)

    def operstate(self) -> str:
        return "UP" if self.running else "DOWN"

    # --- ports ------------------------------------------------------------------------
    def check_port(self, link) -> None:
        """Refuse what cannot be a port of this bridge (before anything changes)."""
        if link is self:
            raise StackError(f'"{self.name}" cannot be a port of itself')
        if getattr(link, "is_master", False):
            raise StackError(f'"{link.name}": can not enslave a bridge to a bridge')
        if link.iff_loopback or not link.has_mac:
            raise StackError(f'"{link.name}" is a {link.kind} link: it cannot be a bridge port')
        if link.master is self:
            return
        if len(self.ports) >= MAX_PORTS:
            raise StackError(f'"{self.name}" has {MAX_PORTS} ports already')
        if link.rx_handler is not None and link.master is None:
            raise StackError(f'"{link.name}" is already claimed by '
                             f'{getattr(link.rx_handler_data, "name", "another link")}')

    def enslave(self, link) -> None:
        if link.master is self:
            return
        self.check_port(link)
        if link.master is not None and link.master.is_master:     # it moves from another bridge
            link.master.release(link)
        number = min(set(range(1, MAX_PORTS + 1)) - {p.number for p in self.port_list})
        port = BridgePort(link, self, number)
        link.rx_handler_register(bridge_rx, port)
        self.ports[link.index] = port
        self.port_list.append(port)
        self.port_list.sort(key=lambda p: p.number)
        link.upper_link(self, master=True)
        self.fdb.insert(link.mac, port, PERMANENT, self.stack.now(), user=False)
        if self.stp is not None:
            self.stp.add_port(number, port.priority, port.cost)
        self.sync_ports()
        self.recalculate_address()
        self.recalculate_mtu()

    def release(self, link) -> None:
        port = self.ports.pop(link.index, None)
        if port is None:
            return
        self.port_list.remove(port)
        if self.stp is not None:
            self.stp.remove_port(port.number, self.stack.now())
            self.stp_apply()
        link.rx_handler_unregister()
        self.fdb.remove_where(lambda entry: entry.port is not port)
        link.upper_unlink(self)
        self.sync_ports()
        self.recalculate_address()
        self.recalculate_mtu()

    def set_address(self, mac: bytes) -> None:
        self.address_set = True
        super().set_address(mac)

    def set_mtu(self, mtu: int) -> None:
        self.mtu_set = True
        super().set_mtu(mtu)

    def recalculate_mtu(self) -> None:
        """Until an MTU is set, the bridge's is its ports' lowest (br_mtu_auto_adjust)."""
        if not self.mtu_set and self.port_list:
            lowest = min(port.link.mtu for port in self.port_list)
            if lowest != self.mtu:
                Link.set_mtu(self, lowest)

    def recalculate_address(self) -> None:
        """Until an address is set, the bridge takes its ports' lowest (as Linux's bridge)."""
        if not self.address_set and self.port_list:
            lowest = min(port.link.mac for port in self.port_list)
            if lowest != self.mac:
                Link.set_address(self, lowest)

    def port_of(self, link) -> BridgePort | None:
        return self.ports.get(link.index)

    def sync_ports(self) -> None:
        """Port states follow the links: disabled while the port or the bridge is down (its
        learned entries go), forwarding when both are up again (STP off); the bridge's carrier
        follows, on the notifier chain."""
        if self.stp is not None:
            self._sync_stp_ports()
        for port in self.port_list:
            enabled = self.admin_up and port.link.running
            if not enabled and port.state != DISABLED:
                self.set_port_state(port, DISABLED)
            elif enabled and port.state == DISABLED and self.stp is None:
                port.state = FORWARDING
        carrier = self.has_carrier()
        if carrier != self._carrier:
            self._carrier = carrier
            self.set_carrier(carrier)
            self._notify(NETDEV_CHANGE)

    def set_port_state(self, port: BridgePort, state: int) -> None:
        """A new state; a port that stops forwarding and learning forgets what it learned."""
        port.state = state
        if state in (DISABLED, BLOCKING, LISTENING):
            self.fdb.remove_where(lambda e: e.port is not port or not e.learned)

    def local_addresses_changed(self) -> None:
        """The bridge's MAC and its ports' are permanent local entries: remake them."""
        now = self.stack.now()
        self.fdb.remove_where(lambda entry: entry.user or not entry.local)
        self.fdb.insert(self.mac, None, PERMANENT, now, user=False)
        for port in self.port_list:
            self.fdb.insert(port.link.mac, port, PERMANENT, now, user=False)
        if self.stp is not None and self.stp.bridge_id != self.stp_bridge_id():
            self.stp.set_bridge_id(self.stp_bridge_id(), now)
            self.stp_apply()

    def change_default_pvid(self, old: int, new: int) -> None:
        """A new vlan_default_pvid moves the tables that still have the old default as it
        was given (pvid, untagged) to the new one, as br_vlan_set_default_pvid does."""
        for table in [self.vlans, *(port.vlans for port in self.port_list)]:
            if old and table.pvid == old and old in table.untagged:
                table.delete(old)
            elif old:
                continue
            if new and not table.pvid and new not in table.vids:
                table.add(new, pvid=True, untagged=True)

    # --- ageing on the stack's clock -----------------------------------------------------
    def arm_gc(self, when: float) -> None:
        when = max(when, self.stack.now() + GC_MIN_INTERVAL)
        if self.gc_timer is None or self.gc_timer.cancelled:
            self.gc_timer = self.stack.timers.arm(when, self._gc, name="bridge-fdb")
        elif when < self.gc_timer.when:
            self.gc_timer.rearm(when)

    def _gc(self) -> None:
        _, soonest = self.fdb.expire(self.stack.now(), self.ageing)
        self.arm_gc(soonest if soonest is not None else self.stack.now() + max(self.ageing, 1.0))

    def set_up(self, up: bool) -> None:
        super().set_up(up)
        if up:
            self.arm_gc(self.stack.now() + max(self.ageing, GC_MIN_INTERVAL))

    # --- transmit: the host's frames go through the bridge's forwarding -----------------
    def xmit(self, pkt) -> bool:
        stats = self.stats
        if not self.admin_up:
            stats.tx_dropped += 1
            self.stack.drop("LINK_DOWN")
            return False
        stats.tx_packets += 1
        stats.tx_bytes += len(pkt)
        if self.tx_tap is not None:
            self.tx_tap(pkt.tobytes())
        rec = self.stack.trace_rec
        if rec is not None:
            rec.step("link", f"tx on {self.name}: {len(pkt)} bytes into the bridge")
        return bridge_xmit(self, pkt)

    # --- the kind's description ----------------------------------------------------------
    def lower_name(self) -> str | None:
        return None                 # its lowers are ports, not a link it sits on

    def option_values(self) -> list:
        return [(opt, self.values[opt.name]) for opt in OPTIONS
                if self.values[opt.name] != opt.default]

    def gc_timer_left(self) -> float:
        if self.gc_timer is None or self.gc_timer.cancelled:
            return 0.0
        return round(max(0.0, self.gc_timer.when - self.stack.now()), 2)

    def info_data(self) -> dict:
        v = self.values
        return {
            "forward_delay": v["forward_delay"], "hello_time": v["hello_time"],
            "max_age": v["max_age"], "ageing_time": v["ageing_time"], "stp_state": v["stp_state"],
            "priority": v["priority"], "vlan_filtering": v["vlan_filtering"],
            "vlan_protocol": "802.1Q", **self.stp_info(),
            "gc_timer": self.gc_timer_left(),
            "fdb_n_learned": self.fdb.learned, "fdb_max_learned": v["fdb_max_learned"],
            "vlan_default_pvid": v["vlan_default_pvid"],
            "group_fwd_mask": f"{v['group_fwd_mask']:#x}" if v["group_fwd_mask"] else "0",
            "group_addr": "01:80:c2:00:00:00", "mcast_snooping": 0,
            "nf_call_iptables": 0, "nf_call_ip6tables": 0, "nf_call_arptables": 0,
        }

    @staticmethod
    def info_text_key(key: str) -> str:
        return INFO_TEXT_KEYS.get(key, key)

    def port_info(self, link) -> dict | None:
        """A port's ``bridge_slave`` details (linkinfo.info_slave_data), iproute2's keys."""
        port = self.port_of(link)
        if port is None:
            return None
        own = bridge_id(self.values["priority"], self.mac)
        port_id = port.priority << 10 | port.number        # br_make_port_id
        stp_port = self.stp.ports.get(port.number) if self.stp is not None else None
        now = self.stack.now()
        if stp_port is not None:
            designated = {"designated_port": stp_port.designated_port,
                          "designated_cost": stp_port.designated_cost,
                          "bridge_id": id_text(stp_port.designated_bridge),
                          "root_id": id_text(stp_port.designated_root),
                          "hold_timer": left(stp_port.hold_timer, now),
                          "message_age_timer": left(stp_port.message_age_timer, now),
                          "forward_delay_timer": left(stp_port.forward_delay_timer, now),
                          "topology_change_ack": int(stp_port.topology_change_ack),
                          "config_pending": int(stp_port.config_pending)}
        else:
            designated = {"designated_port": port_id, "designated_cost": 0, "bridge_id": own,
                          "root_id": own, "hold_timer": 0.0, "message_age_timer": 0.0,
                          "forward_delay_timer": 0.0, "topology_change_ack": 0,
                          "config_pending": 0}
        return {
            "state": STATE_NAMES[port.state], "priority": port.priority, "cost": port.cost,
            "hairpin": port.hairpin, "guard": port.guard, "root_block": False,
            "fastleave": False, "learning": port.learning, "flood": port.flood,
            "id": f"{port_id:#x}", "no": f"{port.number:#x}", **designated,
            "proxy_arp": False, "proxy_arp_wifi": False,
            "multicast_router": 1, "mcast_flood": port.mcast_flood, "bcast_flood": port.bcast_flood,
            "mcast_to_unicast": False, "neigh_suppress": False, "group_fwd_mask": "0",
            "group_fwd_mask_str": "0x0", "vlan_tunnel": False, "isolated": False, "locked": False,
        }

    @staticmethod
    def port_text_key(key: str) -> str:
        return PORT_TEXT_KEYS.get(key, key)


def _netdev_event(domain, event: str, link) -> None:
    """Port states and local entries follow the bridges' and the ports' link events."""
    if link in domain.bridges:
        bridge = link
    elif link.rx_handler is bridge_rx:
        bridge = link.rx_handler_data.bridge
    else:
        return
    if event == NETDEV_CHANGEMTU:
        if link is not bridge:
            bridge.recalculate_mtu()
        return
    bridge.sync_ports()
    if event == NETDEV_CHANGEADDR:
        bridge.local_addresses_changed()
        if link is not bridge:
            bridge.recalculate_address()
