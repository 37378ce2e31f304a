"""ErrorDetail: an error a session reports (server error object, its own, an exception), typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """What an ``error`` (or ``session_closed``) event's error says, whatever its shape.

    ``type`` is the server's error type (``invalid_request_error``...) or one of the
    transport's (``connection_closed``, ``client_decode_error``, ``not_connected``); ``code``
    the server's code (a close code for a dropped connection); ``kind`` the kind of an error the
    session itself raised (``listener``, ``tool_call_failed``, ``events_dropped``...)."""

    message: str
    code: str | None = None
    type: str | None = None
    kind: str | None = None

    @classmethod
    def of(cls, error: Any) -> ErrorDetail:
        """Read ``error``: the server's error object, the whole ``error`` server event, a
        session's own error dict, an exception or text."""
        if isinstance(error, BaseException):
            text = str(error)
            name = type(error).__name__
            return cls(f"{name}: {text}" if text else name, type=name)
        if not isinstance(error, dict):
            return cls(str(error))
        inner = error.get("error", error)  # the server event itself, not only its error object
        if not isinstance(inner, dict):
            return cls(str(inner))
        code, kind_of_error, kind = (_text(inner.get(key)) for key in ("code", "type", "kind"))
        message = _text(inner.get("message")) or code or kind_of_error or str(inner)
        return cls(message, code, kind_of_error, kind)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
