"""The dashboard driven by Textual's pilot, on a real embedded stack."""
import asyncio
import io
from pathlib import Path

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from netsh.tui.app import Dashboard
from netsh.tui.packets import HexView, LayerTree, PacketList
from stack.runtime import Runtime

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def executor():
    runtime = Runtime().start()
    ex = Executor(runtime, Options(), out=io.StringIO(), err=io.StringIO(), grammar=GRAMMAR)
    assert ex.run_line("link add a type pair peer b") == 0
    for name in "ab":       # a quiet wire: no DAD, MLD or router solicitations in the pictures
        runtime.call(lambda stack, dev: stack.api.inet6_conf(dev, disable_ipv6=True), name)
    for line in ("addr add 192.0.2.1/24 dev a", "link set a up",
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
        # print-flags.pcap is an HTTP exchange: its request and response are HTTP, as tshark says
        assert all(row["protocol"] in ("TCP", "HTTP") for row in packets.rows.values())
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


def path_text(app) -> str:
    """The trace path pane as plain text."""
    from rich.console import Console
    from textual.widgets import Static
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(app.query_one("#trace-path", Static).content)
    return console.export_text()


def test_the_trace_tab_lists_traced_frames_and_shows_the_path_of_the_chosen_one(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable, Static
        await pilot.press("5")
        assert await settle(pilot, app, lambda: app.snapshot is not None)
        assert "trace add count 5" in str(app.query_one("#trace-empty", Static).content)
        records = app.query_one("#trace-list", DataTable)
        assert not records.display
        # b announces its new address (gratuitous ARP), asks for a's MAC, then pings a from an
        # address a owns too: a answers the ARP request and drops the echo as a martian
        for line in ("trace add dev a count 5", "addr add 192.0.2.2/24 dev b", "ping -c 1 -W 0.2 -I b 192.0.2.1"):
            executor.run_line(line)
        assert await settle(pilot, app, lambda: records.row_count == 3 and app.trace_shown is not None)
        assert records.display and records.has_focus
        assert [str(cell) for cell in records.get_row("3")] == ["3", "a", "98", "dropped: IP_INVALID_SOURCE"]
        assert app.trace_shown["number"] == 3, "the newest record is chosen"
        text = path_text(app)
        assert "link → ethernet → ipv4 ⇒ dropped: IP_INVALID_SOURCE" in text
        assert "✗ source 192.0.2.2 is our own address (on b): a martian, refused" in text
        assert "✗ IP_INVALID_SOURCE: IPv4 source" in text
        await pilot.press("up")
        assert await settle(pilot, app, lambda: app.trace_shown["number"] == 2)
        assert "link → ethernet → arp → neigh → link ⇒ answered: 1 frame sent" in path_text(app)
        assert "↳ tx on a: 60 bytes to " in path_text(app)
        # a new record arrives: the cursor the user moved stays where it is
        executor.run_line("ping -c 1 -W 0.2 -I b 192.0.2.1")
        assert await settle(pilot, app, lambda: records.row_count == 4)
        await pilot.pause(0.2)
        assert records.cursor_row == 1 and app.trace_shown["number"] == 2
        await pilot.press("ctrl+end")           # back on the newest: it follows again
        executor.run_line("ping -c 1 -W 0.2 -I b 192.0.2.1")
        assert await settle(pilot, app, lambda: app.trace_shown["number"] == 5)
        executor.run_line("trace clear")
        assert await settle(pilot, app, lambda: records.row_count == 0 and not records.display)
        assert app.query_one("#trace-empty", Static).display
    run(app, body, size=(80, 24))


def test_tables_change_in_place_keep_the_cursor_and_drop_vanished_rows(executor):
    for last in (9, 10, 11):
        executor.run_line(f"neigh add 192.0.2.{last} lladdr 02:00:00:00:00:{last:02x} dev a")
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        await pilot.press("3")
        neigh = app.query_one("#neigh", DataTable)
        assert await settle(pilot, app, lambda: neigh.row_count == 3)
        neigh.focus()
        await pilot.press("down", "down")
        row = neigh.rows["a 192.0.2.11"]
        await pilot.pause(0.3)                  # several refreshes
        assert neigh.cursor_row == 2 and neigh.rows["a 192.0.2.11"] is row, "the row was kept, not re-made"
        executor.run_line("neigh del 192.0.2.9 dev a")
        assert await settle(pilot, app, lambda: neigh.row_count == 2)
        assert "a 192.0.2.9" not in neigh.rows
        assert neigh.cursor_row == 1 and str(neigh.get_row_at(1)[0]) == "192.0.2.11", "the cursor stayed on its row"
        # counters move and new ones appear while the cursor sits on one of them
        await pilot.press("1")
        counters = app.query_one("#counters", DataTable)
        assert await settle(pilot, app, lambda: counters.row_count >= 3)
        counters.focus()
        await pilot.press("down", "down")
        chosen = counters.get_row_at(2)[0].plain
        before = counters.row_count
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")
        assert await settle(pilot, app, lambda: counters.row_count > before)
        assert counters.get_row_at(counters.cursor_row)[0].plain == chosen
    run(app, body)


def test_sync_rows_updates_only_what_changed_and_keeps_the_order():
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable

    from netsh.tui.app import sync_rows

    class One(App):
        def compose(self):
            yield DataTable(cursor_type="row")

    app = One()

    async def body(pilot):
        table = app.query_one(DataTable)
        table.add_columns("name", "value")
        sync_rows(table, {"a": ("a", "1"), "c": ("c", Text("3"))})
        table.move_cursor(row=1)
        kept = table.rows["a"]
        sync_rows(table, {"a": ("a", "1"), "b": ("b", "2"), "c": ("c", Text("3", style="red"))})
        assert [row.key.value for row in table.ordered_rows] == ["a", "b", "c"]
        assert table.rows["a"] is kept
        assert table.get_row("c")[1].style == "red", "a change of style alone is a change"
        assert table.cursor_row == 2, "the cursor followed its row"
        sync_rows(table, {"c": ("c", "3")})
        assert [row.key.value for row in table.ordered_rows] == ["c"] and table.cursor_row == 0
    run(app, body, size=(40, 10))


def test_question_mark_lists_every_key_and_closes_again(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from netsh.tui.help import KeysHelp
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, KeysHelp)
        text = app.screen.text
        for line in ("s            Capture on/off", "end  G       Follow (End)", "5            Trace"):
            assert line in text, line
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, KeysHelp)
        assert app.is_running          # q and ? close the help, not the dashboard
    run(app, body)


def test_a_frozen_list_keeps_its_packets_in_view_while_the_ring_rolls():
    from textual.app import App

    class One(App):
        def compose(self):
            yield PacketList(lambda first, count: [], id="packets")

    app = One()

    async def body(pilot):
        plist = app.query_one(PacketList)
        plist.set_ring(1, 1000)                     # following: the newest is selected, at the bottom
        await pilot.pause(0.05)
        plist.focus()
        await pilot.press("up")                     # frozen on packet 999
        await pilot.pause(0.05)
        top = int(plist.scroll_offset.y)
        assert plist.selected == 999 and not plist.following
        plist.set_ring(301, 1000)                   # the ring pushed out 300 and took 300 more
        await pilot.pause(0.05)
        assert plist.selected == 999
        assert int(plist.scroll_offset.y) == top - 300     # packet 999 is still where it was
        assert plist.first_number + int(plist.scroll_offset.y) <= 999 < (
            plist.first_number + int(plist.scroll_offset.y) + plist.visible_lines)
    run(app, body)


def test_layer_tree_relabels_in_place_for_a_packet_of_the_same_shape():
    from textual.app import App

    def row(number, ttl, extra=False):
        fields = [{"label": "Time to Live", "value": str(ttl), "offset": 22, "length": 1}]
        if extra:
            fields.append({"label": "Protocol", "value": "ICMP (1)", "offset": 23, "length": 1})
        return {"number": number, "length": 98,
                "layers": [{"label": "Internet Protocol Version 4", "offset": 14, "length": 20, "fields": fields}]}

    class One(App):
        def compose(self):
            yield LayerTree("none", id="tree")

    app = One()

    async def body(pilot):
        tree = app.query_one(LayerTree)
        tree.show_packet(row(1, 64))
        await pilot.pause(0.05)
        leaf = tree.root.children[0].children[0]
        tree.show_packet(row(2, 63))
        await pilot.pause(0.05)
        assert tree.root.children[0].children[0] is leaf          # the same node, relabelled
        assert str(tree.root.label) == "Frame 2: 98 bytes" and leaf.label.plain == "Time to Live: 63"
        tree.show_packet(row(3, 62, extra=True))                  # another shape: rebuilt
        await pilot.pause(0.05)
        assert [n.label.plain for n in tree.root.children[0].children] == [
            "Time to Live: 62", "Protocol: ICMP (1)"]
        assert tree.root.children[0].children[0] is not leaf
    run(app, body)


def test_packet_numbers_and_times_are_never_cut_short():
    from netsh.tui.packets import header_text, row_text
    row = {"number": 1038807, "time": 12345.6789, "source": "192.0.2.1", "destination": "192.0.2.2",
           "protocol": "ICMP", "length": 90, "info": "Echo (ping) reply"}
    for width in (80, 120):
        text, header = row_text(row, width, last_number=1038810), header_text(width, last_number=1038810)
        number, when = text.split()[:2]
        assert number == "1038807", text               # a 7-digit No. was cut to 6 digits
        assert float(when) == pytest.approx(12345.6789, abs=0.5)
        assert header.index("Time") == text.index(when)   # the header moves with the wider column
    assert row_text(dict(row, number=5, time=1.5), 120).startswith("5      1.500000 ")


def test_the_capture_listens_on_the_link_chosen_beside_the_filter(executor):
    from textual.widgets import Select
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        choice = app.query_one("#capture-dev", Select)
        assert await settle(pilot, app, lambda: app._link_names == ["lo", "a", "b"])
        assert choice.value == ""                       # every link, until one is chosen
        await pilot.press("2")
        choice.value = "b"
        app.query_one("#filter").focus()
        await pilot.press("enter")
        assert await settle(pilot, app, lambda: app.capture_running)
        assert executor.execute(["capture", "status"]).data["links"] == ["b"]
        assert "capturing on b" in str(app.packet_list.border_title)
        executor.run_line(f"replay {DATA / 'print-flags.pcap'} dev a")    # another link: not captured
        await pilot.pause(0.3)
        assert executor.execute(["capture", "status"]).data["captured"] == 0
    run(app, body)


def test_a_new_capture_replaces_the_rows_and_detail_of_the_old_one(executor):
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        await pilot.press("2")
        packets = app.query_one("#packets", PacketList)
        executor.run_line(f"capture read {DATA / 'print-flags.pcap'}")
        assert await settle(pilot, app, lambda: 10 in packets.rows and app.detail is not None)
        await pilot.press("home")                  # frozen on packet 1
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == 1 and 1 in packets.rows)
        assert packets.rows[1]["protocol"] == "TCP"
        executor.run_line(f"capture read {DATA / 'arp-too-long-tha.pcap'}")     # numbered from 1 again
        assert await settle(pilot, app, lambda: packets.rows.get(1, {}).get("protocol") == "ARP")
        assert await settle(pilot, app, lambda: app.detail and "ARP" in str(app.detail["layers"]))
    run(app, body)


