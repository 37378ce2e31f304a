"""Connecting: endpoint, credentials, headers, errors without secrets, transport settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import pytest
from websockets.asyncio.server import serve

from console.realtime import openai_options
from console.realtime.model_inputs import RealtimeModelSendSessionUpdate
from console.realtime.openai_options import realtime_url, redact_url
from console.realtime.openai_realtime import (
    OpenAIRealtimeWebSocketModel,
    RealtimeConfigError,
    RealtimeConnectionError,
    TransportConfig,
)
from console.realtime.sip import OpenAIRealtimeSIPModel

from .conftest import WAIT, EventRecorder, LoopbackServer, check_client_event

SECRET = "sk-test-SECRET-1234567890"


@pytest.fixture
def base_url(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> str:
    # Point the default endpoint at the loopback server so the URL the model builds is used.
    monkeypatch.setattr(openai_options, "BASE_URL", server.url)
    return server.url


def statuses(recorder: EventRecorder) -> list[str]:
    return [e.status for e in recorder.of("connection_status")]


def test_default_endpoints() -> None:
    assert realtime_url("gpt-realtime") == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert realtime_url("x", "rtc_123") == "wss://api.openai.com/v1/realtime?call_id=rtc_123"


def test_redact_url_hides_query_values_and_userinfo() -> None:
    red = redact_url("wss://user:pw@127.0.0.1:8765/v1/realtime?model=m&token=abc123")
    assert "abc123" not in red and "pw" not in red
    assert "127.0.0.1:8765" in red and "model=m" in red


async def test_model_url_bearer_key_and_initial_session_update(
    server: LoopbackServer, base_url: str
) -> None:
    model = OpenAIRealtimeWebSocketModel()
    recorder = EventRecorder()
    model.add_listener(recorder)
    await model.connect({"api_key": SECRET, "initial_model_settings": {"model_name": "gpt-x"}})
    try:
        [update] = await server.expect("session.update")
        assert server.request_paths[0] == "/v1/realtime?model=gpt-x"
        assert server.request_headers[0]["Authorization"] == f"Bearer {SECRET}"
        assert server.received[0]["type"] == "session.update"
        session = update["session"]
        assert session["model"] == "gpt-x"
        assert session["audio"]["output"]["voice"] == "ash"
        assert session["audio"]["input"]["turn_detection"] == {
            "type": "semantic_vad", "interrupt_response": True
        }
        assert session["tracing"] == "auto"
        assert statuses(recorder) == []  # as in the SDK: only a server's disconnect is reported
        assert model.status == "connected"
        assert SECRET not in repr(model)
        # Later updates leave tracing alone: the API allows setting it once.
        await model.send_event(RealtimeModelSendSessionUpdate({"voice": "marin"}))
        updates = await server.expect("session.update", 2)
        assert "tracing" not in updates[1]["session"]
        assert updates[1]["session"]["audio"]["output"]["voice"] == "marin"
    finally:
        await model.close()
    assert statuses(recorder) == [] and model.status == "disconnected"  # we closed it


@pytest.mark.parametrize("kind", ["sync", "async", "env"])
async def test_api_key_sources(
    server: LoopbackServer, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def async_key() -> str:
        return SECRET

    config: dict[str, Any] = {"url": server.url}
    if kind == "sync":
        config["api_key"] = lambda: SECRET
    elif kind == "async":
        config["api_key"] = async_key
    else:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    model = OpenAIRealtimeWebSocketModel()
    await model.connect(config)  # type: ignore[arg-type]
    await model.close()
    assert server.request_headers[0]["Authorization"] == f"Bearer {SECRET}"


async def test_headers_replace_authorization(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    await model.connect(
        {"url": server.url, "api_key": SECRET, "headers": {"X-Engine-Token": "tok"}}
    )
    await model.close()
    headers = server.request_headers[0]
    assert headers["X-Engine-Token"] == "tok"
    assert "Authorization" not in headers


async def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(RealtimeConfigError, match="OPENAI_API_KEY"):
        await OpenAIRealtimeWebSocketModel().connect({})


async def test_call_id_and_model_name_conflict() -> None:
    with pytest.raises(RealtimeConfigError, match="call_id"):
        await OpenAIRealtimeWebSocketModel().connect(
            {"api_key": SECRET, "call_id": "rtc_1", "initial_model_settings": {"model_name": "m"}}
        )


async def test_sip_requires_call_id_and_uses_it(server: LoopbackServer, base_url: str) -> None:
    with pytest.raises(RealtimeConfigError, match="call_id"):
        await OpenAIRealtimeSIPModel().connect({"api_key": SECRET})
    model = OpenAIRealtimeSIPModel()
    await model.connect({"api_key": SECRET, "call_id": "rtc_42"})
    [update] = await server.expect("session.update")
    await model.close()
    assert server.request_paths[0] == "/v1/realtime?call_id=rtc_42"
    # The SIP call negotiated its codec: no format unless one was configured.
    assert "format" not in update["session"]["audio"]["input"]
    assert "format" not in update["session"]["audio"]["output"]


async def test_refused_connection_error_has_no_secrets() -> None:
    # A port that was just free: nothing listens there.
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    model = OpenAIRealtimeWebSocketModel()
    recorder = EventRecorder()
    model.add_listener(recorder)
    url = f"ws://127.0.0.1:{port}/v1/realtime?model=m&token=hunter2"
    with pytest.raises(RealtimeConnectionError) as info:
        await model.connect({"url": url, "api_key": SECRET})
    text = f"{info.value} {info.value!r}"
    assert SECRET not in text and "hunter2" not in text
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert statuses(recorder) == [] and model.status == "disconnected"


async def test_rejected_handshake_error_has_no_secret() -> None:
    def reject(connection: Any, request: Any) -> Any:
        return connection.respond(HTTPStatus.UNAUTHORIZED, f"bad key {SECRET[:3]}\n")

    async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=reject) as srv:
        port = srv.sockets[0].getsockname()[1]
        with pytest.raises(RealtimeConnectionError, match="401") as info:
            await OpenAIRealtimeWebSocketModel().connect(
                {"url": f"ws://127.0.0.1:{port}/", "api_key": SECRET}
            )
    assert SECRET not in str(info.value)


@contextlib.asynccontextmanager
async def silent_tcp_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never answers: a handshake that cannot finish."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    srv = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        srv.close()
        await srv.wait_closed()


async def test_handshake_timeout_is_applied() -> None:
    async with silent_tcp_server() as port:
        model = OpenAIRealtimeWebSocketModel(
            transport_config=TransportConfig(handshake_timeout=0.2)
        )
        with pytest.raises(RealtimeConnectionError, match="TimeoutError") as info:
            await asyncio.wait_for(
                model.connect({"url": f"ws://127.0.0.1:{port}/", "api_key": SECRET}), WAIT
            )
        assert isinstance(info.value, TimeoutError)  # what the SDK raises


async def test_transport_settings_reach_the_connection(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    config: Any = {
        "url": server.url,
        "api_key": SECRET,
        # The SDK's dict spelling is accepted too.
        "transport": {"ping_interval": 7.0, "ping_timeout": 3.0, "connect_timeout": 4.0},
    }
    await model.connect(config)
    ws = model._ws
    assert ws is not None
    assert (ws.ping_interval, ws.ping_timeout) == (7.0, 3.0)
    assert model.transport_config.handshake_timeout == 4.0
    await model.close()


async def test_max_size_too_big_message_is_an_error_then_disconnect(
    server: LoopbackServer,
) -> None:
    model = OpenAIRealtimeWebSocketModel(transport_config=TransportConfig(max_size=1000))
    recorder = EventRecorder()
    model.add_listener(recorder)
    await model.connect({"url": server.url, "api_key": SECRET})
    await server.wait_connected()
    await server.push({"type": "rtconsole.big", "pad": "x" * 2000})
    await recorder.wait_for("connection_status", lambda e: e.status == "disconnected")
    [error] = recorder.of("error")
    assert error.error["type"] == "connection_closed"
    assert error.error["code"] == 1009
    await model.close()


async def test_connect_twice_is_refused_and_reconnect_works(server: LoopbackServer) -> None:
    model = OpenAIRealtimeWebSocketModel()
    await model.connect({"url": server.url, "api_key": SECRET})
    with pytest.raises(RuntimeError, match="already connected"):
        await model.connect({"url": server.url, "api_key": SECRET})
    await model.close()
    await model.connect({"url": server.url, "api_key": SECRET})
    await server.expect("session.update", 2)
    await model.close()
    assert len(server.connections) == 2
    for message in server.received:
        check_client_event(message)


async def test_handshake_timeout_bounds_only_a_slow_upgrade() -> None:
    """A server that holds the HTTP upgrade: a short handshake timeout gives up with a
    TimeoutError; once the server answers, a longer one connects to the same server."""
    release, held, first_message = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow_upgrade(_connection: Any, _request: Any) -> None:
        held.set()
        await release.wait()

    async def handler(ws: Any) -> None:
        await ws.recv()  # the session.update sent on connect
        first_message.set()
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, process_request=slow_upgrade) as srv:
        url = f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1/realtime"
        impatient = OpenAIRealtimeWebSocketModel(transport_config={"handshake_timeout": 0.2})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(impatient.connect({"url": url, "api_key": SECRET}), WAIT)
        assert held.is_set()
        release.set()
        patient = OpenAIRealtimeWebSocketModel(transport_config={"handshake_timeout": WAIT})
        await asyncio.wait_for(patient.connect({"url": url, "api_key": SECRET}), WAIT * 2)
        await asyncio.wait_for(first_message.wait(), WAIT)
        await patient.close()
