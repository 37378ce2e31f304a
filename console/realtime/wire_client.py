"""Sans-I/O Realtime GA client side: client event dicts, session.update, response sequencing."""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .audio_formats import to_ga_format
from .config import DEFAULT_MODEL_SETTINGS, RealtimeSessionModelSettings
from .model_inputs import RealtimeModelRawClientMessage, RealtimeModelUserInput

_TURN_DETECTION_KEYS = {
    "createResponse": "create_response",
    "interruptResponse": "interrupt_response",
    "prefixPaddingMs": "prefix_padding_ms",
    "silenceDurationMs": "silence_duration_ms",
    "idleTimeoutMs": "idle_timeout_ms",
}

_ALREADY_ACTIVE = "conversation_already_has_active_response"

# --- client events -------------------------------------------------------------------------------


def encode(payload: Mapping[str, Any]) -> str:
    """Serialise a client event compactly (the API accepts any JSON spacing)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def audio_append(audio: bytes) -> dict[str, Any]:
    return {
        "type": "input_audio_buffer.append",
        "audio": binascii.b2a_base64(audio, newline=False).decode("ascii"),
    }


def user_message_item(user_input: RealtimeModelUserInput) -> dict[str, Any]:
    """conversation.item.create for a user message; unknown or malformed parts are skipped."""
    content: list[dict[str, Any]] = []
    if isinstance(user_input, str):
        content.append({"type": "input_text", "text": user_input})
    else:
        parts: list[Any] = list(user_input.get("content", []))
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "input_text" and isinstance(part.get("text"), str):
                content.append({"type": "input_text", "text": part["text"]})
            elif kind == "input_image" and isinstance(part.get("image_url"), str):
                image: dict[str, Any] = {"type": "input_image", "image_url": part["image_url"]}
                if part.get("detail") in ("auto", "low", "high"):
                    image["detail"] = part["detail"]
                content.append(image)
    return {
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": content},
    }


def tool_output_item(call_id: str, output: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": output},
    }


def truncate(item_id: str, content_index: int, audio_end_ms: int) -> dict[str, Any]:
    return {
        "type": "conversation.item.truncate",
        "item_id": item_id,
        "content_index": content_index,
        "audio_end_ms": audio_end_ms,
    }


def raw_message(message: RealtimeModelRawClientMessage) -> dict[str, Any]:
    """A raw client message: ``type`` plus ``other_data``; raises ValueError when it has no type."""
    kind = message.get("type") if isinstance(message, Mapping) else None
    if not isinstance(kind, str) or not kind:
        raise ValueError("a raw client message needs a string 'type'")
    payload: dict[str, Any] = {"type": kind}
    other = message.get("other_data")
    if isinstance(other, Mapping):
        payload.update({k: v for k, v in other.items() if k != "type"})
    return payload


# --- session.update -------------------------------------------------------------------------------


def normalize_turn_detection(config: Any) -> Any:
    """camelCase turn detection keys (``createResponse``...) become snake_case; snake wins."""
    if not isinstance(config, Mapping):
        return config
    normalized = dict(config)
    for camel, snake in _TURN_DETECTION_KEYS.items():
        if camel in normalized:
            value = normalized.pop(camel)
            normalized.setdefault(snake, value)
    return normalized


def _function(name: Any, description: Any, parameters: Any) -> dict[str, Any]:
    tool: dict[str, Any] = {"type": "function", "name": name}
    if description:
        tool["description"] = description
    tool["parameters"] = parameters if parameters is not None else {"type": "object"}
    return tool


def session_tools(tools: Iterable[Any], handoffs: Iterable[Any]) -> list[dict[str, Any]]:
    """Function tools and handoffs as GA ``function`` tools (handoffs are functions too)."""
    converted: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, Mapping) and tool.get("type") == "function":
            converted.append(dict(tool))
        elif hasattr(tool, "params_json_schema"):
            converted.append(_function(tool.name, tool.description, tool.params_json_schema))
        else:
            name = getattr(tool, "name", type(tool).__name__)
            raise ValueError(f"tool {name!r} is not supported: realtime tools must be functions")
    for handoff in handoffs:
        converted.append(
            _function(handoff.tool_name, handoff.tool_description, handoff.input_json_schema)
        )
    return converted


def build_session_config(
    settings: RealtimeSessionModelSettings | Mapping[str, Any],
    *,
    model: str,
    call_id: str | None = None,
    include_tracing: bool = False,
) -> dict[str, Any]:
    """The GA ``session`` object of a session.update, from settings with the SDK's defaults.

    For a SIP call (``call_id``) formats are sent only when set: the call's codec was negotiated.
    Tracing can be set once per session, so it goes only into the first update.
    """
    s: Mapping[str, Any] = settings
    defaults: Mapping[str, Any] = DEFAULT_MODEL_SETTINGS
    # A GA-shaped ``audio`` block in the settings wins over the flat SDK-style keys.
    audio = s.get("audio")
    audio_in: Mapping[str, Any] = {}
    audio_out: Mapping[str, Any] = {}
    if isinstance(audio, Mapping):
        if isinstance(audio.get("input"), Mapping):
            audio_in = audio["input"]
        if isinstance(audio.get("output"), Mapping):
            audio_out = audio["output"]

    def pick(nested: Mapping[str, Any], key: str, flat: str) -> tuple[bool, Any]:
        if key in nested:
            return True, nested[key]
        if flat in s:
            return True, s[flat]
        return False, None

    def audio_format(nested: Mapping[str, Any], flat: str) -> dict[str, Any]:
        """``{"format": ...}`` as set, else the default; for a SIP call only when set."""
        given, fmt = pick(nested, "format", flat)
        if given and fmt is not None:
            return {"format": to_ga_format(fmt)}
        if call_id is None:
            return {"format": to_ga_format(defaults[flat])}
        return {}

    inp = audio_format(audio_in, "input_audio_format")
    given, value = pick(audio_in, "transcription", "input_audio_transcription")
    inp["transcription"] = value if given else dict(defaults["input_audio_transcription"])
    given, value = pick(audio_in, "noise_reduction", "input_audio_noise_reduction")
    if given:
        inp["noise_reduction"] = value
    given, value = pick(audio_in, "turn_detection", "turn_detection")
    inp["turn_detection"] = normalize_turn_detection(
        value if given else dict(defaults["turn_detection"])
    )

    out = audio_format(audio_out, "output_audio_format")
    out["voice"] = audio_out.get("voice") or s.get("voice") or defaults["voice"]
    given, value = pick(audio_out, "speed", "speed")
    if given:
        out["speed"] = value

    session: dict[str, Any] = {
        "type": "realtime",
        "model": s.get("model_name") or model,
        "output_modalities": list(
            s.get("output_modalities") or s.get("modalities") or defaults["output_modalities"]
        ),
        "audio": {"input": inp, "output": out},
        "tools": session_tools(s.get("tools") or (), s.get("handoffs") or ()),
    }
    if "instructions" in s:
        session["instructions"] = s["instructions"]
    prompt = s.get("prompt")
    if isinstance(prompt, Mapping) and prompt.get("id"):
        session["prompt"] = {k: prompt[k] for k in ("id", "version", "variables") if k in prompt}
    for key in ("tool_choice", "max_output_tokens"):
        if key in s:
            session[key] = s[key]
    if include_tracing:
        tracing = s.get("tracing", "auto")
        session["tracing"] = dict(tracing) if isinstance(tracing, Mapping) else tracing
    return session


def turn_detection_of(session: Mapping[str, Any] | None) -> Any:
    """The turn detection of a GA session object (sent or echoed by the server), or None."""
    if not isinstance(session, Mapping):
        return None
    audio = session.get("audio")
    inp = audio.get("input") if isinstance(audio, Mapping) else None
    return inp.get("turn_detection") if isinstance(inp, Mapping) else None


def auto_cancels_on_speech(session: Mapping[str, Any] | None) -> bool:
    """True when the server cancels the response itself on speech (``interrupt_response``)."""
    td = turn_detection_of(session)
    return isinstance(td, Mapping) and td.get("interrupt_response") is True


# --- response sequencing --------------------------------------------------------------------------


class ResponseSequencer:
    """Decides when a response.create may go out: never while one is in flight from our side.

    In flight means the server reported response.created and not yet response.done, or we sent
    a response.create that the server has not answered. Requests made meanwhile wait in a queue;
    plain ones collapse into one (one response answers every item added while waiting). Each
    create carries an ``event_id`` so a refusal can be matched: refused because another response
    is active (a VAD turn won the race), it is retried after that one.
    """

    def __init__(self) -> None:
        self.active = False  # the server has a response between created and done
        self.pending: str | None = None  # event_id of our create not yet answered
        self.queue: list[dict[str, Any]] = []
        self._recent: dict[str, dict[str, Any]] = {}
        self._seq = 0

    @property
    def in_flight(self) -> bool:
        return self.active or self.pending is not None

    def request(self, payload: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The response.create to send now, or None when it was queued."""
        wanted = dict(payload or {"type": "response.create"})
        if self.in_flight:
            if len(wanted) > 1 or not any(len(p) == 1 for p in self.queue):
                self.queue.append(wanted)
            return None
        self._seq += 1
        wanted.setdefault("event_id", f"rtconsole_response_{self._seq}")
        self.pending = wanted["event_id"]
        self._recent[self.pending] = wanted
        if len(self._recent) > 8:
            del self._recent[next(iter(self._recent))]
        return wanted

    def created(self) -> None:
        self.active, self.pending = True, None

    def done(self) -> dict[str, Any] | None:
        """A response ended; the queued create to send now, if any."""
        self.active = False
        return self.flush()

    def flush(self) -> dict[str, Any] | None:
        if self.queue and not self.in_flight:
            return self.request(self.queue.pop(0))
        return None

    def not_sent(self, payload: Mapping[str, Any]) -> None:
        """Sending failed (connection closed): nothing is in flight because of it."""
        if self.pending == payload.get("event_id"):
            self.pending = None

    def refused(self, error: Mapping[str, Any]) -> dict[str, Any] | None:
        """An error event; if it refuses one of our creates, the create to send now, if any."""
        event_id = error.get("event_id")
        refused = self._recent.pop(event_id, None) if isinstance(event_id, str) else None
        if refused is None:
            return None
        if self.pending == event_id:
            self.pending = None
        if error.get("code") == _ALREADY_ACTIVE:
            retry = {k: v for k, v in refused.items() if k != "event_id"}
            if len(retry) > 1 or not any(len(p) == 1 for p in self.queue):
                self.queue.insert(0, retry)
        return self.flush()

    def reset(self) -> None:
        self.active, self.pending = False, None
        self.queue.clear()
        self._recent.clear()
