"""The status bar: connection, backend, model, agent, latency, recording, and live alerts.

Alerts (the inactivity countdown, running subagents) come right after the connection; a narrow
bar shortens fields, then drops the least important whole (see ``fit``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..state import Status


def _fact(name: str) -> Any:
    """A field of the bar's slice, read from it; setting it replaces the slice."""

    def read(bar: StatusBar) -> Any:
        return getattr(bar.facts, name)

    def write(bar: StatusBar, value: Any) -> None:
        bar.facts = replace(bar.facts, **{name: value})

    return property(read, write)


class StatusBar(Widget):
    """One line of session facts, rendered from its slice of the state (``facts``, a reactive:
    a new slice redraws only this line)."""

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

    facts: reactive[Status] = reactive(Status, always_update=False)
    """The bar's slice of the console's state: everything it shows, held there, not here."""

    # The fields read (and, for a bar used alone, set) the slice: the bar keeps no copy.
    backend = _fact("backend")
    model = _fact("model")
    recording = _fact("recording")
    connection = _fact("connection")
    connection_detail = _fact("connection_detail")
    latency = _fact("latency")
    countdown = _fact("countdown")
    subagents = _fact("subagents")
    muted = _fact("muted")
    push_to_talk = _fact("push_to_talk")
    push_to_talk_mode = _fact("push_to_talk_mode")
    audio = _fact("audio")

    @property
    def agent(self) -> str:
        return self.facts.agents.current

    @agent.setter
    def agent(self, name: str) -> None:
        self.facts = replace(self.facts, agents=self.facts.agents.now(name))

    @property
    def usage(self) -> str:
        """Session tokens and cost (empty until the first response reports usage)."""
        return self.facts.usage.text()

    @property
    def usage_cost(self) -> str:
        """The session's cost alone: what a narrow bar keeps of ``usage``."""
        return self.facts.usage.cost_text()

    def set_latency(self, milliseconds: float | None, kind: str) -> None:
        self.latency = "" if milliseconds is None else f"{milliseconds:.0f} ms to first {kind}"

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
