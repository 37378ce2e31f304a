"""The session's numbers as the console holds them: tokens and cost, and each turn's timings."""

from __future__ import annotations

from collections.abc import Callable

from .metrics import MetricsBook
from .timeline import TurnFigures
from .tokens import TokenCount, TokenLedger, format_cost


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
    """Fed by the bridge's ``UsageReported`` and ``TurnMeasured`` (live and in replay alike);
    ``show_total`` receives the status bar's text and the cost alone (empty: no price), views
    ``watch`` for new turns."""

    def __init__(self, show_total: Callable[[str, str], None]) -> None:
        self.ledger = TokenLedger()
        self.book = MetricsBook()
        self._show_total = show_total
        self._watchers: list[Callable[[], None]] = []

    def usage(self, tokens: TokenCount, cost: float | None) -> None:
        self.ledger.add(tokens, cost)
        cost = self.ledger.cost
        self._show_total(self.total_text(), "" if cost is None else format_cost(cost))

    def turn(self, figures: TurnFigures, cost: float | None) -> None:
        self.book.add(figures, cost)
        for watcher in list(self._watchers):
            watcher()

    def total_text(self) -> str:
        """``1234 tokens · $0.0123`` (empty before the first response)."""
        if not self.ledger.responses:
            return ""
        return f"{self.ledger.total.total} tokens · {format_cost(self.ledger.cost)}"

    def watch(self, watcher: Callable[[], None]) -> Callable[[], None]:
        """Call ``watcher`` after each new turn; returns what stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher)
