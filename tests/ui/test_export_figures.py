"""The export of a real session: its header, agent-named replies, decisions and turn figures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation

from console.journal import JournalWriter
from console.journal.export import export
from console.launch.backend import open_session
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.screens.metrics import MetricsScreen

from .conftest import SNAPSHOT_DIR, make_app
from .test_app_local import LOCAL, connect, lines, say, wait_for
from .test_metrics_view import StepClock
from .test_replay import replay_app

EPOCH = 1767259800.0  # 2026-01-01 09:30:00 UTC


class MarkdownSnapshot(SingleFileSnapshotExtension):
    """Text snapshots as .md files in <repo>/snapshots/<test module>/, beside the SVGs."""

    _write_mode = WriteMode.TEXT
    _file_extension = "md"

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SNAPSHOT_DIR / test_location.basename)


class JournalClock:
    """Journal time that moves 10 ms a record, from a fixed start."""

    def __init__(self) -> None:
        self.now = EPOCH - 0.01

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def run_session(path: Path) -> None:
    journal = JournalWriter(path, clock=JournalClock())
    agents = demo_agents()
    app = make_app(
        agents=agents, journal=journal, timer=StepClock(),
        open_session=lambda: open_session(
            agents, LOCAL, None, DEMO_RUN_CONFIG, listener=app.listener, journal=journal
        ),
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "Hello there")
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 1)
        await say(pilot, "what is the weather in Paris")
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 2)
        await say(pilot, "I need billing help")
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 3)
        await wait_for(pilot, lambda: "You are now talking to billing" in lines(app))
        await app.close_session()


def header_and_figures(markdown: str) -> str:
    """The parts of an export that do not depend on how records interleaved: the header and
    the turn figures (the transcript's time stamps count records, whose order may vary)."""
    head = markdown.split("\n\n", 2)
    figures = markdown[markdown.index("## Where the time went"):]
    return "\n\n".join(head[:2]) + "\n\n" + figures


async def test_the_export_opens_with_the_session_and_names_each_speaker(
    tmp_path: Path, utc: Any, snapshot: SnapshotAssertion
) -> None:
    path = tmp_path / "20260101-093000.jsonl"
    await run_session(path)
    markdown = export(path, "md")
    assert markdown.startswith("# Session 20260101-093000\n\n- **Backend:** local engine\n")
    assert "- **Agents:** Triage, Billing, Travel" in markdown
    assert "- **Turns:** 3" in markdown
    assert "**Triage:** " in markdown and "**Billing:** You are now talking to billing" in markdown
    assert "**Assistant:**" not in markdown
    document = json.loads(export(path, "json"))
    session = document["session"]
    assert session["turns"] == 3 and session["model"] == "gpt-realtime"
    assert session["tokens"]["total"] > 0 and session["cost_usd"] > 0
    assert all("session_started" not in entry for entry in document["entries"])
    assert [turn["number"] for turn in document["turns"]] == [1, 2, 3]
    assert document["turns"][1]["tool_ms"] > 0
    speakers = {e["agent"] for e in document["entries"] if e["kind"] == "assistant"}
    assert speakers == {"Triage", "Billing"}
    assert header_and_figures(markdown) == snapshot.use_extension(MarkdownSnapshot)


async def test_replay_brings_back_the_figures(tmp_path: Path, utc: Any) -> None:
    path = tmp_path / "20260101-093000.jsonl"
    await run_session(path)
    replay = replay_app(path)
    async with replay.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        replay.play_all()
        await pilot.pause()
        book = replay.state.figures
        assert [turn.number for turn in book.turns] == [1, 2, 3]
        assert book.turns[1].tool_ms > 0 and all(cost for cost in book.costs)
        summary = json.loads(export(path, "json"))["session"]
        assert replay.main.status.usage == (
            f"{summary['tokens']['total']} tokens · ${summary['cost_usd']:.4f}"
        )
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(replay.screen, MetricsScreen)
