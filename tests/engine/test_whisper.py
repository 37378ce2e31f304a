"""Whisper as the engine's ear: requests spoken by espeak-ng (at test time) become actions over a
real loopback WebSocket; the prompt spells values as the tools expect; noise is heard as nothing;
the transcript is ready during the pause after speech."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from console.dsp import resample
from console.engine import LocalEngine
from console.engine import transcribe as transcribe_module
from console.engine.ear import Recogniser
from console.engine.transcribe import Recognisers, make_transcriber
from console.engine.vocabulary import corpus_for
from console.engine.whisper import (
    _BEAM,
    WhisperRecogniser,
    _joined_model,
    _Model,
    _model_files,
    prompt_for,
    without_repeats,
)
from console.engine.word_model import WordModel

from .support import Client, chunks, handoff_tool, silence_pcm, speech_pcm
from .test_ear import RESEARCH_TOOL, _say, _transcript
from .test_routing import BILLING, TRIAGE

BOOKING_TOOL = {
    "type": "function",
    "name": "change_booking",
    "description": "Move a booking to a new date.",
    "parameters": {
        "type": "object",
        "properties": {
            "booking_id": {"type": "string", "description": "The booking reference."},
            "new_date": {"type": "string", "description": "The new date."},
        },
        "required": ["booking_id", "new_date"],
    },
}


@pytest.fixture
async def whisper_engine() -> AsyncIterator[LocalEngine]:
    async with LocalEngine(voice="synthetic", transcriber="whisper", pace=None) as engine:
        yield engine


@pytest.mark.parametrize(
    ("tools", "text", "name", "arguments"),
    [
        (
            [*TRIAGE, RESEARCH_TOOL],
            "can you find out about wind farms",
            "research",
            {"task": "wind farms"},
        ),
        (TRIAGE, "is it going to rain in Madrid", "get_weather", {"city": "Madrid"}),
        (
            BILLING,
            "I would like thirty five dollars back on order forty two",
            "refund_order",
            {"order_id": "42", "amount": 35.0},
        ),
        (
            [BOOKING_TOOL],
            "please move my booking to Tuesday, the reference is k m seven",
            "change_booking",
            {"booking_id": "KM7", "new_date": "Tuesday"},
        ),
    ],
)
async def test_spoken_requests_become_actions(
    whisper_engine: LocalEngine,
    tools: list[Any],
    text: str,
    name: str,
    arguments: dict[str, Any],
) -> None:
    client = await Client.connect(whisper_engine)
    events = await _say(client, tools, text)
    await client.close()
    call = events[-1]["response"]["output"][-1]
    assert call["type"] == "function_call", _transcript(events)
    got = json.loads(call["arguments"])
    got = {k: v.lower() if isinstance(v, str) else v for k, v in got.items()}
    want = {k: v.lower() if isinstance(v, str) else v for k, v in arguments.items()}
    assert (call["name"], got) == (name, want), _transcript(events)


def test_the_prompt_names_the_tools_words_and_no_example_values() -> None:
    units = {"type": "string", "enum": ["celsius", "fahrenheit"]}
    forecast = {"type": "function", "name": "get_forecast",
                "parameters": {"type": "object", "properties": {"units": units}}}  # fmt: skip
    prompt = prompt_for([*BILLING, BOOKING_TOOL, forecast])
    assert "Refund order: order id, amount." in prompt
    assert "Change booking: booking id, new date." in prompt
    # No example values, which the decoder would copy into what it hears.
    assert not re.search(r"\d|Friday", prompt)
    assert "Transfer to triage." in prompt
    assert "Get forecast: units celsius or fahrenheit." in prompt  # what an enum allows
    assert prompt_for([{"type": "function"}, "not a tool"]) == ""  # type: ignore[list-item]


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768


def test_hiss_hum_and_silence_are_heard_as_nothing() -> None:
    recogniser = WhisperRecogniser()
    recogniser.adapt("You help callers.", TRIAGE)  # a prompt the decoder could parrot
    rng = np.random.default_rng(3)
    quiet = np.zeros(7200, dtype=np.float32)
    for amplitude in (0.2, 0.02, 0.002):
        hiss = rng.normal(0, amplitude, 24000).astype(np.float32)
        assert recogniser.clip(np.concatenate([quiet, hiss, quiet]), 24000) == "", amplitude
    rumble = np.cumsum(rng.normal(0, 0.01, 36000)).astype(np.float32) / 30  # brown noise
    assert recogniser.clip(np.concatenate([quiet, rumble, quiet]), 24000) == ""
    for hertz in (50, 440, 1500):  # mains hum, tones
        tone = 0.3 * np.sin(np.arange(48000) * 2 * np.pi * hertz / 24000).astype(np.float32)
        assert recogniser.clip(tone, 24000) == "", hertz
    clicks = np.zeros(48000, dtype=np.float32)
    clicks[::2400] = 0.9  # a keyboard, ten keys a second
    assert recogniser.clip(clicks, 24000) == ""
    chord = sum(np.sin(np.arange(48000) * 2 * np.pi * f / 24000) for f in (262, 330, 392))
    assert recogniser.clip((0.2 * chord).astype(np.float32), 24000) == ""  # music
    assert recogniser.clip(np.zeros(48000, dtype=np.float32), 24000) == ""


class _Counting:
    """The recogniser's model, counting its decodes."""

    def __init__(self, model: Any) -> None:
        self._model, self.decodes = model, 0

    def transcribe(self, audio: Any, prompt: list[int]) -> list[tuple[str, float]]:
        self.decodes += 1
        return list(self._model.transcribe(audio, prompt))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def _fed(pcm: bytes) -> tuple[WhisperRecogniser, _Counting]:
    recogniser = WhisperRecogniser()
    recogniser.adapt("You help callers.", TRIAGE)
    counting = _Counting(recogniser._model)
    recogniser._model = counting  # type: ignore[assignment]
    recogniser.begin()
    for chunk in chunks(pcm):
        recogniser.feed(_samples(chunk), 24000)
    return recogniser, counting


