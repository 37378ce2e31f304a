"""Connection options of the OpenAI transport: endpoint, API key, TransportConfig, errors."""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .exceptions import UserError

__all__ = [
    "BASE_URL",
    "DEFAULT_MODEL",
    "RealtimeConfigError",
    "RealtimeConnectionError",
    "RealtimeConnectionTimeout",
    "TransportConfig",
    "get_api_key",
    "realtime_url",
    "redact_url",
]

DEFAULT_MODEL = "gpt-realtime"
BASE_URL = "wss://api.openai.com/v1/realtime"
USER_AGENT = "rtconsole"


class RealtimeConfigError(UserError, ValueError):
    """The model config cannot work: no API key, call_id with model_name, SIP without call_id."""


class RealtimeConnectionError(ConnectionError):
    """The WebSocket connection could not be opened. Never carries credentials."""


class RealtimeConnectionTimeout(RealtimeConnectionError, TimeoutError):
    """The opening handshake ran past ``handshake_timeout`` (a ``TimeoutError``, as the SDK
    raises)."""


DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TransportConfig:
    """Low-level WebSocket settings, passed to ``websockets.asyncio.client.connect``.

    ``handshake_timeout`` is websockets' ``open_timeout``; ``max_size`` is the largest server
    message accepted (default 32 MiB; a larger one closes the connection with an error that says
    so; None accepts any size, like the SDK, whose default let a 100 MB message take 837 MB);
    ``close_timeout`` also bounds how long ``close()`` may take.
    """

    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    handshake_timeout: float | None = 10.0
    max_size: int | None = DEFAULT_MAX_MESSAGE_BYTES
    close_timeout: float = 2.0

    @classmethod
    def coerce(cls, value: TransportConfig | Mapping[str, Any] | None) -> TransportConfig:
        """Accept a TransportConfig or the SDK's dict spelling (``connect_timeout``)."""
        if value is None or isinstance(value, TransportConfig):
            return value or cls()
        fields = dict(value)
        if "connect_timeout" in fields:
            fields.setdefault("handshake_timeout", fields.pop("connect_timeout"))
        return cls(**{k: v for k, v in fields.items() if k in cls.__dataclass_fields__})


def realtime_url(model: str, call_id: str | None = None) -> str:
    """The endpoint: ``?model=<model>``, or ``?call_id=<id>`` to attach to a SIP call."""
    query = urlencode({"call_id": call_id} if call_id else {"model": model})
    return f"{BASE_URL}?{query}"


def redact_url(url: str) -> str:
    """The URL with query values hidden, except model and call_id (a token may ride there)."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        query = [(k, v if k in ("model", "call_id") else "***") for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query), netloc=netloc, fragment=""))
    except ValueError:
        return "<unparseable url>"


async def get_api_key(key: str | Callable[[], str | Awaitable[str]] | None) -> str | None:
    """The key from the config (string, or sync/async callable), else ``OPENAI_API_KEY``."""
    if isinstance(key, str):
        return key
    if callable(key):
        result = key()
        if inspect.isawaitable(result):
            result = await result
        return result if isinstance(result, str) else None
    return os.environ.get("OPENAI_API_KEY")
