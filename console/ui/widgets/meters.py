"""Mic and speaker level bars with speaking states, polled from a level source at frame rate."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from ..levels import SILENCE_DB, LevelSource, StaticLevels

FLOOR_DB = -60.0
BAR_CHARS = " ▏▎▍▌▋▊▉█"
QUIET_DB = max(SILENCE_DB, -90.0)
"""At or below this the meter says -∞: the audio layer's meters bottom out at -90 dBFS."""


def level_fraction(db: float) -> float:
    """Map dBFS onto 0..1 across the meter's range (-60 dB .. 0 dB)."""
    return min(1.0, max(0.0, (db - FLOOR_DB) / -FLOOR_DB))


def bar(fraction: float, width: int) -> str:
    """A bar of ``width`` cells filled to ``fraction``, with eighth-cell resolution."""
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (BAR_CHARS[rest] if rest and full < width else "")
    return text.ljust(width)


class Meters(Widget):
    """Two rows: mic and speaker. Reads the level source on a timer and refreshes only on change."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "meters--low",
        "meters--mid",
        "meters--high",
        "meters--track",
        "meters--label",
        "meters--state",
        "meters--muted",
    }

    def __init__(
        self,
        levels: LevelSource | None = None,
        *,
        frame_rate: float = 30.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.levels: LevelSource = levels if levels is not None else StaticLevels()
        self._frame_rate = frame_rate
        self._shown: tuple[object, ...] = ()
        self._heard = False

    @property
    def heard(self) -> bool:
        """The server's voice activity detection hears the user (shown as speaking too)."""
        return self._heard

    @heard.setter
    def heard(self, value: bool) -> None:
        if value != self._heard:
            self._heard = value
            self.refresh()

    def on_mount(self) -> None:
        if self._frame_rate > 0:
            self.set_interval(1.0 / self._frame_rate, self.poll)

    def _reading(self) -> tuple[object, ...]:
        levels = self.levels
        # Round to the bar's resolution so noise below one eighth of a cell causes no redraw.
        return (
            round(level_fraction(levels.mic_db) * 64),
            round(level_fraction(levels.speaker_db) * 64),
            levels.muted,
            levels.user_speaking,
            levels.assistant_speaking,
        )

    def poll(self) -> None:
        reading = self._reading()
        if reading != self._shown:
            self._shown = reading
            self.refresh()

    def _row(self, label: str, db: float, state: str, muted: bool, width: int) -> Text:
        fraction = level_fraction(db)
        zone = "low" if fraction < 0.6 else "mid" if fraction < 0.85 else "high"
        shown_db = "  -∞ dB" if db <= QUIET_DB else f"{db:4.0f} dB"
        bar_width = max(4, width - 6 - 8 - 10)
        row = Text(no_wrap=True, overflow="crop")
        row.append(f"{label:<5} ", self.get_component_rich_style("meters--label"))
        style = "meters--muted" if muted else f"meters--{zone}"
        filled = bar(0.0 if muted else fraction, bar_width)
        row.append(filled, self.get_component_rich_style(style) + self.get_component_rich_style(
            "meters--track", partial=True))
        row.append(f" {shown_db}", self.get_component_rich_style("meters--label"))
        row.append(f" {state:<9}", self.get_component_rich_style(
            "meters--muted" if muted else "meters--state"))
        return row

    def render(self) -> Text:
        levels = self.levels
        width = self.content_region.width or 40
        speaking = levels.user_speaking or self._heard
        mic_state = "muted" if levels.muted else "speaking" if speaking else ""
        spk_state = "speaking" if levels.assistant_speaking else ""
        return Text("\n").join([
            self._row("mic", levels.mic_db, mic_state, levels.muted, width),
            self._row("spk", levels.speaker_db, spk_state, False, width),
        ])
