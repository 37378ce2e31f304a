"""FittedFooter: the key footer, showing only the keys that fit whole (none cut mid-word)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class FittedFooter(Footer):
    """Textual's footer clips its last key at the screen's edge; this one hides every key that
    would not fit whole (they stay in the command palette and keep working)."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        for child in self.children:
            child.display = True
        self.call_after_refresh(self._fit)

    def _fit(self, tries: int = 8) -> None:
        limit = self.content_region.right
        keys = list(self.children)
        if any(key.display and not key.region.width for key in keys) and tries:
            # Keys just composed are placed at a later refresh: measure them then.
            self.call_after_refresh(self._fit, tries - 1)
            return
        palette = [key for key in keys if key.has_class("-command-palette")]
        if palette and palette[0].region.width:
            limit = palette[0].region.x
        fitting = True
        for key in keys:
            if key in palette:
                continue
            # Keys are laid out left to right: after the first that does not fit, none does.
            fitting = fitting and key.region.right <= limit
            key.display = fitting
