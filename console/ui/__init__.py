"""The Textual operator console: RtConsoleApp, its panes, themes and config (see app.py)."""
