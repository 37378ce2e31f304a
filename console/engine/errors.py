"""Protocol errors of client events, the common checks that raise them, and the `error` event."""

from __future__ import annotations

from typing import Any


class ProtocolError(Exception):
    """An invalid client event: answered with an `invalid_request_error`; the connection stays."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def missing_parameter(param: str) -> ProtocolError:
    """The error for a required parameter that is absent (or null)."""
    return ProtocolError(
        "missing_required_parameter", f"Missing required parameter: '{param}'.", param
    )


def required(event: dict[str, Any], key: str, kinds: type | tuple[type, ...], what: str) -> Any:
    """``event[key]``, present and of ``kinds`` (``what`` names them for the error); not a bool."""
    if event.get(key) is None:
        raise missing_parameter(key)
    value = event[key]
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise ProtocolError("invalid_type", f"Invalid type for '{key}': expected {what}.", key)
    return value


def error_event(
    event_id: str,
    code: str,
    message: str,
    *,
    param: str | None = None,
    client_event_id: Any = None,
    type: str = "invalid_request_error",
) -> dict[str, Any]:
    """The `error` event shaped like the real API's; `error.event_id` names the client event."""
    return {
        "type": "error",
        "event_id": event_id,
        "error": {
            "type": type,
            "code": code,
            "message": message,
            "param": param,
            "event_id": client_event_id if isinstance(client_event_id, str) else None,
        },
    }
