"""The dashboard driven by Textual's pilot, on a real embedded stack."""
import asyncio
import io
from pathlib import Path

import pytest

from netsh.executor import Executor
from netsh.options import Options
from netsh.tui.app import Dashboard
from netsh.tui.packets import HexView, LayerTree, PacketList
from stack.runtime import Runtime

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def executor():
    runtime = Runtime().start()
    ex = Executor(runtime, Options(), out=io.StringIO(), err=io.StringIO())
    for line in ("link add a type pair peer b", "addr add 192.0.2.1/24 dev a", "link set a up",
                 "link set b up"):
        assert ex.run_line(line) == 0, line
    yield ex
    runtime.stop()


def run(app, body, size=(120, 40)):
    async def go():
        async with app.run_test(size=size) as pilot:
            await body(pilot)
    asyncio.run(go())


async def settle(pilot, app, until, timeout=15.0):
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if until():
            return True
    return False


def test_overview_lists_links_and_counts_traffic(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        links = app.query_one("#links", DataTable)
        assert await settle(pilot, app, lambda: links.row_count == 3)
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")
        assert await settle(pilot, app, lambda: app.link_rates.last.get("a.rx_packets", 0) >= 10)
        assert str(links.get_row("a")[4]) == str(app.link_rates.last["a.rx_packets"])
    run(app, body)


def test_capture_from_the_filter_bar_fills_the_list_and_the_panes(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        await pilot.press("slash")
        await pilot.pause(0.1)
        for ch in "tcp":
            await pilot.press(ch)
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: app.capture_running)
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")
        packets = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: packets.total >= 5 and app.detail is not None)
        assert packets.rows, "the visible rows were fetched"
        assert all(row["protocol"] == "TCP" for row in packets.rows.values())
        # pick a field: its bytes light up in the hex view
        tree = app.query_one("#tree", LayerTree)
        tree.focus()
        await pilot.press("down", "down")
        await pilot.pause(0.1)
        hexview = app.query_one("#hex", HexView)
        assert hexview.span[1] > 0
        # and the reverse: a byte picks its field
        tree.select_offset(26)             # the IPv4 source address of an Ethernet frame
        await pilot.pause(0.2)
        assert tree.cursor_node.data[0] <= 26 < sum(tree.cursor_node.data)
        await pilot.press("s")             # capture off
        assert await settle(pilot, app, lambda: not app.capture_running)
    run(app, body)


def test_a_bad_filter_is_shown_red_with_libpcaps_message(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        await pilot.press("slash")
        await pilot.pause(0.1)
        for ch in "tcp port":
            await pilot.press(ch if ch != " " else "space")
        await pilot.pause(0.1)
        from textual.widgets import Input, Static
        assert "-invalid" in app.query_one("#filter", Input).classes
        assert "syntax error" in str(app.query_one("#filter-note", Static).render())
        await pilot.press("enter")          # refused: no capture starts
        await pilot.pause(0.2)
        assert not app.capture_running
    run(app, body)


def test_the_command_line_runs_the_shell_grammar(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import RichLog
        await pilot.press("colon")
        await pilot.pause(0.1)
        for ch in "addr show dev a":
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        log = app.query_one("#output", RichLog)
        assert await settle(pilot, app, lambda: any("192.0.2.1/24" in str(line.text) for line in log.lines))
        for ch in "link bogus":
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: any("Error:" in str(line.text) for line in log.lines))
    run(app, body)


def test_tabs_show_neighbours_and_addresses(executor):
    executor.run_line("neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev a")
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        await pilot.press("3")
        neigh = app.query_one("#neigh", DataTable)
        assert await settle(pilot, app, lambda: neigh.row_count == 1)
        assert "PERMANENT" in str(neigh.get_row_at(0)[3])
        await pilot.press("4")
        addrs = app.query_one("#addrs", DataTable)
        assert await settle(pilot, app, lambda: addrs.row_count >= 2)
        assert any("192.0.2.1/24" in str(addrs.get_row_at(i)[2]) for i in range(addrs.row_count))
        await pilot.press("o")
        from textual.widgets import Input
        assert app.query_one("#command", Input).value == "capture read "
    run(app, body)
