"""The engine hears requests spoken by espeak-ng (at test time) and acts on them: recognition
adapted to the session's tools, fed while the audio arrives, over a real loopback WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from console.engine import LocalEngine
from console.engine.conversation import Conversation
from console.engine.ear import Recogniser
from console.engine.listening import Listening
from console.engine.policy import HOLDING_LINE
from console.engine.transcribe import pocketsphinx_transcriber

from .support import Client, chunks, drive, silence_pcm, speech_pcm, tone
from .test_routing import BILLING, TRIAGE

RESEARCH_TOOL = {
    "type": "function",
    "name": "research",
    "description": "Research a topic in depth in the background; takes a few seconds.",
    "parameters": {
        "type": "object",
        "properties": {"task": {"type": "string", "description": "What to research."}},
        "required": ["task"],
    },
}


def _session(tools: list[Any], instructions: str = "You help callers.") -> dict[str, Any]:
    audio = {
        "input": {
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 400},
            "transcription": {"model": "gpt-4o-transcribe"},
        }
    }
    body = {"type": "realtime", "instructions": instructions, "tools": tools, "audio": audio}
    return {"type": "session.update", "session": body}


@pytest.fixture(autouse=True)
def _cold_channel() -> None:
    # Each test hears from the same starting point, whatever ran before it.
    Recogniser.forget_channel()


@pytest.fixture
async def ear_engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(voice="synthetic", transcriber="pocketsphinx", pace=None) as engine:
        yield engine


async def _say(client: Client, tools: list[Any], text: str) -> list[dict[str, Any]]:
    await client.send(_session(tools))
    await client.until("session.updated")
    await client.append(silence_pcm(300) + speech_pcm(text) + silence_pcm(800))
    return await client.until("response.done", timeout=60)


def _transcript(events: list[dict[str, Any]]) -> str:
    kind = "conversation.item.input_audio_transcription.completed"
    return str(next(e for e in events if e["type"] == kind)["transcript"])


@pytest.mark.parametrize(
    ("tools", "text", "name", "arguments"),
    [
        (
            [*TRIAGE, RESEARCH_TOOL],
            "please research solar power",
            "research",
            {"task": "solar power"},
        ),
        (TRIAGE, "can I talk to billing", "transfer_to_billing", {}),
        (
            BILLING,
            "refund order forty two for twenty dollars",
            "refund_order",
            {"order_id": "42", "amount": 20.0},
        ),
    ],
)
async def test_spoken_requests_become_actions(
    ear_engine: LocalEngine, tools: list[Any], text: str, name: str, arguments: dict[str, Any]
) -> None:
    client = await Client.connect(ear_engine)
    events = await _say(client, tools, text)
    await client.close()
    assert not _transcript(events).startswith("[speech")
    output = events[-1]["response"]["output"]
    call = output[-1]
    assert call["type"] == "function_call", (_transcript(events), output)
    assert (call["name"], json.loads(call["arguments"])) == (name, arguments)
    if name == "refund_order":  # needs approval: the caller hears a holding line first
        assert output[0]["content"][0]["transcript"] == HOLDING_LINE


async def test_stop_while_the_agent_speaks_interrupts_without_a_reply() -> None:
    async with LocalEngine(voice="synthetic", transcriber="pocketsphinx", pace=1.0) as engine:
        client = await Client.connect(engine)
        await client.send(_session(TRIAGE))
        await client.until("session.updated")
        story = "Please read me a long story about the sea and the ships on it. " * 3
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": story}],
                },
            }
        )
        await client.send({"type": "response.create"})
        await client.until("response.output_audio.delta")
        await client.append(speech_pcm("stop") + silence_pcm(800))
        cancelled = await client.until("response.done", timeout=60)
        answer = await client.until("response.done", timeout=60)
        await client.close()
    assert cancelled[-1]["response"]["status"] == "cancelled"
    assert _transcript(answer) == "stop"
    assert answer[-1]["response"]["output"] == []  # no "You said", no words at all


async def test_a_recogniser_that_hears_nothing_does_not_say_none_is_installed(
    ear_engine: LocalEngine,
) -> None:
    client = await Client.connect(ear_engine)
    await client.send(_session([]))
    await client.until("session.updated")
    rng = np.random.default_rng(3)
    hiss = (rng.normal(0, 0.2, 24000) * 32767).clip(-32767, 32767).astype("<i2").tobytes()
    await client.append(silence_pcm(300) + hiss + silence_pcm(800))
    events = await client.until("response.done", timeout=60)
    await client.close()
    reply = events[-1]["response"]["output"][0]["content"][0]["transcript"]
    assert "no speech recogniser is installed" not in reply


class _Recording(Listening):
    """A real Listening that also notes when audio was handed to it."""

    def __init__(self) -> None:
        super().__init__(Recogniser, "pocketsphinx")
        self.fed_ms = 0.0

    def feed(self, samples: Any, rate: int) -> None:
        self.fed_ms += len(samples) * 1000 / rate
        super().feed(samples, rate)


def test_speech_is_recognised_while_it_arrives() -> None:
    listening = _Recording()
    conv = Conversation(listening=listening)
    conv.handle(_session(TRIAGE))
    speech = speech_pcm("what is the weather in Paris")
    fed_before_stop = 0.0
    stopped: list[dict[str, Any]] = []
    for chunk in chunks(silence_pcm(300) + speech + silence_pcm(800)):
        audio = __import__("base64").b64encode(chunk).decode()
        events = conv.handle({"type": "input_audio_buffer.append", "audio": audio})
        if any(e["type"] == "input_audio_buffer.speech_stopped" for e in events):
            stopped = events
            break
        fed_before_stop = listening.fed_ms
    assert stopped, "the VAD found the end of the speech"
    # Nearly all of the speech was with the recogniser before the turn ended.
    assert fed_before_stop >= len(speech) / 48 - 100
    events = drive(conv, transcriber=pocketsphinx_transcriber())
    listening.close()
    heard = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )
    assert heard["transcript"] and not heard["transcript"].startswith("[speech")
    assert tone  # the support module's helpers stay in use


class _CountingDecoder:
    """A pocketsphinx decoder that counts its final searches (end_utt)."""

    def __init__(self, decoder: Any) -> None:
        self._decoder, self.finished = decoder, 0

    def end_utt(self) -> None:
        self.finished += 1
        self._decoder.end_utt()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._decoder, name)


def _pcm_samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768


def _fed(recogniser: Recogniser, pcm: bytes) -> _CountingDecoder:
    recogniser.begin()
    counting = _CountingDecoder(recogniser._decoder)
    recogniser._decoder = counting
    for chunk in chunks(pcm):
        recogniser.feed(_pcm_samples(chunk), 24000)
    return counting


def test_the_transcript_is_finished_during_the_pause_after_speech() -> None:
    recogniser = Recogniser()
    recogniser.adapt("You help callers.", TRIAGE)
    decoder = _fed(recogniser, speech_pcm("what is the weather in Paris") + silence_pcm(500))
    # The final search ran while the pause went on, before the VAD's end of speech: end() only
    # hands the transcript over.
    assert decoder.finished == 1
    assert "weather" in recogniser.end()
    assert decoder.finished == 1


def test_speech_after_a_pause_is_heard_with_what_came_before() -> None:
    recogniser = Recogniser()
    recogniser.adapt("You help callers.", TRIAGE)
    first = speech_pcm("what is the weather")
    alone = recogniser.clip(_pcm_samples(first), 24000)
    _fed(recogniser, first + silence_pcm(600) + speech_pcm("in Paris please"))
    heard = recogniser.end()
    # The words after the pause are there, after those before it.
    assert "weather" in alone and "weather" in heard
    assert len(heard.split()) >= len(alone.split()) + 2
