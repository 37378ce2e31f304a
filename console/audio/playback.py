"""Speaker playback: a jitter buffer drained by a PortAudio callback, reporting what it played."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from console.dsp import PCM_RATE, Clock, Resampler, levels_dbfs
from console.realtime.audio_formats import calculate_audio_length_ms
from console.realtime.model import RealtimePlaybackTracker

from .codecs import WireDecoder
from .devices import AudioDevice, AudioDeviceError
from .jitter import ItemKey, JitterBuffer
from .meters import LevelMeter
from .native_stderr import quiet_stderr
from .stream import DeviceStream

if TYPE_CHECKING:
    import pyaudio

log = logging.getLogger("console.audio.playback")

FINISHED = -1
"""A report meaning "this item was played to its end" (in place of a sample count)."""


class Playback(DeviceStream):
    """Plays the session's audio events on an output device.

    ``feed`` (loop thread) decodes a chunk (PCM16, or G.711 upsampled to 24 kHz) into the jitter
    buffer; PortAudio's callback thread takes ``period`` samples at a time. The callback period is
    shorter than the 20 ms protocol chunk (5 ms by default) because an interrupt can only silence
    what has not yet been handed to the device: small periods keep interrupt-to-silence short.

    What the callback hands to the device is reported to the ``RealtimePlaybackTracker``: the
    reports are queued by the audio thread and applied on the event loop (the thread that reads
    ``get_state`` for truncation), one ``call_soon_threadsafe`` per burst. PCM16 sessions report
    with ``on_play_bytes`` (24 kHz PCM16 bytes are exactly what the device took); G.711 sessions
    with ``on_play_ms``, because one device block does not hold a whole number of G.711 bytes.
    Once an item has been played to its end the tracker is brought to (just past) the item's
    length as the session received it, so a finished reply never looks cut short.
    """

    direction = "output"

    def __init__(
        self,
        *,
        tracker: RealtimePlaybackTracker | None = None,
        meter: LevelMeter | None = None,
        audio_format: str | Mapping[str, Any] | None = "pcm16",
        chunk_frames: int = 480,
        jitter_chunks: int = 3,
        period_frames: int = 120,
        fade_frames: int = 120,
        clock: Clock = time.monotonic,
    ) -> None:
        self.tracker = tracker
        self.meter = meter
        self.clock = clock
        self.period_frames = period_frames
        self.buffer = JitterBuffer(chunk_frames * jitter_chunks, fade=fade_frames)
        self.decoder = WireDecoder(audio_format)
        self.device: AudioDevice | None = None
        self.rate = PCM_RATE
        self.output_latency_s = 0.0
        """PortAudio's figure for how long a handed sample waits before it sounds."""
        self.dac_latency_s = 0.0
        """The latest block's wait before it sounds, from the callback's timing info."""
        self.last_callback_at: float | None = None
        self.sounding_until = 0.0
        """Clock time until which audio already handed to the device is still coming out."""
        self.callbacks = 0
        self.device_underflows = 0
        """Blocks PortAudio flagged as an output underflow: the device ran dry before the
        callback came (a starved thread on a loaded machine), so some audio was lost there."""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reports: deque[tuple[ItemKey, int]] = deque()
        self._received_ms: dict[ItemKey, float] = {}
        """Per item still playing: its length as the transport counts it (ms of each delta)."""
        self._flush_scheduled = False
        self._stream: pyaudio.Stream | None = None
        self._stopping = False
        self._resampler: Resampler | None = None
        self._device_fifo = np.zeros(0, dtype=np.int16)
        self._decoding: ItemKey | None = None
        self.on_played: Callable[[npt.NDArray[np.int16]], None] | None = None
        """Called in the audio thread with each block that carried audio (a recording's
        speaker track); it must only hand the block on, never block."""
        self.on_render: Callable[[npt.NDArray[np.int16]], None] | None = None
        """Called in the audio thread with every block handed to the device, silence included
        (the echo canceller's far end, which must follow the device's clock)."""

    # -- loop side ----------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def set_audio_format(self, audio_format: str | Mapping[str, Any] | None) -> None:
        self.decoder = WireDecoder(audio_format)

    def feed(self, data: bytes, item_id: str, content_index: int) -> bool:
        """Queue one audio delta. False if its item was interrupted (the chunk is dropped)."""
        key = (item_id, content_index)
        with self._lock:
            if self.buffer.is_interrupted(key):
                self.buffer.late_dropped += 1
                return False
        # Counted as the transport counts what it received: the ms of each delta, summed.
        if key not in self._received_ms and len(self._received_ms) >= 64:
            del self._received_ms[next(iter(self._received_ms))]  # never finished: a closed device
        self._received_ms[key] = self._received_ms.get(key, 0.0) + calculate_audio_length_ms(
            self.decoder.format, len(data)
        )
        # The decoder is only touched on the loop thread, so decoding needs no lock.
        if key != self._decoding:
            self.decoder.reset()
            self._decoding = key
        samples = self.decoder.decode(data)
        with self._lock:
            return self.buffer.push(key, samples)

    def end(self, item_id: str, content_index: int) -> None:
        """The item's audio is complete (audio_end / audio_done)."""
        key = (item_id, content_index)
        tail = np.zeros(0, dtype=np.int16)
        if key == self._decoding:  # the end of another item leaves the current decode alone
            tail = self.decoder.flush()
            self._decoding = None
        with self._lock:
            if len(tail) and not self.buffer.is_interrupted(key):
                self.buffer.push(key, tail)
            self.buffer.end(key)

    def interrupt(self, item_id: str | None = None, content_index: int | None = None) -> bool:
        """Fade out within one period and drop the queue: one item (server's audio_interrupted)
        or everything (local interrupt). Later chunks of those items are never played."""
        key = None if item_id is None else (item_id, content_index or 0)
        with self._lock:
            stopped = self.buffer.interrupt(key)
        if key is None:
            self._received_ms.clear()
        else:
            self._received_ms.pop(key, None)
        if self.tracker is not None:
            # Reported now, so the truncate is built from what was really heard; the transport
            # calls the tracker's on_interrupted() (which clears it, as in the SDK) after that.
            self.flush_reports()
        return stopped

    @property
    def pending(self) -> bool:
        """Anything queued, being played, or still sounding from the device's buffer."""
        return self.buffer.pending or self.clock() < self.sounding_until

    @property
    def underruns(self) -> int:
        return self.buffer.underruns

    def flush_reports(self) -> None:
        """Apply queued played-audio reports to the tracker now (loop thread)."""
        self._flush_scheduled = False
        tracker = self.tracker
        while self._reports:
            (item_id, index), samples = self._reports.popleft()
            if samples == FINISHED:
                self._heard_to_the_end((item_id, index))
                continue
            if tracker is None:
                continue
            if self.decoder.format == "pcm16":
                tracker.on_play_bytes(item_id, index, samples * 2)
            else:
                tracker.on_play_ms(item_id, index, samples * 1000.0 / PCM_RATE)

    def _heard_to_the_end(self, key: ItemKey) -> None:
        received = self._received_ms.pop(key, None)
        tracker = self.tracker
        if tracker is None or received is None:
            return
        state = tracker.get_state()
        if (state["current_item_id"], state["current_item_content_index"]) != key:
            return  # none of it was played (an item without audio)
        rest = received - (state["elapsed_ms"] or 0.0)
        tracker.on_play_ms(key[0], key[1], max(rest, 0.0))

    # -- audio-thread side --------------------------------------------------------------------

    def render(self, frames: int) -> npt.NDArray[np.int16]:
        """The next ``frames`` samples at the device rate (the callback's work; thread-safe)."""
        if self._resampler is None:
            return self._take(frames)
        while len(self._device_fifo) < frames:
            block = self._resampler.process(self._take(self.period_frames))
            self._device_fifo = np.concatenate((self._device_fifo, block))
        out, self._device_fifo = self._device_fifo[:frames], self._device_fifo[frames:]
        return out

    def _take(self, n: int) -> npt.NDArray[np.int16]:
        with self._lock:
            out, played = self.buffer.read(n)
            playing = self.buffer.pending
            ends = self.buffer.finished
            finished = [(ends.popleft(), FINISHED) for _ in range(len(ends))]
        if played or finished:
            self._report(played + finished)
        if played and self.on_played is not None:
            try:
                self.on_played(out)
            except Exception:
                log.exception("on_played callback failed")
        if self.on_render is not None:
            try:
                self.on_render(out)
            except Exception:
                log.exception("on_render callback failed")
        if self.meter is not None and (played or playing):
            rms, peak = levels_dbfs(out)
            self.meter.update(rms, peak)
        return out

    def _report(self, played: list[tuple[ItemKey, int]]) -> None:
        self._reports.extend(played)
        loop = self._loop
        if self._flush_scheduled or loop is None or loop.is_closed():
            return
        self._flush_scheduled = True
        try:
            loop.call_soon_threadsafe(self.flush_reports)
        except RuntimeError:
            self._flush_scheduled = False

    def _callback(
        self, in_data: bytes | None, frame_count: int, time_info: Mapping[str, float], status: int
    ) -> tuple[bytes, int]:
        import pyaudio

        now = self.clock()
        self.last_callback_at = now
        self.callbacks += 1
        if status & pyaudio.paOutputUnderflow:
            self.device_underflows += 1
        try:
            out = self.render(frame_count)
        except Exception:
            log.exception("playback callback failed")
            out = np.zeros(frame_count, dtype=np.int16)
        if out.any():
            latency = time_info.get("output_buffer_dac_time", 0.0) - time_info.get(
                "current_time", 0.0
            )
            latency = latency if 0.0 < latency < 1.0 else self.output_latency_s
            self.dac_latency_s = latency
            self.sounding_until = now + latency + frame_count / self.rate
        code = pyaudio.paComplete if self._stopping else pyaudio.paContinue
        return out.astype("<i2").tobytes(), code

    # -- device -------------------------------------------------------------------------------

    def open(
        self, pa: pyaudio.PyAudio, device: AudioDevice | None, force_rate: int | None = None
    ) -> None:
        """Open and start a callback output stream at 24 kHz (or the device's rate, resampled).
        Raises AudioDeviceError."""
        import pyaudio

        index = device.index if device is not None else None
        self._stopping = False  # a stream closed before (a device switch) opens again
        errors = []
        for rate in self.candidate_rates(device, force_rate):
            frames = max(1, self.period_frames * rate // PCM_RATE)
            self.rate = rate
            self._resampler = Resampler(PCM_RATE, rate) if rate != PCM_RATE else None
            try:
                with quiet_stderr():
                    stream = pa.open(
                        format=pyaudio.paInt16,
                        channels=1,
                        rate=rate,
                        output=True,
                        output_device_index=index,
                        frames_per_buffer=frames,
                        stream_callback=self._callback,
                    )
            except Exception as exc:
                errors.append(f"{rate} Hz: {exc}")
                continue
            self._stream = stream
            self.device = device
            self.last_callback_at = self.clock()
            try:
                self.output_latency_s = float(stream.get_output_latency())
            except Exception:
                self.output_latency_s = 0.0
            return
        self.rate, self._resampler = PCM_RATE, None
        name = device.name if device is not None else "default output"
        raise AudioDeviceError(f"could not open {name}: {'; '.join(errors)}")
