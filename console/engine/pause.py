"""Where a pause after speech makes the end of an utterance likely, 20 ms frame by frame.

The recognisers finish their transcript at such a pause (before the VAD's own, longer wait ends
the turn), and hear the utterance again if speech resumes.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from console.dsp import Samples

# A pause this long (seconds) after speech, quieter than _QUIET_RATIO of its loudest 20 ms, is
# taken as the likely end. The VAD ends a turn after 500 ms of quiet (semantic_vad's "auto", the
# console's turn detection): the ear has the other 300 ms to finish the transcript. No request
# of the tuning set paused this long before its end (at 0.15 s, 2 in 60 did).
PAUSE = 0.2
_QUIET_RATIO = 10 ** (-25 / 20)
_FLOOR = 10 ** (-70 / 20)  # quieter than any microphone's noise: digital silence


class Change(Enum):
    PAUSED = "paused"
    RESUMED = "resumed"


class PauseWatch:
    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._peak = 0.0  # the loudest 20 ms so far (RMS)
        self._quiet = 0  # samples since the last loud 20 ms
        self._paused = False

    @property
    def heard_anything(self) -> bool:
        """Louder than digital silence at some point."""
        return self._peak > _FLOOR

    def frame(self, audio: Samples) -> Change | None:
        """Take the next 20 ms; say when a likely end is reached or speech resumes after one."""
        level = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
        loud = level > max(self._peak * _QUIET_RATIO, _FLOOR)
        self._peak = max(self._peak, level)
        self._quiet = 0 if loud else self._quiet + len(audio)
        if self._paused:
            if loud:
                self._paused = False
                return Change.RESUMED
            return None
        if self._quiet >= PAUSE * self.rate and self.heard_anything:
            self._paused = True
            return Change.PAUSED
        return None
