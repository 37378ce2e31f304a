"""The WebSocket model's conditional send (send_event_if) over a loopback server."""

from __future__ import annotations

from typing import Any

from console.realtime.model_inputs import (
    RealtimeModelSendInterrupt,
    RealtimeModelSendUserInput,
)
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .conftest import LoopbackServer, barrier


def texts(server: LoopbackServer) -> list[str]:
    return [m["item"]["content"][0]["text"] for m in server.of("conversation.item.create")]


async def test_user_input_goes_out_only_while_the_condition_holds(
    server: LoopbackServer,
) -> None:
    model = OpenAIRealtimeWebSocketModel()
    await model.connect({"url": server.url, "api_key": "k"})
    checked: list[bool] = []

    def holds(answer: bool) -> Any:
        def check() -> bool:
            checked.append(answer)
            return answer
        return check

    assert await model.send_event_if(RealtimeModelSendUserInput("kept"), holds(True)) is True
    await server.expect("response.create")  # a user message asks for a reply, as send_event's
    assert await model.send_event_if(RealtimeModelSendUserInput("dropped"), holds(False)) is False
    # Only user input can be sent conditionally (as in the SDK); the rest is refused unchecked.
    assert await model.send_event_if(RealtimeModelSendInterrupt(), holds(True)) is False
    await barrier(model, server)
    assert texts(server) == ["kept"]
    assert checked == [True, False]
    await model.close()
    # After close nothing is sent and nothing raises.
    assert await model.send_event_if(RealtimeModelSendUserInput("late"), holds(True)) is False
    assert texts(server) == ["kept"]
