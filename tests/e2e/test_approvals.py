"""Issue 4: a tool that needs approval, approved and rejected, over our transport and engine."""

from __future__ import annotations

import json

from console.engine import LocalEngine
from console.realtime import FunctionTool, RealtimeAgent, function_tool

from .support import WireTap, live_session

ran: list[str] = []


@function_tool(needs_approval=True)
def get_weather(city: str) -> str:
    """Look up the weather for a city."""
    ran.append(city)
    return f"sunny and 21 degrees in {city}"


def agent(tool: FunctionTool = get_weather) -> RealtimeAgent[None]:
    return RealtimeAgent("Assistant", instructions="Answer briefly.", tools=[tool])


def outputs(tap: WireTap) -> list[dict[str, object]]:
    """function_call_output items our transport sent."""
    return [
        e["item"]
        for e in tap.sent("conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]


async def test_approved_tool_runs_and_the_engine_speaks_its_output(
    tap: WireTap, engine: LocalEngine
) -> None:
    ran.clear()
    async with live_session(tap, engine, agent()) as live:
        await live.session.send_message("What is the weather in Paris?")
        [asked] = await live.events.wait_for("tool_approval_required")
        assert asked.tool.name == "get_weather"
        assert json.loads(asked.arguments) == {"city": "Paris"}
        assert list(live.session.pending_approvals) == [asked.call_id]
        # Nothing runs and nothing goes back to the model until someone decides.
        assert ran == [] and outputs(tap) == []

        await live.session.approve_tool_call(asked.call_id)
        [end] = await live.events.wait_for("tool_end")
        [spoken] = await live.events.wait_raw(
            "response.output_audio_transcript.done", lambda d: "Paris" in d["transcript"]
        )
        await live.events.wait_raw("response.done", count=2)

    assert ran == ["Paris"]
    assert end.output == "sunny and 21 degrees in Paris" and end.call_id == asked.call_id
    assert live.session.pending_approvals == {}
    [call] = tap.received("response.function_call_arguments.done")
    assert outputs(tap) == [
        {
            "type": "function_call_output",
            "call_id": call["call_id"],
            "output": "sunny and 21 degrees in Paris",
        }
    ]
    assert spoken["transcript"] == "The get weather tool says: sunny and 21 degrees in Paris."
    assert live.events.types().count("tool_start") == 1
    # Two responses: the call, then the sentence that uses the output.
    assert [d["response"]["status"] for d in tap.received("response.done")] == [
        "completed",
        "completed",
    ]
    assert tap.sent("response.create") and len(tap.sent("response.create")) == 2


async def test_rejected_tool_does_not_run_and_the_engine_answers_the_rejection(
    tap: WireTap, engine: LocalEngine
) -> None:
    ran.clear()
    async with live_session(tap, engine, agent()) as live:
        await live.session.send_message("What is the weather in Oslo?")
        [asked] = await live.events.wait_for("tool_approval_required")
        await live.session.reject_tool_call(
            asked.call_id, rejection_message="The operator declined this call."
        )
        [end] = await live.events.wait_for("tool_end")
        [spoken] = await live.events.wait_raw("response.output_audio_transcript.done")
        await live.events.wait_raw("response.done", count=2)

    assert ran == []
    assert "tool_start" not in live.events.types()
    assert end.output == "The operator declined this call."
    [sent] = outputs(tap)
    assert sent["output"] == "The operator declined this call."
    assert spoken["transcript"] == "The get weather tool says: The operator declined this call."
    assert live.session.pending_approvals == {}


async def test_approve_always_runs_later_calls_without_asking(
    tap: WireTap, engine: LocalEngine
) -> None:
    ran.clear()
    async with live_session(tap, engine, agent()) as live:
        await live.session.send_message("What is the weather in Rome?")
        [asked] = await live.events.wait_for("tool_approval_required")
        await live.session.approve_tool_call(asked.call_id, always=True)
        await live.events.wait_raw("response.done", count=2)
        await live.session.send_message("And the weather in Lima?")
        await live.events.wait_for("tool_end", count=2)
        await live.events.wait_raw("response.done", count=4)

    assert ran == ["Rome", "Lima"]
    assert len(live.events.of("tool_approval_required")) == 1
    assert [o["output"] for o in outputs(tap)] == [
        "sunny and 21 degrees in Rome",
        "sunny and 21 degrees in Lima",
    ]
