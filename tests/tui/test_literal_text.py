"""Text from packets, link names, files and the user is shown as it is, in every table and
pane: Rich markup (`[bold]`, `[/]`) and emoji codes (`:ab:` is 🆎, `:cd:` is 💿) never act.

The screen is read back as the terminal would show it (the compositor's lines), so a name
eaten by markup, an emoji, or a `[/]` that breaks rendering fails the test.
"""
import asyncio
import io
import struct

import pytest

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from netsh.tui.app import Dashboard
from stack.capfile.pcap import PcapWriter
from stack.runtime import Runtime
from stack.wire.ethernet import ETH_P_IP
from stack.wire.ipv4 import addr_from_str
from tests.checker import ethernet, ipv4, udp

LINK_A = "[bold]:ab:"               # link names may hold brackets and colons (not '/')
LINK_B = ":cd:[i]x"
MAC = "02:ab:cd:00:00:09"
DNS_LABELS = (b"[/]", b":ab:", b"[bold]")      # the query name [/].:ab:.[bold]
EMOJI = ("🆎", "💿")
PROTO_UDP = 17


def screen_text(app) -> str:
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


def dns_query_frame() -> bytes:
    qname = b"".join(bytes([len(label)]) + label for label in DNS_LABELS) + b"\0"
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    src, dst = addr_from_str("192.0.2.7"), addr_from_str("192.0.2.8")
    return ethernet(bytes.fromhex("02abcd000001"), bytes.fromhex("02abcd000002"), ETH_P_IP,
                    ipv4(src, dst, PROTO_UDP, udp(40000, 53, dns, src, dst)))


@pytest.fixture
def executor():
    runtime = Runtime().start()
    ex = Executor(runtime, Options(), out=io.StringIO(), err=io.StringIO(), grammar=GRAMMAR)
    assert ex.run_line(f"link add {LINK_A} type pair peer {LINK_B}") == 0
    for name in (LINK_A, LINK_B):       # a quiet wire: no DAD, MLD or router solicitations traced
        runtime.call(lambda stack, dev: stack.api.inet6_conf(dev, disable_ipv6=True), name)
    for line in (f"addr add 192.0.2.1/24 dev {LINK_A}",
                 f"link set {LINK_A} up", f"link set {LINK_B} up",
                 f"neigh add 192.0.2.9 lladdr {MAC} dev {LINK_A}",
                 # a traced echo, dropped as a martian: the trace list and path name LINK_A
                 f"trace add dev {LINK_A} count 5", f"addr add 192.0.2.2/24 dev {LINK_B}"):
        assert ex.run_line(line) == 0, line
    ex.run_line(f"ping -c 1 -W 0.2 -I {LINK_B} 192.0.2.1")      # no answer: it fails, as it should
    yield ex
    runtime.stop()


async def settle(pilot, until, timeout=15.0):
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if until():
            return True
    return False


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def assert_literal(text: str, *wanted: str) -> None:
    for word in wanted:
        assert word in text, f"{word!r} not shown as it is in:\n{text}"
    for emoji in EMOJI:
        assert emoji not in text, f"an emoji in:\n{text}"


def table_cells(table) -> list[str]:
    return [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]


