"""Closing: ours never hangs; the server's (normal or not) ends the connection visibly."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.frames import CloseCode

from console.realtime.model_events import RealtimeModelEvent
from console.realtime.model_inputs import RealtimeModelSendAudio, RealtimeModelSendUserInput
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel, TransportConfig

from .conftest import WAIT, EventRecorder, LoopbackServer, pushed

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


async def connected(
    server: LoopbackServer, **kwargs: Any
) -> tuple[OpenAIRealtimeWebSocketModel, EventRecorder]:
    model = OpenAIRealtimeWebSocketModel(**kwargs)
    recorder = EventRecorder()
    model.add_listener(recorder)
    count = len(server.connections) + 1
    await model.connect({"url": server.url, "api_key": "k"})
    await server.wait_connected(count)
    return model, recorder


def kinds(recorder: EventRecorder) -> list[str]:
    return [e.type if e.type != "connection_status" else f"status:{e.status}"
            for e in recorder.events if e.type != "raw_server_event"]


async def test_server_normal_close_is_a_clean_disconnect(server: LoopbackServer) -> None:
    model, recorder = await connected(server)
    await server.ws.close(CloseCode.NORMAL_CLOSURE, "bye")
    await recorder.wait_for("connection_status", lambda e: e.status == "disconnected")
    assert recorder.of("error") == []
    assert model.status == "disconnected"
    await model.close()  # still fine afterwards
    # As in the SDK: one disconnected status, then the end of the stream; no exception.
    assert kinds(recorder)[-2:] == ["status:disconnected", "end_of_stream"]
    assert kinds(recorder).count("status:disconnected") == 1
    assert recorder.of("exception") == []


async def test_server_error_close_is_an_error_then_disconnect(server: LoopbackServer) -> None:
    _, recorder = await connected(server)
    await server.ws.close(CloseCode.INTERNAL_ERROR, "boom")
    await recorder.wait_for("connection_status", lambda e: e.status == "disconnected")
    [error] = recorder.of("error")
    assert (error.error["type"], error.error["code"], error.error["reason"]) == (
        "connection_closed", 1011, "boom")
    # The SDK's exception event (a session raises it), then our error and status (reconnect).
    assert kinds(recorder)[-3:] == ["exception", "error", "status:disconnected"]
    [dropped] = recorder.of("exception")
    assert type(dropped.exception).__name__ == "ConnectionClosedError"
    assert "end_of_stream" not in kinds(recorder)


async def test_connection_reset_is_an_error_then_disconnect(server: LoopbackServer) -> None:
    _, recorder = await connected(server)
    server.ws.transport.abort()
    await recorder.wait_for("connection_status", lambda e: e.status == "disconnected")
    [error] = recorder.of("error")
    assert error.error["type"] == "connection_closed"
    assert kinds(recorder)[-2:] == ["error", "status:disconnected"]


async def test_sending_when_not_connected_is_an_error_event(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    recorder = EventRecorder()
    model.add_listener(recorder)
    await model.send_event(RealtimeModelSendUserInput("too early"))
    await model.connect({"url": server.url, "api_key": "k"})
    await model.close()
    await model.close()  # idempotent
    await model.send_event(RealtimeModelSendUserInput("too late"))
    await model.send_event(RealtimeModelSendAudio(b"\x00\x00", commit=True))
    errors = recorder.of("error")
    assert [e.error["type"] for e in errors] == ["not_connected"] * 3
    assert "send_user_input" in errors[0].error["message"]
    assert "closed" in errors[0].error["message"]


@contextlib.asynccontextmanager
async def mute_peer() -> AsyncIterator[int]:
    """Completes the WebSocket handshake by hand, then never reads or answers again."""
    writers: list[asyncio.StreamWriter] = []

    async def handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        writers.append(writer)
        # A peer that stops reading fills our send buffer.
        writer.transport.pause_reading()  # type: ignore[attr-defined]

    srv = await asyncio.start_server(handshake, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.transport.abort()
        srv.close()
        await srv.wait_closed()


async def test_close_never_hangs_on_a_peer_that_stopped_answering() -> None:
    async with mute_peer() as port:
        model = OpenAIRealtimeWebSocketModel(
            transport_config=TransportConfig(close_timeout=0.2, ping_interval=None)
        )
        recorder = EventRecorder()
        model.add_listener(recorder)
        await model.connect({"url": f"ws://127.0.0.1:{port}/", "api_key": "k"})

        async def flood() -> None:
            for _ in range(400):  # ~40 MB: far more than socket buffers hold
                await model.send_event(RealtimeModelSendAudio(bytes(100_000)))

        sender = asyncio.create_task(flood())
        await asyncio.sleep(0.05)
        assert not sender.done()  # blocked on a full buffer
        await asyncio.wait_for(model.close(), WAIT)
        await asyncio.wait_for(sender, WAIT)  # ends with error events, not an exception
    assert model.status == "disconnected"
    assert recorder.of("error")
    assert all(e.error["type"] == "not_connected" for e in recorder.of("error"))


class Blocking(EventRecorder):
    """A listener that never returns from one kind of event."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def on_event(self, event: RealtimeModelEvent) -> None:
        await super().on_event(event)
        data = getattr(event, "data", None)
        if isinstance(data, dict) and data.get("type") == self.kind:
            await asyncio.Event().wait()