BRIDGE_SETUP = ("link add br0 type bridge vlan_filtering 1", "link add p0 type pair peer q0",
                "link add p1 type pair peer q1", "link set p0 master br0", "link set p1 master br0",
                "link set p0 up", "link set p1 up", "link set q0 up", "link set q1 up",
                "link set br0 up", "bridge vlan add dev p1 vid 10 pvid untagged",
                "bridge fdb add 02:00:00:00:00:77 dev p0 dynamic")


def test_the_bridges_tab_shows_ports_fdb_with_ages_and_vlans_and_keeps_the_cursor(executor):
    for line in BRIDGE_SETUP:
        assert executor.run_line(line) == 0, line
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        await pilot.press("6")
        ports = app.query_one("#br-ports", DataTable)
        fdb = app.query_one("#br-fdb", DataTable)
        vlans = app.query_one("#br-vlans", DataTable)
        assert await settle(pilot, app, lambda: ports.row_count == 2 and vlans.row_count == 4)
        assert [str(c) for c in ports.get_row_at(0)] == ["br0", "p0", "forwarding", "designated",
                                                          "100", "32"]
        rows = [[str(c) for c in fdb.get_row_at(i)] for i in range(fdb.row_count)]
        learned = [r for r in rows if r[0] == "02:00:00:00:00:77"]
        assert learned and learned[0][2:5] == ["p0", "br0", "dynamic"] and learned[0][5].isdigit()
        assert ["p1", "10", "PVID Egress Untagged"] in [
            [str(c) for c in vlans.get_row_at(i)] for i in range(vlans.row_count)]
        assert app.focused is ports
        await pilot.press("down")
        assert ports.cursor_row == 1
        executor.run_line("bridge vlan add dev p0 vid 20")
        assert await settle(pilot, app, lambda: vlans.row_count == 5)
        assert ports.cursor_row == 1                        # kept in place by the refreshes
    run(app, body)


