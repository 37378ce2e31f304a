"""Microphone capture: a PortAudio callback stream handing 20 ms chunks to asyncio unblocked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from console.dsp import PCM_RATE, Clock, Resampler, levels_dbfs

from .devices import AudioDevice, AudioDeviceError
from .meters import LevelMeter
from .native_stderr import quiet_stderr
from .stream import DeviceStream

if TYPE_CHECKING:
    import pyaudio

log = logging.getLogger("console.audio.capture")


@dataclass(slots=True)
class CapturedChunk:
    """One chunk of mic audio, 24 kHz mono int16, with what was true when it was captured."""

    samples: npt.NDArray[np.int16]
    rms_db: float
    peak_db: float
    at: float
    """Clock time when the chunk left the audio callback."""
    seq: int
    send: bool
    """Not muted and (VAD mode or push-to-talk held) at capture time."""


class CommitMarker:
    """Queued after the last chunk of a push-to-talk turn: commit once everything before is sent."""

    __slots__ = ()


COMMIT = CommitMarker()


class Capture(DeviceStream):
    """Collects mic chunks from a PortAudio input stream (or from ``push``) into an asyncio queue.

    The callback thread only meters the chunk and calls ``loop.call_soon_threadsafe``; the queue
    is bounded and, when the consumer falls behind, the oldest chunk is dropped (``drops``
    counts them) so the mic never lags further and further behind. ``send_allowed`` is read in
    the callback, so what the user did while a chunk was spoken decides whether it is sent.
    """

    def __init__(
        self,
        *,
        meter: LevelMeter | None = None,
        chunk_frames: int = 480,
        queue_chunks: int = 50,
        clock: Clock = time.monotonic,
        send_allowed: Callable[[], bool] = lambda: True,
        clean: Callable[[npt.NDArray[np.int16]], npt.NDArray[np.int16]] | None = None,
    ) -> None:
        self.meter = meter
        self.clean = clean
        """Echo cancellation (``EchoCanceller.capture``): runs on each chunk before the meter,
        the send decision and the queue, so nothing downstream ever sees the echo."""
        self.input_latency_s = 0.0
        """PortAudio's figure for how long a sample waits between the mic and the callback."""
        self.chunk_frames = chunk_frames
        self.clock = clock
        self.send_allowed = send_allowed
        self.queue_chunks = queue_chunks
        self.drops = 0
        self.chunks_in = 0
        self.last_callback_at: float | None = None
        self.device: AudioDevice | None = None
        self.rate = PCM_RATE
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: deque[CapturedChunk | CommitMarker] = deque()
        self._ready: asyncio.Event | None = None
        self._pending = np.zeros(0, dtype=np.int16)
        self._resampler: Resampler | None = None
        self._stream: pyaudio.Stream | None = None
        self._stopping = False

    # -- asyncio side -------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the loop that consumes chunks (call from that loop's thread)."""
        self._loop = loop
        self._ready = asyncio.Event()

    def _put(self, item: CapturedChunk | CommitMarker) -> None:
        # Runs on the loop thread only, so the deque needs no lock.
        queue = self._queue
        if isinstance(item, CapturedChunk) and len(queue) >= self.queue_chunks:
            # Drop the oldest audio, never a commit marker: a lost commit would leave the turn open.
            for i, old in enumerate(queue):
                if isinstance(old, CapturedChunk):
                    del queue[i]
                    self.drops += 1
                    break
        queue.append(item)
        if self._ready is not None:
            self._ready.set()

    def mark_commit(self) -> None:
        """Queue a commit after the chunks captured so far (loop thread)."""
        self._put(COMMIT)

    async def chunks(self) -> AsyncIterator[CapturedChunk | CommitMarker]:
        """Chunks (and commit markers) in capture order, until the task is cancelled."""
        ready = self._ready
        if ready is None:
            raise RuntimeError("Capture.attach(loop) first")
        while True:
            while not self._queue:
                ready.clear()
                await ready.wait()
            yield self._queue.popleft()

    def drain(self) -> list[CapturedChunk | CommitMarker]:
        """Everything queued right now, without waiting."""
        out = list(self._queue)
        self._queue.clear()
        return out

    @property
    def queued(self) -> int:
        return len(self._queue)

    # -- audio-thread side --------------------------------------------------------------------

    def push(self, data: bytes | npt.NDArray[np.int16]) -> None:
        """Hand captured audio (any length, at the stream's rate) to the loop. Call it from one
        producer thread at a time (the audio callback, or a file reader); it never blocks."""
        samples = np.frombuffer(data, dtype="<i2") if isinstance(data, bytes) else data
        if self._resampler is not None:
            samples = self._resampler.process(samples)
        if len(self._pending):
            samples = np.concatenate((self._pending, samples))
        n = self.chunk_frames
        whole = len(samples) // n * n
        self._pending = samples[whole:].copy()
        for start in range(0, whole, n):
            self._emit(samples[start : start + n].astype(np.int16, copy=True))

    def _emit(self, chunk: npt.NDArray[np.int16]) -> None:
        now = self.clock()
        if self.clean is not None:
            chunk = self.clean(chunk)
        rms, peak = levels_dbfs(chunk)
        if self.meter is not None:
            self.meter.update(rms, peak, now)
        self.chunks_in += 1
        item = CapturedChunk(chunk, rms, peak, now, self.chunks_in, self.send_allowed())
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
            loop.call_soon_threadsafe(self._put, item)

    def _callback(
        self, in_data: bytes | None, frame_count: int, time_info: Any, status: int
    ) -> tuple[None, int]:
        import pyaudio

        self.last_callback_at = self.clock()
        if in_data:
            try:
                self.push(in_data)
            except Exception:  # an exception here would kill PortAudio's thread silently
                log.exception("capture callback failed")
        return None, pyaudio.paComplete if self._stopping else pyaudio.paContinue

    # -- device -------------------------------------------------------------------------------

    def open(
        self, pa: pyaudio.PyAudio, device: AudioDevice | None, force_rate: int | None = None
    ) -> None:
        """Open and start a callback input stream: 24 kHz if the device takes it, else its own
        rate resampled to 24 kHz. Raises AudioDeviceError."""
        import pyaudio

        index = device.index if device is not None else None
        self._stopping = False  # a stream closed before (a device switch) opens again
        errors = []
        for rate in self.candidate_rates(device, force_rate):
            frames = self.chunk_frames * rate // PCM_RATE
            try:
                with quiet_stderr():
                    self._stream = pa.open(
                        format=pyaudio.paInt16,
                        channels=1,
                        rate=rate,
                        input=True,
                        input_device_index=index,
                        frames_per_buffer=frames,
                        stream_callback=self._callback,
                    )
            except Exception as exc:
                errors.append(f"{rate} Hz: {exc}")
                continue
            self.rate = rate
            self._resampler = Resampler(rate, PCM_RATE) if rate != PCM_RATE else None
            self.device = device
            self.last_callback_at = self.clock()
            try:
                self.input_latency_s = float(self._stream.get_input_latency())
            except Exception:
                self.input_latency_s = 0.0
            return
        name = device.name if device is not None else "default input"
        raise AudioDeviceError(f"could not open {name}: {'; '.join(errors)}")
