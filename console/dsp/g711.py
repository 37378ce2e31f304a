"""ITU-T G.711 μ-law and A-law codecs for PCM16, as numpy lookup tables (one gather per call).

The arithmetic is ITU-T G.191's reference (the STL's ``ulaw_compress``/``alaw_compress``): a
negative sample is coded as its one's complement with the sign bit cleared, so the quantiser is
symmetric about -0.5 and every input decodes within half a step of itself. Sun's widely copied
``linear2ulaw`` (audioop, sox) floors negatives before taking the magnitude, which puts 381
negative inputs more than half a step away (e.g. -31611 decodes 513 off in a 1024 step).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .formats import Int16Array, as_int16

# Every int16 value in the order of its uint16 bit pattern: encode tables index by .view(uint16).
_ALL_INT16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)
_ALL_CODES = np.arange(256, dtype=np.int32)
_POWERS_OF_TWO = 1 << np.arange(17, dtype=np.int32)


def _bit_length(v: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """int.bit_length, vectorised (exact integer arithmetic, no float log2)."""
    return np.searchsorted(_POWERS_OF_TWO, v, side="right").astype(np.int32)


def _ulaw_compress(x: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    # 16 -> 14 bits, plus the bias of 33 that makes the segment edges powers of two.
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
    # 16 -> 12-bit magnitude (one's complement for negatives), segment from its bit length,
    # even bits inverted (XOR 0x55).
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


_ULAW_ENCODE = _ulaw_compress(_ALL_INT16)
_ALAW_ENCODE = _alaw_compress(_ALL_INT16)
ULAW_DECODE: Int16Array = _ulaw_expand(_ALL_CODES)
"""The 256 μ-law code points as linear PCM16 (the G.711 table, e.g. 0x80 -> +32124)."""
ALAW_DECODE: Int16Array = _alaw_expand(_ALL_CODES)
"""The 256 A-law code points as linear PCM16 (the G.711 table, e.g. 0xD5 -> +8)."""


def ulaw_encode(samples: bytes | Int16Array) -> bytes:
    """Linear PCM16 (little-endian bytes or int16 array) -> μ-law bytes, one per sample."""
    return bytes(_ULAW_ENCODE[as_int16(samples).view(np.uint16)].tobytes())


def ulaw_decode(data: bytes) -> Int16Array:
    """μ-law bytes -> int16 samples."""
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(samples: bytes | Int16Array) -> bytes:
    """Linear PCM16 (little-endian bytes or int16 array) -> A-law bytes, one per sample."""
    return bytes(_ALAW_ENCODE[as_int16(samples).view(np.uint16)].tobytes())


def alaw_decode(data: bytes) -> Int16Array:
    """A-law bytes -> int16 samples."""
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]
