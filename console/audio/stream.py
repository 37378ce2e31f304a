"""DeviceStream: what capture and playback share about an open PyAudio stream."""

from __future__ import annotations

import logging
import threading
from typing import Any

from .codecs import PCM_RATE
from .devices import AudioDevice
from .native_stderr import quiet_stderr

log = logging.getLogger(__name__)


class DeviceStream:
    """Health checks and closing of one PyAudio stream; subclasses open ``_stream``."""

    direction = "input"
    _stream: Any = None
    _stopping = False
    last_callback_at: float | None = None

    @staticmethod
    def candidate_rates(device: AudioDevice | None, force_rate: int | None) -> list[int]:
        """Rates to try opening at: 24 kHz first (no resampling), then the device's own."""
        if force_rate:
            return [force_rate]
        rates = [PCM_RATE]
        if device is not None and int(device.default_sample_rate) != PCM_RATE:
            rates.append(int(device.default_sample_rate))
        return rates

    def health(self, now: float, stall_s: float = 3.0) -> str | None:
        """Why the stream is dead, or None while its device keeps calling back."""
        stream = self._stream
        if stream is None or self._stopping:
            return None
        try:
            active = stream.is_active()
        except Exception as exc:
            return f"{self.direction} stream failed: {exc}"
        if not active:
            return f"{self.direction} device stopped"
        if self.last_callback_at is not None and now - self.last_callback_at > stall_s:
            return f"{self.direction} device stalled"
        return None

    _closer: threading.Thread | None = None

    def close(self) -> None:
        stream = self._detach()
        if stream is not None:
            with quiet_stderr():
                self._shut(stream)

    def abandon(self) -> None:
        """Close a stream whose device is gone, without waiting for it: when the sound server
        itself vanished, PortAudio's stop can block for good, and the caller is the event loop."""
        stream = self._detach()
        if stream is None:
            return
        self._closer = threading.Thread(
            target=self._shut, args=(stream,), name=f"rtconsole-{self.direction}-close", daemon=True
        )
        self._closer.start()

    @property
    def closing(self) -> bool:
        """An abandoned stream is still being closed (PortAudio must not be terminated yet)."""
        return self._closer is not None and self._closer.is_alive()

    def _detach(self) -> Any:
        """The open stream, no longer this object's (health checks stop seeing it)."""
        self._stopping = True
        stream, self._stream = self._stream, None
        return stream

    def _shut(self, stream: Any) -> None:
        try:
            stream.stop_stream()
            stream.close()
        except Exception:
            log.debug("closing the %s stream failed", self.direction, exc_info=True)
