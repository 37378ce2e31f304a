"""Turns model events into AgentListener callbacks, and runs the user-inactivity countdown."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .close_codes import CONNECTION_DROPPED
from .listener import AgentError, AgentListener
from .model import RealtimeModelListener
from .model_events import RealtimeModelEvent

logger = logging.getLogger(__name__)

_COUNTDOWN_FROM = 5
_warned: set[tuple[type, str]] = set()


MAX_QUEUED_CALLS = 10_000
"""Listener callbacks kept waiting for a listener that is still busy; past it they are dropped."""


class Clock(Protocol):
    """Time for the inactivity countdown; tests inject one that does not wait real seconds."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def overridden(listener: AgentListener, name: str) -> bool:
    return getattr(type(listener), name, None) is not getattr(AgentListener, name)


def warn_unreachable(listener: AgentListener, reasons: dict[str, str]) -> list[str]:
    """Warn once per listener class about overridden callbacks that can never fire.

    ``reasons`` maps callback names to why they cannot fire under the session's settings.
    Returns the names warned about now.
    """
    warned = []
    for name, why in reasons.items():
        key = (type(listener), name)
        if overridden(listener, name) and key not in _warned:
            _warned.add(key)
            warned.append(name)
            logger.warning("%s.%s will never be called: %s", type(listener).__name__, name, why)
    return warned


