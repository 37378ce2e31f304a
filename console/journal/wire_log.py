"""WireLog: the last wire events both ways, redacted, audio summarised, for the inspector."""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .redact import Redactor

CAPACITY = 2000
"""Events kept; older ones drop off, so a long session holds memory flat."""
# Base64 audio fields, by event type: the payload is replaced by its size in bytes.
_AUDIO_FIELDS = {
    "input_audio_buffer.append": "audio",
    "response.output_audio.delta": "delta",
}


@dataclass(frozen=True, slots=True)
class WireEntry:
    """One event on the wire: ``t`` seconds since the log started, ``size`` its JSON length."""

    seq: int
    t: float
    direction: str
    type: str
    size: int
    data: dict[str, Any]

    def pretty(self) -> str:
        return json.dumps(self.data, indent=2, ensure_ascii=False, default=str)

    def text(self) -> str:
        """What a regex filter is matched against: the event as one line of JSON."""
        return json.dumps(self.data, ensure_ascii=False, default=str)


def _decoded_size(payload: str) -> int:
    return len(payload) * 3 // 4 - payload.count("=", -2)


def _summarise(value: Any, audio_field: str | None) -> tuple[Any, int]:
    if isinstance(value, list):
        parts = [_summarise(item, "audio") for item in value]
        return [part for part, _ in parts], sum(size for _, size in parts)
    if not isinstance(value, dict):
        return value, 0
    summary: dict[str, Any] = {}
    payload = 0
    for key, item in value.items():
        if key == audio_field and isinstance(item, str):
            summary[key + "_bytes"] = _decoded_size(item)
            payload += len(item)
        elif isinstance(item, dict | list):
            summary[key], inner = _summarise(item, "audio")
            payload += inner
        else:
            summary[key] = item
    return summary, payload


def summarise_audio(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``data`` with each base64 audio payload (an audio delta's, an appended buffer's, the audio
    of an item's content parts) replaced by ``<field>_bytes``, and the payloads' length in
    characters (0 when there is none)."""
    kind = data.get("type")
    top = _AUDIO_FIELDS.get(kind) if isinstance(kind, str) else None
    if top is None and "item" not in data:
        return data, 0  # the usual small event: nothing to walk
    summary, payload = _summarise(data, top)
    return summary, payload


class WireLog:
    """A bounded ring of wire events. ``record`` is a wire observer (the transport's or replay's);
    secrets go through the same ``Redactor`` the journal uses, before anything is kept."""

    def __init__(
        self,
        redactor: Redactor | None = None,
        *,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redactor = redactor or Redactor()
        self.capacity = capacity
        self._entries: deque[WireEntry] = deque(maxlen=capacity)
        self._clock = clock
        self._started: float | None = None
        self.seq = 0
        """Events recorded so far (also those dropped off the ring)."""
        self.types: set[str] = set()

    def record(self, direction: str, data: dict[str, Any], *, t: float | None = None) -> None:
        """One event; ``t`` (seconds) for journaled ones, else the clock's time since the first."""
        if t is None:
            now = self._clock()
            if self._started is None:
                self._started = now
            t = now - self._started
        summary, payload = summarise_audio(data)
        kind = str(summary.get("type", "?"))
        clean = self.redactor.value(summary)
        # The size on the wire: compact JSON, with the audio payload counted as sent.
        size = len(json.dumps(summary, separators=(",", ":"), default=str)) + payload
        self.seq += 1
        self.types.add(kind)
        self._entries.append(WireEntry(self.seq, t, direction, kind, size, clean))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[WireEntry]:
        return iter(self._entries)

    def since(self, seq: int) -> list[WireEntry]:
        """Entries recorded after ``seq`` (those still in the ring)."""
        missing = self.seq - seq
        if missing <= 0:
            return []
        return list(self._entries)[-missing:] if missing < len(self._entries) else list(self)


@dataclass(frozen=True, slots=True)
class WireFilter:
    """Which entries the inspector shows: one type (or all) and a regex over the event's JSON."""

    type: str | None = None
    pattern: re.Pattern[str] | None = None

    @classmethod
    def build(cls, type: str | None, regex: str) -> WireFilter:
        """Raises ``re.error`` for a bad regex (the inspector says so and keeps the old one)."""
        return cls(type or None, re.compile(regex, re.IGNORECASE) if regex else None)

    def matches(self, entry: WireEntry) -> bool:
        if self.type is not None and entry.type != self.type:
            return False
        return self.pattern is None or self.pattern.search(entry.text()) is not None

    def apply(self, entries: Iterable[WireEntry]) -> list[WireEntry]:
        return [entry for entry in entries if self.matches(entry)]
