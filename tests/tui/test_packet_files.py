"""The packet list over files (indexed, paged: a million packets) and through a display
filter typed in its box, driven by Textual's pilot on a real embedded stack."""
import resource

from netsh.tui.app import Dashboard
from netsh.tui.packets import LayerTree, PacketList
from tests.capgen_udp import write_udp_pcap
from tests.tui.test_dashboard import DATA, executor, run, settle  # noqa: F401  (fixture)

MILLION = 1_000_000


def shown_numbers(plist: PacketList) -> list[int]:
    """The packet numbers of the rows on screen (fetched ones)."""
    top = int(plist.scroll_offset.y)
    rows = [plist.rows.get(plist.first_number + top + i) for i in range(plist.visible_lines - 1)]
    return [row["number"] for row in rows if row]


def test_a_million_packet_file_opens_at_once_and_scrolls_to_its_last_packet(executor, tmp_path):
    path = tmp_path / "million.pcap"
    write_udp_pcap(path, MILLION)
    assert executor.run_line(f"capture read {path}") == 0
    app = Dashboard(executor, refresh=0.1)

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: plist.total == MILLION)
        await pilot.press("2", "home")
        assert await settle(pilot, app, lambda: shown_numbers(plist)[:1] == [1])
        assert f"million.pcap · {MILLION} packets" in str(plist.border_title)
        await pilot.press("end")
        assert await settle(pilot, app, lambda: shown_numbers(plist)[-1:] == [MILLION])
        tree = app.query_one("#tree", LayerTree)
        assert await settle(pilot, app, lambda: tree.border_title == f"Frame {MILLION}: 60 bytes")
        row = plist.rows[MILLION]
        assert row["time_text"] == "11.999988" and row["protocol"] == "DNS"    # 12 us apart, exact
    run(app, body)
    # the index, not the file: a million packets in well under the 300 MB the issue allows
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 600 * 1024


def test_the_display_filter_box_narrows_the_list_and_keeps_the_files_numbers(executor):
    assert executor.run_line(f"capture read {DATA / 'print-flags.pcap'}") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: plist.total == 10)
        await pilot.press("2", "y", *"tcp.flags.syn =")
        assert "-invalid" in app.query_one("#display").classes      # checked as typed
        await pilot.press(*"= 1", "enter")
        assert app.focused is plist                                    # back to the list: keys are keys
        assert await settle(pilot, app, lambda: plist.total == 2 and len(plist.rows) == 2)
        assert sorted(row["number"] for row in plist.rows.values()) == [1, 2]
        assert "display tcp.flags.syn == 1: 2 shown" in str(plist.border_title)
        await pilot.press("home")
        await pilot.press("down")
        tree = app.query_one("#tree", LayerTree)
        assert await settle(pilot, app, lambda: tree.border_title == "Frame 2: 74 bytes")
        await pilot.press("y", *["backspace"] * 20, "enter")         # an empty filter: every packet
        assert await settle(pilot, app, lambda: plist.total == 10 and not plist.filtered)
    run(app, body)


def test_t_steps_the_time_column_through_tsharks_formats(executor):
    assert executor.run_line(f"capture read {DATA / 'print-flags.pcap'}") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        await pilot.press("2")
        assert await settle(pilot, app, lambda: 10 in plist.rows)
        await pilot.press("t", "t", "t", "t")          # r, d, dd, e, then ad: date and time
        assert plist.time_format == "ad"
        assert await settle(pilot, app, lambda: plist.rows.get(10, {}).get("time_text", "").startswith("2005-07-06 "))
        assert app.query_one("#tabs").active == "packets-tab"       # t on the Packets tab is not Routes'
    run(app, body)


def test_the_display_filter_follows_a_running_capture(executor):
    assert executor.run_line("capture start dev a") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        await pilot.press("2", "y", *"tcp.flags.syn == 1", "enter")
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")
        assert await settle(pilot, app, lambda: plist.total == 2 and len(plist.rows) == 2)
        assert sorted(row["info"].split()[0] for row in plist.rows.values()) == ["55920", "80"]
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")      # ten more: two more SYNs
        assert await settle(pilot, app, lambda: plist.total == 4)
        assert "display tcp.flags.syn == 1: 4 shown" in str(plist.border_title)
    run(app, body)
