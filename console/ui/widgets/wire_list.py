"""WireList: the inspector's rows (time, direction, type, size): a Line API view, cheap to grow."""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.journal.wire_log import WireEntry

from .growth import grow_rows

TYPE_WIDTH = 44


def size_text(size: int) -> str:
    return f"{size} B" if size < 10_000 else f"{size / 1024:.1f} KiB"


def row_text(entry: WireEntry) -> str:
    arrow = "→" if entry.direction == "sent" else "←"
    kind = entry.type if len(entry.type) <= TYPE_WIDTH else entry.type[: TYPE_WIDTH - 1] + "…"
    return f"{entry.t:9.3f}  {arrow}  {kind:<{TYPE_WIDTH}} {size_text(entry.size):>10}"


HEADER = f"{'time':>9}  {'':1}  {'type':<{TYPE_WIDTH}} {'size':>10}"
"""Column titles over ``row_text``'s columns (the arrow column is the direction)."""


class WireList(ScrollView, can_focus=True):
    """Rows appended in bursts cost a string each and one size update, whatever the count (a
    DataTable re-measures its columns per row, too slow at 150 events a second). Up/down move
    the cursor; ``Highlighted`` says which entry it is on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"wire-list--cursor", "wire-list--header"}
    DEFAULT_CSS = """
    WireList > .wire-list--header { color: $foreground; text-style: bold; }
    WireList > .wire-list--cursor { color: $background; background: $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-20)", "Page up", show=False),
        Binding("pagedown", "cursor(20)", "Page down", show=False),
        Binding("home", "cursor(-1000000)", "First", show=False),
        Binding("end", "cursor(1000000)", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved onto ``entry`` (None: the list is empty)."""

        def __init__(self, entry: WireEntry | None) -> None:
            super().__init__()
            self.entry = entry

    cursor: reactive[int] = reactive(-1, init=False)

    def __init__(self, *, capacity: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: deque[WireEntry] = deque(maxlen=capacity)
        self._rows: deque[str] = deque(maxlen=capacity)
        self._frame: tuple[int, Style, Style, Style] | None = None
        """(width, base, header and cursor styles) while a frame is drawn (see render_lines)."""

    @property
    def row_count(self) -> int:
        return len(self.entries)

    def clear(self) -> None:
        self.entries.clear()
        self._rows.clear()
        self.cursor = -1
        self._resize()

    def extend(self, entries: list[WireEntry]) -> None:
        """Append rows; past the capacity the oldest go (the cursor stays on its entry)."""
        dropped = max(0, len(self.entries) + len(entries) - (self.entries.maxlen or 0))
        self.entries.extend(entries)
        self._rows.extend(row_text(entry) for entry in entries)
        if self.cursor >= 0 and dropped:
            self.set_reactive(WireList.cursor, max(0, self.cursor - dropped))
        self._resize()

    def selected(self) -> WireEntry | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    def _resize(self) -> None:
        grow_rows(self, Size(len(HEADER) + 2, len(self._rows) + 1))
        self.refresh()

    def action_cursor(self, step: int) -> None:
        if self.entries:
            self.cursor = min(max(self.cursor + step, 0), len(self.entries) - 1)

    def watch_cursor(self, cursor: int) -> None:
        if cursor >= 0:
            # Row ``cursor`` is line ``cursor + 1`` (the header is line 0).
            self.scroll_to_region_visible(cursor + 1)
        self.post_message(self.Highlighted(self.selected()))
        self.refresh()

    def scroll_to_region_visible(self, line: int) -> None:
        top, height = round(self.scroll_y), self.scrollable_content_region.height
        if line < top + 1:
            self.scroll_to(y=max(0, line - 1), animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles and regions cost more than a row's text: look them up once per frame.
        self._frame = self._frame_values()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_values(self) -> tuple[int, Style, Style, Style]:
        base = self.rich_style
        return (
            self.scrollable_content_region.width, base,
            base + self.get_component_rich_style("wire-list--header"),
            base + self.get_component_rich_style("wire-list--cursor"),
        )

    def render_line(self, y: int) -> Strip:
        width, base, header, cursor = self._frame or self._frame_values()
        if y == 0:
            return Strip([Segment(HEADER.ljust(width)[:width], header)]).simplify()
        index = round(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        style = cursor if index == self.cursor else base
        text = self._rows[index][round(self.scroll_x):]
        return Strip([Segment(text.ljust(width)[:width], style or Style())])
