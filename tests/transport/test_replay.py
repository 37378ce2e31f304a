"""Recorded sessions replayed through RealtimeRunner/RealtimeSession over the real transport."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from console.realtime import (
    AssistantAudio,
    AssistantText,
    InputAudio,
    InputText,
    RealtimeRunner,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .conftest import WAIT
from .recordings import expected, load, recording_paths
from .replay import ReplayServer, agent_from, drive, settings_from

RECORDINGS = recording_paths()


async def replay(path: Path) -> tuple[ReplayServer, list[Any], Any]:
    lines = load(path)
    exp = expected(lines)
    async with ReplayServer(lines) as server:
        runner = RealtimeRunner(agent_from(exp), model=OpenAIRealtimeWebSocketModel())
        session = await runner.run(model_config={
            "url": server.url,
            "api_key": "sk-replay",
            "initial_model_settings": settings_from(exp.session_update),
        })
        events: list[Any] = []

        async def collect() -> None:
            async for event in session.events():
                events.append(event)

        async with session:
            collector = asyncio.create_task(collect())
            await asyncio.wait_for(drive(session, server), WAIT * 3)
            # The server closes when the recording ends: iteration must end by itself.
            await asyncio.wait_for(collector, WAIT)
            history = list(session.history)
    return server, events, history


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
async def test_replay_through_a_session(path: Path) -> None:
    exp = expected(load(path))
    server, events, history = await replay(path)

    assert server.invalid == []
    assert server.missed == [], [server.lines[i].data for i in server.missed]
    assert events[-1].type == "session_closed" and events[-1].reason == "disconnected"
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == exp.errors, errors

    by_id = {item.item_id: item for item in history}

    # What the user said or typed.
    texts = [p.text for i in history if isinstance(i, UserMessageItem)
             for p in i.content if isinstance(p, InputText)]
    assert texts == exp.user_texts
    for item_id, transcript in exp.user_transcripts.items():
        item = by_id[item_id]
        assert isinstance(item, UserMessageItem)
        assert [p.transcript for p in item.content if isinstance(p, InputAudio)] == [transcript]
    sent_audio = [base64.b64decode(m["audio"]) for m in server.received
                  if m["type"] == "input_audio_buffer.append"]
    assert sent_audio == exp.user_audio_chunks

    # What the assistant said, as transcripts and text, and the audio bytes it streamed.
    for item_id, transcript in exp.assistant_transcripts.items():
        parts = by_id[item_id].content
        assert [p.transcript for p in parts if isinstance(p, AssistantAudio)] == [transcript]
    for item_id, text in exp.assistant_texts.items():
        parts = by_id[item_id].content
        assert [p.text for p in parts if isinstance(p, AssistantText)] == [text]
    audio: dict[str, int] = {}
    for e in events:
        if e.type == "audio":
            audio[e.item_id] = audio.get(e.item_id, 0) + len(e.audio.data)
    assert audio == dict(exp.audio_bytes)
    ends = [e.item_id for e in events if e.type == "audio_end"]
    assert sorted(ends) == sorted(exp.audio_bytes)

    # Tool calls: name, arguments, and the output the recording's client sent back.
    starts = {e.call_id: (e.tool.name, e.arguments) for e in events if e.type == "tool_start"}
    assert starts == exp.tool_calls
    outputs = {e.call_id: e.output for e in events if e.type == "tool_end"}
    assert outputs == {c: exp.tool_outputs[c] for c in exp.tool_calls if c in exp.tool_outputs}
    sent_outputs = {m["item"]["call_id"]: m["item"]["output"] for m in server.received
                    if m["type"] == "conversation.item.create"
                    and m["item"]["type"] == "function_call_output"}
    assert sent_outputs == exp.tool_outputs
    for call_id, (name, arguments) in exp.tool_calls.items():
        [call] = [i for i in history if isinstance(i, RealtimeToolCallItem)
                  and i.call_id == call_id]
        assert (call.name, call.arguments, call.output) == (
            name, arguments, exp.tool_outputs.get(call_id))

    # As many responses asked for as the recording's client asked for, never two in flight.
    ours = [m for m in server.received if m["type"] == "response.create"]
    recorded = [line for line in server.lines
                if line.direction == "sent" and line.type == "response.create"]
    assert len(ours) == len(recorded)
