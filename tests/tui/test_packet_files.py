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


def test_a_far_jump_shows_at_once_and_the_analysis_catches_up_behind(executor, tmp_path):
    """End on a file: its last screen at once, raw and dimmed, the title saying how far the
    conversation analysis has come; the rows and the tree come again with it once it is there."""
    from tests.cli.test_capture_file_index import tcp_stream_pcap
    path = tmp_path / "stream.pcap"
    last = 150_001              # some seconds of analysis behind: the first rows come before it
    tcp_stream_pcap(path, last - 1)
    assert executor.run_line(f"capture read {path}") == 0
    app = Dashboard(executor, refresh=0.1)
    titles = []

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: plist.total == last)
        await pilot.press("2", "home")
        assert await settle(pilot, app, lambda: 1 in plist.rows)
        await pilot.press("end")
        assert await settle(pilot, app, lambda: last in plist.rows)
        assert plist.rows[last].get("analysis_pending")
        assert "Seq=1500991 " in plist.rows[last]["info"]            # raw until the analysis comes

        def caught_up():
            titles.append(str(plist.border_title))
            row = plist.rows.get(last)
            return row is not None and not row.get("analysis_pending")
        assert await settle(pilot, app, caught_up, timeout=60)
        assert "Seq=1499991 Ack=1 " in plist.rows[last]["info"]        # relative, as tshark's
        tree = app.query_one("#tree", LayerTree)
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == last
                            and not app.detail.get("analysis_pending"))
        assert tree.border_title == f"Frame {last}: 64 bytes"
    run(app, body)
    assert any("analysing, at packet" in title for title in titles), titles[:5]


def test_a_damaged_file_with_cut_records_is_said_once(executor, tmp_path):
    """What `capture read` warns of, the dashboard (which reads behind) says once it knows."""
    from stack.capture import DEFAULT_SNAPLEN
    from tests.cli.test_capture_file_index import FRAME
    from tests.cli.test_capture_hostile import pcap
    big = FRAME + bytes(DEFAULT_SNAPLEN + 100 - len(FRAME))
    path = tmp_path / "hurt.pcap"
    path.write_bytes(pcap([FRAME, big, FRAME], snaplen=DEFAULT_SNAPLEN * 2)[:-10])
    assert executor.run_line(f"capture read {path} behind") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        plist = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: list(app._notifications))
        await pilot.pause(0.3)                                  # more polls: still one notification
        said = [note.message for note in app._notifications]
        assert len(said) == 1 and said[0].startswith(f"{path}: truncated packet data") and \
            said[0].endswith(f"1 records longer than {DEFAULT_SNAPLEN} bytes were cut to their first "
                             f"{DEFAULT_SNAPLEN} (record 2: {len(big)} bytes)")
        assert str(plist.border_title) == (f"hurt.pcap · 2 packets · damaged after packet 2 · "
                                           f"1 cut to {DEFAULT_SNAPLEN} bytes")
    run(app, body)
