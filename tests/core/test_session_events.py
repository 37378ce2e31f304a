"""Model events turned into session events: audio, errors, timeouts, guardrails."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from console.realtime import (
    GuardrailFunctionOutput,
    RealtimeAgent,
    RealtimeModelAudioDoneEvent,
    RealtimeModelAudioEvent,
    RealtimeModelAudioInterruptedEvent,
    RealtimeModelEndOfStreamEvent,
    RealtimeModelErrorEvent,
    RealtimeModelExceptionEvent,
    RealtimeModelInputAudioTimeoutTriggeredEvent,
    RealtimeModelOtherEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendUserInput,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
    RealtimeModelUsageEvent,
    RealtimeSession,
    RunContextWrapper,
    Usage,
    output_guardrail,
)
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import GUARD_S, Reader, start


async def finish(session: RealtimeSession[Any]) -> list[Any]:
    await session.close()
    return [e for e in await Reader(session).rest() if e.type != "raw_model_event"]


def audio(response_id: str = "r1", item_id: str = "a1") -> RealtimeModelAudioEvent:
    return RealtimeModelAudioEvent(data=b"\x01\x02", response_id=response_id, item_id=item_id,
                                   content_index=0)


async def test_audio_events(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main"), model)
    chunk = audio()
    await model.emit(chunk)
    await model.emit(RealtimeModelAudioDoneEvent(item_id="a1", content_index=0))
    await model.emit(RealtimeModelAudioInterruptedEvent(item_id="a1", content_index=0))
    events = (await finish(session))[2:-1]
    assert [e.type for e in events] == ["audio", "audio_end", "audio_interrupted"]
    assert events[0].audio == chunk and (events[0].item_id, events[0].content_index) == ("a1", 0)
    assert all(e.item_id == "a1" for e in events)


async def test_errors_and_timeouts_are_events(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main"), model)
    server_error = {"type": "invalid_request_error", "message": "bad"}
    await model.emit(RealtimeModelErrorEvent(error=server_error))
    await model.emit(RealtimeModelInputAudioTimeoutTriggeredEvent(
        item_id="u1", audio_start_ms=0, audio_end_ms=100))
    await model.emit(RealtimeModelOtherEvent(data={"type": "rate_limits.updated"}))
    events = (await finish(session))[2:-1]
    assert [e.type for e in events] == ["error", "input_audio_timeout_triggered"]
    assert events[0].error == server_error


async def test_a_transport_exception_ends_the_session_and_iteration_raises_it(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session)
    boom = RuntimeError("socket hiccup")
    await model.emit(RealtimeModelExceptionEvent(boom, "reader"))  # positional, as in the SDK
    error = await reader.until("error")
    assert error.error["exception"] is boom and "reader" in error.error["message"]
    closed = await reader.until("session_closed")
    assert closed.reason == "exception" and "socket hiccup" in closed.error
    with pytest.raises(RuntimeError, match="socket hiccup"):  # after every event, as the SDK
        await reader.next()
    # Raised once: another iterator just ends.
    assert [e async for e in session] == []
    await asyncio.wait_for(session.close(), GUARD_S)
    assert model.closed


def tripwire(word: str, calls: list[str] | None = None) -> Any:
    @output_guardrail(name=f"no_{word}")
    async def check(ctx: RunContextWrapper[Any], agent: RealtimeAgent[Any], text: str) -> Any:
        if calls is not None:
            calls.append(text)
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=word in text)

    return check


async def deltas(model: ScriptedRealtimeModel, text: str, size: int, response_id: str = "r1",
                 item_id: str = "a1") -> None:
    for i in range(0, len(text), size):
        await model.emit(RealtimeModelTranscriptDeltaEvent(
            item_id=item_id, delta=text[i:i + size], response_id=response_id))


async def settle(session: RealtimeSession[Any]) -> None:
    tasks = set(session._guardrails.tasks)
    if tasks:
        await asyncio.wait_for(asyncio.gather(*tasks), GUARD_S)


async def test_guardrails_run_every_debounce_length(model: ScriptedRealtimeModel) -> None:
    calls: list[str] = []
    session = await start(RealtimeAgent("Main"), model, config={
        "output_guardrails": [tripwire("zzz", calls)],
        "guardrails_settings": {"debounce_text_length": 10},
    })
    text = "abcdefghij" * 3 + "abc"  # 33 characters: checks at 10, 20 and 30
    await deltas(model, text, 3)
    await settle(session)
    assert [len(c) for c in calls] == [12, 21, 30]
    assert all(text.startswith(c) for c in calls)
    assert model.sent_of("send_interrupt") == []
    await session.close()


async def test_default_debounce_is_100_characters(model: ScriptedRealtimeModel) -> None:
    calls: list[str] = []
    session = await start(RealtimeAgent("Main", output_guardrails=[tripwire("zzz", calls)]),
                          model)
    await deltas(model, "x" * 99, 1)
    await settle(session)
    assert calls == []
    await deltas(model, "x", 1)
    await settle(session)
    assert calls == ["x" * 100]
    await session.close()


async def test_trip_interrupts_once_per_response(model: ScriptedRealtimeModel) -> None:
    agent_guard, run_guard = tripwire("bad"), tripwire("ad")
    agent = RealtimeAgent("Main", output_guardrails=[agent_guard])
    session = await start(agent, model, config={
        "output_guardrails": [run_guard, agent_guard],  # duplicates run once
        "guardrails_settings": {"debounce_text_length": 5},
    })
    reader = Reader(session)
    await deltas(model, "a bad word and more bad words", 5)
    await settle(session)
    tripped = await reader.until("guardrail_tripped")
    assert {r.guardrail.get_name() for r in tripped.guardrail_results} == {"no_bad", "no_ad"}
    assert tripped.message.startswith("a bad")
    assert tripped.guardrail_results[0].agent is agent
    interrupts = model.sent_of("send_interrupt")
    assert interrupts == [RealtimeModelSendInterrupt(force_response_cancel=True, response_id="r1")]
    [feedback] = model.sent_of("send_user_input")
    assert isinstance(feedback, RealtimeModelSendUserInput)
    assert feedback.user_input in ("guardrail triggered: no_bad, no_ad",
                                   "guardrail triggered: no_ad, no_bad")
    # The rest of that response's audio is dropped; the next response plays and may trip again.
    await model.emit(audio("r1"))
    await model.emit(RealtimeModelTurnEndedEvent(response_id="r1"))
    await model.emit(audio("r2", "a2"))
    await deltas(model, "bad again", 9, response_id="r2", item_id="a2")
    await settle(session)
    events = await finish(session)
    assert [e.type for e in events].count("guardrail_tripped") == 1  # the first was read above
    assert [e.audio.response_id for e in events if e.type == "audio"] == ["r2"]
    assert len(model.sent_of("send_interrupt")) == 2


async def test_failing_guardrail_is_reported_and_others_still_run(
    model: ScriptedRealtimeModel,
) -> None:
    @output_guardrail
    def broken(ctx: Any, agent: Any, text: str) -> Any:
        raise ValueError("guardrail bug")

    session = await start(RealtimeAgent("Main", output_guardrails=[broken, tripwire("x")]),
                          model, config={"guardrails_settings": {"debounce_text_length": 1}})
    await deltas(model, "x", 1)
    await settle(session)
    events = await finish(session)
    types = [e.type for e in events]
    assert "guardrail_tripped" in types
    error = next(e for e in events if e.type == "error")
    assert "guardrail bug" in error.error["message"]


async def test_each_turn_has_agent_start_and_agent_end_and_usage_adds_up(
    model: ScriptedRealtimeModel,
) -> None:
    agent = RealtimeAgent("Main")
    session = await start(agent, model)
    reader = Reader(session)
    for rid, tokens in (("r1", (10, 4)), ("r2", (7, 3))):
        await model.emit(RealtimeModelTurnStartedEvent(response_id=rid))
        start_ev = await reader.until("agent_start")
        assert start_ev.agent is agent
        await model.emit(
            RealtimeModelUsageEvent(Usage(1, tokens[0], tokens[1], sum(tokens))),
            RealtimeModelTurnEndedEvent(response_id=rid),
        )
        end = await reader.until("agent_end")  # an SDK app waiting for the reply's end
        assert end.agent is agent
    usage = end.info.context.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens, usage.total_tokens) == (
        2, 17, 7, 24)
    assert [e.total_tokens for e in usage.request_usage_entries] == [14, 10]
    assert session.context_wrapper.usage is usage
    assert reader.types().count("agent_start") == 2
    await session.close()


async def test_end_of_stream_ends_iteration_without_an_error(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session)
    await model.emit(RealtimeModelEndOfStreamEvent())
    closed = await reader.until("session_closed")
    assert closed.reason == "end of stream" and closed.error is None
    with pytest.raises(StopAsyncIteration):
        await reader.next()
    assert "error" not in reader.types()
    await asyncio.wait_for(session.close(), GUARD_S)
