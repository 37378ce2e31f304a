"""The event inspector: the wire both ways, live, filterable, with each event's JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from console.journal.wire_log import WireEntry, WireFilter, WireLog

from ..widgets.fitted_footer import FittedFooter
from ..widgets.wire_list import WireList

ALL_TYPES = "(all types)"


DETAIL_RATE = 4.0


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
    #wire-table, #wire-detail-box {
        border: round $primary 40%;
        border-title-color: $rt-system;
        border-subtitle-color: $foreground;
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
        self._types: set[str] = set()
        self.table = WireList(capacity=wire.capacity, id="wire-table")
        self.types = Select[str]([], prompt=ALL_TYPES, id="wire-type", allow_blank=True)
        self.regex = Input(placeholder="regex over the event's JSON", id="wire-regex")
        self.detail = Static("", id="wire-detail", markup=False)
        self._shown_entry: WireEntry | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="wire-filters"):
            yield self.types
            yield self.regex
        yield self.table
        with VerticalScroll(id="wire-detail-box"):
            yield self.detail
        yield FittedFooter()

    def on_mount(self) -> None:
        self.table.border_title = "Wire"
        self.query_one("#wire-detail-box").border_title = "Event"
        self.refill()
        if self._rate > 0:
            self.set_interval(1.0 / self._rate, self.poll)
            self.set_interval(1.0 / DETAIL_RATE, self.show_detail)
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
        self._seen = self.wire.seq
        self._add(list(self.wire))

    def _add(self, entries: list[WireEntry]) -> None:
        self._offer_types()
        # The list holds as many rows as the ring: it never outgrows the log.
        self.table.extend(self.filter.apply(entries))
        if self.following and self.table.row_count:
            self.table.cursor = self.table.row_count - 1
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
        # In the border (a refresh), not a widget of its own (a relayout at every poll).
        state = f"{mode} · {follow} · {shown}"
        if self.table.border_subtitle != state:
            self.table.border_subtitle = state

    @on(WireList.Highlighted)
    def _highlighted(self, event: WireList.Highlighted) -> None:
        if not self.following or self.paused:
            self.show_detail()  # the operator moved the cursor: at once

    def show_detail(self) -> None:
        """The selected event's JSON. While following, at most DETAIL_RATE times a second: a
        new text resizes the pane, and that relayout at every poll would cost the frame rate."""
        entry = self.table.selected()
        if entry is self._shown_entry:
            return
        self._shown_entry = entry
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
        self.show_detail()
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
            self.table.cursor = self.table.row_count - 1
        self._show_state()

    def action_focus_regex(self) -> None:
        self.regex.focus()

    def action_focus_type(self) -> None:
        self.types.focus()
