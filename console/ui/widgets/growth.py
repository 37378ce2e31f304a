"""grow_rows: a Line API view's virtual size set without a screen-wide layout as rows are added."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView

from .quiet_scrollbar import move_scrollbar


def grow_rows(view: ScrollView, size: Size, *, follow: bool = False) -> None:
    """Set ``view.virtual_size`` to ``size``. With ``follow``, a view at its end stays there.

    Assigning ``virtual_size`` asks Textual for a layout, which reflows and repaints the whole
    screen: at every new row of a streamed reply that was half the console's CPU. A view whose
    own size does not depend on its content (these are 1fr) needs that layout only when its
    scrollbar appears or goes, or the width changes; rows added at the end need only the
    scrollbar's window and, when following, a scroll to the end."""
    old = view.virtual_size
    height = view.container_size.height  # what Textual compares to show the scrollbar
    in_place = (
        bool(height) and size.width == old.width and size.height > old.height
        and view.show_vertical_scrollbar == (size.height > height)
    )
    if not in_place:
        # At this layout an anchored view is kept at its end by Textual itself.
        view.virtual_size = size
        return
    following = follow and view.is_vertical_scroll_end
    view.set_reactive(ScrollView.virtual_size, size)
    if view.show_vertical_scrollbar:
        # The bar's window and, when following, where the scroll below puts it: set together,
        # so a thumb that ends where it was is not repainted.
        position = view.max_scroll_y if following else None
        move_scrollbar(view.vertical_scrollbar, virtual_size=size.height, position=position)
    if following:
        # What the anchor does at a layout; scrolling to the end keeps the anchor.
        view.scroll_end(animate=False, immediate=True, x_axis=False)
