"""Bad input gets clear errors shaped like the real API's, and the engine keeps serving."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from console.engine import LocalEngine

from .support import Client, checked

USER_TEXT = {
    "type": "conversation.item.create",
    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "ok"}]},
}


async def _error(client: Client) -> dict[str, str | None]:
    event = await client.recv()
    assert event["type"] == "error", event
    assert event["error"]["type"] == "invalid_request_error"
    error: dict[str, str | None] = event["error"]
    return error


async def _still_serves(client: Client) -> None:
    await client.send(USER_TEXT)
    await client.send({"type": "response.create"})
    events = await client.until("response.done")
    assert events[-1]["response"]["status"] == "completed"


@pytest.mark.parametrize(
    ("frame", "code", "words"),
    [
        ("{not json", "invalid_json", "Invalid JSON at line 1 column 2"),
        ("[1, 2]", "invalid_json", "Expected a JSON object"),
        ('{"event_id": "e1"}', "missing_required_parameter", "'type'"),
        ('{"type": "conversation.create"}', "invalid_value", "Supported values are"),
        ('{"type": "response.create", "respones": {}}', "unknown_parameter", "'respones'"),
        ('{"type": "input_audio_buffer.append", "audio": "%%%"}', "invalid_value", "base64"),
        ('{"type": "input_audio_buffer.append"}', "missing_required_parameter", "'audio'"),
        (
            '{"type": "session.update", "session": {"type": "realtime", "voice": "x"}}',
            "unknown_parameter",
            "session.voice",
        ),
        (
            '{"type": "session.update", "session": {"instructions": "x"}}',
            "missing_required_parameter",
            "session.type",
        ),
        (
            '{"type": "conversation.item.create", "item": {"type": "message", "role": "robot"}}',
            "invalid_value",
            "'robot'",
        ),
        (
            '{"type": "conversation.item.retrieve", "item_id": "item_nope"}',
            "item_not_found",
            "item_nope",
        ),
        ('{"type": "response.cancel"}', "response_cancel_not_active", "no active response"),
        ('{"type": "input_audio_buffer.commit"}', "input_audio_buffer_commit_empty", "100ms"),
    ],
)
async def test_invalid_events_get_errors_and_the_connection_stays(
    client: Client, frame: str, code: str, words: str
) -> None:
    await client.send(frame)
    error = await _error(client)
    assert error["code"] == code
    assert words in str(error["message"])
    await _still_serves(client)


async def test_error_names_the_client_event_and_param(client: Client) -> None:
    await client.send({"type": "conversation.item.truncate", "event_id": "evt_42", "item_id": 7})
    error = await _error(client)
    assert error["event_id"] == "evt_42"
    assert error["param"] == "item_id"


async def test_binary_frames_are_refused_politely(client: Client) -> None:
    await client.send(b"\x00\x01\x02")
    error = await _error(client)
    assert error["code"] == "invalid_message_type"
    assert "JSON text frame" in str(error["message"])
    await _still_serves(client)


async def test_response_create_during_a_response_is_refused(client: Client) -> None:
    await client.send(USER_TEXT)
    await client.send({"type": "response.create"})
    await client.send({"type": "response.create", "event_id": "second"})
    events = await client.until("response.done")
    errors = [e for e in events if e["type"] == "error"]
    assert [e["error"]["code"] for e in errors] == ["conversation_already_has_active_response"]
    assert errors[0]["error"]["event_id"] == "second"


async def test_wrong_or_missing_token_is_a_401_with_a_reason(engine: LocalEngine) -> None:
    other = await Client.connect(engine)  # a connected client keeps working throughout
    for headers, code in (
        ({"Authorization": "Bearer nope"}, "invalid_api_key"),
        ({}, "missing_api_key"),
    ):
        with pytest.raises(InvalidStatus) as caught:
            await websockets.connect(engine.url, additional_headers=headers)
        response = caught.value.response
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/json"
        body = json.loads(response.body)
        assert body["error"]["code"] == code
        assert "token" in body["error"]["message"]
    await _still_serves(other)
    await other.close()


async def test_token_as_subprotocol_like_browsers_send_it(engine: LocalEngine) -> None:
    offered = ["realtime", f"openai-insecure-api-key.{engine.token}"]
    async with websockets.connect(engine.url, subprotocols=offered) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == "realtime"
        assert checked([json.loads(await ws.recv())])[0]["type"] == "session.created"


async def test_unknown_path_is_a_404(engine: LocalEngine) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await websockets.connect(
            engine.url.replace("/v1/realtime", "/v2/other"),
            additional_headers={"Authorization": f"Bearer {engine.token}"},
        )
    assert caught.value.response.status_code == 404
    assert "/v1/realtime" in json.loads(caught.value.response.body)["error"]["message"]


async def test_no_auth_engine_needs_no_token() -> None:
    async with LocalEngine(require_auth=False, voice="synthetic", pace=None) as engine:
        assert engine.token is None
        assert engine.model_config() == {"url": engine.url, "api_key": "local"}
        async with websockets.connect(engine.url) as ws:
            assert checked([json.loads(await ws.recv())])[0]["type"] == "session.created"


async def test_huge_messages_get_an_error_then_a_close_and_others_go_on() -> None:
    limit = 64 * 1024
    async with LocalEngine(
        voice="synthetic", transcriber="placeholder", pace=None, max_message_bytes=limit
    ) as engine:
        bystander = await Client.connect(engine)
        client = await Client.connect(engine)
        big = json.dumps({"type": "input_audio_buffer.append", "audio": "A" * (2 * limit)})
        await client.send(big)
        error = await _error(client)
        assert error["code"] == "message_too_large"
        assert str(limit) in str(error["message"])
        await _still_serves(client)
        await client.send("x" * (5 * limit))  # beyond what the socket accepts at all
        with pytest.raises(ConnectionClosed) as closed:
            await client.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        await _still_serves(bystander)
        await bystander.close()


async def test_clear_empties_the_buffer(client: Client) -> None:
    session = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    await client.send({"type": "session.update", "session": session})
    await client.until("session.updated")
    await client.append(bytes(48 * 500))
    await client.send({"type": "input_audio_buffer.clear"})
    assert (await client.recv())["type"] == "input_audio_buffer.cleared"
    await client.send({"type": "input_audio_buffer.commit"})
    assert (await _error(client))["code"] == "input_audio_buffer_commit_empty"
    await client.append(bytes(48 * 500))
    await client.send({"type": "input_audio_buffer.commit"})
    committed = await client.recv()
    assert committed["type"] == "input_audio_buffer.committed"


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]


async def test_json_nested_far_too_deep_is_invalid_json_not_a_dropped_connection(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await client.send("[" * 5000 + "]" * 5000)
    error = await _error(client)
    assert error["code"] == "invalid_json" and "nested" in str(error["message"])
    await client.send(json.dumps({"type": "response.create", "response": {"metadata": _deep(600)}}))
    assert (await _error(client))["code"] == "invalid_json"
    await _still_serves(client)
    assert _tracebacks(caplog) == []


async def test_an_invalid_session_update_changes_nothing_and_later_ones_work(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    tool = {"type": "function", "name": "deep", "parameters": _deep(600)}
    await client.send({"type": "session.update",
                       "session": {"type": "realtime", "instructions": "A", "tools": [tool]}})
    assert (await _error(client))["code"] == "invalid_json"
    vad = {"type": "server_vad", "silence_duration_ms": 400, "threshold": 2}
    await client.send({"type": "session.update", "session": {
        "type": "realtime", "instructions": "B", "audio": {"input": {"turn_detection": vad}}}})
    error = await _error(client)
    assert error["param"] == "session.audio.input.turn_detection.threshold"
    await client.send({"type": "session.update", "session": {"type": "realtime"}})
    updated = (await client.until("session.updated"))[-1]["session"]
    assert updated["instructions"] != "A" and updated["instructions"] != "B"
    assert updated["tools"] == []
    assert updated["audio"]["input"]["turn_detection"]["silence_duration_ms"] != 400
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("silence_duration_ms", -1, "invalid_value"),
        ("silence_duration_ms", 1e30, "invalid_type"),
        ("silence_duration_ms", 10**30, "invalid_value"),
        ("prefix_padding_ms", -300, "invalid_value"),
        ("threshold", "high", "invalid_type"),
        ("idle_timeout_ms", True, "invalid_type"),
        ("create_response", "yes", "invalid_type"),
    ],
)
async def test_absurd_turn_detection_values_are_refused_with_their_param(
    client: Client, field: str, value: Any, code: str
) -> None:
    vad = {"type": "server_vad", field: value}
    await client.send({"type": "session.update", "event_id": "evt_vad", "session": {
        "type": "realtime", "audio": {"input": {"turn_detection": vad}}}})
    error = await _error(client)
    assert (error["code"], error["event_id"]) == (code, "evt_vad")
    assert error["param"] == f"session.audio.input.turn_detection.{field}"


@pytest.mark.parametrize(
    ("item", "param"),
    [
        ({"type": "message", "role": {"x": 1}, "content": []}, "item.role"),
        ({"type": "message", "role": ["user"], "content": []}, "item.role"),
        ({"type": "message", "role": "user", "content": [{"type": "input_text", "text": 5}]},
         "item.content[0].text"),
        ({"type": "message", "role": "user", "content": "hi"}, "item.content"),
        ({"type": "function_call_output", "call_id": "c", "output": {"a": 1}}, "item.output"),
        ({"type": "function_call", "name": 3, "call_id": "c"}, "item.name"),
    ],
)
async def test_wrongly_typed_items_are_invalid_requests_not_server_errors(
    client: Client, caplog: pytest.LogCaptureFixture, item: dict[str, Any], param: str
) -> None:
    await client.send({"type": "conversation.item.create", "item": item})
    assert (await _error(client))["param"] == param
    await _still_serves(client)
    assert _tracebacks(caplog) == []
