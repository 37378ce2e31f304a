"""The metrics view after real turns with the local engine, timed by a stepping test clock."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from console.launch.backend import open_session
from console.ui.app import RtConsoleApp
from console.ui.config import ConsoleConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.history import turn_summary
from console.ui.metrics import StageBudgets
from console.ui.screens.metrics import MetricsScreen

from .conftest import make_app
from .test_app_local import LOCAL, connect, lines, say, wait_for

TURNS = ("Hello there", "what is the weather in Paris", "Thank you, that is all")


class StepClock:
    """Each reading is 7 ms after the one before: figures count the console's own steps, so
    they are the same on any machine, however loaded."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.007
        return self.now


def metrics_app() -> RtConsoleApp:
    # A tight budget for the first text, so the view shows what a slow stage looks like.
    config = ConsoleConfig(budgets=StageBudgets(first_text=30.0))
    agents = demo_agents()
    return make_app(
        agents=agents, open_session=lambda: open_session(agents, LOCAL, None, DEMO_RUN_CONFIG),
        timer=StepClock(), config=config,
    )


async def three_turns(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, RtConsoleApp)
    await connect(pilot, app)
    for number, text in enumerate(TURNS, start=1):
        await say(pilot, text)
        await wait_for(pilot, lambda n=number: len(app.state.figures.turns) == n)
    await wait_for(pilot, lambda: "The get weather tool says" in lines(app))
    await pilot.press("f3")
    await pilot.pause()


async def test_three_turns_are_measured_priced_and_shown() -> None:
    app = metrics_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await three_turns(pilot)
        assert isinstance(app.screen, MetricsScreen)
        book = app.state.figures
        assert [turn.number for turn in book.turns] == [1, 2, 3]
        for turn in book.turns:
            assert turn.stages["response"] <= turn.stages["first_text"] <= turn.total_ms
            assert turn.tokens.input > 0 and turn.tokens.output > 0
        assert book.turns[1].tool_ms > 0 and not book.turns[0].tool_ms
        # The session's tokens are the turns' tokens, and the status bar says so with a cost.
        assert app.state.status.usage.total == book.tokens
        assert all(cost is not None and cost > 0 for cost in book.costs)
        assert app.main.status.usage.startswith(f"{book.tokens.total} tokens · $")
        # The History pane's turns carry the same figures, each on the turn it measured.
        turns = [str(node.label) for node in app.main.history.root.children]
        assert turns == [
            f"Turn {turn.number} · {turn_summary(turn, cost)}"
            for turn, cost in zip(book.turns, book.costs, strict=True)
        ]
        assert all(" in / " in label and " out · $" in label for label in turns)
        firsts = [str(node.children[0].label) for node in app.main.history.root.children]
        assert firsts == [f"user: {text}" for text in TURNS]
        await pilot.press("escape")
        assert app.screen is app.main


async def test_the_palette_opens_the_metrics_view() -> None:
    app = metrics_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await app.run_action("command_palette")
        await pilot.pause()
        await pilot.press(*"Metrics")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen))


def test_metrics_after_three_turns(snap_compare: Any) -> None:
    assert snap_compare(metrics_app(), terminal_size=(140, 40), run_before=three_turns)
