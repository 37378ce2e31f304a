"""Audio format names of the Realtime API, normalised, and audio lengths in milliseconds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

AudioFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]

_ALIASES: dict[str, AudioFormat] = {
    "pcm16": "pcm16",
    "audio/pcm": "pcm16",
    "pcm": "pcm16",
    "g711_ulaw": "g711_ulaw",
    "audio/pcmu": "g711_ulaw",
    "pcmu": "g711_ulaw",
    "g711_alaw": "g711_alaw",
    "audio/pcma": "g711_alaw",
    "pcma": "g711_alaw",
}

SAMPLE_RATES: dict[AudioFormat, int] = {"pcm16": 24_000, "g711_ulaw": 8_000, "g711_alaw": 8_000}
BYTES_PER_SAMPLE: dict[AudioFormat, int] = {"pcm16": 2, "g711_ulaw": 1, "g711_alaw": 1}
GA_TYPES: dict[AudioFormat, str] = {
    "pcm16": "audio/pcm",
    "g711_ulaw": "audio/pcmu",
    "g711_alaw": "audio/pcma",
}


def normalize_audio_format(value: Any) -> AudioFormat:
    """Map any spelling (``"pcm16"``, ``"audio/pcmu"``, ``{"type": "audio/pcm", "rate": 24000}``,
    ``openai``'s ``AudioPCMU(type="audio/pcmu")``) to one of ``pcm16``, ``g711_ulaw`` or
    ``g711_alaw``. Unknown or missing means ``pcm16``."""
    if isinstance(value, Mapping):
        value = value.get("type")
    elif value is not None and not isinstance(value, str):
        value = getattr(value, "type", None)
    if not isinstance(value, str):
        return "pcm16"
    return _ALIASES.get(value.strip().lower(), "pcm16")


def to_ga_format(value: Any) -> dict[str, Any]:
    """The GA wire form of a format: ``{"type": "audio/pcm", "rate": 24000}`` or
    ``{"type": "audio/pcmu"}``."""
    fmt = normalize_audio_format(value)
    if fmt == "pcm16":
        return {"type": "audio/pcm", "rate": 24_000}
    return {"type": GA_TYPES[fmt]}


def calculate_audio_length_ms(format: Any, audio_bytes: bytes | int) -> float:
    """Duration of ``audio_bytes`` in ms: PCM16 24 kHz is bytes / 48, G.711 8 kHz is bytes / 8."""
    size = audio_bytes if isinstance(audio_bytes, int) else len(audio_bytes)
    fmt = normalize_audio_format(format)
    return size * 1000.0 / (SAMPLE_RATES[fmt] * BYTES_PER_SAMPLE[fmt])


def to_realtime_audio_format(value: Any) -> Any:
    """The SDK's helper: ``openai``'s ``AudioPCM``/``AudioPCMU``/``AudioPCMA`` for any spelling,
    the object itself if it is one already, None for None or an unknown spelling.

    Needs the ``openai`` package (``pip install 'rtconsole[openai]'``); imported only here, so
    the core never pays its import time otherwise."""
    if value is None:
        return None
    if not isinstance(value, str | Mapping):
        return value
    from openai.types.realtime.realtime_audio_formats import AudioPCM, AudioPCMA, AudioPCMU

    kind = value.get("type") if isinstance(value, Mapping) else value
    if not isinstance(kind, str) or kind.strip().lower() not in _ALIASES:
        return None
    fmt = _ALIASES[kind.strip().lower()]
    if fmt == "g711_ulaw":
        return AudioPCMU(type="audio/pcmu")
    if fmt == "g711_alaw":
        return AudioPCMA(type="audio/pcma")
    return AudioPCM(type="audio/pcm", rate=24000)
