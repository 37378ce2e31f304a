"""Widget behaviour: transcript streaming and scale, history tree increments, graph, meters."""

from __future__ import annotations

from dataclasses import replace

from textual.geometry import Offset

from console.realtime.items import (
    AssistantAudio,
    AssistantMessageItem,
    InputText,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.ui.audio_protocols import StaticLevels
from console.ui.bridge import SessionBridge as B
from console.ui.demo_agents import demo_agents
from console.ui.tokens import TokenCount, TokenLedger
from console.ui.widgets.approvals import PendingApproval
from console.ui.widgets.handoff_graph import build_graph
from console.ui.widgets.meters import bar, level_fraction
from console.ui.widgets.status_bar import StatusBar

from .conftest import make_app
from .test_app_local import wait_for


async def test_transcript_streams_in_place_and_wraps() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.main.transcript
        before = len(transcript.entries)
        for word in ["The ", "quick ", "brown ", "fox"]:
            transcript.append_text("a1", word, label="Triage")
        await pilot.pause()
        assert len(transcript.entries) == before + 1
        assert transcript.entries[-1].text == "The quick brown fox"
        transcript.append_text("a1", " jumps" * 40, label="Triage")
        await pilot.pause()
        rows = [r for r in transcript.plain_lines() if "Triage" in r or r.startswith(" ")]
        assert len(rows) > 2, "a long reply wraps onto continuation rows"
        assert transcript.plain_lines()[-1].strip().endswith("jumps")


async def test_one_feed_history_items_never_write_assistant_lines() -> None:
    # Assistant lines come from the deltas alone; the history (live, and passed over in full at
    # each turn end) only fills the history tree, so a reply can never show twice.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        item = AssistantMessageItem(item_id="a1", content=[AssistantAudio(transcript="The tool")])
        app.post_message(B.ItemAdded(item))
        app.post_message(B.TranscriptStreamed("a1", "Triage", "The tool says:", []))
        app.post_message(B.HistoryChanged([item], True))
        app.post_message(B.TranscriptStreamed("a1", "Triage", " sunny.", []))
        await pilot.pause()
        await pilot.pause()
        replies = [e.text for e in app.main.transcript.entries if e.kind == "assistant"]
        assert replies == ["The tool says: sunny."]
        assert app.main.history.item_ids == ["a1"]


async def test_transcript_with_thousands_of_lines_stays_at_the_end() -> None:
    app = make_app()
    rendered: list[list[float]] = []
    app.main.transcript._on_rendered = rendered.append
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.main.transcript
        for number in range(3000):
            transcript.add("user", "you", f"line {number}")
        transcript.append_text("a9", "streaming", label="Triage", arrivals=[1.0, 2.0])
        await pilot.pause()
        assert len(transcript.plain_lines()) >= 3001
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert rendered and rendered[-1] == [1.0, 2.0]
        transcript.clear()
        await pilot.pause()
        assert transcript.plain_lines() == []


async def test_history_tree_updates_only_changed_items() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.history
        user = UserMessageItem(item_id="u1", content=[InputText(text="hi")])
        reply = AssistantMessageItem(
            item_id="a1", status="in_progress", content=[AssistantAudio(transcript="Hel")]
        )
        call = RealtimeToolCallItem(item_id="c1", call_id="k1", name="get_weather",
                                    arguments='{"city": "Oslo"}')
        tree.sync([user, reply, call])
        await pilot.pause()
        user_node = tree._item_nodes["u1"]
        reply_node = tree._item_nodes["a1"]
        reply.content[0].transcript = "Hello there"  # type: ignore[union-attr]
        reply.status = "completed"
        call.output, call.status = "sunny", "completed"
        tree.sync([user, reply, call])
        await pilot.pause()
        assert tree._item_nodes["u1"] is user_node
        assert tree._item_nodes["a1"] is reply_node
        assert "Hello there" in str(reply_node.label)
        leaves = [str(child.label) for child in tree._item_nodes["c1"].children]
        assert 'arguments: {"city": "Oslo"}' in leaves and "output: sunny" in leaves
        assert [str(n.label) for n in tree.root.children] == ["Turn 1"]
        tree.sync([user])  # items deleted from history leave the tree
        assert tree.item_ids == ["u1"]


def test_graph_covers_agents_reachable_from_the_start() -> None:
    graph = build_graph(demo_agents())
    assert graph.nodes == ["Triage", "Billing", "Travel"]
    assert graph.edges["Triage"] == ["Billing", "Travel"]
    assert graph.edges["Billing"] == ["Triage"]


async def test_graph_marks_current_and_taken() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)):
        graph = app.main.graph
        graph.mark_taken("Triage", "Billing")
        graph.mark_taken("Billing", "Triage")
        graph.mark_taken("Triage", "Billing")
        text = str(graph.render())
        assert graph.current == "Billing"
        assert "● Billing  (current)" in text
        assert "Billing  ✓ taken x2" in text
        assert "Triage  ✓ taken x1" in text


