"""The metrics screen: where each turn's time went, p50/p95/worst per stage, tokens and cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..metrics import MetricsBook, StageBudgets
from ..tokens import TokenLedger
from ..widgets.latency_table import LatencyTable


class MetricsScreen(Screen[None]):
    """Shows its slice of the console state, ``book`` (the app's binder hands it each new one
    while the view is open): each finished turn redraws it."""

    DEFAULT_CSS = """
    MetricsScreen { background: $background; }
    MetricsScreen #metrics-title { padding: 0 1; color: $foreground; text-style: bold; }
    MetricsScreen #metrics-note { padding: 0 1; color: $rt-system; }
    MetricsScreen #metrics-body { height: 1fr; border: round $primary 40%; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="metrics_close"),
    ]

    book: reactive[MetricsBook] = reactive(MetricsBook, always_update=False, init=False,
                                           repaint=False)

    def __init__(
        self, book: MetricsBook, usage: Callable[[], TokenLedger], budgets: StageBudgets
    ) -> None:
        super().__init__(id="metrics-screen")
        self.set_reactive(MetricsScreen.book, book)
        self._usage = usage
        """The session's tokens and cost now (the title says them with each turn)."""
        self.table = LatencyTable(book, budgets, id="latency")
        self.title_line = Static(self._title(), id="metrics-title", markup=False)

    def compose(self) -> ComposeResult:
        yield self.title_line
        yield Static(
            "Milestones count from the end of the user's input; tool runs and approval waits "
            "are kept apart. ! marks a figure over its budget ([budgets] in the config).",
            id="metrics-note", markup=False,
        )
        with VerticalScroll(id="metrics-body"):
            yield self.table
        yield Footer()

    def _title(self) -> str:
        turns = len(self.book.turns)
        total = self._usage().text() or "no usage reported yet"
        return f"Where the time goes: {turns} turn{'' if turns == 1 else 's'} · {total}"

    def watch_book(self, book: MetricsBook) -> None:
        self.title_line.update(self._title())
        self.table.book = book

    def action_close(self) -> None:
        self.dismiss()
