"""The packet pane's widgets, termshark's layout: a virtual packet list, the
layer tree of the selected packet, and its bytes with the selected field lit.

The list renders only the rows in view (Textual's line API): it knows how
many packets the ring holds and asks for the rows it shows by number, so a
ring of 100k packets scrolls as fast as one of 100, and a file of a million
as fast as the ring. With a display filter the rows are the filter's: row k is
the k-th packet it keeps (its ordinal), whose packet number the row tells.
"""
from __future__ import annotations

from typing import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Tree

from netsh.inspect import node_text
from netsh.tui.literal import literal

ROW_CACHE = 400              # summary rows kept around the viewport (ten screens)

WIDE = (("No.", 7), ("Time", 12), ("Source", 24), ("Destination", 24), ("Protocol", 9), ("Length", 7))
NARROW = (("No.", 6), ("Time", 10), ("Source", 16), ("Destination", 16), ("Protocol", 8), ("Len", 5))
# tshark -t formats the `t` key steps through, and the Time column each needs
TIME_FORMATS = ("r", "d", "dd", "e", "ad", "ud")
TIME_WIDTH = {"e": 21, "a": 19, "u": 19, "ad": 30, "ud": 30, "adoy": 29, "udoy": 29}


def columns_for(width: int, last_number: int = 0, time_format: str = "r") -> tuple:
    """The list's columns for a pane `width` wide; No. widens to hold `last_number` whole,
    Time to hold a time of `time_format`."""
    base = WIDE if width >= 110 else NARROW
    if time_format in TIME_WIDTH:
        base = (base[0], ("Time", TIME_WIDTH[time_format])) + base[2:]
    digits = len(str(last_number)) + 1
    if digits <= base[0][1]:
        return base
    return (("No.", digits),) + base[1:]


def time_cell(seconds: float, size: int) -> str:
    """Seconds since the first packet, with as many decimals (up to 6) as `size` - 1 leaves room for."""
    for decimals in (6, 3, 0):
        text = f"{seconds:.{decimals}f}"
        if len(text) < size:
            return text
    return text


def row_text(row: dict, width: int = 120, last_number: int = 0, time_format: str = "r") -> str:
    columns = columns_for(width, last_number, time_format)
    when = time_cell(row["time"], columns[1][1]) if time_format == "r" else row.get("time_text", "")
    cells = (str(row["number"]), when, row["source"], row["destination"],
             row["protocol"], str(row["length"]))
    text = "".join(cell[:size - 1].ljust(size) for cell, (_, size) in zip(cells, columns))
    return text + row["info"]


def header_text(width: int = 120, last_number: int = 0, time_format: str = "r") -> str:
    return "".join(name[:size - 1].ljust(size)
                   for name, size in columns_for(width, last_number, time_format)) + "Info"


