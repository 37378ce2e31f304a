"""The audio layer as the console sees it: AudioPort and LevelSource protocols, StaticLevels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

SILENCE_DB = -96.0


@runtime_checkable
class LevelSource(Protocol):
    """Read at the meter's frame rate: plain attributes, so the UI never waits on audio."""

    @property
    def mic_db(self) -> float: ...
    @property
    def speaker_db(self) -> float: ...
    @property
    def muted(self) -> bool: ...
    @property
    def listening(self) -> bool:
        """Mic audio goes out now: not muted, and push-to-talk held (or not in use)."""
    @property
    def user_speaking(self) -> bool: ...
    @property
    def assistant_speaking(self) -> bool: ...


@dataclass(slots=True)
class StaticLevels:
    """Levels held in plain fields: silence by default; tests and benchmarks set them directly."""

    mic_db: float = SILENCE_DB
    speaker_db: float = SILENCE_DB
    muted: bool = False
    listening: bool = True
    user_speaking: bool = False
    assistant_speaking: bool = False


@runtime_checkable
class AudioPort(Protocol):
    """What the console needs from the audio layer; ``None`` means text-only mode.

    ``start`` gets the entered session (to send captured audio); ``on_session_event`` receives
    every session event straight from the bridge's worker, unbuffered. ``available`` going False
    mid-session means the devices were lost (text mode); ``playback_pending`` (read at frame
    rate, so cheap) is reported to the session for its user-inactivity clock.
    """

    @property
    def levels(self) -> LevelSource: ...
    @property
    def available(self) -> bool: ...
    @property
    def playback_pending(self) -> bool: ...
    async def start(self, session: object) -> None: ...
    async def stop(self) -> None: ...
    def on_session_event(self, event: object) -> None: ...
    def interrupt(self) -> None: ...
    def set_muted(self, muted: bool) -> None: ...
    def set_push_to_talk(self, enabled: bool) -> None: ...