async def test_approval_queue_selects_highlighted_or_oldest() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)):
        queue = app.main.approvals
        assert queue.selected() is None
        first = PendingApproval("c1", "Billing", "refund_order", '{"order_id": "1"}')
        second = PendingApproval("c2", "Travel", "change_booking", '{"booking_id": "B"}')
        queue.show((first, second))
        assert queue.selected() == first and queue.border_title == "Approvals (2)"
        queue.highlighted = 1
        assert queue.selected() == second
        queue.show((first,))
        assert queue.selected() == first
        queue.show((first, second))
        queue.highlighted = 1
        queue.show((second,))  # the highlight stays on the approval, not on the row number
        assert queue.selected() == second
        queue.show(())
        assert queue.selected() is None and queue.border_title == "Approvals"


def test_meter_scale() -> None:
    assert level_fraction(-96.0) == 0.0 and level_fraction(0.0) == 1.0
    assert level_fraction(-30.0) == 0.5
    assert bar(0.5, 10) == "█████     "
    assert bar(0.0, 4) == "    " and bar(1.0, 4) == "████"


async def test_meters_follow_the_level_source() -> None:
    levels = StaticLevels()
    app = make_app(levels=levels)
    async with app.run_test(size=(120, 40)) as pilot:
        meters = app.main.meters
        assert "-∞ dB" in str(meters.render())
        levels.mic_db, levels.user_speaking = -12.0, True
        meters.poll()
        await pilot.pause()
        text = str(meters.render())
        assert "-12 dB" in text and "speaking" in text
        levels.muted = True
        assert "muted" in str(meters.render())


async def test_status_bar_shows_every_fact() -> None:
    app = make_app(recording=True)
    async with app.run_test(size=(160, 40)):
        status: StatusBar = app.main.status
        status.connection, status.agent = "connected", "Billing"
        status.set_latency(123.4, "audio")
        text = str(status.render())
        for needle in ("connected", "local engine", "gpt-realtime", "Billing",
                       "123 ms to first audio", "rec on"):
            assert needle in text


def test_the_audio_state_says_who_has_the_floor_and_never_speaking_into_a_closed_mic() -> None:
    from console.ui.audio_protocols import StaticLevels
    from console.ui.widgets.meters import conversation_state

    assert conversation_state(StaticLevels(), heard=False, thinking=False) == "listening"
    assert conversation_state(StaticLevels(user_speaking=True), False, False) == "user speaking"
    assert conversation_state(StaticLevels(), heard=True, thinking=False) == "user speaking"
    assert conversation_state(StaticLevels(), heard=False, thinking=True) == "thinking"
    assert conversation_state(StaticLevels(user_speaking=True), True, True, True) == (
        "off, text only"
    )
    playing = StaticLevels(assistant_speaking=True, user_speaking=True)
    assert conversation_state(playing, False, True) == "agent speaking"
    closed = StaticLevels(listening=False, user_speaking=True, mic_db=-10.0)
    assert conversation_state(closed, heard=True, thinking=False) == "mic closed (push to talk)"
    muted = StaticLevels(muted=True, user_speaking=True)
    assert conversation_state(muted, heard=True, thinking=False) == "muted"


async def test_history_tree_widens_when_a_label_grows() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.history
        reply = AssistantMessageItem(
            item_id="a1", status="in_progress", content=[AssistantAudio(transcript="Hel")]
        )
        tree.sync([reply])
        await pilot.pause()
        narrow = tree.virtual_size.width
        reply.content[0].transcript = "Hello " * 40  # type: ignore[union-attr]
        tree.sync([reply])
        await pilot.pause()
        assert tree.virtual_size.width > narrow + 40  # labels are clipped near 80 cells


