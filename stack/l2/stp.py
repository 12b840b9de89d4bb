"""802.1D spanning tree as a sans-IO state machine (the kernel's net/bridge/br_stp*.c).

`Stp` holds one bridge's STP state and its ports'.  It touches no link and no
clock: events go in (`enable_port`, `disable_port`, `receive(port, bpdu, now)`,
`tick(now)` for its timers, `set_priority`), and what it decides comes out in
`outbox` (``(port_no, Bpdu)`` to send) and in each port's `state`, which the
bridge reads (`changes` lists ``(port_no, state)`` as they happen).
`next_deadline()` says when `tick` is due next.  Times are seconds.

The procedures are clause 8 of 802.1D-1998 as Linux implements them: root
selection, designated port selection, port state selection (blocking,
listening, learning, forwarding, with forward_delay between them),
configuration BPDUs from the root every hello_time and relayed by designated
ports, message ages, and topology change notification up to the root, whose
TC flag tells every bridge to age its FDB in forward_delay for a while
(`ageing_time()`).
"""
from __future__ import annotations

from .bridge import BLOCKING, DISABLED, FORWARDING, LEARNING, LISTENING
from ..wire.stp import CONFIG, TCN, Bpdu

HOLD_TIME = 1.0             # at most one configuration BPDU a second per port
MESSAGE_AGE_INCR = 1 / 256  # what a bridge adds to a relayed BPDU's age (at least)


class StpPort:
    def __init__(self, number: int, priority: int, path_cost: int):
        self.number = number
        self.priority = priority
        self.path_cost = path_cost
        self.state = DISABLED
        self.designated_root = bytes(8)
        self.designated_cost = 0
        self.designated_bridge = bytes(8)
        self.designated_port = 0
        self.topology_change_ack = False
        self.config_pending = False
        self.message_age_timer: float | None = None     # when the stored information expires
        self.received_age = 0.0                         # message age of that information
        self.received_at = 0.0
        self.forward_delay_timer: float | None = None
        self.hold_timer: float | None = None

    @property
    def port_id(self) -> int:
        return (self.priority << 10) | self.number      # br_make_port_id