class PacketList(ScrollView, can_focus=True):
    """Rows first_number..last_number of the capture ring (or of a display filter's packets:
    `filtered`, the numbers are its ordinals); only the visible ones are fetched."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-20)", "PgUp", show=False),
        Binding("pagedown", "move(20)", "PgDn", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "follow", "Follow (End)"),
    ]

    following = reactive(True)
    selected: reactive[int | None] = reactive(None)      # a packet number

    class Selected(Message):
        def __init__(self, number: int):
            super().__init__()
            self.number = number

    def __init__(self, fetch: Callable[[int, int], list], **kw):
        super().__init__(**kw)
        self.fetch = fetch           # (first number, count) -> summary rows; called off the UI thread
        self.first_number = 1
        self.total = 0
        self.rows: dict[int, dict] = {}
        self.filtered = False        # rows are a display filter's, by ordinal
        self.time_format = "r"
        self.last_packet = 0         # the highest packet number (the No. column's width)
        self.stale: set = set()      # rows shown until fetched again (forget_pending)

    def number_at(self, ordinal: int | None) -> int | None:
        """The packet number of row `ordinal` (None while a filtered row is not fetched)."""
        if ordinal is None or not self.filtered:
            return ordinal
        row = self.rows.get(ordinal)
        return row["number"] if row else None

    def set_view(self, filtered: bool, time_format: str) -> None:
        """Rows of another kind (filtered or not) or times of another format: fetched again."""
        if filtered != self.filtered:
            self.following = True
            self.first_number, self.total, self.selected = 1, 0, None
        self.filtered, self.time_format = filtered, time_format
        self.rows = {}
        self.refresh()

    @property
    def visible_lines(self) -> int:
        """Lines on screen, the header included (scrollbars take theirs)."""
        return max(self.scrollable_content_region.height, 1)

    # --- data -----------------------------------------------------------------------
    def set_ring(self, first_number: int | None, total: int, restarted: bool = False) -> None:
        """The ring moved on: new bounds; follow the newest packet unless frozen.  `restarted`:
        a new capture, whose packet numbers start again at 1 (the rows known are not its)."""
        first_number = first_number or 1
        dropped = first_number - self.first_number     # how many the ring pushed out since
        if restarted:
            self.rows = {}
        elif dropped or total < self.total:
            self.rows = {n: r for n, r in self.rows.items() if n >= first_number}
        top, selected = self.view_after(first_number, total)
        self.first_number, self.total = first_number, total
        self.virtual_size = Size(self.scrollable_content_region.width, total + 1)
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False)
        if selected != self.selected:
            self.selected = selected
        self.refresh()

    def view_after(self, first_number: int, total: int) -> tuple[int, int | None]:
        """(top row index, selected number) once the ring holds `total` packets from `first_number`:
        following, the newest at the bottom and selected; frozen, the same packets in view."""
        first_number = first_number or 1
        if self.following and total:
            return max(total + 1 - self.visible_lines, 0), first_number + total - 1
        # rows are drawn by index, so keep the same packet numbers in view
        return max(int(self.scroll_offset.y) - max(first_number - self.first_number, 0), 0), self.selected

    def wanted(self, bounds: tuple[int | None, int] | None = None) -> tuple[int, int] | None:
        """The first number and count of visible rows not fetched yet (None when all are here),
        now or, given the ring's next (first number, total), once `set_ring` has taken them."""
        if bounds is None:
            first_number, total, top = self.first_number, self.total, int(self.scroll_offset.y)
        else:
            top = self.view_after(*bounds)[0]
            first_number, total = bounds[0] or 1, bounds[1]
        first = first_number + top
        count = min(self.visible_lines, total - top)
        missing = [n for n in range(first, first + max(count, 0)) if n not in self.rows or n in self.stale]
        if not missing:
            return None
        return missing[0], missing[-1] - missing[0] + 1

    def forget_pending(self, analysed: int) -> None:
        """Rows that came ahead of a file's conversation analysis, which has reached them since:
        fetched again, with it (netsh/capsource.py: a far jump is analysed behind)."""
        self.stale = {key for key, row in self.rows.items()
                      if row.get("analysis_pending") and row["number"] <= analysed}

    def add_rows(self, rows: list) -> None:
        for row in rows:
            self.rows[row.get("ordinal", row["number"])] = row
            self.last_packet = max(self.last_packet, row["number"])
        if self.filtered and self.selected is not None and any(row.get("ordinal") == self.selected for row in rows):
            self.post_message(self.Selected(self.number_at(self.selected)))    # its number is known now
        if len(self.rows) > ROW_CACHE:
            centre = self.first_number + int(self.scroll_offset.y)
            for n in sorted(self.rows, key=lambda n: abs(n - centre))[ROW_CACHE:]:
                del self.rows[n]
        self.refresh()

    # --- drawing ----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        last = max(self.first_number + self.total - 1, self.last_packet)
        if y == 0:
            return Strip([Segment(header_text(width, last, self.time_format)[:width].ljust(width),
                                  Style(bold=True, reverse=True))])
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            return Strip.blank(width, Style())     # as a row's: NO_COLOR's filter needs a style
        number = self.first_number + index
        row = self.rows.get(number)
        if row:
            text = row_text(row, width, last, self.time_format)
        else:
            text = f"{'' if self.filtered else number:<{columns_for(width, last)[0][1]}}…"
        style = Style(reverse=True) if number == self.selected else Style()
        if row and row.get("problems"):
            style += Style(color="red")
        if row and row.get("analysis_pending"):      # raw Seq/Ack until the analysis comes to it
            style += Style(dim=True)
        return Strip([Segment(text[:width].ljust(width), style)])

    def watch_selected(self, old, new) -> None:
        number = self.number_at(new)
        if number is not None:
            self.post_message(self.Selected(number))
        self.refresh()

    # --- keys -----------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        if not self.total:
            return
        self.following = False
        current = self.selected if self.selected is not None else self.first_number
        last = self.first_number + self.total - 1
        self.selected = min(max(current + step, self.first_number), last)
        self._keep_in_view()

    def action_first(self) -> None:
        self.following = False
        if self.total:
            self.selected = self.first_number
            self._keep_in_view()

    def action_follow(self) -> None:
        self.following = True
        self.set_ring(self.first_number, self.total)

    def _keep_in_view(self) -> None:
        index = self.selected - self.first_number
        top = int(self.scroll_offset.y)
        rows = max(self.visible_lines - 1, 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False)

    def on_click(self, event) -> None:
        cell = event.get_content_offset(self)      # below the pane's top border; row 0 is the header
        index = -1 if cell is None else int(self.scroll_offset.y) + cell.y - 1
        if 0 <= index < self.total:
            self.following = False
            self.selected = self.first_number + index


