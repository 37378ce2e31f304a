"""The echo gate: half duplex for speakers, with an RMS-gated barge-in for a louder voice."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

GateState = Literal["idle", "holding", "open"]


@dataclass(frozen=True, slots=True)
class EchoGateSettings:
    """When mic audio may pass while the agent is talking.

    ``margin_db``: how much louder than the playback (RMS, dB) the mic must be; the speaker's echo
    in the mic is normally well below the playback level, a voice right at the mic is above it.
    ``hold_ms``: how long it must stay that loud before the gate opens (a click or a cough does
    not barge in). ``min_db``: a barge-in must also be at least this loud in absolute terms, so
    room noise during a quiet stretch of playback does not open the gate.
    """

    margin_db: float = 10.0
    hold_ms: float = 60.0
    min_db: float = -50.0
    chunk_ms: float = 20.0

    @property
    def hold_chunks(self) -> int:
        return max(1, math.ceil(self.hold_ms / self.chunk_ms - 1e-9))


class EchoGate(Generic[T]):
    """Decides, chunk by chunk, which mic chunks are sent.

    Without playback every chunk passes. While playback is active a chunk passes only once the
    mic has been ``margin_db`` above the playback level for ``hold_ms``; then the chunks held
    during that time are released too (so the server's VAD hears the start of the word) and the
    gate stays open until playback ends, because the barge-in is about to stop playback anyway.
    Disabled (headset mode) it passes everything. Pure: no clock, no I/O; time is counted in chunks.
    """

    def __init__(self, settings: EchoGateSettings | None = None, *, enabled: bool = True) -> None:
        self.settings = settings or EchoGateSettings()
        self.enabled = enabled
        self._held: list[T] = []
        self._open = False
        self.blocked = 0
        """Chunks dropped because they were (or may have been) echo."""

    @property
    def state(self) -> GateState:
        if self._open:
            return "open"
        if self._held:
            return "holding"
        return "idle"

    def reset(self) -> None:
        self._held.clear()
        self._open = False

    def louder(self, mic_db: float, playback_db: float) -> bool:
        s = self.settings
        return mic_db >= playback_db + s.margin_db and mic_db >= s.min_db

    def process(
        self, chunk: T, mic_db: float, playback_active: bool, playback_db: float
    ) -> list[T]:
        """The chunks to send now (possibly none, possibly held ones followed by this one)."""
        if not self.enabled or not playback_active:
            released = [*self._held, chunk] if self._held and self.enabled else [chunk]
            self.reset()
            return released
        if self._open:
            return [chunk]
        if not self.louder(mic_db, playback_db):
            self.blocked += len(self._held) + 1
            self._held.clear()
            return []
        self._held.append(chunk)
        if len(self._held) < self.settings.hold_chunks:
            return []
        released, self._held = self._held, []
        self._open = True
        return released
