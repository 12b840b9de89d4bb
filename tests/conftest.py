"""Shared pytest policy for netsh.

* Marker ``interop``: the test needs root and network namespaces. Tests under
  tests/interop/ and tests using the ``veth_peer`` fixtures get it automatically.
  Without root they are skipped with the reason. Under ``NETSH_CI=1`` (``make test``,
  ``.ci/run``) any skipped interop test makes the run FAIL, and the summary names it.
* Fixtures ``veth_peer`` (per test) and ``veth_peer_module`` (per module): a Linux
  peer namespace and a stack namespace joined by a veth (see tests/netns.py).
* At session end no ``nshtest-<pid>-*`` / ``nshlab-<pid>-*`` namespace of this run may
  remain: leftovers are removed and the run fails loudly.
"""
import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.netns import PREFIX, VethPeer, leftover_namespaces, netns_reason  # noqa: E402

CI = os.environ.get("NETSH_CI") == "1"
LAB_PREFIX = "nshlab"
_interop_skips = []     # (nodeid, reason)
_leaks = []


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "interop: needs root and network namespaces (Linux peer over veth); "
                   "skipped without root, and a skip fails the run under NETSH_CI=1")
    config.addinivalue_line(
        "markers", "veth_ipv6: the veth_peer fixture also gives the peer 2001:db8::2/64")


def pytest_sessionstart(session):
    # A run started in the background (`./.ci/run &` from a script) inherits SIGINT ignored,
    # and so would every netsh the tests start and then interrupt as Ctrl-C does: give them
    # the default back (a caught signal is reset to its default across exec).
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # Leftovers of earlier runs that crashed (their pid is gone) are removed before we start.
    if netns_reason() is None:
        from netsh.lab import cleanup_stale
        for prefix in (PREFIX, LAB_PREFIX):
            try:
                cleanup_stale(prefix)
            except Exception:   # never let house-keeping hide the tests
                pass


def pytest_collection_modifyitems(config, items):
    interop_dir = ROOT / "tests" / "interop"
    reason = None
    for item in items:
        path = Path(str(getattr(item, "path", item.fspath)))
        if interop_dir in path.parents or {"veth_peer", "veth_peer_module"} & set(item.fixturenames):
            item.add_marker(pytest.mark.interop)
        if item.get_closest_marker("interop"):
            if reason is None:
                reason = netns_reason() or ""
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"interop: {reason}"))


def pytest_runtest_logreport(report):
    if report.skipped and "interop" in report.keywords and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        _interop_skips.append((report.nodeid, reason))


def pytest_sessionfinish(session, exitstatus):
    if netns_reason() is None:
        for prefix in (PREFIX, LAB_PREFIX):
            left = leftover_namespaces(prefix)
            if left:
                _leaks.extend(left)
                from netsh.lab import netns_delete
                for ns in left:
                    netns_delete(ns)
    if _leaks or (CI and _interop_skips):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    if _interop_skips:
        title = ("FAILED: interop tests skipped under NETSH_CI=1" if CI
                 else "interop tests skipped (they would fail the run under NETSH_CI=1)")
        tr.section(title, sep="=", red=CI, bold=True)
        for nodeid, reason in _interop_skips:
            tr.line(f"SKIPPED {nodeid}: {reason}")
    if _leaks:
        tr.section("FAILED: network namespaces left behind by this run", sep="=", red=True, bold=True)
        for ns in _leaks:
            tr.line(f"leaked {ns} (removed now); a fixture or Lab did not tear down")


def _veth_peer(request):
    reason = netns_reason()
    if reason:
        pytest.skip(reason)
    ipv6 = bool(getattr(request, "param", None) == "ipv6")
    marker = request.node.get_closest_marker("veth_ipv6")
    with VethPeer(ipv6=ipv6 or marker is not None) as peer:
        yield peer


@pytest.fixture
def veth_peer(request):
    """A fresh peer/stack namespace pair for one test (``@pytest.mark.veth_ipv6`` adds
    2001:db8::2/64 on the peer and leaves its IPv6 on)."""
    yield from _veth_peer(request)


@pytest.fixture(scope="module")
def veth_peer_module(request):
    """One peer/stack namespace pair shared by a module's tests."""
    yield from _veth_peer(request)


@pytest.fixture
def checksums_on():
    """TCP, UDP and IPv4 header checksums verified in this test's dissections, as tshark with
    CHECKSUM_PREFS (tests/tshark.py); netsh, as tshark, leaves them unverified by default."""
    from stack.wire.dissect import CHECKSUMS
    token = CHECKSUMS.set(True)
    yield
    CHECKSUMS.reset(token)
