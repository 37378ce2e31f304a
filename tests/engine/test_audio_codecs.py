"""Audio pieces: the wire formats, WAV parsing, the voices, delta and sentence splitting."""

from __future__ import annotations

import numpy as np
import pytest

from console.dsp import rms_dbfs
from console.engine.formats import PCM, PCMA, PCMU
from console.engine.text_pieces import split_deltas, split_sentences
from console.engine.voice import SyntheticVoice, make_voice, parse_wav


def test_formats_encode_at_their_rates() -> None:
    one_second = np.zeros(24000, dtype=np.float32)
    assert len(PCM.encode(one_second, 24000)) == 48000
    assert len(PCMU.encode(one_second, 24000)) == len(PCMA.encode(one_second, 24000)) == 8000
    assert PCM.duration_ms(4800) == PCMU.duration_ms(800) == 100
    tone = np.sin(2 * np.pi * 300 * np.arange(24000) / 24000).astype(np.float32) * 0.5
    level = rms_dbfs(PCMU.decode(PCMU.encode(tone, 24000)))
    assert abs(level - rms_dbfs(tone)) < 0.5  # a 300 Hz tone survives 8 kHz G.711


def test_parse_wav_accepts_streamed_sizes() -> None:
    header = b"RIFF\xff\xff\xff\xffWAVEfmt " + (16).to_bytes(4, "little")
    header += (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (22050).to_bytes(4, "little")
    header += (44100).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    data = header + b"data\xff\xff\xff\xff" + b"\x00\x40" * 10
    samples, rate = parse_wav(data)
    assert rate == 22050 and len(samples) == 10 and samples[0] == 0.5
    with pytest.raises(ValueError):
        parse_wav(b"not a wav")


def test_synthetic_voice_is_deterministic_and_speech_like() -> None:
    voice = SyntheticVoice()
    a = voice.synthesize("Hello there, how are you today?", "alloy")
    assert np.array_equal(a, voice.synthesize("Hello there, how are you today?", "alloy"))
    assert 1.2 < len(a) / 24000 < 4.0  # about the length of the sentence said aloud
    frames = a[: len(a) // 240 * 240].reshape(-1, 240)
    levels = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    assert np.mean(levels > -35) > 0.5  # mostly voiced
    assert np.any(levels < -60)  # with pauses between words
    assert not np.array_equal(a, voice.synthesize("Hello there, how are you today?", "echo"))


def test_espeak_voice_gives_24khz_speech() -> None:
    voice = make_voice("espeak")
    assert voice.name == "espeak"
    samples = voice.synthesize("Testing one two three.", "alloy")
    assert 0.8 < len(samples) / 24000 < 4.0
    assert rms_dbfs(samples) > -35


def test_make_voice_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown voice"):
        make_voice("robot")
    assert make_voice("synthetic").name == "synthetic"


@pytest.mark.parametrize(
    "text", ["Hi there!", '{"city": "London"}', "  Two.  Sentences?  Yes ", ""]
)
def test_splitting_keeps_every_character(text: str) -> None:
    assert "".join(split_deltas(text)) == text
    assert "".join(split_sentences(text)) == text
    assert split_deltas("Hi there!") == ["Hi", " there", "!"]
