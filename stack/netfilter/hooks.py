"""Netfilter hook points (the kernel's nf_hook / NF_HOOK), one set per family.

The IP paths call a hook at each of the five points the kernel has:

    receive  -> PRE_ROUTING -> route input -> LOCAL_IN -> local delivery
                                           -> FORWARD -> POST_ROUTING -> out
    send     -> LOCAL_OUT -> route output -> POST_ROUTING -> out

A hook function is `fn(pkt, state) -> verdict` (ACCEPT, DROP or STOLEN), run in
priority order (lowest first) until one does not accept.  While nothing is
registered at a point, `HookPoints.chain[hook]` is None and the path pays one
test of it.  A DROP is counted under NETFILTER_DROP; STOLEN means the hook
function took the packet (it queues or frees it itself).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from ..trace import UNDECIDED

NF_INET_PRE_ROUTING = 0
NF_INET_LOCAL_IN = 1
NF_INET_FORWARD = 2
NF_INET_LOCAL_OUT = 3
NF_INET_POST_ROUTING = 4
HOOK_NAMES = ("prerouting", "input", "forward", "output", "postrouting")   # as nft names them

NF_DROP = 0
NF_ACCEPT = 1
NF_STOLEN = 2


class HookState(NamedTuple):
    """What a hook function is told besides the packet (struct nf_hook_state)."""

    hook: int
    family: str
    in_link: object
    out_link: object


class HookPoints:
    def __init__(self, stack, family: str):
        self.stack = stack
        self.family = family
        self.entries: list[list[tuple[int, Callable]]] = [[] for _ in HOOK_NAMES]
        self.chain: list[tuple[Callable, ...] | None] = [None] * len(HOOK_NAMES)

    def register(self, hook: int, fn: Callable, priority: int = 0) -> None:
        self.entries[hook].append((priority, fn))
        self.entries[hook].sort(key=lambda entry: entry[0])
        self.chain[hook] = tuple(fn for _, fn in self.entries[hook])

    def unregister(self, hook: int, fn: Callable) -> None:
        self.entries[hook] = [(p, f) for p, f in self.entries[hook] if f is not fn]
        self.chain[hook] = tuple(f for _, f in self.entries[hook]) or None

    def run(self, hook: int, pkt, in_link, out_link) -> bool:
        """Run the functions at `hook`; True when the packet goes on (all accepted)."""
        state = HookState(hook, self.family, in_link, out_link)
        rec = self.stack.trace_rec
        for fn in self.chain[hook]:
            verdict = fn(pkt, state)
            if verdict == NF_ACCEPT:
                continue
            if rec is not None:
                rec.step("netfilter", f"{self.family} {HOOK_NAMES[hook]}: "
                                      f"{getattr(fn, '__qualname__', fn)} says "
                                      f"{'STOLEN' if verdict == NF_STOLEN else 'DROP'}")
                rec.decided(UNDECIDED if verdict == NF_STOLEN else "NETFILTER_DROP")
            if verdict != NF_STOLEN:
                self.stack.drop("NETFILTER_DROP")
            return False
        return True
