"""Typed session events for what the server says about the caller's audio and the audio settings.

The SDK passes these server events on only as raw model events; the console needs them (speech
started and stopped, a committed turn, a failed transcription, the formats and turn detection in
force), and decoding
them here keeps the protocol's names inside the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .events import (
    RealtimeAudioSettings,
    RealtimeEventInfo,
    RealtimeInputAudioCommitted,
    RealtimeSessionEvent,
    RealtimeUserSpeechStarted,
    RealtimeUserSpeechStopped,
    RealtimeUserTranscriptFailed,
)


def signal_of(data: Any, info: RealtimeEventInfo) -> RealtimeSessionEvent | None:
    """The typed event for a raw server event ``data`` (a dict), or None if it is not one."""
    if not isinstance(data, Mapping):
        return None
    kind = data.get("type")
    item_id = _str(data.get("item_id"))
    if kind == "input_audio_buffer.speech_started":
        return RealtimeUserSpeechStarted(item_id, _int(data.get("audio_start_ms")), info)
    if kind == "input_audio_buffer.speech_stopped":
        return RealtimeUserSpeechStopped(item_id, _int(data.get("audio_end_ms")), info)
    if kind == "input_audio_buffer.committed":
        return RealtimeInputAudioCommitted(item_id, info)
    if kind == "conversation.item.input_audio_transcription.failed":
        return RealtimeUserTranscriptFailed(item_id, data.get("error"), info)
    if kind in ("session.created", "session.updated"):
        return _audio_settings(data.get("session"), info)
    return None


def _audio_settings(session: Any, info: RealtimeEventInfo) -> RealtimeAudioSettings | None:
    audio = session.get("audio") if isinstance(session, Mapping) else None
    if not isinstance(audio, Mapping):
        return None
    inp, out = audio.get("input"), audio.get("output")
    inp = inp if isinstance(inp, Mapping) else {}
    out = out if isinstance(out, Mapping) else {}
    turns = inp.get("turn_detection") is not None if "turn_detection" in inp else None
    return RealtimeAudioSettings(inp.get("format"), out.get("format"), turns, info)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
