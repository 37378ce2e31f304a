"""Pilot tests of the console against the real local engine over loopback WebSocket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from console.launch.backend import Plan, open_session
from console.realtime import RealtimeAgent, function_tool
from console.ui.app import RtConsoleApp
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

from .conftest import make_app

LOCAL = Plan("local", "gpt-realtime", None, None)


def local_app(agents: list[Any] | None = None, **options: Any) -> RtConsoleApp:
    agents = agents or demo_agents()
    return make_app(
        agents=agents,
        open_session=lambda: open_session(agents, LOCAL, None, DEMO_RUN_CONFIG),
        frame_rate=60.0,
        **options,
    )


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], steps: int = 1500) -> None:
    """Let the app run until ``condition`` holds (bounded by steps, never by wall-clock asserts)."""
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    app = pilot.app
    shown = "\n".join(app.main.transcript.plain_lines()) if isinstance(app, RtConsoleApp) else ""
    raise AssertionError(f"condition not reached; the transcript shows:\n{shown}")


def lines(app: RtConsoleApp) -> str:
    return "\n".join(app.main.transcript.plain_lines())


def texts(app: RtConsoleApp) -> list[str]:
    return [entry.text for entry in app.main.transcript.entries]


async def connect(pilot: Pilot[Any], app: RtConsoleApp) -> None:
    await wait_for(pilot, lambda: app.main.status.connection == "connected")


async def say(pilot: Pilot[Any], text: str, *, typed: bool = False) -> None:
    """Send a line from the input. ``typed`` presses every key (slow: Pilot waits for the app
    to go idle after each); otherwise the line is pasted in and only Enter is pressed."""
    if typed:
        await pilot.press(*text, "enter")
        return
    assert isinstance(pilot.app, RtConsoleApp)
    pilot.app.main.input.value = text
    await pilot.press("enter")


async def test_text_reply_streams_into_the_transcript() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        text = "Hello there. This reply has three sentences. The line grows in place."
        await say(pilot, text)
        reply = f'You said: "{text}"'
        await wait_for(pilot, lambda: reply in texts(app))
        assert text in texts(app)
        # One line, built from the streamed deltas (how many frames they spread over depends on
        # the machine's speed; that the line is the deltas' own does not).
        assert len([e for e in app.main.transcript.entries if e.text.startswith("You said")]) == 1
        assert "ms to first" in app.main.status.latency
        await wait_for(pilot, lambda: len(app.main.history.item_ids) >= 2)


async def test_tool_without_approval_runs_and_is_shown() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "what is the weather in Paris", typed=True)
        await wait_for(pilot, lambda: "The get weather tool says" in lines(app))
        assert 'get_weather {"city": "Paris"}' in lines(app)
        assert not app.main.approvals.pending


async def _to_billing_and_request_refund(pilot: Pilot[Any], app: RtConsoleApp) -> str:
    await connect(pilot, app)
    await say(pilot, "I need billing help")
    await wait_for(pilot, lambda: app.main.graph.current == "Billing")
    await wait_for(pilot, lambda: "You are now talking to billing" in lines(app))
    await say(pilot, "refund order 42 amount 20")
    await wait_for(pilot, lambda: bool(app.main.approvals.pending))
    (approval,) = app.main.approvals.pending.values()
    assert approval.tool == "refund_order" and approval.agent == "Billing"
    assert any("needs approval" in text for text in texts(app))  # the wrap may split it
    return approval.call_id


async def test_approve_key_runs_the_tool() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_billing_and_request_refund(pilot, app)
        assert "refunded $" not in lines(app)
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: "The refund order tool says: refunded $" in lines(app))
        assert "operator   approved refund_order" in lines(app)
        assert not app.main.approvals.pending


async def test_reject_key_sends_the_rejection() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        call_id = await _to_billing_and_request_refund(pilot, app)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "The refund order tool says:" in lines(app))
        assert "operator   rejected refund_order" in lines(app)
        assert "refunded $" not in lines(app)
        history = app.session.history
        call = next(i for i in history if getattr(i, "call_id", None) == call_id)
        assert call.output is not None and "refunded" not in call.output


async def test_handoff_moves_the_graph_highlight() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        assert app.main.graph.current == "Triage"
        await say(pilot, "I have a travel question")
        await wait_for(pilot, lambda: app.main.graph.current == "Travel")
        assert app.main.graph.taken[("Triage", "Travel")] == 1
        assert app.main.status.agent == "Travel"
        assert "Travel  (current)" in str(app.main.graph.render())
        assert "handoff    Triage → Travel" in lines(app)


async def test_guardrail_stops_a_reply_with_a_card_number() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        # Long enough that the reply passes the guardrail's debounce before it ends.
        await say(pilot, "please read this back to me exactly as I say it: the long number "
                         "4111 1111 1111 1111 and nothing else")
        await wait_for(pilot, lambda: "no_card_numbers tripped" in lines(app))
        kinds = [(e.kind, e.label) for e in app.main.transcript.entries]
        assert kinds.index(("error", "guardrail")) > kinds.index(("user", "you"))
        assert app.main.status.connection == "connected"


@function_tool
def explode(reason: str) -> str:
    """Explode the reactor for a reason.

    Args:
        reason: Why.
    """
    raise RuntimeError(f"reactor refused: {reason}")


async def test_an_error_shows_and_the_app_lives_on() -> None:
    agent = RealtimeAgent[Any](name="Fragile", instructions="test", tools=[explode])
    app = local_app([agent])
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "explode the reactor now, reason \"testing\"")
        await wait_for(pilot, lambda: "error" in [e.kind for e in app.main.transcript.entries])
        assert "reactor refused" in lines(app)
        await say(pilot, "are you still there")
        await wait_for(pilot, lambda: 'You said: "are you still there"' in lines(app))
        assert app.main.status.connection == "connected"


async def test_quit_closes_the_session() -> None:
    app = local_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        session = app.session
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.session is None)
        assert session.closed
    assert app.return_value == 0
