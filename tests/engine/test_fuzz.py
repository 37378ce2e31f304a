"""A seeded fuzz of client events: no dropped connection, no traceback, a good client unharmed."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import random
from typing import Any

import pytest

from console.engine import LocalEngine

from .support import Client

SEED = 16
EVENTS = 1200
ROUNDS = 4

TEMPLATES: list[dict[str, Any]] = [
    {"type": "session.update", "session": {
        "type": "realtime", "instructions": "Be brief.", "output_modalities": ["audio"],
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather.",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "tool_choice": "auto", "max_output_tokens": 200,
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                            "transcription": {"model": "whisper-1"},
                            "turn_detection": {"type": "server_vad", "threshold": 0.5,
                                               "prefix_padding_ms": 300,
                                               "silence_duration_ms": 200}},
                  "output": {"format": {"type": "audio/pcm"}, "voice": "alloy", "speed": 1.0}}}},
    {"type": "input_audio_buffer.append", "audio": "AAAAAAAA"},
    {"type": "input_audio_buffer.commit"},
    {"type": "input_audio_buffer.clear"},
    {"type": "conversation.item.create", "previous_item_id": None, "item": {
        "type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}},
    {"type": "conversation.item.create", "item": {
        "type": "function_call_output", "call_id": "call_1", "output": "{}"}},
    {"type": "conversation.item.retrieve", "item_id": "item_1"},
    {"type": "conversation.item.delete", "item_id": "item_1"},
    {"type": "conversation.item.truncate", "item_id": "item_1", "content_index": 0,
     "audio_end_ms": 100},
    {"type": "response.create", "response": {"instructions": "Short.",
                                              "output_modalities": ["text"],
                                              "metadata": {"k": "v"}, "conversation": "none"}},
    {"type": "response.cancel"},
    {"type": "output_audio_buffer.clear"},
]

ODD_VALUES: list[Any] = [None, -1, 0, 1e30, 10**30, -1e308, "", "x" * 300, [], {}, True,
                         [1, [2, [3]]], {"type": None}, "\u0000\ud7ff", 3.5, "audio/pcm",
                         "server_vad", "user"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*path, i))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> None:
    for key in path[:-1]:
        root = root[key]
    if delete and isinstance(root, dict):
        del root[path[-1]]
    else:
        root[path[-1]] = value


def fuzzed(rng: random.Random) -> str | bytes:
    """One mutated client event (or a broken frame)."""
    roll = rng.random()
    if roll < 0.04:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    if roll < 0.08:
        text = json.dumps(rng.choice(TEMPLATES))
        return text[: rng.randrange(len(text))]
    if roll < 0.10:
        depth = rng.choice((70, 600, 5000))
        return "[" * depth + "]" * depth
    event = copy.deepcopy(rng.choice(TEMPLATES))
    for _ in range(rng.randrange(1, 4)):
        paths = _paths(event)
        action = rng.random()
        if action < 0.6 and paths:
            _set(event, rng.choice(paths), copy.deepcopy(rng.choice(ODD_VALUES)))
        elif action < 0.8 and paths:
            _set(event, rng.choice(paths), None, delete=True)
        else:
            target = rng.choice([event, *[v for v in _walk(event) if isinstance(v, dict)]])
            target[rng.choice(("extra", "type", "id", "role", "session"))] = rng.choice(ODD_VALUES)
    return json.dumps(event)


def _walk(value: Any) -> list[Any]:
    out = []
    if isinstance(value, dict):
        for child in value.values():
            out += [child, *_walk(child)]
    elif isinstance(value, list):
        for child in value:
            out += [child, *_walk(child)]
    return out


async def _good_exchange(client: Client, n: int) -> None:
    text = f"good client turn {n}"
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    await client.send({"type": "conversation.item.create", "item": item})
    await client.send({"type": "response.create"})
    events = await client.until("response.done", timeout=60)
    assert not [e for e in events if e["type"] == "error"]
    done = events[-1]["response"]
    assert done["status"] == "completed"
    spoken = done["output"][0]["content"][0]["transcript"]
    assert text in spoken


async def test_fuzzed_client_events_never_drop_a_connection_or_log_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    rng = random.Random(SEED)
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=None,
                           seed=SEED) as engine:
        good = await Client.connect(engine)
        fuzz = await Client.connect(engine)
        server_errors: list[dict[str, Any]] = []
        answers = 0
        last = asyncio.Event()

        async def read() -> None:
            nonlocal answers
            while True:
                event = json.loads(await fuzz.ws.recv())
                answers += 1
                if event["type"] != "error":
                    continue
                if event["error"]["type"] != "invalid_request_error":
                    server_errors.append(event["error"])
                if event["error"]["event_id"] == "last":
                    last.set()

        reader = asyncio.create_task(read())
        for round_ in range(ROUNDS):
            for _ in range(EVENTS // ROUNDS):
                await fuzz.ws.send(fuzzed(rng))
            await _good_exchange(good, round_)
        # Still connected: a last request on the fuzzed connection is answered.
        await fuzz.ws.send(json.dumps({"type": "conversation.item.retrieve",
                                       "event_id": "last", "item_id": "nope"}))
        waiter = asyncio.create_task(last.wait())
        await asyncio.wait({waiter, reader}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert last.is_set(), reader.exception() if reader.done() else "no answer"
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await _good_exchange(good, ROUNDS)
        await good.close()
        await fuzz.close()
    assert answers > EVENTS // 2
    assert server_errors == []
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
