"""NO_COLOR: Textual's monochrome filter must find a style on every segment we draw."""
import asyncio

from netsh.tui.app import Dashboard
from tests.tui.test_dashboard import executor  # noqa: F401 - the fixture


def test_packet_pane_draws_under_no_color(executor, monkeypatch):   # noqa: F811
    monkeypatch.setenv("NO_COLOR", "1")
    app = Dashboard(executor, refresh=0.05)

    async def go():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")            # an empty ring: the list is all blank lines
            await pilot.pause(0.3)
            assert app.is_running
    asyncio.run(go())


def test_trace_pane_draws_under_no_color(executor, monkeypatch):   # noqa: F811
    monkeypatch.setenv("NO_COLOR", "1")
    for line in ("trace add dev a count 5", "addr add 192.0.2.2/24 dev b", "ping -c 1 -W 0.2 -I b 192.0.2.1"):
        executor.run_line(line)
    app = Dashboard(executor, refresh=0.05)

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("5")
            await pilot.pause(0.3)
            assert app.is_running and app.trace_shown["verdict"] == "dropped: IP_INVALID_SOURCE"
    asyncio.run(go())
