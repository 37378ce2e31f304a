"""The mic pump: captured chunks through mute, push-to-talk and half duplex to the session."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import numpy as np

from console.dsp import Clock

from .capture import Capture, CapturedChunk, CommitMarker
from .codecs import PCM_RATE, WireEncoder

log = logging.getLogger("console.audio.mic_pump")

SendAudio = Callable[..., Awaitable[Any]]
"""``session.send_audio``: called as ``send_audio(data)``, and ``send_audio(data, commit=True)``
to end a push-to-talk turn when no ``commit`` callback is given."""
Commit = Callable[[], Awaitable[Any]]
HoldMic = Callable[[CapturedChunk], bool]
"""True for a chunk that must not go out: half duplex while the agent's voice may be sounding,
or echo the canceller left in it."""


class MicPump:
    """Reads a Capture's queue on the event loop and awaits ``send_audio(bytes)`` per chunk.

    Chunks captured while muted, or outside push-to-talk, were flagged then and are skipped;
    in half duplex (``hold_mic``) chunks are dropped while the agent may be heard (``held``
    counts them); a commit marker awaits ``commit()``, or without one
    ``send_audio(<20 ms of silence>, commit=True)``. A failing ``send_audio`` (a
    closed session) is logged and counted, never raised: the mic outlives a connection.
    ``latencies`` keeps, per sent chunk, the seconds between the audio callback and the send.
    """

    def __init__(
        self,
        capture: Capture,
        send_audio: SendAudio,
        commit: Commit | None = None,
        *,
        hold_mic: HoldMic = lambda chunk: False,
        audio_format: str | Mapping[str, Any] | None = "pcm16",
        clock: Clock = time.monotonic,
    ) -> None:
        self.capture = capture
        self.send_audio = send_audio
        self.commit = commit
        self.hold_mic = hold_mic
        self.held = 0
        self.encoder = WireEncoder(audio_format)
        self.clock = clock
        self.sent = 0
        self.bytes_sent = 0
        self.sent_ms = 0.0
        """Mic audio sent, in ms: the server's input-audio clock (its ``audio_end_ms``)."""
        self.skipped = 0
        self.commits = 0
        self.failures = 0
        self.latencies: deque[float] = deque(maxlen=3000)

    def set_audio_format(self, audio_format: str | Mapping[str, Any] | None) -> None:
        self.encoder = WireEncoder(audio_format)

    async def run(self) -> None:
        """Pump until cancelled."""
        async for item in self.capture.chunks():
            await self.handle(item)

    async def handle(self, item: CapturedChunk | CommitMarker) -> None:
        if isinstance(item, CommitMarker):
            await self._commit()
            return
        if not item.send:
            self.skipped += 1
            return
        if self.hold_mic(item):
            self.held += 1
            return
        await self._send(item)

    async def _send(self, chunk: CapturedChunk) -> None:
        data = self.encoder.encode(chunk.samples)
        try:
            await self.send_audio(data)
        except Exception as exc:
            self.failures += 1
            if self.failures == 1 or self.failures % 500 == 0:
                log.warning("sending mic audio failed (%d so far): %s", self.failures, exc)
            return
        self.latencies.append(self.clock() - chunk.at)
        self.sent += 1
        self.bytes_sent += len(data)
        self.sent_ms += len(chunk.samples) * 1000.0 / PCM_RATE

    async def _commit(self) -> None:
        try:
            if self.commit is not None:
                await self.commit()
            else:
                # session.send_audio(..., commit=True): a 20 ms silent tail carries the commit,
                # so an empty audio append is never sent.
                silence = np.zeros(self.capture.chunk_frames, dtype=np.int16)
                await self.send_audio(self.encoder.encode(silence), commit=True)
            self.commits += 1
        except Exception as exc:
            self.failures += 1
            log.warning("committing the push-to-talk turn failed: %s", exc)