def test_markup_and_emoji_codes_show_literally_in_every_table_and_pane(executor, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # a short path to type
    (tmp_path / "[" / "]").mkdir(parents=True)
    pcap = f"[/]/{LINK_A}.pcap"                # the path holds [/] as well
    with open(tmp_path / pcap, "wb") as f:
        PcapWriter(f).write((1.5, dns_query_frame()))
    app = Dashboard(executor, refresh=0.05)

    async def body(pilot):
        from textual.widgets import DataTable, Select
        links = app.query_one("#links", DataTable)
        assert await settle(pilot, lambda: links.row_count == 3)
        assert {LINK_A, LINK_B} <= set(table_cells(links))
        assert_literal(screen_text(app), LINK_A, LINK_B)
        counters = app.query_one("#counters", DataTable)
        assert counters.row_count > 0

        await pilot.press("3")
        neigh = app.query_one("#neigh", DataTable)
        assert await settle(pilot, lambda: neigh.row_count >= 1)
        assert ["192.0.2.9", LINK_A, MAC] in [[str(c) for c in neigh.get_row_at(i)[:3]] for i in range(neigh.row_count)]
        assert_literal(screen_text(app), LINK_A, MAC)

        await pilot.press("4")
        assert_literal(screen_text(app), LINK_A, LINK_B, "192.0.2.1/24")

        await pilot.press("5")
        records = app.query_one("#trace-list", DataTable)
        assert await settle(pilot, lambda: records.row_count >= 1 and app.trace_shown is not None)
        assert_literal(screen_text(app), f"received on {LINK_A}", f"source 192.0.2.2 is our own address (on {LINK_B})")
        assert LINK_A in table_cells(records)

        await pilot.press("7")                       # the Routes tab: link names in the dev column
        routes = app.query_one("#route-list", DataTable)
        assert await settle(pilot, lambda: LINK_A in table_cells(routes) and LINK_B in table_cells(routes))
        assert_literal(screen_text(app), LINK_A, LINK_B, "192.0.2.0/24")

        # a file whose path holds [bold], :ab: and [/], opened with `o`: its DNS name and MACs too
        await pilot.press("o")
        await type_text(pilot, str(pcap))
        await pilot.press("enter")
        packets = app.packet_list
        assert await settle(pilot, lambda: 1 in packets.rows and app.detail is not None)
        assert await settle(pilot, lambda: any(str(pcap) in str(n.message) for n in app._notifications))
        tree = app.query_one("#tree")
        tree.focus()
        assert_literal(screen_text(app), "Source: 02:ab:cd:00:00:02", "A [/].:ab:.[bo", "[/].:ab:.")
        tree.select_offset(14 + 20 + 8 + 12)       # the DNS query name: its node comes into view
        assert await settle(pilot, lambda: "Name: [/].:ab:.[bold]" in screen_text(app))
        assert_literal(screen_text(app), "Name: [/].:ab:.[bold]")
        assert any("[/].:ab:.[bold]" in line.plain for line in (n.label for n in all_nodes(tree.root)))

        # the capture's link chooser and title, with a filter holding a [tag]
        choice = app.query_one("#capture-dev", Select)
        choice.focus()
        await pilot.press("enter")                  # the chooser opens: every link by name
        await pilot.pause(0.2)
        assert choice.expanded
        assert_literal(screen_text(app), f"\n{LINK_A} ", f"\n{LINK_B} ")     # the options, one a line
        await pilot.press("escape")
        choice.value = LINK_A
        bpf = "tcp[tcpflags] & tcp-syn != 0"
        app.query_one("#filter").value = bpf
        app.query_one("#filter").focus()
        await pilot.press("enter")
        assert await settle(pilot, lambda: app.capture_running)
        await pilot.pause(0.2)
        assert_literal(screen_text(app), f"capturing on {LINK_A}", f"filter {bpf}", f"{LINK_A} ")

        # the user's own text on the command line, and completions of link names
        await pilot.press("colon")
        await type_text(pilot, "link show dev [/]")
        await pilot.press("enter")
        await type_text(pilot, "link show dev ")
        await pilot.press("tab")
        log = app.query_one("#output")
        assert await settle(pilot, lambda: any(LINK_B in str(line.text) for line in log.lines))
        assert_literal(screen_text(app), '"[/]"', "> link show dev [/]", LINK_A, LINK_B)
        assert app.is_running
    run(app, body)


def all_nodes(node):
    yield node
    for child in node.children:
        yield from all_nodes(child)


def run(app, body, size=(120, 40)):
    async def go():
        async with app.run_test(size=size) as pilot:
            await body(pilot)
    asyncio.run(go())
