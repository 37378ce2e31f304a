"""Guardrail feedback goes through the model's send_event_if, checked against newer responses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from console.realtime import (
    GuardrailFunctionOutput,
    RealtimeAgent,
    RealtimeModel,
    RealtimeModelConfig,
    RealtimeModelListener,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnStartedEvent,
    RealtimeRunner,
    RunContextWrapper,
    output_guardrail,
)
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import GUARD_S, Reader, start

CONFIG: Any = {"guardrails_settings": {"debounce_text_length": 4}}


def banned(word: str, gate: asyncio.Event | None = None) -> Any:
    @output_guardrail(name=f"no_{word}")
    async def check(ctx: RunContextWrapper[Any], agent: RealtimeAgent[Any], text: str) -> Any:
        if gate is not None:
            await gate.wait()
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=word in text)

    return check


def say(text: str, response_id: str) -> RealtimeModelTranscriptDeltaEvent:
    return RealtimeModelTranscriptDeltaEvent(item_id=f"i-{response_id}", delta=text,
                                             response_id=response_id)


async def test_feedback_is_sent_with_send_event_if_while_the_response_is_current(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main", output_guardrails=[banned("spam")]), model,
                          config=CONFIG)
    reader = Reader(session)
    await model.emit(RealtimeModelTurnStartedEvent(response_id="r1"))
    await model.emit(say("spam spam", "r1"))
    await reader.until("guardrail_tripped")
    await asyncio.wait_for(model.settle(), GUARD_S)
    assert [e.type for e in model.sent if e.type != "send_session_update"] == [
        "send_interrupt", "send_user_input"]
    assert model.sent_of("send_interrupt") == [
        RealtimeModelSendInterrupt(force_response_cancel=True, response_id="r1")]
    await session.close()


class NewResponseAtCommit(ScriptedRealtimeModel):
    """The server starts another response just as the feedback is about to be committed."""

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        await self.emit(RealtimeModelTurnStartedEvent(response_id="r2"))
        return await super().send_event_if(event, send_if)


async def test_feedback_is_dropped_when_a_newer_response_began_at_the_commit() -> None:
    model = NewResponseAtCommit(strict=False)
    session = await start(RealtimeAgent("Main", output_guardrails=[banned("spam")]), model,
                          config=CONFIG)
    reader = Reader(session)
    await model.emit(say("spam!", "r1"))  # no turn_started: the delta opens the response
    await reader.until("agent_start")  # the r2 turn, started from inside send_event_if
    await asyncio.wait_for(asyncio.gather(*session._guardrails.tasks), GUARD_S)
    assert model.sent_of("send_user_input") == []
    assert len(model.sent_of("send_interrupt")) == 1
    await session.close()


async def test_a_check_finishing_after_a_newer_response_only_stops_its_audio(
    model: ScriptedRealtimeModel,
) -> None:
    gate = asyncio.Event()
    session = await start(RealtimeAgent("Main"), model,
                          config={**CONFIG, "output_guardrails": [banned("spam", gate)]})
    reader = Reader(session)
    await model.emit(RealtimeModelTurnStartedEvent(response_id="r1"))
    await model.emit(say("spam!", "r1"))
    await model.emit(RealtimeModelTurnStartedEvent(response_id="r2"))
    gate.set()
    await reader.until("guardrail_tripped")
    await asyncio.wait_for(asyncio.gather(*session._guardrails.tasks), GUARD_S)
    assert model.sent_of("send_interrupt") == [
        RealtimeModelSendInterrupt(response_id="r1", playback_only=True)]
    assert model.sent_of("send_user_input") == []
    await session.close()


class PlainModel(RealtimeModel):
    """A custom model implementing only the abstract methods (no conditional send)."""

    def __init__(self) -> None:
        self.listeners: list[RealtimeModelListener] = []
        self.sent: list[RealtimeModelSendEvent] = []

    async def connect(self, options: RealtimeModelConfig) -> None:
        pass

    def add_listener(self, listener: RealtimeModelListener) -> None:
        self.listeners.append(listener)

    def remove_listener(self, listener: RealtimeModelListener) -> None:
        self.listeners.remove(listener)

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        self.sent.append(event)

    async def close(self) -> None:
        pass


async def test_a_model_without_conditional_sends_gets_no_feedback() -> None:
    model = PlainModel()
    assert await model.send_event_if(RealtimeModelSendInterrupt(), lambda: True) is False
    assert model.sent == []  # the default neither checks nor sends
    session = await RealtimeRunner(
        RealtimeAgent("Main", output_guardrails=[banned("spam")]), model=model, config=CONFIG
    ).run()
    async with session:
        reader = Reader(session)
        for listener in list(model.listeners):
            await listener.on_event(say("spam!", "r1"))
        await reader.until("guardrail_tripped")
        await asyncio.wait_for(asyncio.gather(*session._guardrails.tasks), GUARD_S)
        assert [e.type for e in model.sent if e.type != "send_session_update"] == [
            "send_interrupt"]
        assert "error" not in reader.types()
