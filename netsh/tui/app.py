"""`netsh tui`: the dashboard.  Live counters, tables, the packet inspector and
a command line, all fed by the executor's structured results.

The stack is never touched directly: every read is ``executor.execute(...)``
on a worker thread (the same results the shell renders, embedded or
attached), batched into one snapshot 3 times a second, never per packet.
"""
from __future__ import annotations

import io
import os
import threading

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.markup import escape
from textual.widgets import DataTable, Header, Input, RichLog, Select, Static, TabbedContent, TabPane

from netsh.batch import BatchSyntaxError, split_words
from netsh.errors import EXIT_FAIL
from netsh.executor import failure, internal_failure
from netsh.render import write
from netsh.tui.command_line import CommandLine
from netsh.tui.help import KeysHelp, SteadyFooter, keys_text
from netsh.tui.literal import literal
from netsh.tui.model import (ROUTE_TABLES, Rates, flat_stats, human_rate, link_addresses, link_counters,
                             route_count, route_rows, rule_rows, sparkline, take_snapshot)
from netsh.tui.packets import TIME_FORMATS, HexView, LayerTree, PacketList
from netsh.tui.statistics import (CONVERSATION_TYPES, conversation_rows, follow_text, hierarchy_rows,
                                  io_graph, stats_queries, stream_of)
from netsh.tui.trace_view import empty_note, list_title, record_row, record_title, trace_path
from stack.l3.rule import rule_text

REFRESH_SECONDS = 0.33
HOME = {"overview": "#links", "packets-tab": "#packets", "neighbours": "#neigh", "addresses": "#addrs",
        "trace": "#trace-list", "bridges": "#br-ports", "routes": "#route-list",
        "statistics": "#conv"}        # what a tab's key focuses, and where the focus goes back to
FDB_ROWS = 500               # FDB entries the Bridges tab lists (a flood may learn thousands)
ROUTE_ROWS = 1000            # routes the Routes tab lists (a table may hold 100,000)
STATS_SECONDS = 2.0          # the Statistics tab's refresh while it is shown (each reads the whole ring)
NOTE_LINES = 6               # of a command's output, shown as a notification while the output pane is closed
EVERY_LINK = "every link"
NOT_HERE = {"tui": "the dashboard is already open", "demo": "leave the dashboard to run a demo"}

CSS = """
Screen { layout: vertical; }
#tabs { height: 1fr; }
Input { border: none; height: 1; padding: 0 1; }
#links { height: auto; max-height: 12; }
#counters { height: 1fr; }
#filterbar { height: 1; }
#filter { width: 1fr; }
#display { width: 1fr; }
#display.-invalid { background: $error 35%; }
#display.-valid { background: $success 25%; }
#display-note { width: auto; max-width: 40; padding: 0 1; }
#capture-dev { width: 20; }
#filter.-invalid { background: $error 35%; }
#filter.-valid { background: $success 25%; }
#filter-note { width: auto; max-width: 50; padding: 0 1; }
#packets { height: 3fr; min-height: 5; border-top: solid $primary; overflow-x: hidden; }
#tree { height: 4fr; min-height: 7; border-top: solid $primary; }
#hex { height: 2fr; min-height: 3; border-top: solid $primary; overflow-x: hidden; }
#trace-list { height: 1fr; min-height: 4; border-top: solid $primary; }
#trace-steps { height: 2fr; border-top: solid $primary; padding: 0 1; }
#trace-empty { padding: 1 2; }
#br-ports { height: auto; max-height: 8; }
#br-fdb { height: 2fr; min-height: 4; border-top: solid $primary; }
#br-vlans { height: 1fr; min-height: 3; border-top: solid $primary; }
#route-list { height: 2fr; min-height: 4; border-top: solid $primary; }
#rule-list { height: 1fr; min-height: 3; border-top: solid $primary; }
#io-graph { height: auto; max-height: 9; padding: 0 1; }
#conv { height: 2fr; min-height: 4; border-top: solid $primary; }
#phs { height: 2fr; min-height: 4; border-top: solid $primary; }
#output { display: none; height: 40%; min-height: 5; border-top: solid $primary; }
Screen.-commanding #output { display: block; }
#command { background: $boost; }
"""


