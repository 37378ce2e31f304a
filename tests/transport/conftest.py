"""Transport fixtures: the openai conformance oracle, loopback servers, an event recorder."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from openai.types.realtime import RealtimeClientEvent
from pydantic import TypeAdapter
from websockets.asyncio.server import Server, ServerConnection, serve

from console.realtime.model import RealtimeModelListener
from console.realtime.model_events import RealtimeModelEvent

_CLIENT_EVENTS: TypeAdapter[Any] = TypeAdapter(RealtimeClientEvent)
WAIT = 10.0  # a guard against hangs, never a timing assertion


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "turn_detection(value): turn detection for the session")


def check_client_event(payload: dict[str, Any]) -> None:
    """Raise unless ``payload`` validates as an OpenAI Realtime GA client event."""
    _CLIENT_EVENTS.validate_python(payload)


class EventRecorder(RealtimeModelListener):
    """A listener that keeps every model event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[RealtimeModelEvent] = []
        self._changed = asyncio.Condition()

    async def on_event(self, event: RealtimeModelEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    async def wait_for(
        self, kind: str, predicate: Callable[[Any], bool] = lambda e: True, count: int = 1
    ) -> list[Any]:
        async def ready() -> list[Any]:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: len([e for e in self.of(kind) if predicate(e)]) >= count
                )
            return [e for e in self.of(kind) if predicate(e)]

        return await asyncio.wait_for(ready(), WAIT)


class LoopbackServer:
    """A real WebSocket server on 127.0.0.1 that records (and validates) what the client sends.

    Tests push server events with ``push`` and wait for client events with ``expect``. Every
    received message is checked against ``RealtimeClientEvent``; failures are kept in
    ``invalid`` and fail the test at teardown.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.invalid: list[tuple[dict[str, Any], str]] = []
        self.connections: list[ServerConnection] = []
        self.request_paths: list[str] = []
        self.request_headers: list[dict[str, str]] = []
        self._changed = asyncio.Condition()
        self._server: Server | None = None
        self.on_connect: Callable[[ServerConnection], Any] | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/v1/realtime"

    async def start(self) -> LoopbackServer:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), WAIT)

    @property
    def ws(self) -> ServerConnection:
        return self.connections[-1]

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.request_paths.append(ws.request.path)
        self.request_headers.append(dict(ws.request.headers.raw_items()))
        async with self._changed:
            self.connections.append(ws)
            self._changed.notify_all()
        if self.on_connect is not None:
            await self.on_connect(ws)
        try:
            async for message in ws:
                data = json.loads(message)
                try:
                    check_client_event(data)
                except Exception as exc:
                    self.invalid.append((data, str(exc)))
                async with self._changed:
                    self.received.append(data)
                    self._changed.notify_all()
        except Exception:
            pass

    async def wait_connected(self, count: int = 1) -> ServerConnection:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.connections) >= count), WAIT
            )
        return self.connections[count - 1]

    async def push(self, *events: dict[str, Any] | str | bytes) -> None:
        for event in events:
            await self.ws.send(event if isinstance(event, str | bytes) else json.dumps(event))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("type") == kind]

    async def expect(self, kind: str, count: int = 1) -> list[dict[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.of(kind)) >= count), WAIT
            )
        return self.of(kind)

@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    srv = await LoopbackServer().start()
    try:
        yield srv
    finally:
        await srv.stop()
    assert not srv.invalid, f"client sent events that are not valid GA events: {srv.invalid}"


async def barrier(model: Any, srv: LoopbackServer) -> None:
    """Wait until everything the model sent so far has reached the server (one ordered socket)."""
    from console.realtime.model_inputs import RealtimeModelSendRawMessage

    count = len(srv.of("input_audio_buffer.clear")) + 1
    await model.send_event(RealtimeModelSendRawMessage({"type": "input_audio_buffer.clear"}))
    await srv.expect("input_audio_buffer.clear", count)


async def pushed(
    recorder: EventRecorder, srv: LoopbackServer, *events: dict[str, Any] | str
) -> None:
    """Push server events and wait until the client has fully handled them.

    A marker message follows them; the client reads messages one at a time, so once the marker
    shows up every earlier message (and whatever the client did about it) is done.
    """
    marker = f"marker_{len(srv.received)}_{len(recorder.events)}_{id(events)}"
    await srv.push(*events, {"type": "rtconsole.test.marker", "event_id": marker})
    await recorder.wait_for(
        "raw_server_event", lambda e: isinstance(e.data, dict) and e.data.get("event_id") == marker
    )
