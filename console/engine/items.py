"""Items from `conversation.item.create`: validated and given the server's full shape."""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from .errors import ProtocolError, missing_parameter

_PART_TYPES = {
    "user": ("input_text", "input_audio", "input_image"),
    "system": ("input_text",),
    "assistant": ("output_text", "output_audio"),
}


def _string(data: dict[str, Any], key: str, param: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise missing_parameter(f"{param}.{key}")
        return None
    if not isinstance(value, str):
        raise ProtocolError(
            "invalid_type",
            f"Invalid type for '{param}.{key}': expected a string.",
            f"{param}.{key}",
        )
    return value


def decode_audio(value: str, param: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(
            "invalid_value", f"Invalid '{param}': expected base64-encoded audio.", param
        ) from None


def _part(part: Any, role: str, param: str, audio: list[bytes]) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise ProtocolError(
            "invalid_type", f"Invalid type for '{param}': expected an object.", param
        )
    kind = part.get("type")
    allowed = _PART_TYPES[role]
    if kind not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ProtocolError(
            "invalid_value",
            f"Invalid value: {kind!r}. Supported values for {role} content are: {shown}.",
            f"{param}.type",
        )
    if kind in ("input_text", "output_text"):
        return {"type": kind, "text": _string(part, "text", param)}
    if kind == "input_audio":
        encoded = _string(part, "audio", param, required=False)
        if encoded is not None:
            # Kept aside: events show the transcript only; item.retrieve adds the audio.
            audio.append(decode_audio(encoded, f"{param}.audio"))
        return {"type": kind, "transcript": _string(part, "transcript", param, required=False)}
    if kind == "input_image":
        return {
            "type": kind,
            "image_url": _string(part, "image_url", param),
            "detail": part.get("detail", "auto"),
        }
    return {"type": kind, "transcript": _string(part, "transcript", param, required=False) or ""}


def normalise_item(item: Any, item_id: str) -> tuple[dict[str, Any], bytes | None]:
    """The item as the server shows it, and its input audio if any; ProtocolError if invalid."""
    param = "item"
    if not isinstance(item, dict):
        raise ProtocolError("invalid_type", "Invalid type for 'item': expected an object.", param)
    kind = item.get("type")
    if kind == "message":
        role = item.get("role")
        if role not in _PART_TYPES:
            raise ProtocolError(
                "invalid_value",
                f"Invalid value: {role!r}. Supported values are: 'user', 'assistant', 'system'.",
                "item.role",
            )
        content = item.get("content")
        if not isinstance(content, list):
            raise missing_parameter("item.content")
        audio: list[bytes] = []
        parts = [_part(p, role, f"item.content[{i}]", audio) for i, p in enumerate(content)]
        message = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": role,
            "content": parts,
        }
        return message, (b"".join(audio) if audio else None)
    if kind == "function_call":
        return {
            "id": item_id,
            "type": "function_call",
            "status": "completed",
            "name": _string(item, "name", param),
            "call_id": _string(item, "call_id", param),
            "arguments": _string(item, "arguments", param, required=False) or "",
        }, None
    if kind == "function_call_output":
        return {
            "id": item_id,
            "type": "function_call_output",
            "call_id": _string(item, "call_id", param),
            "output": _string(item, "output", param),
        }, None
    raise ProtocolError(
        "invalid_value",
        f"Invalid value: {kind!r}. Supported values are: 'message', 'function_call', "
        "'function_call_output'.",
        "item.type",
    )


def public(item: dict[str, Any]) -> dict[str, Any]:
    """A copy safe to put in an event: events must not share state with the conversation."""
    return copy.deepcopy(item)
