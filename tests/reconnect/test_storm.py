"""No reconnect storm: a server that accepts and then closes at once (code 4000)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from console.realtime import RealtimeAgent, RealtimeRunConfig, RealtimeRunner
from console.realtime.model_events import (
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
)
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .support import FlakyModel, Reader, no_wait, wait_forever


class SlammingServer:
    """Accepts every connection, then closes it (4000) after the first client message, or with
    ``spare_updates`` after the first one that is not a ``session.update``."""

    def __init__(self, *, spare_updates: bool = False) -> None:
        self.spare_updates = spare_updates
        self.connections = 0
        self.received: list[dict[str, Any]] = []

    async def handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        await ws.send(json.dumps({"type": "session.created", "event_id": "e0",
                                  "session": {"type": "realtime", "id": "s1"}}))
        async for raw in ws:
            message = json.loads(raw)
            self.received.append(message)
            if not (self.spare_updates and message["type"] == "session.update"):
                await ws.close(4000, "go away")
                return

    def user_creates(self) -> int:
        return sum(1 for m in self.received if m["type"] == "conversation.item.create"
                   and m["item"].get("role") == "user")


async def start(server: SlammingServer, port: int, sleep: Any) -> Any:
    config: RealtimeRunConfig = {"reconnect": {
        "enabled": True, "sleep": sleep, "max_attempts": 4,
        # Only a completed response makes a connection healthy here, never the clock.
        "healthy_after_s": 1e6,
    }}
    session = await RealtimeRunner(RealtimeAgent("Main", instructions="Help."),
                                   model=OpenAIRealtimeWebSocketModel(), config=config).run(
        model_config={"url": f"ws://127.0.0.1:{port}/v1/realtime", "api_key": "k"})
    return await session.enter()


async def test_a_server_that_slams_every_connection_gets_a_bounded_number_of_attempts() -> None:
    server = SlammingServer()
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(0)

    async with serve(server.handle, "127.0.0.1", 0) as ws_server:
        session = await start(server, ws_server.sockets[0].getsockname()[1], record)
        reader = Reader(session)
        closed = await reader.until("session_closed")
        lost = [e for e in reader.seen if e.type == "connection_lost"]

    # The attempt number grows across connections that died at once: 1, 2, 3, 4, then stop.
    assert [e.attempt for e in lost] == [1, 2, 3, 4]
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert server.connections == 5  # the first connection and four attempts, no more
    assert closed.reason.startswith("reconnect failed after 4 attempts")
    assert "4000" in closed.reason
    assert session.connection_state == "closed"


async def test_a_message_lost_twice_is_given_up_with_an_error_not_sent_a_third_time() -> None:
    server = SlammingServer(spare_updates=True)

    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    async with serve(server.handle, "127.0.0.1", 0) as ws_server:
        session = await start(server, ws_server.sockets[0].getsockname()[1], no_wait)
        reader = Reader(session)
        await session.send_message("hello")
        abandoned = await reader.until("error", lambda e: e.error.get("kind") == "resend_abandoned")
        done = await reader.until("reconnected")
        # The third connection is left alone: nothing is re-sent on it, so it stays up.
        assert session.connection_state == "connected"
        await session.close()

    assert "hello" in abandoned.error["message"]
    assert done.attempt == 2 and done.resent == 0
    assert server.connections == 3
    assert server.user_creates() == 2  # sent once, re-sent once


async def test_a_completed_response_makes_a_new_connection_healthy() -> None:
    model = FlakyModel()
    session = await RealtimeRunner(RealtimeAgent("Main"), model=model, config={"reconnect": {
        "enabled": True, "sleep": no_wait, "healthy_after_s": 1e6}}).run()
    await session.enter()
    reader = Reader(session)
    await model.drop()
    assert (await reader.until("connection_lost")).attempt == 1
    await reader.until("reconnected")
    await model.drop()  # died before it was healthy: the count goes on
    assert (await reader.until("connection_lost")).attempt == 2
    await reader.until("reconnected")
    await model.emit(RealtimeModelTurnStartedEvent())
    # Cut off: no proof of health.
    await model.emit(RealtimeModelTurnEndedEvent(response_id=None, status="incomplete"))
    await model.drop()
    assert (await reader.until("connection_lost")).attempt == 3
    await reader.until("reconnected")
    await model.emit(RealtimeModelTurnStartedEvent())
    await model.emit(RealtimeModelTurnEndedEvent(response_id="r1", status="completed"))
    await model.drop()  # after a completed response: a fresh drop
    assert (await reader.until("connection_lost")).attempt == 1
    await session.close()


async def test_sends_held_while_down_are_bounded() -> None:
    from console.realtime.held_sends import HELD_LIMIT as _HELD_LIMIT

    model = FlakyModel()
    session = await RealtimeRunner(RealtimeAgent("Main"), model=model, config={"reconnect": {
        "enabled": True, "sleep": wait_forever}}).run()
    await session.enter()
    reader = Reader(session)
    await model.drop()
    await reader.until("connection_lost")
    for n in range(_HELD_LIMIT + 10):
        await session.send_message(f"message {n}")
    assert session._link.held == _HELD_LIMIT
    refused = await reader.until("error", lambda e: e.error.get("kind") == "held_full")
    assert str(_HELD_LIMIT) in refused.error["message"]
    await session.close()
