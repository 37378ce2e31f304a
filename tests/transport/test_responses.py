"""What the transport sends for a session's requests, and response.create sequencing."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from console.realtime.model_events import RealtimeModelToolCallEvent
from console.realtime.model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendRawMessage,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
)
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .conftest import EventRecorder, LoopbackServer, barrier, pushed


def created(rid: str = "resp_1") -> dict[str, Any]:
    return {"type": "response.created", "response": {"id": rid, "status": "in_progress"}}


def done(rid: str = "resp_1") -> dict[str, Any]:
    return {"type": "response.done", "response": {"id": rid, "status": "completed"}}


def call(call_id: str = "call_1") -> RealtimeModelToolCallEvent:
    return RealtimeModelToolCallEvent(name="lookup", call_id=call_id, arguments="{}",
                                      id=f"item_{call_id}", previous_item_id="item_u")


@pytest.fixture
async def model_and_recorder(
    server: LoopbackServer, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[OpenAIRealtimeWebSocketModel, EventRecorder]]:
    marker = request.node.get_closest_marker("turn_detection")
    turn: Any = marker.args[0] if marker else {"type": "server_vad"}
    model = OpenAIRealtimeWebSocketModel()
    recorder = EventRecorder()
    model.add_listener(recorder)
    await model.connect({"url": server.url, "api_key": "k",
                         "initial_model_settings": {"turn_detection": turn}})
    await server.wait_connected()
    yield model, recorder
    await model.close()


Fixture = tuple[OpenAIRealtimeWebSocketModel, EventRecorder]


async def test_user_text_is_an_item_then_a_response(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, _ = model_and_recorder
    await model.send_event(RealtimeModelSendUserInput("Hello there"))
    await server.expect("response.create")
    item, response = server.received[-2:]
    assert item == {"type": "conversation.item.create", "item": {
        "type": "message", "role": "user", "content": [{"type": "input_text",
                                                        "text": "Hello there"}]}}
    assert response["type"] == "response.create"


async def test_structured_user_message_keeps_text_and_images(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, _ = model_and_recorder
    await model.send_event(RealtimeModelSendUserInput({"type": "message", "role": "user",
                                                       "content": [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
    ]}))
    [item] = await server.expect("conversation.item.create")
    assert item["item"]["content"][1] == {"type": "input_image",
                                          "image_url": "data:image/png;base64,AAAA",
                                          "detail": "low"}


async def test_requests_during_a_response_wait_for_response_done(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, recorder = model_and_recorder
    await pushed(recorder, server, created())
    await model.send_event(RealtimeModelSendUserInput("one"))
    await model.send_event(RealtimeModelSendToolOutput(call("call_1"), "a", True))
    await model.send_event(RealtimeModelSendToolOutput(call("call_2"), "b", True))
    await barrier(model, server)
    assert server.of("response.create") == []
    assert len(server.of("conversation.item.create")) == 3
    await pushed(recorder, server, done())
    # The three requests collapse into one response that sees all three items.
    await server.expect("response.create")
    await barrier(model, server)
    assert len(server.of("response.create")) == 1


async def test_never_two_responses_in_flight_from_our_side(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, recorder = model_and_recorder
    await model.send_event(RealtimeModelSendUserInput("one"))
    await model.send_event(RealtimeModelSendUserInput("two"))  # before response.created
    await barrier(model, server)
    assert len(server.of("response.create")) == 1
    await pushed(recorder, server, created("r1"), done("r1"))
    await server.expect("response.create", 2)
    await pushed(recorder, server, created("r2"), done("r2"))
    await barrier(model, server)
    assert len(server.of("response.create")) == 2


async def test_refused_because_active_is_retried_after_that_response(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, recorder = model_and_recorder
    await model.send_event(RealtimeModelSendUserInput("one"))
    [first] = await server.expect("response.create")
    # A VAD turn won the race: the server refuses ours, naming our event id.
    await pushed(recorder, server, created("vad"), {"type": "error", "error": {
        "type": "invalid_request_error", "code": "conversation_already_has_active_response",
        "message": "busy", "event_id": first["event_id"]}})
    await barrier(model, server)
    assert len(server.of("response.create")) == 1
    await pushed(recorder, server, done("vad"))
    await server.expect("response.create", 2)


async def test_refused_for_another_reason_frees_the_queue(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, recorder = model_and_recorder
    await model.send_event(RealtimeModelSendUserInput("one"))
    [first] = await server.expect("response.create")
    await pushed(recorder, server, {"type": "error", "error": {
        "type": "invalid_request_error", "code": "other", "message": "no",
        "event_id": first["event_id"]}})
    [error] = recorder.of("error")
    assert error.error["code"] == "other"
    await model.send_event(RealtimeModelSendUserInput("two"))
    await server.expect("response.create", 2)


async def test_tool_output_item_update_and_optional_response(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, recorder = model_and_recorder
    await model.send_event(RealtimeModelSendToolOutput(call(), "sunny", start_response=False))
    [item] = await server.expect("conversation.item.create")
    assert item["item"] == {"type": "function_call_output", "call_id": "call_1",
                            "output": "sunny"}
    [updated] = recorder.of("item_updated")
    assert (updated.item.item_id, updated.item.status, updated.item.output) == (
        "item_call_1", "completed", "sunny")
    await barrier(model, server)
    assert server.of("response.create") == []


async def test_audio_is_base64_and_commit_leaves_responses_to_vad(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, _ = model_and_recorder
    pcm = bytes(range(256)) * 4
    await model.send_event(RealtimeModelSendAudio(pcm))
    await model.send_event(RealtimeModelSendAudio(pcm, commit=True))
    appends = await server.expect("input_audio_buffer.append", 2)
    assert base64.b64decode(appends[0]["audio"]) == pcm
    await server.expect("input_audio_buffer.commit")
    await barrier(model, server)
    assert server.of("response.create") == []


@pytest.mark.turn_detection(None)
async def test_commit_without_turn_detection_asks_for_a_response(
    model_and_recorder: Fixture, server: LoopbackServer
) -> None:
    model, _ = model_and_recorder
    await model.send_event(RealtimeModelSendAudio(bytes(960), commit=True))
    await server.expect("response.create")
    kinds = [m["type"] for m in server.received]
    assert kinds[-3:] == ["input_audio_buffer.append", "input_audio_buffer.commit",
                          "response.create"]


async def test_raw_messages(model_and_recorder: Fixture, server: LoopbackServer) -> None:
    model, recorder = model_and_recorder
    await model.send_event(RealtimeModelSendRawMessage(
        {"type": "conversation.item.delete", "other_data": {"item_id": "item_9"}}))
    [deleted] = await server.expect("conversation.item.delete")
    assert deleted == {"type": "conversation.item.delete", "item_id": "item_9"}
    # A raw response.create still obeys sequencing.
    await pushed(recorder, server, created())
    await model.send_event(RealtimeModelSendRawMessage(
        {"type": "response.create", "other_data": {"response": {"instructions": "Be brief."}}}))
    await barrier(model, server)
    assert server.of("response.create") == []
    await pushed(recorder, server, done())
    [sent] = await server.expect("response.create")
    assert sent["response"] == {"instructions": "Be brief."}
    # A raw message without a type is an error event, not an exception.
    await model.send_event(RealtimeModelSendRawMessage({}))  # type: ignore[typeddict-item]
    [error] = recorder.of("error")
    assert error.error["type"] == "invalid_client_message"
