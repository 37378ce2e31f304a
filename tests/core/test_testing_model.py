"""ScriptedRealtimeModel: records what is sent, replays scripted reactions in order."""

from __future__ import annotations

from typing import Any

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    RealtimeAgent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    function_tool,
)
from console.realtime.testing import ScriptedRealtimeModel

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
