"""GA message items as history items, and the typed field reads the server decoder shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .items import AssistantMessageItem, RealtimeItem, SystemMessageItem, UserMessageItem

_STATUSES = frozenset({"in_progress", "completed", "incomplete"})
_USER_PARTS = frozenset({"input_text", "input_audio", "input_image"})
_ASSISTANT_PARTS = {
    "output_text": "text", "text": "text", "output_audio": "audio", "audio": "audio"
}


class MalformedEvent(ValueError):
    """A server event of a known type lacks a field we need, or has one of the wrong type."""


def str_field(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if type(value) is not str:
        raise MalformedEvent(f"field {key!r} must be a string")
    return value


def int_field(data: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if type(value) is not int:
        raise MalformedEvent(f"field {key!r} must be an integer")
    return value


def opt_str_field(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _part_type(part: Any) -> str:
    kind = part.get("type") if isinstance(part, dict) else None
    return kind if isinstance(kind, str) else ""


def message_item(item: Mapping[str, Any], previous: str | None, done: bool) -> RealtimeItem:
    """A GA message item as a history item; ``output_text``/``output_audio`` become text/audio."""
    item_id = str_field(item, "id")
    role = item.get("role")
    parts = item.get("content") or []
    if not isinstance(parts, list):
        raise MalformedEvent("message content must be a list")
    content: list[dict[str, Any]] = []
    if role == "assistant":
        for part in parts:
            kind = _ASSISTANT_PARTS.get(_part_type(part))
            if kind == "text":
                content.append({"type": "text", "text": part.get("text")})
            elif kind == "audio":
                content.append(
                    {"type": "audio", "audio": part.get("audio"),
                     "transcript": part.get("transcript")}
                )
        status = item.get("status")
        if status not in _STATUSES:
            status = "completed" if done else "in_progress"
        return AssistantMessageItem.model_validate(
            {"item_id": item_id, "previous_item_id": previous, "content": content,
             "status": status}
        )
    if role not in ("user", "system"):
        raise MalformedEvent(f"unknown message role {role!r}")
    allowed = _USER_PARTS if role == "user" else frozenset({"input_text"})
    content = [p for p in parts if _part_type(p) in allowed]
    cls = UserMessageItem if role == "user" else SystemMessageItem
    return cls.model_validate(
        {"item_id": item_id, "previous_item_id": previous, "content": content}
    )
