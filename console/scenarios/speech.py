"""Caller speech as the console sends it (PCM16 24 kHz, 20 ms chunks), from a WAV or espeak-ng."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from console.dsp import float_to_pcm16, pcm16_to_float, resample
from console.engine.formats import PCM_RATE as RATE
from console.engine.voice import make_voice

CHUNK_BYTES = RATE * 2 // 50
"""20 ms of PCM16 at 24 kHz, the console's capture chunk."""
TRAILING_SILENCE_MS = 1000
"""Silence after the words, so server VAD hears the caller stop (the engine waits 200 ms,
the OpenAI API 500 ms by default)."""
CALLER_VOICE = "echo"
"""The engine voice the caller speaks with (an espeak-ng variant the recogniser hears well)."""


def read_wav(path: Path) -> bytes:
    """A 16-bit mono PCM WAV (checked when the scenario loaded) as PCM16 at 24 kHz."""
    with wave.open(str(path), "rb") as wav:
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    if rate == RATE:
        return frames
    return float_to_pcm16(resample(pcm16_to_float(frames), rate, RATE))


def speak(text: str) -> bytes:
    """``text`` spoken by the engine's voice (espeak-ng, else its synthetic stand-in), as PCM16
    at 24 kHz; call from a worker thread."""
    return float_to_pcm16(make_voice("auto").synthesize(text, CALLER_VOICE))


def with_silence(pcm: bytes, ms: int = TRAILING_SILENCE_MS) -> bytes:
    return pcm + bytes(np.zeros(RATE * ms // 1000, dtype="<i2").tobytes())


def chunks(pcm: bytes) -> Iterator[bytes]:
    for start in range(0, len(pcm), CHUNK_BYTES):
        yield pcm[start : start + CHUNK_BYTES]