def test_the_transcript_is_finished_during_the_pause_after_speech() -> None:
    recogniser, model = _fed(speech_pcm("what is the weather in Paris") + silence_pcm(500))
    # The decode ran while the pause went on, before the VAD's end of speech: end() only hands
    # the transcript over.
    assert model.decodes == 1
    assert "weather in paris" in recogniser.end().lower()
    assert model.decodes == 1


def test_speech_after_a_pause_is_heard_with_what_came_before() -> None:
    recogniser, model = _fed(
        speech_pcm("what is the weather") + silence_pcm(600) + speech_pcm("in Paris please")
    )
    heard = recogniser.end().lower()
    assert "weather" in heard and "paris" in heard
    assert heard.index("weather") < heard.index("paris")
    assert model.decodes == 2  # once at the pause, once for the whole utterance


def test_a_long_request_said_fast_is_written_whole() -> None:
    # The token limit grows with the speech: four words a second still fit.
    text = (
        "please refund order forty two for twenty dollars and then move my booking for the "
        "trip to Lisbon from Friday to next Monday morning"
    )
    pcm = speech_pcm(text, wpm=240)
    assert len(text.split()) / (len(pcm) / 48000) > 3.5  # words a second
    heard = WhisperRecogniser().clip(_samples(pcm), 24000).lower()
    assert heard.rstrip(".").endswith("monday morning"), heard


def test_the_clip_is_heard_as_said_and_slowed_down_and_both_compete() -> None:
    speech = resample(_samples(speech_pcm("what is the weather in Paris")), 24000, 16000)
    heard = _Model.get().transcribe(speech, [])
    assert len(heard) == 2 * _BEAM  # the beam's transcripts of each
    assert [score for _, score in heard] == sorted((score for _, score in heard), reverse=True)
    assert "weather in paris" in heard[0][0].lower()


