"""Sample types and PCM16 conversions: little-endian bytes, int16 arrays and float32 in [-1, 1)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]
"""Float samples, full scale at ±1.0."""
Int16Array = npt.NDArray[np.int16]

PCM_RATE = 24_000
"""The realtime protocol's PCM16 rate."""
G711_RATE = 8_000
"""The rate of G.711 (μ-law and A-law) audio, one byte per sample."""


def as_int16(samples: bytes | bytearray | memoryview | Int16Array) -> Int16Array:
    """PCM16 little-endian bytes (viewed, not copied) or any int16-like array as int16."""
    if isinstance(samples, bytes | bytearray | memoryview):
        return np.frombuffer(samples, dtype="<i2")
    return np.asarray(samples, dtype=np.int16)


def pcm16_to_float(pcm: bytes | Int16Array) -> Samples:
    """PCM16 (bytes or int16) to float32, 32768 -> 1.0."""
    return as_int16(pcm).astype(np.float32) / np.float32(32768.0)


def float_to_pcm16(x: Samples) -> bytes:
    """Float samples to PCM16 little-endian bytes, clipped to the int16 range."""
    return bytes((np.clip(x, -1.0, 1.0 - 1 / 32768) * 32768.0).astype("<i2").tobytes())
