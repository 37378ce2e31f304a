"""Row and Column: layout containers whose blank lines are drawn once, not at every update."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class PlainLines:
    """The lines of a widget that draws nothing of its own (a container, a screen), kept while
    what they are drawn from is the same.

    A screen update draws every widget whose clip meets the changed area, whether or not it
    changed: the screen, the body and the two columns (covered by the panes inside them) are
    ~190 lines through Textual's styles at each update, 40 a second while a reply streams. Such
    a widget's lines depend on its size, colours, box (border, padding, outline), effects and
    titles, and the line filters: all in the key."""

    def __init__(self, widget: Widget, textual_lines: Callable[[Region], list[Strip]]) -> None:
        self._widget = widget
        self._textual_lines = textual_lines
        self._kept: tuple[Hashable, list[Strip]] | None = None

    def lines(self, crop: Region) -> list[Strip]:
        widget = self._widget
        styles = widget.styles
        key = (
            crop, widget.region.size, widget.background_colors, styles.border, styles.outline,
            styles.padding, styles.tint, styles.hatch if styles.has_rule("hatch") else None,
            widget.opacity, widget.border_title, widget.border_subtitle,
            tuple(id(line_filter) for line_filter in widget.get_line_filters()),
        )
        kept = self._kept
        if kept is not None and kept[0] == key:
            return kept[1]
        lines = self._textual_lines(crop)
        self._kept = (key, lines)
        return lines


class Row(Horizontal):
    """A Horizontal that draws its (covered) background once per size and look."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id)
        self._plain = PlainLines(self, super().render_lines)

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._plain.lines(crop)


class Column(Vertical):
    """A Vertical that draws its (covered) background once per size and look."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id)
        self._plain = PlainLines(self, super().render_lines)

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._plain.lines(crop)
