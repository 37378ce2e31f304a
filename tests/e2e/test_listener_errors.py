"""Issue 7: errors reach the listener (server errors, unknown tools), and listeners that fail
or cannot fire are contained and reported."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from console.engine import LocalEngine
from console.engine.scenario import Scenario
from console.realtime import AgentError, AgentListener, RealtimeAgent
from console.realtime.model_inputs import RealtimeModelSendRawMessage

from .recorders import Calls
from .support import WireTap, live_session


@pytest.fixture
def scenario() -> Scenario:
    # The engine calls a tool the agent does not have when the user mentions a rocket.
    return Scenario.from_dict(
        {"turns": [{"when": "rocket", "calls": [{"name": "launch_rocket", "arguments": {}}]}]}
    )


async def test_an_invalid_client_event_is_an_error_and_the_session_goes_on(
    tap: WireTap, engine: LocalEngine
) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    async with live_session(tap, engine, agent, listener=calls) as live:
        # An append without its audio: invalid for the API, and for our tap's oracle too.
        raw = RealtimeModelSendRawMessage({"type": "input_audio_buffer.append"})
        await live.session.model.send_event(raw)
        [error] = await calls.wait_for("error")
        await live.session.send_message("hello there")
        await calls.wait_for("transcript")

    [(direction, event, _)] = tap.invalid
    assert direction == "sent" and event == {"type": "input_audio_buffer.append"}
    tap.invalid.clear()  # the one invalid event was ours, on purpose
    assert error[1] == AgentError(
        type="invalid_request_error",
        message="Missing required parameter: 'audio'.",
        code="missing_required_parameter",
        param="audio",
    )
    [event] = live.events.of("error")
    assert event.error["code"] == "missing_required_parameter"
    assert calls.compact() == [
        "starting",
        "connected",
        "error",
        "delta*",
        "responding",
        "stopped_responding",
        "transcript",
        "stopped",
    ]


async def test_an_error_for_a_valid_event_carries_code_and_param(
    tap: WireTap, engine: LocalEngine
) -> None:
    calls = Calls()
    async with live_session(tap, engine, RealtimeAgent("Assistant"), listener=calls) as live:
        raw = RealtimeModelSendRawMessage(
            {"type": "conversation.item.retrieve", "other_data": {"item_id": "item_missing"}}
        )
        await live.session.model.send_event(raw)
        [error] = await calls.wait_for("error")

    agent_error: AgentError = error[1]
    assert agent_error.type == "invalid_request_error"
    assert agent_error.param == "item_id" and agent_error.code
    assert "item_missing" in agent_error.message
    assert calls.names() == ["starting", "connected", "error", "stopped"]


async def test_an_unknown_tool_becomes_an_output_and_the_engine_answers(
    tap: WireTap, engine: LocalEngine
) -> None:
    async with live_session(tap, engine, RealtimeAgent("Assistant")) as live:
        await live.session.send_message("Launch the rocket")
        [error] = await live.events.wait_for("error")
        [spoken] = await live.events.wait_raw("response.output_audio_transcript.done")
        await live.events.wait_raw("response.done", count=2)

    assert error.error["kind"] == "unknown_tool" and error.error["tool_name"] == "launch_rocket"
    [output] = [
        e["item"]
        for e in tap.sent("conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]
    assert output["output"] == "Tool launch_rocket not found"
    assert spoken["transcript"] == "The launch rocket tool says: Tool launch_rocket not found."


async def test_an_unknown_tool_reaches_on_agent_error(tap: WireTap, engine: LocalEngine) -> None:
    calls = Calls()
    async with live_session(tap, engine, RealtimeAgent("Assistant"), listener=calls) as live:
        await live.session.send_message("Launch the rocket")
        await live.events.wait_for("error")
        await live.events.wait_raw("response.done", count=2)
        await calls.wait_for("transcript")

    [(_, agent_error)] = calls.of("error")
    assert "launch_rocket" in agent_error.message
    assert agent_error.type == "unknown_tool"


async def test_a_raising_listener_is_reported_and_the_turn_completes(
    tap: WireTap, engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Calls):
        async def on_assistant_transcript_delta(self, delta: str) -> None:
            raise ValueError(f"cannot show {delta!r}")

    calls = Broken()
    async with live_session(tap, engine, RealtimeAgent("Assistant"), listener=calls) as live:
        await live.session.send_message("hello there")
        await calls.wait_for("transcript")
        await live.events.wait_raw("response.done")

    deltas = tap.received("response.output_audio_transcript.delta")
    reported = [e for e in live.events.of("error") if e.error.get("kind") == "listener"]
    assert len(reported) == len(deltas) > 0
    assert "on_assistant_transcript_delta raised ValueError" in reported[0].error["message"]
    assert calls.names() == [
        "starting",
        "connected",
        "responding",
        "stopped_responding",
        "transcript",
        "stopped",
    ]
    logged = [r for r in caplog.records if "on_assistant_transcript_delta raised" in r.message]
    assert len(logged) == len(deltas) and logged[0].exc_info is not None


async def test_a_callback_that_cannot_fire_is_warned_about_once(
    tap: WireTap, engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    class WantsTranscripts(AgentListener):
        async def on_user_transcript(self, text: str) -> None:
            pass

    config: Any = {"model_settings": {"input_audio_transcription": None}}
    caplog.set_level(logging.WARNING, logger="console.realtime.lifecycle")
    for _ in range(2):
        async with live_session(
            tap, engine, RealtimeAgent("Assistant"), listener=WantsTranscripts(), config=config
        ) as live:
            update = live.events.raw("session.updated")[0]["session"]["audio"]["input"]
            assert update["transcription"] is None
    warnings = [r.getMessage() for r in caplog.records if "will never be called" in r.getMessage()]
    assert warnings == [
        "WantsTranscripts.on_user_transcript will never be called: "
        "no input audio transcription model is configured"
    ]
