"""A response's parameters: the session's settings with response.create's overrides, validated."""

from __future__ import annotations

from typing import Any

from . import session_config as config
from .errors import ProtocolError
from .formats import FORMATS
from .ids import IdGenerator
from .items import normalise_item
from .response import ResponseRun
from .store import ItemStore

_KEYS = {
    "conversation",
    "input",
    "instructions",
    "output_modalities",
    "tools",
    "tool_choice",
    "audio",
    "metadata",
    "max_output_tokens",
    "prompt",
    "parallel_tool_calls",
    "reasoning",
}


def _input_items(raw: Any, ids: IdGenerator, store: ItemStore) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ProtocolError(
            "invalid_type",
            "Invalid type for 'response.input': expected an array.",
            "response.input",
        )
    items = []
    for i, entry in enumerate(raw):
        if isinstance(entry, dict) and entry.get("type") == "item_reference":
            items.append(store.find(entry.get("id"), f"response.input[{i}].id"))
        else:
            items.append(normalise_item(entry, ids.item())[0])
    return items


def make_run(
    overrides: dict[str, Any], session: dict[str, Any], ids: IdGenerator, store: ItemStore
) -> ResponseRun:
    """A ResponseRun for response.create (or turn detection, with no overrides)."""
    for key in overrides:
        if key not in _KEYS:
            raise ProtocolError(
                "unknown_parameter", f"Unknown parameter: 'response.{key}'.", f"response.{key}"
            )
    fmt = FORMATS[session["audio"]["output"]["format"]["type"]]
    voice = session["audio"]["output"]["voice"]
    raw = overrides.get("audio") or {}
    audio = (raw.get("output") or {}) if isinstance(raw, dict) else None
    if not isinstance(audio, dict):
        raise ProtocolError(
            "invalid_type",
            "Invalid type for 'response.audio': expected {'output': {...}}.",
            "response.audio",
        )
    if "format" in audio:
        fmt = FORMATS[config.audio_format(audio["format"], "response.audio.output.format")["type"]]
    if "voice" in audio:
        voice = config.voice(audio["voice"], "response.audio.output.voice")
    conversation = overrides.get("conversation", "auto")
    if conversation not in ("auto", "none"):
        raise ProtocolError(
            "invalid_value",
            "Invalid 'response.conversation': use 'auto' or 'none'.",
            "response.conversation",
        )

    def pick(key: str, check: Any) -> Any:
        return check(overrides[key], f"response.{key}") if key in overrides else session[key]

    return ResponseRun(
        id=ids.response(),
        modalities=list(pick("output_modalities", config.modalities)),
        format=fmt,
        voice=voice,
        tools=pick("tools", config.tools),
        tool_choice=pick("tool_choice", config.tool_choice),
        in_conversation=conversation == "auto",
        input_items=_input_items(overrides.get("input"), ids, store),
        metadata=overrides.get("metadata"),
        max_output_tokens=pick("max_output_tokens", config.max_output_tokens),
    )
