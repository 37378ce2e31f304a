"""Resampling: a streaming polyphase windowed-sinc resampler (rational ratios), one-shot too."""

from __future__ import annotations

from functools import cache
from math import gcd
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from .formats import Int16Array, Samples

Float64Array = npt.NDArray[np.float64]
_BLOCK = 2048
"""Outputs computed per step of a long signal: bounds the memory of a one-shot resample."""
_Audio = TypeVar("_Audio", Int16Array, Samples)


@cache
def _design(up: int, down: int, zero_crossings: int, beta: float, rolloff: float) -> Float64Array:
    """The prototype low-pass at the upsampled rate, split into ``up`` phases of equal length.

    The cut-off sits at ``rolloff`` times the lower of the two Nyquist frequencies, so what would
    alias on the way down is removed and upsampling images are suppressed on the way up."""
    wide = max(up, down)
    half = zero_crossings * wide
    n = np.arange(-half, half + 1, dtype=np.float64)
    cutoff = rolloff / wide
    taps = cutoff * np.sinc(cutoff * n) * np.kaiser(2 * half + 1, beta) * up
    per_phase = -(-len(taps) // up)
    padded = np.zeros(per_phase * up)
    padded[: len(taps)] = taps
    # Phase p holds taps p, p+up, p+2up, ...: the taps that meet real (non-inserted-zero) input.
    phases = padded.reshape(per_phase, up).T.copy()
    phases.flags.writeable = False  # shared by every resampler of this ratio
    return phases


@cache
def lowpass(cutoff: float, taps: int = 63) -> Samples:
    """A windowed-sinc (Blackman) low-pass FIR; ``cutoff`` is a fraction of the rate (< 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(taps)
    return (h / h.sum()).astype(np.float32)


class Resampler:
    """Converts audio from ``src_rate`` to ``dst_rate`` chunk by chunk.

    Keeps the last few input samples between calls, so a stream cut into chunks of any size gives
    the same output as the whole signal at once (no clicks at chunk edges). The filter delays the
    signal by ``delay_s``; ``flush`` returns the held-back tail at the end of a stream. The work per
    chunk is a gather and a multiply-add over (outputs x taps) blocks: no per-sample loop.
    """

    def __init__(
        self,
        src_rate: int,
        dst_rate: int,
        *,
        zero_crossings: int = 24,
        beta: float = 8.6,
        rolloff: float = 0.9,
    ) -> None:
        if src_rate <= 0 or dst_rate <= 0:
            raise ValueError("sample rates must be positive")
        g = gcd(src_rate, dst_rate)
        self.src_rate, self.dst_rate = src_rate, dst_rate
        self.up, self.down = dst_rate // g, src_rate // g
        self._phases = _design(self.up, self.down, zero_crossings, beta, rolloff)
        self._taps = self._phases.shape[1]
        self.delay_s = (zero_crossings * max(self.up, self.down)) / (src_rate * self.up)
        self.reset()

    def reset(self) -> None:
        self._history = np.zeros(self._taps - 1, dtype=np.float64)
        self._consumed = 0  # input samples seen so far
        self._next_out = 0  # index of the next output sample

    def filter(self, samples: npt.NDArray[np.generic]) -> Float64Array:
        """The next output samples, unrounded, in the input's own scale."""
        x = np.asarray(samples, dtype=np.float64)
        buf = np.concatenate((self._history, x))
        base = self._consumed - (self._taps - 1)  # global input index of buf[0]
        self._consumed += len(x)
        # Output k sits at upsampled position k*down; it is computable once its input exists.
        last = (self._consumed * self.up - 1) // self.down
        k = np.arange(self._next_out, last + 1, dtype=np.int64)
        self._next_out = last + 1
        self._history = buf[len(buf) - (self._taps - 1) :] if self._taps > 1 else buf[:0]
        if not len(k):
            return np.zeros(0, dtype=np.float64)
        pos = k * self.down
        # Row j of the window view holds buf[j + taps - 1], ..., buf[j]: the taps' inputs, newest
        # first. Blocks keep the gathered (outputs x taps) matrices small and in cache.
        windows = sliding_window_view(buf, self._taps)[:, ::-1]
        first = pos // self.up - base - (self._taps - 1)
        phase = pos % self.up
        out = np.empty(len(k), dtype=np.float64)
        for start in range(0, len(k), _BLOCK):
            rows = slice(start, start + _BLOCK)
            out[rows] = np.einsum("ij,ij->i", windows[first[rows]], self._phases[phase[rows]])
        return out

    def process(self, samples: npt.NDArray[np.generic]) -> Int16Array:
        """The next output samples as int16 (rounded, clipped)."""
        return _to_int16(self.filter(samples))

    def tail(self) -> Float64Array:
        """Push the filter's delay worth of silence through; the remaining output, unrounded."""
        pad = int(np.ceil(self.delay_s * self.src_rate)) + 1
        return self.filter(np.zeros(pad, dtype=np.float64))

    def flush(self) -> Int16Array:
        """The remaining output as int16 (the held-back tail at the end of a stream)."""
        return _to_int16(self.tail())


def _to_int16(y: Float64Array) -> Int16Array:
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


def resample(samples: _Audio, src_rate: int, dst_rate: int) -> _Audio:
    """One-shot resampling of a whole signal, delay-compensated so output aligns with input.

    Keeps the kind of samples: int16 in, int16 out (rounded, clipped); float in, float32 out."""
    as_int = np.asarray(samples).dtype == np.int16
    if src_rate == dst_rate or not len(samples):
        return cast(_Audio, np.array(samples, dtype=np.int16 if as_int else np.float32))
    r = Resampler(src_rate, dst_rate)
    out = np.concatenate((r.filter(samples), r.tail()))
    skip = round(r.delay_s * dst_rate)
    out = out[skip : skip + round(len(samples) * dst_rate / src_rate)]
    return cast(_Audio, _to_int16(out) if as_int else out.astype(np.float32))
