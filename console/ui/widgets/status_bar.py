"""The status bar: connection, backend, model, agent, latency, recording, and live alerts.

Alerts (the inactivity countdown, running subagents) come right after the connection; a narrow
bar shortens fields, then drops the least important whole (see ``fit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
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
    """Audio mode when it is worth saying (e.g. "text only"); empty shows nothing."""
    usage: reactive[str] = reactive("")
    """Session tokens and cost (empty until the first response reports usage)."""
    usage_cost: reactive[str] = reactive("")
    """The session's cost alone: what a narrow bar keeps of ``usage``."""

    def set_latency(self, milliseconds: float | None, kind: str) -> None:
        self.latency = "" if milliseconds is None else f"{milliseconds:.0f} ms to first {kind}"

    def show_usage(self, total: str, cost: str) -> None:
        """``total`` says tokens and cost; ``cost`` alone is what a narrow bar keeps of it."""
        self.usage, self.usage_cost = total, cost

    def fields(self) -> list[Field]:
        """Every field, fullest form first, in the order the bar shows them."""
        value = self.get_component_rich_style("status--value")
        on = self.get_component_rich_style("status--on")
        alert = self.get_component_rich_style("status--alert")
        conn = self.get_component_rich_style(f"status--{self.connection}", default=value)
        marks = {"connected": "●", "connecting": "◌", "reconnecting": "◌", "disconnected": "○"}
        state = f"{marks.get(self.connection, '○')} {self.connection}"
        fields = [Field("", (f"{state} {self.connection_detail}", state)
                        if self.connection_detail else (state,), conn)]
        if self.countdown > 0:
            fields.append(Field("", (f"inactive: {self.countdown} s",), alert))
        if self.subagents:
            fields.append(Field("subagent ", (f"{', '.join(self.subagents)} running",), on))
        latency = self.latency or "-"
        fields += [
            Field("backend ", (self.backend or "-",), value, drop=1),
            Field("model ", (self.model or "-",), value, drop=3),
            Field("agent ", (self.agent or "-",), value),
            Field("latency ", (latency, latency.partition(" to ")[0]), value, drop=4),
        ]
        if self.usage:
            fields.append(Field("", (self.usage, self.usage_cost or self.usage), value))
        fields.append(Field("rec ", ("on",), on, drop=5) if self.recording
                      else Field("rec ", ("off",), value, drop=2))
        if self.muted:
            fields.append(Field("", ("muted",), on))
        if self.push_to_talk:
            fields.append(Field("", ("push-to-talk",), on))
        elif self.push_to_talk_mode:
            fields.append(Field("", ("push-to-talk: mic closed", "ptt: mic closed"), value))
        if self.audio:
            fields.append(Field("", (self.audio,), value, drop=4))
        return fields

    def render(self) -> Text:
        shown = fit(self.fields(), self.size.width)
        key = self.get_component_rich_style("status--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, (label, words, style) in enumerate(shown):
            if number:
                text.append(SEPARATOR, key)
            if label:
                text.append(label, key)
            text.append(words, style)
        return text


SEPARATOR = " │ "


@dataclass(frozen=True, slots=True)
class Field:
    """One fact of the bar: its forms, fullest first; ``drop`` orders which go first when the
    bar is too narrow (1 first; 0: never dropped)."""

    label: str
    forms: tuple[str, ...]
    style: Style
    drop: int = 0


def fit(fields: list[Field], width: int) -> list[tuple[str, str, Style]]:
    """The fields as shown in ``width`` cells: fields take their short form one by one until
    the bar fits, then the least important go whole (lowest ``drop`` first), so nothing is cut
    mid-word. The connection, alerts, agent and cost are never dropped (a bar too narrow for
    them alone ends in an ellipsis)."""
    forms = [0] * len(fields)
    kept = list(range(len(fields)))
    # Shorten what may go first, then the rest from the right (the connection last).
    shortening = sorted(range(len(fields)), key=lambda i: (not fields[i].drop, fields[i].drop, -i))

    def cells() -> int:
        return sum(cell_len(fields[i].label + fields[i].forms[forms[i]]) for i in kept) + (
            cell_len(SEPARATOR) * (len(kept) - 1)
        )

    for index in shortening:
        if cells() <= width:
            break
        forms[index] = len(fields[index].forms) - 1
    for index in sorted((i for i in kept if fields[i].drop), key=lambda i: fields[i].drop):
        if cells() <= width:
            break
        kept.remove(index)
    return [(fields[i].label, fields[i].forms[forms[i]], fields[i].style) for i in kept]
