"""Issue 4: a handoff to a second agent re-configures the engine's session (session.update)."""

from __future__ import annotations

from typing import Any

from console.engine import LocalEngine
from console.realtime import RealtimeAgent, function_tool

from .support import WireTap, live_session


@function_tool
def refund_order(order_number: int) -> str:
    """Refund an order."""
    return f"order {order_number} refunded"


def tool_names(session: dict[str, Any]) -> list[str]:
    return [t["name"] for t in session["tools"]]


async def test_handoff_sends_the_new_agents_settings_before_the_next_response(
    tap: WireTap, engine: LocalEngine
) -> None:
    billing = RealtimeAgent(
        "Billing agent",
        instructions="You handle billing.",
        handoff_description="Refunds and invoices.",
        tools=[refund_order],
    )
    front = RealtimeAgent("Front desk", instructions="Route callers.", handoffs=[billing])
    async with live_session(tap, engine, front) as live:
        [first] = live.events.raw("session.updated")
        assert first["session"]["instructions"] == "Route callers."
        assert tool_names(first["session"]) == ["transfer_to_billing_agent"]

        await live.session.send_message("Can I talk to billing please?")
        [handoff] = await live.events.wait_for("handoff")
        # The engine confirms the new agent's session: its instructions and its tools only.
        [_, second] = await live.events.wait_raw("session.updated", count=2)
        [welcome] = await live.events.wait_raw("response.output_audio_transcript.done")
        await live.events.wait_raw("response.done", count=2)
        assert live.session.current_agent is billing

        # The engine now calls the second agent's tool, which the session runs.
        await live.session.send_message("Please refund order 42")
        [end] = await live.events.wait_for(
            "tool_end", lambda e: getattr(e.tool, "name", "") == "refund_order"
        )
        [_, done] = await live.events.wait_raw("response.output_audio_transcript.done", count=2)
        await live.events.wait_raw("response.done", count=4)
        await live.events.wait_for("agent_end", count=4)

    assert handoff.from_agent is front and handoff.to_agent is billing
    assert second["session"]["instructions"] == "You handle billing."
    assert tool_names(second["session"]) == ["refund_order"]
    assert welcome["transcript"] == "You are now talking to billing agent, how can I help?"
    assert end.output == "order 42 refunded"
    assert done["transcript"] == "The refund order tool says: order 42 refunded."

    order = [
        t for t in live.events.types() if t in ("tool_start", "handoff", "agent_changed")
    ]
    assert order == ["agent_changed", "tool_start", "handoff", "agent_changed", "tool_start"]
    # agent_start/agent_end bracket every response, as in the SDK (four responses here).
    turns = [t for t in live.events.types() if t in ("agent_start", "agent_end")]
    assert turns == ["agent_start", "agent_end"] * 4
    # After the call: session.update first, then the transfer output, then response.create.
    sent = tap.types("sent")
    assert sent == [
        "session.update",
        "conversation.item.create",
        "response.create",
        "session.update",
        "conversation.item.create",
        "response.create",
        "conversation.item.create",
        "response.create",
        "conversation.item.create",
        "response.create",
    ]
    [_, update] = tap.sent("session.update")
    assert update["session"]["instructions"] == "You handle billing."
    assert tool_names(update["session"]) == ["refund_order"]
    transfer = tap.sent("conversation.item.create")[1]["item"]
    assert transfer["type"] == "function_call_output"
    assert (
        transfer["call_id"] == tap.received("response.function_call_arguments.done")[0]["call_id"]
    )
