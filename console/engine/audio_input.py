"""The input audio buffer on the session's audio clock: appends, VAD, commits and idle timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .formats import AudioFormat
from .vad import EnergyVad, SpeechStarted, SpeechStopped

# With turn detection on, silence older than this is dropped so an open mic does not grow memory.
_KEEP_SILENCE_MS = 5000
_SEMANTIC_SILENCE_MS = {"low": 1000, "medium": 500, "auto": 500, "high": 300}


@dataclass(frozen=True)
class IdleTimeout:
    audio_start_ms: int
    audio_end_ms: int


InputEvent = SpeechStarted | SpeechStopped | IdleTimeout


class InputAudio:
    """Wire bytes since `start_ms`, plus the VAD; all positions are ms since the session began."""

    def __init__(self, fmt: AudioFormat, turn_detection: dict[str, Any] | None) -> None:
        self.format = fmt
        self.position_ms = 0.0
        self._buffer = bytearray()
        self._carry = b""
        self._start_ms = 0.0
        self._idle_anchor_ms = 0.0
        self.turn_detection = turn_detection
        self.vad = self._make_vad()

    def configure(self, fmt: AudioFormat, turn_detection: dict[str, Any] | None) -> None:
        if fmt != self.format:
            self.format = fmt
            self.clear()
        if turn_detection != self.turn_detection or self.vad is None:
            self.turn_detection = turn_detection
            self.vad = self._make_vad()
            self._idle_anchor_ms = self.position_ms

    def _make_vad(self) -> EnergyVad | None:
        detection = self.turn_detection
        if detection is None:
            return None
        if detection["type"] == "server_vad":
            threshold = float(detection["threshold"])
            padding = int(detection["prefix_padding_ms"])
            silence = int(detection["silence_duration_ms"])
        else:
            threshold, padding = 0.5, 300
            silence = _SEMANTIC_SILENCE_MS[detection.get("eagerness", "auto")]
        return EnergyVad(
            self.format.rate,
            threshold=threshold,
            prefix_padding_ms=padding,
            silence_duration_ms=silence,
            start_ms=self.position_ms,
        )

    @property
    def speaking(self) -> bool:
        return self.vad is not None and self.vad.speaking

    @property
    def buffered_ms(self) -> float:
        return self.format.duration_ms(len(self._buffer))

    def append(self, data: bytes, *, responding: bool) -> list[InputEvent]:
        # A PCM16 sample split across two appends: hold its first byte back until the second comes.
        data = self._carry + data
        cut = len(data) - len(data) % self.format.bytes_per_sample
        data, self._carry = data[:cut], data[cut:]
        self._buffer += data
        self.position_ms += self.format.duration_ms(len(data))
        if self.vad is None:
            return []
        events: list[InputEvent] = list(self.vad.feed(self.format.decode(data)))
        if not self.vad.speaking and not events:
            self._trim(self.position_ms - _KEEP_SILENCE_MS)
        if any(isinstance(e, SpeechStarted | SpeechStopped) for e in events):
            self._idle_anchor_ms = self.position_ms
        idle = (self.turn_detection or {}).get("idle_timeout_ms")
        if (
            idle
            and not responding
            and not self.vad.speaking
            and self.position_ms - self._idle_anchor_ms >= idle
        ):
            events.append(IdleTimeout(int(self._idle_anchor_ms), int(self.position_ms)))
            self._idle_anchor_ms = self.position_ms
        return events

    def hold_idle_until(self, ms: float) -> None:
        """Restart the idle clock at `ms`: the end of the assistant's audio, played in real time."""
        self._idle_anchor_ms = max(self._idle_anchor_ms, ms)

    def take(self, start_ms: float | None = None, end_ms: float | None = None) -> bytes:
        """Audio from start to end (default: all); everything up to end leaves the buffer."""
        first = 0 if start_ms is None else self._offset(start_ms)
        last = len(self._buffer) if end_ms is None else self._offset(end_ms)
        chunk = bytes(self._buffer[first:last])
        del self._buffer[:last]
        self._start_ms += self.format.duration_ms(last)
        return chunk

    def peek(self, start_ms: float, end_ms: float) -> bytes:
        """Audio from start to end, left in the buffer."""
        return bytes(self._buffer[self._offset(start_ms) : self._offset(end_ms)])

    @property
    def start_ms(self) -> float:
        """Where the buffered audio begins."""
        return self._start_ms

    def clear(self) -> None:
        self._start_ms = self.position_ms
        self._buffer.clear()
        self._carry = b""
        # A fresh VAD, so a half-heard word does not leak into the next turn.
        self.vad = self._make_vad()

    def _offset(self, ms: float) -> int:
        step = self.format.bytes_per_sample
        raw = int(max(0.0, ms - self._start_ms) * self.format.bytes_per_ms)
        return min(len(self._buffer), raw - raw % step)

    def _trim(self, before_ms: float) -> None:
        if before_ms > self._start_ms:
            cut = self._offset(before_ms)
            del self._buffer[:cut]
            self._start_ms += self.format.duration_ms(cut)
