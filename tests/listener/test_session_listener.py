"""The listener API through RealtimeRunner and RealtimeSession (scripted model, no sockets)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from console.realtime import (
    AgentError,
    AgentListener,
    RealtimeAgent,
    RealtimeRunner,
    subagent,
)
from console.realtime.model_events import (
    RealtimeModelErrorEvent,
    RealtimeModelToolCallEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
)
from console.realtime.testing import ScriptedRealtimeModel
from tests.listener.test_lifecycle import FakeClock

GUARD_S = 5.0


class Calls(AgentListener):
    def __init__(self, model: ScriptedRealtimeModel | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.model = model

    async def on_agent_starting(self) -> None:
        connected = bool(self.model and self.model.connect_calls)
        self.calls.append(("starting", connected))

    async def on_agent_session_connected(self) -> None:
        self.calls.append(("connected",))

    async def on_agent_stopped(self) -> None:
        self.calls.append(("stopped",))

    async def on_agent_error(self, error: AgentError) -> None:
        self.calls.append(("error", error.type, error.message))

    async def on_subagent_started(self, agent_name: str) -> None:
        self.calls.append(("subagent_started", agent_name))

    async def on_subagent_finished(self, agent_name: str) -> None:
        self.calls.append(("subagent_finished", agent_name))

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        self.calls.append(("countdown", remaining_seconds))


async def _drain(session: Any) -> list[Any]:
    events = []

    async def read() -> None:
        async for event in session:
            events.append(event)

    await asyncio.wait_for(read(), GUARD_S)
    return events


async def test_starting_comes_before_any_io_and_stopped_comes_last() -> None:
    model = ScriptedRealtimeModel(strict=False)
    listener = Calls(model)
    agent = RealtimeAgent("Assistant", listener=listener)
    session = await RealtimeRunner(agent, model=model).run()
    async with session:
        await model.emit(RealtimeModelErrorEvent(error={"type": "server_error", "message": "boom"}))
    await _drain(session)
    assert listener.calls == [
        ("starting", False),
        ("connected",),
        ("error", "server_error", "boom"),
        ("stopped",),
    ]


async def test_runner_listener_wins_and_a_raising_listener_becomes_an_error_event() -> None:
    class Broken(AgentListener):
        async def on_agent_session_connected(self) -> None:
            raise ValueError("bad listener")

    model = ScriptedRealtimeModel(strict=False)
    ignored = Calls()
    agent = RealtimeAgent("Assistant", listener=ignored)
    session = await RealtimeRunner(agent, model=model, listener=Broken()).run()
    async with session:
        for _ in range(10):
            await asyncio.sleep(0)
    errors = [e for e in await _drain(session) if e.type == "error"]
    assert ignored.calls == []
    assert errors and "bad listener" in errors[0].error["message"]
    assert errors[0].error["kind"] == "listener"


async def until(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    for _ in range(int(limit_s / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_subagent_round() -> None:
    release = asyncio.Event()

    async def research(task: str, ctx: Any) -> str:
        await release.wait()
        return f"found 3 flights for {task}"

    tool = subagent(
        "research", research, description="Researches flights", holding_message="One moment."
    )
    model = ScriptedRealtimeModel(strict=False)
    listener = Calls()
    agent = RealtimeAgent("Assistant", tools=[tool], listener=listener)
    session = await RealtimeRunner(agent, model=model).run()
    async with session:
        call = RealtimeModelToolCallEvent(
            name="research", call_id="c1", arguments=json.dumps({"task": "Lisbon"})
        )
        await model.emit(call)
        await until(lambda: bool(model.sent_of("send_raw_message")))
        raw = model.sent_of("send_raw_message")
        assert len(raw) == 1 and raw[0].message["type"] == "response.create"
        assert "One moment." in raw[0].message["other_data"]["response"]["instructions"]
        # A second call while the first runs is refused with a clear output.
        await model.emit(
            RealtimeModelToolCallEvent(name="research", call_id="c2", arguments='{"task": "x"}')
        )
        await until(lambda: bool(model.sent_of("send_tool_output")))
        outputs = model.sent_of("send_tool_output")
        assert [o.tool_call.call_id for o in outputs] == ["c2"]
        assert "still working" in outputs[0].output
        release.set()
        await until(lambda: len(model.sent_of("send_tool_output")) == 2)
        result = model.sent_of("send_tool_output")[1]
        assert result.tool_call.call_id == "c1" and result.start_response
        assert result.output == "found 3 flights for Lisbon"
    await _drain(session)
    sub = [c for c in listener.calls if c[0].startswith("subagent")]
    assert sub == [("subagent_started", "research"), ("subagent_finished", "research")]


async def test_a_running_subagent_is_cancelled_cleanly_on_close() -> None:
    cancelled = asyncio.Event()

    running = asyncio.Event()

    async def forever(task: str, ctx: Any) -> str:
        running.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return ""

    model = ScriptedRealtimeModel(strict=False)
    listener = Calls()
    agent = RealtimeAgent(
        "Assistant", tools=[subagent("slow", forever, description="slow")], listener=listener
    )
    session = await RealtimeRunner(agent, model=model).run()
    async with session:
        await model.emit(RealtimeModelToolCallEvent(name="slow", call_id="c1", arguments="{}"))
        await asyncio.wait_for(running.wait(), 30)
    assert cancelled.is_set()
    await _drain(session)
    assert listener.calls[-2:] == [("subagent_finished", "slow"), ("stopped",)]


async def test_inactivity_counts_down_and_closes_the_session_with_a_reason() -> None:
    clock = FakeClock()
    model = ScriptedRealtimeModel(strict=False)
    listener = Calls()
    agent = RealtimeAgent("Assistant", listener=listener)
    runner = RealtimeRunner(
        agent, model=model, config={"user_inactivity_timeout_s": 8}, lifecycle_clock=clock
    )
    session = await runner.run()
    await session.enter()
    started = clock.t
    # A response holds the clock; when it ends the full timeout starts again.
    await model.emit(RealtimeModelTurnStartedEvent(response_id="r1"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert clock.t == started
    await model.emit(RealtimeModelTurnEndedEvent(response_id="r1"))
    events = await _drain(session)
    await session.close()  # already closing: waits for the shutdown to finish
    assert "session_closed" not in [e.type for e in events]  # SDK-shaped iteration
    assert session.closed_reason == "no user activity for 8 s"
    assert clock.t == started + 8
    countdown = [c[1] for c in listener.calls if c[0] == "countdown"]
    assert countdown == [5, 4, 3, 2, 1]
    assert listener.calls[-1] == ("stopped",)


async def test_warns_once_about_callbacks_that_cannot_fire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    class Transcripts(AgentListener):
        async def on_user_transcript(self, text: str) -> None:
            pass

    model = ScriptedRealtimeModel(strict=False)
    config: Any = {"model_settings": {"input_audio_transcription": None}}
    for _ in range(2):
        session = await RealtimeRunner(
            RealtimeAgent("A"), model=model, config=config, listener=Transcripts()
        ).run()
        async with session:
            pass
    warnings = [r for r in caplog.records if "on_user_transcript" in r.getMessage()]
    assert len(warnings) == 1
    assert "transcription" in warnings[0].getMessage()
