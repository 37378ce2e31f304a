"""A client we did not write: the openai package's realtime client holds conversations with us."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from openai import AsyncOpenAI

from console.engine import LocalEngine

from .support import WEATHER_TOOL, validate


def _client(engine: LocalEngine) -> AsyncOpenAI:
    base = engine.url.rsplit("/realtime", 1)[0]  # the client appends /realtime itself
    return AsyncOpenAI(api_key=engine.token, websocket_base_url=base)


async def _next(conn: Any) -> Any:
    raw = await conn.recv_bytes()
    validate(json.loads(raw))
    return conn.parse_event(raw)


async def _until(conn: Any, kind: str) -> list[Any]:
    events = []
    while True:
        event = await _next(conn)
        events.append(event)
        if event.type == kind:
            return events


@pytest.mark.parametrize(
    "voice",
    [
        "synthetic",
        "espeak",
    ],
)
async def test_text_turn_streams_transcript_and_audio(voice: str) -> None:
    async with (
        LocalEngine(voice=voice, transcriber="placeholder", pace=None) as engine,
        _client(engine).realtime.connect(model="gpt-realtime-mini") as conn,
    ):
        created = await _next(conn)
        assert created.type == "session.created"
        assert created.session.model == "gpt-realtime-mini"  # ?model= is echoed
        await conn.session.update(session={"type": "realtime", "output_modalities": ["audio"]})
        await _until(conn, "session.updated")
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Hi there"}],
            }
        )
        await conn.response.create()
        events = await _until(conn, "response.done")
    transcript = "".join(
        e.delta for e in events if e.type == "response.output_audio_transcript.delta"
    )
    audio = b"".join(
        base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta"
    )
    assert transcript == "Hello, how can I help you today?"
    assert len(audio) > 24000  # more than half a second of PCM16 at 24 kHz
    done = events[-1].response
    assert done.status == "completed"
    assert done.output[0].content[0].transcript == transcript
    assert done.usage.output_token_details.audio_tokens > 0


async def test_function_call_round(engine: LocalEngine) -> None:
    async with _client(engine).realtime.connect(model="gpt-realtime") as conn:
        await _next(conn)
        await conn.session.update(
            session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER_TOOL]}
        )
        await _until(conn, "session.updated")
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What's the weather like in Lisbon?"}],
            }
        )
        await conn.response.create()
        events = await _until(conn, "response.done")
        call = next(e for e in events if e.type == "response.function_call_arguments.done")
        assert call.name == "get_weather"
        assert json.loads(call.arguments) == {"city": "Lisbon"}
        await conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 24 C."}
        )
        await conn.response.create()
        events = await _until(conn, "response.done")
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "The get weather tool says: Sunny, 24 C."
    assert events[-1].response.output[0].content[0].text == text
