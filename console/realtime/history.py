"""The session's conversation history: ordered items with O(1) lookup, append and update.

The SDK rebuilds (or copies) its history list for every streamed transcript delta, so each delta
costs O(history length). Here items live in a list plus an ``item_id -> item`` index; deltas and
updates mutate the item object in place and appends keep the position index current, so each of
them is O(1). Only inserting in the middle (an item whose ``previous_item_id`` is not the last
item) and deleting shift positions: those are O(n), are rare in a realtime conversation (the
server adds items at the end), and mark the position index stale from the shifted point on; it
is rebuilt lazily, from that point, the next time a position is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from .items import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputAudio,
    InputImage,
    RealtimeItem,
    RealtimeToolCallItem,
    UserMessageItem,
)

_FILLABLE = ("transcript", "text", "audio", "image_url")
MAX_STRAY_ITEMS = 64
"""Items created by deltas for ids never announced (by ``conversation.item.added`` or
``response.output_item.added``) kept at once; past it the oldest such item is dropped."""


class HistoryView(Sequence[RealtimeItem]):
    """A live, read-only view of a session's history (no copy is made; it changes as the
    conversation goes on). Items are the session's own objects: treat them as read-only."""

    __slots__ = ("_by_id", "_items", "_position")

    def __init__(
        self,
        items: list[RealtimeItem],
        by_id: dict[str, RealtimeItem],
        position: Callable[[str], int],
    ) -> None:
        # The history's own list and index (never rebound), read, never written, here.
        self._items = items
        self._by_id = by_id
        self._position = position

    @overload
    def __getitem__(self, index: int) -> RealtimeItem: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RealtimeItem]: ...

    def __getitem__(self, index: int | slice) -> RealtimeItem | Sequence[RealtimeItem]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[RealtimeItem]:
        return iter(self._items)

    def __contains__(self, value: object) -> bool:
        item_id = getattr(value, "item_id", None)
        return isinstance(item_id, str) and self._by_id.get(item_id) is value

    def get(self, item_id: str) -> RealtimeItem | None:
        """The item with this id, in O(1)."""
        return self._by_id.get(item_id)

    def index_of(self, item_id: str) -> int:
        """The position of the item with this id (ValueError if absent)."""
        return self._position(item_id)

    def __repr__(self) -> str:
        return f"HistoryView({len(self)} items)"


