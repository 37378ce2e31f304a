"""Tells a person at the mic from the speaker's echo: how well the mic follows what was played."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .codecs import PCM_RATE

DECIMATE = 3
"""Judged at 8 kHz (24 kHz / 3): speech's energy and an echo's likeness both live below 4 kHz."""
RATE = PCM_RATE // DECIMATE
WINDOW = RATE // 10
"""The mic's last 100 ms are compared with what was played."""
REACH = RATE * 12 // 10
"""What was played up to 1.2 s earlier: a Bluetooth speaker in a room and both device buffers."""
ACTIVE_MS = (32768 * 10 ** (-45 / 20)) ** 2
"""Mic windows quieter than -45 dBFS are not judged (noise correlates with nothing)."""
ECHO_LIKENESS = 0.6
"""A window whose best match with what was played (normalised correlation) reaches this is taken
for echo. Measured on espeak-ng speech, 100 ms windows: its echo through a delay (0-800 ms, -12 dB,
a noise floor) 1.00 in every window; another espeak voice alone 0.12-0.81 (median 0.44; one
synthesiser's pulses look alike, a person's voice less so); that voice over the echo 0.20-1.0
(1.0 in its pauses). On the null sinks, a window straddling a speaker underflow (the echo jumps
later inside it) drops to 0.83, in theory to 0.71 (half the window on each side), so the bar sits
below that. A room's reverberation lowers an echo's figure: see the note on limits."""
CLEAR_ECHO = 0.9
"""A window this alike is the echo beyond doubt: it teaches the room's echo gain."""
LOUDER = 1.4
"""A person is louder (1.5 dB) than the loudest echo that what was played around the echo's
delay can give (the room's gain is learnt as a maximum, so this errs towards "echo")."""
LATER = RATE * 15 // 100
EARLIER = RATE * 3 // 100
"""How far the echo's delay may have moved since it was last seen plainly: later by 150 ms (the
speaker ran dry), earlier by 30 ms (the mic dropped a block)."""
LOOK_BACK = RATE * 4 // 10
"""How far back ``recent`` judges (a barge-in arrives a few hundred ms after what caused it)."""


