"""Acoustic echo cancellation: WebRTC's AEC3 (livekit's AudioProcessingModule) on 10 ms frames."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .codecs import PCM_RATE

log = logging.getLogger("console.audio.echo")

FRAME = PCM_RATE // 100
"""WebRTC's audio processing takes exactly 10 ms per call: 240 samples at 24 kHz."""


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
    output latency plus input latency); AEC3 also estimates the delay itself, which is what
    lets it follow a Bluetooth speaker's few hundred milliseconds.
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

    def set_delay(self, seconds: float) -> None:
        self.delay_ms = max(0, min(500, round(seconds * 1000)))

    def render(self, samples: npt.NDArray[np.int16]) -> None:
        """Far end: a block just handed to the speaker (24 kHz int16, any length)."""
        if not self.settings.echo_cancellation:
            return
        frames, self._render_rest = _frames(self._render_rest, samples)
        for frame in frames:
            self._call(self._apm.process_reverse_stream, frame)
            self.frames_rendered += 1

    def capture(self, samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Near end: mic samples in, the same number of cleaned samples out (24 kHz int16).

        Output lags input by less than one frame when a call's length is not a multiple of
        10 ms; the capture chunks (20 ms) are, so in use nothing lags."""
        frames, self._capture_rest = _frames(self._capture_rest, samples)
        out = [self._call(self._apm.process_stream, frame, delay=True) for frame in frames]
        self.frames_captured += len(out)
        cleaned = np.concatenate(out) if out else np.zeros(0, dtype=np.int16)
        missing = len(samples) - len(cleaned)
        if missing > 0:  # the remainder waits for the next call: keep lengths equal
            cleaned = np.concatenate((np.zeros(missing, dtype=np.int16), cleaned))
        return cleaned[-len(samples) :] if len(samples) else cleaned

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


def _frames(
    rest: npt.NDArray[np.int16], samples: npt.NDArray[np.int16]
) -> tuple[list[npt.NDArray[np.int16]], npt.NDArray[np.int16]]:
    joined = np.concatenate((rest, samples)) if len(rest) else samples
    whole = len(joined) // FRAME * FRAME
    frames = [joined[i : i + FRAME] for i in range(0, whole, FRAME)]
    return frames, joined[whole:].copy()
