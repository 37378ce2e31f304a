"""The session hands the console typed events for deltas, the user's transcript, turns, the
connection and usage, alongside (never instead of) the SDK's events."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, get_args

from console.realtime import (
    ErrorDetail,
    RealtimeAgent,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSessionEvent,
    Usage,
)
from console.realtime import events as ev
from console.realtime.model_events import (
    RealtimeModelConnectionStatusEvent,
    RealtimeModelErrorEvent,
    RealtimeModelInputAudioTranscriptionCompletedEvent,
    RealtimeModelOtherEvent,
    RealtimeModelOutputTextDeltaEvent,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
    RealtimeModelUsageEvent,
)
from console.realtime.testing import ScriptedRealtimeModel
from console.realtime.wire import ServerEventDecoder

from .conftest import Reader, start

CONSOLE_TYPES = {
    "transcript_delta", "text_delta", "user_transcript", "user_transcript_failed",
    "turn_started", "turn_ended", "connection_state", "usage", "function_call",
}
SDK_TYPES = {
    "agent_start", "agent_end", "handoff", "tool_start", "tool_end", "tool_approval_required",
    "raw_model_event", "audio", "audio_end", "audio_interrupted", "error", "history_updated",
    "history_added", "guardrail_tripped", "input_audio_timeout_triggered",
}


def _type_of(cls: Any) -> str:
    return str(next(f.default for f in fields(cls) if f.name == "type"))


def test_every_console_event_is_in_the_union_and_no_type_collides_with_the_sdk() -> None:
    types = [_type_of(cls) for cls in get_args(RealtimeSessionEvent)]
    assert set(types) >= CONSOLE_TYPES
    assert not SDK_TYPES & CONSOLE_TYPES
    assert len(types) == len(set(types))


async def _reply(model: ScriptedRealtimeModel) -> None:
    await model.emit(
        RealtimeModelTurnStartedEvent(response_id="r1"),
        RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="Hel", response_id="r1"),
        RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="lo", response_id="r1"),
        RealtimeModelOutputTextDeltaEvent(item_id="t1", delta="typed", response_id="r1"),
        RealtimeModelUsageEvent(Usage(1, 8, 5, 13), response_id="r1"),
        RealtimeModelTurnEndedEvent(response_id="r1", status="completed"),
    )


async def test_a_reply_arrives_as_turn_delta_usage_and_turn_end_events() -> None:
    model = ScriptedRealtimeModel(strict=False)
    agent = RealtimeAgent("Main")
    session = await start(agent, model)
    reader = Reader(session, console=True)
    await _reply(model)
    started = await reader.until("turn_started")
    assert (started.response_id, started.agent) == ("r1", agent)
    first = await reader.until("transcript_delta")
    second = await reader.until("transcript_delta")
    assert [(d.item_id, d.response_id, d.delta) for d in (first, second)] == [
        ("a1", "r1", "Hel"), ("a1", "r1", "lo")
    ]
    text = await reader.until("text_delta")
    assert (text.item_id, text.response_id, text.delta) == ("t1", "r1", "typed")
    usage = await reader.until("usage")
    assert usage.response_id == "r1"
    assert (usage.usage.input_tokens, usage.usage.output_tokens) == (8, 5)
    assert session.context_wrapper.usage.total_tokens == 13
    ended = await reader.until("turn_ended")
    assert (ended.response_id, ended.status, ended.agent) == ("r1", "completed", agent)
    await session.close()


async def test_console_events_come_after_the_sdk_events_of_the_same_model_event() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session, console=True)
    await _reply(model)
    await reader.until("turn_ended")
    await session.close()
    await reader.rest()
    seen = reader.types()
    # The SDK's own events, in the SDK's order; each console event right behind its source.
    sdk = [t for t in seen if t not in CONSOLE_TYPES]
    assert sdk[sdk.index("agent_start"):] == [
        "agent_start", "history_added", "history_added", "agent_end", "session_closed"
    ]
    assert seen.index("agent_start") + 1 == seen.index("turn_started")
    assert seen.index("agent_end") + 1 == seen.index("turn_ended")
    added = seen.index("history_added")
    assert seen[added + 1] == "transcript_delta"


async def _replied(console: bool | None) -> list[Any]:
    """Every event of a session that answered once, read plainly (``console`` None) or through
    ``events(console=...)``."""
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    iterator = session.__aiter__() if console is None else session.events(console=console)
    await _reply(model)
    await session.close()
    return [event async for event in iterator]


async def test_sdk_iteration_sees_exactly_what_it_saw_before_console_events_existed() -> None:
    plain = await _replied(None)
    console = await _replied(True)
    assert not {e.type for e in plain} & CONSOLE_TYPES
    assert CONSOLE_TYPES - {"user_transcript_failed", "user_transcript", "function_call"} <= {
        e.type for e in console
    }
    without = [e for e in console if type(e) not in ev.CONSOLE_EVENTS]
    assert [e.type for e in without] == [e.type for e in plain] + ["session_closed"]
    assert [e.type for e in await _replied(False)] == [e.type for e in without]
    assert {_type_of(cls) for cls in ev.CONSOLE_EVENTS} == CONSOLE_TYPES


async def test_the_user_transcript_and_a_failed_transcription_are_typed() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session, console=True)
    await model.emit(
        RealtimeModelInputAudioTranscriptionCompletedEvent(item_id="u1", transcript="hi there"),
        RealtimeModelOtherEvent({
            "type": "conversation.item.input_audio_transcription.failed", "item_id": "u2",
            "content_index": 0, "error": {"type": "transcription_error", "message": "noise"},
        }),
    )
    done = await reader.until("user_transcript")
    assert (done.item_id, done.transcript) == ("u1", "hi there")
    assert session.history.get("u1") is not None
    failed = await reader.until("user_transcript_failed")
    assert failed.item_id == "u2"
    assert failed.error == {"type": "transcription_error", "message": "noise"}
    await session.close()


async def test_connection_state_changes_are_events_matching_the_property() -> None:
    model = ScriptedRealtimeModel(strict=False)
    config: RealtimeRunConfig = {"reconnect": {"enabled": True, "initial_delay_s": 60.0}}
    session = await start(RealtimeAgent("Main"), model, config=config)
    reader = Reader(session, console=True)
    # Asked for after enter: the state as it is now comes first.
    now = await reader.until("connection_state")
    assert (now.previous, now.state) == ("connected", "connected")
    await model.emit(
        RealtimeModelErrorEvent({"type": "connection_closed", "message": "reset"}),
        RealtimeModelConnectionStatusEvent(status="disconnected"),
    )
    down = await reader.until("connection_state")
    assert (down.previous, down.state) == ("connected", "reconnecting")
    assert session.connection_state == "reconnecting"
    assert await session.reconnect_now()
    again = await reader.until("connection_state")
    assert (again.previous, again.state) == ("reconnecting", "connected")
    await session.close()
    rest = await reader.rest()
    assert [e.type for e in rest if isinstance(e, ev.RealtimeConnectionStateChanged)] == []


async def test_an_iterator_asked_for_before_enter_sees_connecting_then_connected() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await RealtimeRunner(RealtimeAgent("Main"), model=model).run()
    reader = Reader(session, console=True)
    await session.enter()
    first = await reader.until("connection_state")
    assert (first.previous, first.state) == ("disconnected", "connecting")
    up = await reader.until("connection_state")
    assert (up.previous, up.state) == ("connecting", "connected")
    assert reader.types().index("connection_state") == 0
    await session.close()


async def test_without_a_console_iterator_no_console_event_is_made() -> None:
    """SDK code pays nothing: the queue holds exactly the SDK's events (and ours of before)."""
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    await _reply(model)
    await session.close()
    queued = []
    while session._queue.qsize():
        queued.append(session._queue.get_nowait())
    assert queued and not [e for e in queued if type(e) in ev.CONSOLE_EVENTS]