class _Beam:
    """The recogniser's model with its beam's transcripts set (the choice among them is tested;
    the model's own hearing is, with real speech, in the tests above)."""

    def __init__(self, model: Any, heard: list[tuple[str, float]]) -> None:
        self._model, self._heard = model, heard

    def transcribe(self, audio: Any, prompt: list[int]) -> list[tuple[str, float]]:
        return self._heard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def test_of_transcripts_that_sound_alike_the_one_the_session_expects_is_chosen() -> None:
    recogniser = WhisperRecogniser()
    travel = handoff_tool("Travel", "Booking changes and trips.")
    recogniser.adapt("You help callers.", [*TRIAGE, travel])
    speech = _samples(speech_pcm("I need help with my booking"))
    walking, booking = "I need help with my walking.", "I need help with my booking."
    recogniser._model = _Beam(recogniser._model, [(walking, -0.17), (booking, -0.25)])  # type: ignore[assignment]
    assert recogniser.clip(speech, 24000) == booking
    # The sound still decides most: a transcript that sounds far less likely is not taken.
    recogniser._model = _Beam(recogniser._model, [(walking, -0.17), (booking, -1.5)])  # type: ignore[assignment]
    assert recogniser.clip(speech, 24000) == walking
    # No transcript (noise): nothing heard.
    recogniser._model = _Beam(recogniser._model, [])  # type: ignore[assignment]
    assert recogniser.clip(speech, 24000) == ""


def test_the_sessions_sentences_make_its_requests_likelier_than_other_words() -> None:
    words = WordModel(corpus_for("You handle refunds.", [*BILLING, BOOKING_TOOL]))
    assert words.score("please refund order 42") > words.score("please return border 42")
    assert words.score("move my booking to friday") > words.score("move my walking to friday")
    # Words it never saw are unlikely, not impossible.
    assert words.score("zyzzyva quokka") > float("-inf")
    assert WordModel([]).score("anything at all") == WordModel([]).score("any thing")


def test_a_sentence_said_over_and_over_is_said_once() -> None:
    assert without_repeats("Hello there. Hello there. Hello there.") == "Hello there."
    assert without_repeats("Stop. Stop? Go.") == "Stop. Go."
    assert without_repeats("one two two three") == "one two two three"
    # Said again until the token limit cut it short.
    assert without_repeats("Is it cold in Oslo? Is it cold in") == "Is it cold in Oslo?"


def test_auto_prefers_whisper_and_a_named_ear_must_be_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert make_transcriber("auto").name == "whisper"
    monkeypatch.setattr(transcribe_module, "whisper_available", lambda: False)
    assert make_transcriber("auto").name == "pocketsphinx"
    with pytest.raises(RuntimeError, match="Whisper is not installed"):
        make_transcriber("whisper")
    with pytest.raises(ValueError, match="unknown transcriber 'vosk'"):
        make_transcriber("vosk")


async def test_the_transcript_event_carries_whisper_s_text(whisper_engine: LocalEngine) -> None:
    client = await Client.connect(whisper_engine)
    events = await _say(client, [], "hello, thank you very much")
    await client.close()
    assert _transcript(events) == "Hello, thank you very much."  # as Whisper writes it


def test_the_model_is_joined_once_into_a_private_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = _joined_model()
    assert folder is not None and folder.is_relative_to(tmp_path)
    assert folder.stat().st_mode & 0o777 == 0o700
    files = _model_files()
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    assert (folder / "model.bin").read_bytes() == files["model.bin"]
    written = (folder / "model.bin").stat().st_mtime_ns
    assert _joined_model() == folder
    assert (folder / "model.bin").stat().st_mtime_ns == written  # not written again


def test_a_cache_that_cannot_be_written_leaves_the_model_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _joined_model() is None
    speech = resample(_samples(speech_pcm("what is the weather in Paris")), 24000, 16000)
    assert "weather" in _Model().transcribe(speech, [])[0][0].lower()


def test_an_ear_that_cannot_start_hands_over_to_the_fallback() -> None:
    def broken() -> WhisperRecogniser:
        raise RuntimeError("model.bin: bad magic number")

    ear = Recognisers("whisper", broken, ("pocketsphinx", Recogniser))
    heard = ear.transcribe(_samples(speech_pcm("what is the weather in Paris")), 24000)
    assert heard and ear.name == "pocketsphinx"  # pocketsphinx heard words
    listening = ear.listen()
    assert listening.hear(np.zeros(4800, dtype=np.float32), 24000).result(timeout=30) == ""
    listening.close()
    # Without a fallback, a recogniser that cannot start is heard as nothing, not a hang.
    alone = Recognisers("whisper", broken)
    assert alone.transcribe(_samples(speech_pcm("hello")), 24000) == ""
    nothing = alone.listen()
    assert nothing.hear(_samples(speech_pcm("hello")), 24000).result(timeout=30) == ""
    nothing.close()
