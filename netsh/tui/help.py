"""`?`: every key of the dashboard on one screen, read from the bindings themselves
so the list cannot drift from what the keys do."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

TITLE = "Dashboard keys"
EXTRA = (("ctrl+p", "palette: every command of the shell"),
         ("tab", "next pane"),
         ("ctrl+end", "trace list: back to the newest record"),
         ("?  esc", "close this help"))


def key_name(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return "  ".join({"colon": ":", "slash": "/", "question_mark": "?"}.get(k, k)
                     for k in binding.key.split(","))


def keys_text(*groups: tuple[str, list]) -> str:
    lines = [TITLE, ""]
    for heading, bindings in groups:
        lines.append(heading)
        for b in bindings:
            if isinstance(b, Binding) and b.description:
                lines.append(f"  {key_name(b):<12} {b.description}")
        lines.append("")
    lines.append("Anywhere")
    lines.extend(f"  {key:<12} {text}" for key, text in EXTRA)
    return "\n".join(lines)


class KeysHelp(ModalScreen):
    DEFAULT_CSS = """
    KeysHelp { align: center middle; }
    KeysHelp > VerticalScroll { width: 64; max-width: 100%; height: auto; max-height: 90%;
                                border: round $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.text, markup=False)


class SteadyFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change.

    The stock one rebuilds its keys whenever a screen's bindings are refreshed, as on
    every return from the `?` help, and each rebuild costs the whole screen a layout.
    """

    _shown_keys = None

    def bindings_changed(self, screen) -> None:
        keys = tuple((b.key, b.description, enabled) for _, b, enabled, _ in screen.active_bindings.values()
                     if b.show)
        if keys == self._shown_keys and self._bindings_ready:
            return
        if screen.app.app_focus:             # else the stock footer waits, and so must this record
            self._shown_keys = keys
        super().bindings_changed(screen)
