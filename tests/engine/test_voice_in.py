"""Speech in: energy VAD turns, transcription, barge-in, idle timeouts, G.711 input."""

from __future__ import annotations

import base64

import numpy as np

from console.dsp import ulaw_encode
from console.engine import LocalEngine
from console.engine.vad import EnergyVad, SpeechStarted, SpeechStopped

from .support import WEATHER_TOOL, Client, silence_pcm, speech_pcm, tone

VAD_SESSION = {
    "type": "session.update",
    "session": {
        "type": "realtime",
        "audio": {
            "input": {
                "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
                "transcription": {"model": "gpt-realtime-whisper"},
            }
        },
    },
}


def _floats(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


def test_energy_vad_finds_a_tone_between_silences() -> None:
    vad = EnergyVad(24000, prefix_padding_ms=300, silence_duration_ms=200)
    events = []
    for part in (silence_pcm(1000), tone(600), silence_pcm(500)):
        events += vad.feed(_floats(part))
    assert events == [SpeechStarted(700), SpeechStopped(1800)]  # onset 1000 - padding 300


def test_energy_vad_ignores_quiet_noise_and_clicks() -> None:
    vad = EnergyVad(24000)
    rng = np.random.default_rng(1)
    noise = (rng.normal(0, 0.002, 24000) * 32767).astype("<i2").tobytes()  # about -54 dBFS
    click = tone(20, level=0.9)  # shorter than the 30 ms a start needs
    assert vad.feed(_floats(noise + click + noise)) == []


async def test_vad_turn_from_speech(client: Client) -> None:
    await client.send(VAD_SESSION)
    await client.until("session.updated")
    await client.append(silence_pcm(400) + speech_pcm("Tell me something nice.") + silence_pcm(600))
    events = await client.until("response.done")
    started = next(e for e in events if e["type"] == "input_audio_buffer.speech_started")
    stopped = next(e for e in events if e["type"] == "input_audio_buffer.speech_stopped")
    assert 0 <= started["audio_start_ms"] <= 400  # onset after 400 ms, minus 300 ms of padding
    assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000
    assert stopped["item_id"] == started["item_id"]
    completed = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )
    seconds = (stopped["audio_end_ms"] - started["audio_start_ms"]) / 1000
    assert completed["transcript"] == f"[speech, {seconds:.1f} s]"
    reply = events[-1]["response"]["output"][0]["content"][0]["transcript"]
    assert (
        reply == f"I heard {seconds:.1f} seconds of speech, but no speech recogniser is installed."
    )
    await client.send({"type": "conversation.item.retrieve", "item_id": started["item_id"]})
    item = (await client.until("conversation.item.retrieved"))[-1]["item"]
    assert item["content"][0]["transcript"] == completed["transcript"]
    heard = base64.b64decode(item["content"][0]["audio"])
    assert abs(len(heard) / 48 - seconds * 1000) < 25


async def test_vad_without_transcription_or_auto_response(client: Client) -> None:
    session = {
        "type": "realtime",
        "audio": {"input": {"turn_detection": {"type": "semantic_vad", "create_response": False}}},
    }
    await client.send({"type": "session.update", "session": session})
    await client.until("session.updated")
    await client.append(silence_pcm(300) + tone(800) + silence_pcm(1200))
    events = await client.until("conversation.item.done")
    assert [e["type"] for e in events] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    assert events[-1]["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    await client.send({"type": "response.create"})  # the client decides when to answer
    events = await client.until("response.done")
    assert not any("transcription" in e["type"] for e in events)


async def test_speech_during_a_response_cancels_it() -> None:
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=1.0) as engine:
        client = await Client.connect(engine)
        await client.send(VAD_SESSION)
        await client.until("session.updated")
        long_text = "Please read me a long story about the sea. " * 4
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": long_text}],
                },
            }
        )
        await client.send({"type": "response.create"})
        await client.until("response.output_audio.delta")
        await client.append(tone(300))  # the user starts talking over the answer
        events = await client.until("response.done")
        await client.close()
    assert "input_audio_buffer.speech_started" in [e["type"] for e in events]
    response = events[-1]["response"]
    assert response["status"] == "cancelled"
    assert response["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert response["output"][0]["status"] == "incomplete"


async def test_idle_timeout_triggers_on_silence(client: Client) -> None:
    detection = {"type": "server_vad", "idle_timeout_ms": 1000, "create_response": False}
    session = {"type": "realtime", "audio": {"input": {"turn_detection": detection}}}
    await client.send({"type": "session.update", "session": session})
    await client.until("session.updated")
    await client.append(silence_pcm(1500))
    events = await client.until("conversation.item.done")
    timeout = events[0]
    assert timeout["type"] == "input_audio_buffer.timeout_triggered"
    assert (timeout["audio_start_ms"], timeout["audio_end_ms"]) == (0, 1000)
    assert events[1] == {
        **events[1],
        "type": "input_audio_buffer.committed",
        "item_id": timeout["item_id"],
    }


async def test_mu_law_input_and_a_law_output(client: Client) -> None:
    session = {
        "type": "realtime",
        "audio": {
            "input": {"format": {"type": "audio/pcmu"}, "turn_detection": {"type": "server_vad"}},
            "output": {"format": {"type": "audio/pcma"}},
        },
    }
    await client.send({"type": "session.update", "session": session})
    updated = (await client.until("session.updated"))[-1]["session"]
    assert updated["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    pcm8k = (0.3 * np.sin(2 * np.pi * 200 * np.arange(8000) / 8000) * 32767).astype("<i2")
    audio = ulaw_encode(bytes(4000 * 2) + pcm8k.tobytes() + bytes(8000 * 2))
    for i in range(0, len(audio), 160):  # 20 ms of 8 kHz mu-law
        await client.send(
            {
                "type": "input_audio_buffer.append",
                "audio": base64.b64encode(audio[i : i + 160]).decode(),
            }
        )
    events = await client.until("response.done")
    started = next(e for e in events if e["type"] == "input_audio_buffer.speech_started")
    assert started["audio_start_ms"] == 200  # onset at 500 ms minus 300 ms of padding
    deltas = [
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    ]
    assert deltas and all(len(d) <= 8 * 50 for d in deltas)  # 8 bytes per ms, 50 ms per delta
    assert events[-1]["response"]["audio"]["output"]["format"] == {"type": "audio/pcma"}


async def test_pocketsphinx_hears_espeak() -> None:
    """Offline recognition is rough; the transcript must be real words, and the reply use them."""
    async with LocalEngine(voice="synthetic", transcriber="pocketsphinx", pace=None) as engine:
        client = await Client.connect(engine)
        await client.send(VAD_SESSION)
        await client.until("session.updated")
        await client.send(
            {"type": "session.update", "session": {"type": "realtime", "tools": [WEATHER_TOOL]}}
        )
        await client.until("session.updated")
        await client.append(
            silence_pcm(300)
            + speech_pcm("What is the weather in London?", wpm=140)
            + silence_pcm(600)
        )
        events = await client.until("response.done")
        await client.close()
    transcript = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )["transcript"]
    assert transcript and not transcript.startswith("[speech")
    output = events[-1]["response"]["output"][0]
    if output["type"] == "function_call":  # "weather" (or "whether") was heard
        assert output["name"] == "get_weather"
    else:
        assert output["content"][0]["transcript"] == f'You said: "{transcript}".'
