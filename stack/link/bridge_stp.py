"""STP on a bridge (stp_state 1): the glue between the bridge kind and stack/l2/stp.py.

`BridgeStp` is a part of `BridgeLink` (stack/link/bridge.py): it makes the sans-IO
state machine from the bridge's options, feeds it the ports' ups and downs and the BPDUs
`ingress_decision` hands over (IN_BPDU), and carries out what it decides (`stp_apply`):
port states, BPDUs out of the ports, the short ageing of a topology change, and one stack
timer at its next deadline.  It also says what STP knows for `ip -d link show`.
"""
from __future__ import annotations

from ..l2.bridge import DISABLED, explain_bpdu
from ..l2.stp import Stp
from ..packet import Packet
from ..wire import stp as stp_wire


def bridge_id(priority: int, mac: bytes) -> str:
    """``8000.2:0:0:0:0:aa``: iproute2 prints the MAC part as ether_ntoa does."""
    return f"{priority:04x}." + ":".join(f"{b:x}" for b in mac)


def id_text(ident: bytes) -> str:
    """An 8-byte STP bridge id as `bridge_id` writes it."""
    return bridge_id(int.from_bytes(ident[:2], "big"), ident[2:])


def left(when: float | None, now: float) -> float:
    """Seconds until a timer fires (0.0 when it is not running), as iproute2's timers."""
    return 0.0 if when is None else round(max(0.0, when - now), 2)


