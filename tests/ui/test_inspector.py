"""The event inspector and what the caller heard, on the real local engine over loopback, live and
in replay; and no known secret anywhere on screen when the server echoes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from console.engine import LocalEngine
from console.journal import JournalWriter
from console.journal.export import export
from console.journal.heard import HeardTracker
from console.journal.redact import REDACTED
from console.launch.backend import Plan, open_session
from console.ui.app import RtConsoleApp
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.screens.inspector import InspectorScreen

from .conftest import make_app
from .test_app_local import LOCAL, connect, say, wait_for
from .test_replay import replay_app

SIZE = (140, 40)
LONG = ("Please read this back to me. It has several parts. Each part is a sentence. "
        "The reply is long enough to cut. And one more sentence for good measure.")


def tapped_app(plan: Plan = LOCAL, journal: JournalWriter | None = None) -> RtConsoleApp:
    """The console as `rtconsole` runs it: the wire goes to the journal and to the inspector."""
    agents = demo_agents()
    app: RtConsoleApp | None = None

    def opener() -> Any:
        assert app is not None
        return open_session(agents, plan, None, DEMO_RUN_CONFIG, journal=journal,
                            wire_tap=app.wire_tap)

    app = make_app(agents=agents, open_session=opener, frame_rate=60.0, journal=journal)
    return app


def wire_types(app: RtConsoleApp) -> list[str]:
    return [entry.type for entry in app.wire_tap.log]


async def interrupted_reply(pilot: Pilot[Any], app: RtConsoleApp) -> str:
    """Ask for a long spoken reply, press Esc while its audio streams; the reply's item id."""
    await connect(pilot, app)
    await say(pilot, LONG)
    await wait_for(pilot, lambda: wire_types(app).count("response.output_audio.delta") >= 3)
    await pilot.press("escape")
    await wait_for(pilot, lambda: "conversation.item.truncate" in wire_types(app))
    truncate = next(e for e in app.wire_tap.log if e.type == "conversation.item.truncate")
    item_id = str(truncate.data["item_id"])
    await wait_for(pilot, lambda: app.main.transcript.heard_of(item_id) is not None)
    return item_id


async def test_inspector_shows_the_live_wire_and_filters_to_one_type() -> None:
    app = tapped_app()
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, app)
        await say(pilot, "Hello there.")
        await wait_for(pilot, lambda: "response.done" in wire_types(app))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        table = screen.table
        await wait_for(pilot, lambda: table.row_count == len(app.wire_tap.log))
        # Both ways: what the console sent and what the engine answered.
        sent = [e for e in app.wire_tap.log if e.direction == "sent"]
        assert sent and any(e.direction == "recv" for e in app.wire_tap.log)
        assert screen.set_filter("response.created")
        assert table.row_count == 1
        # The selected event's JSON, pretty-printed.
        await pilot.pause()
        assert '"type": "response.created"' in str(screen.detail.render())
        # A regex narrows further; a bad one is refused and the filter stays.
        assert not screen.set_filter(None, "(unclosed")
        assert table.row_count == 1
        # Paused, new events wait; resumed, they are listed.
        assert screen.set_filter()
        await pilot.press("p")
        shown = table.row_count
        await app.session.send_message("Again please.")  # the input is under the inspector
        await wait_for(pilot, lambda: wire_types(app).count("response.done") >= 2)
        screen.poll()
        assert table.row_count == shown and "paused" in str(screen.table.border_subtitle)
        await pilot.press("p")
        assert table.row_count == len(app.wire_tap.log) > shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main)


def fast_engine() -> LocalEngine:
    """An engine that sends a reply's audio as fast as it can: by the time Esc is pressed far
    more was received than played, however loaded the machine (played time is wall time)."""
    return LocalEngine(voice="synthetic", transcriber="placeholder", pace=None)


def engine_plan(engine: LocalEngine) -> Plan:
    return Plan("local", "gpt-realtime", None, engine.url, engine.token or "")


async def test_an_interrupted_reply_marks_what_the_caller_heard() -> None:
    async with fast_engine() as engine:
        await _heard_and_cut(tapped_app(engine_plan(engine)))


