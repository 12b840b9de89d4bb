"""Lab topologies: network namespaces and veth pairs for the stack to drive.

A face helper (imports nothing from `stack`). A `Lab` builds, per process::

    nshlab-<pid>-h1   eth0 192.0.2.11/24 2001:db8:1::11/64, default via 192.0.2.1 / 2001:db8:1::1
          | veth
    nshlab-<pid>-stack  veth-h1, veth-h2   (UP, no IPv4, IPv6 disabled: the stack's NICs)
          | veth
    nshlab-<pid>-h2   eth0 198.51.100.12/24 2001:db8:2::12/64, default via 198.51.100.1 / 2001:db8:2::1

The stack, bound to ``veth-hI`` in the ``-stack`` namespace, takes the hosts'
gateway addresses (192.0.2.1/24 and 2001:db8:1::1/64 on veth-h1, 198.51.100.1/24 and
2001:db8:2::1/64 on veth-h2) and forwards between them.
Offloads are off on both ends, so what pcap sees is what went on the wire.

Namespaces go away on `down()`, on leaving the `with` block, at interpreter
exit (atexit) and on SIGTERM/SIGHUP. A process killed outright (SIGKILL)
leaves them behind; `cleanup_stale()` (``netsh lab down``) removes the
namespaces of every lab whose owning pid is gone.

Only documentation address ranges are used, and every command runs inside a
namespace this module created (``ip -n NS`` / ``ip netns exec NS``): nothing
here touches the root namespace's interfaces.  `register` declares ``lab down``.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from netsh.grammar import Node, flag, leaf
from netsh.render import Result, View, renderer

__all__ = [
    "CommandError", "Lab", "LabHost", "run_in_ns", "list_labs", "cleanup_stale",
    "netns_exists", "netns_list", "netns_delete", "link_mac", "enter_netns", "in_netns",
    "sysctl", "offloads_off", "terminate_pids",
]

DEFAULT_TIMEOUT = 30.0
OFFLOADS = ("rx", "tx", "tso", "gso", "gro")

# (host address, stack address, prefixlen, IPv6 host address, IPv6 stack address) per host,
# h1 first; the IPv6 prefixes are /64s. Documentation ranges only.
HOST_PLAN = (
    ("192.0.2.11", "192.0.2.1", 24, "2001:db8:1::11", "2001:db8:1::1"),
    ("198.51.100.12", "198.51.100.1", 24, "2001:db8:2::12", "2001:db8:2::1"),
    ("203.0.113.13", "203.0.113.1", 24, "2001:db8:3::13", "2001:db8:3::1"),
)


class CommandError(subprocess.CalledProcessError):
    """A command failed; unlike its base class, str() carries the command's stderr."""

    def __str__(self):
        err = (self.stderr or "").strip() if isinstance(self.stderr, str) else ""
        cmd = " ".join(map(str, self.cmd)) if isinstance(self.cmd, (list, tuple)) else self.cmd
        return f"{cmd!s}: exit {self.returncode}" + (f": {err}" if err else "")


