"""Resilience: silent servers, dead links, going-away and abnormal closes, garbage, hung tools."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from console.realtime import (
    RealtimeAgent,
    RealtimeModelConfig,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
    function_tool,
)
from console.realtime.openai_realtime import TransportConfig

from .support import GUARD_S, EngineProcess, Proxy, Reader, no_wait, wait_forever

Handler = Callable[[ServerConnection], Awaitable[None]]


@pytest.fixture
async def engine() -> AsyncIterator[EngineProcess]:
    proc = await EngineProcess().start()
    try:
        yield proc
    finally:
        proc.stop()


async def tiny_server(handler: Handler) -> tuple[Any, str]:
    server = await serve(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/v1/realtime"


async def open_session(model_config: RealtimeModelConfig, config: RealtimeRunConfig,
                       agent: RealtimeAgent[Any] | None = None) -> RealtimeSession[Any]:
    agent = agent or RealtimeAgent("Main", instructions="Answer briefly.")
    session = await RealtimeRunner(agent, config=config).run(model_config=model_config)
    return await asyncio.wait_for(session.enter(), GUARD_S)


async def silent(ws: ServerConnection) -> None:
    """Accepts, reads everything, never says a word."""
    async for _ in ws:
        pass


async def starts_then_stalls(ws: ServerConnection) -> None:
    """Starts a response when asked, then goes silent in the middle of it."""
    async for message in ws:
        if json.loads(message).get("type") == "response.create":
            await ws.send(json.dumps({"type": "response.created",
                                      "response": {"id": "resp_1", "status": "in_progress"}}))


@pytest.mark.parametrize("handler", [silent, starts_then_stalls])
async def test_a_stalled_server_is_reported_within_its_timeout(handler: Handler) -> None:
    server, url = await tiny_server(handler)
    try:
        session = await open_session({"url": url, "api_key": "k"},
                                     {"response_timeout_s": 0.3})
        reader = Reader(session)
        await session.send_message("hello?")
        error = await reader.until("error")
        assert error.error["kind"] == "response_timeout"
        assert error.error["timeout_s"] == 0.3
        assert "sent nothing for 0.3 s" in error.error["message"]
        assert session.connection_state == "connected"  # a stall is reported, not a drop
        await session.close()
    finally:
        server.close()


async def test_a_server_that_answers_is_never_reported_as_stalled(
    engine: EngineProcess,
) -> None:
    session = await open_session(engine.model_config(), {"response_timeout_s": 5.0})
    reader = Reader(session)
    for text in ("hello", "and again"):
        await session.send_message(text)
        await reader.raw("response.done")
    await session.close()
    await reader.rest()
    errors = [e for e in reader.seen if e.type == "error"]
    assert errors == []


async def test_a_dead_link_is_noticed_by_ping_and_reconnected(engine: EngineProcess) -> None:
    proxy = await Proxy(engine.port).start()
    try:
        transport = TransportConfig(ping_interval=0.2, ping_timeout=0.2, close_timeout=0.2)
        session = await open_session(
            {"url": proxy.url, "api_key": "k", "transport": transport},
            {"reconnect": {"enabled": True, "sleep": no_wait}},
        )
        reader = Reader(session)
        await session.send_message("before the link died")
        await reader.raw("response.done")
        proxy.blackhole()  # no FIN, no RST: only the missing pongs tell
        lost = await reader.until("connection_lost")
        assert "ping" in lost.error.lower() or "1011" in lost.error
        done = await reader.until("reconnected")
        assert done.restored_items == 2
        await session.send_message("after the reconnect")
        transcript = await reader.raw("response.output_audio_transcript.done")
        assert "after the reconnect" in transcript["transcript"]
        await session.close()
    finally:
        await proxy.stop()


async def test_a_server_going_away_1001_is_a_drop_not_an_end(engine: EngineProcess) -> None:
    session = await open_session(engine.model_config(),
                                 {"reconnect": {"enabled": True, "sleep": wait_forever}})
    reader = Reader(session)
    await session.send_message("hello")
    await reader.raw("response.done")
    engine.stop()  # SIGTERM: the engine closes its connections with 1001 going away
    lost = await reader.until("connection_lost")
    assert "1001" in lost.error
    await engine.start()
    assert await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    await session.close()


async def test_garbage_is_reported_and_an_abnormal_close_reconnects() -> None:
    connections: list[ServerConnection] = []

    async def garbage_then_1011(ws: ServerConnection) -> None:
        connections.append(ws)
        if len(connections) == 1:
            for junk in ("not json", "[1, 2]", '{"no": "type"}',
                         '{"type": "response.output_audio.delta", "item_id": "i", '
                         '"content_index": 0, "delta": "%%%"}',
                         '{"type": "rtconsole.unknown"}'):
                await ws.send(junk)
            await ws.send(json.dumps({"type": "rtconsole.marker"}))
            await asyncio.sleep(0.05)
            await ws.close(1011, "internal error")
            return
        async for _ in ws:
            pass

    server, url = await tiny_server(garbage_then_1011)
    try:
        session = await open_session({"url": url, "api_key": "k"},
                                     {"reconnect": {"enabled": True, "sleep": no_wait}})
        reader = Reader(session)
        await reader.raw("rtconsole.marker")
        errors = [e.error for e in reader.seen if e.type == "error"]
        assert [e["type"] for e in errors] == ["client_decode_error"] * 4
        lost = await reader.until("connection_lost")
        assert "1011" in lost.error
        await reader.until("reconnected")
        assert len(connections) == 2
        await session.close()
    finally:
        server.close()


async def test_a_reset_in_the_middle_of_a_frame_reconnects() -> None:
    connections: list[ServerConnection] = []

    async def half_a_frame(ws: ServerConnection) -> None:
        connections.append(ws)
        if len(connections) == 1:
            await asyncio.sleep(0.05)
            # A text frame header announcing 4096 bytes, three of them, then a reset.
            ws.transport.write(b"\x81\x7e\x10\x00abc")
            ws.transport.abort()
            return
        async for _ in ws:
            pass

    server, url = await tiny_server(half_a_frame)
    try:
        session = await open_session({"url": url, "api_key": "k"},
                                     {"reconnect": {"enabled": True, "sleep": no_wait}})
        reader = Reader(session)
        await reader.until("connection_lost")
        await reader.until("reconnected")
        assert session.connection_state == "connected"
        await session.close()
    finally:
        server.close()


@function_tool(timeout=0.3)
async def lookup_weather(city: str) -> str:
    """Look up the weather in a city."""
    await asyncio.Event().wait()
    return "never"


async def test_a_hung_tool_is_reported_within_its_timeout_and_the_model_is_told(
    engine: EngineProcess,
) -> None:
    agent = RealtimeAgent("Main", instructions="Help.", tools=[lookup_weather])
    session = await open_session(engine.model_config(), {"tool_timeout_s": 300}, agent)
    reader = Reader(session)
    await session.send_message("what is the weather in Paris")
    error = await reader.until("error")
    assert (error.error["kind"], error.error["tool_name"], error.error["timeout_s"]) == (
        "tool_timeout", "lookup_weather", 0.3)
    end = await reader.until("tool_end")
    assert end.output == "Tool 'lookup_weather' timed out after 0.3 seconds."
    # The server got the timeout as the call's output and answers with it.
    transcript = await reader.raw("response.output_audio_transcript.done",
                                  lambda d: "timed out" in d["transcript"])
    assert "0.3 seconds" in transcript["transcript"]
    await session.close()
