"""Acoustic echo cancellation: WebRTC's AEC3 (livekit's AudioProcessingModule) on 10 ms frames."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .codecs import PCM_RATE
from .doubletalk import CLEAR_ECHO, ECHO_LIKENESS, EchoLikeness

log = logging.getLogger("console.audio.echo")

FRAME = PCM_RATE // 100
"""WebRTC's audio processing takes exactly 10 ms per call: 240 samples at 24 kHz."""
AEC3_REACH_FRAMES = 50
"""AEC3 (as livekit builds it) finds echoes up to about 520 ms after the far end; measured."""
HISTORY_FRAMES = 300
"""3 s of 10 ms frame envelopes, both ways, for the bulk delay estimate."""
MAX_LAG_FRAMES = 100
"""Echo paths up to 1 s (a Bluetooth speaker's, with a room) are found."""
ACTIVE = (32768 * 10 ** (-50 / 20)) ** 2
"""A frame above -50 dBFS carries sound (its mean square)."""
RESIDUAL = (32768 * 10 ** (-50 / 20)) ** 2
"""Echo left below -50 dBFS (mean square) counts as gone: servers' VADs start near -40."""
PERSON_WINDOWS = 3
"""Consecutive mic chunks unlike anything played before a person is taken to be talking."""
PERSON_HOLD_FRAMES = 50
"""After the last chunk judged a person's, the mic stays open this long (10 ms frames): the
gaps between their words."""


@dataclass(frozen=True, slots=True)
class EchoSettings:
    """What the audio processing does to the microphone.

    ``echo_cancellation``: AEC3 removes what the speaker played from the mic (off with a
    headset, or with ``--no-aec``). ``noise_suppression``: WebRTC's noise suppressor, for a
    noisy room (it also colours the voice a little, so it is off by default). The high-pass
    filter (DC and rumble below ~80 Hz) always runs with either of them.
    """

    echo_cancellation: bool = True
    noise_suppression: bool = False

    @property
    def active(self) -> bool:
        return self.echo_cancellation or self.noise_suppression