ROUTES_SETUP = ("link set a addrgenmode none", "addr add 2001:db8::1/64 dev a nodad",
                "route add 203.0.113.0/24 via 192.0.2.2 metric 10",
                "-6 route add 2001:db8:10::/64 via 2001:db8::2",
                "-6 route add unreachable 2001:db8:18::/64 table 100",
                "-6 rule add from 2001:db8:1::/64 lookup 100 priority 100")


def ipv6_on(executor, dev="a"):
    executor.runtime.call(lambda stack, name: stack.api.inet6_conf(name, disable_ipv6=False), dev)


def test_the_routes_tab_lists_both_families_and_rules_and_t_shows_every_table(executor):
    for line in ROUTES_SETUP[:1]:
        assert executor.run_line(line) == 0, line
    ipv6_on(executor)
    for line in ROUTES_SETUP[1:]:
        assert executor.run_line(line) == 0, line
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable
        await pilot.press("7")
        routes = app.query_one("#route-list", DataTable)
        rules = app.query_one("#rule-list", DataTable)
        cells = lambda table: [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]  # noqa: E731
        assert await settle(pilot, app, lambda: routes.row_count == 4 and rules.row_count == 6)
        assert app.focused is routes
        assert ["inet", "main", "unicast", "203.0.113.0/24", "192.0.2.2", "a", "10", "", "", ""] in cells(routes)
        assert ["inet6", "main", "unicast", "2001:db8:10::/64", "2001:db8::2", "a", "1024", "", "", ""] \
            in cells(routes)
        assert not any(row[3] == "2001:db8:18::/64" for row in cells(routes))      # table 100: not main
        assert cells(rules)[3:] == [["inet6", "0", "from all lookup local"],
                                    ["inet6", "100", "from 2001:db8:1::/64 lookup 100"],
                                    ["inet6", "32766", "from all lookup main"]]
        assert "table main" in str(routes.border_title)
        await pilot.press("t")
        assert await settle(pilot, app, lambda: any(r[3] == "2001:db8:18::/64" for r in cells(routes)))
        assert ["inet6", "100", "unreachable", "2001:db8:18::/64", "", "lo", "1024", "", "", ""] in cells(routes)
        assert any(r[1] == "local" and r[2] == "local" for r in cells(routes))
        assert "table all" in str(routes.border_title)
        await pilot.press("down")
        row = routes.cursor_row
        executor.run_line("-6 route add 2001:db8:ffff::/64 dev a")       # listed last: the cursor stays
        assert await settle(pilot, app, lambda: any(r[3] == "2001:db8:ffff::/64" for r in cells(routes)))
        assert routes.cursor_row == row
        await pilot.press("t")
        assert await settle(pilot, app, lambda: not any(r[1] == "local" for r in cells(routes)))
    run(app, body)


def test_route_rows_are_bounded_and_say_so():
    from netsh.tui.model import Snapshot, route_count, route_rows
    snap = Snapshot(0.0, {"routes_inet": [{"dst": f"10.{n >> 8}.{n & 255}.0/24", "dev": "a"} for n in range(1500)],
                          "routes_inet6": [{"dst": "2001:db8::/64", "dev": "a", "metric": 256}]})
    rows = route_rows(snap, 1000)
    assert len(rows) == 1000 and route_count(snap) == 1501
    assert len(route_rows(snap)) == 1501
    assert list(route_rows(snap).values())[-1][:4] == ("inet6", "main", "unicast", "2001:db8::/64")
