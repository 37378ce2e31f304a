"""The resampler: passband kept, aliases and images removed, chunking invisible, int and float."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from console.dsp import Resampler, resample


def tone(
    freq: float, ms: float, amplitude: float = 0.5, rate: int = 24_000
) -> npt.NDArray[np.int16]:
    t = np.arange(round(rate * ms / 1000)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def level_db(x: np.ndarray, ref: float) -> float:
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-6) / ref)


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x)), n=8 * len(x)))
    return float(np.argmax(spectrum) * rate / (8 * len(x)))


def test_downsampling_keeps_the_passband_and_removes_what_would_alias() -> None:
    for freq in (300.0, 1000.0, 3000.0):
        out = resample(tone(freq, 500), 24_000, 8_000)
        assert len(out) == 4000
        assert abs(level_db(out[200:-200], 0.5 * 32767 / np.sqrt(2))) < 0.1
    for freq in (4500.0, 6000.0, 10000.0):
        # Naive decimation would fold these to 3.5, 2 and 2 kHz at full level.
        out = resample(tone(freq, 500), 24_000, 8_000)
        assert level_db(out[200:-200], 0.5 * 32767 / np.sqrt(2)) < -60


def test_upsampling_suppresses_images() -> None:
    low = tone(1000, 500, rate=8_000)
    out = resample(low, 8_000, 24_000)
    assert len(out) == 12_000
    spectrum = np.abs(np.fft.rfft(out[600:-600].astype(np.float64) * np.hanning(len(out) - 1200)))
    freqs = np.fft.rfftfreq(len(out) - 1200, 1 / 24_000)
    main = spectrum[(freqs > 900) & (freqs < 1100)].max()
    images = spectrum[freqs > 4200].max()  # images of 1 kHz sit at 7 and 9 kHz
    assert 20 * np.log10(images / main) < -60


@pytest.mark.parametrize("size", [1, 7, 160, 480, 1001])
def test_chunked_streaming_equals_one_pass(size: int) -> None:
    x = (np.random.default_rng(size).normal(0, 4000, 6000)).astype(np.int16)
    for src, dst in ((24_000, 8_000), (8_000, 24_000), (24_000, 44_100)):
        whole = Resampler(src, dst).process(x)
        r = Resampler(src, dst)
        pieces = np.concatenate([r.process(x[i : i + size]) for i in range(0, len(x), size)])
        assert np.array_equal(pieces, whole)


def test_device_rate_conversion_keeps_the_pitch() -> None:
    out = resample(tone(440, 400), 24_000, 44_100)
    assert len(out) == 17_640
    assert dominant_frequency(out, 44_100) == pytest.approx(440, abs=2)


def test_float_samples_resample_to_float32_like_int16() -> None:
    x = tone(440, 300, rate=22_050)
    as_float = resample(x.astype(np.float32) / 32768, 22_050, 24_000)
    as_int = resample(x, 22_050, 24_000)
    assert as_float.dtype == np.float32 and as_int.dtype == np.int16
    assert len(as_float) == len(as_int) == 7200
    assert np.max(np.abs(as_float * 32768 - as_int)) <= 0.5 + 1e-3
    assert resample(np.zeros(0, np.float32), 8_000, 24_000).dtype == np.float32
