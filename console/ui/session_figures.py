"""The session's numbers as the console holds them: tokens and cost, and each turn's timings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .metrics import MetricsBook
from .timeline import TurnFigures
from .tokens import format_cost

if TYPE_CHECKING:
    from .tokens import TokenLedger


def turn_summary(figures: TurnFigures, cost: float | None) -> str:
    """``842 ms · 312 in / 95 out · $0.0031``: the whole turn, then its tokens and cost once
    usage came (a turn without usage shows its time alone)."""
    parts = [f"{figures.total_ms:.0f} ms"]
    if figures.tokens.total:
        parts.append(f"{figures.tokens.input} in / {figures.tokens.output} out")
        if cost is not None:
            parts.append(format_cost(cost))
    return " · ".join(parts)


class SessionFigures:
    """The turns' figures, fed by the bridge's ``TurnMeasured`` (live and in replay alike), and
    the session's usage as the console state holds it (``usage`` reads it); views ``watch``
    for new turns."""

    def __init__(self, usage: Callable[[], TokenLedger]) -> None:
        self._usage = usage
        self.book = MetricsBook()
        self._watchers: list[Callable[[], None]] = []

    @property
    def ledger(self) -> TokenLedger:
        """The session's tokens (``total``), cost and responses so far."""
        return self._usage()

    def turn(self, figures: TurnFigures, cost: float | None) -> None:
        self.book.add(figures, cost)
        for watcher in list(self._watchers):
            watcher()

    def total_text(self) -> str:
        """``1234 tokens · $0.0123`` (empty before the first response)."""
        return self._usage().text()

    def watch(self, watcher: Callable[[], None]) -> Callable[[], None]:
        """Call ``watcher`` after each new turn; returns what stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher)
