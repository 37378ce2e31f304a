"""Levels in dBFS: RMS and peak of int16 or float samples, clamped at a floor."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FLOOR_DB = -90.0
"""Silence, and anything quieter, reads as this."""
FULL_SCALE = 32768.0
"""0 dBFS for int16: the magnitude of the most negative sample. A full-scale sine is -3.01 dBFS."""


def _full_scale(samples: npt.NDArray[np.generic]) -> float:
    # Float samples are already normalised (±1.0); integers are PCM16.
    return 1.0 if np.issubdtype(samples.dtype, np.floating) else FULL_SCALE


def _db(linear: float, full_scale: float, floor: float) -> float:
    if linear <= 0.0:
        return floor
    return max(floor, 20.0 * math.log10(linear / full_scale))


def rms_dbfs(samples: npt.NDArray[np.generic], floor: float = FLOOR_DB) -> float:
    """RMS level in dBFS, clamped at ``floor`` (empty input is silence)."""
    if not len(samples):
        return floor
    x = samples.astype(np.float64)
    return _db(math.sqrt(float(np.dot(x, x)) / len(x)), _full_scale(samples), floor)


def peak_dbfs(samples: npt.NDArray[np.generic], floor: float = FLOOR_DB) -> float:
    """Peak level in dBFS, clamped at ``floor``."""
    if not len(samples):
        return floor
    return _db(float(np.max(np.abs(samples.astype(np.float64)))), _full_scale(samples), floor)


def levels_dbfs(samples: npt.NDArray[np.generic], floor: float = FLOOR_DB) -> tuple[float, float]:
    """(RMS, peak) in dBFS of one chunk."""
    return rms_dbfs(samples, floor), peak_dbfs(samples, floor)