async def _heard_and_cut(app: RtConsoleApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        item_id = await interrupted_reply(pilot, app)
        transcript = app.main.transcript
        heard = transcript.heard_of(item_id)
        text = transcript.text_of(item_id) or ""
        # The same figure from the wire the inspector holds (audio there is byte counts).
        tracker = HeardTracker()
        results = [tracker.wire(e.direction, e.data) for e in app.wire_tap.log]
        (expected,) = [r for r in results if r is not None]
        assert heard == expected.chars
        assert 0 <= heard < len(text)  # the engine streams faster than it plays: some was cut
        assert expected.played_ms < expected.audio_ms
        # On screen: heard characters plain, the cut ones struck through.
        struck = [
            segment.text for y in range(transcript.size.height)
            for segment in transcript.render_line(y)
            if segment.style is not None and segment.style.strike
        ]
        # (Wrapping drops the spaces where lines break.)
        assert "".join(struck).replace(" ", "") == text[heard:].replace(" ", "")
        assert any(e.text.startswith("caller heard") for e in transcript.entries)


async def test_replay_shows_the_wire_and_the_cut_as_live(tmp_path: Path) -> None:
    journal = JournalWriter(tmp_path / "s.jsonl")
    async with fast_engine() as engine:
        app = tapped_app(engine_plan(engine), journal=journal)
        async with app.run_test(size=SIZE) as pilot:
            item_id = await interrupted_reply(pilot, app)
            await wait_for(pilot, lambda: "response.done" in wire_types(app))
            live_heard = app.main.transcript.heard_of(item_id)
            live_types = wire_types(app)
            await app.close_session()
    replay = replay_app(tmp_path / "s.jsonl")
    async with replay.run_test(size=SIZE) as pilot:
        replay.play_all()
        await wait_for(pilot, lambda: replay.main.transcript.heard_of(item_id) is not None)
        assert replay.main.transcript.heard_of(item_id) == live_heard
        assert wire_types(replay)[: len(live_types)] == live_types
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(replay.screen, InspectorScreen))
        assert isinstance(replay.screen, InspectorScreen)
        assert replay.screen.set_filter("conversation.item.truncate")
        assert replay.screen.table.row_count == 1
    # The export says the same: the heard part as said, the cut part struck through.
    entries = json.loads(export(tmp_path / "s.jsonl", "json"))["entries"]
    (cut,) = [e for e in entries if e["kind"] == "assistant" and "heard_chars" in e]
    assert cut["item_id"] == item_id and cut["heard_chars"] == live_heard
    assert 0 <= cut["played_ms"] < cut["audio_ms"]
    markdown = export(tmp_path / "s.jsonl", "md")
    line = next(row for row in markdown.splitlines() if "interrupted: caller heard" in row)
    assert f"~~{cut['text'][live_heard:].strip()}~~" in line


async def test_no_known_secret_on_screen_when_the_server_echoes_it() -> None:
    async with fast_engine() as engine:
        token = engine.token
        assert token
        app = tapped_app(engine_plan(engine))
        async with app.run_test(size=SIZE) as pilot:
            await connect(pilot, app)
            # The engine says back what it was told: here, its own token.
            await say(pilot, f"my key is {token} ok")
            await wait_for(pilot, lambda: "response.done" in wire_types(app))
            await wait_for(pilot, lambda: any(
                "You said" in e.text for e in app.main.transcript.entries))
            app.bridge.flush()
            await pilot.pause()
            history = app.main.history
            for node in list(history.root.children):
                node.expand_all()
            await pilot.pause()
            shown = [*app.main.transcript.plain_lines(), *(
                str(history.get_node_at_line(n).label)  # type: ignore[union-attr]
                for n in range(history.last_line + 1))]
            assert any(REDACTED in line for line in shown)
            assert not any(token in line for line in shown)
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
            assert isinstance(app.screen, InspectorScreen)
            assert not any(token in e.pretty() for e in app.wire_tap.log)
            await app.close_session()


async def test_approvals_and_errors_hide_a_known_secret() -> None:
    from console.ui.bridge import SessionBridge as B
    from console.ui.widgets.approvals import PendingApproval

    key = "sk-proj-abcdefgh12345678"
    app = make_app()
    app.redactor.add(key)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(B.ApprovalsChanged(
            (PendingApproval("c1", "Billing", "refund", f'{{"token": "{key}"}}'),)
        ))
        app.post_message(B.ErrorReported(f"invalid_api_key: Incorrect API key provided: {key}"))
        await pilot.pause()
        await pilot.pause()
        prompts = [str(app.main.approvals.get_option_at_index(0).prompt)]
        shown = [*prompts, *app.main.transcript.plain_lines()]
        assert not any(key in line for line in shown)
        assert sum(REDACTED in line for line in shown) >= 2
