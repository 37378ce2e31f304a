"""Tool time limits (per tool and per run) and the bound on unread session events."""

from __future__ import annotations

import asyncio
from typing import Any

from console.realtime import RealtimeAgent, RealtimeRunConfig, RealtimeRunner, function_tool
from console.realtime.model_events import (
    RealtimeModelAudioEvent,
    RealtimeModelToolCallEvent,
)
from console.realtime.testing import ScriptedRealtimeModel

from .support import Reader


async def run(tools: list[Any], config: RealtimeRunConfig) -> tuple[Any, ScriptedRealtimeModel]:
    model = ScriptedRealtimeModel(strict=False)
    session = await RealtimeRunner(RealtimeAgent("Main", tools=tools), model=model,
                                   config=config).run()
    return await session.enter(), model


def outputs(model: ScriptedRealtimeModel) -> list[tuple[str, str]]:
    return [(e.tool_call.call_id, e.output) for e in model.sent_of("send_tool_output")]


@function_tool(timeout=0.05)
async def slow_own_limit() -> str:
    """Waits for ever; has its own limit."""
    await asyncio.Event().wait()
    return ""


@function_tool
async def quick() -> str:
    """Answers at once."""
    return "quick"


async def test_a_tools_own_limit_wins_over_the_run_configs() -> None:
    session, model = await run([slow_own_limit, quick], {"tool_timeout_s": 3600})
    reader = Reader(session)
    await model.emit(RealtimeModelToolCallEvent("quick", "c0", "{}"))
    await model.emit(RealtimeModelToolCallEvent("slow_own_limit", "c1", "{}"))
    error = await reader.until("error")
    assert (error.error["kind"], error.error["call_id"]) == ("tool_timeout", "c1")
    await reader.until("tool_end", lambda e: e.call_id == "c1")
    assert sorted(outputs(model)) == [
        ("c0", "quick"), ("c1", "Tool 'slow_own_limit' timed out after 0.05 seconds.")]
    await session.close()


async def test_a_tool_that_ignores_cancellation_still_times_out() -> None:
    release = asyncio.Event()

    @function_tool
    async def stubborn() -> str:
        """Ignores being cancelled until the test lets it go."""
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue
        return "too late"

    session, model = await run([stubborn], {"tool_timeout_s": 0.05})
    reader = Reader(session)
    await model.emit(RealtimeModelToolCallEvent("stubborn", "c1", "{}"))
    end = await reader.until("tool_end")
    assert end.output == "Tool 'stubborn' timed out after 0.05 seconds."
    await asyncio.wait_for(session.close(), 10)
    release.set()  # (else the test's event loop could never finish it)
    await asyncio.sleep(0)


def audio(n: int) -> RealtimeModelAudioEvent:
    return RealtimeModelAudioEvent(data=b"\x00" * 960, response_id="r", item_id="a",
                                   content_index=n % 2)


async def test_unread_events_are_bounded_and_the_drop_is_reported_once() -> None:
    session, model = await run([], {"max_queued_events": 100})
    for n in range(5000):
        await model.emit(audio(n))
    queued = session._queue.qsize()
    assert queued <= 102  # the limit, plus the one error saying so
    assert session.dropped_events > 4800
    await model.emit(RealtimeModelToolCallEvent("missing", "c1", "{}"))  # still delivered
    reader = Reader(session)
    await reader.until("error", lambda e: e.error.get("kind") == "unknown_tool")
    await session.close()
    await reader.rest()
    dropped = [e for e in reader.seen if e.type == "error" and e.error["kind"] == "events_dropped"]
    assert len(dropped) == 1


async def test_without_a_limit_every_event_is_kept() -> None:
    session, model = await run([], {"max_queued_events": None})
    for n in range(3000):
        await model.emit(audio(n))
    assert session._queue.qsize() >= 6000  # raw + audio per model event
    assert session.dropped_events == 0
    await session.close()


async def test_a_stall_is_reported_once_per_silence() -> None:
    from console.realtime.model_events import RealtimeModelRawServerEvent

    session, model = await run([], {"response_timeout_s": 0.05})
    reader = Reader(session)
    await session.send_message("one")
    await session.send_message("two")  # still the same silence
    first = await reader.until("error")
    assert first.error["kind"] == "response_timeout"
    await model.emit(RealtimeModelRawServerEvent({"type": "rtconsole.alive"}))
    await session.send_message("three")  # a new wait, after the server spoke
    second = await reader.until("error")
    assert second.error["kind"] == "response_timeout"
    await session.close()
    await reader.rest()
    stalls = [e for e in reader.seen
              if e.type == "error" and e.error["kind"] == "response_timeout"]
    assert len(stalls) == 2
