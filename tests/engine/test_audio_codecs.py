"""Audio pieces: G.711 codecs, resampling, WAV parsing, the voices, delta and sentence splitting."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from console.engine import g711
from console.engine.dsp import rms_dbfs
from console.engine.formats import PCM, PCMA, PCMU
from console.engine.text_pieces import split_deltas, split_sentences
from console.engine.voice import SyntheticVoice, make_voice, parse_wav

ALL_SAMPLES = np.arange(-32768, 32768, dtype="<i2").tobytes()


def test_g711_matches_the_reference_codec() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")  # removed from Python 3.13
    assert g711.ulaw_encode(ALL_SAMPLES) == audioop.lin2ulaw(ALL_SAMPLES, 2)
    assert g711.alaw_encode(ALL_SAMPLES) == audioop.lin2alaw(ALL_SAMPLES, 2)
    codes = bytes(range(256))
    assert g711.ulaw_decode(codes) == audioop.ulaw2lin(codes, 2)
    assert g711.alaw_decode(codes) == audioop.alaw2lin(codes, 2)


@pytest.mark.parametrize(
    ("encode", "decode"),
    [(g711.ulaw_encode, g711.ulaw_decode), (g711.alaw_encode, g711.alaw_decode)],
)
def test_g711_round_trip_is_close(encode: object, decode: object) -> None:
    x = (0.5 * np.sin(np.linspace(0, 60, 8000)) * 32767).astype("<i2")
    back = np.frombuffer(decode(encode(x.tobytes())), dtype="<i2")  # type: ignore[operator]
    assert np.max(np.abs(back.astype(int) - x)) < 0.04 * 32767


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
