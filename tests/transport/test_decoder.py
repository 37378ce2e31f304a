"""The sans-I/O decoder: recorded server messages and malformed ones, without sockets."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from console.realtime import wire
from console.realtime.items import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputAudio,
    InputText,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.realtime.model import ModelAudioTracker
from console.realtime.model_events import RealtimeModelRawServerEvent

from .recordings import expected, load, recording_paths

RECORDINGS = recording_paths()


def decode(decoder: wire.ServerEventDecoder, data: Any) -> list[Any]:
    return decoder.decode(data if isinstance(data, str | bytes) else json.dumps(data))


def audio_delta(item_id: str = "item_a", n: int = 480, **extra: Any) -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "response_id": "resp_1",
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(bytes(range(256)) * (n // 256) + bytes(n % 256)).decode(),
        **extra,
    }


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recordings_decode_to_what_they_say(path: Path) -> None:
    lines = load(path)
    exp = expected(lines)
    decoder = wire.ServerEventDecoder()
    events: list[Any] = []
    received = [line.data for line in lines if line.direction == "received"]
    for data in received:
        out = decode(decoder, data)
        # Raw first, always, carrying the decoded object.
        assert isinstance(out[0], RealtimeModelRawServerEvent) and out[0].data == data
        events.extend(out)
    assert len([e for e in events if e.type == "raw_server_event"]) == len(received)
    assert len([e for e in events if e.type == "error"]) == exp.errors

    audio: dict[str, int] = {}
    for e in events:
        if e.type == "audio":
            audio[e.item_id] = audio.get(e.item_id, 0) + len(e.data)
    assert audio == dict(exp.audio_bytes)

    transcripts: dict[str, str] = {}
    texts: dict[str, str] = {}
    for e in events:
        if e.type == "transcript_delta":
            transcripts[e.item_id] = transcripts.get(e.item_id, "") + e.delta
        elif e.type == "output_text_delta":
            texts[e.item_id] = texts.get(e.item_id, "") + e.delta
    assert transcripts == exp.assistant_transcripts
    assert texts == exp.assistant_texts

    calls = {e.call_id: (e.name, e.arguments) for e in events if e.type == "function_call"}
    assert calls == exp.tool_calls
    assert len([e for e in events if e.type == "function_call"]) == len(exp.tool_calls)

    user = {e.item_id: e.transcript for e in events
            if e.type == "input_audio_transcription_completed"}
    assert user == exp.user_transcripts

    ended = {e.response_id: e for e in events if e.type == "turn_ended"}
    assert set(ended) == set(exp.responses)
    for rid, body in exp.responses.items():
        assert ended[rid].status == body.get("status")
        assert ended[rid].usage == body.get("usage")
    assert len([e for e in events if e.type == "turn_started"]) == len(exp.responses)

    # Items: every message item of the recording shows up as a history item with GA parts mapped.
    items = [e.item for e in events if e.type == "item_updated"]
    for item in items:
        if isinstance(item, AssistantMessageItem):
            assert all(isinstance(p, AssistantText | AssistantAudio) for p in item.content)
        if isinstance(item, UserMessageItem):
            assert all(isinstance(p, InputText | InputAudio) for p in item.content)
    final = {i.item_id: i for i in items}
    for item_id, transcript in exp.assistant_transcripts.items():
        parts = final[item_id].content
        assert [p.transcript for p in parts if isinstance(p, AssistantAudio)] == [transcript]
    for item_id, text in exp.assistant_texts.items():
        parts = final[item_id].content
        assert [p.text for p in parts if isinstance(p, AssistantText)] == [text]
    for call_id, (name, arguments) in exp.tool_calls.items():
        [call] = [i for i in final.values()
                  if isinstance(i, RealtimeToolCallItem) and i.call_id == call_id]
        assert (call.name, call.arguments) == (name, arguments)


def test_audio_delta_decodes_tracks_and_keeps_ids() -> None:
    tracker = ModelAudioTracker(clock=lambda: 100.0)
    decoder = wire.ServerEventDecoder(tracker)
    _, event = decode(decoder, audio_delta(n=4800))
    assert event.type == "audio"
    assert len(event.data) == 4800
    assert (event.item_id, event.content_index, event.response_id) == ("item_a", 0, "resp_1")
    assert tracker.received_ms("item_a", 0) == 100.0
    assert tracker.last_item() == ("item_a", 0)


def test_audio_of_an_interrupted_item_is_dropped_but_still_raw() -> None:
    decoder = wire.ServerEventDecoder()
    decoder.interrupted.add(("item_a", 0))
    out = decode(decoder, audio_delta())
    assert [e.type for e in out] == ["raw_server_event"]


def test_g711_session_changes_audio_length() -> None:
    decoder = wire.ServerEventDecoder()
    decode(decoder, {"type": "session.updated",
                     "session": {"audio": {"output": {"format": {"type": "audio/pcmu"}}}}})
    decode(decoder, audio_delta(n=800))
    assert decoder.audio_tracker.received_ms("item_a", 0) == 100.0


def test_session_created_does_not_override_the_update_we_sent() -> None:
    decoder = wire.ServerEventDecoder()
    ours = {"audio": {"input": {"turn_detection": {"type": "server_vad",
                                                   "interrupt_response": True}}}}
    decoder.set_session(ours)
    decoder.session_sent = True
    decode(decoder, {"type": "session.created", "session": {"audio": {"input": {}}}})
    assert wire.auto_cancels_on_speech(decoder.session)
    decode(decoder, {"type": "session.updated",
                     "session": {"audio": {"input": {"turn_detection": None}}}})
    assert not wire.auto_cancels_on_speech(decoder.session)


def test_tool_call_is_announced_once_whichever_event_comes_first() -> None:
    call = {"id": "item_f", "type": "function_call", "status": "completed", "name": "lookup",
            "call_id": "call_1", "arguments": '{"q": 1}'}
    decoder = wire.ServerEventDecoder()
    seen = []
    for message in (
        {"type": "conversation.item.added", "previous_item_id": "item_u",
         "item": {**call, "status": "in_progress", "arguments": ""}},
        {"type": "response.function_call_arguments.done", "call_id": "call_1",
         "item_id": "item_f", "arguments": '{"q": 1}'},
        {"type": "response.output_item.done", "item": call},
        {"type": "conversation.item.done", "item": call},
    ):
        seen.extend(decode(decoder, message))
    [announced] = [e for e in seen if e.type == "function_call"]
    assert (announced.name, announced.call_id, announced.arguments) == ("lookup", "call_1",
                                                                       '{"q": 1}')
    assert (announced.id, announced.previous_item_id) == ("item_f", "item_u")
    # The call's history item stays in progress until its output is sent (one item for both).
    items = [e.item for e in seen if e.type == "item_updated"]
    assert {i.status for i in items} == {"in_progress"}
    decoder.tool_outputs["call_1"] = "42"
    [_, updated] = decode(decoder, {"type": "conversation.item.done", "item": call})
    assert (updated.item.status, updated.item.output) == ("completed", "42")


def test_arguments_done_without_a_name_waits_for_the_item() -> None:
    decoder = wire.ServerEventDecoder()
    out = decode(decoder, {"type": "response.function_call_arguments.done", "call_id": "c",
                           "item_id": "i", "arguments": "{}"})
    assert [e.type for e in out] == ["raw_server_event", "other"]
    out = decode(decoder, {"type": "response.output_item.done", "item": {
        "id": "i", "type": "function_call", "status": "completed", "name": "n", "call_id": "c",
        "arguments": "{}"}})
    assert [e.type for e in out] == ["raw_server_event", "item_updated", "function_call"]


def test_simple_mappings() -> None:
    decoder = wire.ServerEventDecoder()
    cases: list[tuple[dict[str, Any], str, dict[str, Any]]] = [
        ({"type": "conversation.item.deleted", "item_id": "x"}, "item_deleted", {"item_id": "x"}),
        ({"type": "input_audio_buffer.timeout_triggered", "item_id": "x", "audio_start_ms": 1,
          "audio_end_ms": 9}, "input_audio_timeout_triggered",
         {"item_id": "x", "audio_start_ms": 1, "audio_end_ms": 9}),
        ({"type": "response.output_audio.done", "item_id": "x", "content_index": 0},
         "audio_done", {"item_id": "x", "content_index": 0}),
        ({"type": "error", "error": {"type": "invalid_request_error", "message": "no"}},
         "error", {"error": {"type": "invalid_request_error", "message": "no"}}),
        ({"type": "response.created", "response": {"id": "r"}}, "turn_started",
         {"response_id": "r"}),
        ({"type": "response.done", "response": {"id": "r", "status": "cancelled"}}, "turn_ended",
         {"response_id": "r", "status": "cancelled", "usage": None}),
        ({"type": "input_audio_buffer.speech_started", "item_id": "x"}, "other", {}),
        ({"type": "rate_limits.updated", "rate_limits": []}, "other", {}),
        ({"type": "some.future.event"}, "other", {}),
    ]
    for message, kind, fields in cases:
        raw, event = decode(decoder, message)
        assert raw.data == message
        assert event.type == kind, message
        for name, value in fields.items():
            assert getattr(event, name) == value


def test_user_and_system_items_keep_their_parts() -> None:
    decoder = wire.ServerEventDecoder()
    _, event = decode(decoder, {"type": "conversation.item.added", "previous_item_id": "p",
                                "item": {"id": "u", "type": "message", "role": "user",
                                         "content": [{"type": "input_text", "text": "hi"},
                                                     {"type": "input_audio", "transcript": None},
                                                     {"type": "future_part"}]}})
    item = event.item
    assert isinstance(item, UserMessageItem) and item.previous_item_id == "p"
    assert [p.type for p in item.content] == ["input_text", "input_audio"]
    _, event = decode(decoder, {"type": "conversation.item.added", "item": {
        "id": "s", "type": "message", "role": "system",
        "content": [{"type": "input_text", "text": "rules"}]}})
    assert event.item.role == "system" and event.item.content[0].text == "rules"


MALFORMED: list[tuple[str, Any]] = [
    ("not json", "{nope"),
    ("bytes not utf-8", b"\xff\xfe{"),
    ("json list", "[1, 2]"),
    ("json number", "3"),
    ("no type", {"item_id": "x"}),
    ("type not a string", {"type": ["x"]}),
    ("audio without delta", {**audio_delta(), "delta": None}),
    ("audio bad base64", {**audio_delta(), "delta": "!!!not base64!!!"}),
    ("audio item_id int", {**audio_delta(), "item_id": 5}),
    ("audio content_index str", {**audio_delta(), "content_index": "0"}),
    ("transcript delta not str", {"type": "response.output_audio_transcript.delta",
                                  "item_id": "x", "delta": 3, "response_id": "r"}),
    ("text delta missing item", {"type": "response.output_text.delta", "delta": "a"}),
    ("item not an object", {"type": "conversation.item.added", "item": "x"}),
    ("item without id", {"type": "conversation.item.done",
                         "item": {"type": "message", "role": "user", "content": []}}),
    ("item unknown role", {"type": "conversation.item.done",
                           "item": {"id": "i", "type": "message", "role": "robot"}}),
    ("item content not list", {"type": "conversation.item.done",
                               "item": {"id": "i", "type": "message", "role": "assistant",
                                        "content": {"a": 1}}}),
    ("call without call_id", {"type": "response.output_item.done",
                              "item": {"id": "i", "type": "function_call", "name": "n"}}),
    ("arguments done no call_id", {"type": "response.function_call_arguments.done",
                                   "arguments": "{}"}),
    ("timeout bad ms", {"type": "input_audio_buffer.timeout_triggered", "item_id": "i",
                        "audio_start_ms": "1", "audio_end_ms": 2}),
    ("error without error", {"type": "error"}),
    ("session not object", {"type": "session.updated", "session": 3}),
    ("transcription no transcript", {
        "type": "conversation.item.input_audio_transcription.completed", "item_id": "i"}),
]


@pytest.mark.parametrize(("name", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_messages_become_error_events(name: str, message: Any) -> None:
    out = decode(wire.ServerEventDecoder(), message)
    assert out[0].type == "raw_server_event"
    assert [e.type for e in out[1:]] == ["error"]
    assert out[1].error["type"] == "client_decode_error"
    assert out[1].error["message"]
