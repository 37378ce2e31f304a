"""Small numpy signal helpers: resampling, PCM16 conversion and RMS level in dBFS."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


def pcm16_to_float(pcm: bytes) -> Samples:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(x: Samples) -> bytes:
    return bytes((np.clip(x, -1.0, 1.0 - 1 / 32768) * 32768.0).astype("<i2").tobytes())


@cache
def lowpass(cutoff: float, taps: int = 63) -> Samples:
    """A windowed-sinc low-pass; cutoff is a fraction of the sample rate (below 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(taps)
    return (h / h.sum()).astype(np.float32)


def resample(x: Samples, src_rate: int, dst_rate: int) -> Samples:
    """Resample by linear interpolation, low-pass filtered first when the rate goes down."""
    if src_rate == dst_rate or len(x) == 0:
        return x.astype(np.float32, copy=False)
    if dst_rate < src_rate:
        # Keep energy below the new Nyquist frequency only, so downsampling does not alias.
        x = np.convolve(x, lowpass(0.45 * dst_rate / src_rate), mode="same").astype(np.float32)
    n_out = int(len(x) * dst_rate / src_rate)
    positions = np.arange(n_out, dtype=np.float64) * (src_rate / dst_rate)
    return np.interp(positions, np.arange(len(x)), x).astype(np.float32)


def rms_dbfs(x: Samples) -> float:
    if len(x) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20.0 * float(np.log10(max(rms, 1e-6)))
