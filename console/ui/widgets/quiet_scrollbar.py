"""move_scrollbar: a scrollbar's window set, repainted only when its thumb is drawn elsewhere."""

from __future__ import annotations

from math import ceil

from textual.scrollbar import ScrollBar


def _drawn(bar: ScrollBar) -> object:
    """What the bar draws, as its renderer computes it (a few segments, no styles looked up)."""
    size = bar.size.height if bar.vertical else bar.size.width
    virtual = bar.window_virtual_size
    window = bar.window_size if bar.window_size < virtual else 0
    render_bar = getattr(bar.renderer, "render_bar", None)
    if render_bar is None or not size:
        return object()  # never equal: repaint as Textual would
    return render_bar(
        size=size, virtual_size=ceil(virtual), window_size=ceil(window),
        position=bar.position, thickness=bar.thickness, vertical=bar.vertical,
    ).segments


def move_scrollbar(
    bar: ScrollBar, *, position: float | None = None, virtual_size: int | None = None
) -> None:
    """Set ``bar``'s position and/or virtual size like assigning them does, but repaint it only
    if that moves its thumb on screen.

    Assigning either repaints the whole bar; a view that follows a stream moves it at every new
    row, while the thumb of a long transcript moves by one eighth of a cell every dozen rows or
    so. A full-height bar costs about as much to repaint as the rest of the frame."""
    before = _drawn(bar)
    if position is not None:
        bar.set_reactive(ScrollBar.position, bar.validate_position(position))
    if virtual_size is not None:
        bar.set_reactive(ScrollBar.window_virtual_size, virtual_size)
    after = _drawn(bar)
    if not isinstance(before, list) or before != after:
        bar.refresh()
