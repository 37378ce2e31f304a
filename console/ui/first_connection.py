"""The first connection: a failure said in words with what to try, and retries on the reconnect
backoff that Ctrl+R cuts short."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from textual.message import Message

if TYPE_CHECKING:
    from console.realtime.reconnect import ReconnectPolicy

OPENAI_HOST = "api.openai.com"


def endpoint(url: str | None) -> str:
    """``host`` (``host:port`` when the URL names a port) of a server URL; OpenAI's without one."""
    if not url:
        return OPENAI_HOST
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def explain(error: str, url: str | None, *, local: bool = False) -> str:
    """One line: what went wrong in words, what to try, then the technical detail.

    ``error`` is the session's own one-line error (the transport keeps no exception chain, so
    the kind of failure is read from its words)."""
    if local:
        return f"the local engine did not start: {error}"
    where = endpoint(url)
    text = error.casefold()
    if url:
        fallback = "check --url, or try --backend local"
        bad_key = "check --token (or RTCONSOLE_TOKEN)"
        refused_hint = "is the server running? (rtconsole serve prints the command to reach it)"
    else:
        fallback = "try --backend local"
        bad_key = "check OPENAI_API_KEY, or try --backend local"
        refused_hint = fallback
    if any(s in text for s in ("name or service not known", "temporary failure in name",
                               "nodename nor servname", "gaierror", "no address associated")):
        words = f"cannot reach {where}: no network? {fallback}"
    elif "refused" in text:
        words = f"{where} refused the connection: {refused_hint}"
    elif any(f"http {code}" in text or f"status {code}" in text for code in ("401", "403")):
        words = f"{where} rejected the key: {bad_key}"
    elif "timed out" in text or "timeout" in text:
        words = f"{where} did not answer in time: slow network? {fallback}"
    elif "unreachable" in text:
        words = f"cannot reach {where}: no route to it; {fallback}"
    else:
        words = f"cannot connect to {where}: {fallback}"
    return f"{words} ({error})"


class FirstConnectionFailed(Message):
    """The session did not connect; ``line`` says why and what next, ``detail`` is for the
    status bar."""

    def __init__(self, line: str, detail: str) -> None:
        super().__init__()
        self.line, self.detail = line, detail

    @classmethod
    def build(
        cls, words: str, delay: float | None, attempt: int, retry_key: str
    ) -> FirstConnectionFailed:
        """From ``explain``'s words, the wait before the next try (None: none) and the key."""
        if delay is None:
            then, detail = f"{retry_key} tries again", f"{retry_key} retries"
        else:
            then = f"retrying in {delay:.1f} s, {retry_key} retries now"
            detail = f"retry in {delay:.1f} s"
        return cls(f"{words}; {then}", f"{detail} (attempt {attempt})")


class FirstConnection:
    """Retries of a session that never connected: the same delays as a dropped connection's,
    cut short by ``retry_now`` (Ctrl+R); once the attempts run out, only ``retry_now`` goes on.
    ``policy=None`` never retries by itself. A session that was lost for good after it had
    connected waits here for ``retry_now`` alone."""

    def __init__(self, policy: ReconnectPolicy | None = None) -> None:
        self.policy = policy
        self.failures = 0
        self.waiting = False
        self._now = asyncio.Event()

    def next_delay(self) -> float | None:
        """The wait before the next attempt after another failure; None: wait for Ctrl+R."""
        self.failures += 1
        policy = self.policy
        if policy is None or not policy.enabled or policy.exhausted(self.failures):
            return None
        return policy.delay(self.failures)

    async def wait(self, delay: float | None) -> None:
        """Until ``delay`` seconds passed (the policy's sleep) or ``retry_now`` was called."""
        self._now.clear()
        self.waiting = True
        woken = asyncio.ensure_future(self._now.wait())
        waits: set[asyncio.Future[Any]] = {woken}
        if delay is not None and self.policy is not None:
            waits.add(asyncio.ensure_future(self.policy.sleep(delay)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.waiting = False
            for future in waits:
                future.cancel()

    def retry_now(self) -> bool:
        """Wake the wait (True if one was waiting)."""
        if not self.waiting:
            return False
        self._now.set()
        return True
