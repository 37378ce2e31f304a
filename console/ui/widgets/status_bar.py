"""The status bar: backend, model, connection, current agent, last turn latency, recording."""

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
        "status--on",
    }

    backend: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    connection: reactive[str] = reactive("disconnected")
    agent: reactive[str] = reactive("")
    latency: reactive[str] = reactive("")
    recording: reactive[bool] = reactive(False)
    muted: reactive[bool] = reactive(False)
    push_to_talk: reactive[bool] = reactive(False)

    def set_latency(self, milliseconds: float | None, kind: str) -> None:
        self.latency = "" if milliseconds is None else f"{milliseconds:.0f} ms to first {kind}"

    def render(self) -> Text:
        key = self.get_component_rich_style("status--key")
        value = self.get_component_rich_style("status--value")
        on = self.get_component_rich_style("status--on")
        conn = self.get_component_rich_style(f"status--{self.connection}", default=value)
        marks = {"connected": "●", "connecting": "◌", "disconnected": "○"}
        parts: list[tuple[str, str, object]] = [
            ("", f"{marks.get(self.connection, '○')} {self.connection}", conn),
            ("backend ", self.backend or "-", value),
            ("model ", self.model or "-", value),
            ("agent ", self.agent or "-", value),
            ("latency ", self.latency or "-", value),
            ("rec ", "on" if self.recording else "off", on if self.recording else value),
        ]
        if self.muted:
            parts.append(("", "muted", on))
        if self.push_to_talk:
            parts.append(("", "push-to-talk", on))
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, (label, shown, style) in enumerate(parts):
            if number:
                text.append(" │ ", key)
            if label:
                text.append(label, key)
            text.append(shown, style)  # type: ignore[arg-type]
        return text
