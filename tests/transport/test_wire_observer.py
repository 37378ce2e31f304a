"""Wire observers see every client event sent and every server event received, in order."""

from __future__ import annotations

from typing import Any

from console.realtime.model_inputs import RealtimeModelSendUserInput
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .conftest import EventRecorder, LoopbackServer, barrier, pushed


async def test_observer_sees_both_directions_and_a_failing_one_is_contained(
    server: LoopbackServer,
) -> None:
    seen: list[tuple[str, Any]] = []
    model = OpenAIRealtimeWebSocketModel()
    recorder = EventRecorder()
    model.add_listener(recorder)
    model.add_wire_observer(lambda direction, data: seen.append((direction, data["type"])))

    def broken(direction: str, data: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")

    model.add_wire_observer(broken)
    await model.connect({"api_key": "k", "url": server.url})
    try:
        await model.send_event(RealtimeModelSendUserInput("hello"))
        await barrier(model, server)
        await pushed(recorder, server, {"type": "session.updated", "session": {}})
    finally:
        await model.close()
    sent = [kind for direction, kind in seen if direction == "sent"]
    assert sent[:3] == ["session.update", "conversation.item.create", "response.create"]
    assert ("recv", "session.updated") in seen
    assert sent == [m["type"] for m in server.received]
