"""G.711 μ-law/A-law codecs (numpy lookup tables) and wire-format <-> 24 kHz PCM16 converters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from console.realtime.audio_formats import SAMPLE_RATES, AudioFormat, normalize_audio_format

from .resample import Resampler

Int16Array = npt.NDArray[np.int16]

PCM_RATE = 24_000
"""The rate every part of the audio path works at; G.711 is converted at the edge."""

# Every int16 value in the order of its uint16 bit pattern: encode tables index by .view(uint16).
_ALL_INT16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)
_ALL_CODES = np.arange(256, dtype=np.int32)
_POWERS_OF_TWO = 1 << np.arange(17, dtype=np.int32)


def _bit_length(v: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """int.bit_length, vectorised (exact integer arithmetic, no float log2)."""
    return np.searchsorted(_POWERS_OF_TWO, v, side="right").astype(np.int32)


def _ulaw_compress(x: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    # ITU-T G.191 (STL) ulaw_compress: negatives use the one's complement, so the 16-bit input is
    # treated as symmetric about -0.5 and code(x) == code(~x) ^ 0x80.
    absno = np.where(x < 0, (~x) >> 2, x >> 2) + 33
    absno = np.minimum(absno, 0x1FFF)
    segno = 1 + _bit_length(absno >> 6)  # 1..8
    high = 8 - segno
    low = 0x0F - ((absno >> segno) & 0x0F)
    out = (high << 4) | low
    out = np.where(x >= 0, out | 0x80, out)
    return out.astype(np.uint8)


def _ulaw_expand(code: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    sign = np.where(code < 0x80, -1, 1)
    mantissa = ~code
    exponent = (mantissa >> 4) & 0x07
    step = 4 << (exponent + 1)
    mantissa &= 0x0F
    value = (0x80 << exponent) + step * mantissa + step // 2 - 4 * 33
    return (sign * value).astype(np.int16)


def _alaw_compress(x: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    # ITU-T G.191 alaw_compress: 16-bit -> 12-bit magnitude (one's complement for negatives),
    # segment from the magnitude's bit length, even bits inverted (XOR 0x55).
    ix = np.where(x < 0, (~x) >> 4, x >> 4)
    # Segment 0 holds 0..15 and segment 1 16..31 at step 1; each later segment doubles the step.
    exp = np.where(ix > 15, _bit_length(ix) - 4, 0)
    mant = np.where(exp > 0, (ix >> np.maximum(exp - 1, 0)) - 16, ix)
    out = (exp << 4) + mant
    out = np.where(x >= 0, out | 0x80, out)
    return (out ^ 0x55).astype(np.uint8)


def _alaw_expand(code: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    ix = (code ^ 0x55) & 0x7F
    exp = ix >> 4
    mant = ix & 0x0F
    mant = np.where(exp > 0, mant + 16, mant)
    mant = (mant << 4) + 0x08
    mant = np.where(exp > 1, mant << np.maximum(exp - 1, 0), mant)
    return np.where(code > 127, mant, -mant).astype(np.int16)


# Encoding is one table lookup per sample: index by the int16 value reinterpreted as uint16.
_ULAW_ENCODE = _ulaw_compress(_ALL_INT16)
_ALAW_ENCODE = _alaw_compress(_ALL_INT16)
ULAW_DECODE: Int16Array = _ulaw_expand(_ALL_CODES)
"""The 256 μ-law code points as linear PCM16 (the G.711 table, e.g. 0x80 -> +32124)."""
ALAW_DECODE: Int16Array = _alaw_expand(_ALL_CODES)
"""The 256 A-law code points as linear PCM16 (the G.711 table, e.g. 0xD5 -> +8)."""


def _as_int16(samples: bytes | Int16Array) -> Int16Array:
    if isinstance(samples, bytes | bytearray | memoryview):
        return np.frombuffer(samples, dtype="<i2")
    return np.asarray(samples, dtype=np.int16)


def ulaw_encode(samples: bytes | Int16Array) -> bytes:
    """Linear PCM16 (bytes or int16 array) -> μ-law bytes, one per sample."""
    return bytes(_ULAW_ENCODE[_as_int16(samples).view(np.uint16)].tobytes())


def ulaw_decode(data: bytes) -> Int16Array:
    """μ-law bytes -> int16 samples."""
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(samples: bytes | Int16Array) -> bytes:
    """Linear PCM16 (bytes or int16 array) -> A-law bytes, one per sample."""
    return bytes(_ALAW_ENCODE[_as_int16(samples).view(np.uint16)].tobytes())


def alaw_decode(data: bytes) -> Int16Array:
    """A-law bytes -> int16 samples."""
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


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
