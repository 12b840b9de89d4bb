"""The dashboard's `:` line, the `o`/`w` keys that prefill it, the filter box's focus, and
the stacked packet panes, driven by Textual's pilot on a real embedded stack."""
import pytest

from netsh.tui.app import Dashboard
from netsh.tui.command_line import History, common_prefix
from tests.tui.test_dashboard import DATA, executor, run, settle  # noqa: F401 - the fixture


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def log_text(app) -> str:
    return "\n".join(str(line.text) for line in app.query_one("#output").lines)


def test_w_saves_and_o_reads_back_the_path_typed_after_the_prefilled_command(executor, tmp_path,  # noqa: F811
                                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)                 # a short path to type
    saved = "saved.pcap"
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        command = app.query_one("#command")
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        await pilot.press("2")
        packets = app.packet_list
        assert await settle(pilot, app, lambda: packets.total == 10)
        await pilot.press("w")
        await pilot.pause(0.1)
        assert command.has_focus and command.value == "capture save " and command.cursor_position == 13
        await type_text(pilot, str(saved))
        assert command.value == f"capture save {saved}", "the path typed went after the command"
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: (tmp_path / saved).exists() and (tmp_path / saved).stat().st_size > 0)
        assert await settle(pilot, app, lambda: packets.has_focus), "the focus went back to the list"
        assert await settle(pilot, app, lambda: any(f"10 packets saved to {saved}" in str(n.message)
                                                    for n in app._notifications))

        executor.run_line(f"capture read {DATA / 'arp-too-long-tha.pcap'}")     # another file in the ring
        assert await settle(pilot, app, lambda: packets.total != 10)
        await pilot.press("3")                       # `o` from another tab shows the packets it opens
        app.query_one("#tabs Tabs").focus()          # from the tab bar too (where the focus starts)
        await pilot.pause(0.05)
        await pilot.press("o")
        await type_text(pilot, str(saved))
        assert command.value == f"capture read {saved}"
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: packets.total == 10 and 10 in packets.rows)
        assert app.query_one("#tabs").active == "packets-tab" and packets.has_focus
        assert all(row["protocol"] in ("TCP", "HTTP") for row in packets.rows.values())    # an HTTP exchange
        assert executor.execute(["capture", "show", "from", "1", "count", "10"]).data["rows"][0]["info"].startswith(
            "55920 → 80 [SYN]"), "the file written and read back holds the packets saved"
    run(app, body)


def test_esc_leaves_the_command_line_and_closes_its_output(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        await pilot.press("3")
        neigh = app.query_one("#neigh", DataTable)
        neigh.focus()
        await pilot.pause(0.05)
        output = app.query_one("#output")
        assert not output.display
        await pilot.press("colon")
        await pilot.pause(0.1)
        assert app.query_one("#command").has_focus and output.display
        await type_text(pilot, "addr show dev a")
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: "192.0.2.1/24" in log_text(app))
        assert app.query_one("#command").has_focus, "after a line, the next one"
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert neigh.has_focus and not output.display
        await pilot.press("4")                      # a key again, not text
        assert app.query_one("#tabs").active == "addresses"
    run(app, body)


