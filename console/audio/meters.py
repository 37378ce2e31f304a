"""Decaying level meters (dBFS per chunk) and the lock-free LevelSource the console reads."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.dsp import FLOOR_DB, Clock, levels_dbfs


@dataclass(frozen=True, slots=True)
class MeterReading:
    """What a meter shows at one instant."""

    rms_db: float
    peak_db: float
    active: bool
    """Above the activity threshold within the hang time (someone is speaking)."""


@dataclass(frozen=True, slots=True)
class _MeterState:
    rms_db: float
    peak_db: float
    at: float
    loud_at: float


class LevelMeter:
    """One channel's meter: instant attack, linear decay in dB/s, a floor, and an activity flag.

    One thread writes (``update`` from an audio callback), any thread reads (``read``). The state
    is one immutable object swapped by a single attribute store, which is atomic in CPython, so the
    audio callback never takes a lock and a reader never sees half an update.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        decay_db_per_s: float = 40.0,
        peak_decay_db_per_s: float = 20.0,
        floor: float = FLOOR_DB,
        active_threshold_db: float = -45.0,
        hang_s: float = 0.3,
    ) -> None:
        self.clock = clock
        self.decay = decay_db_per_s
        self.peak_decay = peak_decay_db_per_s
        self.floor = floor
        self.threshold = active_threshold_db
        self.hang_s = hang_s
        self._state = _MeterState(floor, floor, -math.inf, -math.inf)

    def update(self, rms_db: float, peak_db: float, now: float | None = None) -> None:
        """Record one chunk's levels (dBFS)."""
        now = self.clock() if now is None else now
        old = self._state
        if old.at == -math.inf:
            rms, peak = rms_db, peak_db
        else:
            dt = max(0.0, now - old.at)
            rms = max(rms_db, old.rms_db - self.decay * dt)
            peak = max(peak_db, old.peak_db - self.peak_decay * dt)
        loud_at = now if rms_db >= self.threshold else old.loud_at
        self._state = _MeterState(max(self.floor, rms), max(self.floor, peak), now, loud_at)

    def update_samples(self, samples: npt.NDArray[np.int16], now: float | None = None) -> float:
        """Meter a chunk of samples; returns its RMS in dBFS (for callers that act on it)."""
        rms, peak = levels_dbfs(samples, self.floor)
        self.update(rms, peak, now)
        return rms

    def read(self, now: float | None = None) -> MeterReading:
        """The level now: decayed since the last update, so an idle channel falls to the floor."""
        now = self.clock() if now is None else now
        s = self._state
        if s.at == -math.inf:
            return MeterReading(self.floor, self.floor, False)
        dt = max(0.0, now - s.at)
        return MeterReading(
            max(self.floor, s.rms_db - self.decay * dt),
            max(self.floor, s.peak_db - self.peak_decay * dt),
            now - s.loud_at <= self.hang_s,
        )

    def reset(self) -> None:
        self._state = _MeterState(self.floor, self.floor, -math.inf, -math.inf)


class LevelSource:
    """Latest mic and speaker levels for the UI's meter pane, read at its frame rate.

    Satisfies ``console.ui.audio_protocols.LevelSource`` (``mic_db``, ``speaker_db``, ``muted``,
    ``listening``, ``user_speaking``, ``assistant_speaking``) and adds ``mic``/``speaker``
    readings with peaks.
    The capture callback writes ``mic``, the playback callback writes ``speaker``; the UI only
    reads. Plain attribute stores, no locks: see ``LevelMeter``. The clock is injectable so
    snapshot tests see fixed levels.
    """

    def __init__(self, *, clock: Clock = time.monotonic, floor: float = FLOOR_DB) -> None:
        self.clock = clock
        self.floor = floor
        self.mic = LevelMeter(clock=clock, floor=floor)
        self.speaker = LevelMeter(clock=clock, floor=floor, active_threshold_db=-60.0, hang_s=0.15)
        self.muted = False
        self._playing = False
        self.listening_probe: Callable[[], bool] | None = None
        """Set by AudioIO: whether mic audio goes out now (not muted; push-to-talk held or
        off). Nobody is "speaking" into a closed mic, whatever the level says."""
        self.playing_probe: Callable[[], bool] | None = None
        """Set by AudioIO to the playback's "anything queued or sounding"; else ``playing`` is
        a plain flag (tests and snapshots set it)."""

    @property
    def playing(self) -> bool:
        probe = self.playing_probe
        return probe() if probe is not None else self._playing

    @playing.setter
    def playing(self, value: bool) -> None:
        self._playing = value

    @property
    def mic_db(self) -> float:
        return self.mic.read().rms_db

    @property
    def speaker_db(self) -> float:
        return self.speaker.read().rms_db

    @property
    def listening(self) -> bool:
        probe = self.listening_probe
        return not self.muted and (probe() if probe is not None else True)

    @property
    def user_speaking(self) -> bool:
        return self.listening and self.mic.read().active

    @property
    def assistant_speaking(self) -> bool:
        return self.playing or self.speaker.read().active
