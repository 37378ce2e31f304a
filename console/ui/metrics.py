"""Latency figures over a session: per-stage p50/p95/worst of its turns, and budgets per stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, PositiveFloat

from console.journal.summary import LABELS, MEASURES, percentile

from .tokens import TokenCount

if TYPE_CHECKING:
    from .timeline import TurnFigures

__all__ = ["LABELS", "MEASURES", "MetricsBook", "StageBudgets", "figure", "percentile"]


class StageBudgets(BaseModel):
    """``[budgets]`` in the config: milliseconds a stage may take before it shows as slow
    (unset: never). Milestones count from the end of the user's input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transcript: PositiveFloat | None = 1500.0
    response: PositiveFloat | None = 1000.0
    first_text: PositiveFloat | None = 1200.0
    first_audio: PositiveFloat | None = 1500.0
    playout: PositiveFloat | None = 1800.0
    tool: PositiveFloat | None = 3000.0
    approval: PositiveFloat | None = None
    total: PositiveFloat | None = None

    def over(self, measure: str, milliseconds: float) -> bool:
        budget: float | None = getattr(self, measure, None)
        return budget is not None and milliseconds > budget


def figure(turn: TurnFigures, measure: str) -> float | None:
    """``measure`` of ``turn`` in ms; None when the turn never reached it (or had no tools)."""
    if measure == "tool":
        return turn.tool_ms or None
    if measure == "approval":
        return turn.approval_ms or None
    if measure == "total":
        return turn.total_ms
    return turn.stages.get(measure)


@dataclass(frozen=True, slots=True)
class StageSummary:
    measure: str
    count: int
    p50: float
    p95: float
    worst: float


@dataclass(frozen=True, slots=True, eq=False)
class MetricsBook:
    """The turns of a session in order, and what the metrics view shows of them: the console
    state's ``figures`` slice (``add`` returns a new book; a turn ends a few times a minute)."""

    turns: tuple[TurnFigures, ...] = ()
    costs: tuple[float | None, ...] = ()
    """Each turn's cost, as priced when it ended (None: no price applied)."""

    def add(self, turn: TurnFigures, cost: float | None = None) -> MetricsBook:
        return MetricsBook((*self.turns, turn), (*self.costs, cost))

    def series(self, measure: str) -> list[float | None]:
        return [figure(turn, measure) for turn in self.turns]

    def summary(self) -> list[StageSummary]:
        """One row per measure that any turn reached."""
        rows = []
        for measure in MEASURES:
            values = [v for v in self.series(measure) if v is not None]
            if values:
                rows.append(StageSummary(
                    measure, len(values), percentile(values, 50), percentile(values, 95),
                    max(values),
                ))
        return rows

    @property
    def tokens(self) -> TokenCount:
        total = TokenCount()
        for turn in self.turns:
            total = total + turn.tokens
        return total