def test_the_decoder_tells_which_response_the_usage_belongs_to() -> None:
    decoder = ServerEventDecoder()
    events = decoder.decode(json.dumps({
        "type": "response.done",
        "response": {"id": "resp_9", "status": "completed",
                     "usage": {"input_tokens": 3, "output_tokens": 4}},
    }))
    usage = next(e for e in events if e.type == "usage")
    assert isinstance(usage, RealtimeModelUsageEvent)
    assert usage.response_id == "resp_9" and usage.usage.total_tokens == 7


async def test_the_models_function_call_is_typed_once_before_the_call_runs() -> None:
    model = ScriptedRealtimeModel(strict=False)
    agent = RealtimeAgent("Main")
    session = await start(agent, model)
    reader = Reader(session, console=True)
    call = RealtimeModelToolCallEvent(name="lookup", call_id="c1", arguments='{"q": 1}')
    # A transport may report one call twice (arguments done, then the output item done).
    await model.emit(call, call)
    typed = await reader.until("function_call")
    assert (typed.agent, typed.name, typed.call_id, typed.arguments) == (
        agent, "lookup", "c1", '{"q": 1}'
    )
    await session.close()
    rest = await reader.rest()
    assert "function_call" not in [e.type for e in rest]
    seen = reader.types(raw=True)
    # After the raw event it came in, before what running it says (here: no such tool).
    assert seen.index("raw_model_event") < seen.index("function_call") < seen.index("error")


async def test_a_plain_iterator_does_not_see_the_function_call_event() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    plain = session.__aiter__()
    await model.emit(RealtimeModelToolCallEvent(name="lookup", call_id="c1", arguments="{}"))
    await session.close()
    assert "function_call" not in [event.type async for event in plain]


def test_error_detail_reads_every_shape_the_session_reports() -> None:
    server = {"type": "invalid_request_error", "code": "bad_key", "message": "Bad key",
              "param": None, "event_id": "e1"}
    assert ErrorDetail.of(server) == ErrorDetail("Bad key", "bad_key", "invalid_request_error")
    assert ErrorDetail.of({"type": "error", "error": server}) == ErrorDetail.of(server)
    own = {"message": "tool lookup timed out", "kind": "tool_timeout", "timeout_s": 2.0}
    assert ErrorDetail.of(own) == ErrorDetail("tool lookup timed out", kind="tool_timeout")
    dropped = {"type": "connection_closed", "message": "closed: 1011", "code": 1011}
    assert ErrorDetail.of(dropped) == ErrorDetail("closed: 1011", "1011", "connection_closed")
    assert ErrorDetail.of({"code": "rate_limited"}).message == "rate_limited"
    boom = ErrorDetail.of(RuntimeError("boom"))
    assert boom == ErrorDetail("RuntimeError: boom", type="RuntimeError")
    assert ErrorDetail.of("plain words") == ErrorDetail("plain words")


async def test_error_events_carry_the_detail_of_the_servers_error() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session, console=True)
    await model.emit(RealtimeModelErrorEvent(
        {"type": "invalid_request_error", "code": "unknown_parameter", "message": "Unknown x"}
    ))
    error = await reader.until("error")
    assert isinstance(error, ev.RealtimeError)
    assert error.detail == ErrorDetail("Unknown x", "unknown_parameter", "invalid_request_error")
    await session.close()
    closed = await reader.until("session_closed")
    assert closed.detail is None
