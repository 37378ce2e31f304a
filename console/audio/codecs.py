"""Session wire audio (PCM16 24 kHz or G.711 8 kHz) to and from the 24 kHz int16 audio path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from console.dsp import (
    PCM_RATE,
    Int16Array,
    Resampler,
    alaw_decode,
    alaw_encode,
    ulaw_decode,
    ulaw_encode,
)
from console.realtime.audio_formats import SAMPLE_RATES, AudioFormat, normalize_audio_format


class WireDecoder:
    """Turns the session's audio (PCM16 24 kHz or G.711 8 kHz) into 24 kHz int16 samples.

    Stateful: G.711 is upsampled with a streaming filter, so one decoder per playback stream,
    ``flush`` at the end of each item. The filter's delay is trimmed from the start and ``flush``
    returns just the held-back tail, so an item of N G.711 bytes becomes exactly 3N samples and
    the playback tracker's figures match the audio received."""

    def __init__(self, audio_format: str | Mapping[str, Any] | None = "pcm16") -> None:
        self.format: AudioFormat = normalize_audio_format(audio_format)
        rate = SAMPLE_RATES[self.format]
        self._resampler = Resampler(rate, PCM_RATE) if rate != PCM_RATE else None
        self._ratio = PCM_RATE // rate
        self._delay = round(self._resampler.delay_s * PCM_RATE) if self._resampler else 0
        self.reset()

    def reset(self) -> None:
        """Start a new item: forget the filter history (the old tail must not bleed in)."""
        if self._resampler is not None:
            self._resampler.reset()
        self._skip = self._delay
        self._in = 0
        self._out = 0

    def decode(self, data: bytes) -> Int16Array:
        if self.format == "pcm16":
            # An odd trailing byte cannot be a sample; a well-formed stream never sends one.
            return np.frombuffer(data[: len(data) & ~1], dtype="<i2").astype(np.int16)
        pcm = ulaw_decode(data) if self.format == "g711_ulaw" else alaw_decode(data)
        assert self._resampler is not None
        return self._trim(self._resampler.process(pcm), len(pcm))

    def _trim(self, out: Int16Array, consumed: int) -> Int16Array:
        self._in += consumed
        if self._skip:
            cut = min(self._skip, len(out))
            out, self._skip = out[cut:], self._skip - cut
        out = out[: max(0, self._in * self._ratio - self._out)]
        self._out += len(out)
        return out

    def flush(self) -> Int16Array:
        """The rest of the current item (the filter's held-back tail); then a fresh start."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.int16)
        tail = self._trim(self._resampler.flush(), 0)
        self.reset()
        return tail


class WireEncoder:
    """Turns 24 kHz int16 mic samples into the session's wire format (bytes)."""

    def __init__(self, audio_format: str | Mapping[str, Any] | None = "pcm16") -> None:
        self.format: AudioFormat = normalize_audio_format(audio_format)
        rate = SAMPLE_RATES[self.format]
        self._resampler = Resampler(PCM_RATE, rate) if rate != PCM_RATE else None

    def encode(self, samples: Int16Array) -> bytes:
        if self.format == "pcm16":
            return bytes(np.asarray(samples, dtype="<i2").tobytes())
        assert self._resampler is not None
        low = self._resampler.process(samples)
        return ulaw_encode(low) if self.format == "g711_ulaw" else alaw_encode(low)


def wire_bytes_for_ms(audio_format: str | Mapping[str, Any] | None, ms: float) -> int:
    """How many bytes of the wire format carry ``ms`` of audio (20 ms PCM16 = 960 bytes)."""
    fmt = normalize_audio_format(audio_format)
    per_sample = 2 if fmt == "pcm16" else 1
    return round(SAMPLE_RATES[fmt] * ms / 1000.0) * per_sample
