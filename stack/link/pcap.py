"""A live host NIC bound through pcapy-ng (libpcap).

The handle is created, tuned and activated as limits.md recommends:
snaplen, promiscuous mode, a 64 MiB ring, immediate mode (through the
vendored libpcap, see `immediate.py`), then non-blocking with
`setdirection(PCAP_D_IN)` so our own transmissions are not read back.
Blocking `next()` never returns on an idle link, so the runtime polls
`getfd()` and `poll_rx` drains the ring up to a budget.
"""
from __future__ import annotations

import fcntl
import logging
import socket
import struct

from ..errors import StackError
from . import immediate
from .base import Link, random_local_mac, register_link_type
from .notifier import NETDEV_CHANGE

log = logging.getLogger("netsh.stack")

SNAPLEN = 65535
RING_BYTES = 64 << 20
TIMEOUT_MS = 1
CARRIER_POLL = 0.5          # seconds between looks at the host NIC's carrier
SIOCGIFFLAGS = 0x8913
IFF_RUNNING = 0x40          # up with carrier, as the host's kernel says (netif_oper_up)


def host_running(sock, hostdev: str) -> bool | None:
    """Whether the host NIC is up with carrier in the namespace `sock` was made in; None
    when the host cannot say (the device is gone)."""
    try:
        answer = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack("16s16x", hostdev.encode()))
    except OSError:
        return None
    return bool(struct.unpack_from("16sH", answer)[1] & IFF_RUNNING)


def open_handle(hostdev: str):
    """Open and activate a handle; returns (handle, immediate_mode_active)."""
    import pcapy
    try:
        handle = pcapy.create(hostdev)
        handle.set_snaplen(SNAPLEN)
        handle.set_promisc(1)
        handle.set_timeout(TIMEOUT_MS)
        handle.set_buffer_size(RING_BYTES)
        probe = immediate.prepare(handle)
        handle.activate()
    except pcapy.PcapError as exc:
        raise StackError(f'cannot open "{hostdev}": {exc}') from None
    fast = immediate.confirm(handle, probe)
    if not fast:
        log.warning("%s: immediate mode unavailable (%s); receive latency is now 1 ms",
                    hostdev, probe.reason or "handle check failed")
    handle.setnonblock(1)
    handle.setdirection(pcapy.PCAP_D_IN)
    return handle, fast


@register_link_type
class PcapLink(Link):
    kind = "pcap"
    made_by = "attach"

    def __init__(self, name: str, hostdev: str, mac: bytes | None = None, mtu: int = 1500):
        super().__init__(name, mac or random_local_mac(), mtu)
        self.hostdev = hostdev
        self.handle = None
        self.immediate = False
        self._fd = None
        self._flags_sock = None
        self._carrier_timer = None

    def open(self) -> None:
        self.handle, self.immediate = open_handle(self.hostdev)
        self._fd = self.handle.getfd()

    def watch_carrier(self) -> None:
        """Follow the host NIC's carrier from the host's own view of it: its flags, asked
        on a socket of the namespace the NIC lives in (the stack's thread is there), every
        CARRIER_POLL seconds; a change goes out on the notifier chain as NETDEV_CHANGE."""
        self._flags_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._check_carrier()

    def _check_carrier(self) -> None:
        if self.handle is None or self.stack is None:
            return
        running = host_running(self._flags_sock, self.hostdev)
        if running is not None and running != self.carrier:
            self.set_carrier(running)
            self._notify(NETDEV_CHANGE)
        self._carrier_timer = self.stack.timers.arm(self.stack.now() + CARRIER_POLL,
                                                    self._check_carrier, name="pcap-carrier")

    def carrier_down_state(self) -> str:
        return "DOWN"           # a NIC of its own, no lower link: the kernel says DOWN

    def close(self) -> None:
        if self._carrier_timer is not None:
            self._carrier_timer.cancel()
            self._carrier_timer = None
        if self._flags_sock is not None:
            self._flags_sock.close()
            self._flags_sock = None
        if self.handle is not None:
            try:
                self.handle.close()
            except Exception:   # closing twice or a vanished device: nothing left to free
                pass
            self.handle = None
            self._fd = None

    def fileno(self) -> int | None:
        return self._fd

    def poll_rx(self, budget: int) -> int:
        handle = self.handle
        if handle is None:
            return 0
        deliver = self.stack.netif_receive
        n = 0
        while n < budget:
            hdr, frame = handle.next()
            if hdr is None:
                break
            n += 1
            deliver(self, frame)
        return n

    def _transmit(self, frame: bytes) -> bool:
        handle = self.handle
        if handle is None:
            return False
        try:
            handle.sendpacket(frame)
            return True
        except Exception:      # pcapy.PcapError: message too long, device gone
            return False

    def pcap_stats(self) -> tuple[int, int, int]:
        if self.handle is None:
            return (0, 0, 0)
        try:
            return self.handle.stats()
        except Exception:
            return (0, 0, 0)

    def stats64(self) -> dict:
        stats = self.stats.stats64()
        _recv, drop, ifdrop = self.pcap_stats()
        # Ring-full drops never reached us: the kernel's "missed" and "overrun".
        stats["rx"]["missed_errors"] += drop
        stats["rx"]["over_errors"] += ifdrop
        stats["rx"]["dropped"] += drop + ifdrop
        return stats

    # --- the kind's description ------------------------------------------------
    def describe(self) -> dict:
        return {"host_dev": self.hostdev, "pcap_immediate": self.immediate}

    def lower_name(self) -> str | None:
        return self.hostdev if self.hostdev != self.name else None

    def info_data(self) -> dict:
        return {"host_dev": self.hostdev, "immediate": self.immediate}

    def config_options(self) -> dict:
        return {"host_dev": self.hostdev}
