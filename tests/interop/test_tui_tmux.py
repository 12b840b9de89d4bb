"""End to end in a real terminal: `netsh demo tui` in tmux, counters read off the screen.

The demo builds its lab (namespaces, Linux hosts pinging the stack every
second) and opens the dashboard; tmux's capture-pane is the user's eye.
"""
import os
import re
import subprocess
import sys
import time
import uuid

import pytest

from netsh.lab import netns_list
from tests.tools import need

pytestmark = pytest.mark.interop

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSH = os.path.join(os.path.dirname(sys.executable), "netsh")
LINK_ROW = re.compile(r"^\s*(\S+)\s+UP\s+1500\s+(\d+\.\d+\.\d+\.\d+/\d+)(?:\s+[0-9a-f:]+/\d+)*\s+(\d+)\s")
# (an IPv6 link-local follows the IPv4 address in the addresses column)


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True).stdout


def rx_packets(text: str) -> dict:
    return {m.group(1): int(m.group(3)) for m in map(LINK_ROW.match, text.splitlines()) if m}


def wait_for(session, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(session)
        if predicate(text):
            return text
        time.sleep(0.25)
    raise AssertionError(f"the screen never showed it; last screen:\n{text}")


def test_demo_dashboard_shows_counters_moving(tmp_path):
    need("tmux")
    if os.geteuid() != 0:
        pytest.skip("the demo's lab needs root")
    session = f"netsh-e2e-{uuid.uuid4().hex[:8]}"
    labs_before = set(netns_list())
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    f"{NETSH} demo tui"], check=True, env=env)
    try:
        first = rx_packets(wait_for(session, lambda t: len(rx_packets(t)) >= 2))
        later = rx_packets(wait_for(session, lambda t: any(
            rx_packets(t).get(name, 0) > count for name, count in first.items()), timeout=10))
        assert any(later[name] > first[name] for name in first), (first, later)
        # the packet pane shows the pings arriving
        subprocess.run(["tmux", "send-keys", "-t", session, "2"], check=True)
        wait_for(session, lambda t: "ICMP" in t and "Echo (ping) request" in t)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and subprocess.run(
                ["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert set(netns_list()) - labs_before == set(), "quitting the dashboard removes the lab"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        subprocess.run([NETSH, "lab", "down"], capture_output=True)
