"""Test doubles for the netsh faces: a fake stack with the call interface's shapes,
and helpers to run lines through an Executor and collect what it wrote.

Import the `debug` fixture into a test module to run it with NETSH_DEBUG=1, so an
unexpected exception fails the test instead of becoming an "Error: internal" line.
"""
from __future__ import annotations

import io
import queue
from dataclasses import dataclass

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options, parse_options
from stack.errors import StackError
from stack.l3.ping import PingEvent


@pytest.fixture(autouse=True)
def debug(monkeypatch):
    monkeypatch.setenv("NETSH_DEBUG", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)


def stats64(rx_bytes=0, rx_packets=0, tx_bytes=0, tx_packets=0, **extra):
    rx = dict(bytes=rx_bytes, packets=rx_packets, errors=0, dropped=0, over_errors=0, multicast=0,
              length_errors=0, crc_errors=0, frame_errors=0, fifo_errors=0, missed_errors=0,
              nohandler=0, otherhost=0)
    tx = dict(bytes=tx_bytes, packets=tx_packets, errors=0, dropped=0, carrier_errors=0,
              collisions=0, aborted_errors=0, fifo_errors=0, window_errors=0,
              heartbeat_errors=0, carrier_changes=0)
    for key, value in extra.items():
        direction, _, name = key.partition("_")
        (rx if direction == "rx" else tx)[name] = value
    return {"rx": rx, "tx": tx}


def link_row(index, name, *, up=True, peer=None, mac="02:00:00:00:00:01", mtu=1500, stats=None,
             addrs=()):
    row = {"ifindex": index, "ifname": name,
           "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"] if up else ["BROADCAST", "MULTICAST"],
           "mtu": mtu, "qdisc": "pfifo_fast", "operstate": "UP" if up else "DOWN",
           "linkmode": "DEFAULT", "group": "default", "txqlen": 1000, "link_type": "ether",
           "address": mac, "broadcast": "ff:ff:ff:ff:ff:ff", "link_kind": "pair", "peer": peer,
           **({"link": peer} if peer else {}),
           "stats64": stats or stats64()}
    row["addr_info"] = [{"family": "inet", "local": a, "prefixlen": p,
                         "broadcast": b, "scope": "global", "label": name,
                         "valid_life_time": 4294967295, "preferred_life_time": 4294967295}
                        for a, p, b in addrs]
    return row


@dataclass
class FakeSession:
    replies: queue.Queue


