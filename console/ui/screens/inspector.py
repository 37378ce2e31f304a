"""The event inspector: the wire both ways, live, filterable, with each event's JSON."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from ..widgets.fitted_footer import FittedFooter
from ..wire_log import WireEntry, WireFilter, WireLog

ALL_TYPES = "(all types)"


def size_text(size: int) -> str:
    return f"{size} B" if size < 10_000 else f"{size / 1024:.1f} KiB"


class InspectorScreen(Screen[None]):
    """Shows ``wire`` as it grows (polled at ``rate`` Hz, so a burst costs one table update).

    ``p`` pauses the view (the log keeps recording), ``f`` toggles following the newest event;
    a type and a regex (over the event's JSON) filter what is listed."""

    DEFAULT_CSS = """
    InspectorScreen {
        layout: vertical;
        background: $background;
    }
    #wire-filters { height: 3; }
    #wire-type { width: 46; }
    #wire-regex { width: 1fr; }
    #wire-state {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    #wire-table, #wire-detail-box {
        border: round $primary 40%;
        border-title-color: $rt-system;
        background: $surface;
    }
    #wire-table { height: 3fr; }
    #wire-detail-box { height: 2fr; padding: 0 1; }
    #wire-table:focus {
        border: heavy $primary;
        border-title-color: $background;
        border-title-background: $primary;
        border-title-style: bold;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="inspector_close"),
        Binding("p", "toggle_pause", "Pause", id="inspector_pause"),
        Binding("f", "toggle_follow", "Follow", id="inspector_follow"),
        Binding("slash", "focus_regex", "Regex", id="inspector_regex"),
        Binding("t", "focus_type", "Type", id="inspector_type"),
    ]

    def __init__(
        self,
        wire: WireLog,
        *,
        rate: float = 30.0,
        on_listed: Callable[[list[WireEntry]], None] | None = None,
    ) -> None:
        super().__init__(id="inspector-screen")
        self.wire = wire
        self._rate = rate
        self._on_listed = on_listed
        """Told the entries each poll listed (the UI benchmark times them)."""
        self.paused = False
        self.following = True
        self.filter = WireFilter()
        self._seen = 0
        self._shown: deque[int] = deque()
        self._entries: dict[int, WireEntry] = {}
        self._types: set[str] = set()
        self.table: DataTable[Any] = DataTable(id="wire-table", cursor_type="row")
        self.types = Select[str]([], prompt=ALL_TYPES, id="wire-type", allow_blank=True)
        self.regex = Input(placeholder="regex over the event's JSON", id="wire-regex")
        self.detail = Static("", id="wire-detail", markup=False)
        self.state = Static("", id="wire-state")

    def compose(self) -> ComposeResult:
        with Horizontal(id="wire-filters"):
            yield self.types
            yield self.regex
        yield self.state
        yield self.table
        with VerticalScroll(id="wire-detail-box"):
            yield self.detail
        yield FittedFooter()

    def on_mount(self) -> None:
        self.table.border_title = "Wire"
        self.query_one("#wire-detail-box").border_title = "Event"
        self.table.add_column("time", key="time", width=9)
        self.table.add_column("dir", key="dir", width=4)
        self.table.add_column("type", key="type")
        self.table.add_column("size", key="size", width=9)
        self.refill()
        if self._rate > 0:
            self.set_interval(1.0 / self._rate, self.poll)
        self.table.focus()

    # -- content ---------------------------------------------------------------------------------

    def poll(self) -> None:
        """Take what the log recorded since the last poll (nothing while paused)."""
        if self.paused or self.wire.seq == self._seen:
            self._show_state()
            return
        entries = self.wire.since(self._seen)
        self._seen = self.wire.seq
        self._add(entries)
        if self._on_listed is not None:
            self._on_listed(entries)

    def refill(self) -> None:
        """List every kept event again (after a filter change or on opening)."""
        self.table.clear()
        self._shown.clear()
        self._entries.clear()
        self._seen = self.wire.seq
        self._add(list(self.wire))

    def _add(self, entries: list[WireEntry]) -> None:
        self._offer_types()
        for entry in self.filter.apply(entries):
            arrow = Text("→", style="bold") if entry.direction == "sent" else Text("←")
            self.table.add_row(
                f"{entry.t:8.3f}", arrow, entry.type, Text(size_text(entry.size), justify="right"),
                key=str(entry.seq),
            )
            self._shown.append(entry.seq)
            self._entries[entry.seq] = entry
        # Rows of events the log has dropped go too: the table never outgrows the ring.
        oldest = self.wire.seq - len(self.wire)
        while self._shown and self._shown[0] <= oldest:
            seq = self._shown.popleft()
            self._entries.pop(seq, None)
            self.table.remove_row(str(seq))
        if self.following and self.table.row_count:
            self.table.move_cursor(row=self.table.row_count - 1, animate=False)
        self._show_state()

    def _offer_types(self) -> None:
        if self.wire.types != self._types:
            self._types = set(self.wire.types)
            current = self.types.value
            self.types.set_options((name, name) for name in sorted(self._types))
            if isinstance(current, str) and current in self._types:
                self.types.value = current

    def _show_state(self) -> None:
        behind = self.wire.seq - self._seen
        mode = f"paused ({behind} new)" if self.paused else "live"
        follow = "following" if self.following else "not following"
        shown = f"{self.table.row_count} shown of {len(self.wire)} kept"
        self.state.update(f"{mode} · {follow} · {shown} · p pause · f follow · / regex · t type")

    def selected(self) -> WireEntry | None:
        if not self.table.row_count:
            return None
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value
        return self._entries.get(int(key)) if key is not None else None

    @on(DataTable.RowHighlighted, "#wire-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        entry = self.selected()
        # Text, not markup: the JSON's own brackets and indentation shown as they are.
        self.detail.update(Text(entry.pretty()) if entry is not None else "")

    # -- filters ---------------------------------------------------------------------------------

    def set_filter(self, type: str | None = None, regex: str = "") -> bool:
        """Show only ``type`` (None: all) matching ``regex``; False (and said) for a bad regex."""
        try:
            self.filter = WireFilter.build(type, regex)
        except re.error as exc:
            self.notify(f"regex: {exc}", severity="error", timeout=3)
            return False
        self._offer_types()
        if type is None:
            self.types.clear()
        elif type in self._types:
            self.types.value = type
        self.refill()
        return True

    def _type_value(self) -> str | None:
        value = self.types.value
        return value if isinstance(value, str) else None

    @on(Select.Changed, "#wire-type")
    def _type_changed(self, _event: Select.Changed) -> None:
        if self._type_value() != self.filter.type:
            self.set_filter(self._type_value(), self.regex.value)

    @on(Input.Submitted, "#wire-regex")
    def _regex_submitted(self, _event: Input.Submitted) -> None:
        if self.set_filter(self._type_value(), self.regex.value):
            self.table.focus()

    # -- keys ------------------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.focused is self.regex:
            self.table.focus()
            return
        self.dismiss()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.poll()
        self._show_state()

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        if self.following and self.table.row_count:
            self.table.move_cursor(row=self.table.row_count - 1, animate=False)
        self._show_state()

    def action_focus_regex(self) -> None:
        self.regex.focus()

    def action_focus_type(self) -> None:
        self.types.focus()
