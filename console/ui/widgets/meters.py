"""The Audio pane: mic and speaker level bars, the conversation's state and the devices in use."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from ..audio_protocols import SILENCE_DB, LevelSource, StaticLevels

FLOOR_DB = -60.0
BAR_CHARS = " ▏▎▍▌▋▊▉█"
QUIET_DB = max(SILENCE_DB, -90.0)
"""At or below this the meter says -∞: the audio layer's meters bottom out at -90 dBFS."""


def conversation_state(
    levels: LevelSource, heard: bool, thinking: bool, text_only: bool = False
) -> str:
    """What the pane's title says: who has the floor, in the order that decides it."""
    if text_only:
        return "off, text only"
    if levels.muted:
        return "muted"
    if levels.assistant_speaking:
        return "agent speaking"
    if levels.listening and (levels.user_speaking or heard):
        return "user speaking"
    if thinking:
        return "thinking"
    return "listening" if levels.listening else "mic closed (push to talk)"


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
    """Two rows, mic and speaker; the state in the border title, the devices in the subtitle.

    Reads the level source on a timer and refreshes only on change. ``heard`` (the server's VAD)
    and ``thinking`` (a turn ended, no reply yet) are set by the app."""

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
        self._thinking = False
        self._text_only = False
        self._styles: dict[tuple[str, bool], Style] = {}
        self._strips: tuple[int, list[Strip]] | None = None
        """The two rows as drawn, for the content width they were made at."""
        self.devices: tuple[str, str] = ("", "")
        """(microphone, speaker) names in use, as the system calls them."""

    @property
    def heard(self) -> bool:
        """The server's voice activity detection hears the user (shown as speaking too)."""
        return self._heard

    @heard.setter
    def heard(self, value: bool) -> None:
        if value != self._heard:
            self._heard = value
            self._changed()

    @property
    def text_only(self) -> bool:
        """No audio runs (no device, devices lost, or --no-audio): nothing is heard or played."""
        return self._text_only

    @text_only.setter
    def text_only(self, value: bool) -> None:
        if value != self._text_only:
            self._text_only = value
            self._changed()

    @property
    def thinking(self) -> bool:
        return self._thinking

    @thinking.setter
    def thinking(self, value: bool) -> None:
        if value != self._thinking:
            self._thinking = value
            self._changed()

    def show_devices(self, microphone: str, speaker: str) -> None:
        self.devices = (microphone, speaker)
        parts = [f"mic: {microphone}" if microphone else "", f"spk: {speaker}" if speaker else ""]
        self.border_subtitle = " · ".join(p for p in parts if p)

    @property
    def state(self) -> str:
        return conversation_state(self.levels, self._heard, self._thinking, self._text_only)

    def _style(self, component: str, *, partial: bool = False) -> Style:
        # Textual drops its own cache of these on every refresh (each meter frame); ours lasts
        # until the styles change (notify_style_update, or the theme).
        style = self._styles.get((component, partial))
        if style is None:
            style = self._styles[component, partial] = self.get_component_rich_style(
                component, partial=partial)
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._strips = None
        super().notify_style_update()

    def _restyle(self, _theme: object) -> None:
        self._styles.clear()
        self._strips = None
        self.refresh()

    def on_mount(self) -> None:
        # The theme signal comes once the new colours are in every component class.
        self.app.theme_changed_signal.subscribe(self, self._restyle)
        if self._frame_rate > 0:
            self.set_interval(1.0 / self._frame_rate, self.poll)

    def _reading(self) -> tuple[object, ...]:
        levels = self.levels
        # Round to the bar's resolution so noise below one eighth of a cell causes no redraw.
        return (
            round(level_fraction(levels.mic_db) * 64),
            round(level_fraction(levels.speaker_db) * 64),
            levels.muted,
            levels.listening,
            levels.user_speaking,
            levels.assistant_speaking,
        )

    def poll(self) -> None:
        reading = self._reading()
        if reading != self._shown:
            self._shown = reading
            self._changed()

    def _changed(self) -> None:
        title = f"Audio · {self.state}"
        self._strips = None
        if title != self.border_title:
            self.border_title = title  # repaints the whole pane, border and all
            self.refresh()
        else:
            # Only the bars moved (many times a second while anyone speaks): the two content rows,
            # not the border and its title, which cost more to draw than the bars.
            self.refresh(self.content_size.region)

    def _row(self, label: str, db: float, state: str, muted: bool, width: int) -> Text:
        fraction = level_fraction(db)
        zone = "low" if fraction < 0.6 else "mid" if fraction < 0.85 else "high"
        shown_db = "  -∞ dB" if db <= QUIET_DB else f"{db:4.0f} dB"
        bar_width = max(4, width - 6 - 8 - 10)
        row = Text(no_wrap=True, overflow="crop")
        row.append(f"{label:<5} ", self._style("meters--label"))
        style = "meters--muted" if muted else f"meters--{zone}"
        filled = bar(0.0 if muted else fraction, bar_width)
        row.append(filled, self._style(style) + self._style(
            "meters--track", partial=True))
        row.append(f" {shown_db}", self._style("meters--label"))
        row.append(f" {state:<9}", self._style(
            "meters--muted" if muted else "meters--state"))
        return row

    def render(self) -> Text:
        levels = self.levels
        width = self.content_region.width or 40
        speaking = levels.listening and (levels.user_speaking or self._heard)
        closed = "muted" if levels.muted else "" if levels.listening else "closed"
        mic_state = closed or ("speaking" if speaking else "")
        spk_state = "speaking" if levels.assistant_speaking else ""
        return Text("\n").join([
            self._row("mic", levels.mic_db, mic_state, levels.muted, width),
            self._row("spk", levels.speaker_db, spk_state, False, width),
        ])

    def render_line(self, y: int) -> Strip:
        # The rows as strips, made once per change: drawing ``render()``'s Text through
        # Textual's content pipeline costs several times more, 30 times a second.
        width = self.content_region.width
        base = self.rich_style
        if self._strips is None or self._strips[0] != width:
            console = self.app.console
            rows = self.render().split("\n")
            self._strips = width, [
                Strip(row.render(console), row.cell_len).crop_extend(0, width, base)
                .apply_style(base) for row in rows
            ]
        strips = self._strips[1]
        return strips[y] if y < len(strips) else Strip.blank(width, base)
