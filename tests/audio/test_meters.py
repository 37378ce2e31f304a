"""Meters on known signals: dBFS figures, decay on an injected clock, the floor, the UI protocol."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from console.audio.meters import LevelMeter, LevelSource
from console.dsp import FLOOR_DB, peak_dbfs, rms_dbfs

from .conftest import tone


class FakeClock:
    """A clock the test moves by hand (injected, as the house style asks)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def full_scale_sine() -> np.ndarray:
    return tone(1000, 100, amplitude=1.0)


def test_full_scale_sine_is_minus_3_dbfs_rms_and_0_dbfs_peak() -> None:
    x = full_scale_sine()
    assert rms_dbfs(x) == pytest.approx(-3.01, abs=0.01)
    assert peak_dbfs(x) == pytest.approx(0.0, abs=0.01)


def test_half_scale_and_square_and_silence() -> None:
    assert rms_dbfs(tone(1000, 100, amplitude=0.5)) == pytest.approx(-9.03, abs=0.01)
    square = np.where(np.arange(480) % 48 < 24, 32767, -32767).astype(np.int16)
    assert rms_dbfs(square) == pytest.approx(0.0, abs=0.01)
    assert rms_dbfs(np.zeros(480, dtype=np.int16)) == FLOOR_DB
    assert peak_dbfs(np.zeros(480, dtype=np.int16)) == FLOOR_DB
    assert rms_dbfs(np.zeros(0, dtype=np.int16)) == FLOOR_DB
    # -32768 is exactly full scale, and a single LSB sits just above the -90 dBFS floor.
    assert peak_dbfs(np.array([-32768], dtype=np.int16)) == 0.0
    assert rms_dbfs(np.ones(480, dtype=np.int16)) == FLOOR_DB  # -90.31 dBFS, under the floor
    assert rms_dbfs(np.full(480, 2, dtype=np.int16)) == pytest.approx(-84.29, abs=0.01)


def test_meter_attacks_instantly_and_decays_linearly_to_the_floor() -> None:
    clock = FakeClock()
    meter = LevelMeter(clock=clock, decay_db_per_s=40.0, peak_decay_db_per_s=20.0)
    assert meter.read().rms_db == FLOOR_DB
    meter.update_samples(full_scale_sine())
    assert meter.read().rms_db == pytest.approx(-3.01, abs=0.01)
    clock.now += 0.5
    reading = meter.read()
    assert reading.rms_db == pytest.approx(-23.01, abs=0.01)
    assert reading.peak_db == pytest.approx(-10.0, abs=0.01)
    # A quiet chunk does not pull the display below the decaying level...
    meter.update(-60.0, -55.0)
    assert meter.read().rms_db == pytest.approx(-23.01, abs=0.01)
    # ...a louder one lifts it at once, and with no chunks at all it falls to the floor.
    meter.update(-6.0, -1.0)
    assert meter.read().rms_db == -6.0
    clock.now += 60
    assert meter.read().rms_db == FLOOR_DB
    assert meter.read().peak_db == FLOOR_DB


def test_activity_has_a_threshold_and_a_hang_time() -> None:
    clock = FakeClock()
    meter = LevelMeter(clock=clock, active_threshold_db=-45.0, hang_s=0.3)
    meter.update(-50.0, -45.0)
    assert not meter.read().active
    meter.update(-20.0, -15.0)
    clock.now += 0.25
    meter.update(-70.0, -65.0)
    assert meter.read().active
    clock.now += 0.1
    assert not meter.read().active


def test_level_source_satisfies_the_ui_protocol() -> None:
    from console.ui.audio_protocols import LevelSource as UILevelSource

    clock = FakeClock()
    levels = LevelSource(clock=clock)
    assert isinstance(levels, UILevelSource)
    assert levels.mic_db == FLOOR_DB and levels.speaker_db == FLOOR_DB
    levels.mic.update_samples(tone(300, 20, amplitude=0.25))
    assert levels.mic_db == pytest.approx(-15.05, abs=0.01)
    assert levels.user_speaking
    levels.muted = True
    assert not levels.user_speaking and levels.muted
    assert not levels.assistant_speaking
    levels.playing = True
    assert levels.assistant_speaking


def test_concurrent_writer_never_shows_a_torn_reading() -> None:
    clock = FakeClock()  # frozen: no decay, so each update sets rms and peak = rms + 6 exactly
    meter = LevelMeter(clock=clock)

    def write() -> None:
        for i in range(100_000):
            level = -89.0 + i * 8e-4  # rising, so every update replaces both figures
            meter.update(level, level + 6.0)

    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    while writer.is_alive() or seen == 0:
        r = meter.read()
        if r.rms_db != FLOOR_DB:
            assert r.peak_db - r.rms_db == pytest.approx(6.0, abs=1e-9)
            seen += 1
    writer.join()
    assert seen > 0
