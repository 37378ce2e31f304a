"""The status bar: connection, backend, model, agent, latency, recording, and live alerts.

Alerts (the inactivity countdown, running subagents) come right after the connection, so a narrow
terminal cuts the static facts, not them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """One line of session facts; every field is a reactive so a change redraws only this line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--key",
        "status--value",
        "status--connected",
        "status--connecting",
        "status--disconnected",
        "status--reconnecting",
        "status--on",
        "status--alert",
    }

    backend: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    connection: reactive[str] = reactive("disconnected")
    connection_detail: reactive[str] = reactive("")
    """Said after the connection state, e.g. "in 2.0 s (attempt 3)" while reconnecting."""
    agent: reactive[str] = reactive("")
    latency: reactive[str] = reactive("")
    recording: reactive[bool] = reactive(False)
    muted: reactive[bool] = reactive(False)
    push_to_talk: reactive[bool] = reactive(False)
    """Push-to-talk is held open (talking)."""
    push_to_talk_mode: reactive[bool] = reactive(False)
    """The mic follows the push-to-talk key (closed unless ``push_to_talk``)."""
    countdown: reactive[int] = reactive(0)
    """Seconds of user inactivity left before the session closes (0: no countdown)."""
    subagents: reactive[tuple[str, ...]] = reactive(())
    """Subagents running now, in start order."""
    audio: reactive[str] = reactive("")
    usage: reactive[str] = reactive("")
    """Session tokens and cost (empty until the first response reports usage)."""
    """Audio mode when it is worth saying (e.g. "text only"); empty shows nothing."""

    def set_latency(self, milliseconds: float | None, kind: str) -> None:
        self.latency = "" if milliseconds is None else f"{milliseconds:.0f} ms to first {kind}"

    def render(self) -> Text:
        key = self.get_component_rich_style("status--key")
        value = self.get_component_rich_style("status--value")
        on = self.get_component_rich_style("status--on")
        alert = self.get_component_rich_style("status--alert")
        conn = self.get_component_rich_style(f"status--{self.connection}", default=value)
        marks = {"connected": "●", "connecting": "◌", "reconnecting": "◌", "disconnected": "○"}
        state = f"{marks.get(self.connection, '○')} {self.connection}"
        if self.connection_detail:
            state = f"{state} {self.connection_detail}"
        parts: list[tuple[str, str, object]] = [("", state, conn)]
        if self.countdown > 0:
            parts.append(("", f"inactive: {self.countdown} s", alert))
        if self.subagents:
            parts.append(("subagent ", f"{', '.join(self.subagents)} running", on))
        parts += [
            ("backend ", self.backend or "-", value),
            ("model ", self.model or "-", value),
            ("agent ", self.agent or "-", value),
            ("latency ", self.latency or "-", value),
            *([("", self.usage, value)] if self.usage else []),
            ("rec ", "on" if self.recording else "off", on if self.recording else value),
        ]
        if self.muted:
            parts.append(("", "muted", on))
        if self.push_to_talk:
            parts.append(("", "push-to-talk", on))
        elif self.push_to_talk_mode:
            parts.append(("", "push-to-talk: mic closed", value))
        if self.audio:
            parts.append(("", self.audio, value))
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, (label, shown, style) in enumerate(parts):
            if number:
                text.append(" │ ", key)
            if label:
                text.append(label, key)
            text.append(shown, style)  # type: ignore[arg-type]
        return text
