"""Redaction of secrets (API keys, tokens, Authorization headers) from anything we write down."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"

# Keys whose values are secrets wherever they appear, compared case-insensitively.
_SECRET_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "authorization",
        "proxy-authorization",
        "token",
        "access_token",
        "client_secret",
        "secret",
        "password",
        "openai-api-key",
        "x-api-key",
    }
)
# Shapes of credentials that may turn up inside free text (error messages, URLs, headers).
_SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)bearer\s+\S+"),
    re.compile(r"(?i)(openai-insecure-api-key\.)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"(?i)([?&](?:api_key|token|key)=)[^&\s\"']+"),
)


def _scoped(pattern: re.Pattern[str]) -> str:
    source = pattern.pattern
    return f"(?i:{source[4:]})" if source.startswith("(?i)") else f"(?:{source})"


# All the shapes in one search: most text holds none, and one pass over it is cheaper than one
# substitution per shape (the transcript redacts its streaming line on every delta).
_ANY_PATTERN = re.compile("|".join(_scoped(pattern) for pattern in _SECRET_PATTERNS))


class Redactor:
    """Replaces secrets in strings and JSON-like values.

    Known secret values (the API key in use, the local engine's token) are registered with ``add``
    and removed wherever they occur; values under secret-named keys and credential-shaped text are
    removed even when they were never registered.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        if _ANY_PATTERN.search(value) is None:
            return value
        for pattern in _SECRET_PATTERNS:
            if pattern.groups:
                value = pattern.sub(lambda m: m.group(1) + REDACTED, value)
            else:
                value = pattern.sub(REDACTED, value)
        return value

    def value(self, value: Any) -> Any:
        """A copy of ``value`` (dicts, lists, strings, scalars) with secrets removed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                key: REDACTED
                if isinstance(key, str) and key.lower() in _SECRET_KEYS and value[key]
                else self.value(item)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value