async def test_transcript_text_can_be_selected_and_copied() -> None:
    app = make_app(frame_rate=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.main.transcript
        transcript.clear()
        transcript.add("user", "you", "what is the weather in Paris")
        transcript.add("assistant", "Triage", "Paris: windy, 11 °C.")
        await pilot.pause()
        # Drag from the start of the first line's words to the end of the second line.
        # (Mouse offsets count from the pane's outer edge: add its border and padding.)
        gutter = transcript.content_region.offset - transcript.region.offset
        start = transcript.plain_lines()[0].index("what")
        await pilot.mouse_down(transcript, offset=gutter + Offset(start, 0))
        await pilot.hover(transcript, offset=gutter + Offset(60, 1))
        await pilot.mouse_up(transcript, offset=gutter + Offset(60, 1))
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None and selected.startswith("what is the weather in Paris")
        assert "Paris: windy, 11 °C." in selected
        await pilot.press("ctrl+c")
        assert app.clipboard == selected


async def test_history_turns_carry_the_figures_of_the_turn_they_measured() -> None:
    # The tree numbers turns as the turn timeline numbers TurnMeasured: a greeting is turn 1,
    # each user input starts one, and a response that came after its turn was measured (none
    # open) starts its own; figures that arrive before their turn's items wait for them.
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        tree = app.main.history

        def said(item_id: str, text: str) -> AssistantMessageItem:
            return AssistantMessageItem(item_id=item_id, content=[AssistantAudio(transcript=text)])

        def measured(number: int, total_ms: float, tokens: dict[str, int] | None = None,
                     cost: float | None = None) -> B.TurnMeasured:
            return B.TurnMeasured(number, {}, 0.0, 0.0, total_ms, tokens or {}, cost)

        for message in (
            B.ItemAdded(said("a0", "Hello, how can I help?")),
            B.TurnMeasured(1, {"response": 5.0}, 0.0, 0.0, 412.4, {}, 0.0),
            B.ItemAdded(UserMessageItem(item_id="u1", content=[InputText(text="weather?")])),
            B.ItemAdded(said("a1", "Sunny.")),
            measured(2, 900.0),
            B.ItemAdded(said("a2", "Anything else?")),  # a response no input started
            measured(4, 75.0),  # before its turn is in the tree
            B.ItemAdded(UserMessageItem(item_id="u2", content=[InputText(text="no")])),
            measured(3, 20.0, {"text_in": 120, "audio_in": 30, "text_out": 40}, 0.0123),
        ):
            app.post_message(message)
        await wait_for(pilot, lambda: len(app.state.figures.turns) == 4)
        assert tree.history is app.state.history
        labels = [str(node.label) for node in tree.root.children]
        assert labels == [
            "Turn 1 · 412 ms",  # no usage: neither tokens nor a cost
            "Turn 2 · 900 ms",
            "Turn 3 · 20 ms · 150 in / 40 out · $0.0123",
            "Turn 4 · 75 ms",
        ]
        assert [str(n.children[0].label) for n in tree.root.children][:2] == [
            str(tree._item_nodes["a0"].label), str(tree._item_nodes["u1"].label)
        ]


async def test_a_narrow_status_bar_drops_whole_fields_and_keeps_state_agent_and_cost() -> None:
    for width in (160, 100, 80, 64):
        app = make_app(recording=True)
        async with app.run_test(size=(width, 30)) as pilot:
            status: StatusBar = app.main.status
            status.connection, status.agent = "connected", "Billing"
            status.set_latency(123.4, "audio")
            status.facts = replace(
                status.facts, usage=TokenLedger(TokenCount(text_in=1600), 0.0123, 1))
            assert status.usage == "1600 tokens · $0.0123" and status.usage_cost == "$0.0123"
            await pilot.pause()
            shown = str(status.render())
            whole = {
                f"{field.label}{form}" for field in status.fields() for form in field.forms
            }
            pieces = shown.split(" │ ")
            assert all(piece in whole for piece in pieces), (width, shown)
            assert len(shown) <= status.size.width
            assert pieces[0] == "● connected" and "agent Billing" in pieces
            assert any(piece.endswith("$0.0123") for piece in pieces)
            if width == 160:
                assert pieces == [
                    "● connected", "backend local engine", "model gpt-realtime",
                    "agent Billing", "latency 123 ms to first audio", "1600 tokens · $0.0123",
                    "rec on",
                ]
            if width == 80:
                assert "latency 123 ms" in pieces and "backend local engine" not in pieces
