"""Energy voice activity detection on the input audio clock: speech start and stop in ms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from console.dsp import Samples

FRAME_MS = 10
# Consecutive loud frames needed before speech counts as started (ignores clicks).
_MIN_SPEECH_FRAMES = 3


@dataclass(frozen=True)
class SpeechStarted:
    audio_start_ms: int


@dataclass(frozen=True)
class SpeechStopped:
    audio_end_ms: int


VadEvent = SpeechStarted | SpeechStopped


def threshold_dbfs(threshold: float) -> float:
    """The API's threshold (0..1, higher is less sensitive) as a frame level in dBFS."""
    return -60.0 + 45.0 * min(max(threshold, 0.0), 1.0)


class EnergyVad:
    """Feeds on float samples, frame by frame; positions are ms since the first sample fed."""

    def __init__(
        self,
        rate: int,
        *,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 200,
        start_ms: float = 0.0,
    ) -> None:
        self.rate = rate
        self.level_dbfs = threshold_dbfs(threshold)
        self.prefix_padding_ms = prefix_padding_ms
        self.silence_duration_ms = silence_duration_ms
        self.speaking = False
        self._frame = rate * FRAME_MS // 1000
        self._pending: Samples = np.zeros(0, dtype=np.float32)
        self._position_ms = start_ms
        self._loud_run = 0
        self._quiet_run = 0

    def feed(self, samples: Samples) -> list[VadEvent]:
        data = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        usable = len(data) - len(data) % self._frame
        self._pending = data[usable:].astype(np.float32, copy=True)
        if usable == 0:
            return []
        frames = data[:usable].reshape(-1, self._frame).astype(np.float64)
        levels = 10 * np.log10(np.maximum(np.mean(frames * frames, axis=1), 1e-12))
        events: list[VadEvent] = []
        for loud in levels > self.level_dbfs:
            self._position_ms += FRAME_MS
            events.extend(self._step(bool(loud)))
        return events

    def _step(self, loud: bool) -> list[VadEvent]:
        if not self.speaking:
            self._loud_run = self._loud_run + 1 if loud else 0
            if self._loud_run >= _MIN_SPEECH_FRAMES:
                self.speaking = True
                self._quiet_run = 0
                onset = self._position_ms - self._loud_run * FRAME_MS
                return [SpeechStarted(int(max(0.0, onset - self.prefix_padding_ms)))]
            return []
        self._quiet_run = 0 if loud else self._quiet_run + 1
        if self._quiet_run * FRAME_MS >= self.silence_duration_ms:
            self.speaking = False
            self._loud_run = 0
            return [SpeechStopped(int(self._position_ms))]
        return []
