"""STP between a netsh bridge and a Linux bridge joined by two veths (a loop).

    nshtest-<pid>-<n>-host   eth0 192.0.2.1/24 --veth-- hp \\
    nshtest-<pid>-<n>-stack  netsh br0 (stp_state 1): hp, a1, a2
                                            a1 --veth-- b1 \\
                                            a2 --veth-- b2  lbr (Linux, stp_state 1) 192.0.2.2/24
                                                             in nshtest-<pid>-<n>-linux

The Linux bridge is root first (priority 4096): exactly one of our two ports blocks, both of
its ports forward, each side's view of the root is the other's, the host reaches the Linux
bridge's address and the loop does not storm.  Then the Linux bridge lowers itself
(priority 61440): ours becomes root and one Linux port blocks, as Linux reports it.
"""
from __future__ import annotations

import contextlib
import json
import subprocess

import pytest

from netsh.lab import netns_delete, offloads_off, run_in_ns, sysctl
from stack.runtime import Runtime, StackProxy
from tests.interop.stackrun import wait_for
from tests.netns import _names, require_netns

TIMERS = {"forward_delay": "400", "hello_time": "100", "max_age": "600"}


class Loop:
    def __init__(self):
        base = _names()
        self.stack_ns, self.linux_ns, self.host_ns = base + "-stack", base + "-linux", base + "-host"
        self.made: list[str] = []
        self.runtime = self.proxy = None

    def build(self):
        for ns in (self.stack_ns, self.linux_ns, self.host_ns):
            self.made.append(ns)
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True, timeout=30)
            sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        s, lx, h = self.stack_ns, self.linux_ns, self.host_ns
        run_in_ns(lx, "ip", "link", "add", "lbr", "type", "bridge", "stp_state", "1",
                  "priority", "4096", *[w for kv in TIMERS.items() for w in kv])
        for i in (1, 2):
            run_in_ns(s, "ip", "link", "add", f"a{i}", "type", "veth", "peer", "name", f"b{i}",
                      "netns", lx)
            offloads_off(s, f"a{i}")
            offloads_off(lx, f"b{i}")
            run_in_ns(lx, "ip", "link", "set", f"b{i}", "master", "lbr", "up")
            run_in_ns(s, "ip", "link", "set", f"a{i}", "up")
        run_in_ns(s, "ip", "link", "add", "hp", "type", "veth", "peer", "name", "eth0", "netns", h)
        offloads_off(s, "hp")
        offloads_off(h, "eth0")
        run_in_ns(s, "ip", "link", "set", "hp", "up")
        run_in_ns(h, "ip", "addr", "add", "192.0.2.1/24", "dev", "eth0")
        run_in_ns(h, "ip", "link", "set", "eth0", "up")
        run_in_ns(lx, "ip", "addr", "add", "192.0.2.2/24", "dev", "lbr")
        run_in_ns(lx, "ip", "link", "set", "lbr", "up")
        self.runtime = Runtime(netns=s).start()
        self.proxy = proxy = StackProxy(self.runtime)
        proxy.link_add("br0", "bridge", {"stp_state": "1", **TIMERS})
        for name in ("hp", "a1", "a2"):
            proxy.link_attach(name, name=name)
            proxy.link_set(name, up=True, master="br0")
        proxy.link_set("br0", up=True)
        return self

    def down(self):
        if self.runtime is not None:
            self.runtime.stop()
        for ns in reversed(self.made):
            with contextlib.suppress(Exception):
                netns_delete(ns)

    def our_states(self) -> dict:
        return {row["ifname"]: row["state"] for row in self.proxy.bridge_link_show()}

    def linux_states(self) -> dict:
        out = run_in_ns(self.linux_ns, "bridge", "-j", "link", "show").stdout
        return {row["ifname"]: row["state"] for row in json.loads(out)}

    def our_info(self) -> dict:
        return self.proxy.link_list("br0")[0]["linkinfo"]["info_data"]

    def linux_info(self) -> dict:
        out = run_in_ns(self.linux_ns, "ip", "-j", "-d", "link", "show", "lbr").stdout
        return json.loads(out)[0]["linkinfo"]["info_data"]

    def linux_sysfs_root(self) -> str:
        """Linux's root id as sysfs gives it (``8000.0200000000aa``); this kernel's netlink
        IFLA_BR_ROOT_ID goes on naming the bridge itself once another bridge is root."""
        return run_in_ns(self.linux_ns, "cat", "/sys/class/net/lbr/bridge/root_id").stdout.strip()

    def linux_port(self, name: str) -> dict:
        out = run_in_ns(self.linux_ns, "ip", "-j", "-d", "link", "show", name).stdout
        return json.loads(out)[0]["linkinfo"]["info_slave_data"]

    def linux_rx(self) -> int:
        return sum(int(run_in_ns(self.linux_ns, "cat",
                                 f"/sys/class/net/b{i}/statistics/rx_packets").stdout)
                   for i in (1, 2))


@pytest.fixture
def loop():
    require_netns()
    lab = Loop()
    try:
        yield lab.build()
    finally:
        lab.down()


def converged(lab, ours_blocking: int, linux_blocking: int):
    def check():
        ours, linux = lab.our_states(), lab.linux_states()
        ok = (sorted(ours.values()).count("blocking") == ours_blocking
              and all(s in ("forwarding", "blocking") for s in ours.values())
              and list(linux.values()).count("blocking") == linux_blocking
              and all(s in ("forwarding", "blocking") for s in linux.values()))
        return (ours, linux) if ok else None
    return check


def test_stp_against_a_linux_bridge_converges_blocks_once_and_follows_a_new_root(loop):
    lab = loop
    states = wait_for(converged(lab, 1, 0), timeout=30, interval=0.5)
    assert states, (lab.our_states(), lab.linux_states())
    ours, linux = states
    assert ours["hp"] == "forwarding" and sorted([ours["a1"], ours["a2"]]) == ["blocking",
                                                                                "forwarding"]
    linux_info, our_info = lab.linux_info(), lab.our_info()
    assert linux_info["root_id"] == linux_info["bridge_id"]
    assert linux_info["bridge_id"].startswith("1000.")
    assert our_info["root_id"] == linux_info["bridge_id"] and our_info["root_path_cost"] == 100
    run = run_in_ns(lab.host_ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.2",
                    check=False, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    # no storm: over 10 s Linux's two ports see our BPDUs (1 s hello) and little else
    before = lab.linux_rx()
    wait_for(lambda: False, timeout=10, interval=1)
    assert lab.linux_rx() - before < 100

    # the root changes: Linux gives way, ours (32768) becomes root, one Linux port blocks
    run_in_ns(lab.linux_ns, "ip", "link", "set", "lbr", "type", "bridge", "priority", "61440")
    states = wait_for(converged(lab, 0, 1), timeout=40, interval=0.5)
    assert states, (lab.our_states(), lab.linux_states())
    linux_info, our_info = lab.linux_info(), lab.our_info()
    ours = our_info["bridge_id"]
    assert our_info["root_id"] == ours and linux_info["root_port"] in (1, 2)
    prio, mac = ours.split(".")
    assert lab.linux_sysfs_root() == prio + "." + "".join(f"{int(b, 16):02x}" for b in mac.split(":"))
    blocked = next(name for name, state in states[1].items() if state == "blocking")
    port = lab.linux_port(blocked)
    assert port["root_id"] == ours and port["bridge_id"] == ours    # we are designated there
    run = run_in_ns(lab.host_ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.2",
                    check=False, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
