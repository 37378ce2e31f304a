"""Issue 7: every AgentListener callback of a text turn and of a spoken turn, in order."""

from __future__ import annotations

import re
from typing import Any

from console.engine import LocalEngine
from console.realtime import RealtimeAgent
from tests.engine.support import silence_pcm, speech_pcm

from .recorders import Calls
from .support import WireTap, live_session, speak


def deltas(calls: Calls) -> str:
    return "".join(c[1] for c in calls.of("delta"))


async def test_text_turn_with_audio_out(tap: WireTap, engine: LocalEngine) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant", listener=calls)
    async with live_session(tap, engine, agent) as live:
        await live.session.send_message("hello there")
        await live.events.wait_raw("response.done")
        await calls.wait_for("transcript")

    assert calls.compact() == [
        "starting",
        "connected",
        "delta*",
        "responding",
        "stopped_responding",
        "transcript",
        "stopped",
    ]
    [transcript] = calls.of("transcript")
    assert transcript[1] == "Hello, how can I help you today?" == deltas(calls)
    assert len(calls.of("delta")) == len(tap.received("response.output_audio_transcript.delta"))


async def test_text_turn_with_text_out(tap: WireTap, engine: LocalEngine) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    config: Any = {"model_settings": {"output_modalities": ["text"]}}
    async with live_session(tap, engine, agent, listener=calls, config=config) as live:
        await live.session.send_message("hello there")
        await live.events.wait_raw("response.done")
        await calls.wait_for("transcript")

    # Text deltas count as transcript deltas; with no audio nobody "responds" out loud.
    assert calls.compact() == ["starting", "connected", "delta*", "transcript", "stopped"]
    assert calls.of("transcript")[0][1] == "Hello, how can I help you today?" == deltas(calls)
    assert len(calls.of("delta")) == len(tap.received("response.output_text.delta"))


async def test_spoken_turn_with_server_vad_and_transcription(
    tap: WireTap, engine: LocalEngine
) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    config: Any = {
        "model_settings": {
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
            "input_audio_transcription": {"model": "gpt-4o-mini-transcribe"},
        }
    }
    async with live_session(tap, engine, agent, listener=calls, config=config) as live:
        update = live.events.raw("session.updated")[0]["session"]["audio"]["input"]
        assert update["turn_detection"]["type"] == "server_vad"
        assert update["transcription"]["model"] == "gpt-4o-mini-transcribe"
        await speak(
            live.session, silence_pcm(300) + speech_pcm("what time is it") + silence_pcm(600)
        )
        await live.events.wait_raw("response.done")
        await calls.wait_for("transcript")

    assert calls.compact() == [
        "starting",
        "connected",
        "user_started",
        "user_stopped",
        "user_transcript",
        "delta*",
        "responding",
        "delta*",
        "stopped_responding",
        "transcript",
        "stopped",
    ]
    [(_, heard)] = calls.of("user_transcript")
    seconds = re.fullmatch(r"\[speech, (\d+\.\d) s\]", heard)
    assert seconds, heard  # the placeholder recogniser says how long the speech was
    [(_, said)] = calls.of("transcript")
    assert said == deltas(calls)
    assert said == (
        f"I heard {seconds.group(1)} seconds of speech, but no speech recogniser is installed."
    )
    assert len(tap.received("input_audio_buffer.speech_started")) == 1
    assert len(tap.received("input_audio_buffer.speech_stopped")) == 1
    # Turn detection started the response: the client sent no commit and no response.create.
    assert tap.sent("input_audio_buffer.commit") == tap.sent("response.create") == []
