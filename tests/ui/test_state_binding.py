"""The app and its view-model: widgets show the state's slices (the same objects, no copies), each
fact is held once, and replay reduces the journal into the state the live console had."""

from __future__ import annotations

from pathlib import Path

from console.journal import JournalWriter
from console.journal.store import read_records
from console.realtime.items import AssistantAudio, AssistantMessageItem, InputText, UserMessageItem
from console.ui.bridge import SessionBridge as B
from console.ui.listener import ConsoleListener as L
from console.ui.screens.metrics import MetricsScreen
from console.ui.widgets.approvals import PendingApproval

from .conftest import FIXED_NOW, make_app
from .test_app_local import wait_for
from .test_replay import replay_app

SIZE = (140, 40)


async def test_widgets_hold_the_states_slices_not_copies() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        refund = PendingApproval("c1", "Billing", "refund_order", "{}")
        app.post_message(B.ConnectionChanged("connected"))
        app.post_message(B.HandoffTaken("Triage", "Billing"))
        app.post_message(B.ApprovalsChanged((refund,)))
        app.post_message(L.CountdownTicked(7))
        await wait_for(pilot, lambda: app.state.status.countdown == 7)
        await pilot.press("f8")
        state, main = app.state, app.main
        assert main.status.facts is state.status
        assert main.graph.agents is state.status.agents
        assert main.approvals.approvals is state.approvals
        # Every reader asks the one place: the app, the bar, the graph, the Audio pane.
        assert app.muted and main.status.muted and state.status.muted
        assert main.status.agent == main.graph.current == state.agent == "Billing"
        assert main.status.connection == state.connection == "connected"
        assert list(main.approvals.pending) == ["c1"] and main.approvals.selected() == refund
        assert "inactive: 7 s" in str(main.status.render())
        assert "muted" in main.meters.state
        await pilot.press("f8")
        assert not app.muted and not main.status.muted and main.status.facts is app.state.status


async def test_the_history_tree_and_the_metrics_view_hold_the_states_slices() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.main.history
        question = UserMessageItem(item_id="u1", content=[InputText(text="weather?")])
        reply = AssistantMessageItem(item_id="a1", status="in_progress",
                                     content=[AssistantAudio(transcript="Sun")])
        app.post_message(B.ItemAdded(question))
        app.post_message(B.HistoryChanged([question, reply], False))
        await wait_for(pilot, lambda: tree.item_ids == ["u1", "a1"])
        assert tree.history is app.state.history
        nodes = [tree._item_nodes["u1"], tree._item_nodes["a1"]]
        # The reply grows in place: the new slice extends the old, so the tree upserts it.
        reply.content[0].transcript = "Sunny all day"  # type: ignore[union-attr]
        app.post_message(B.HistoryChanged([question, reply], False))
        app.post_message(B.TurnMeasured(1, {"first_audio": 300.0}, 0.0, 0.0, 840.0, {}, None))
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 1)
        assert tree.history is app.state.history
        assert [tree._item_nodes["u1"], tree._item_nodes["a1"]] == nodes  # not rebuilt
        assert "Sunny all day" in str(nodes[1].label)
        assert [str(n.label) for n in tree.root.children] == ["Turn 1 · 840 ms"]
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen))
        view = app.screen
        assert isinstance(view, MetricsScreen)
        assert view.book is view.table.book is app.state.figures
        app.post_message(B.TurnMeasured(2, {}, 0.0, 0.0, 90.0, {}, None))
        await wait_for(pilot, lambda: len(view.book.turns) == 2)
        assert view.book is view.table.book is app.state.figures
        assert "2 turns" in str(view.title_line.render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MetricsScreen))
        app.post_message(B.TurnMeasured(3, {}, 0.0, 0.0, 95.0, {}, None))
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 3)
        assert len(view.book.turns) == 2  # a closed view is no longer bound


async def test_the_transcript_pane_shows_the_states_lines() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(B.UserSpoke("u1", "hello"))
        for chunk in ("Hi", " there", "!"):
            app.post_message(B.TranscriptStreamed("a1", "Triage", chunk, []))
        app.post_message(B.ToolStarted("Triage", "get_weather", "{}", "c1"))
        await wait_for(pilot, lambda: len(app.main.transcript.entries) == 4)
        shown = [(e.kind, e.label, e.text) for e in app.main.transcript.entries]
        assert shown == app.state.transcript.lines() == [
            ("system", "console", "not connected: no session to open"),
            ("user", "you", "hello"), ("assistant", "Triage", "Hi there!"),
            ("tool", "tool", "get_weather {}"),
        ]


async def test_clear_is_journaled_and_replay_reduces_to_the_same_state(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    journal = JournalWriter(path, clock=lambda: FIXED_NOW.timestamp())
    live = make_app(journal=journal)
    async with live.run_test(size=SIZE) as pilot:
        live.post_message(B.ConnectionChanged("connected"))
        live.post_message(B.Notice("before the clear"))
        await wait_for(pilot, lambda: bool(live.state.transcript.lines()))
        await pilot.press("ctrl+l")
        live.post_message(B.HandoffTaken("Triage", "Billing"))
        live.post_message(B.UsageReported({"text_in": 12, "text_out": 3}, 0.002))
        await pilot.press("f8")
        await wait_for(pilot, lambda: live.state.status.usage.responses == 1)
        live_state = live.state
    types = [r.get("type") for r in read_records(path) if r.get("kind") == "event"]
    assert "console.clear" in types and types.index("console.clear") < types.index("call.handoff")

    replay = replay_app(path)
    async with replay.run_test(size=SIZE) as pilot:
        replay.play_all()
        await pilot.pause()
        state = replay.state
        assert state.transcript.lines() == live_state.transcript.lines() == [
            ("handoff", "handoff", "Triage → Billing")]
        assert [e.text for e in replay.main.transcript.entries] == ["Triage → Billing"]
        for fact in ("connection", "muted", "agents", "usage"):
            assert getattr(state.status, fact) == getattr(live_state.status, fact), fact
        assert replay.main.status.facts is state.status