class EchoLikeness:
    """How much the mic's last 100 ms look like what the speaker played up to 1.2 s before.

    ``played`` (the playback thread) and ``heard`` (the capture thread) each append 24 kHz
    samples; ``likeness()`` is the best normalised correlation of the mic's last window with
    any stretch of the played audio in reach (1.0: an exact, scaled copy; near 0: unrelated),
    or None when the mic is too quiet or nothing was played. Unlike AEC3's own convergence, this
    needs no learning: it works from the first reply's first word.
    """

    def __init__(self) -> None:
        self._played = np.zeros(REACH + WINDOW + LOOK_BACK, dtype=np.float32)
        self._heard = np.zeros(WINDOW + LOOK_BACK, dtype=np.float32)
        self._played_rest = np.zeros(0, dtype=np.float32)
        self._heard_rest = np.zeros(0, dtype=np.float32)
        n = 1
        while n < REACH + 2 * WINDOW:
            n *= 2
        self._fft_size = n
        self.echo_delay: int | None = None
        """Samples (8 kHz) from what was played to its echo, as last seen plainly."""
        self.echo_gain: float | None = None
        """Energy ratio of the echo to what was played, learnt from windows that are plainly
        echo (None until one is seen)."""

    def played(self, samples: npt.NDArray[np.int16]) -> None:
        self._played, self._played_rest = _shift_in(self._played, self._played_rest, samples)

    def heard(self, samples: npt.NDArray[np.int16]) -> None:
        self._heard, self._heard_rest = _shift_in(self._heard, self._heard_rest, samples)

    def in_reach(self) -> bool:
        """Whether anything was played recently enough for its echo to still reach the mic."""
        played = self._played
        return bool(played[len(played) - REACH - WINDOW :].any())

    def likeness(self, ago: int = 0) -> float | None:
        """The mic window ending ``ago`` samples (8 kHz) before the newest, against what was
        played up to then: its best normalised correlation (None: nothing to judge)."""
        match = self._match(ago)
        return None if match is None else match[0]

    def person(self, ago: int = 0) -> bool | None:
        """Whether the window is a person's voice: unlike anything played AND louder than the
        loudest echo the room has been seen to return. Both, because a loaded machine's devices
        lose time (the speaker runs dry, the mic drops a block) and an echo window torn by such a
        gap matches what was played badly (0.3-0.5 measured) but is never louder for it.
        None: nothing to judge (a quiet mic, or nothing played)."""
        match = self._match(ago)
        if match is None:
            return None
        likeness, energy_y, loudest_x = match
        gain = self.echo_gain
        return likeness < ECHO_LIKENESS and (gain is None or energy_y > LOUDER * gain * loudest_x)

    def _match(self, ago: int) -> tuple[float, float, float] | None:
        heard, played = self._heard, self._played  # the audio threads rebind, never mutate
        y = heard[len(heard) - WINDOW - ago : len(heard) - ago].astype(np.float64)
        energy_y = float(np.dot(y, y))
        if energy_y / len(y) < ACTIVE_MS:
            return None
        x = played[len(played) - REACH - WINDOW - ago : len(played) - ago].astype(np.float64)
        if not x.any():
            return None
        n = self._fft_size
        corr = np.fft.irfft(np.fft.rfft(x, n) * np.conj(np.fft.rfft(y, n)), n)
        lags = len(x) - len(y) + 1
        corr = corr[:lags]
        cum = np.concatenate(([0.0], np.cumsum(x * x)))
        energy_x = cum[len(y) :] - cum[:lags]
        # Stretches of silence in what was played match nothing: keep them out of the max.
        floor = energy_y * 1e-4
        ncc = np.abs(corr) / np.sqrt(np.maximum(energy_x, floor) * energy_y)
        best = int(ncc.argmax())
        likeness = float(ncc[best])
        if likeness >= CLEAR_ECHO and energy_x[best] > 0:
            # Plainly the echo: how loud the room returns what was played, and how late.
            gain = energy_y / float(energy_x[best])
            self.echo_gain = gain if self.echo_gain is None else max(gain, self.echo_gain * 0.98)
            self.echo_delay = lags - 1 - best
        # The loudest the echo can be now: what was played around the echo's delay (a speaker
        # that ran dry makes it later, a capture that dropped a block earlier).
        if self.echo_delay is None:
            loudest = float(energy_x.max())
        else:
            at = lags - 1 - self.echo_delay
            loudest = float(energy_x[max(0, at - LATER) : max(1, at + EARLIER)].max())
        return likeness, energy_y, loudest

    def recent(self) -> float | None:
        """The median likeness of the mic's windows over the last 400 ms that carried sound
        (None if none did): what the server heard just before it said someone spoke."""
        values = [self.likeness(ago) for ago in range(0, LOOK_BACK, WINDOW)]
        heard = [v for v in values if v is not None]
        return float(np.median(heard)) if heard else None


def _shift_in(
    ring: npt.NDArray[np.float32], rest: npt.NDArray[np.float32], samples: npt.NDArray[np.int16]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Append ``samples`` to ``ring`` at 8 kHz (mean of each 3: a crude low-pass, enough here),
    dropping the oldest; a remainder shorter than 3 waits for the next call."""
    joined = np.concatenate((rest, samples.astype(np.float32)))
    whole = len(joined) // DECIMATE * DECIMATE
    new = joined[:whole].reshape(-1, DECIMATE).mean(axis=1)
    if len(new) >= len(ring):
        ring = new[-len(ring) :].copy()
    elif len(new):
        ring = np.concatenate((ring[len(new) :], new))
    return ring, joined[whole:]
