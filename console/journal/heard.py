"""What the caller heard of an interrupted reply: played audio mapped onto its transcript."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

Method = Literal["per-delta", "proportional"]
_KEPT_REPLIES = 64  # spoken replies remembered; an interrupt concerns the one playing
_BYTES_PER_MS = {"audio/pcm": 48.0, "audio/pcmu": 8.0, "audio/pcma": 8.0}


@dataclass(frozen=True, slots=True)
class Heard:
    """Of an interrupted reply, ``chars`` characters of its transcript were heard."""

    item_id: str
    chars: int
    played_ms: float
    audio_ms: float
    method: Method


@dataclass(slots=True)
class SpokenReply:
    """One reply's transcript deltas, each placed at the audio received before it arrived.

    A transcript delta arrives alongside the audio that speaks it, so delta ``i`` covers the audio
    from what had been received when it came to what had been received when the next one came.
    When the deltas carry no such spread (the whole transcript came before the audio), the
    mapping falls back to played ms over total audio ms, applied to the characters.
    """

    chars: int = 0
    audio_ms: float = 0.0
    marks: list[tuple[float, int]] = field(default_factory=list)
    """(audio ms received, characters) at the start of each delta."""

    def add_text(self, length: int) -> None:
        self.marks.append((self.audio_ms, self.chars))
        self.chars += length

    def add_audio(self, ms: float) -> None:
        self.audio_ms += ms

    def heard_chars(self, played_ms: float) -> tuple[int, Method]:
        if self.chars == 0 or self.audio_ms <= 0:
            return 0, "proportional"
        played = min(max(played_ms, 0.0), self.audio_ms)
        # Deltas that came together (a sentence's words before its audio) are spoken over the
        # audio up to the next group: keep each group's first mark. Audio before the first delta
        # speaks the first delta's words.
        points: list[tuple[float, int]] = [(0.0, 0)]
        for ms, chars in self.marks:
            if ms > points[-1][0]:
                points.append((ms, chars))
        points.append((self.audio_ms, self.chars))
        # Two points: no delta came after any audio, so this is played over total, in chars.
        method: Method = "proportional" if len(points) == 2 else "per-delta"
        for (start_ms, start), (end_ms, end) in itertools.pairwise(points):
            if played < end_ms:
                span = end_ms - start_ms
                share = (played - start_ms) / span if span > 0 else 0.0
                return start + round((end - start) * share), method
        return self.chars, method


def audio_bytes(data: dict[str, Any]) -> int:
    """Bytes of audio in an output audio delta: its base64 payload, or the journal's count."""
    payload = data.get("delta")
    if isinstance(payload, str):
        return len(payload) * 3 // 4 - payload.count("=", -2)
    counted = data.get("delta_bytes")
    return counted if isinstance(counted, int) else 0


class HeardTracker:
    """Follows the wire (live or journaled) and says, on each truncate the client sends, how much
    of the reply's transcript the caller heard. Sans-I/O: call ``wire`` with every event."""

    def __init__(self) -> None:
        self._replies: OrderedDict[str, SpokenReply] = OrderedDict()
        self._bytes_per_ms = 48.0

    def _reply(self, item_id: str) -> SpokenReply:
        reply = self._replies.get(item_id)
        if reply is None:
            reply = self._replies[item_id] = SpokenReply()
            if len(self._replies) > _KEPT_REPLIES:
                self._replies.popitem(last=False)
        return reply

    def wire(self, direction: str, data: dict[str, Any]) -> Heard | None:
        kind = data.get("type")
        item_id = data.get("item_id")
        if direction == "recv":
            if kind in ("session.created", "session.updated"):
                self._learn_format(data.get("session"))
            elif not isinstance(item_id, str):
                return None
            elif kind == "response.output_audio.delta":
                self._reply(item_id).add_audio(audio_bytes(data) / self._bytes_per_ms)
            elif kind == "response.output_audio_transcript.delta":
                delta = data.get("delta")
                self._reply(item_id).add_text(len(delta) if isinstance(delta, str) else 0)
            return None
        if kind != "conversation.item.truncate" or not isinstance(item_id, str):
            return None
        played = data.get("audio_end_ms")
        reply = self._replies.get(item_id)
        if reply is None or not isinstance(played, int | float):
            return None
        chars, method = reply.heard_chars(float(played))
        return Heard(item_id, chars, float(played), reply.audio_ms, method)

    def _learn_format(self, session: Any) -> None:
        try:
            kind = session["audio"]["output"]["format"]["type"]
        except (KeyError, TypeError):
            return
        self._bytes_per_ms = _BYTES_PER_MS.get(kind, self._bytes_per_ms)


def mark_cuts(entries: list[dict[str, Any]], cuts: list[Heard]) -> None:
    """Give each assistant entry (``{"kind": "assistant", "item_id", "text"}``) that was cut
    ``heard_chars``, ``played_ms`` and ``audio_ms``: how much of its text the caller heard."""
    by_item = {cut.item_id: cut for cut in cuts}
    for entry in entries:
        cut = by_item.get(str(entry.get("item_id")))
        if entry.get("kind") != "assistant" or cut is None:
            continue
        text = entry.get("text")
        length = len(text) if isinstance(text, str) else 0
        entry["heard_chars"] = min(cut.chars, length)
        entry["played_ms"] = round(cut.played_ms)
        entry["audio_ms"] = round(cut.audio_ms)
