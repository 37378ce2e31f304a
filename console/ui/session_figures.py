"""The session's numbers as the console holds them: tokens and cost, and each turn's timings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .tokens import format_cost

if TYPE_CHECKING:
    from .metrics import MetricsBook
    from .state import ConsoleState
    from .timeline import TurnFigures
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
    """The session's numbers as the console state holds them, read-only: each turn's figures
    (``book``, the state's ``figures`` slice) and the tokens and cost (``ledger``)."""

    def __init__(self, state: Callable[[], ConsoleState]) -> None:
        self._state = state

    @property
    def book(self) -> MetricsBook:
        return self._state().figures

    @property
    def ledger(self) -> TokenLedger:
        """The session's tokens (``total``), cost and responses so far."""
        return self._state().status.usage

    def total_text(self) -> str:
        """``1234 tokens · $0.0123`` (empty before the first response)."""
        return self.ledger.text()
