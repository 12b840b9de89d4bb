"""The dashboard face (Textual): netsh/tui/app.py, fed by netsh/tui/model.py."""
