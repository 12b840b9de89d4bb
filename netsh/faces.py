"""Commands that launch a face (the shell, the dashboard, a server, the demo), marked where
they are declared: a served stack refuses them for its clients instead of opening a face in
its own process.  A leaf module: it imports nothing of netsh.
"""
from __future__ import annotations


def launches_face(node):
    """Mark the command hung at `node` (what `grammar.leaf` returns); return the node."""
    node.command.launches_face = True
    return node


def is_face_launcher(command) -> bool:
    return command.launches_face
