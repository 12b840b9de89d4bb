"""The dashboard's main screens at 80x24 and 120x40, compared with saved SVGs
(pytest-textual-snapshot; `pytest --snapshot-update` after a deliberate change).

The stack is made deterministic for them: fixed MACs, no traffic, packets read
from a file in tests/data rather than captured live.
"""
import io
from pathlib import Path

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from netsh.tui.app import Dashboard
from stack.runtime import Runtime

DATA = Path(__file__).resolve().parents[1] / "data"
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def executor():
    runtime = Runtime().start()
    ex = Executor(runtime, Options(), out=io.StringIO(), err=io.StringIO(), grammar=GRAMMAR)
    assert ex.run_line("link add a type pair peer b") == 0
    for name in "ab":       # a quiet wire: no DAD, MLD or router solicitations in the pictures
        runtime.call(lambda stack, dev: stack.api.inet6_conf(dev, disable_ipv6=True), name)
    for line in ("link set a address 02:00:00:00:00:0a",
                 "link set b address 02:00:00:00:00:0b", "addr add 192.0.2.1/24 dev a",
                 "addr add 198.51.100.1/24 dev b", "link set a up", "link set b up",
                 f"capture read {DATA / 'print-flags.pcap'}"):
        assert ex.run_line(line) == 0, line
    yield ex
    runtime.stop()


async def quiet(pilot, settle=0.6):
    for widget in pilot.app.query("Input"):
        widget.cursor_blink = False
    await pilot.pause(settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, executor, size):
    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=size, run_before=quiet)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_packets_with_a_field_selected(snap_compare, executor, size):
    async def select_a_field(pilot):
        await quiet(pilot)
        await pilot.press("2", "home", "down", "down")
        await pilot.pause(0.5)
        pilot.app.query_one("#tree").focus()
        await pilot.press("down", "down", "down")
        await quiet(pilot, 0.3)

    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=size, run_before=select_a_field)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_trace_with_a_drop_chosen(snap_compare, executor, size):
    # a gratuitous ARP, an ARP request answered, and an echo from a martian source, dropped
    for line in ("trace add dev a count 5", "addr add 192.0.2.2/24 dev b", "ping -c 1 -W 0.2 -I b 192.0.2.1"):
        executor.run_line(line)

    async def open_trace(pilot):
        await pilot.press("5")
        await quiet(pilot)

    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=size, run_before=open_trace)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_command_line_with_output_and_completions(snap_compare, executor, size):
    async def use_the_command_line(pilot):
        await quiet(pilot)
        await pilot.press("2", "home", "colon")
        await pilot.press(*"addr", "space", *"show", "space", *"dev", "space", "a", "enter")
        await pilot.pause(0.3)
        await pilot.press(*"link", "space", "s", "tab")      # set, show: listed under the output
        await quiet(pilot, 0.3)

    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=size, run_before=use_the_command_line)


def test_bridges_at_80x24(snap_compare, executor):
    for line in ("link add br0 type bridge vlan_filtering 1", "link set br0 address 02:00:00:00:0b:00",
                 "link add p0 type pair peer q0", "link set p0 address 02:00:00:00:0b:01",
                 "link set q0 address 02:00:00:00:0c:01", "link set p0 master br0", "link set p0 up",
                 "link set q0 up", "link set br0 up", "bridge vlan add dev p0 vid 10-11",
                 "bridge fdb add 02:00:00:00:00:09 dev p0 vlan 10 static"):
        assert executor.run_line(line) == 0, line

    async def open_bridges(pilot):
        await pilot.press("6")
        await quiet(pilot)

    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=(80, 24), run_before=open_bridges)


def test_routes_at_120x40(snap_compare, executor):
    executor.runtime.call(lambda stack: stack.api.inet6_conf("a", addr_gen_mode="none"))
    executor.runtime.call(lambda stack: stack.api.inet6_conf("a", disable_ipv6=False))
    for line in ("addr add 2001:db8::1/64 dev a nodad", "route add 203.0.113.0/24 via 192.0.2.2 metric 10",
                 "route add 10.7.0.0/16 nexthop via 192.0.2.5 nexthop via 198.51.100.5 weight 3",
                 "-6 route add 2001:db8:10::/64 via 2001:db8::2",
                 "-6 route add unreachable 2001:db8:18::/64 table 100",
                 "-6 rule add from 2001:db8:1::/64 lookup 100 priority 100",
                 "rule add fwmark 0x7 prohibit priority 300"):
        assert executor.run_line(line) == 0, line

    async def open_routes(pilot):
        await pilot.press("7")
        await quiet(pilot)

    assert snap_compare(Dashboard(executor, refresh=0.05), terminal_size=(120, 40), run_before=open_routes)
