"""The console's session lifecycle: open a session, pump its events, try again, close it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

from .bridge import SessionBridge, describe_error
from .decisions import pending_of
from .first_connection import FirstConnection, FirstConnectionFailed, explain

if TYPE_CHECKING:
    from textual.worker import Worker

    from console.realtime.reconnect import ReconnectPolicy

    from .audio_control import AudioControl


class SessionLike(Protocol):
    """The parts of RealtimeSession the console uses (kept narrow so tests can drive it too)."""

    def __aiter__(self) -> AsyncIterator[Any]: ...
    async def send_message(self, message: str) -> None: ...
    async def approve_tool_call(self, call_id: str, *, always: bool = False) -> None: ...
    async def reject_tool_call(self, call_id: str, *, always: bool = False) -> None: ...
    async def interrupt(self, *, force_response_cancel: bool = False) -> None: ...
    def set_playback_pending(self, pending: bool) -> None: ...
    async def close(self) -> None: ...
    async def reconnect_now(self) -> bool: ...


SessionOpener = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """What the status bar says about the backend. Never holds credentials."""

    name: str = "none"
    model: str = ""
    url: str | None = None


class SessionRunner:
    """Runs one session at a time for the console. ``run`` is the one worker that consumes
    session events (through the bridge) until the session ends; a session that never connected
    is tried again (see ``FirstConnection``), one that was lost for good when the operator asks.

    What it tells the console goes out as the bridge's messages (``post``) and console lines
    (``say(text, kind)``); ``spawn`` runs an operator's session call in a worker."""

    def __init__(
        self,
        open_session: SessionOpener | None,
        bridge: SessionBridge,
        sound: AudioControl,
        *,
        post: Callable[[Message], Any],
        say: Callable[[str, str], None],
        spawn: Callable[[Coroutine[Any, Any, None]], Any],
        key_for: Callable[[str], str],
        backend: BackendInfo,
        hint: str | None = None,
        retry: ReconnectPolicy | None = None,
    ) -> None:
        self._open = open_session
        self._bridge, self._sound = bridge, sound
        self._post, self._say, self._spawn, self._key_for = post, say, spawn, key_for
        self._backend, self._hint = backend, hint
        self.first_connection = FirstConnection(retry)
        self.session: Any = None
        self.connected_once = False
        """The session got connected at least once (so its end is not a failed first try)."""
        self.closing = False

    async def run(self) -> None:
        while True:
            failure = await self._once()
            if self.closing:
                return
            if self.connected_once:
                if failure is None and not self._bridge.gave_up:
                    return
                # The connection is gone for good (reconnecting ran out, or the session
                # failed): the operator decides when to try again, with a new session.
                self._say(
                    f"{self._key_for('reconnect_now')} opens a new session (it starts with the "
                    "first agent and without the conversation above)", "system")
                await self.first_connection.wait(None)
            else:
                delay = self.first_connection.next_delay()
                self._first_connection_failed(failure or "the session ended", delay)
                await self.first_connection.wait(delay)
            if self.closing:
                return

    async def _once(self) -> str | None:
        """Open, run and close one session; the error, if it ended in one."""
        post, bridge = self._post, self._bridge
        post(SessionBridge.ConnectionChanged("connecting"))
        failure: str | None = None
        assert self._open is not None
        try:
            async with self._open() as session:
                self.session = session
                if not self.connected_once and self._hint:
                    # Only once there is a session to ask: a console that never connected
                    # should not invite questions.
                    post(SessionBridge.Notice(self._hint))
                self.connected_once = True
                post(SessionBridge.ConnectionChanged("connected"))
                await self._sound.start(session)
                await bridge.pump(session.events(console=True), lambda: pending_of(session))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failure = describe_error(exc)
        finally:
            self.session = None
            await self._sound.stop()
        bridge.flush()
        bridge.session_gone()  # also when it ended without saying so (an exception)
        post(SessionBridge.ConnectionChanged("disconnected"))
        if failure is not None:
            if self.connected_once:
                post(SessionBridge.ErrorReported(f"session failed: {failure}"))
        elif not self.closing and bridge.closed_reason in (None, "closed"):
            # Any other reason (a timeout, the server) is already shown with the close.
            post(SessionBridge.Notice("session ended"))
        return failure

    def _first_connection_failed(self, failure: str, delay: float | None) -> None:
        backend = self._backend
        words = explain(failure, backend.url, local=backend.name == "local engine")
        self._post(FirstConnectionFailed.build(
            words, delay, self.first_connection.failures, self._key_for("reconnect_now")
        ))

    async def close(self, timeout: float, workers: Iterable[Worker[Any]] = ()) -> None:
        """Close the session and wait for ``workers`` (the one running ``run``) to see the end
        of its events, each step bounded by ``timeout``; nothing is opened again after this."""
        self.closing = True
        self.first_connection.retry_now()
        session = self.session
        if session is not None:
            try:
                await asyncio.wait_for(session.close(), timeout)
            except Exception as exc:
                self._say(f"close failed: {describe_error(exc)}", "error")
        for worker in workers:
            if not worker.is_finished:
                try:
                    await asyncio.wait_for(worker.wait(), timeout)
                except Exception:
                    worker.cancel()

    def retry_now(self) -> str | None:
        """The operator asked to connect now: a failed first connection is tried again, a
        reconnecting session tries at once. What to tell the operator, if anything."""
        if self.first_connection.retry_now():
            return "retrying the connection now"
        session = self.session
        state = getattr(session, "connection_state", None)
        if session is None or state != "reconnecting":
            return f"nothing to retry: {state or 'not connected'}"
        self.command("retry now", lambda s: s.reconnect_now())
        return None

    def cancel_tool(self) -> str | None:
        """Cancel the tool call running longest; what to tell the operator, if anything."""
        running = list(getattr(self.session, "running_tool_calls", ()))
        if not running:
            return "no tool call is running"
        self.command("cancel tool", lambda s: s.cancel_tool_call(running[0]))
        return None

    def command(self, label: str, call: Callable[[Any], Awaitable[Any]]) -> bool:
        """Run a session call in a worker so no handler waits on the network; False (and a
        line saying so) without a session."""
        session = self.session
        if session is None:
            retry = self.first_connection.waiting
            key = self._key_for("reconnect_now")
            then = f" ({key} retries the connection now)" if retry else ""
            self._say(f"{label}: not connected{then}", "error")
            return False

        async def run() -> None:
            try:
                await call(session)
            except Exception as exc:
                self._post(SessionBridge.ErrorReported(f"{label}: {describe_error(exc)}"))

        self._spawn(run())
        return True
