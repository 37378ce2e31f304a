"""The conversation's items in order, with their audio and what the engine heard in them."""

from __future__ import annotations

import base64
from typing import Any

from .errors import ProtocolError
from .formats import AudioFormat
from .items import public
from .policy import message_text

# Audio kept for conversation.item.retrieve/truncate; beyond this the oldest items lose theirs.
AUDIO_BUDGET_BYTES = 64 * 2**20


class ItemStore:
    """Items as the server shows them; audio and transcripts kept beside them by item id."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.audio: dict[str, bytearray] = {}
        self.formats: dict[str, AudioFormat] = {}
        self.transcripts: dict[str, str] = {}  # what the engine heard, configured or not
        self.truncated: set[str] = set()
        self.pending: dict[str, bool] = {}  # audio not transcribed yet -> emit events for it

    def find(self, item_id: Any, param: str = "item_id") -> dict[str, Any]:
        for item in self.items:
            if item["id"] == item_id:
                return item
        raise ProtocolError("item_not_found", f"Item with item_id '{item_id}' not found.", param)

    def has(self, item_id: str) -> bool:
        return any(item["id"] == item_id for item in self.items)

    def last_id(self) -> str | None:
        return self.items[-1]["id"] if self.items else None

    def append(self, item: dict[str, Any]) -> str | None:
        """Add at the end; the id of the item before it."""
        previous = self.last_id()
        self.items.append(item)
        return previous

    def insert(self, item: dict[str, Any], previous_item_id: str | None) -> str | None:
        """Add after `previous_item_id` ("root": first; None: last); the id of the item before."""
        if previous_item_id is None:
            index = len(self.items)
        elif previous_item_id == "root":
            index = 0
        else:
            index = self.items.index(self.find(previous_item_id, "previous_item_id")) + 1
        self.items.insert(index, item)
        return self.items[index - 1]["id"] if index > 0 else None

    def keep_audio(self, item_id: str, audio: bytes, fmt: AudioFormat) -> bytearray:
        self.audio[item_id], self.formats[item_id] = bytearray(audio), fmt
        self.trim_audio()
        return self.audio[item_id]

    def retrieved(self, item_id: Any) -> dict[str, Any]:
        """A copy of the item with its audio, as conversation.item.retrieved shows it."""
        item = public(self.find(item_id))
        audio = self.audio.get(item["id"])
        if audio is not None:
            for part in item.get("content", []):
                if part.get("type") in ("input_audio", "output_audio"):
                    part["audio"] = base64.b64encode(audio).decode("ascii")
        return item

    def delete(self, item_id: Any) -> None:
        item = self.find(item_id)
        if item.get("status") == "in_progress":
            raise ProtocolError(
                "item_in_progress", f"Item '{item['id']}' is still being generated.", "item_id"
            )
        self.items.remove(item)
        for store in (self.audio, self.formats, self.transcripts, self.pending):
            store.pop(item["id"], None)

    def truncate(self, item_id: Any, index: int, end_ms: int, fallback: AudioFormat) -> None:
        item = self.find(item_id)
        if item.get("role") != "assistant":
            raise ProtocolError(
                "invalid_value", "Only assistant message items can be truncated.", "item_id"
            )
        content = item.get("content", [])
        if index >= len(content) or content[index].get("type") != "output_audio":
            raise ProtocolError(
                "invalid_value",
                f"Content part {index} of '{item_id}' has no audio.",
                "content_index",
            )
        audio = self.audio.get(item_id, bytearray())
        fmt = self.formats.get(item_id, fallback)
        length = fmt.duration_ms(len(audio))
        if end_ms > length + 1:
            raise ProtocolError(
                "invalid_value",
                f"Audio content of {length:.0f}ms is already shorter than {end_ms}ms.",
                "audio_end_ms",
            )
        keep = int(end_ms * fmt.bytes_per_ms)
        del audio[keep - keep % fmt.bytes_per_sample :]
        content[index]["transcript"] = ""  # as the API: no text the user did not hear
        self.truncated.add(item_id)

    def trim_audio(self) -> None:
        total = sum(len(a) for a in self.audio.values())
        for item_id in list(self.audio):
            if total <= AUDIO_BUDGET_BYTES:
                break
            if item_id not in self.pending:
                total -= len(self.audio.pop(item_id))

    def context_size(self, items: list[dict[str, Any]]) -> tuple[int, float]:
        """Characters of text and ms of input audio in `items` (for usage figures)."""
        chars, audio_ms = 0, 0.0
        for item in items:
            if item.get("type") == "message":
                chars += len(message_text(item, self.transcripts))
                if item.get("role") == "user" and item["id"] in self.audio:
                    audio_ms += self.formats[item["id"]].duration_ms(len(self.audio[item["id"]]))
            else:
                chars += len(str(item.get("arguments") or item.get("output") or ""))
        return chars, audio_ms
