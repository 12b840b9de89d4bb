"""Our stack on the stack side of a `VethPeer`, in this process."""
from __future__ import annotations

import contextlib
import time

from stack.runtime import Runtime, StackProxy
from stack.wire.ethernet import mac_from_str
from stack.wire.ipv4 import addr_from_str


@contextlib.contextmanager
def stack_on(peer, address: str = "192.0.2.1", prefixlen: int = 24, lladdr: str | None = None,
             ipv6: bool = True):
    """A running stack attached to peer.stack_dev with `address`; yields (proxy, runtime).
    `ipv6=False`: a quiet wire, no DAD, MLD or router solicitations from the link."""
    runtime = Runtime(netns=peer.stack_ns).start()
    try:
        proxy = StackProxy(runtime)
        proxy.link_attach(peer.stack_dev, name=peer.stack_dev,
                          address=mac_from_str(lladdr) if lladdr else None)
        if not ipv6:
            proxy.inet6_conf(peer.stack_dev, disable_ipv6=True)
        proxy.link_set(peer.stack_dev, up=True)
        if address:
            proxy.addr_add(peer.stack_dev, addr_from_str(address), prefixlen)
        yield proxy, runtime
    finally:
        runtime.stop()


def wait_for(predicate, timeout: float, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy or time runs out."""
    end = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < end:
        time.sleep(interval)
        value = predicate()
    return value
