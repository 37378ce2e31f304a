"""WireLog: the last wire events both ways, redacted, audio summarised, for the inspector."""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from console.journal.redact import Redactor

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


def summarise_audio(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``data`` with a base64 audio payload replaced by ``<field>_bytes``, and the payload's
    length in characters (0 when there is none)."""
    kind = data.get("type")
    name = _AUDIO_FIELDS.get(kind) if isinstance(kind, str) else None
    payload = data.get(name) if name else None
    if name is None or not isinstance(payload, str):
        return data, 0
    summary = {k: v for k, v in data.items() if k != name}
    summary[name + "_bytes"] = len(payload) * 3 // 4 - payload.count("=", -2)
    return summary, len(payload)


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
