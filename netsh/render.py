"""Results, then rendering (DESIGN principle 8).

Handlers return a `Result`: a kind and plain data with iproute2's key names.
Command modules register, per kind, how each face shows it: ``text``
(iproute2's layout), ``brief`` (``-br`` tables) and, where the JSON document
differs from the data (``ip -j link`` leaves out addr_info), ``json``.  A kind
without a brief renderer falls back to text; without a json one, the data is
dumped as it is.  A renderer returns the text to write ("" for nothing), or
None to stay silent in that face (ping's reply lines under -j).

A result may be *streamed*: its `rows` (an iterator) are rendered one at a time
as they come, by the kind's row renderer (``@row_renderer``), so a listing of a
hundred thousand dissected packets never exists whole, as text or as data, in
the face or in a served stack; under ``-j`` the rows make one JSON array, the
same document a whole list would have made.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TextIO

from netsh.options import Options


@dataclass
class Result:
    kind: str
    data: Any = None
    status: int = 0
    rows: Iterable[Any] | None = None   # streamed: rendered one by one; `data` is what they share

    def collected(self) -> "Result":
        """The result whole, its rows listed under data["rows"] (for faces that draw it)."""
        if self.rows is None:
            return self
        return Result(self.kind, {**(self.data or {}), "rows": list(self.rows)}, self.status)


Renderer = Callable[[Any, "View"], Any]
FACES = ("text", "brief", "json")
_REGISTRY: dict[tuple[str, str], Renderer] = {}


def _registrar(registry: dict, kind: str, face: str):
    if face not in FACES:
        raise ValueError(f"unknown face {face!r}")

    def register(fn):
        registry[(kind, face)] = fn
        return fn
    return register


def renderer(kind: str, face: str = "text"):
    """Decorator: register `fn(data, view)` as how `face` shows results of `kind`."""
    return _registrar(_REGISTRY, kind, face)


def lookup(kind: str, face: str) -> Renderer | None:
    return _REGISTRY.get((kind, face))


RowRenderer = Callable[[Any, Any, "View", int], Any]
_ROW_REGISTRY: dict[tuple[str, str], RowRenderer] = {}


def row_renderer(kind: str, face: str = "text"):
    """Decorator: register `fn(row, data, view, index)` as how `face` shows one row of a
    streamed result of `kind` (text: the row's lines; json: the row's JSON value)."""
    return _registrar(_ROW_REGISTRY, kind, face)


# --- colour, as iproute2 paints it (lib/color.c) ------------------------------------

# attribute -> (light background, dark background) SGR codes
PALETTE = {
    "ifname": ("36", "1;36"),
    "mac": ("33", "1;33"),
    "inet": ("35", "1;35"),
    "inet6": ("34", "1;34"),
    "up": ("32", "1;32"),
    "down": ("31", "1;31"),
}


def dark_background(environ) -> bool:
    """COLORFGBG's last field 0-6 or 8 means a dark background (iproute2's heuristic)."""
    last = environ.get("COLORFGBG", "").rpartition(";")[2]
    return ";" in environ.get("COLORFGBG", "") and last in ("0", "1", "2", "3", "4", "5", "6", "8")


class Painter:
    """Wraps text in colour codes when enabled; identity otherwise."""

    def __init__(self, enabled: bool, dark: bool = False):
        self.enabled = enabled
        self.dark = dark

    def paint(self, attr: str | None, text: str) -> str:
        if not self.enabled or attr not in PALETTE:
            return text
        return f"\x1b[{PALETTE[attr][self.dark]}m{text}\x1b[0m"

    def ifname(self, text: str) -> str:
        return self.paint("ifname", text)

    def mac(self, text: str) -> str:
        return self.paint("mac", text)

    def inet(self, text: str, family: str = "inet") -> str:
        return self.paint("inet6" if family == "inet6" else "inet", text)

    def state(self, state: str, text: str | None = None) -> str:
        attr = {"UP": "up", "DOWN": "down"}.get(state)
        return self.paint(attr, state if text is None else text)


@dataclass
class View:
    """What a renderer may look at besides the data."""

    options: Options = field(default_factory=Options)
    paint: Painter = field(default_factory=lambda: Painter(False))


# --- rendering ----------------------------------------------------------------------

def records(stanzas: Iterable[list[str]], view: View) -> str:
    """Records of several lines each; with -o each on one line, "\\" where a break was
    (iproute2's _SL_)."""
    joiner = "\\" if view.options.oneline else "\n"
    return "\n".join(joiner.join(lines) for lines in stanzas)


def face_of(options: Options) -> str:
    if options.json:
        return "json"
    return "brief" if options.brief else "text"


def render(result: Result, view: View) -> str | None:
    """The text `result` shows as under the view's options (None: nothing at all)."""
    face = face_of(view.options)
    if face == "json":
        fn = lookup(result.kind, "json")
        data = fn(result.data, view) if fn else result.data
        return None if data is None else dump_json(data, view.options.pretty)
    fn = lookup(result.kind, face) or lookup(result.kind, "text") or default_text
    return fn(result.data, view)


def write(result: Result, view: View, out: TextIO) -> None:
    if result.rows is not None:
        writer = RowWriter(result.kind, result.data, view, out)
        try:
            writer.write(result.rows)
        finally:
            writer.close()
        return
    text = render(result, view)
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()


class RowWriter:
    """A streamed result written as its rows come: text row by row, JSON as one array
    (byte for byte what `dump_json` makes of the whole list)."""

    def __init__(self, kind: str, data: Any, view: View, out: TextIO):
        self.face = face_of(view.options)
        if self.face == "json":
            self.fn = _ROW_REGISTRY.get((kind, "json"))
        else:
            self.fn = (_ROW_REGISTRY.get((kind, self.face)) or _ROW_REGISTRY.get((kind, "text"))
                       or (lambda row, data, view, index: default_text(row, view)))
        self.data = data
        self.view = view
        self.out = out
        self.count = 0
        self.closed = False

    def write(self, rows: Iterable[Any]) -> None:
        out, view, data = self.out, self.view, self.data
        for row in rows:
            if self.face == "json":
                value = self.fn(row, data, view, self.count) if self.fn else row
                if view.options.pretty:
                    out.write(("[ " if not self.count else ",") + ip_pretty(value, 1))
                else:
                    out.write(("[" if not self.count else ",") +
                              json.dumps(value, separators=(",", ":")))
            else:
                text = self.fn(row, data, view, self.count)
                if text is not None:
                    out.write(text if text.endswith("\n") else text + "\n")
            self.count += 1
        out.flush()

    def close(self) -> None:
        """End the document (JSON's closing bracket); once."""
        if self.closed:
            return
        self.closed = True
        if self.face == "json":
            if not self.count:
                self.out.write("[ ]\n" if self.view.options.pretty else "[]\n")
            else:
                self.out.write(" ]\n" if self.view.options.pretty else "]\n")
        self.out.flush()


def ip_pretty(value: Any, depth: int = 0) -> str:
    """JSON as iproute2's json_writer pretty-prints it: an object's members one a line,
    four spaces a level; arrays inline between "[ " and " ]"."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = "    " * (depth + 1)
        members = ",".join(f"\n{pad}{json.dumps(str(k), ensure_ascii=False)}: "
                           f"{ip_pretty(v, depth + 1)}" for k, v in value.items())
        return "{" + members + "\n" + "    " * depth + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[ ]"
        return "[ " + ",".join(ip_pretty(item, depth + 1) for item in value) + " ]"
    return json.dumps(value, ensure_ascii=False)


def dump_json(data: Any, pretty: bool) -> str:
    if pretty:
        return ip_pretty(data) + "\n"
    return json.dumps(data, separators=(",", ":")) + "\n"


def default_text(data: Any, view: View) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, (list, tuple)):
        return "\n".join(str(item) for item in data)
    return dump_json(data, True)


@renderer("text")
def text_lines(data, view: View) -> str:
    """Plain text results (help, completion scripts)."""
    return data if isinstance(data, str) else "\n".join(data)


@renderer("text", "json")
def text_json(data, view: View):
    return {"text": data if isinstance(data, str) else "\n".join(data)}


# --- shared layouts -------------------------------------------------------------------

def size_columns(cols: list[int], *values: int) -> None:
    """Widen each column to fit its value (iproute2's size_columns)."""
    for i, value in enumerate(values):
        cols[i] = max(cols[i], len(str(value)))


def _num(width: int, value: int) -> str:
    return f"{value:>{width}} "


def stats64_lines(stats: dict, level: int) -> list[str]:
    """``ip -s link``'s RX/TX block (ip/ipaddress.c print_stats64); level 2 adds error rows."""
    rx, tx = stats.get("rx", {}), stats.get("tx", {})

    def r(key: str) -> int:
        return rx.get(key, 0)

    def t(key: str) -> int:
        return tx.get(key, 0)

    cols = [len("*X errors:"), len("packets"), len("errors"), len("dropped"),
            len("heartbt"), len("overrun"), len("compressed"), len("otherhost")]
    size_columns(cols, r("bytes"), r("packets"), r("errors"), r("dropped"),
                 r("missed_errors"), r("multicast"), r("compressed"))
    size_columns(cols, t("bytes"), t("packets"), t("errors"), t("dropped"),
                 t("carrier_errors"), t("collisions"), t("compressed"))
    if level > 1:
        size_columns(cols, 0, r("length_errors"), r("crc_errors"), r("frame_errors"),
                     r("fifo_errors"), r("over_errors"), r("nohandler"), r("otherhost"))
        size_columns(cols, 0, t("aborted_errors"), t("fifo_errors"), t("window_errors"),
                     t("heartbeat_errors"), t("carrier_changes"))
    c = cols
    lines = []

    def header(direction: str, c4: str, c5: str, compressed: int) -> str:
        return (f"    {direction}: {'bytes':>{c[0] - 4}} {'packets':>{c[1]}} {'errors':>{c[2]}} "
                f"{'dropped':>{c[3]}} {c4:>{c[4]}} {c5:>{c[5]}} "
                f"{'compressed' if compressed else '':>{c[6]}}")

    def values(side, keys, compressed_key) -> str:
        text = "    " + "".join(_num(c[i], side(k)) for i, k in enumerate(keys))
        return text + (_num(c[6], side(compressed_key)) if side(compressed_key) else "")

    lines.append(header("RX", "missed", "mcast", r("compressed")))
    lines.append(values(r, ("bytes", "packets", "errors", "dropped", "missed_errors", "multicast"),
                        "compressed"))
    if level > 1:
        extra = ""
        extra += f"{' nohandler':>{c[6] + 1}}" if r("nohandler") else ""
        extra += f"{' otherhost':>{c[7] + 1}}" if r("otherhost") else ""
        lines.append(f"    RX errors:{'':>{c[0] - 10}} {'length':>{c[1]}} {'crc':>{c[2]}} "
                     f"{'frame':>{c[3]}} {'fifo':>{c[4]}} {'overrun':>{c[5]}}{extra}")
        text = " " * (c[0] + 5) + "".join(
            _num(c[i + 1], r(k)) for i, k in enumerate(
                ("length_errors", "crc_errors", "frame_errors", "fifo_errors", "over_errors")))
        text += _num(c[6], r("nohandler")) if r("nohandler") else ""
        text += _num(c[7], r("otherhost")) if r("otherhost") else ""
        lines.append(text)
    lines.append(header("TX", "carrier", "collsns", t("compressed")))
    lines.append(values(t, ("bytes", "packets", "errors", "dropped", "carrier_errors", "collisions"),
                        "compressed"))
    if level > 1:
        has_changes = "carrier_changes" in tx
        lines.append(f"    TX errors:{'':>{c[0] - 10}} {'aborted':>{c[1]}} {'fifo':>{c[2]}} "
                     f"{'window':>{c[3]}} {'heartbt':>{c[4]}} "
                     f"{'transns' if has_changes else '':>{c[5]}}")
        text = " " * (c[0] + 5) + "".join(
            _num(c[i + 1], t(k)) for i, k in enumerate(
                ("aborted_errors", "fifo_errors", "window_errors", "heartbeat_errors")))
        text += _num(c[5], t("carrier_changes")) if has_changes else ""
        lines.append(text)
    return lines


# iproute2's -s JSON keys per level (ip/ipaddress.c print_stats64, JSON branch)
STATS64_KEYS = {
    1: {"rx": ("bytes", "packets", "errors", "dropped", "over_errors", "multicast", "compressed"),
        "tx": ("bytes", "packets", "errors", "dropped", "carrier_errors", "collisions", "compressed")},
    2: {"rx": ("length_errors", "crc_errors", "frame_errors", "fifo_errors", "missed_errors",
               "nohandler", "otherhost"),
        "tx": ("aborted_errors", "fifo_errors", "window_errors", "heartbeat_errors",
               "carrier_changes")},
}
_SKIP_ZERO = {"compressed", "nohandler", "otherhost"}     # printed only when non-zero


def stats64_json(stats: dict, level: int) -> dict:
    out: dict[str, dict] = {}
    for direction in ("rx", "tx"):
        side = stats.get(direction, {})
        keys = [k for lvl in range(1, min(level, 2) + 1) for k in STATS64_KEYS[lvl][direction]]
        out[direction] = {k: side.get(k, 0) for k in keys
                          if k in side and not (k in _SKIP_ZERO and not side[k])}
    return out
