"""The Statistics tab (tshark's -z conv, io,phs and io,stat over the ring, an I/O graph) and
the follow view (a TCP stream in two colours), driven by Textual's pilot on a real stack with
a kernel capture read into the ring; the content functions tested directly too."""
from textual.widgets import DataTable, Static

from netsh.tui.app import Dashboard, FollowView
from netsh.tui.packets import PacketList
from netsh.tui.statistics import follow_text, hierarchy_rows, io_graph, stream_of

from .test_dashboard import DATA, executor, run, settle  # noqa: F401  (the fixture)

CAPTURE = DATA / "kernel_tcp_http_dns.pcap"


def test_the_statistics_tab_shows_conversations_hierarchy_and_a_graph(executor):  # noqa: F811
    assert executor.run_line(f"capture read {CAPTURE}") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        await pilot.press("8")
        conv = app.query_one("#conv", DataTable)
        assert await settle(pilot, app, lambda: conv.row_count == 1)
        row = [str(cell) for cell in conv.get_row_at(0)]
        assert row[:2] == ["192.0.2.10", "192.0.2.20"] and row[6] == "160"
        phs = app.query_one("#phs", DataTable)
        assert [str(phs.get_row_at(i)[0]).strip() for i in range(3)] == ["eth", "ipv6", "icmpv6"]
        graph = str(app.query_one("#io-graph", Static).render())
        assert "frames per 1 s, peak 66" in graph
        await pilot.press("c")                               # the next type: ipv6
        assert await settle(pilot, app, lambda: "ipv6" in str(conv.border_title))
        assert await settle(pilot, app, lambda: conv.row_count >= 1 and ":" in str(conv.get_row_at(0)[0]))
    run(app, body)


def test_f_follows_the_selected_packets_tcp_stream(executor):  # noqa: F811
    assert executor.run_line(f"capture read {CAPTURE}") == 0
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        await pilot.press("2")
        plist = app.query_one("#packets", PacketList)
        assert await settle(pilot, app, lambda: plist.total >= 30)
        plist.focus()
        plist.following = False
        plist.selected = 24                                  # the HTTP request
        assert await settle(pilot, app, lambda: app.detail and app.detail["number"] == 24)
        await pilot.press("f")
        assert await settle(pilot, app, lambda: isinstance(app.screen, FollowView))
        text = app.screen.text
        assert text.plain.startswith("Node 0: 192.0.2.10:33798\nNode 1: 192.0.2.20:8080")
        assert "GET /serve.md HTTP/1.1" in text.plain and "HTTP/1.0 200 OK" in text.plain
        styles = {str(span.style) for span in text.spans}
        assert {"bold red", "bold blue"} <= styles
        await pilot.press("escape")
        assert await settle(pilot, app, lambda: not isinstance(app.screen, FollowView))
    run(app, body)


def test_the_content_functions_on_plain_data():
    rows = hierarchy_rows({"protocols": [{"protocol": "eth", "frames": 4, "bytes": 400, "children": [
        {"protocol": "ip", "frames": 3, "bytes": 300, "children": []}]}]})
    assert list(rows.values()) == [("eth", "4", "100.0%", "400"), ("  ip", "3", "75.0%", "300")]
    graph = io_graph({"interval": 1.0, "intervals": [{"frames": 0}, {"frames": 8}]}, width=40, height=2)
    assert graph.plain.splitlines() == ["frames per 1 s, peak 8, last 8", " █", " █"]
    assert io_graph({}, 40).plain == "no packets yet"
    text = follow_text({"nodes": [{"node": 0, "address": "a", "port": 1}], "chunks": [
        {"node": 0, "frame": 1, "data": "6869000a"}]})
    assert text.plain == "Node 0: a:1\n\nhi.\n"
    assert stream_of({"layers": [{"name": "tcp", "fields": [{"name": "tcp.stream", "value": "3"}]}]}) == ("tcp", 3)
    assert stream_of({"layers": [{"name": "icmp", "fields": []}]}) is None
