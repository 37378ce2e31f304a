"""The metrics view's tables: p50/p95/worst per stage with a bar per turn, then every turn."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..metrics import LABELS, MEASURES, MetricsBook, StageBudgets, figure
from ..tokens import format_cost

BARS = "▁▂▃▄▅▆▇█"
MAX_BARS = 24
"""Turns a row's chart shows (the newest); the per-turn table below lists them all."""


def milliseconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def bars(values: list[float | None], top: float) -> list[tuple[str, bool]]:
    """One block per turn scaled to ``top``; a space for a turn that never reached the stage."""
    shown = []
    for value in values[-MAX_BARS:]:
        if value is None:
            shown.append((" ", False))
            continue
        level = 0 if top <= 0 else min(len(BARS) - 1, int(value / top * (len(BARS) - 1) + 0.5))
        shown.append((BARS[level], True))
    return shown


class LatencyTable(Widget):
    """Draws its slice of the console state, ``book`` (a reactive: a new book redraws it).

    A figure over its stage's budget is drawn in the slow style and marked ``!``, so it shows
    without colour too."""

    DEFAULT_CSS = """
    LatencyTable { height: auto; padding: 0 1; }
    LatencyTable > .latency--head { color: $primary; text-style: bold; }
    LatencyTable > .latency--slow { color: $rt-error; text-style: bold; }
    LatencyTable > .latency--bar { color: $rt-tool; }
    LatencyTable > .latency--dim { color: $rt-system; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "latency--head", "latency--slow", "latency--bar", "latency--dim"
    }

    book: reactive[MetricsBook] = reactive(MetricsBook, always_update=False, layout=True)

    def __init__(
        self, book: MetricsBook, budgets: StageBudgets, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.budgets = budgets
        self.set_reactive(LatencyTable.book, book)

    def _cell(self, measure: str, value: float | None) -> Text:
        if value is not None and self.budgets.over(measure, value):
            return Text(milliseconds(value) + " !", self.get_component_rich_style("latency--slow"))
        return Text(milliseconds(value))

    def render(self) -> Group:
        book = self.book
        head = self.get_component_rich_style("latency--head")
        dim = self.get_component_rich_style("latency--dim")
        if not book.turns:
            return Group(Text("No turn has finished yet: say or type something.", dim))
        return Group(self._summary(head, dim), Text(""), self._turns(head, dim))

    def _summary(self, head: Style, dim: Style) -> Table:
        bar_style = self.get_component_rich_style("latency--bar")
        slow = self.get_component_rich_style("latency--slow")
        table = Table(box=None, header_style=head, pad_edge=False, expand=False)
        table.add_column("stage")
        for name in ("p50", "p95", "worst", "budget"):
            table.add_column(name, justify="right")
        table.add_column("per turn")
        book = self.book
        for row in book.summary():
            budget = getattr(self.budgets, row.measure, None)
            chart = Text()
            series = book.series(row.measure)
            for (block, reached), value in zip(
                bars(series, row.worst), series[-MAX_BARS:], strict=True
            ):
                over = reached and value is not None and self.budgets.over(row.measure, value)
                chart.append(block, slow if over else bar_style)
            table.add_row(
                LABELS[row.measure], self._cell(row.measure, row.p50),
                self._cell(row.measure, row.p95), self._cell(row.measure, row.worst),
                Text(milliseconds(budget), dim), chart,
            )
        return table

    def _turns(self, head: Style, dim: Style) -> Table:
        book = self.book
        table = Table(box=None, header_style=head, pad_edge=False, expand=False)
        table.add_column("turn", justify="right")
        for measure in MEASURES:
            table.add_column(LABELS[measure], justify="right")
        table.add_column("tokens in/out", justify="right")
        table.add_column("cost", justify="right")
        for turn, cost in zip(book.turns, book.costs, strict=True):
            table.add_row(
                str(turn.number),
                *(self._cell(measure, figure(turn, measure)) for measure in MEASURES),
                f"{turn.tokens.input}/{turn.tokens.output}",
                Text(format_cost(cost), dim if cost is None else ""),
            )
        return table
