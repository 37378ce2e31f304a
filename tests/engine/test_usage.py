"""The engine's usage in response.done: the real API's shape, counted from text and audio."""

from __future__ import annotations

from typing import Any

from openai.types.realtime import RealtimeResponseUsage

from console.engine.response import usage

from .support import Client


async def _turn(client: Client, text: str) -> dict[str, Any]:
    await client.send({
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": text}]},
    })
    await client.send({"type": "response.create"})
    events = await client.until("response.done")
    done: dict[str, Any] = events[-1]["response"]["usage"]
    RealtimeResponseUsage.model_validate(done, strict=True)
    return done


async def test_a_spoken_reply_counts_text_in_and_audio_out(client: Client) -> None:
    spent = await _turn(client, "Hello there")
    parsed = RealtimeResponseUsage.model_validate(spent)
    assert parsed.input_token_details is not None and parsed.output_token_details is not None
    assert parsed.input_token_details.text_tokens and parsed.input_token_details.text_tokens > 0
    assert parsed.output_token_details.audio_tokens and parsed.output_token_details.audio_tokens > 0
    assert parsed.total_tokens == (parsed.input_tokens or 0) + (parsed.output_tokens or 0)
    assert parsed.input_token_details.cached_tokens == 0  # far below the cache's minimum


async def test_a_long_prompt_is_cached_on_the_next_turn(client: Client) -> None:
    await client.send({"type": "session.update", "session": {
        "type": "realtime", "instructions": "Be brief. " * 600, "output_modalities": ["text"],
    }})
    await client.until("session.updated")
    first = await _turn(client, "Hello there")
    second = await _turn(client, "And again")
    assert first["input_token_details"]["cached_tokens"] == 0
    cached = second["input_token_details"]["cached_tokens_details"]["text_tokens"]
    assert cached >= 1024 and cached % 128 == 0
    assert cached <= first["input_token_details"]["text_tokens"]
    assert second["input_token_details"]["cached_tokens"] == cached


def test_audio_in_is_a_token_per_100_ms_and_out_per_50_ms() -> None:
    spent = usage(0, 1000.0, 0, 1000.0)
    assert spent["input_token_details"]["audio_tokens"] == 10
    assert spent["output_token_details"]["audio_tokens"] == 20
    assert spent["input_token_details"]["cached_tokens"] == 0


def test_cached_audio_is_what_the_previous_input_already_held() -> None:
    spent = usage(0, 200_000.0, 0, 0.0, previous_input=(0, 1500))
    assert spent["input_token_details"]["cached_tokens_details"]["audio_tokens"] == 1408