class LifecycleTracker(RealtimeModelListener):
    """Follows a session's model events and calls its listener, in order, off the hot path.

    Callbacks run one at a time in a worker task so a slow listener never delays the transport.
    A callback that raises is logged and passed to ``report_error``; the session goes on.

    The inactivity clock runs only while nobody speaks, no response is in progress, no local
    playback is pending and no subagent runs; any of those stops it, and it starts from the full
    timeout when all are quiet again. ``on_timeout`` is awaited when it expires.
    """

    def __init__(
        self,
        listener: AgentListener,
        *,
        report_error: Callable[[Exception, str], Awaitable[None]],
        inactivity_timeout_s: float | None = None,
        on_timeout: Callable[[], Awaitable[None]] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.listener = listener
        self._report_error = report_error
        self._timeout = inactivity_timeout_s if inactivity_timeout_s else None
        self._on_timeout = on_timeout
        self._clock: Clock = clock or MonotonicClock()
        self._calls: asyncio.Queue[tuple[str, tuple[Any, ...]] | None] = asyncio.Queue()
        self.dropped_calls = 0
        """Callbacks not delivered because ``MAX_QUEUED_CALLS`` were already waiting."""
        self._worker: asyncio.Task[None] | None = None
        self._stopped = False
        self._countdown: asyncio.Task[None] | None = None
        self._active = False
        self.user_speaking = False
        self.responding = False
        self.playback_pending = False
        self.subagents_running = 0
        self._assistant_audio = False
        self._interrupted = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start delivering callbacks (call once, inside the running loop)."""
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._deliver())

    def connected(self) -> None:
        """The session is configured: at the start, and again after each reconnect."""
        self.call("on_agent_session_connected")
        self._active = True
        self._update_clock()

    async def stop(self) -> None:
        """Deliver what is queued, then ``on_agent_stopped`` last, and end the worker. Once:
        a retried close must not report the stop again."""
        if self._stopped:
            return
        self._stopped = True
        self._active = False
        self._cancel_countdown()
        self.call("on_agent_stopped")
        self._calls.put_nowait(None)
        if self._worker is not None and self._worker is not asyncio.current_task():
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                self._worker.cancel()

    def call(self, name: str, *args: Any) -> None:
        if not overridden(self.listener, name):
            return
        if self._calls.qsize() >= MAX_QUEUED_CALLS and name != "on_agent_stopped":
            # A listener that stopped returning must not make the session grow without bound.
            self.dropped_calls += 1
            return
        self._calls.put_nowait((name, args))

    async def call_now(self, name: str, *args: Any) -> None:
        """Run a callback at once (``on_agent_starting``, before any I/O), errors contained."""
        if not overridden(self.listener, name):
            return
        try:
            await getattr(self.listener, name)(*args)
        except Exception as exc:  # a listener must never break the session
            logger.exception("listener %s.%s raised", type(self.listener).__name__, name)
            try:
                await self._report_error(exc, f"listener {name}")
            except Exception:
                logger.exception("reporting a listener error failed")

    async def _deliver(self) -> None:
        while (call := await self._calls.get()) is not None:
            name, args = call
            await self.call_now(name, *args)

    # -- state the session tells us --------------------------------------------------------

    def set_playback_pending(self, pending: bool) -> None:
        self.playback_pending = pending
        self._update_clock()

    def subagent_started(self, name: str) -> None:
        self.subagents_running += 1
        self.call("on_subagent_started", name)
        self._update_clock()

    def subagent_finished(self, name: str) -> None:
        self.subagents_running = max(0, self.subagents_running - 1)
        self.call("on_subagent_finished", name)
        self._update_clock()

    def interrupted(self) -> None:
        """The assistant was interrupted (barge-in or a local interrupt); once per response."""
        if self._assistant_audio or self.responding:
            if not self._interrupted:
                self._interrupted = True
                self.call("on_agent_interrupted")
            self._assistant_stopped()

    # -- model events ----------------------------------------------------------------------

    async def on_event(self, event: RealtimeModelEvent) -> None:
        kind = event.type
        if kind == "raw_server_event":
            self._on_server_event(event.data)  # type: ignore[union-attr]
        elif kind == "transcript_delta" or kind == "output_text_delta":
            self.call("on_assistant_transcript_delta", event.delta)  # type: ignore[union-attr]
        elif kind == "audio":
            if not self._assistant_audio:
                self._assistant_audio = True
                self.call("on_assistant_started_responding")
        elif kind == "audio_done":
            self._assistant_stopped()
        elif kind == "audio_interrupted":
            self.interrupted()
        elif kind == "input_audio_transcription_completed":
            self.call("on_user_transcript", event.transcript)  # type: ignore[union-attr]
        elif kind == "turn_started":
            self.responding = True
            self._interrupted = False
            self._update_clock()
        elif kind == "turn_ended":
            self._assistant_stopped()
            self.responding = False
            self._update_clock()
        elif kind == "error":
            self.call("on_agent_error", agent_error(event.error))  # type: ignore[union-attr]
        elif kind == "connection_status" and event.status != "connected":  # type: ignore[union-attr]
            # Nobody can be inactive on a dead line: the clock waits for the reconnect, which
            # calls connected() again.
            self._active = False
            self._cancel_countdown()
        elif kind == "exception" and event.context != CONNECTION_DROPPED:  # type: ignore[union-attr]
            # (a drop is reported by the connection_closed error that follows it)
            exc = event.exception  # type: ignore[union-attr]
            self.call("on_agent_error", AgentError(type="exception", message=str(exc)))

    def _on_server_event(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "input_audio_buffer.speech_started":
            self.user_speaking = True
            self.call("on_user_started_speaking")
            self._update_clock()
        elif kind == "input_audio_buffer.speech_stopped":
            self.user_speaking = False
            self.call("on_user_stopped_speaking")
            self._update_clock()
        elif kind == "response.output_audio_transcript.done":
            self.call("on_assistant_transcript", str(data.get("transcript") or ""))
        elif kind == "response.output_text.done":
            self.call("on_assistant_transcript", str(data.get("text") or ""))

    def _assistant_stopped(self) -> None:
        if self._assistant_audio:
            self._assistant_audio = False
            self.call("on_assistant_stopped_responding")

    # -- inactivity ------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        return not (
            self.user_speaking or self.responding or self.playback_pending or self.subagents_running
        )

    def _update_clock(self) -> None:
        if self._timeout is None or not self._active:
            return
        if not self.idle:
            self._cancel_countdown()
        elif self._countdown is None or self._countdown.done():
            self._countdown = asyncio.get_running_loop().create_task(self._count_down())

    def _cancel_countdown(self) -> None:
        if self._countdown is not None and self._countdown is not asyncio.current_task():
            self._countdown.cancel()
        self._countdown = None

    async def _count_down(self) -> None:
        assert self._timeout is not None
        deadline = self._clock.now() + self._timeout
        for remaining in range(min(_COUNTDOWN_FROM, math.floor(self._timeout)), 0, -1):
            await self._sleep_until(deadline - remaining)
            self.call("on_user_inactivity_countdown", remaining)
        await self._sleep_until(deadline)
        self._countdown = None
        self._active = False
        if self._on_timeout is not None:
            await self._on_timeout()

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self._clock.now()
        if delay > 0:
            await self._clock.sleep(delay)


def agent_error(error: Any) -> AgentError:
    """An AgentError from a server error object, an exception, or anything else."""
    if isinstance(error, dict):

        def text(key: str) -> str | None:
            value = error.get(key)
            return None if value is None else str(value)

        return AgentError(
            type=text("type") or "error",
            message=text("message") or "unknown error",
            code=text("code"),
            param=text("param"),
        )
    if isinstance(error, BaseException):
        return AgentError(type=type(error).__name__, message=str(error))
    return AgentError(type="error", message=str(error))
