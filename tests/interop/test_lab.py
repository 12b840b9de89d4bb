"""netsh.lab: the lab topology is built as documented and always goes away."""
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from netsh.lab import Lab, cleanup_stale, list_labs, netns_list, run_in_ns

pytestmark = pytest.mark.interop

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ip_json(ns, *args):
    return json.loads(run_in_ns(ns, "ip", "-j", *args).stdout)


def sysctl(ns, key):
    return run_in_ns(ns, "sysctl", "-n", key).stdout.strip()


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_lab_builds_and_removes_everything():
    with Lab() as lab:
        pid = os.getpid()
        # the first lab of a process is nshlab-PID-*, later ones nshlab-PID-N-*
        base = lab.stack_ns[:-len("-stack")]
        assert re.fullmatch(rf"nshlab-{pid}(-\d+)?", base), lab.stack_ns
        assert [h.ns for h in lab.hosts] == [f"{base}-h1", f"{base}-h2"]
        present = set(netns_list())
        assert set(lab.namespaces) <= present

        h1, h2 = lab.hosts
        assert (h1.address, h1.prefixlen, h1.stack_dev, h1.stack_address) == ("192.0.2.11", 24, "veth-h1", "192.0.2.1")
        assert (h2.address, h2.prefixlen, h2.stack_dev, h2.stack_address) == ("198.51.100.12", 24, "veth-h2", "198.51.100.1")

        for h in lab.hosts:
            # The host sees its end of the veth, up, with its address, routed via the stack.
            (link,) = ip_json(h.ns, "addr", "show", "dev", h.dev)
            assert link["operstate"] == "UP"
            assert link["address"] == h.mac
            assert [(a["local"], a["prefixlen"]) for a in link["addr_info"] if a["family"] == "inet"] \
                == [(h.address, h.prefixlen)]
            routes = ip_json(h.ns, "route", "show", "default")
            assert [(r["gateway"], r["dev"]) for r in routes] == [(h.stack_address, h.dev)]
            (lo,) = ip_json(h.ns, "link", "show", "dev", "lo")
            assert "UP" in lo["flags"]

            # The stack's end: up, no IPv4 address, IPv6 off, offloads off.
            (sl,) = ip_json(lab.stack_ns, "addr", "show", "dev", h.stack_dev)
            assert "UP" in sl["flags"]
            assert sl["address"] == h.stack_mac
            assert sl["addr_info"] == []
            assert sysctl(lab.stack_ns, f"net.ipv6.conf.{h.stack_dev}.disable_ipv6") == "1"
            feats = run_in_ns(lab.stack_ns, "ethtool", "-k", h.stack_dev).stdout
            for feat in ("rx-checksumming", "tx-checksumming", "tcp-segmentation-offload",
                         "generic-segmentation-offload", "generic-receive-offload"):
                assert f"{feat}: off" in feats, feat

        assert sysctl(lab.stack_ns, "net.ipv6.conf.all.disable_ipv6") == "1"
        assert sysctl(lab.stack_ns, "net.ipv6.conf.default.disable_ipv6") == "1"
        # Nothing else lives in the stack namespace.
        assert {l["ifname"] for l in ip_json(lab.stack_ns, "link", "show")} == {"lo", "veth-h1", "veth-h2"}

        assert lab.as_dict()["hosts"][0]["stack_dev"] == "veth-h1"

    assert not set(lab.namespaces) & set(netns_list())
    lab.down()   # idempotent
    assert not lab.is_up


def test_background_commands_end_with_the_lab():
    lab = Lab(hosts=1)
    try:
        lab.up()
        (ping,) = lab.ping_stack(interval=0.2)
        time.sleep(0.5)
        assert ping.poll() is None           # nothing answers yet, but ping keeps trying
    finally:
        lab.down()
    assert ping.poll() is not None
    assert lab.stack_ns not in netns_list()


def test_failed_up_leaves_nothing():
    lab = Lab(hosts=1)
    lab.hosts[0].address = "not-an-address"
    with pytest.raises(subprocess.CalledProcessError):
        lab.up()
    assert not set(lab.namespaces) & set(netns_list())


@pytest.mark.parametrize("prefix", ["nshlab", "nshlabt"])
def test_cleanup_stale_removes_dead_owners_only(prefix):
    # "nshlab" is what `netsh lab down` cleans, so a concurrent clean-up elsewhere on this
    # machine may beat us to the stale namespace: there only the outcome is checked. The
    # private prefix "nshlabt" is ours alone, so there the exact answer is checked too.
    dead = dead_pid()
    mine = os.getpid()
    stale, live = f"{prefix}-{dead}-x", f"{prefix}-{mine}-keep"
    for ns in (stale, live):
        subprocess.run(["ip", "netns", "add", ns], check=True)
    sleeper = None
    try:
        # A process left behind inside the stale namespace is ended too.
        sleeper = subprocess.Popen(["ip", "netns", "exec", stale, "sleep", "60"])
        time.sleep(0.2)
        labs = {l["name"]: l for l in list_labs(prefix)}
        assert labs[live]["alive"] is True
        assert labs.get(stale, {"alive": False})["alive"] is False
        removed = cleanup_stale(prefix)
        assert live not in removed
        if prefix != "nshlab":
            assert removed == [stale]
            assert sleeper.wait(timeout=5) is not None
        names = set(netns_list())
        assert stale not in names and live in names
    finally:
        if sleeper is not None and sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
        for ns in (stale, live):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _child(code):
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


CHILD = """
    import sys, time
    sys.path.insert(0, ".")
    from netsh.lab import Lab
    lab = Lab(hosts=1).up()
    print(" ".join(lab.namespaces), flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_removes_the_lab(sig):
    p = _child(CHILD)
    try:
        names = p.stdout.readline().split()
        assert names, p.stderr.read()
        assert set(names) <= set(netns_list())
        p.send_signal(sig)
        assert p.wait(timeout=15) == -sig   # cleaned up, then died of the same signal
        assert not set(names) & set(netns_list())
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_exception_exit_removes_the_lab():
    p = _child("""
        import sys
        sys.path.insert(0, ".")
        from netsh.lab import Lab
        lab = Lab(hosts=1).up()
        print(" ".join(lab.namespaces), flush=True)
        raise SystemExit("crash")      # no down(): atexit must do it
    """)
    out, err = p.communicate(timeout=30)
    names = out.split()
    assert names and p.returncode == 1
    assert not set(names) & set(netns_list())


def test_sigkill_leftovers_are_stale():
    p = _child(CHILD)
    names = []
    try:
        names = p.stdout.readline().split()
        assert names, p.stderr.read()
        p.kill()                             # no chance to clean up
        p.wait(timeout=5)
        assert set(names) <= set(netns_list())
        removed = cleanup_stale()
        assert set(names) <= set(removed)
        assert not set(names) & set(netns_list())
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for ns in names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
