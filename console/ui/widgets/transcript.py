"""The live transcript: a virtualised Line API view; streamed deltas update lines in place."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Region, Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from ..wrap import wrap_spans
from .framed_rows import FramedRows
from .growth import grow_rows
from .quiet_scrollbar import move_scrollbar

EntryKind = Literal["user", "assistant", "tool", "handoff", "error", "system"]
LABEL_WIDTH = 10
WIDE_ENOUGH_FOR_TIME = 60


@dataclass(slots=True)
class Entry:
    """One transcript entry; ``strips`` caches its wrapped lines for the current width."""

    kind: EntryKind
    label: str
    text: str
    stamp: str
    strips: list[Strip] | None = field(default=None)
    spans: list[tuple[int, int]] = field(default_factory=list)
    wrapped: int = -1
    """Length of ``text`` when ``strips`` were made; less means only the tail needs wrapping."""
    heard: int | None = None
    """Of an interrupted reply, the characters the caller heard (the rest was cut)."""


class TranscriptView(ScrollView, can_focus=True):
    """Streams user, assistant, tool, handoff and error lines.

    Only entries that change are re-wrapped; the rendered lines of the whole transcript are kept in
    one flat list so drawing a screenful costs the same with ten lines or ten thousand. Appending to
    the last entry (the usual case for a streamed delta) re-wraps that entry alone.
    """

    ALLOW_SELECT = True
    # Rows are wrapped to the width: nothing to scroll sideways. Without this, the moment the
    # vertical scrollbar appears (one column narrower, before the rows are re-wrapped) showed a
    # horizontal one too, and the view followed the end one row short until the next layout.
    DEFAULT_CSS = """
    TranscriptView { overflow-x: hidden; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--time",
        "transcript--user",
        "transcript--assistant",
        "transcript--tool",
        "transcript--handoff",
        "transcript--error",
        "transcript--system",
        "transcript--label",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = datetime.now,
        on_rendered: Callable[[list[float]], None] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self._on_rendered = on_rendered
        self.entries: list[Entry] = []
        self._keys: dict[str, int] = {}
        self._rows: list[Strip] = []
        self._starts: list[int] = []  # first line of each entry in _lines
        self._width = 0
        self._pending: list[float] = []
        self._base_style = Style()
        self._styles: dict[str, Style] = {}
        self._frame: tuple[Offset, int, Selection | None] | None = None
        """Set while a frame is drawn (see render_lines)."""
        self._heard: dict[str, int] = {}  # cuts of replies whose line is not here yet
        self.redact: Callable[[str], str] = str
        self._framed = FramedRows(self, self._textual_lines)
        """The finished lines, kept across scrolls (Textual's own cache is by screen line)."""
        """Hides known secrets in what is shown (the app gives its redactor's ``text``)."""

    # -- content ---------------------------------------------------------------------------------

    def add(self, kind: EntryKind, label: str, text: str, *, key: str | None = None) -> int:
        """Append an entry (or replace the text of the entry already under ``key``)."""
        if key is not None and key in self._keys:
            self.set_text(key, text)
            return self._keys[key]
        entry = Entry(kind, label, self.redact(text), self._now().strftime("%H:%M:%S"))
        self.entries.append(entry)
        index = len(self.entries) - 1
        if key is not None:
            self._keys[key] = index
            entry.heard = self._heard.pop(key, None)
        self._relayout_from(index)
        return index

    def has(self, key: str) -> bool:
        return key in self._keys

    def append_text(
        self,
        key: str,
        chunk: str,
        *,
        kind: EntryKind = "assistant",
        label: str = "",
        arrivals: list[float] | None = None,
    ) -> None:
        """Stream ``chunk`` onto the entry under ``key``, creating it on the first delta."""
        if arrivals:
            self.arrived(arrivals)
        if key not in self._keys:
            self.add(kind, label, chunk, key=key)
            return
        index = self._keys[key]
        entry = self.entries[index]
        text = entry.text + chunk
        clean = self.redact(text)
        entry.text = clean  # strips stay: _wrap re-wraps only the last line
        if clean != text:
            entry.strips = None  # a secret completed by this chunk may start lines above
        self._relayout_from(index)

    def arrived(self, arrivals: list[float]) -> None:
        """Deltas that came at ``arrivals`` (perf-counter stamps) are being shown."""
        if self._on_rendered is not None:
            # Kept only for someone to hand them to: otherwise a long session would pile up one
            # float per delta.
            self._pending.extend(arrivals)

    def set_text(self, key: str, text: str) -> None:
        index = self._keys.get(key)
        text = self.redact(text)
        if index is None or self.entries[index].text == text:
            return
        self.entries[index].text = text
        self.entries[index].strips = None
        self._relayout_from(index)

    def mark_heard(self, key: str, chars: int) -> None:
        """The caller heard the first ``chars`` characters of the reply under ``key``: the rest
        is shown as cut (dim, struck through), now or when its line arrives."""
        index = self._keys.get(key)
        if index is None:
            self._heard[key] = chars
            return
        entry = self.entries[index]
        entry.heard, entry.strips = chars, None
        self._relayout_from(index)

    def heard_of(self, key: str) -> int | None:
        index = self._keys.get(key)
        return None if index is None else self.entries[index].heard

    def text_of(self, key: str) -> str | None:
        index = self._keys.get(key)
        return None if index is None else self.entries[index].text

    def clear(self) -> None:
        self.entries.clear()
        self._keys.clear()
        self._heard.clear()
        self._rows.clear()
        self._starts.clear()
        self._refresh_size()

    def plain_lines(self) -> list[str]:
        """The rendered lines as plain text (for tests and the clipboard)."""
        return [strip.text.rstrip() for strip in self._rows]

    # -- layout ----------------------------------------------------------------------------------

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _relayout_from(self, index: int) -> None:
        width = self._content_width()
        if width <= 0:
            return  # not laid out yet: the first resize wraps everything at the real width
        if self._width != width:
            self._rebuild()
            self._refresh_size()
            return
        count = len(self._rows)
        first = self._starts[index] if index < len(self._starts) else count
        old = self._rows[first:]
        del self._rows[first:]
        del self._starts[index:]
        for position in range(index, len(self.entries)):
            self._starts.append(len(self._rows))
            self._rows.extend(self._wrap(self.entries[position]))
        # Rows kept are the same Strip objects (an appended delta re-wraps the entry's last
        # row alone): redraw from the first that changed. A long reply refreshed whole at every
        # delta cost a repaint of most of the pane.
        rows = self._rows
        changed, last = first, min(len(rows), count)
        for kept in old:
            if changed >= last or rows[changed] is not kept:
                break
            changed += 1
        if len(rows) != count:
            # Rows added or gone: the scrollbar's window, and a scroll when following (that
            # repaints the content itself); the border and the rest of the screen stay.
            grow_rows(self, Size(self._width, len(rows)), follow=True)
        end = max(len(rows), count)
        if changed < end:
            self.refresh_lines(changed, end - changed)

    def _rebuild(self) -> None:
        self._width = self._content_width()
        self._rows.clear()
        self._starts.clear()
        for entry in self.entries:
            entry.strips = None
            self._starts.append(len(self._rows))
            self._rows.extend(self._wrap(entry))

    def _refresh_size(self) -> None:
        # The view is anchored (see on_mount): it follows the end as rows are added, until the
        # operator scrolls up, and follows again once they scroll back down.
        grow_rows(self, Size(self._width, len(self._rows)), follow=True)
        self.refresh()

    def _wrap(self, entry: Entry) -> list[Strip]:
        if entry.strips is not None and entry.wrapped == len(entry.text):
            return entry.strips
        console = self.app.console
        width = self._width
        time_style = self._style("transcript--time")
        label_style = self._style("transcript--label")
        body_style = self._style(f"transcript--{entry.kind}")
        # Narrow panes drop the time column: the words matter more than the clock.
        stamp = f"{entry.stamp} " if width >= WIDE_ENOUGH_FOR_TIME else ""
        prefix = Text.assemble(
            (stamp, time_style),
            (f"{entry.label[:LABEL_WIDTH]:<{LABEL_WIDTH}} ", label_style + body_style),
        )
        indent = prefix.cell_len
        text = entry.text or " "
        if entry.strips is None or not entry.spans or entry.wrapped > len(entry.text):
            entry.strips, entry.spans = [], []
            first = start = 0
        else:
            first = len(entry.spans) - 1  # text was appended: re-wrap from the last line
            start = entry.spans[first][0]
            del entry.spans[first:]
            del entry.strips[first:]
        blank = Text(" " * indent)
        heard = len(text) if entry.heard is None else entry.heard
        cut_style = body_style + Style(dim=True, strike=True)
        for number, (begin, end) in enumerate(
            wrap_spans(text, max(width - indent, 8), start), start=first
        ):
            split = min(max(heard, begin), end)
            row = Text.assemble(
                prefix if number == 0 else blank,
                (text[begin:split], body_style), (text[split:end], cut_style),
            )
            row.truncate(width)
            entry.strips.append(Strip(row.render(console), row.cell_len))
            entry.spans.append((begin, end))
        entry.wrapped = len(entry.text)
        return entry.strips

    def _style(self, component: str) -> Style:
        # Textual drops its own cache of these on every refresh, that is on every delta; ours
        # lasts until the styles change (notify_style_update, or the theme: _restyle).
        style = self._styles.get(component)
        if style is None:
            style = self._styles[component] = self.get_component_rich_style(
                component, default=Style())
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    # -- rendering -------------------------------------------------------------------------------

    def on_resize(self) -> None:
        if self._content_width() > 0 and self._width != self._content_width():
            self._rebuild()
            self._refresh_size()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView's, except that the scrollbar is repainted only when its thumb moves on
        # screen: following a stream scrolls at every new row.
        if self.show_vertical_scrollbar:
            move_scrollbar(self.vertical_scrollbar, position=new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def on_mount(self) -> None:
        # Entries hold words and kinds; the strips are a cache of them in the current theme's
        # colours. The theme signal comes after the stylesheet has been applied to every
        # component class (notify_style_update comes before, and would re-bake the old colours).
        self.app.theme_changed_signal.subscribe(self, self._restyle)
        self.anchor()

    def _restyle(self, _theme: object) -> None:
        self._styles.clear()
        self.refresh()  # drops Textual's cached component styles
        if self._width and self._content_width() > 0:
            self._rebuild()
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._pending and self._on_rendered is not None:
            stamps, self._pending = self._pending, []
            self._on_rendered(stamps)
        # What every line needs is costly to compute (styles, regions, the selection): look it
        # up once per frame instead of once per line.
        self._base_style = self.rich_style
        self._frame = self._frame_values()
        styles = self.styles
        # Whole-line effects are Textual's to draw (FramedRows draws plain lines only).
        plain = (
            not styles.tint.a and self.opacity == 1.0 and styles.text_opacity == 1.0
            and not styles.has_rule("hatch") and not any(edge for edge, _ in styles.outline)
        )
        try:
            return self._framed.render(crop, styles.gutter, plain, self._row_source,
                                       self.render_line)
        finally:
            self._frame = None

    def _textual_lines(self, crop: Region) -> list[Strip]:
        return super().render_lines(crop)

    def _row_source(self, y: int) -> tuple[Hashable, object]:
        (scroll_x, scroll_y), width, selection = self._frame or self._frame_values()
        index = scroll_y + y
        row = self._rows[index] if index < len(self._rows) else None
        span = selection.get_span(index) if selection is not None else None
        return (index, scroll_x, width, span, self._base_style), row

    def _frame_values(self) -> tuple[Offset, int, Selection | None]:
        return self.scroll_offset, self.scrollable_content_region.width, self.text_selection

    def render_line(self, y: int) -> Strip:
        (scroll_x, scroll_y), width, selection = self._frame or self._frame_values()
        base = self._base_style
        index = scroll_y + y
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        if selection is not None and (span := selection.get_span(index)) is not None:
            row = self._highlight(row, *span)
        strip = row.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
        # Offsets let Textual map the mouse to (column, row) of the text: what selects it.
        return strip.apply_offsets(scroll_x, index)

    def _highlight(self, row: Strip, start: int, end: int) -> Strip:
        length = row.cell_length
        end = length if end == -1 else min(end, length)
        if start >= end:
            return row
        left, middle, right = row.divide([start, end, length])
        style = self.screen.get_component_rich_style("screen--selection")
        return Strip.join([left, middle.apply_style(style), right])

    # -- selection (Textual's text selection: drag to select, ctrl+c copies) ----------------------

    @property
    def allow_select(self) -> bool:
        return True

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text: rows are the rendered lines, as they read on screen."""
        return selection.extract("\n".join(strip.text for strip in self._rows)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width
