"""What a journal says about its session as a whole: the export's header and per-turn figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .record_names import canonical

TOKEN_FIELDS = ("text_in", "audio_in", "cached_text", "cached_audio", "text_out", "audio_out")
"""The token counts the console journals per response (its ``TokenCount``)."""
STAGES: tuple[str, ...] = ("transcript", "response", "first_text", "first_audio", "playout")
"""A turn's milestones in the order a spoken turn reaches them (the console's turn timeline
measures them; journals keep them under these names)."""
STAGE_LABELS: dict[str, str] = {
    "transcript": "transcript", "response": "response.created", "first_text": "first text",
    "first_audio": "first audio", "playout": "playout start",
}
MEASURES: tuple[str, ...] = (*STAGES, "tool", "approval", "total")
"""Every figure a turn has: the milestones, then the time kept apart, then the whole turn."""
LABELS: dict[str, str] = {
    **STAGE_LABELS, "tool": "tool run", "approval": "approval wait", "total": "whole turn"
}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (a value that occurred, never an interpolation)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def table(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (journals are read defensively)."""
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class SessionSummary:
    """The session's facts, each once: the header of an export."""

    backend: str | None = None
    model: str | None = None
    agents: list[str] = field(default_factory=list)
    started: str | None = None
    duration_s: float = 0.0
    turns: int = 0
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKEN_FIELDS, 0))
    cost: float | None = None
    priced: bool = False
    """Any response reported usage (else tokens are unknown, not zero)."""
    figures: list[dict[str, Any]] = field(default_factory=list)
    """Each turn's timings, tokens and cost as the console measured them (``TurnMeasured``)."""

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens.values()) - self.tokens["cached_text"] - self.tokens["cached_audio"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "model": self.model, "agents": self.agents,
            "started": self.started, "duration_s": round(self.duration_s, 3),
            "turns": self.turns,
            "tokens": {**self.tokens, "total": self.total_tokens} if self.priced else None,
            "cost_usd": self.cost,
        }


def summarise(records: Sequence[dict[str, Any]]) -> SessionSummary:
    """Read the meta line, the console's usage and turn records, and the last time stamp."""
    summary = SessionSummary()
    responses = 0
    for record in records:
        kind = record.get("kind")
        summary.duration_s = max(summary.duration_s, _number(record.get("t")) or 0.0)
        if kind == "meta":
            status = table(record.get("status"))
            summary.backend = record.get("backend") or status.get("backend")
            summary.model = record.get("model") or status.get("model")
            summary.started = record.get("started")
            graph = record.get("graph")
            nodes = graph.get("nodes") if isinstance(graph, dict) else None
            agent = record.get("agent")
            summary.agents = [str(n) for n in nodes] if isinstance(nodes, list) else (
                [str(agent)] if agent else []
            )
        elif kind == "recv" and table(record.get("data")).get("type") == "response.done":
            responses += 1
        elif kind == "event" and canonical(record.get("type")) == "call.usage":
            fields = table(record.get("fields"))
            tokens = table(fields.get("tokens"))
            summary.priced = True
            for name in TOKEN_FIELDS:
                summary.tokens[name] += _count(tokens, name)
            cost = _number(fields.get("cost"))
            if cost is not None:
                summary.cost = (summary.cost or 0.0) + cost
        elif kind == "event" and canonical(record.get("type")) == "call.turn_figures":
            summary.figures.append(table(record.get("fields")))
    # The console's own count of turns when it measured them; else the responses on the wire.
    summary.turns = len(summary.figures) or responses
    return summary


def _count(tokens: dict[str, Any], name: str) -> int:
    value = tokens.get(name)
    return value if type(value) is int else 0


def _ms(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:,.0f} ms"


def _cost(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"${number:.4f}"


def header_markdown(summary: SessionSummary, title: str) -> list[str]:
    tokens = "-"
    if summary.priced:
        t = summary.tokens
        tokens = (
            f"{summary.total_tokens} (in: {t['text_in']} text, {t['audio_in']} audio, "
            f"{t['cached_text'] + t['cached_audio']} cached; "
            f"out: {t['text_out']} text, {t['audio_out']} audio)"
        )
    rows = [
        ("Backend", summary.backend or "-"), ("Model", summary.model or "-"),
        ("Agents", ", ".join(summary.agents) or "-"), ("Started", summary.started or "-"),
        ("Duration", f"{summary.duration_s:.1f} s"), ("Turns", str(summary.turns)),
        ("Tokens", tokens), ("Cost", _cost(summary.cost)),
    ]
    return [f"# {title}", "", *(f"- **{name}:** {value}" for name, value in rows), ""]


def figure_of(turn: dict[str, Any], measure: str) -> float | None:
    """``measure`` of a journaled turn in ms; None when it never reached it (or had no tools)."""
    if measure in ("tool", "approval"):
        return _number(turn.get(f"{measure}_ms")) or None
    if measure == "total":
        return _number(turn.get("total_ms"))
    return _number(table(turn.get("stages")).get(measure))


def turns_markdown(summary: SessionSummary) -> list[str]:
    """p50/p95/worst per stage, then each turn's timings (ms from the end of the user's input,
    tools apart), tokens and cost."""
    if not summary.figures:
        return []
    lines = ["", "## Where the time went", "", "| stage | p50 | p95 | worst |",
             "|---|---:|---:|---:|"]
    for measure in MEASURES:
        values = [v for turn in summary.figures if (v := figure_of(turn, measure)) is not None]
        if values:
            shown = (percentile(values, 50), percentile(values, 95), max(values))
            lines.append(f"| {LABELS[measure]} | " + " | ".join(map(_ms, shown)) + " |")
    columns = [*(LABELS[m] for m in MEASURES), "tokens in/out", "cost"]
    lines += ["", "| turn | " + " | ".join(columns) + " |", "|---:|" + "---:|" * len(columns)]
    for turn in summary.figures:
        tokens = table(turn.get("tokens"))
        into = sum(_count(tokens, k) for k in ("text_in", "audio_in"))
        out = sum(_count(tokens, k) for k in ("text_out", "audio_out"))
        cells = [
            *(_ms(figure_of(turn, m)) for m in MEASURES), f"{into}/{out}", _cost(turn.get("cost")),
        ]
        lines.append(f"| {turn.get('number', '?')} | " + " | ".join(cells) + " |")
    return lines
