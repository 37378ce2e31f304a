"""Property tests: arbitrary and mutated server messages never break the decoder or a session."""

from __future__ import annotations

import asyncio
import binascii
import copy
import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.realtime import RealtimeAgent, RealtimeRunner
from console.realtime import model_events as me
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel
from console.realtime.wire import ServerEventDecoder

from .conftest import WAIT, EventRecorder, LoopbackServer
from .recordings import load, recording_paths

MODEL_EVENTS = tuple(
    getattr(me, name) for name in dir(me)
    if name.startswith("RealtimeModel") and name.endswith("Event") and name != "RealtimeModelEvent"
)
RECEIVED = [line.data for path in recording_paths() for line in load(path)
            if line.direction == "received"]
KNOWN_TYPES = sorted({m["type"] for m in RECEIVED} | {
    "error", "conversation.item.deleted", "conversation.item.retrieved",
    "conversation.item.truncated", "input_audio_buffer.timeout_triggered", "session.created",
})
BASE64_ALPHABET = set(string.ascii_letters + string.digits + "+/=-_")
FIELDS = ["item_id", "delta", "content_index", "response_id", "item", "response", "error",
          "session", "call_id", "arguments", "name", "transcript", "previous_item_id",
          "audio_start_ms", "audio_end_ms"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from([*FIELDS, "type", "id", "role", "status", "x"]), inner,
                      max_size=5),
    max_leaves=16,
)
shaped = st.fixed_dictionaries(
    {"type": st.sampled_from(KNOWN_TYPES)},
    optional={f: json_values for f in FIELDS},
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A recorded server message with one thing broken: a field dropped or of the wrong type,
    an unknown type, or bad base64."""
    message: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(RECEIVED)))
    target = message
    nested = [k for k, v in message.items() if isinstance(v, dict) and v]
    go_deeper = draw(st.booleans())
    if nested and go_deeper:
        target = message[draw(st.sampled_from(nested))]
    key = draw(st.sampled_from(sorted(target)))
    how = draw(st.sampled_from(["drop", "retype", "unknown_type", "bad_base64"]))
    if how == "drop":
        del target[key]
    elif how == "retype":
        target[key] = draw(json_values.filter(lambda v: type(v) is not type(target[key])))
    elif how == "unknown_type":
        message["type"] = draw(st.text(min_size=1, max_size=20))
    elif "delta" in message:
        message["delta"] = draw(st.sampled_from(["!!", "a", "abc", "====", "\u00e9t\u00e9"]))
    return message


server_messages = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    json_values.map(json.dumps),
    shaped.map(json.dumps),
    mutated().map(json.dumps),
)


def check_events(out: list[Any], message: str | bytes) -> None:
    assert out and out[0].type == "raw_server_event"
    assert all(isinstance(e, MODEL_EVENTS) for e in out)
    assert [e.type for e in out].count("raw_server_event") == 1
    try:
        data = json.loads(message)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        assert [e.type for e in out[1:]] == ["error"]


@settings(max_examples=400, deadline=None)
@given(st.lists(server_messages, max_size=12))
def test_decoder_never_raises(messages: list[str | bytes]) -> None:
    decoder = ServerEventDecoder()
    for message in messages:
        check_events(decoder.decode(message), message)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["item_id", "delta"]),
       json_values | st.text(alphabet="AB+/=-_ !\\\"\n", max_size=12),
       st.sampled_from(["response.output_audio.delta", "response.output_audio_transcript.delta",
                        "response.output_text.delta"]))
def test_hot_path_fields_of_the_wrong_type_are_errors(field: str, value: Any, kind: str) -> None:
    message = {"type": kind, "item_id": "i", "response_id": "r", "content_index": 0,
               "delta": "AAAA"}
    message[field] = value
    out = ServerEventDecoder().decode(json.dumps(message))
    if not isinstance(value, str):
        assert out[-1].type == "error"
    elif kind != "response.output_audio.delta" or field == "item_id":
        assert out[-1].type != "error"
    elif set(value) - BASE64_ALPHABET:
        assert out[-1].type == "error"
    else:
        try:
            expected = binascii.a2b_base64(value, strict_mode=True)
        except binascii.Error:
            return  # lenient spellings (no padding, URL-safe) may decode or not
        assert out[-1].type == "audio" and out[-1].data == expected


async def run_session_against(messages: list[str | bytes]) -> None:
    server = await LoopbackServer().start()
    try:
        model = OpenAIRealtimeWebSocketModel()
        recorder = EventRecorder()
        model.add_listener(recorder)
        runner = RealtimeRunner(RealtimeAgent(name="Prop"), model=model)
        session = await runner.run(model_config={"url": server.url, "api_key": "k"})
        events: list[Any] = []

        async def collect() -> None:
            async for event in session:
                events.append(event)

        async with session:
            collector = asyncio.create_task(collect())
            await server.wait_connected()
            await server.push(*messages)
            # Still running: a well-formed delta after the garbage is handled as usual.
            await server.push({"type": "response.output_audio_transcript.delta",
                               "item_id": "item_after", "response_id": "r", "delta": "still here",
                               "event_id": "evt_after"})
            await recorder.wait_for("transcript_delta", lambda e: e.item_id == "item_after")
            assert not session.closed
            assert model.status == "connected"
        await asyncio.wait_for(collector, WAIT)
        assert not server.invalid, server.invalid
        decoder_errors = [e for e in recorder.of("error")
                          if isinstance(e.error, dict) and e.error.get("type") ==
                          "client_decode_error"]
        bad = [m for m in messages if not _is_typed_object(m)]
        assert len(decoder_errors) >= len(bad)
        session_errors = [e for e in events if e.type == "error"]
        assert len(session_errors) >= len(decoder_errors)
        assert recorder.of("exception") == []
    finally:
        await server.stop()


def _is_typed_object(message: str | bytes) -> bool:
    try:
        data = json.loads(message)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("type"), str)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(server_messages, min_size=1, max_size=25))
def test_session_survives_any_server_messages(messages: list[str | bytes]) -> None:
    asyncio.run(run_session_against(messages))
