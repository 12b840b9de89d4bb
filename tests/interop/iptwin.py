"""Two worlds configured alike, for comparing netsh with iproute2 line by line.

    linux  namespace L: eth0, eth1 (veths; their far ends up in LF), lo up
    ours   namespace S: eth0, eth1 (veths; far ends up in SF), attached to our stack as eth0, eth1

Each pair of links has the same MAC on both sides, so only what truly differs shows up.
IPv6 is off in all four namespaces (the comparison is of IPv4 here).
"""
from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import shlex
import subprocess
import time

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.lab import netns_delete, offloads_off, run_in_ns, sysctl
from netsh.options import Options
from stack.runtime import Runtime, StackProxy
from stack.wire.ethernet import mac_from_str
from tests.netns import PREFIX

DEVICES = {"eth0": "02:00:00:00:0f:00", "eth1": "02:00:00:00:0f:01"}
_serial = itertools.count(1)


class Twin:
    """`linux(line)` and `ours(line)` each answer (status, stdout, stderr)."""

    def __init__(self):
        base = f"{PREFIX}-{os.getpid()}-t{next(_serial)}"
        self.linux_ns, self.stack_ns = base + "-L", base + "-S"
        self._made: list[str] = []
        self.runtime = None

    def __enter__(self):
        try:
            self._build()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.runtime is not None:
            self.runtime.stop()
        for ns in reversed(self._made):
            with contextlib.suppress(Exception):
                netns_delete(ns)
        return False

    def _build(self):
        for ns in (self.linux_ns, self.linux_ns + "F", self.stack_ns, self.stack_ns + "F"):
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)
            self._made.append(ns)
            sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
            run_in_ns(ns, "ip", "link", "set", "lo", "up")
        for ns in (self.linux_ns, self.stack_ns):
            for n, (dev, mac) in enumerate(DEVICES.items()):
                far = f"p{n}"
                run_in_ns(ns, "ip", "link", "add", dev, "address", mac, "type", "veth",
                          "peer", "name", far, "netns", ns + "F")
                run_in_ns(ns + "F", "ip", "link", "set", far, "up")
                offloads_off(ns, dev)
        for dev in DEVICES:
            run_in_ns(self.stack_ns, "ip", "link", "set", dev, "up")
        self.runtime = Runtime(netns=self.stack_ns).start()
        proxy = self.proxy = StackProxy(self.runtime)
        proxy.sysctl_set("net.ipv6.conf.all.disable_ipv6", "1")     # as on the Linux side
        for dev in DEVICES:
            proxy.link_attach(dev, name=dev, address=mac_from_str(DEVICES[dev]))
        self.out, self.err = io.StringIO(), io.StringIO()
        self.executor = Executor(None, Options(), self.out, self.err, stack=proxy, grammar=GRAMMAR)

    def linux(self, line: str, tool: str = "ip"):
        done = run_in_ns(self.linux_ns, tool, *shlex.split(line), check=False)
        if "link set" in line:
            self._settle()
        return done.returncode, done.stdout, done.stderr

    def far(self, line: str, timeout: float = 3.0):
        """`ip LINE` on the far ends of both worlds (``link set p0 down``: carrier goes), then
        wait until Linux's links and ours tell the same carrier: the kernel's linkwatch
        tells it up to a second late, our stack polls the host NIC every half second."""
        for ns in (self.linux_ns + "F", self.stack_ns + "F"):
            run_in_ns(ns, "ip", *shlex.split(line))
        self._settle(timeout)
        end = time.monotonic() + timeout
        while time.monotonic() < end and self._carriers(json.loads(self.ours("-j link show")[1])) \
                != self._carriers(self._linux_links()):
            time.sleep(0.05)

    def sysctl(self, assignment: str):
        """``NAME=VALUE`` on both worlds' near side (not compared: sysctl is not ip's)."""
        name, _, value = assignment.partition("=")
        sysctl(self.linux_ns, assignment)
        self.proxy.sysctl_set(name, value)

    @staticmethod
    def _carriers(links) -> dict:
        return {link["ifname"]: "NO-CARRIER" in link["flags"] for link in links}

    def _linux_links(self) -> list[dict]:
        return json.loads(run_in_ns(self.linux_ns, "ip", "-j", "link", "show").stdout)

    def _settle(self, timeout: float = 3.0):
        """Wait until each up veth's flags and state agree (carrier, or none): the kernel's
        linkwatch tells a change up to a second late, where our stack tells it at once."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(("LOWER_UP" in link["flags"]) != ("NO-CARRIER" in link["flags"])
                   and ("LOWER_UP" in link["flags"]) == (link["operstate"] == "UP")
                   for link in self._linux_links()
                   if link["ifname"] != "lo" and "UP" in link["flags"]):
                return
            time.sleep(0.05)

    def ours(self, line: str):
        o, e = self.out.tell(), self.err.tell()
        status = self.executor.run_line(line)
        return status, self.out.getvalue()[o:], self.err.getvalue()[e:]