class EchoCanceller:
    """Feeds what the speaker plays (``render``) and cleans what the mic hears (``capture``).

    ``render`` runs in the playback callback thread with every block handed to the device,
    silence included, so the canceller sees the far end on the device's own clock; ``capture``
    runs in the capture callback thread. Both cut their input into 10 ms frames (a remainder
    waits for the next call). The module is called under one lock, because the two threads
    share it; a call costs tens of microseconds. ``delay_ms`` is the stream delay hint (device
    output latency plus input latency). AEC3 finds the echo itself, but only within ~520 ms;
    ``update`` measures the echo path and delays the far end by what lies beyond, so a
    Bluetooth speaker in a large room (up to a second) is cancelled too.
    """

    def __init__(self, settings: EchoSettings | None = None) -> None:
        from livekit import rtc  # the wheel carries WebRTC's audio processing, no system package

        self.settings = settings or EchoSettings()
        self._rtc: Any = rtc
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=self.settings.echo_cancellation,
            noise_suppression=self.settings.noise_suppression,
            high_pass_filter=True,
        )
        self._lock = threading.Lock()
        self._render_rest = np.zeros(0, dtype=np.int16)
        self._capture_rest = np.zeros(0, dtype=np.int16)
        self.delay_ms = 0
        self.frames_rendered = 0
        self.frames_captured = 0
        self.failures = 0
        self.bulk_frames = 0
        """Far-end frames held back before AEC3 sees them: the part of the echo delay beyond its
        reach (set by ``update`` from the measured delay)."""
        self._line: deque[npt.NDArray[np.int16]] = deque()
        self._render_env: deque[float] = deque(maxlen=HISTORY_FRAMES)
        self._mic_env: deque[tuple[float, float]] = deque(maxlen=HISTORY_FRAMES)
        self._settled_at = 0
        self._uncorrelated = 0
        self.erle_db: float | None = None
        """Echo removed (dB) over the last second with echo, as last measured while learning."""
        self.echo_lag_ms: float | None = None
        """The echo path's delay as last measured (None: no echo found yet)."""
        self.ready = not self.settings.echo_cancellation
        """Cancelling: either no echo reaches the mic, or AEC3 removes it. Until then the audio
        layer keeps the mic closed while the agent speaks, unless a person is heard."""
        self.likeness = EchoLikeness()
        """How much the raw mic sounds like what was played: tells a person from the echo
        without waiting for AEC3 to converge."""
        self.judging = False
        """Set by the audio layer while it would hold the mic: each captured chunk is then judged
        person or echo (an FFT per chunk, so only then)."""
        self._person_run = 0
        self._person_at: int | None = None

    def set_delay(self, seconds: float) -> None:
        self.delay_ms = max(0, min(500, round(seconds * 1000)))

    def render(self, samples: npt.NDArray[np.int16]) -> None:
        """Far end: a block just handed to the speaker (24 kHz int16, any length)."""
        if not self.settings.echo_cancellation:
            return
        self.likeness.played(samples)
        frames, self._render_rest = _frames(self._render_rest, samples)
        for frame in frames:
            self._render_env.append(_energy(frame))
            self._line.append(frame)
            while len(self._line) > self.bulk_frames:
                self._call(self._apm.process_reverse_stream, self._line.popleft())
                self.frames_rendered += 1

    def capture(self, samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Near end: mic samples in, the same number of cleaned samples out (24 kHz int16).

        Output lags input by less than one frame when a call's length is not a multiple of
        10 ms; the capture chunks (20 ms) are, so in use nothing lags."""
        if self.settings.echo_cancellation:
            self.likeness.heard(samples)
        frames, self._capture_rest = _frames(self._capture_rest, samples)
        out = []
        left = 0.0
        for frame in frames:
            cleaned = self._call(self._apm.process_stream, frame, delay=True)
            energies = (_energy(frame), _energy(cleaned))
            self._mic_env.append(energies)
            left = max(left, energies[1])
            out.append(cleaned)
        if self.judging and left > RESIDUAL:
            # Sound left after cancelling while the agent may be heard: a person, or echo that
            # AEC3 let through? (Judged only then: it costs an FFT.)
            self._judge()
        self.frames_captured += len(out)
        cleaned = np.concatenate(out) if out else np.zeros(0, dtype=np.int16)
        missing = len(samples) - len(cleaned)
        if missing > 0:  # the remainder waits for the next call: keep lengths equal
            cleaned = np.concatenate((np.zeros(missing, dtype=np.int16), cleaned))
        return cleaned[-len(samples) :] if len(samples) else cleaned

    def _judge(self) -> None:
        person = self.likeness.person()
        if person is None:
            return
        self._person_run = self._person_run + 1 if person else 0
        if self._person_run >= PERSON_WINDOWS:
            self._person_at = self.frames_captured

    def person_heard(self) -> bool:
        """A person (not the speaker's echo) was heard at the mic within the last half second
        of judged chunks."""
        at = self._person_at
        return at is not None and self.frames_captured - at <= PERSON_HOLD_FRAMES

    def plainly_echo(self) -> bool:
        """The mic's last 100 ms are a copy of what the speaker played (likeness >= 0.9)."""
        value = self.likeness.likeness()
        return value is not None and value >= CLEAR_ECHO

    def echo_heard(self) -> bool | None:
        """Whether what the mic heard over the last 400 ms was plainly the speaker's echo (True:
        median likeness >= 0.9) or plainly unlike it, a person (False: < 0.6); None if it heard
        nothing to judge or it is in between (a person over the echo, or an echo torn by a
        device gap, both land there). For telling a barge-in by the agent's own voice from a
        person's."""
        value = self.likeness.recent()
        if value is None or ECHO_LIKENESS <= value < CLEAR_ECHO:
            return None
        return value >= CLEAR_ECHO

    def relearn(self) -> None:
        """Another device, another echo path: measure it again (the mic waits meanwhile)."""
        self.ready = not self.settings.echo_cancellation
        self.echo_lag_ms = None
        self.likeness.echo_gain = self.likeness.echo_delay = None  # the new room's, to learn
        self._uncorrelated = 0
        self._settled_at = self.frames_captured + 100

    def update(self) -> None:
        """Measure the echo path and whether it is cancelled (every ~0.25 s, off the audio
        threads). The delay is where the mic's envelope best follows the speaker's over the
        last 3 s; past AEC3's reach the far end is held back by the difference. Once AEC3 is
        seen removing the echo the measurement stops: a room does not move mid-session, and
        moving the far end again would make AEC3 start over."""
        if self.ready:
            return
        render = np.array(self._render_env)
        mic_pairs = np.array(self._mic_env)
        n = min(len(render), len(mic_pairs))
        if n < MAX_LAG_FRAMES + 50 or np.count_nonzero(render[-n:] > ACTIVE) < 100:
            return  # not a second of far-end sound yet: nothing to learn from
        render, raw, clean = render[-n:], mic_pairs[-n:, 0], mic_pairs[-n:, 1]
        if raw[render > ACTIVE].mean() < RESIDUAL:
            # The mic hears nothing worth cancelling while the speaker plays (over 3 s: not
            # the last second alone, which may be the quiet after a reply).
            self.ready = True
            return
        lag, score = _best_lag(_onsets(render), _onsets(raw))
        if score < 0.3:
            # The mic does not follow the speaker (room noise, a headset): after two seconds
            # of that there is no echo to learn, if the mic is also no louder while the agent
            # speaks (the envelopes' timing blurs when a loaded machine's devices lose time;
            # energy does not).
            self._uncorrelated += 1
            self.ready = self._uncorrelated >= 8 and not _louder_when_playing(render, raw)
            return
        self._uncorrelated = 0
        steady = self.echo_lag_ms is not None and abs(self.echo_lag_ms - lag * 10.0) <= 30
        self.echo_lag_ms = lag * 10.0
        bulk = max(0, lag - (AEC3_REACH_FRAMES - 15))
        if not steady:
            return  # one more look before acting on it
        if abs(bulk - self.bulk_frames) >= 10:
            log.info("echo path %d ms: holding the far end back %d ms", lag * 10, bulk * 10)
            self.bulk_frames = bulk
            self._settled_at = self.frames_captured + 100  # AEC3 finds it again meanwhile
            return
        if self.frames_captured < self._settled_at:
            return
        echoing = raw[-100:] > ACTIVE
        if np.count_nonzero(echoing) >= 30:
            residual = float(clean[-100:][echoing].mean())
            erle = 10 * np.log10(raw[-100:][echoing].mean() / max(residual, 1.0))
            self.erle_db = float(erle)
            # Removed well, and what is left is below any voice detector's threshold.
            self.ready = bool(erle >= 20.0 and residual < RESIDUAL)

    def _call(self, method: Any, frame: npt.NDArray[np.int16], delay: bool = False) -> Any:
        data = bytearray(frame.astype("<i2").tobytes())
        audio = self._rtc.AudioFrame(data, PCM_RATE, 1, FRAME)
        try:
            with self._lock:
                if delay and self.settings.echo_cancellation:
                    # WebRTC wants the hint before every near-end frame.
                    self._apm.set_stream_delay_ms(self.delay_ms)
                method(audio)
        except Exception:
            self.failures += 1
            if self.failures == 1:
                log.exception("echo cancellation failed; the frame passes unprocessed")
            return frame
        return np.frombuffer(audio.data, dtype=np.int16).copy()


def _louder_when_playing(render: npt.NDArray[np.float64], mic: npt.NDArray[np.float64]) -> bool:
    """Whether the mic is clearly (3 dB) louder while the speaker plays than while it is quiet:
    it hears the speaker, whatever the timing."""
    playing, quiet = render > ACTIVE, render < ACTIVE / 100
    if np.count_nonzero(quiet) < 30:
        return True  # nothing quiet to compare with: assume it does
    return bool(mic[playing].mean() > 2 * np.median(mic[quiet]) + RESIDUAL / 10)


def _energy(frame: npt.NDArray[np.int16]) -> float:
    x = frame.astype(np.float64)
    return float(np.dot(x, x)) / len(x)


def _onsets(energy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Where sound rises, frame by frame (log energy, differenced, rises only): sharper to
    correlate than the envelope itself, whose syllable rhythm gives several peaks."""
    db = 10 * np.log10(np.maximum(energy, ACTIVE / 10))
    rises = np.diff(db, prepend=db[0])
    return np.maximum(rises, 0.0)


def _best_lag(render: npt.NDArray[np.float64], mic: npt.NDArray[np.float64]) -> tuple[int, float]:
    """The lag (frames) at which ``mic`` correlates best with ``render`` earlier, and how well
    (Pearson's r)."""
    best, score = 0, -1.0
    n = len(render)
    for lag in range(min(MAX_LAG_FRAMES, n - 50)):
        x, y = render[: n - lag], mic[lag:]
        sx, sy = x.std(), y.std()
        if sx == 0 or sy == 0:
            continue
        r = float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))
        if r > score:
            best, score = lag, r
    return best, score


def _frames(
    rest: npt.NDArray[np.int16], samples: npt.NDArray[np.int16]
) -> tuple[list[npt.NDArray[np.int16]], npt.NDArray[np.int16]]:
    joined = np.concatenate((rest, samples)) if len(rest) else samples
    whole = len(joined) // FRAME * FRAME
    frames = [joined[i : i + FRAME] for i in range(0, whole, FRAME)]
    return frames, joined[whole:].copy()
