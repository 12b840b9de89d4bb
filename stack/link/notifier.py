"""The netdevice notifier chain (the kernel's register_netdevice_notifier).

A link's life and state changes go out as events on the stack's chain;
subsystems that keep state about links (the neighbour table, IPv4's addresses
and routes, the route cache, capture and trace taps) subscribe once and react,
so no caller keeps a hand-written list of what to flush.  Subscribers run in
the order they subscribed, each as `callback(event, link)`.
"""
from __future__ import annotations

from typing import Callable

NETDEV_UP = "NETDEV_UP"                     # administratively up
NETDEV_DOWN = "NETDEV_DOWN"                 # administratively down
NETDEV_CHANGE = "NETDEV_CHANGE"             # carrier (operstate) changed
NETDEV_CHANGEMTU = "NETDEV_CHANGEMTU"
NETDEV_CHANGEADDR = "NETDEV_CHANGEADDR"     # link-layer address changed
NETDEV_REGISTER = "NETDEV_REGISTER"
NETDEV_UNREGISTER = "NETDEV_UNREGISTER"
NETDEV_CHANGEUPPER = "NETDEV_CHANGEUPPER"   # an upper link was linked or unlinked

EVENTS = (NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGEMTU, NETDEV_CHANGEADDR,
          NETDEV_REGISTER, NETDEV_UNREGISTER, NETDEV_CHANGEUPPER)


class NetdevNotifier:
    def __init__(self):
        self.subscribers: list[tuple[str, Callable, frozenset]] = []

    def subscribe(self, name: str, callback: Callable, events=EVENTS) -> None:
        """`callback(event, link)` for each of `events`; `name` says who (for `subscribers`)."""
        unknown = set(events) - set(EVENTS)
        if unknown:
            raise ValueError(f"unknown netdev events: {', '.join(sorted(unknown))}")
        self.subscribers.append((name, callback, frozenset(events)))

    def notify(self, event: str, link) -> None:
        for _name, callback, events in self.subscribers:
            if event in events:
                callback(event, link)
