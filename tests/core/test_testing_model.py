"""ScriptedRealtimeModel: records what is sent, replays scripted reactions in order."""

from __future__ import annotations

from typing import Any

import pytest

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    RealtimeAgent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelSendAudio,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    function_tool,
)
from console.realtime.testing import (
    RealtimeScriptError,
    RealtimeStep,
    ScriptedRealtimeModel,
    UnconsumedRealtimeSteps,
    UnexpectedRealtimeSend,
)

from .conftest import Reader, start


@function_tool
def clock() -> str:
    return "noon"


async def test_script_drives_a_whole_turn() -> None:
    def answer(sent: Any) -> list[Any]:
        assert isinstance(sent, RealtimeModelSendToolOutput)
        return [
            RealtimeModelItemUpdatedEvent(item=AssistantMessageItem(
                item_id="a1", content=[AssistantAudio()])),
            RealtimeModelTranscriptDeltaEvent(item_id="a1", delta=f"It is {sent.output}.",
                                              response_id="r2"),
        ]

    model = ScriptedRealtimeModel(strict=False, script={
        "send_user_input": [RealtimeModelToolCallEvent(name="clock", call_id="c1",
                                                       arguments="{}")],
        "send_tool_output": answer,
    })
    session = await start(RealtimeAgent("Main", tools=[clock]), model)
    reader = Reader(session)
    await session.send_message("what time is it?")
    await reader.until("tool_end")
    await model.settle()
    assert session.history[0].content[0].transcript == "It is noon."  # type: ignore[union-attr]
    assert [e.type for e in model.sent] == ["send_user_input", "send_tool_output"]
    assert model.sent[0] == RealtimeModelSendUserInput(user_input="what time is it?")
    assert model.connect_calls and model.connected
    await session.close()
    assert model.closed and not model.connected


async def test_sdk_steps_match_sends_emit_replies_and_must_all_be_used() -> None:
    reply = RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="hi", response_id="r1")
    model = ScriptedRealtimeModel(
        steps=[
            RealtimeStep(expect=RealtimeModelSendUserInput(user_input="hello"), emit=[reply]),
            RealtimeStep(expect=RealtimeModelSendToolOutput),  # a class matches any such send
            RealtimeStep(expect=lambda e: getattr(e, "audio", b"") == b"\x00\x01"),
        ]
    )
    session = await start(RealtimeAgent("Main"), model)
    reader = Reader(session)
    await session.send_message("hello")  # returns once the reply is delivered
    assert session.history[0].content[0].transcript == "hi"  # type: ignore[union-attr]
    assert model.remaining_steps == 2
    with pytest.raises(UnconsumedRealtimeSteps) as info:
        model.assert_complete()
    assert info.value.remaining_steps == 2
    with pytest.raises(UnexpectedRealtimeSend) as unexpected:
        await session.send_audio(b"\x09")
    assert unexpected.value.expected is RealtimeModelSendToolOutput
    assert isinstance(unexpected.value.actual, RealtimeModelSendAudio)
    assert model.sent_events == (RealtimeModelSendUserInput(user_input="hello"),)
    await session.close()
    await reader.rest()


async def test_connect_calls_are_detached_and_hold_no_secrets() -> None:
    model = ScriptedRealtimeModel()
    settings: Any = {"voice": "verse"}
    await model.connect({"api_key": "sk-secret", "headers": {"Authorization": "Bearer x"},
                         "url": "wss://u:pw@host.test:8443/v1/realtime?token=abc#frag",
                         "initial_model_settings": settings, "call_id": "rtc_1"})
    settings["voice"] = "changed"
    [made] = model.connect_calls
    assert made == {
        "api_key_provided": True, "headers_provided": True,
        "url": "wss://host.test:8443/v1/realtime",
        "initial_model_settings": {"voice": "verse"}, "call_id": "rtc_1",
    }
    assert "secret" not in repr(model.connect_calls) and "pw" not in repr(model.connect_calls)
    with pytest.raises(AssertionError, match="Already connected"):
        await model.connect({})
    await model.close()
    assert model.close_calls == 1 and model.closed
    with pytest.raises(RealtimeScriptError):
        await model.emit(RealtimeModelTranscriptDeltaEvent(item_id="a", delta="x", response_id="r"))


async def test_connect_events_errors_and_close_errors() -> None:
    hello = RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="hello", response_id="r0")
    with pytest.raises(ValueError, match="both connect events and a connect error"):
        ScriptedRealtimeModel(connect_events=[hello], connect_error=RuntimeError("x"))
    with pytest.raises(ValueError, match="both emit events and an error"):
        RealtimeStep(expect=RealtimeModelSendAudio, emit=[hello], error=RuntimeError("x"))

    greeted = ScriptedRealtimeModel(connect_events=[hello], strict=False)
    session = await start(RealtimeAgent("Main"), greeted)
    assert session.history[0].content[0].transcript == "hello"  # type: ignore[union-attr]
    await session.close()

    refused = ScriptedRealtimeModel(connect_error=ConnectionRefusedError("no"))
    with pytest.raises(ConnectionRefusedError):
        await start(RealtimeAgent("Main"), refused)
    assert refused.connect_calls[0]["api_key_provided"] is False

    failing = ScriptedRealtimeModel(
        [RealtimeStep(expect=RealtimeModelSendUserInput, error=OSError("send failed"))],
        close_error=RuntimeError("close failed"),
    )
    await failing.connect({})
    with pytest.raises(OSError, match="send failed"):
        await failing.send_event(RealtimeModelSendUserInput(user_input="x"))
    with pytest.raises(RuntimeError, match="close failed"):
        await failing.close()