def _run(argv, check=True, timeout=DEFAULT_TIMEOUT, input=None):
    argv = [str(a) for a in argv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise CommandError(p.returncode, argv, p.stdout, p.stderr)
    return p


def run_in_ns(ns, *argv, check=True, timeout=DEFAULT_TIMEOUT, input=None):
    """Run ``argv`` inside network namespace ``ns`` (``ip netns exec``).

    Returns the `subprocess.CompletedProcess` (text stdout/stderr). With
    ``check`` a non-zero exit raises `CommandError` (a CalledProcessError whose
    message includes stderr). ``timeout`` seconds bound the command.
    """
    if not ns:
        raise ValueError("run_in_ns needs a namespace name")
    return _run(["ip", "netns", "exec", ns, *argv], check=check, timeout=timeout, input=input)


def _ip_n(ns, *args, check=True):
    if not ns:
        raise ValueError("a namespace is required")
    return _run(["ip", "-n", ns, *args], check=check)


def netns_list():
    """Names of all named network namespaces (``ip netns list``)."""
    p = _run(["ip", "-j", "netns", "list"], check=False)
    if p.returncode == 0 and p.stdout.strip():
        try:
            return [e["name"] for e in json.loads(p.stdout)]
        except (ValueError, KeyError, TypeError):
            pass
    p = _run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def netns_exists(ns):
    return os.path.exists(os.path.join("/run/netns", ns)) or ns in netns_list()


def _netns_pids(ns):
    p = _run(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in p.stdout.split() if x.isdigit()]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def terminate_pids(pids, grace=2.0):
    """SIGTERM the given pids (never ourselves), then SIGKILL whatever is left after ``grace``."""
    me = os.getpid()
    pids = [p for p in pids if p != me]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace
    while pids and time.monotonic() < end:
        pids = [p for p in pids if _pid_alive(p)]
        if pids:
            time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def netns_delete(ns, kill=True):
    """Delete namespace ``ns``; with ``kill``, first end the processes still inside it
    (except this process), so the namespace and its veths are really freed.
    Returns True if it existed."""
    if not ns or not netns_exists(ns):
        return False
    if kill:
        terminate_pids(_netns_pids(ns))
    _run(["ip", "netns", "del", ns], check=False)
    return True


def link_mac(ns, dev):
    """MAC address of ``dev`` inside namespace ``ns``."""
    out = _ip_n(ns, "-j", "link", "show", "dev", dev).stdout
    return json.loads(out)[0]["address"]


def sysctl(ns, *assignments):
    """``sysctl -w`` inside ``ns`` (IPv6 keys are dropped on a kernel without IPv6)."""
    if not os.path.isdir("/proc/sys/net/ipv6"):  # kernel without IPv6: nothing to disable
        assignments = [a for a in assignments if not a.startswith("net.ipv6.")]
    if assignments:
        run_in_ns(ns, "sysctl", "-qw", *assignments)


def offloads_off(ns, dev):
    """Turn checksum offload, TSO, GSO and GRO off on ``dev`` inside ``ns``."""
    # Some features are fixed on some drivers; ethtool then exits non-zero. Tolerated.
    args = []
    for feat in OFFLOADS:
        args += [feat, "off"]
    run_in_ns(ns, "ethtool", "-K", dev, *args, check=False)


# --------------------------------------------------------------------------- namespaces of a thread
_CLONE_NEWNET = 0x40000000
_libc = None


def _setns(fd):
    global _libc
    if hasattr(os, "setns"):  # Python >= 3.12
        os.setns(fd, _CLONE_NEWNET)
        return
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def enter_netns(ns):
    """Move the *calling thread* into network namespace ``ns`` (setns(2)).

    Threads started afterwards by this thread inherit it. Note that /sys is not
    remounted (``ip netns exec`` does that), so /sys/class/net still shows the
    namespace the process started in.
    """
    fd = os.open(os.path.join("/run/netns", ns), os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def in_netns(ns):
    """``with in_netns(NS):`` run the block (and threads it starts) in NS, then return
    the calling thread to the namespace it was in."""
    back = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        enter_netns(ns)
        try:
            yield ns
        finally:
            _setns(back)
    finally:
        os.close(back)


# --------------------------------------------------------------------------- stale labs
def _owner_pid(name, prefix):
    m = re.match(re.escape(prefix) + r"-(\d+)-.+$", name)
    return int(m.group(1)) if m else None


def list_labs(prefix="nshlab"):
    """``[{name, pid, alive}]`` for every namespace named ``<prefix>-<pid>-*``."""
    out = []
    for name in sorted(netns_list()):
        pid = _owner_pid(name, prefix)
        if pid is not None:
            out.append({"name": name, "pid": pid, "alive": _pid_alive(pid)})
    return out


def cleanup_stale(prefix="nshlab", all=False):
    """Remove namespaces ``<prefix>-<pid>-*`` whose owner pid is no longer alive
    (with ``all=True``: every ``<prefix>-*`` namespace, whoever owns it), ending the
    processes left inside them. Returns the names removed."""
    removed = []
    for name in sorted(netns_list()):
        pid = _owner_pid(name, prefix)
        if all:
            if not name.startswith(prefix + "-"):
                continue
        elif pid is None or _pid_alive(pid):
            continue
        # End what runs inside (never a live owner, never us), then drop the name.
        terminate_pids([p for p in _netns_pids(name) if p != pid])
        _run(["ip", "netns", "del", name], check=False)
        removed.append(name)
    # Our own labs whose namespaces were just removed (all=True) are down now.
    for lab in list(_live):
        if lab.stack_ns in removed:
            lab.stop_background()
            lab._made = []
            lab._forget()
    return removed


# --------------------------------------------------------------------------- the lab
@dataclass
class LabHost:
    name: str            # "h1"
    ns: str              # "nshlab-<pid>-h1"
    dev: str             # "eth0" (inside ns)
    address: str         # "192.0.2.11"
    prefixlen: int       # 24
    stack_dev: str       # "veth-h1" (inside the stack namespace)
    stack_address: str   # "192.0.2.1": the stack's address on stack_dev, the host's gateway
    address6: str = ""   # "2001:db8:1::11" (a /64)
    stack_address6: str = ""   # "2001:db8:1::1": the stack's, the host's IPv6 gateway
    mac: str | None = None
    stack_mac: str | None = None

    @property
    def cidr(self):
        return f"{self.address}/{self.prefixlen}"

    @property
    def stack_cidr(self):
        return f"{self.stack_address}/{self.prefixlen}"

    def run(self, *argv, check=True, timeout=DEFAULT_TIMEOUT):
        return run_in_ns(self.ns, *argv, check=check, timeout=timeout)

    def as_dict(self):
        return {
            "name": self.name, "ns": self.ns, "dev": self.dev, "address": self.address,
            "prefixlen": self.prefixlen, "mac": self.mac, "stack_dev": self.stack_dev,
            "stack_address": self.stack_address, "stack_mac": self.stack_mac,
            "address6": self.address6, "stack_address6": self.stack_address6,
        }


_live: set = set()
_serial = itertools.count()
_handlers_lock = threading.Lock()
_handlers_installed = False
_cleaning = False


def _cleanup_all():
    global _cleaning
    if _cleaning:
        return
    _cleaning = True
    try:
        for lab in list(_live):
            with contextlib.suppress(Exception):
                lab.down()
    finally:
        _cleaning = False


def _on_signal(prev, signum, frame):
    _cleanup_all()
    if callable(prev):
        prev(signum, frame)
        return
    # Default disposition: die of the same signal, as if we had never caught it.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers():
    global _handlers_installed
    with _handlers_lock:
        if _handlers_installed:
            return
        _handlers_installed = True
        atexit.register(_cleanup_all)
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread; atexit still holds
        for sig in (signal.SIGTERM, signal.SIGHUP):
            prev = signal.getsignal(sig)
            if prev is signal.SIG_IGN:
                continue
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, lambda s, f, _prev=prev: _on_signal(_prev, s, f))


class Lab:
    """A stack namespace wired by veth to ``hosts`` Linux host namespaces (1-3).

    >>> with Lab() as lab:                      # doctest: +SKIP
    ...     lab.stack_ns, [h.ns for h in lab.hosts]
    ...     lab.start_background(lambda h: ["ping", "-i", "1", h.stack_address])
    """

    def __init__(self, prefix="nshlab", hosts=2):
        if not 1 <= hosts <= len(HOST_PLAN):
            raise ValueError(f"hosts must be 1..{len(HOST_PLAN)}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", prefix):
            raise ValueError(f"bad lab prefix {prefix!r}")
        n = next(_serial)
        # First lab of a process: <prefix>-<pid>-stack; later ones: <prefix>-<pid>-<n>-stack.
        base = f"{prefix}-{os.getpid()}" + (f"-{n}" if n else "")
        self.prefix = prefix
        self.stack_ns = f"{base}-stack"
        self.hosts = []
        for i, (addr, gw, plen, addr6, gw6) in enumerate(HOST_PLAN[:hosts], start=1):
            self.hosts.append(LabHost(
                name=f"h{i}", ns=f"{base}-h{i}", dev="eth0", address=addr, prefixlen=plen,
                stack_dev=f"veth-h{i}", stack_address=gw, address6=addr6, stack_address6=gw6))
        self._made = []          # namespaces created, in creation order
        self._procs = []         # background Popen objects
        self.is_up = False

    # -- context manager
    def __enter__(self):
        if not self.is_up:
            self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    @property
    def namespaces(self):
        return [self.stack_ns] + [h.ns for h in self.hosts]

    def host(self, key):
        """A host by index (0-based), name ("h1") or namespace."""
        if isinstance(key, int):
            return self.hosts[key]
        for h in self.hosts:
            if key in (h.name, h.ns):
                return h
        raise KeyError(key)

    def up(self):
        """Create the namespaces and links. On any failure, removes what it made and re-raises."""
        if self.is_up:
            return self
        if os.geteuid() != 0:
            raise PermissionError("a lab needs root (network namespaces)")
        for ns in self.namespaces:
            if netns_exists(ns):
                raise RuntimeError(f"namespace {ns} already exists (run `netsh lab down`)")
        _install_handlers()
        _live.add(self)
        try:
            self._build()
        except BaseException:
            self.down()
            raise
        self.is_up = True
        return self

    def _mkns(self, ns):
        self._made.append(ns)   # recorded first: a half-made namespace is still removed
        _run(["ip", "netns", "add", ns])

    def _build(self):
        s = self.stack_ns
        self._mkns(s)
        # IPv6 off before the veths exist, so they never get a link-local address or send RS/MLD.
        sysctl(s, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        for h in self.hosts:
            self._mkns(h.ns)
            _ip_n(h.ns, "link", "set", "lo", "up")
            _ip_n(s, "link", "add", h.stack_dev, "type", "veth", "peer", "name", h.dev, "netns", h.ns)
            sysctl(s, f"net.ipv6.conf.{h.stack_dev}.disable_ipv6=1")
            offloads_off(s, h.stack_dev)
            offloads_off(h.ns, h.dev)
            _ip_n(s, "link", "set", h.stack_dev, "up")
            _ip_n(h.ns, "addr", "add", h.cidr, "dev", h.dev)
            _ip_n(h.ns, "link", "set", h.dev, "up")
            _ip_n(h.ns, "route", "add", "default", "via", h.stack_address, "dev", h.dev, "onlink")
            _ip_n(h.ns, "-6", "addr", "add", f"{h.address6}/64", "dev", h.dev, "nodad")
            _ip_n(h.ns, "-6", "route", "add", "default", "via", h.stack_address6, "dev", h.dev)
            h.mac = link_mac(h.ns, h.dev)
            h.stack_mac = link_mac(s, h.stack_dev)

    def run(self, host, *argv, check=True, timeout=DEFAULT_TIMEOUT):
        """Run argv in a host's namespace (host: index, "h1" or namespace name)."""
        return run_in_ns(self.host(host).ns, *argv, check=check, timeout=timeout)

    def popen(self, ns, *argv, **kw):
        """Start argv in namespace ``ns`` in the background; it is ended by `down()`."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)   # a terminal's Ctrl-C reaches us, not them
        p = subprocess.Popen(["ip", "netns", "exec", ns, *map(str, argv)], **kw)
        self._procs.append(p)
        return p

    def start_background(self, cmd_per_host, **popen_kw):
        """Start one background command per host, inside its namespace.

        ``cmd_per_host`` is a callable ``host -> argv`` (None skips that host), a
        list of argv (one per host, None skips) or a dict ``{"h1": argv}``.
        Returns the Popen objects; `down()` ends them.
        """
        if not self.is_up:
            raise RuntimeError("lab is not up")
        started = []
        for i, h in enumerate(self.hosts):
            if callable(cmd_per_host):
                argv = cmd_per_host(h)
            elif isinstance(cmd_per_host, dict):
                argv = cmd_per_host.get(h.name, cmd_per_host.get(h.ns))
            else:
                argv = cmd_per_host[i] if i < len(cmd_per_host) else None
            if argv:
                started.append(self.popen(h.ns, *argv, **popen_kw))
        return started

    def setup_lines(self) -> list[str]:
        """The netsh commands that give the stack its links in this lab (demo, serve --lab), and
        make it the hosts' router (their default routes point at it)."""
        lines = []
        for host in self.hosts:
            lines += [f"link attach {host.stack_dev}",
                      f"link set {host.stack_dev} up",
                      f"address add {host.stack_address}/{host.prefixlen} dev {host.stack_dev}",
                      f"address add {host.stack_address6}/64 dev {host.stack_dev} nodad"]
        # the hosts reach each other through us, over both families
        lines += ["sysctl -q -w net.ipv4.ip_forward=1", "sysctl -q -w net.ipv6.conf.all.forwarding=1"]
        return lines + ["capture start"]     # so the packet views have something from the start

    def ping_stack(self, interval=1.0):
        """The demo's background traffic: every host pings its gateway (the stack)."""
        return self.start_background(lambda h: ["ping", "-n", "-i", str(interval), h.stack_address])

    def stop_background(self):
        procs, self._procs = self._procs, []
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGTERM)   # own session: the group is ours alone
        for p in procs:
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=2)

    def down(self):
        """End background commands and anything else left inside the lab's namespaces
        (except this process), then delete the namespaces. Idempotent."""
        self.stop_background()
        for ns in reversed(self._made):
            with contextlib.suppress(Exception):
                netns_delete(ns)
        self._made = []
        self._forget()

    def _forget(self):
        self.is_up = False
        _live.discard(self)

    def as_dict(self):
        return {"stack_ns": self.stack_ns, "up": self.is_up,
                "hosts": [h.as_dict() for h in self.hosts]}

    def __repr__(self):
        return f"<Lab {self.stack_ns} hosts={[h.ns for h in self.hosts]} up={self.is_up}>"


# --- the lab commands ------------------------------------------------------------------------------

def lab_down(ctx, args):
    return Result("lab-down", cleanup_stale(all=bool(args["all"])))


def register(root: Node) -> None:
    lab = root.add(Node("lab", "network namespace labs"))
    leaf(lab, ("lab", "down"), [flag("all", help="every lab, even those of live processes")],
         "remove labs left behind by processes that are gone", lab_down, stateless=True)


@renderer("lab-down")
def lab_down_text(removed: list[str], view: View) -> str:
    return "\n".join(f"removed {name}" for name in removed)
