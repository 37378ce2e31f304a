"""The transport after a drop: what it reports, and connecting the same model object again."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from console.realtime.model import RealtimeModelListener
from console.realtime.model_events import RealtimeModelEvent
from console.realtime.model_inputs import RealtimeModelSendUserInput
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .support import GUARD_S


class Recorder(RealtimeModelListener):
    def __init__(self) -> None:
        self.events: list[RealtimeModelEvent] = []
        self.changed = asyncio.Event()

    async def on_event(self, event: RealtimeModelEvent) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait(self, kind: str, status: str | None = None, count: int = 1) -> None:
        async def ready() -> None:
            while len([e for e in self.events if e.type == kind
                       and (status is None or getattr(e, "status", None) == status)]) < count:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(ready(), GUARD_S)

    def kinds(self) -> list[str]:
        return [e.type if e.type != "connection_status" else f"status:{e.status}"  # type: ignore[union-attr]
                for e in self.events if e.type not in ("raw_server_event", "other")]


class Server:
    """A loopback server whose first connection plays some audio mid-response, then dies."""

    def __init__(self) -> None:
        self.connections: list[ServerConnection] = []
        self.received: list[list[dict[str, Any]]] = []

    async def handle(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        got: list[dict[str, Any]] = []
        self.received.append(got)
        if len(self.connections) == 1:
            for event in (
                {"type": "response.created", "response": {"id": "r1"}},
                {"type": "response.output_audio.delta", "item_id": "a1", "content_index": 0,
                 "response_id": "r1", "delta": "AAAA"},
            ):
                await ws.send(json.dumps(event))
        async for message in ws:
            got.append(json.loads(message))


async def test_a_drop_mid_response_ends_the_turn_and_the_model_connects_again() -> None:
    server = Server()
    srv = await serve(server.handle, "127.0.0.1", 0)
    url = f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1/realtime"
    try:
        model = OpenAIRealtimeWebSocketModel()
        recorder = Recorder()
        model.add_listener(recorder)
        await model.connect({"url": url, "api_key": "k"})
        await recorder.wait("audio")
        assert model.audio_tracker.last_item() == ("a1", 0)
        server.connections[0].transport.abort()
        await recorder.wait("connection_status", "disconnected")
        assert recorder.kinds()[-4:] == ["turn_ended", "exception", "error", "status:disconnected"]
        [ended] = [e for e in recorder.events if e.type == "turn_ended"]
        assert ended.status == "incomplete"  # type: ignore[union-attr]

        # The same object connects again: new socket, nothing of the old conversation left.
        await asyncio.wait_for(model.connect({"url": url, "api_key": "k"}), GUARD_S)
        assert model.status == "connected"
        assert model.audio_tracker.last_item() is None
        await model.send_event(RealtimeModelSendUserInput("again"))

        async def second_got_create() -> None:
            while not any(e["type"] == "response.create" for e in server.received[1]):
                await asyncio.sleep(0.01)
        # Nothing is in flight on the new connection: the create goes out at once.
        await asyncio.wait_for(second_got_create(), GUARD_S)
        assert [e["type"] for e in server.received[1]] == [
            "session.update", "conversation.item.create", "response.create"]
        await model.close()
    finally:
        srv.close()


async def test_going_away_is_a_reported_drop_and_1000_is_not() -> None:
    codes = [1001, 1000]

    async def close_with_next_code(ws: ServerConnection) -> None:
        await ws.close(codes.pop(0), "bye")

    srv = await serve(close_with_next_code, "127.0.0.1", 0)
    url = f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1/realtime"
    try:
        model = OpenAIRealtimeWebSocketModel()
        recorder = Recorder()
        model.add_listener(recorder)
        await model.connect({"url": url, "api_key": "k"})
        await recorder.wait("connection_status", "disconnected")
        def closes() -> list[Any]:
            # (The server closes at once, so the session.update may also fail: not_connected.)
            return [e.error for e in recorder.events  # type: ignore[union-attr]
                    if e.type == "error" and e.error["type"] == "connection_closed"]

        [error] = closes()
        assert (error["code"], error["reason"]) == (1001, "bye")
        await model.connect({"url": url, "api_key": "k"})
        await recorder.wait("connection_status", "disconnected", count=2)
        assert len(closes()) == 1  # 1000 ends the connection without an error
        await model.close()
    finally:
        srv.close()
