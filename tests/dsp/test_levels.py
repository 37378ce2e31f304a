"""dBFS of int16 and float samples alike: one scale, one floor."""

from __future__ import annotations

import numpy as np
import pytest

from console.dsp import FLOOR_DB, levels_dbfs, peak_dbfs, rms_dbfs


def sine(amplitude: float) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 1000 * np.arange(2400) / 24_000)


def test_int16_and_float_samples_read_the_same_level() -> None:
    for amplitude in (1.0, 0.5, 0.01):
        as_float = sine(amplitude).astype(np.float32)
        as_int = np.clip(np.round(sine(amplitude) * 32768), -32768, 32767).astype(np.int16)
        expected = 20 * np.log10(amplitude) - 3.0103
        assert rms_dbfs(as_float) == pytest.approx(expected, abs=0.01)
        assert rms_dbfs(as_int) == pytest.approx(expected, abs=0.02)  # rounding to int16
        assert peak_dbfs(as_float) == pytest.approx(peak_dbfs(as_int), abs=0.01)


def test_silence_and_empty_input_read_the_floor() -> None:
    assert levels_dbfs(np.zeros(480, np.int16)) == (FLOOR_DB, FLOOR_DB)
    assert rms_dbfs(np.zeros(0, np.float32)) == FLOOR_DB
    assert rms_dbfs(np.full(480, 1e-9, np.float32), floor=-120.0) == -120.0
