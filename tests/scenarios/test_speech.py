"""Caller audio: WAV files at any rate become PCM16 at 24 kHz, cut in the console's chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from console.scenarios import speech

from .conftest import write_wav


def _tone(rate: int, seconds: float, hz: float = 440.0) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def test_a_16_khz_wav_is_resampled_to_24_khz_keeping_its_pitch(tmp_path: Path) -> None:
    pcm = speech.read_wav(write_wav(tmp_path / "a.wav", _tone(16_000, 1.0), rate=16_000))
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    assert len(samples) == 24_000
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 24_000 / len(samples) - 440.0) <= 1.0


def test_a_24_khz_wav_is_sent_as_it_is(tmp_path: Path) -> None:
    tone = _tone(24_000, 0.5)
    assert speech.read_wav(write_wav(tmp_path / "b.wav", tone)) == tone


def test_chunks_are_20_ms_and_silence_follows_the_words() -> None:
    pcm = speech.with_silence(b"\x01\x00" * 1000)
    assert len(pcm) == 2000 + 48_000
    parts = list(speech.chunks(pcm))
    assert b"".join(parts) == pcm
    assert {len(p) for p in parts[:-1]} == {960} and 0 < len(parts[-1]) <= 960
