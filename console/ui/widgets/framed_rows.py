"""FramedRows: a scrolling Line API view's finished lines, kept across scrolls."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Protocol

from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Region, Spacing
from textual.strip import Strip

RowSource = Callable[[int], tuple[Hashable, object]]
"""For a content line ``y``: a key saying what it shows (equal keys, equal lines) and the object
it is drawn from (compared by identity, so a key never matches a line made from another)."""


class FramedView(Protocol):
    """What FramedRows needs of the widget it draws for (Textual's public Widget API)."""

    @property
    def region(self) -> Region: ...
    @property
    def content_region(self) -> Region: ...
    @property
    def background_colors(self) -> tuple[Color, Color]: ...
    def get_line_filters(self) -> Sequence[LineFilter]: ...


class FramedRows:
    """Draws a scrolling view's lines so that a scroll makes only the lines that are new.

    Textual caches a widget's finished lines (content inside border and padding, line filters
    applied) by their place in the widget, so when a view scrolls by one row every line is made
    again: for a full transcript pane about 3 ms a scroll, ten scrolls a second while a reply
    streams. Here a finished line is kept under what it shows (the row, the horizontal scroll,
    the selection...), wherever it lands after a scroll.

    The border and padding either side of a content line are cut from one line Textual draws,
    so colours, focus and theme stay Textual's; rows above and below the content (borders,
    padding) are Textual's own. A view with effects on whole lines (tint, opacity, text
    opacity, hatch, outline) is left to Textual entirely (``plain`` False).
    """

    def __init__(self, view: FramedView, textual_lines: Callable[[Region], list[Strip]]) -> None:
        self._view = view
        self._textual_lines = textual_lines
        """Textual's rendering of the view's lines (the base class's ``render_lines``)."""
        self._edges: tuple[Strip, Strip] | None = None
        self._generation = 0
        self._made: dict[Hashable, tuple[object, Strip]] = {}

    def clear(self) -> None:
        """Forget every line made."""
        self._made = {}
        self._edges = None

    def render(
        self, crop: Region, gutter: Spacing, plain: bool, source: RowSource,
        make_row: Callable[[int], Strip],
    ) -> list[Strip]:
        """The lines of ``crop`` (widget coordinates); ``make_row(y)`` draws content line y."""
        view = self._view
        width = view.region.width  # what Textual draws: border and all
        content = view.content_region
        top = gutter.top
        bottom = top + content.height
        first, last = max(crop.y, top), min(crop.bottom, bottom)
        if not plain or content.width <= 0 or first >= last:
            self._made = {}
            return self._textual_lines(crop)
        lines: list[Strip] = []
        if crop.y < first:
            lines.extend(self._textual_lines(Region(0, crop.y, width, first - crop.y)))
        lines.extend(self._content_lines(first - top, last - top, gutter, content.width, width,
                                         source, make_row))
        if last < crop.bottom:
            lines.extend(self._textual_lines(Region(0, last, width, crop.bottom - last)))
        if crop.column_span != (0, width):
            start, end = crop.column_span
            lines = [line.crop(start, end) for line in lines]
        return lines

    def _content_lines(
        self, first: int, last: int, gutter: Spacing, content_width: int, width: int,
        source: RowSource, make_row: Callable[[int], Strip],
    ) -> list[Strip]:
        left, right = self._side_edges(gutter, content_width, width)
        view = self._view
        base, background = view.background_colors
        inner = Style(bgcolor=(base + background).rich_color)
        filters = view.get_line_filters()
        made = self._made
        kept: dict[Hashable, tuple[object, Strip]] = {}
        generation = self._generation
        lines: list[Strip] = []
        for y in range(first, last):
            shows, drawn_from = source(y)
            key = (shows, generation)
            cached = made.get(key)
            if cached is not None and cached[0] is drawn_from:
                line = cached[1]
            else:
                row = make_row(y).adjust_cell_length(content_width, inner)
                line = Strip.join([left, row, right])
                for line_filter in filters:
                    line = line.apply_filter(line_filter, background)
            kept[key] = (drawn_from, line)
            lines.append(line)
        # The lines of this frame are what the next one (at most a few rows scrolled) can use.
        self._made = kept
        return lines

    def _side_edges(self, gutter: Spacing, content_width: int, width: int) -> tuple[Strip, Strip]:
        # The first content line as Textual draws it, cut into what lies either side of the
        # content; kept while they look the same, so the lines made with them stay valid.
        line = self._textual_lines(Region(0, gutter.top, width, 1))[0]
        edges = (line.crop(0, gutter.left), line.crop(gutter.left + content_width, width))
        if self._edges != edges:
            self._edges = edges
            self._generation += 1
        assert self._edges is not None
        return self._edges