class BridgeStp:
    """The STP half of a bridge link (`self.stp` is None while stp_state is 0)."""

    def stp_bridge_id(self) -> bytes:
        return stp_wire.bridge_id(self.values["priority"], self.mac)

    def _new_stp(self) -> Stp:
        v = self.values
        return Stp(self.stp_bridge_id(), max_age=v["max_age"] / 100,
                   hello_time=v["hello_time"] / 100,
                   forward_delay=min(30.0, max(2.0, v["forward_delay"] / 100)))

    def stp_reconfigure(self, old: dict) -> None:
        """After `change_options`: STP turned on or off, or its priority and timers changed."""
        now = self.stack.now()
        stp_on = bool(self.values["stp_state"])
        if stp_on != bool(old["stp_state"]):
            if stp_on:
                self.stp = self._new_stp()
                for port in self.port_list:
                    self.stp.add_port(port.number, port.priority, port.cost)
                    port.state = DISABLED           # STP takes them from disabled
            else:
                self.stp = None
                if self.stp_timer is not None:
                    self.stp_timer.cancel()
                for port in self.port_list:
                    port.state = DISABLED           # forwarding again at once, STP off
            self.sync_ports()
        elif self.stp is not None:
            stp = self.stp
            stp.bridge_max_age = self.values["max_age"] / 100
            stp.bridge_hello_time = self.values["hello_time"] / 100
            stp.bridge_forward_delay = min(30.0, max(2.0, self.values["forward_delay"] / 100))
            if stp.is_root_bridge():
                stp.max_age, stp.hello_time = stp.bridge_max_age, stp.bridge_hello_time
                stp.forward_delay = stp.bridge_forward_delay
            if self.values["priority"] != old["priority"]:
                stp.set_priority(self.values["priority"], now)
            self.stp_apply()

    def _sync_stp_ports(self) -> None:
        stp, now = self.stp, self.stack.now()
        if self.admin_up and not stp.enabled:
            stp.enable(now)
        elif not self.admin_up and stp.enabled:
            stp.disable()
        for port in self.port_list:
            enabled = self.admin_up and port.link.running
            stp_port = stp.ports[port.number]
            if enabled and stp_port.state == DISABLED and not port.guarded:
                stp.enable_port(port.number, now)
            elif not enabled:
                port.guarded = False               # down and up again: guard lets it go
                if stp_port.state != DISABLED:
                    stp.disable_port(port.number, now)
        self.stp_apply()

    def stp_apply(self) -> None:
        """Carry out what STP decided: port states, BPDUs out, short ageing, its next timer."""
        stp = self.stp
        changes, stp.changes = stp.changes, []
        by_number = {port.number: port for port in self.port_list}
        for number, state in changes:
            port = by_number.get(number)
            if port is not None:
                self.set_port_state(port, state)
        out, stp.outbox = stp.outbox, []
        counters = self.domain.counters
        for number, bpdu in out:
            port = by_number.get(number)
            if port is not None and port.link.admin_up:
                port.link.xmit(Packet.of(stp_wire.frame(port.link.mac, bpdu)))
                counters.BpduOut += 1
        if stp.topology_change and not self._topology_change:
            counters.TopologyChanges += 1
            self.arm_gc(self.stack.now())           # age at forward_delay from now on
        self._topology_change = stp.topology_change
        due = stp.next_deadline()
        if due is None:
            if self.stp_timer is not None:
                self.stp_timer.cancel()
        elif self.stp_timer is None or self.stp_timer.cancelled:
            self.stp_timer = self.stack.timers.arm(due, self._stp_tick, name="bridge-stp")
        else:
            self.stp_timer.rearm(due)

    def _stp_tick(self) -> None:
        self.stp.tick(self.stack.now())
        self.stp_apply()

    def receive_bpdu(self, port, frame) -> None:
        """A BPDU arrived on `port` (ingress_decision said IN_BPDU)."""
        stack = self.stack
        length = (frame[12] << 8) | frame[13]
        end = len(frame) if length > 1500 else min(len(frame), 14 + length)
        bpdu = stp_wire.parse(frame, 14, end) if length <= 1500 else "STP_INVALID"
        rec = stack.trace_rec
        if rec is not None:
            rec.explain(explain_bpdu, self, port, bpdu)
        if isinstance(bpdu, str):
            stack.drop(bpdu)
            return
        if port.guard:
            port.guarded = True
            self.stp.disable_port(port.number, stack.now())
            self.stp_apply()
            stack.drop("BRIDGE_BPDU_GUARD")
            return
        self.domain.counters.BpduIn += 1
        self.stp.receive(port.number, bpdu, stack.now())
        self.stp_apply()

    def stp_port_changed(self, port) -> None:
        """Its priority or cost changed (bridge link set): STP elects again."""
        if self.stp is not None:
            self.stp.set_port(port.number, port.priority, port.cost, self.stack.now())
            self.stp_apply()

    def stp_role(self, port) -> str:
        """A port's 802.1D role: root, designated, alternate (STP blocks it) or disabled;
        with STP off every working port is designated (br_become_designated_port)."""
        if port.state == DISABLED:
            return "disabled"
        stp = self.stp
        if stp is None:
            return "designated"
        stp_port = stp.ports.get(port.number)
        if stp_port is None:
            return "disabled"
        if stp.root_port is stp_port:
            return "root"
        return "designated" if stp.is_designated_port(stp_port) else "alternate"

    def stp_info(self) -> dict:
        """What STP says of the bridge, as info_data keys (no STP: this bridge is its own root)."""
        stp, now = self.stp, self.stack.now()
        own = bridge_id(self.values["priority"], self.mac)
        if stp is None:
            return {"bridge_id": own, "root_id": own, "root_port": 0, "root_path_cost": 0,
                    "topology_change": 0, "topology_change_detected": 0, "hello_timer": 0.0,
                    "tcn_timer": 0.0, "topology_change_timer": 0.0}
        root = stp.root_port
        return {"bridge_id": own, "root_id": id_text(stp.designated_root),
                "root_port": root.number if root is not None else 0,
                "root_path_cost": stp.root_path_cost,
                "topology_change": int(stp.topology_change),
                "topology_change_detected": int(stp.topology_change_detected),
                "hello_timer": left(stp.hello_timer, now), "tcn_timer": left(stp.tcn_timer, now),
                "topology_change_timer": left(stp.topology_change_timer, now)}
