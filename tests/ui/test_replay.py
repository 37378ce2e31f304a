"""Replay: a journaled live session played back shows the same panes; keys; the command's errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from console.cli import main as cli_main
from console.journal import JournalWriter
from console.journal.export import export
from console.journal.store import read_records
from console.launch.backend import open_session
from console.ui.app import RtConsoleApp
from console.ui.audio_protocols import StaticLevels
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.replay import READ_ONLY, ReplayApp, load_recording
from console.ui.themes import builtin_theme_dirs

from .conftest import FIXED_NOW, make_app
from .test_app_local import LOCAL, connect, lines, say, wait_for

SIZE = (140, 40)


def screen_rows(app: RtConsoleApp) -> list[list[tuple[str, str]]]:
    """Every row of the screen as (text, style) segments: what an SVG snapshot is made of."""
    strips = app.screen._compositor.render_strips()
    return [[(seg.text, str(seg.style)) for seg in strip] for strip in strips]


def journaled_app(journal: JournalWriter) -> RtConsoleApp:
    """The console on the local engine, journaled as `rtconsole` journals a session."""
    agents = demo_agents()
    return make_app(
        agents=agents,
        open_session=lambda: open_session(agents, LOCAL, None, DEMO_RUN_CONFIG, journal=journal),
        frame_rate=60.0,
        journal=journal,
    )


def turn_labels(app: RtConsoleApp) -> list[str]:
    return [str(node.label) for node in app.main.history.root.children]


def _text(row: list[tuple[str, str]]) -> str:
    return "".join(text for text, _ in row)


def replay_app(path: Path, **options: Any) -> ReplayApp:
    return ReplayApp(
        load_recording(path), tick_s=0, blink=False, frame_rate=0.0, levels=StaticLevels(),
        theme_dirs=builtin_theme_dirs(), **options,
    )


def _settled(app: RtConsoleApp) -> bool:
    """The last reply is complete and the tree holds the whole history."""
    history = list(app.session.history) if app.session is not None else []
    return bool(history) and getattr(history[-1], "status", None) == "completed" and (
        app.main.history.item_ids == [item.item_id for item in history]
    )


async def _live_session(pilot: Pilot[Any], app: RtConsoleApp) -> None:
    """Tool call, handoff, an approval the operator grants, and the replies after each."""
    await connect(pilot, app)
    await say(pilot, "what is the weather in Paris")
    await wait_for(pilot, lambda: "The get weather tool says" in lines(app))
    # Each reply's turn ends before the next line is said: a line said while the reply still
    # streams starts a turn its remaining deltas then count for (the timeline's rule), and the
    # session would have a different number of turns from run to run.
    await wait_for(pilot, lambda: len(app.state.figures.turns) == 1)
    await say(pilot, "I need billing help")
    await wait_for(pilot, lambda: "You are now talking to billing" in lines(app))
    await wait_for(pilot, lambda: len(app.state.figures.turns) == 2)
    await say(pilot, "refund order 42 amount 20")
    await wait_for(pilot, lambda: bool(app.main.approvals.pending))
    await pilot.press("ctrl+y")
    await wait_for(pilot, lambda: "The refund order tool says: refunded $" in lines(app))
    await wait_for(pilot, lambda: _settled(app))
    await wait_for(pilot, lambda: len(app.state.figures.turns) == 3)  # the last turn measured
    await pilot.pause(0.3)


async def test_replay_of_a_live_session_shows_the_same_screen(tmp_path: Path) -> None:
    live_path = tmp_path / "live.jsonl"
    # A fixed journal clock: every record's time of day is FIXED_NOW, as the live `now` is.
    journal = JournalWriter(live_path, clock=lambda: FIXED_NOW.timestamp())
    live = journaled_app(journal)
    async with live.run_test(size=SIZE) as pilot:
        await _live_session(pilot, live)
        live_rows = screen_rows(live)
        # Snapshot the journal at this very point (no await since the screen was taken).
        shutil.copy(live_path, tmp_path / "at_point.jsonl")
        live_text = lines(live)
        live_turns = turn_labels(live)
    records = list(read_records(live_path))
    assert records[-1] == {"kind": "event", "type": "journal_closed", "t": 0.0}
    kinds = {r["kind"] for r in records}
    assert {"meta", "sent", "recv", "event", "decision"} <= kinds

    replay = replay_app(tmp_path / "at_point.jsonl")
    async with replay.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert replay.bar.state == "playing" and replay.position == 0
        applied = replay.play_all()
        await pilot.pause()
        await pilot.pause()
        assert applied == len(replay.recording.steps) > 20
        assert replay.bar.state == "ended"
        replay_rows = screen_rows(replay)
        assert lines(replay) == live_text
        # The History's turns show the journaled figures (session.turn_figures), as live.
        assert turn_labels(replay) == live_turns
        assert len(live_turns) == 3 and all(" ms · " in label for label in live_turns)
    # Every row but the footer (whose keys differ by design) is the same, text and style.
    assert len(replay_rows) == len(live_rows) == SIZE[1]
    for number, (seen, expected) in enumerate(zip(replay_rows[:-1], live_rows[:-1], strict=True)):
        assert seen == expected, f"row {number}: {_text(seen)!r} != {_text(expected)!r}"
    footer = "".join(text for text, _ in replay_rows[-1])
    assert "replay ■ ended" in footer and "space Pause" in footer and "Approve" not in footer


async def test_step_pause_speed_and_read_only_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    journal = JournalWriter(path, clock=iter(float(n) for n in range(10_000)).__next__)
    live = journaled_app(journal)
    async with live.run_test(size=SIZE) as pilot:
        await connect(pilot, live)
        await say(pilot, "hello there")
        await wait_for(pilot, lambda: "Hello, how can I help you today?" in lines(live))
        await pilot.pause(0.2)
    clock = [0.0]
    replay = ReplayApp(
        load_recording(path), tick_s=0.01, timer=lambda: clock[0], blink=False,
        theme_dirs=builtin_theme_dirs(),
    )
    async with replay.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert replay.paused and replay.bar.state == "paused"
        await pilot.press("n")
        assert replay.position == 1
        await pilot.press("n", "n")
        assert replay.position == 3
        await pilot.press("plus", "plus", "minus", "minus", "minus")
        assert replay.speed == 0.5
        await pilot.press("right_square_bracket")
        assert replay.speed == 1.0
        # Playing: the journal's clock ticked one second per record; time moves the replay.
        await pilot.press("space")
        clock[0] += 2.0
        await pilot.pause(0.05)
        clock[0] += 0.001
        await wait_for(pilot, lambda: replay.position > 3)
        assert not replay.ended
        before = replay.position
        await pilot.press("space")  # paused again: time passes, nothing moves
        clock[0] += 100.0
        await pilot.pause(0.05)
        assert replay.position == before
        replay.play_all()
        await pilot.pause()
        assert "Hello, how can I help you today?" in lines(replay)
        # Every notice as it is posted: shown ones expire after 2 s, which a loaded machine
        # can take to press the keys.
        shown: list[str] = []
        notify = replay.notify

        def record(message: str, **options: Any) -> None:
            shown.append(message)
            notify(message, **options)

        replay.notify = record  # type: ignore[method-assign]
        for key in ("ctrl+y", "ctrl+n", "f5", "f6", "ctrl+r", "f8"):
            await pilot.press(key)
        await pilot.press("a", "enter")
        await pilot.pause()
        assert replay.main.input.value == ""
        assert shown.count(READ_ONLY) == 8
        titles = [c.title for c in replay.get_system_commands(replay.screen)]
        assert {"Pause or resume", "Step", "Faster", "Slower"} <= set(titles)
        assert "Approve" not in titles
        assert "not connected" not in lines(replay)


def test_replay_command_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["replay", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such session journal" in capsys.readouterr().err
    junk = tmp_path / "junk.jsonl"
    junk.write_text("hello\n")
    assert cli_main(["replay", str(junk)]) == 2
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 10)
    assert cli_main(["replay", str(binary)]) == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert cli_main(["replay", str(empty)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("rtconsole replay: error:") for e in errors)
    assert cli_main(["replay", str(junk), "--speed", "0"]) == 2
    assert capsys.readouterr().err.startswith("rtconsole replay: error: argument --speed")


def test_sessions_and_export_are_wired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RTCONSOLE_DATA_DIR", str(tmp_path))
    writer = JournalWriter(tmp_path / "sessions" / "20260101-093000.jsonl")
    writer.meta(agent="Triage")
    writer.wire("recv", {"type": "response.done", "response": {}})
    writer.close()
    assert cli_main(["sessions"]) == 0
    assert "Triage" in capsys.readouterr().out
    assert cli_main(["export", "20260101-093000", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["session"]["name"] == "20260101-093000.jsonl"
    assert export(writer.path, "md").startswith("# Session 20260101-093000")