class Stp:
    def __init__(self, bridge_id: bytes, *, max_age: float = 20.0, hello_time: float = 2.0,
                 forward_delay: float = 15.0):
        self.bridge_id = bridge_id
        self.bridge_max_age = max_age
        self.bridge_hello_time = hello_time
        self.bridge_forward_delay = forward_delay
        self.max_age = max_age                  # in use: the root's
        self.hello_time = hello_time
        self.forward_delay = forward_delay
        self.designated_root = bridge_id
        self.root_path_cost = 0
        self.root_port: StpPort | None = None
        self.topology_change = False
        self.topology_change_detected = False
        self.hello_timer: float | None = None
        self.tcn_timer: float | None = None
        self.topology_change_timer: float | None = None
        self.ports: dict[int, StpPort] = {}
        self.outbox: list[tuple[int, Bpdu]] = []
        self.changes: list[tuple[int, int]] = []
        self.enabled = False

    # --- what the bridge asks ----------------------------------------------------------
    def is_root_bridge(self) -> bool:
        return self.designated_root == self.bridge_id

    def ageing_time(self, ageing: float) -> float:
        """The FDB ageing to use: forward_delay while a topology change lasts."""
        return self.forward_delay if self.topology_change else ageing

    def next_deadline(self) -> float | None:
        times = [self.hello_timer, self.tcn_timer, self.topology_change_timer]
        for port in self.ports.values():
            times += [port.message_age_timer, port.forward_delay_timer, port.hold_timer]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    # --- configuration -----------------------------------------------------------------
    def add_port(self, number: int, priority: int = 32, path_cost: int = 100) -> StpPort:
        port = StpPort(number, priority, path_cost)
        self.ports[number] = port
        return port

    def enable(self, now: float) -> None:
        """br_stp_enable_bridge: hello timer running; ports are enabled one by one."""
        self.enabled = True
        self.hello_timer = now
        self.config_bpdu_generation(now)

    def enable_port(self, number: int, now: float) -> None:
        port = self.ports[number]
        self._init_port(port)
        self.port_state_selection(now)

    def _init_port(self, port: StpPort) -> None:
        self.become_designated_port(port)
        self._set_state(port, BLOCKING)
        port.topology_change_ack = False
        port.config_pending = False
        port.message_age_timer = port.forward_delay_timer = port.hold_timer = None

    def disable_port(self, number: int, now: float) -> None:
        port = self.ports[number]
        was_root = self.is_root_bridge()
        self.become_designated_port(port)
        self._set_state(port, DISABLED)
        port.topology_change_ack = False
        port.config_pending = False
        port.message_age_timer = port.forward_delay_timer = port.hold_timer = None
        self.configuration_update()
        self.port_state_selection(now)
        if self.is_root_bridge() and not was_root:
            self._became_root(now)

    def remove_port(self, number: int, now: float) -> None:
        self.disable_port(number, now)
        del self.ports[number]

    def disable(self) -> None:
        """br_stp_disable_bridge: every port disabled, every timer stopped."""
        for port in self.ports.values():
            self._set_state(port, DISABLED)
            port.message_age_timer = port.forward_delay_timer = port.hold_timer = None
        self.hello_timer = self.tcn_timer = self.topology_change_timer = None
        self.topology_change = self.topology_change_detected = False
        self.enabled = False

    def set_priority(self, priority: int, now: float) -> None:
        """br_stp_set_bridge_priority: a new bridge id, and the election again."""
        self.set_bridge_id(priority.to_bytes(2, "big") + self.bridge_id[2:], now)

    def set_bridge_id(self, new_id: bytes, now: float) -> None:
        """br_stp_change_bridge_id (a new MAC) or a new priority: the election again."""
        was_root = self.is_root_bridge()
        for port in self.ports.values():
            if port.state != DISABLED and self.is_designated_port(port):
                port.designated_bridge = new_id
        self.bridge_id = new_id
        self.configuration_update()
        self.port_state_selection(now)
        if self.is_root_bridge() and not was_root:
            self._became_root(now)

    # --- clause 8 procedures --------------------------------------------------------------
    def is_designated_port(self, port: StpPort) -> bool:
        return port.designated_bridge == self.bridge_id and port.designated_port == port.port_id

    def _should_become_root_port(self, port: StpPort, best: StpPort | None) -> bool:
        if port.state == DISABLED or self.is_designated_port(port):
            return False
        if self.bridge_id <= port.designated_root:
            return False
        if best is None:
            return True
        mine = (port.designated_root, port.designated_cost + port.path_cost,
                port.designated_bridge, port.designated_port, port.port_id)
        theirs = (best.designated_root, best.designated_cost + best.path_cost,
                  best.designated_bridge, best.designated_port, best.port_id)
        return mine < theirs

    def root_selection(self) -> None:
        best = None
        for port in self.ports.values():
            if self._should_become_root_port(port, best):
                best = port
        self.root_port = best
        if best is None:
            self.designated_root = self.bridge_id
            self.root_path_cost = 0
        else:
            self.designated_root = best.designated_root
            self.root_path_cost = best.designated_cost + best.path_cost

    def set_port(self, number: int, priority: int, path_cost: int, now: float) -> None:
        """br_stp_set_port_priority / br_stp_set_path_cost: the election again."""
        port = self.ports[number]
        if port.state != DISABLED and self.is_designated_port(port):
            port.designated_port = (priority << 10) | number
        port.priority, port.path_cost = priority, path_cost
        self.configuration_update()
        self.port_state_selection(now)

    def become_designated_port(self, port: StpPort) -> None:
        port.designated_root = self.designated_root
        port.designated_cost = self.root_path_cost
        port.designated_bridge = self.bridge_id
        port.designated_port = port.port_id

    def _should_become_designated_port(self, port: StpPort) -> bool:
        if self.is_designated_port(port) or port.designated_root != self.designated_root:
            return True
        ours = (self.root_path_cost, self.bridge_id, port.port_id)
        stored = (port.designated_cost, port.designated_bridge, port.designated_port)
        return ours < stored

    def designated_port_selection(self) -> None:
        for port in self.ports.values():
            if port.state != DISABLED and self._should_become_designated_port(port):
                self.become_designated_port(port)

    def configuration_update(self) -> None:
        self.root_selection()
        self.designated_port_selection()

    def port_state_selection(self, now: float) -> None:
        for port in self.ports.values():
            if port.state == DISABLED:
                continue
            if port is self.root_port or self.is_designated_port(port):
                if port is self.root_port:
                    port.config_pending = False
                    port.topology_change_ack = False
                else:
                    port.message_age_timer = None
                self._make_forwarding(port, now)
            else:
                port.config_pending = False
                port.topology_change_ack = False
                self._make_blocking(port, now)

    def _make_forwarding(self, port: StpPort, now: float) -> None:
        if port.state == BLOCKING:
            self._set_state(port, LISTENING)
            port.forward_delay_timer = now + self.forward_delay

    def _make_blocking(self, port: StpPort, now: float) -> None:
        if port.state not in (DISABLED, BLOCKING):
            if port.state in (FORWARDING, LEARNING):
                self.topology_change_detection(now)
            self._set_state(port, BLOCKING)
            port.forward_delay_timer = None

    def _set_state(self, port: StpPort, state: int) -> None:
        if port.state != state:
            port.state = state
            self.changes.append((port.number, state))

    # --- BPDUs ---------------------------------------------------------------------------
    def transmit_config(self, port: StpPort, now: float) -> None:
        if port.hold_timer is not None:
            port.config_pending = True
            return
        age = 0.0
        if not self.is_root_bridge() and self.root_port is not None:
            root = self.root_port
            age = root.received_age + (now - root.received_at) + MESSAGE_AGE_INCR
        if age >= self.max_age:
            return                          # the information is too old to pass on
        self.outbox.append((port.number, Bpdu(
            CONFIG, self.designated_root, self.root_path_cost, self.bridge_id, port.port_id, age,
            self.max_age, self.hello_time, self.forward_delay, self.topology_change,
            port.topology_change_ack)))
        port.topology_change_ack = False
        port.config_pending = False
        port.hold_timer = now + HOLD_TIME

    def transmit_tcn(self) -> None:
        if self.root_port is not None:
            self.outbox.append((self.root_port.number, Bpdu(type=TCN)))

    def config_bpdu_generation(self, now: float) -> None:
        for port in self.ports.values():
            if port.state != DISABLED and self.is_designated_port(port):
                self.transmit_config(port, now)

    def _supersedes(self, port: StpPort, bpdu: Bpdu) -> bool:
        theirs = (bpdu.root, bpdu.cost, bpdu.bridge)
        stored = (port.designated_root, port.designated_cost, port.designated_bridge)
        if theirs != stored:
            return theirs < stored
        return bpdu.bridge != self.bridge_id or bpdu.port <= port.designated_port

    def receive(self, number: int, bpdu: Bpdu, now: float) -> None:
        port = self.ports.get(number)
        if not self.enabled or port is None or port.state == DISABLED:
            return
        if bpdu.type == TCN:
            self._received_tcn(port, now)
            return
        if self._supersedes(port, bpdu):
            was_root = self.is_root_bridge()
            port.designated_root = bpdu.root
            port.designated_cost = bpdu.cost
            port.designated_bridge = bpdu.bridge
            port.designated_port = bpdu.port
            port.received_age = bpdu.message_age
            port.received_at = now
            port.message_age_timer = now + max(0.0, bpdu.max_age - bpdu.message_age)
            self.configuration_update()
            self.port_state_selection(now)
            if not self.is_root_bridge() and was_root:
                self.hello_timer = None
                if self.topology_change_detected:
                    self.topology_change_timer = None
                    self.transmit_tcn()
                    self.tcn_timer = now + self.bridge_hello_time
            if port is self.root_port:
                self.max_age = bpdu.max_age
                self.hello_time = bpdu.hello_time
                self.forward_delay = bpdu.forward_delay
                self.topology_change = bpdu.tc
                self.config_bpdu_generation(now)
                if bpdu.tca:
                    self.topology_change_detected = False
                    self.tcn_timer = None
        elif self.is_designated_port(port):
            self.transmit_config(port, now)

    def _received_tcn(self, port: StpPort, now: float) -> None:
        if self.is_designated_port(port):
            self.topology_change_detection(now)
            port.topology_change_ack = True
            self.transmit_config(port, now)

    def topology_change_detection(self, now: float) -> None:
        if self.is_root_bridge():
            self.topology_change = True
            self.topology_change_timer = now + self.bridge_max_age + self.bridge_forward_delay
        elif not self.topology_change_detected:
            self.transmit_tcn()
            self.tcn_timer = now + self.bridge_hello_time
        self.topology_change_detected = True

    def _became_root(self, now: float) -> None:
        self.max_age = self.bridge_max_age
        self.hello_time = self.bridge_hello_time
        self.forward_delay = self.bridge_forward_delay
        self.topology_change_detection(now)
        self.tcn_timer = None
        self.config_bpdu_generation(now)
        self.hello_timer = now + self.bridge_hello_time

    # --- timers -------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Fire every timer due by `now`."""
        if not self.enabled:
            return
        if self.hello_timer is not None and self.hello_timer <= now:
            self.config_bpdu_generation(now)
            self.hello_timer = now + self.hello_time
        if self.tcn_timer is not None and self.tcn_timer <= now:
            self.transmit_tcn()
            self.tcn_timer = now + self.bridge_hello_time
        if self.topology_change_timer is not None and self.topology_change_timer <= now:
            self.topology_change_timer = None
            self.topology_change_detected = False
            self.topology_change = False
        for port in list(self.ports.values()):
            if port.message_age_timer is not None and port.message_age_timer <= now:
                port.message_age_timer = None
                self._message_age_expired(port, now)
            if port.forward_delay_timer is not None and port.forward_delay_timer <= now:
                self._forward_delay_expired(port, now)
            if port.hold_timer is not None and port.hold_timer <= now:
                port.hold_timer = None
                if port.config_pending:
                    self.transmit_config(port, now)

    def _message_age_expired(self, port: StpPort, now: float) -> None:
        was_root = self.is_root_bridge()
        self.become_designated_port(port)
        self.configuration_update()
        self.port_state_selection(now)
        if self.is_root_bridge() and not was_root:
            self._became_root(now)

    def _forward_delay_expired(self, port: StpPort, now: float) -> None:
        if port.state == LISTENING:
            self._set_state(port, LEARNING)
            port.forward_delay_timer = now + self.forward_delay
        elif port.state == LEARNING:
            self._set_state(port, FORWARDING)
            port.forward_delay_timer = None
            if any(self.is_designated_port(p) for p in self.ports.values() if p.state != DISABLED):
                self.topology_change_detection(now)
        else:
            port.forward_delay_timer = None
