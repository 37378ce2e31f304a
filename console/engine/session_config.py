"""The session object: GA-shaped defaults, and `session.update` validated and merged into it."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ProtocolError, missing_parameter
from .formats import FORMATS, PCM_RATE

DEFAULT_MODEL = "gpt-realtime"
DEFAULT_INSTRUCTIONS = (
    "You are the rtconsole local engine, an offline stand-in for a realtime model. "
    "Replies are deterministic: tools are called when the words match them."
)
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
_TOP_KEYS = {
    "type",
    "model",
    "instructions",
    "output_modalities",
    "tools",
    "tool_choice",
    "max_output_tokens",
    "tracing",
    "truncation",
    "prompt",
    "include",
    "audio",
    "parallel_tool_calls",
    "reasoning",
}


def server_vad(**changes: Any) -> dict[str, Any]:
    return {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    } | changes


def default_session(session_id: str, model: str, expires_at: int) -> dict[str, Any]:
    pcm = {"type": "audio/pcm", "rate": PCM_RATE}
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": expires_at,
        "audio": {
            "input": {
                "format": dict(pcm),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": server_vad(),
            },
            "output": {"format": dict(pcm), "voice": "alloy", "speed": 1.0},
        },
        "include": None,
    }


def _fail(param: str, message: str, code: str = "invalid_type") -> ProtocolError:
    return ProtocolError(code, message, param)


def _expect(value: Any, kinds: type | tuple[type, ...], param: str, what: str) -> Any:
    # bool is an int in Python; the API does not accept true for a number.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        raise _fail(
            param,
            f"Invalid type for '{param}': expected {what}, but got {_json_type(value)} instead.",
        )
    return value


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _json_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a decimal",
        str: "a string",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _unknown(data: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            raise ProtocolError(
                "unknown_parameter", f"Unknown parameter: '{prefix}.{key}'.", f"{prefix}.{key}"
            )


def _one_of(value: Any, allowed: tuple[Any, ...], param: str) -> Any:
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ProtocolError(
            "invalid_value", f"Invalid value: {value!r}. Supported values are: {shown}.", param
        )
    return value


def audio_format(value: Any, param: str) -> dict[str, Any]:
    _expect(value, dict, param, "an object")
    _unknown(value, {"type", "rate"}, param)
    kind = _one_of(value.get("type"), tuple(FORMATS), f"{param}.type")
    if kind == "audio/pcm":
        _one_of(value.get("rate", PCM_RATE), (PCM_RATE,), f"{param}.rate")
        return {"type": kind, "rate": PCM_RATE}
    return {"type": kind}


def turn_detection(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    _expect(value, dict, param, "an object or null")
    kind = _one_of(value.get("type"), ("server_vad", "semantic_vad"), f"{param}.type")
    if kind == "server_vad":
        out = server_vad()
        numeric: dict[str, type | tuple[type, ...]] = {
            "threshold": (int, float),
            "prefix_padding_ms": int,
            "silence_duration_ms": int,
        }
        _unknown(
            value,
            {"type", *numeric, "idle_timeout_ms", "create_response", "interrupt_response"},
            param,
        )
        for key, kinds in numeric.items():
            if key in value:
                out[key] = _expect(value[key], kinds, f"{param}.{key}", "a number")
        if not 0 <= out["threshold"] <= 1:
            raise ProtocolError(
                "decimal_above_max_value",
                f"Invalid '{param}.threshold': expected 0 to 1.",
                f"{param}.threshold",
            )
        if value.get("idle_timeout_ms") is not None:
            out["idle_timeout_ms"] = _expect(
                value["idle_timeout_ms"], int, f"{param}.idle_timeout_ms", "an integer"
            )
    else:
        out = {
            "type": "semantic_vad",
            "eagerness": "auto",
            "create_response": True,
            "interrupt_response": True,
        }
        _unknown(value, {"type", "eagerness", "create_response", "interrupt_response"}, param)
        if "eagerness" in value:
            out["eagerness"] = _one_of(
                value["eagerness"], ("low", "medium", "high", "auto"), f"{param}.eagerness"
            )
    for key in ("create_response", "interrupt_response"):
        if value.get(key) is not None:
            out[key] = _expect(value[key], bool, f"{param}.{key}", "a boolean")
    return out


def transcription(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    _expect(value, dict, param, "an object or null")
    out: dict[str, Any] = {"model": value.get("model"), "language": None, "prompt": None}
    return out | {k: v for k, v in value.items() if k not in out or v is not None}


def tools(value: Any, param: str) -> list[dict[str, Any]]:
    _expect(value, list, param, "an array")
    out = []
    for i, tool in enumerate(value):
        where = f"{param}[{i}]"
        _expect(tool, dict, where, "an object")
        _unknown(tool, {"type", "name", "description", "parameters"}, where)
        _one_of(tool.get("type", "function"), ("function",), f"{where}.type")
        name = tool.get("name")
        if not isinstance(name, str) or not name:
            raise missing_parameter(f"{where}.name")
        if tool.get("parameters") is not None:
            _expect(tool["parameters"], dict, f"{where}.parameters", "an object")
        out.append(
            {
                "type": "function",
                "name": name,
                "description": tool.get("description"),
                "parameters": tool.get("parameters"),
            }
        )
    return out


def tool_choice(value: Any, param: str) -> Any:
    if isinstance(value, str):
        return _one_of(value, ("auto", "none", "required"), param)
    _expect(value, dict, param, "a string or an object")
    if value.get("type") != "function" or not isinstance(value.get("name"), str):
        raise ProtocolError(
            "invalid_value",
            f"Invalid '{param}': expected {{'type': 'function', 'name': ...}}.",
            param,
        )
    return {"type": "function", "name": value["name"]}


def modalities(value: Any, param: str) -> list[str]:
    _expect(value, list, param, "an array")
    if len(value) != 1:
        raise ProtocolError(
            "invalid_value", f"Invalid '{param}': use exactly one of ['text'] or ['audio'].", param
        )
    _one_of(value[0], ("text", "audio"), f"{param}[0]")
    return list(value)


def voice(value: Any, param: str) -> Any:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return {"id": value["id"]}
    return _expect(value, str, param, "a string or an object with an id")


def max_output_tokens(value: Any, param: str) -> Any:
    if value == "inf":
        return value
    _expect(value, int, param, "an integer or 'inf'")
    if not 1 <= value <= 4096:
        raise ProtocolError(
            "integer_above_max_value", f"Invalid '{param}': expected 1 to 4096 or 'inf'.", param
        )
    return value


def _audio(session: dict[str, Any], update: Any, voice_locked: bool) -> None:
    _expect(update, dict, "session.audio", "an object")
    _unknown(update, {"input", "output"}, "session.audio")
    if "input" in update:
        inp, param = update["input"], "session.audio.input"
        _expect(inp, dict, param, "an object")
        _unknown(inp, {"format", "transcription", "noise_reduction", "turn_detection"}, param)
        target = session["audio"]["input"]
        if "format" in inp:
            target["format"] = audio_format(inp["format"], f"{param}.format")
        if "transcription" in inp:
            target["transcription"] = transcription(inp["transcription"], f"{param}.transcription")
        if "noise_reduction" in inp:
            target["noise_reduction"] = inp["noise_reduction"]
        if "turn_detection" in inp:
            target["turn_detection"] = turn_detection(
                inp["turn_detection"], f"{param}.turn_detection"
            )
    if "output" in update:
        out, param = update["output"], "session.audio.output"
        _expect(out, dict, param, "an object")
        _unknown(out, {"format", "voice", "speed"}, param)
        target = session["audio"]["output"]
        if "format" in out:
            target["format"] = audio_format(out["format"], f"{param}.format")
        if "voice" in out:
            new_voice = voice(out["voice"], f"{param}.voice")
            if voice_locked and new_voice != target["voice"]:
                raise ProtocolError(
                    "cannot_update_voice",
                    "Cannot update a conversation's voice if assistant audio is present.",
                    f"{param}.voice",
                )
            target["voice"] = new_voice
        if "speed" in out:
            speed = _expect(out["speed"], (int, float), f"{param}.speed", "a number")
            if not 0.25 <= speed <= 1.5:
                raise ProtocolError(
                    "invalid_value",
                    f"Invalid '{param}.speed': expected 0.25 to 1.5.",
                    f"{param}.speed",
                )
            target["speed"] = float(speed)


def apply_update(
    session: dict[str, Any], update: Any, *, voice_locked: bool = False
) -> dict[str, Any]:
    """The session after `update`; raises ProtocolError (and changes nothing) when it is invalid."""
    _expect(update, dict, "session", "an object")
    if "type" not in update:
        raise missing_parameter("session.type")
    _one_of(update["type"], ("realtime",), "session.type")
    _unknown(update, _TOP_KEYS, "session")
    new = copy.deepcopy(session)
    checks = {
        "model": lambda v, p: _expect(v, str, p, "a string"),
        "instructions": lambda v, p: _expect(v, str, p, "a string"),
        "output_modalities": modalities,
        "tools": tools,
        "tool_choice": tool_choice,
        "max_output_tokens": max_output_tokens,
    }
    for key, value in update.items():
        if key in ("type", "audio"):
            continue
        new[key] = checks[key](value, f"session.{key}") if key in checks else value
    if "audio" in update:
        _audio(new, update["audio"], voice_locked)
    return new
