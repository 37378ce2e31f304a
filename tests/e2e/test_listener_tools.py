"""Issue 7: listener callbacks around a tool round and a subagent round on the local engine."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from console.engine import LocalEngine
from console.realtime import RealtimeAgent, function_tool, subagent

from .recorders import Calls
from .support import WireTap, live_session


@function_tool
def get_weather(city: str) -> str:
    """Look up the weather for a city."""
    return f"sunny in {city}"


async def test_tool_round(tap: WireTap, engine: LocalEngine) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant", tools=[get_weather])
    async with live_session(tap, engine, agent, listener=calls) as live:
        await live.session.send_message("What is the weather in Paris?")
        await live.events.wait_for("tool_end")
        await live.events.wait_raw("response.done", count=2)
        await calls.wait_for("transcript")

    # The call itself is silent; the answer that uses the output is heard.
    assert calls.compact() == [
        "starting",
        "connected",
        "delta*",
        "responding",
        "delta*",
        "stopped_responding",
        "transcript",
        "stopped",
    ]
    assert calls.of("transcript") == [("transcript", "The get weather tool says: sunny in Paris.")]


async def test_subagent_round(tap: WireTap, engine: LocalEngine) -> None:
    release = asyncio.Event()
    tasks: list[str] = []

    async def research(task: str, ctx: Any) -> str:
        tasks.append(task)
        await release.wait()
        return f"found 3 flights to {task}"

    tool = subagent(
        "research",
        research,
        description="Research flights to a city.",
        holding_message="One moment please.",
    )
    calls = Calls()
    agent = RealtimeAgent("Assistant", tools=[tool])
    async with live_session(tap, engine, agent, listener=calls) as live:
        await live.session.send_message("Please research flights to Lisbon")
        await calls.wait_for("subagent_started")
        # The model is asked to hold the line while the task runs.
        [holding] = await calls.wait_for("transcript")
        # A second call while the task runs is refused with a clear output.
        await live.session.send_message("Also research flights to Porto")
        await calls.wait_for("transcript", count=2)
        assert calls.of("subagent_finished") == []
        release.set()
        await calls.wait_for("subagent_finished")
        await calls.wait_for("transcript", count=3)
        await live.events.wait_raw("response.done", count=5)

    assert tasks == ["Lisbon"]
    assert calls.compact() == [
        "starting",
        "connected",
        "subagent_started",
        "delta*",
        "responding",
        "stopped_responding",
        "transcript",  # holding message
        "delta*",
        "responding",
        "delta*",
        "stopped_responding",
        "transcript",  # busy
        "subagent_finished",
        "delta*",
        "responding",
        "delta*",
        "stopped_responding",
        "transcript",  # result
        "stopped",
    ]
    assert holding[1] == "One moment, the research is still working."
    assert calls.of("subagent_started") == [("subagent_started", "research")]
    assert calls.of("subagent_finished") == [("subagent_finished", "research")]
    assert calls.of("transcript")[-1] == (
        "transcript",
        "The research tool says: found 3 flights to Lisbon.",
    )

    creates = tap.sent("response.create")
    assert "One moment please." in creates[1]["response"]["instructions"]
    outputs = [
        e["item"]
        for e in tap.sent("conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]
    first, second = tap.received("response.function_call_arguments.done")
    assert [o["call_id"] for o in outputs] == [second["call_id"], first["call_id"]]
    assert json.loads(second["arguments"]) == {"task": "Porto"}
    assert "still working on an earlier task" in outputs[0]["output"]
    assert outputs[1]["output"] == "found 3 flights to Lisbon"
