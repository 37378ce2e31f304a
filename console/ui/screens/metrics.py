"""The metrics screen: where each turn's time went, p50/p95/worst per stage, tokens and cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..metrics import StageBudgets
from ..session_figures import SessionFigures
from ..widgets.latency_table import LatencyTable


class MetricsScreen(Screen[None]):
    """Follows the session: each finished turn redraws it while it is open."""

    DEFAULT_CSS = """
    MetricsScreen { background: $background; }
    MetricsScreen #metrics-title { padding: 0 1; color: $foreground; text-style: bold; }
    MetricsScreen #metrics-note { padding: 0 1; color: $rt-system; }
    MetricsScreen #metrics-body { height: 1fr; border: round $primary 40%; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="metrics_close"),
    ]

    def __init__(self, figures: SessionFigures, budgets: StageBudgets) -> None:
        super().__init__(id="metrics-screen")
        self.figures = figures
        self.table = LatencyTable(figures, budgets, id="latency")
        self._unwatch: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="metrics-title", markup=False)
        yield Static(
            "Milestones count from the end of the user's input; tool runs and approval waits "
            "are kept apart. ! marks a figure over its budget ([budgets] in the config).",
            id="metrics-note", markup=False,
        )
        with VerticalScroll(id="metrics-body"):
            yield self.table
        yield Footer()

    def on_mount(self) -> None:
        self._unwatch = self.figures.watch(self._turn_added)

    def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()

    def _title(self) -> str:
        turns = len(self.figures.book.turns)
        total = self.figures.total_text() or "no usage reported yet"
        return f"Where the time goes: {turns} turn{'' if turns == 1 else 's'} · {total}"

    def _turn_added(self) -> None:
        self.query_one("#metrics-title", Static).update(self._title())
        self.table.refresh(layout=True)

    def action_close(self) -> None:
        self.dismiss()