async def test_close_never_hangs_on_a_stuck_listener(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel(transport_config=TransportConfig(close_timeout=0.2))
    listener = Blocking("rtconsole.stuck")
    model.add_listener(listener)
    await model.connect({"url": server.url, "api_key": "k"})
    await server.wait_connected()
    await server.push({"type": "rtconsole.stuck"})
    await listener.wait_for("raw_server_event")
    await asyncio.wait_for(model.close(), WAIT)
    assert model.status == "disconnected"


class ClosesOnError(EventRecorder):
    def __init__(self, model: OpenAIRealtimeWebSocketModel) -> None:
        super().__init__()
        self.model = model
        self.closed = asyncio.Event()

    async def on_event(self, event: RealtimeModelEvent) -> None:
        await super().on_event(event)
        if event.type == "error":
            await self.model.close()  # from inside the reader task
            self.closed.set()


async def test_close_from_a_listener_does_not_deadlock(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    listener = ClosesOnError(model)
    model.add_listener(listener)
    await model.connect({"url": server.url, "api_key": "k"})
    await server.wait_connected()
    await server.push({"type": "error", "error": {"type": "server_error", "message": "x"}})
    await asyncio.wait_for(listener.closed.wait(), WAIT)
    assert model.status == "disconnected"


class Raises(EventRecorder):
    async def on_event(self, event: RealtimeModelEvent) -> None:
        await super().on_event(event)
        if event.type == "transcript_delta":
            raise RuntimeError("listener bug")


async def test_a_failing_listener_does_not_stop_the_connection(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    listener = Raises()
    model.add_listener(listener)
    await model.connect({"url": server.url, "api_key": "k"})
    await server.wait_connected()
    delta = {"type": "response.output_audio_transcript.delta", "item_id": "i",
             "response_id": "r", "delta": "hi"}
    await pushed(listener, server, delta, delta)
    failures = listener.of("exception")
    assert len(failures) == 2 and str(failures[0].exception) == "listener bug"
    assert len(listener.of("transcript_delta")) == 2
    assert model.status == "connected"
    await model.close()


async def test_a_cancelled_close_leaves_nothing_running() -> None:
    async with mute_peer() as port:
        model = OpenAIRealtimeWebSocketModel(
            transport_config=TransportConfig(close_timeout=30.0, ping_interval=None)
        )
        await model.connect({"url": f"ws://127.0.0.1:{port}/", "api_key": "k"})
        reader = model._reader
        assert reader is not None
        # The caller gives up long before the peer would answer the close.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(model.close(), 0.1)
        done, _ = await asyncio.wait({reader}, timeout=WAIT)
        assert reader in done
        assert model.status == "disconnected"
        assert model._ws is None
