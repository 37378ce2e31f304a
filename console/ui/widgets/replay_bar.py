"""The replay bar: where a replay stands (playing or paused, speed, time) on the footer line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(max(seconds, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def speed_text(speed: float) -> str:
    return f"{speed:g}x"


class ReplayBar(Widget):
    """One line, e.g. ``replay ⏵ playing 2x 00:12 / 01:30``; ``ended`` once every event is shown."""

    state: reactive[str] = reactive("playing")
    """``playing``, ``paused`` or ``ended``."""
    speed: reactive[float] = reactive(1.0)
    position: reactive[float] = reactive(0.0)
    duration: reactive[float] = reactive(0.0)

    def render(self) -> Text:
        mark = {"playing": "⏵", "paused": "⏸", "ended": "■"}.get(self.state, "?")
        return Text(
            f"replay {mark} {self.state} {speed_text(self.speed)} "
            f"{clock(self.position)} / {clock(self.duration)}"
        )
