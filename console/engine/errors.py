"""Protocol errors raised while handling client events, and the `error` server event they become."""

from __future__ import annotations

from typing import Any


class ProtocolError(Exception):
    """An invalid client event: answered with an `invalid_request_error`; the connection stays."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


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