class Dashboard(App):
    TITLE = "netsh"
    CSS = CSS
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "keys_help", "Keys", key_display="?"),
        Binding("colon", "focus_command", "Command", key_display=":"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("y", "focus_display", "Display filter (Wireshark syntax, tshark's -Y)", show=False),
        Binding("s", "toggle_capture", "Capture on/off"),
        Binding("o", "prefill('capture read ')", "Open pcap", show=False),
        Binding("w", "prefill('capture save ')", "Save pcap", show=False),
        Binding("1", "tab('overview')", "Overview", show=False),
        Binding("2", "tab('packets')", "Packets", show=False),
        Binding("3", "tab('neighbours')", "Neighbours", show=False),
        Binding("4", "tab('addresses')", "Addresses", show=False),
        Binding("5", "tab('trace')", "Trace", show=False),
        Binding("6", "tab('bridges')", "Bridges", show=False),
        Binding("7", "tab('routes')", "Routes", show=False),
        Binding("8", "tab('statistics')", "Statistics", show=False),
        Binding("c", "conversation_type", "Statistics: the next conversation type", show=False),
        Binding("f", "follow", "Packets: follow the selected packet's TCP/UDP stream", show=False),
        Binding("t", "time_or_table", "Packets: the next time format (tshark -t); Routes: the main tables "
                "or every table", show=False),
        Binding("z", "zoom", "Zoom the pane (z or esc: back)", show=False),
        Binding("escape", "leave_input", "Filter boxes: back to the list", key_display="esc", show=False),
    ]

    def __init__(self, executor, refresh: float = REFRESH_SECONDS, initial_tab: str = "overview", **kw):
        super().__init__(**kw)
        self.initial_tab = initial_tab
        self._first_poll_done = False
        self.executor = executor             # the command line's
        self.reader = companion(executor)    # the polls
        self.viewer = companion(executor)    # packet details: a key press must not queue behind a poll
        self.statistician = companion(executor)   # the Statistics tab: a file's first pass takes long
        self.refresh_seconds = refresh
        self.link_rates = Rates()
        self.stat_rates = Rates()
        self.capture_running = False
        self._link_names: list = []        # what the capture's link chooser offers
        self._ring_start = (1, None)       # the capture ring's oldest packet: (number, time)
        self._file_warning = ""            # what was said of the file shown (damage, cut records)
        self.snapshot = None
        self.detail = None                 # the selected packet's full row (layers, bytes)
        self.trace_records: dict[str, dict] = {}     # by row key, from the last snapshot
        self.trace_shown = None                      # the record the path pane shows
        self.packet_list: PacketList | None = None
        self.output: RichLog | None = None
        self.before_command = None         # what had the focus when the command line took it
        self.one_shot = False              # a line prefilled by a key: the focus goes back once it runs
        self._completer = None
        self._command_lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self.route_table = ROUTE_TABLES[0]  # the Routes tab's tables: main, or all (`t`)
        self.conv_type = CONVERSATION_TYPES[0]   # the Statistics tab's conversations (`c`)
        self.display_text: str | None = None     # the display filter applied to the packet list
        self.displayed: dict | None = None       # how far it has come: first, total, scanned, done
        self.time_format = TIME_FORMATS[0]       # the packet list's time column (`t`)
        self._stats_lock = threading.Lock()

    # --- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            with TabPane("Overview", id="overview"):
                yield DataTable(id="links", cursor_type="row")
                yield DataTable(id="counters", cursor_type="row")
            with TabPane("Packets", id="packets-tab"):
                with Horizontal(id="filterbar"):
                    yield Select([(EVERY_LINK, "")], value="", allow_blank=False, compact=True, id="capture-dev",
                                 tooltip="the link the next capture listens on")
                    yield Input(placeholder="capture filter (tcpdump syntax), Enter starts the capture",
                                id="filter", select_on_focus=False)
                    yield Static("", id="filter-note")
                    yield Input(placeholder="display filter (Wireshark syntax), Enter applies",
                                id="display", select_on_focus=False)
                    yield Static("", id="display-note")
                # termshark's layout: list, tree and bytes stacked, each the full width
                yield PacketList(self._fetch_rows, id="packets")
                yield LayerTree("no packet selected", id="tree")
                yield HexView(id="hex")
            with TabPane("Neighbours", id="neighbours"):
                yield DataTable(id="neigh", cursor_type="row")
            with TabPane("Addresses", id="addresses"):
                yield DataTable(id="addrs", cursor_type="row")
            with TabPane("Trace", id="trace"):
                yield Static(empty_note({}), id="trace-empty")
                yield DataTable(id="trace-list", cursor_type="row")
                with VerticalScroll(id="trace-steps"):
                    yield Static(id="trace-path")
            with TabPane("Bridges", id="bridges"):
                yield DataTable(id="br-ports", cursor_type="row")
                yield DataTable(id="br-fdb", cursor_type="row")
                yield DataTable(id="br-vlans", cursor_type="row")
            with TabPane("Routes", id="routes"):
                yield DataTable(id="route-list", cursor_type="row")
                yield DataTable(id="rule-list", cursor_type="row")
            with TabPane("Statistics", id="statistics"):
                yield Static("", id="io-graph")
                yield DataTable(id="conv", cursor_type="row")
                yield DataTable(id="phs", cursor_type="row")
        yield RichLog(id="output", max_lines=2000, wrap=True, markup=False)
        yield CommandLine(self._candidates, id="command",
                          placeholder=": a command, as in the shell (Tab completes, ↑ ↓ history, Esc leaves)")
        yield SteadyFooter()

    def on_mount(self) -> None:
        links = self.query_one("#links", DataTable)
        links.add_columns("link", "state", "mtu", "addresses", "rx pkts", "rx/s", "tx pkts", "tx/s",
                          "drops", "rx history")
        self.query_one("#counters", DataTable).add_columns("counter", "value", "per second")
        self.query_one("#neigh", DataTable).add_columns("address", "link", "lladdr", "state")
        self.query_one("#addrs", DataTable).add_columns("link", "family", "address", "scope", "state")
        self.query_one("#trace-list", DataTable).add_columns("No.", "link", "length", "verdict")
        self.query_one("#br-ports", DataTable).add_columns("bridge", "port", "state", "role", "cost",
                                                           "priority")
        self.query_one("#br-fdb", DataTable).add_columns("mac", "vlan", "port", "bridge", "state",
                                                         "age s")
        vlans = self.query_one("#br-vlans", DataTable)
        vlans.add_columns("port", "vlan")
        vlans.add_column("flags", width=len("PVID Egress Untagged"))    # its widest, always
        self.query_one("#route-list", DataTable).add_columns(
            "family", "table", "type", "destination", "gateway", "dev", "metric", "proto", "src", "flags")
        self.query_one("#rule-list", DataTable).add_columns("family", "priority", "rule")
        self.query_one("#conv", DataTable).add_columns(
            "address A", "address B", "frames A→B", "bytes A→B", "frames B→A", "bytes B→A", "frames",
            "bytes", "rel start", "duration")
        self.query_one("#phs", DataTable).add_columns("protocol", "frames", "% frames", "bytes")
        self.sub_title = getattr(self.executor, "stack_name", None) or "embedded stack"
        self.packet_list = self.query_one("#packets", PacketList)
        if self.initial_tab == "packets-tab":
            self.packet_list.focus()
        self.output = self.query_one("#output", RichLog)
        self.set_interval(self.refresh_seconds, self.poll)
        self.set_interval(STATS_SECONDS, self.poll_statistics)
        self.poll()

    def on_unmount(self) -> None:
        for conn in (self.reader, self.viewer, self.statistician):
            if conn is not self.executor:
                conn.close()

    # --- polling (worker thread) ----------------------------------------------------------
    @work(thread=True, group="poll")
    def poll(self) -> None:
        if not self._poll_lock.acquire(blocking=False):
            return                       # the last poll is still out: skip this beat
        try:
            # opened on a file: the first poll asks for the packets alone, so its first screen
            # does not wait on the tables of the other tabs
            first_screen = self.initial_tab == "packets-tab" and not self._first_poll_done
            self._first_poll_done = True
            snap = take_snapshot(self.reader.execute, wanted=["capture"] if first_screen else None,
                                 route_table=self.route_table)
            # everything the screen will need is read here, then applied in one call: each
            # call_from_thread can cost a frame, and a frame of this screen costs ~25 ms
            status = snap.results.get("capture") or {}
            if status.get("file") and (status.get("first_number") or 1, status.get("first_ts")) != self._ring_start:
                self._ask(self._open_at_first)      # a file just shown: its first screen, not its end
            text, time_format = self.display_text, self.time_format
            displayed = self._fetch_displayed(text) if text else None
            if text:
                bounds = (displayed or {}).get("first"), (displayed or {}).get("total", 0)
            else:
                bounds = status.get("first_number"), status.get("ring_packets", 0)
            analysed = status.get("analysed", 0) if status.get("file") else 0
            plan = self._ask(lambda: (self.packet_list.forget_pending(analysed),
                                      self.packet_list.wanted(bounds), self.packet_list.view_after(*bounds)[1],
                                      self._detail_shown(analysed))[1:])
            if plan is None:
                return
            wanted, selected, shown = plan
            rows = self._fetch_rows(*wanted, text=text, time_format=time_format) if wanted else []
            if text and selected is not None:      # a filtered row's number is the row's to tell
                selected = next((row["number"] for row in rows if row.get("ordinal") == selected), None) \
                    or self._ask(lambda: self.packet_list.number_at(selected))
            detail = self._fetch_detail(selected, self.reader) if selected is not None and selected != shown else None
            self._post(self.apply_poll, snap, rows, detail, text, displayed)
        finally:
            self._poll_lock.release()

    def _detail_shown(self, analysed: int) -> int | None:
        """The number of the packet whose detail is shown; None when it is to be fetched again
        (it came ahead of the file's analysis, which has come to it since)."""
        if self.detail is None:
            return None
        number = self.detail["number"]
        return None if self.detail.get("analysis_pending") and number <= analysed else number

    def _open_at_first(self) -> None:
        """A file just shown: its first screen, not its end (the poll plans by it before the
        list learns of the file)."""
        self.packet_list.following = False
        self.packet_list.scroll_to(y=0, animate=False)

    def apply_poll(self, snap, rows: list, detail: dict | None, text: str | None = None,
                   displayed: dict | None = None) -> None:
        if text != self.display_text:
            return                  # the filter changed while this poll ran: its rows are not the list's
        self.displayed = displayed
        if set(snap.results) | set(snap.errors) == {"capture"}:     # the first screen's poll
            self._show_capture(snap)
        else:
            self.apply_snapshot(snap)
        if rows:
            self.packet_list.add_rows(rows)
        # a key may have moved the selection since the poll read it; the list's Selected
        # message comes after this, and finds the detail here already
        if detail is not None and detail["number"] == self.packet_list.selected:
            self._show_detail(detail)

    def _post(self, fn, *args) -> None:
        """Run fn on the UI thread from a worker; a no-op once the app is closing."""
        if not self.is_running:
            return
        try:
            self.call_from_thread(fn, *args)
        except (RuntimeError, LookupError):      # the app ended while the worker ran
            pass

    def _ask(self, fn):
        """fn() on the UI thread, its result here (None once the app is closing)."""
        if not self.is_running:
            return None
        try:
            return self.call_from_thread(fn)
        except (RuntimeError, LookupError):
            return None

    def _fetch_rows(self, first: int, count: int, text: str | None = None, time_format: str = "r") -> list:
        """Rows `first`.. of the ring or file (by number), or of the display filter `text` (by
        ordinal); packets of a file far past its conversation analysis come without it (quick)."""
        words = ["capture", "show", "at" if text else "from", str(first), "count", str(count),
                 "-t", time_format, "quick"] + (["-Y", text] if text else [])
        try:
            return self.reader.execute(words).data["rows"]
        except Exception:          # noqa: BLE001 - the ring moved on; the next poll asks again
            return []

    def _fetch_displayed(self, text: str) -> dict | None:
        """How far the display filter `text` has come over the ring or file (it goes on a slice
        a poll): {first, total, scanned, done}."""
        try:
            return self.reader.execute(["capture", "show", "at", "1", "count", "1", "-Y", text]).data["displayed"]
        except Exception:          # noqa: BLE001 - no packets yet, or the filter went bad
            return None

    def apply_snapshot(self, snap) -> None:
        self.snapshot = snap
        self._show_links(snap)
        self._show_counters(snap)
        self._show_neighbours(snap)
        self._show_addresses(snap)
        self._show_link_choice(snap)
        self._show_capture(snap)
        self._show_trace(snap)
        self._show_bridges(snap)
        self._show_routes(snap)

    def _show_links(self, snap) -> None:
        per_link = {row["ifname"]: link_counters(row) for row in snap.links}
        self.link_rates.update(snap.taken, {f"{name}.{key}": value for name, c in per_link.items()
                                            for key, value in c.items()})
        rate = self.link_rates.rate
        rows = {}
        for row in snap.links:
            name, c = row["ifname"], per_link[row["ifname"]]
            drops = c["rx_dropped"] + c["tx_dropped"]
            rows[name] = (name, row.get("operstate", ""), str(row.get("mtu", "")), link_addresses(row),
                          str(c["rx_packets"]), human_rate(rate.get(f"{name}.rx_packets", 0)),
                          str(c["tx_packets"]), human_rate(rate.get(f"{name}.tx_packets", 0)),
                          Text(str(drops), style="bold red" if drops else ""),
                          sparkline(self.link_rates.series.get(f"{name}.rx_packets", ())))
        sync_rows(self.query_one("#links", DataTable), rows)

    def _show_counters(self, snap) -> None:
        flat = flat_stats(snap.stats)
        self.stat_rates.update(snap.taken, flat)
        rows = {}
        for key, value in flat.items():
            if not value:
                continue
            moving = self.stat_rates.moving(key)
            style = "bold red" if key.startswith("Drop.") and moving else ("red" if key.startswith("Drop.") else "")
            rows[key] = (Text(key, style=style), str(value),
                         human_rate(self.stat_rates.rate.get(key, 0.0)) if moving else "")
        sync_rows(self.query_one("#counters", DataTable), rows)

    def _show_neighbours(self, snap) -> None:
        rows = {}
        for row in snap.results.get("neighbours") or []:
            state = row.get("state", [])
            rows[f"{row.get('dev', '')} {row.get('dst', '')}"] = (
                row.get("dst", ""), row.get("dev", ""), row.get("lladdr", ""),
                " ".join(state) if isinstance(state, list) else str(state))
        sync_rows(self.query_one("#neigh", DataTable), rows)

    def _show_addresses(self, snap) -> None:
        rows = {}
        for row in snap.links:
            for addr in row.get("addr_info", ()):
                address = f"{addr['local']}/{addr['prefixlen']}"
                rows[f"{row['ifname']} {address}"] = (row["ifname"], addr.get("family", ""), address,
                                                      addr.get("scope", ""), row.get("operstate", ""))
        sync_rows(self.query_one("#addrs", DataTable), rows)

    def _show_bridges(self, snap) -> None:
        ports = {f"{row['master']} {row['ifname']}": (
            row["master"], row["ifname"], row["state"], row.get("stp_role", ""), str(row["cost"]),
            str(row["priority"])) for row in snap.results.get("bridge_ports") or []}
        sync_rows(self.query_one("#br-ports", DataTable), ports)
        entries = (snap.results.get("fdb") or {}).get("rows") or []
        fdb = {}
        for row in entries[:FDB_ROWS]:
            vlan = str(row.get("vlan", ""))
            fdb[f"{row['master']} {row['mac']} {vlan}"] = (
                row["mac"], vlan, row["ifname"], row["master"], row["state"] or "dynamic",
                str(row["updated"]) if not row["state"] else "")
        table = self.query_one("#br-fdb", DataTable)
        sync_rows(table, fdb)
        table.border_title = literal(f"FDB: {len(entries)} entries"
                                     + (f", the first {FDB_ROWS} shown" if len(entries) > FDB_ROWS else ""))
        vlans = {}
        for row in snap.results.get("bridge_vlans") or []:
            for entry in row["vlans"]:
                vlans[f"{row['ifname']} {entry['vlan']}"] = (
                    row["ifname"], str(entry["vlan"]), " ".join(entry.get("flags", ())))
        table = self.query_one("#br-vlans", DataTable)
        sync_rows(table, vlans)
        table.border_title = literal("VLANs (bridge vlan show)")

    def _show_routes(self, snap) -> None:
        routes = self.query_one("#route-list", DataTable)
        sync_rows(routes, route_rows(snap, ROUTE_ROWS))
        other = ROUTE_TABLES[1 - ROUTE_TABLES.index(self.route_table)]
        total = route_count(snap)
        shown = f", the first {ROUTE_ROWS} of {total}" if total > ROUTE_ROWS else ""
        routes.border_title = literal(f"Routes: table {self.route_table}{shown} (t: table {other})")
        rules = self.query_one("#rule-list", DataTable)
        sync_rows(rules, rule_rows(snap, rule_text))
        rules.border_title = literal("Rules (ip rule), in the order a lookup walks them")

    # --- statistics (tshark's -z conv, io,phs, io,stat over the ring) ------------------------------
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "statistics":
            self.poll_statistics()

    @work(thread=True, group="statistics")
    def poll_statistics(self) -> None:
        """While the tab shows, read the statistics (they walk the whole ring: not each beat)."""
        if self._ask(lambda: self.query_one("#tabs", TabbedContent).active) != "statistics":
            return
        if not self._stats_lock.acquire(blocking=False):
            return
        try:
            results = {}
            for name, words in stats_queries(self.conv_type).items():
                try:
                    results[name] = self.statistician.execute(list(words)).data
                except Exception as exc:      # noqa: BLE001 - an empty ring, a stack gone: said
                    results[name] = {"error": str(exc) or type(exc).__name__}
            self._post(self.apply_statistics, results)
        finally:
            self._stats_lock.release()

    def apply_statistics(self, results: dict) -> None:
        graph = self.query_one("#io-graph", Static)
        width = max(20, self.size.width - 4)
        graph.update(io_graph(results.get("io") or {}, width))
        conv = self.query_one("#conv", DataTable)
        sync_rows(conv, conversation_rows(results.get("conv") or {}))
        conv.border_title = literal(f"Conversations: {self.conv_type} (c: the next type) "
                                    f"as tshark -z conv,{self.conv_type}")
        phs = self.query_one("#phs", DataTable)
        sync_rows(phs, hierarchy_rows(results.get("phs") or {}))
        phs.border_title = literal("Protocol hierarchy, as tshark -z io,phs")

    def action_conversation_type(self) -> None:
        index = CONVERSATION_TYPES.index(self.conv_type)
        self.conv_type = CONVERSATION_TYPES[(index + 1) % len(CONVERSATION_TYPES)]
        self.action_tab("statistics")
        self.poll_statistics()

    # --- follow stream ------------------------------------------------------------------------
    def action_follow(self) -> None:
        """`f`: the selected packet's TCP or UDP stream, both directions in two colours."""
        found = stream_of(self.detail)
        if found is None:
            self.notify("select a TCP or UDP packet to follow its stream", markup=False)
            return
        self._load_follow(*found)

    @work(thread=True, exclusive=True, group="follow")
    def _load_follow(self, proto: str, stream: int) -> None:
        try:
            data = self.viewer.execute(["capture", "follow", proto, str(stream), "raw"]).data
        except Exception as exc:      # noqa: BLE001 - the packets left the ring
            self._post(self.notify, f"follow {proto} {stream}: {exc}", markup=False)
            return
        self._post(self.push_screen, FollowView(f"Follow {proto.upper()} stream {stream}", follow_text(data)))

    def action_route_table(self) -> None:
        """`t`: the Routes tab shows the main tables or every table (route show table all)."""
        self.route_table = ROUTE_TABLES[1 - ROUTE_TABLES.index(self.route_table)]
        self.action_tab("routes")
        self.poll()

    def _show_link_choice(self, snap) -> None:
        names = [row["ifname"] for row in snap.links]
        choice = self.query_one("#capture-dev", Select)
        if names != self._link_names:
            self._link_names = names
            value = choice.value
            choice.set_options([(EVERY_LINK, "")] + [(literal(name), name) for name in names])
            choice.value = value if value in names else ""

    def _show_capture(self, snap) -> None:
        status = snap.results.get("capture") or {}
        self.capture_running = bool(status.get("running"))
        plist = self.query_one("#packets", PacketList)
        first, total = status.get("first_number") or 1, status.get("ring_packets", 0)
        displayed = self.displayed if self.display_text else None
        # a new capture (or a cleared ring) numbers from 1 again, so the detail of the old
        # packet N is not the new packet N's: the ring's oldest packet tells them apart
        start = (first, status.get("first_ts"))
        restarted = first <= self._ring_start[0] and start != self._ring_start
        self._ring_start = start
        if restarted and status.get("file"):     # a file opens at its first packet, as termshark's
            self._open_at_first()
            plist.selected = first
        if self.display_text:
            plist.set_ring((displayed or {}).get("first"), (displayed or {}).get("total", 0), restarted)
        else:
            plist.set_ring(first, total, restarted)
        if restarted and self.detail is not None:
            self.detail = None
            if plist.selected is not None:
                self._load_detail(plist.selected)
        plist.border_title = literal(packet_list_title(status, self.display_text, displayed))
        warning = file_warning(status)
        if warning and warning != self._file_warning:      # said once, as `capture read` says it
            self.notify(warning, title="Warning", severity="warning", timeout=12, markup=False)
        self._file_warning = warning

    def _show_trace(self, snap) -> None:
        data = snap.results.get("trace") or {}
        self.trace_records = {str(rec["number"]): rec for rec in data.get("records") or ()}
        table = self.query_one("#trace-list", DataTable)
        following = table.cursor_row >= table.row_count - 1     # on the newest: stay on the newest
        sync_rows(table, {key: record_row(rec) for key, rec in self.trace_records.items()})
        if following and table.row_count:
            table.move_cursor(row=table.row_count - 1)
        table.border_title = list_title(data)
        empty = not self.trace_records
        note = self.query_one("#trace-empty", Static)
        if empty and note.content != empty_note(data):
            note.update(empty_note(data))
        note.display = empty
        table.display = self.query_one("#trace-steps").display = not empty
        self._show_trace_path()

    def _show_trace_path(self) -> None:
        table = self.query_one("#trace-list", DataTable)
        rec = self.trace_records.get(row_key_at_cursor(table))
        if rec == self.trace_shown:
            return
        self.trace_shown = rec
        self.query_one("#trace-path", Static).update(trace_path(rec) if rec else "")
        self.query_one("#trace-steps").border_title = literal(record_title(rec) if rec else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "trace-list":
            self._show_trace_path()

    # --- packets ---------------------------------------------------------------------------
    def on_packet_list_selected(self, event: PacketList.Selected) -> None:
        if not (self.detail and self.detail["number"] == event.number):
            self._load_detail(event.number)

    @work(thread=True, exclusive=True, group="detail")
    def _load_detail(self, number: int) -> None:
        self._post(self._show_detail, self._fetch_detail(number, self.viewer))

    @staticmethod
    def _fetch_detail(number: int, conn) -> dict | None:
        """One packet's full row (layers, bytes); None once it has left the ring."""
        try:
            rows = conn.execute(["capture", "show", "-V", str(number), "quick"]).data["rows"]
        except Exception:          # noqa: BLE001 - gone from the ring
            rows = []
        return rows[0] if rows else None

    def _show_detail(self, row) -> None:
        self.detail = row
        self.query_one("#tree", LayerTree).show_packet(row)
        self.query_one("#hex", HexView).show_bytes(bytes.fromhex(row["bytes"]) if row else b"")

    def on_layer_tree_field_chosen(self, event: LayerTree.FieldChosen) -> None:
        self.query_one("#hex", HexView).light(event.offset, event.length)

    def on_hex_view_byte_clicked(self, event: HexView.ByteClicked) -> None:
        self.query_one("#tree", LayerTree).select_offset(event.offset)

    # --- capture filter ----------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "display":
            self._check_display(event.input, event.value)
            return
        if event.input.id != "filter":
            return
        from stack.capture import compile_filter
        from stack.errors import StackError
        note = self.query_one("#filter-note", Static)
        event.input.remove_class("-valid", "-invalid")
        if not event.value.strip():
            note.update("")
            return
        try:
            compile_filter(event.value)
        except StackError as exc:
            event.input.add_class("-invalid")
            note.update(Text(str(exc).partition(": ")[2] or str(exc), style="red"))
            return
        event.input.add_class("-valid")
        note.update(Text("ok", style="green"))

    def _check_display(self, box: Input, text: str) -> None:
        """The display filter, compiled as it is typed: the error points at its token."""
        from netsh.dfilter import compile_filter
        from netsh.grammar import ParseError
        note = self.query_one("#display-note", Static)
        box.remove_class("-valid", "-invalid")
        if not text.strip():
            note.update("")
            return
        try:
            compile_filter(text)
        except ParseError as exc:
            box.add_class("-invalid")
            note.update(Text(str(exc), style="red"))
            return
        box.add_class("-valid")
        note.update(Text("ok", style="green"))

    def apply_display(self, text: str) -> None:
        """The packet list shows what the display filter `text` keeps ("" : every packet)."""
        self.display_text = text.strip() or None
        self.displayed = None
        self.detail = None
        self.packet_list.set_view(self.display_text is not None, self.time_format)
        self.poll()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "display":
            if "-invalid" not in event.input.classes:
                self.apply_display(event.value)
                self.query_one("#packets").focus()
        elif event.input.id == "filter":
            if "-invalid" not in event.input.classes:
                self.start_capture(event.value.strip())
                self.query_one("#packets").focus()     # the tab keys are keys again, not text
        elif event.input.id == "command":
            line = event.value
            event.input.value = ""
            if line.strip():
                event.input.remember(line)
                self.run_command(line)
            if self.one_shot:
                self.leave_command()

    def start_capture(self, expression: str = "") -> None:
        dev = self.query_one("#capture-dev", Select).value
        words = ["capture", "start"] + (["dev", dev] if dev else []) + (["filter", expression] if expression else [])
        self.run_command(words)

    def action_toggle_capture(self) -> None:
        if self.capture_running:
            self.run_command(["capture", "stop"])
        else:
            self.start_capture(self.query_one("#filter", Input).value.strip())

    def action_zoom(self) -> None:
        """The focused pane fills the screen (the tree of a big packet at 80x24), or goes back."""
        if self.screen.maximized is not None:
            self.screen.minimize()
        elif self.focused is not None and not isinstance(self.focused, Input):
            self.screen.maximize(self.focused, container=False)

    def action_leave_input(self) -> None:
        """Esc in the capture filter box: back to the list."""
        if self.focused is not None and self.focused.id in ("filter", "display"):
            self.query_one("#packets").focus()

    # --- command line ---------------------------------------------------------------------
    @work(thread=True, group="command")
    def run_command(self, line) -> None:
        """Run a line (or words) of the shell's grammar; its output goes to the output pane,
        and to a notification when the pane is closed (a key ran it, or the line was left)."""
        if isinstance(line, str):
            try:
                tokens = [w.text for w in split_words(line)]
            except BatchSyntaxError as exc:
                self._post(self.show_output, f"Error: {exc.message}", 1)
                return
        else:
            tokens = list(line)
        self._post(self.output.write, literal("> " + " ".join(tokens), style="bold"))
        if tokens and tokens[0] in ("exit", "quit"):
            self._post(self.exit)
            return
        if tokens and tokens[0] in NOT_HERE:
            self._post(self.show_output, f"Error: {NOT_HERE[tokens[0]]}", 1)
            return
        with self._command_lock:
            text, status = run_tokens(self.executor, tokens)
        self._post(self.show_output, text.rstrip("\n"), status)
        self._post(self.poll)

    def show_output(self, text: str, status: int) -> None:
        if text:
            shown = Text.from_ansi(text)          # never markup: what a command prints is literal
            if status and not shown.spans:
                shown.stylize("red")
            self.output.write(shown)
        if status:
            self.bell()
        if text and not self.screen.has_class("-commanding"):
            lines = text.splitlines()
            note = "\n".join(lines[:NOTE_LINES]) + ("\n…" if len(lines) > NOTE_LINES else "")
            self.notify(Text.from_ansi(note).plain, markup=False, severity="error" if status else "information")

    def _candidates(self, before: str):
        if self._completer is None:          # the shell's completer; prompt_toolkit loads on the first Tab
            from netsh.shell import NetshCompleter
            self._completer = NetshCompleter(self.executor.grammar, getattr(self.executor, "live", None))
        return self._completer.candidates(before)

    def on_command_line_listing(self, event: CommandLine.Listing) -> None:
        width = min(max(len(c.text) for c in event.candidates), 28)
        listing = Text()
        for cand in event.candidates:
            listing.append(f"\n  {cand.text:{width}}", style="bold")
            listing.append(f"  {cand.meta}" if cand.meta else "")
        self.output.write(listing[1:])

    def on_command_line_scroll_output(self, event: CommandLine.ScrollOutput) -> None:
        if event.pages < 0:
            self.output.scroll_page_up(animate=False)
        else:
            self.output.scroll_page_down(animate=False)

    def on_command_line_leave(self, event: CommandLine.Leave) -> None:
        self.leave_command()

    def on_descendant_focus(self, event) -> None:
        self.screen.set_class(event.widget.id == "command", "-commanding")

    def on_descendant_blur(self, event) -> None:
        if event.widget.id == "command":
            self.screen.remove_class("-commanding")

    def leave_command(self) -> None:
        """Give the focus back to what had it before the command line (or the tab's main pane)."""
        self.one_shot = False
        back = self.before_command
        if back is None or back not in self.screen.focus_chain:
            back = self.query_one(HOME[self.query_one("#tabs", TabbedContent).active])
        back.focus()

    def action_keys_help(self) -> None:
        if not self.is_screen_installed("keys"):     # made once: composing it costs a key press ~10 ms
            self.install_screen(KeysHelp(keys_text(("Dashboard", self.BINDINGS), ("Packet list", PacketList.BINDINGS),
                                                   ("Command line", CommandLine.BINDINGS))),
                                "keys")
        self.push_screen("keys")

    def action_focus_command(self) -> None:
        self._open_command("", one_shot=False)

    def action_focus_display(self) -> None:
        self.query_one("#tabs", TabbedContent).active = "packets-tab"
        self.query_one("#display", Input).focus()

    def action_time_or_table(self) -> None:
        """`t`: on the Packets tab the next time format; elsewhere the Routes tab's tables."""
        if self.query_one("#tabs", TabbedContent).active == "packets-tab":
            self.time_format = TIME_FORMATS[(TIME_FORMATS.index(self.time_format) + 1) % len(TIME_FORMATS)]
            self.packet_list.set_view(self.packet_list.filtered, self.time_format)
            self.notify(f"time: {TIME_NAMES[self.time_format]}", timeout=2)
            self.poll()
        else:
            self.action_route_table()

    def action_focus_filter(self) -> None:
        self.query_one("#tabs", TabbedContent).active = "packets-tab"
        self.query_one("#filter", Input).focus()

    def action_tab(self, name: str) -> None:
        tab = "packets-tab" if name == "packets" else name
        self.query_one("#tabs", TabbedContent).active = tab
        # the focus moves into the tab: left on a widget of the hidden tab, Textual would pass it
        # to that widget's neighbour, and the tabs would switch back to show it
        self.query_one(HOME[tab]).focus()

    # --- palette: every command of the grammar ----------------------------------------------
    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for cmd in self.executor.grammar.root.commands():
            yield SystemCommand(escape(cmd.name), escape(cmd.help),
                                lambda name=cmd.name: self._open_command(name + " ", one_shot=False))

    def action_prefill(self, text: str) -> None:
        """`o` and `w`: the command is typed up to its file name; once it runs, the focus goes back."""
        opening = text.startswith("capture read")
        if opening:
            self.action_tab("packets")
        self._open_command(text, one_shot=True, back=self.packet_list if opening else None)

    def _open_command(self, text: str, one_shot: bool, back=None) -> None:
        """Focus the command line, `text` typed; `back` (else what has the focus now) gets it back."""
        command = self.query_one("#command", CommandLine)
        if self.focused is not command:
            self.before_command = back or self.focused
        self.one_shot = one_shot
        if text:
            command.prefill(text)
        command.focus()


class FollowView(ModalScreen):
    """A followed stream over the dashboard: node 0 red, node 1 blue; esc or q closes."""

    DEFAULT_CSS = """
    FollowView { align: center middle; }
    FollowView > VerticalScroll { width: 95%; height: 90%; border: round $primary;
                                  background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,f", "dismiss", "Close")]

    def __init__(self, title: str, text: Text):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="follow") as scroll:
            scroll.border_title = literal(self.title_text)
            yield Static(self.text, id="follow-text")


TIME_NAMES = {"r": "seconds since the first packet", "d": "since the previous packet",
              "dd": "since the previous packet shown", "e": "seconds since 1970", "ad": "date and time",
              "ud": "date and time, UTC"}


def packet_list_title(status: dict, text: str | None, displayed: dict | None) -> str:
    """The packet list's title: what it shows (ring or file), the capture filter, the display
    filter and how far it has come."""
    if status.get("file"):
        title = f"{os.path.basename(status['file'])} · {status.get('file_packets', 0)} packets"  # as Wireshark's title
        if status.get("reading"):
            title += " (reading)"
        if status.get("analysing"):
            title += f" · analysing, at packet {status.get('analysed', 0)}"
        if status.get("damage"):
            title += f" · damaged after packet {status.get('file_packets', 0)}"
        if status.get("cut"):
            title += f" · {status['cut'][0]} cut to {status['keep']} bytes"
    else:
        state = "stopped"
        if status.get("running"):
            state = "capturing on " + (", ".join(status["links"]) if status.get("links") else EVERY_LINK)
        title = f"{state} · {status.get('ring_packets', 0)} packets in the ring"
        if status.get("filter"):
            title += f" · filter {status['filter']}"
    if text:
        shown = (displayed or {}).get("total", 0)
        title += f" · display {text}: {shown} shown"
        if displayed and not displayed.get("done"):
            title += f" (filtering, at packet {displayed.get('scanned', 0)})"
    return title


def file_warning(status: dict) -> str:
    """What `capture read` warns of a file, once its index is done: a damaged tail, records cut."""
    from netsh.commands.capture import cut_text
    said = []
    if status.get("damage"):
        said.append(f"{status['damage']}; kept the {status.get('file_packets', 0)} packets before it")
    if status.get("cut"):
        said.append(cut_text(status["cut"], status["keep"]))
    return "\n".join(said)


def sync_rows(table: DataTable, rows: dict) -> None:
    """Make `table` show `rows` ({key: cells}, in order), changing only what differs.

    Every cell is shown literally (a str cell would be read as markup: see literal.py).

    Cells are updated in place and rows added or removed by key (not cleared and
    re-added), so the cursor stays on its row and the scroll position holds.
    """
    cursor = row_key_at_cursor(table)
    rows = {key: tuple(literal(cell) for cell in cells) for key, cells in rows.items()}
    for key in [key for key in table.rows if key.value not in rows]:
        table.remove_row(key)
    shown, wanted = [row.key.value for row in table.ordered_rows], list(rows)
    # rows are appended only: from the first place the order differs, they are re-added
    cut = next((i for i, (have, want) in enumerate(zip(shown, wanted)) if have != want), len(shown))
    for key in shown[cut:]:
        table.remove_row(key)
    columns = list(table.columns)
    for key in wanted[:cut]:
        for column, old, new in zip(columns, table.get_row(key), rows[key]):
            if not same_cell(old, new):
                table.update_cell(key, column, new, update_width=cell_len(str(new)) > cell_len(str(old)))
    for key in wanted[cut:]:
        table.add_row(*rows[key], key=key)
    if cursor in rows and table.get_row_index(cursor) != table.cursor_row:
        table.move_cursor(row=table.get_row_index(cursor))


def row_key_at_cursor(table: DataTable) -> str | None:
    return table.ordered_rows[table.cursor_row].key.value if table.row_count else None


def same_cell(old, new) -> bool:
    if isinstance(old, Text) and isinstance(new, Text):     # Text's == ignores its style
        return old.plain == new.plain and old.style == new.style and old.spans == new.spans
    return type(old) is type(new) and old == new


def companion(executor):
    """An executor for some of the dashboard's reads.  Embedded, the same one; attached, a
    connection of its own, since one attached executor holds one exchange at a time and
    a long command on the command line must not stop the counters."""
    name = getattr(executor, "attached", None)
    if name is None:
        return executor
    from netsh.attach import AttachedExecutor
    return AttachedExecutor(name, executor.options, io.StringIO(), io.StringIO(), grammar=executor.grammar)


def run_tokens(executor, tokens: list) -> tuple[str, int]:
    """Execute words and render the result as the shell would; (text, exit status).

    Handlers that write as they go (ping) write to the executor's streams, so
    those point at a buffer while the command runs (callers hold a lock).
    """
    sink = io.StringIO()
    saved = executor.out, executor.err
    executor.out = executor.err = sink
    try:
        ctx, result = executor._execute(tokens)
        write(result, ctx.view, sink)
        return sink.getvalue(), result.status
    except Exception as exc:            # noqa: BLE001 - every failure becomes one line
        known = failure(exc, tokens) or internal_failure(exc)
        return sink.getvalue() + f"Error: {known[0]}", known[1] or EXIT_FAIL
    finally:
        executor.out, executor.err = saved


def run(executor, packets: bool = False) -> int:
    """Open the dashboard on this executor's stack (NO_COLOR is honoured by Textual), on the
    Packets tab with `packets`; returns on quit."""
    Dashboard(executor, initial_tab="packets-tab" if packets else "overview").run()
    return 0