def test_tab_completes_words_values_and_file_names_from_the_grammar(executor, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trace-one.pcap").write_bytes(b"")
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        command = app.query_one("#command")
        await pilot.press("colon")
        await type_text(pilot, "li")
        await pilot.press("tab")                    # link, list: nothing longer to insert, so listed
        assert await settle(pilot, app, lambda: "link" in log_text(app) and "list" in log_text(app))
        assert command.value == "li"
        await type_text(pilot, "n")
        await pilot.press("tab")
        assert command.value == "link "
        await type_text(pilot, "sh")
        await pilot.press("tab")
        assert command.value == "link show "
        await type_text(pilot, "dev l")
        await pilot.press("tab")                    # a live name: the stack's links
        assert command.value == "link show dev lo "
        command.value = ""
        await type_text(pilot, "capture read tr")
        await pilot.press("tab")
        assert command.value == "capture read trace-one.pcap "
        command.value = "addr sh dev a"
        command.cursor_position = len("addr sh")    # the word before the cursor is completed
        await pilot.press("tab")
        assert command.value == "addr show  dev a"
        assert command.has_focus, "Tab completes; it does not move the focus"
    run(app, body)


def test_up_and_down_walk_the_history_and_come_back_to_the_draft(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        command = app.query_one("#command")
        await pilot.press("colon")
        for line in ("addr show dev a", "link show", "link show"):
            await type_text(pilot, line)
            await pilot.press("enter")
        await type_text(pilot, "neigh")
        await pilot.press("up")
        assert command.value == "link show" and command.cursor_position == len("link show")
        await pilot.press("up")
        assert command.value == "addr show dev a", "a line repeated is kept once"
        await pilot.press("up")
        assert command.value == "addr show dev a", "the oldest stays"
        await pilot.press("down", "down")
        assert command.value == "neigh", "back to what was being typed"
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: "> neigh" in log_text(app))
    run(app, body)


def test_the_output_scrolls_and_keeps_more_than_a_screen(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import RichLog
        log = app.query_one("#output", RichLog)
        await pilot.press("colon")
        await type_text(pilot, "stats")            # 80 lines and more
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: len(log.lines) > 3 * log.scrollable_content_region.height)
        await pilot.pause(0.2)
        assert log.scrollable_content_region.height >= 8, "not a 3-line box"
        bottom = log.scroll_y
        assert bottom == log.max_scroll_y > 0, "the newest output is in view"
        await pilot.press("pageup")
        await pilot.pause(0.1)
        assert log.scroll_y < bottom
        await pilot.press("pagedown")
        await pilot.pause(0.1)
        assert log.scroll_y == bottom
    run(app, body)


def test_enter_and_esc_in_the_filter_box_give_the_focus_back_to_the_list(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import Input
        box = app.query_one("#filter", Input)
        await pilot.press("slash")
        await type_text(pilot, "icmp")
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: app.capture_running)
        assert app.packet_list.has_focus
        await pilot.press("3")
        assert app.query_one("#tabs").active == "neighbours" and box.value == "icmp", "1..5 are tab keys again"
        await pilot.press("slash")
        await type_text(pilot, " or arp")
        await pilot.press("escape")
        assert app.packet_list.has_focus
        await pilot.press("s")                      # capture off: s is a key, not a letter in the box
        assert await settle(pilot, app, lambda: not app.capture_running)
        assert box.value == "icmp or arp"
    run(app, body)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_tree_and_the_bytes_are_stacked_under_the_list_the_full_width(executor, size):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        await pilot.press("2")
        assert await settle(pilot, app, lambda: app.detail is not None)
        await pilot.pause(0.2)
        plist, tree, hexview = (app.query_one(q).region for q in ("#packets", "#tree", "#hex"))
        width = size[0]
        assert plist.width == tree.width == hexview.width == width
        assert plist.bottom <= tree.y and tree.bottom <= hexview.y, "list, then tree, then bytes"
        assert app.query_one("#tree").scrollable_content_region.height >= 6
        assert app.packet_list.visible_lines >= 4          # the header and 3 packets at least
        assert app.query_one("#hex").scrollable_content_region.height >= 2
    run(app, body, size=size)


def test_history_is_bounded_and_skips_blank_and_repeated_lines():
    history = History(size=3)
    for line in ("a", "b", "b", "  ", "c", "d"):
        history.add(line)
    assert history.lines == ["b", "c", "d"]
    assert history.back("draft") == "d" and history.back("") == "c" and history.back("") == "b"
    assert history.back("") is None
    assert history.forward() == "c" and history.forward() == "d" and history.forward() == "draft"
    assert history.forward() is None


def test_common_prefix():
    assert common_prefix(["link", "list"]) == "li"
    assert common_prefix(["show", "show"]) == "show"
    assert common_prefix(["a/", "a/b"]) == "a/"


def test_the_bytes_of_a_field_chosen_below_the_hex_pane_scroll_into_view(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        await pilot.press("2", "home")              # packet 1: a SYN of 74 bytes, 5 lines of hex
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == 1)
        await pilot.pause(0.2)
        hexview = app.query_one("#hex")
        rows = hexview.scrollable_content_region.height
        assert rows < 5 and int(hexview.scroll_offset.y) == 0
        app.query_one("#tree").select_offset(70)    # a TCP timestamp, on the last line
        assert await settle(pilot, app, lambda: hexview.span[0] >= 64)
        await pilot.pause(0.1)
        top = int(hexview.scroll_offset.y)
        assert top <= hexview.span[0] // 16 < top + rows
    run(app, body, size=(80, 24))


def test_a_click_picks_the_packet_and_the_byte_under_it(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        await pilot.press("2", "home")
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == 1)
        await pilot.click("#packets", offset=(5, 3))     # the top border, the header, packet 1, packet 2
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == 2)
        await pilot.click("#hex", offset=(6 + 3 * 10, 2))   # the border, line 0, line 1: its 11th byte, 26
        tree = app.query_one("#tree")
        assert await settle(pilot, app, lambda: tree.cursor_node.data == (26, 4)), "the IPv4 source address"
    run(app, body)


def test_z_zooms_the_focused_pane_to_the_whole_screen_and_back(executor):  # noqa: F811
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        await pilot.press("2")
        assert await settle(pilot, app, lambda: app.detail is not None)
        tree = app.query_one("#tree")
        tree.focus()
        await pilot.pause(0.1)
        small = tree.region.height
        await pilot.press("z")
        assert await settle(pilot, app, lambda: tree.region.height >= 24 - 2 > small)
        assert app.screen.maximized is tree
        await pilot.press("escape")
        assert await settle(pilot, app, lambda: tree.region.height == small)
        assert app.screen.maximized is None
        app.packet_list.focus()
        await pilot.press("z")
        assert await settle(pilot, app, lambda: app.packet_list.visible_lines >= 20)
        assert await settle(pilot, app, lambda: len(app.packet_list.rows) == 10), "the rows now shown are fetched"
        await pilot.press("z")
        assert await settle(pilot, app, lambda: app.screen.maximized is None)
    run(app, body, size=(80, 24))