class FakeStack:
    """The call interface over fixed data; records calls; `ping_events` script ping replies."""

    def __init__(self):
        self.links = {
            "lo": {**link_row(1, "lo", mac="00:00:00:00:00:00",
                              addrs=[("127.0.0.1", 8, "127.255.255.255")]),
                   "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
                   "link_type": "loopback", "broadcast": "00:00:00:00:00:00", "mtu": 65536,
                   "qdisc": "noqueue", "link_kind": "loopback", "peer": None},
            "a": link_row(2, "a", peer="b", mac="02:00:00:00:00:0a",
                          stats=stats64(516, 6, 642, 9, tx_carrier_changes=2),
                          addrs=[("192.0.2.1", 24, "192.0.2.255")]),
            "b": link_row(3, "b", up=False, peer="a", mac="02:00:00:00:00:0b"),
        }
        self.neigh = [{"dst": "192.0.2.2", "dev": "a", "lladdr": "02:00:00:00:00:0b",
                       "state": ["REACHABLE"]},
                      {"dst": "192.0.2.77", "dev": "a", "state": ["FAILED"]}]
        self.calls: list[tuple] = []
        self.ping_events: list = []        # PingEvents, or "lost" to answer nothing
        self.sessions: list[FakeSession] = []

    def _link(self, name):
        if name not in self.links:
            raise StackError(f'Cannot find device "{name}"')
        return self.links[name]

    def link_list(self, name=None):
        return [self._link(name)] if name else list(self.links.values())

    addr_list = link_list

    def host_devices(self):
        return [{"name": "veth-h1", "flags": ["UP", "LOWER_UP"], "attached": "veth-h1"},
                {"name": "veth-h2", "flags": ["UP"], "attached": None}]

    def __getattr__(self, name):
        # every changing call: check the device, record, return None
        if name in ("link_set", "link_attach", "link_detach", "link_del", "link_add_pair", "link_add",
                    "addr_add", "addr_del", "addr_flush", "neigh_add", "neigh_del", "neigh_flush"):
            def call(*args, **kwargs):
                if name.split("_")[0] in ("addr", "neigh") or name in ("link_set", "link_del",
                                                                       "link_detach"):
                    self._link(args[0])
                self.calls.append((name, args, kwargs))
            return call
        raise AttributeError(name)

    def neigh_list(self, dev=None):
        return [n for n in self.neigh if dev is None or n["dev"] == dev]

    def route_list(self):
        return [{"dst": "192.0.2.0/24", "dev": "a", "protocol": "kernel", "scope": "link",
                 "prefsrc": "192.0.2.1", "flags": []}]

    def stats(self, layer=None):
        groups = {"Icmp": {"InMsgs": 3, "OutEchos": 3}, "Drop": {"NO_SOCKET": 1}}
        if layer is None:
            return groups
        if layer not in groups:
            raise StackError(f'unknown layer "{layer}"')
        return {layer: groups[layer]}

    def ping_open(self, dst, size, dev=None, ttl=64, mark=0, pmtudisc="want"):
        self.pmtudisc = pmtudisc
        if dev is not None:
            self._link(dev)
        if dst == bytes([203, 0, 113, 1]):
            raise StackError("connect: Network is unreachable")
        session = FakeSession(queue.Queue())
        self.sessions.append(session)
        return session

    def ping_send(self, session, seq):
        if self.ping_events:
            event = self.ping_events.pop(0)
            if event != "lost":
                session.replies.put(event)
        return True

    def ping_close(self, session):
        self.calls.append(("ping_close", (), {}))


def reply(seq, rtt_ms=0.213, src="192.0.2.2", size=64, ttl=64, dup=False):
    return PingEvent("reply", seq, src, ttl=ttl, size=size, rtt_ms=rtt_ms,
                     message="DUP!" if dup else "")


class Run:
    """A fresh Executor on a FakeStack; `line()` returns (status, stdout, stderr)."""

    def __init__(self, *argv: str, stack=None):
        self.stack = stack if stack is not None else FakeStack()
        self.options, rest = parse_options(list(argv))
        assert not rest
        self.out, self.err = io.StringIO(), io.StringIO()
        self.executor = Executor(None, self.options, self.out, self.err, stack=self.stack, grammar=GRAMMAR)

    def line(self, text: str, caret: bool = False) -> tuple[int, str, str]:
        start_out, start_err = self.out.tell(), self.err.tell()
        status = self.executor.run_line(text, caret=caret)
        return status, self.out.getvalue()[start_out:], self.err.getvalue()[start_err:]


def run(text: str, *argv: str, stack=None, caret: bool = False) -> tuple[int, str, str]:
    return Run(*argv, stack=stack).line(text, caret)


__all__ = ["FakeStack", "Run", "run", "reply", "debug", "link_row", "stats64", "Options"]


def syntax_status(message: str) -> int:
    """The exit status ip gives a refused line: 255 for bad syntax (what our grammar refuses,
    but a malformed address, prefix or MAC, where ip says 1), else 1."""
    import re
    message = message.removeprefix("Error: ")
    if re.match(r'invalid (PREFIX|ADDR|LLADDR) ', message):
        return 1
    grammar = (r'invalid \S+ "|"[^"]*" needs|.* conflicts with|duplicate "|unknown command|'
               r'ambiguous "|unexpected "|Option "')
    return 255 if re.match(grammar, message) else 1