class History:
    """Mutable storage behind a session's history; only the session writes to it."""

    __slots__ = ("_by_id", "_items", "_pos", "_stale_from", "_strays", "view")

    def __init__(self) -> None:
        # Items created by a delta for an id the server never announced, oldest first: past
        # MAX_STRAY_ITEMS the oldest goes, so a misbehaving server cannot grow the history.
        self._strays: dict[str, None] = {}
        self._items: list[RealtimeItem] = []
        self._by_id: dict[str, RealtimeItem] = {}
        self._pos: dict[str, int] = {}
        self._stale_from: int | None = None
        self.view = HistoryView(self._items, self._by_id, self.position)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, item_id: str) -> RealtimeItem | None:
        return self._by_id.get(item_id)

    def position(self, item_id: str) -> int:
        if item_id not in self._by_id:
            raise ValueError(f"no item {item_id!r} in history")
        stale = self._stale_from
        pos = self._pos.get(item_id)
        if stale is not None and (pos is None or pos >= stale):
            for i in range(stale, len(self._items)):
                self._pos[self._items[i].item_id] = i
            self._stale_from = None
            pos = self._pos[item_id]
        assert pos is not None
        return pos

    def _mark_stale(self, index: int) -> None:
        if self._stale_from is None or index < self._stale_from:
            self._stale_from = index

    def append(self, item: RealtimeItem) -> None:
        self._pos[item.item_id] = len(self._items)
        self._items.append(item)
        self._by_id[item.item_id] = item

    def add(self, item: RealtimeItem) -> None:
        """Add a new item after its ``previous_item_id`` when that is known, else at the end."""
        prev = item.previous_item_id
        if prev is None or prev not in self._by_id or self._items[-1].item_id == prev:
            self.append(item)
            return
        index = self.position(prev) + 1
        self._items.insert(index, item)
        self._by_id[item.item_id] = item
        self._pos[item.item_id] = index
        self._mark_stale(index + 1)

    def replace(self, old: RealtimeItem, new: RealtimeItem) -> None:
        self._items[self.position(old.item_id)] = new
        self._by_id[new.item_id] = new

    def delete(self, item_id: str) -> RealtimeItem | None:
        if item_id not in self._by_id:
            return None
        self._strays.pop(item_id, None)
        index = self.position(item_id)
        item = self._items.pop(index)
        del self._by_id[item_id]
        del self._pos[item_id]
        if index < len(self._items):
            self._mark_stale(index)
        return item

    def upsert(self, incoming: RealtimeItem) -> tuple[RealtimeItem, bool]:
        """Add ``incoming`` or merge it into the item with the same id; returns the stored item
        and whether it is new. Merging never drops a transcript, text or tool output that was
        already known when the update lacks it."""
        self._strays.pop(incoming.item_id, None)  # announced: no longer a stray
        existing = self._by_id.get(incoming.item_id)
        if existing is None:
            self.add(incoming)
            return incoming, True
        if type(existing) is not type(incoming):
            self.replace(existing, incoming)
            return incoming, False
        merge_into(existing, incoming)
        return existing, False

    # --- streamed text, O(1) in the history length -------------------------------------------

    def append_transcript(self, item_id: str, delta: str) -> tuple[RealtimeItem, bool]:
        """Append an assistant audio transcript delta; creates the item if it is unknown."""
        item = self._by_id.get(item_id)
        if item is None:
            new = AssistantMessageItem(
                item_id=item_id, status="in_progress", content=[AssistantAudio(transcript=delta)]
            )
            self._append_stray(new)
            return new, True
        content = getattr(item, "content", None)
        if content is not None:
            for part in content:
                if part.type == "audio" or part.type == "input_audio":
                    part.transcript = delta if part.transcript is None else part.transcript + delta
                    return item, False
            if isinstance(item, AssistantMessageItem):
                content.append(AssistantAudio(transcript=delta))
        return item, False

    def append_text(self, item_id: str, delta: str) -> tuple[RealtimeItem, bool]:
        """Append an assistant text delta; creates the item if it is unknown."""
        item = self._by_id.get(item_id)
        if item is None:
            new = AssistantMessageItem(
                item_id=item_id, status="in_progress", content=[AssistantText(text=delta)]
            )
            self._append_stray(new)
            return new, True
        if isinstance(item, AssistantMessageItem):
            for part in item.content:
                if part.type == "text":
                    part.text = delta if part.text is None else part.text + delta
                    return item, False
            item.content.append(AssistantText(text=delta))
        return item, False

    def _append_stray(self, item: RealtimeItem) -> None:
        self.append(item)
        self._strays[item.item_id] = None
        if len(self._strays) > MAX_STRAY_ITEMS:
            oldest = next(iter(self._strays))
            del self._strays[oldest]
            self.delete(oldest)

    def set_user_transcript(self, item_id: str, transcript: str) -> tuple[RealtimeItem, bool]:
        """Fill the transcript of a user's audio message; creates the item if it is unknown
        (as an ``InputAudio`` part with the transcript, where the SDK makes it ``InputText``:
        it was spoken, and the item arriving later merges into it)."""
        item = self._by_id.get(item_id)
        if item is None:
            new = UserMessageItem(
                item_id=item_id, content=[InputAudio(transcript=transcript)]
            )
            self._append_stray(new)
            return new, True
        if isinstance(item, UserMessageItem):
            filled = False
            for part in item.content:
                if part.type == "input_audio":
                    part.transcript = transcript
                    filled = True
            if not filled:
                item.content.append(InputAudio(transcript=transcript))
        return item, False


def _known(value: Any) -> bool:
    return value is not None and value != ""


def _merge_part(old: Any, new: Any) -> Any:
    if old is None or old.type != new.type:
        return new
    for name in _FILLABLE:
        if name not in type(new).model_fields:
            continue
        old_value, new_value = getattr(old, name), getattr(new, name)
        if not _known(old_value):
            continue
        if not _known(new_value) or (
            # A stale snapshot of a transcript still being streamed: keep the longer one.
            isinstance(new_value, str)
            and len(new_value) < len(old_value)
            and old_value.startswith(new_value)
        ):
            setattr(new, name, old_value)
    return new


def merge_into(existing: RealtimeItem, incoming: RealtimeItem) -> None:
    """Copy ``incoming``'s fields onto ``existing`` (same class), keeping known content."""
    if isinstance(existing, RealtimeToolCallItem) and isinstance(incoming, RealtimeToolCallItem):
        for name in type(incoming).model_fields:
            value = getattr(incoming, name)
            if name in ("output", "arguments", "name", "call_id") and not _known(value):
                continue
            if name == "previous_item_id" and value is None:
                continue
            setattr(existing, name, value)
        return
    old_content: list[Any] = list(getattr(existing, "content", []))
    new_content: list[Any] = list(getattr(incoming, "content", []))
    if not new_content:
        content = old_content
    else:
        content = [
            _merge_part(old_content[i] if i < len(old_content) else None, part)
            for i, part in enumerate(new_content)
        ]
        # Images a later snapshot omits are still part of what the user sent.
        urls = {p.image_url for p in content if isinstance(p, InputImage)}
        missing = [p for p in old_content if isinstance(p, InputImage) and p.image_url not in urls]
        content = missing + content
    for name in type(incoming).model_fields:
        if name == "content":
            continue
        value = getattr(incoming, name)
        if name in ("previous_item_id", "status") and value is None:
            continue
        setattr(existing, name, value)
    if incoming.model_extra:
        for key, value in incoming.model_extra.items():
            setattr(existing, key, value)
    existing.content = content  # type: ignore[union-attr]