class LayerTree(Tree):
    """The selected packet's layers; highlighting a field tells the hex view its bytes."""

    class FieldChosen(Message):
        def __init__(self, offset: int, length: int):
            super().__init__()
            self.offset, self.length = offset, length

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.show_root = False          # its label is the pane's title: a row saved for the fields
        self._shown: list = []          # the tree's nodes in order, and their shape
        self._shape: list = []

    def show_packet(self, row: dict | None) -> None:
        """Show row's layers.  A packet shaped like the one shown (the same fields at the same
        depths: the usual case while following a flood) only relabels the nodes in place, which
        keeps what the user expanded and spares the screen a layout pass."""
        title = f"Frame {row['number']}: {row['length']} bytes" if row else "no packet selected"
        self.border_title = title           # the root is not drawn: the title says what it would
        entries = [] if row is None else list(self._entries(row.get("layers", ()), 0))
        shape = [(depth, branch) for depth, branch, _, _ in entries]
        if row is not None and shape == self._shape:
            self.root.set_label(title)
            for node, (_, _, label, data) in zip(self._shown, entries):
                node.data = data
                if node.label.plain != label.plain:
                    node.set_label(label)
            return
        self.clear()
        self.root.set_label(title)
        self._shown, self._shape = [], shape
        parents = [self.root]
        for depth, branch, label, data in entries:
            del parents[depth + 1:]
            if branch:
                node = parents[depth].add(label, data=data, expand=depth == 0)
                parents.append(node)
            else:
                node = parents[depth].add_leaf(label, data=data)
            self._shown.append(node)
        self.root.expand()

    def _entries(self, nodes, depth: int):
        """(depth, has children, label, (offset, length)) for each node, depth first."""
        for node in nodes:
            if node.get("hidden"):          # tshark keeps it for filters, out of its tree
                continue
            label = literal(node_text(node, depth))
            if node.get("problem"):
                label.append(f"  [{node['problem']}]", style="red")
            children = node.get("fields")
            yield depth, bool(children), label, (node.get("offset", 0), node.get("length", 0))
            if children:
                yield from self._entries(children, depth + 1)

    def process_label(self, label) -> Text:
        """Labels come from packets: shown as they are, never read as markup."""
        return super().process_label(literal(label))

    def select_offset(self, offset: int) -> None:
        """Move the cursor to the innermost field covering byte `offset` (a click in the hex view)."""
        best = None
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data and node.data[1] and node.data[0] <= offset < node.data[0] + node.data[1]:
                if best is None or node.data[1] <= best.data[1]:
                    best = node
            stack.extend(node.children)
        if best is None:
            return
        parent = best.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self._move_to, best)

    def _move_to(self, node) -> None:
        self.move_cursor(node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data:
            self.post_message(self.FieldChosen(*event.node.data))


class HexView(ScrollView, can_focus=True):
    """tshark -x's layout; the chosen field's bytes are lit (and scrolled into view); a click on
    a byte picks its field.  Drawn a line at a time, so a 64 KiB packet costs what is on screen."""

    BYTES_PER_LINE = 16

    class ByteClicked(Message):
        def __init__(self, offset: int):
            super().__init__()
            self.offset = offset

    def __init__(self, **kw):
        super().__init__(**kw)
        self.data = b""
        self.span = (0, 0)

    @property
    def line_count(self) -> int:
        return (len(self.data) + self.BYTES_PER_LINE - 1) // self.BYTES_PER_LINE

    def show_bytes(self, data: bytes, span: tuple[int, int] = (0, 0)) -> None:
        self.data, self.span = data, span
        self.virtual_size = Size(72, self.line_count)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def light(self, offset: int, length: int) -> None:
        self.span = (offset, length)
        line, top = offset // self.BYTES_PER_LINE, int(self.scroll_offset.y)
        if not top <= line < top + self.scrollable_content_region.height:     # the lit bytes in view
            self.scroll_to(y=line, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = int(self.scroll_offset.y) + y
        if line >= self.line_count:
            return Strip.blank(width, Style())     # NO_COLOR's filter needs a style
        line_off = line * self.BYTES_PER_LINE
        chunk = self.data[line_off:line_off + self.BYTES_PER_LINE]
        start, length = self.span
        plain, lit = Style(), Style(reverse=True, bold=True)

        def style(i: int) -> Style:
            return lit if start <= line_off + i < start + length else plain

        segments = [Segment(f"{line_off:04x}  ", plain)]
        for i, byte in enumerate(chunk):
            segments += [Segment(f"{byte:02x}", style(i)), Segment(" ", plain)]
        segments.append(Segment("   " * (self.BYTES_PER_LINE - len(chunk)) + "  ", plain))
        segments += [Segment(chr(byte) if 32 <= byte < 127 else ".", style(i)) for i, byte in enumerate(chunk)]
        return Strip(segments).adjust_cell_length(width, plain)

    def offset_at(self, x: int, y: int) -> int | None:
        """The byte under cell (x, y) of the pane: hex columns 6.., ASCII columns 56.."""
        line_off = (int(self.scroll_offset.y) + y) * self.BYTES_PER_LINE
        if 6 <= x < 6 + 16 * 3:
            index = (x - 6) // 3
        elif 56 <= x < 72:
            index = x - 56
        else:
            return None
        offset = line_off + index
        return offset if offset < len(self.data) else None

    def on_click(self, event) -> None:
        cell = event.get_content_offset(self)      # below the pane's top border
        offset = None if cell is None else self.offset_at(cell.x, cell.y)
        if offset is not None:
            self.post_message(self.ByteClicked(offset))
