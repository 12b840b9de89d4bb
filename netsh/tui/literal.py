"""Text from packets, names, files and the user, shown as it is.

Textual reads a plain ``str`` as markup in most places (table cells, tree labels,
border titles, notifications, option prompts), and Rich's markup turns ``:ab:``
into an emoji and ``[bold]`` into a style, while ``[/]`` with nothing to close
raises.  Everything the dashboard did not write itself goes through `literal`,
which makes a `Text`: Textual draws those without parsing them.
"""
from __future__ import annotations

from rich.text import Text


def literal(value, style: str = "") -> Text:
    """`value` (any object; a Text passes through) as a Text that is never parsed."""
    if isinstance(value, Text):
        return value
    return Text(str(value), style=style, end="")
