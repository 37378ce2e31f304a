"""A session's event stream: the bounded queue it emits into, and iterators that end at close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from .events import (
    CONSOLE_EVENTS,
    RealtimeError,
    RealtimeEventInfo,
    RealtimeSessionClosed,
    RealtimeSessionEvent,
)
from .listener import AgentError

_HARD_LIMIT_FACTOR = 4


class Closed:
    """Queue sentinel put when the session closes; left in the queue for every iterator."""


CLOSED = Closed()


class EventIterator:
    """Yields the session's events; after the last one it raises the exception that ended the
    session, if one did (the SDK's behaviour; once, to the first iterator that gets there),
    else it stops. With ``closed_event``, the session's ``session_closed`` event comes first, as
    this iterator's last event (opt-in: SDK code expects the end right after the SDK's events).
    ``aclose()`` stops this iterator without touching the session. The typed events in
    ``CONSOLE_EVENTS`` are passed over unless ``console`` (opt-in, as they are not the SDK's)."""

    __slots__ = ("_closed_event", "_failure", "_queue", "_skip", "_stopped")

    def __init__(
        self,
        queue: asyncio.Queue[Any],
        failure: Callable[[], BaseException | None],
        closed_event: Callable[[], RealtimeSessionEvent | None] | None = None,
        *,
        console: bool = False,
    ) -> None:
        self._queue = queue
        self._failure = failure
        self._closed_event = closed_event
        self._skip: frozenset[type] = frozenset() if console else CONSOLE_EVENTS
        self._stopped = False

    def __aiter__(self) -> EventIterator:
        return self

    async def __anext__(self) -> RealtimeSessionEvent:
        if self._stopped:
            raise StopAsyncIteration
        queue, skip = self._queue, self._skip
        event = queue.get_nowait() if queue.qsize() else await queue.get()
        while type(event) in skip:
            event = queue.get_nowait() if queue.qsize() else await queue.get()
        if event is CLOSED:
            queue.put_nowait(CLOSED)
            if self._closed_event is not None:
                closed, self._closed_event = self._closed_event(), None
                if closed is not None:
                    return closed
            self._stopped = True
            failure = self._failure()
            if failure is not None:
                raise failure
            raise StopAsyncIteration
        return cast(RealtimeSessionEvent, event)

    async def aclose(self) -> None:
        self._stopped = True


class SessionEvents:
    """A session's outgoing events: the queue its iterators read, bounded for a consumer that
    stopped reading, closed once, and the failure the first iterator to reach the end raises.

    ``emit`` is for state events, ``emit_console`` for the typed events a console opts into,
    ``emit_bulk`` for high-rate ones (audio, raw model events,
    server errors): past ``max_queued`` waiting, bulk events are dropped (with one error
    event saying so); past four times that, every event is (``dropped`` counts them).
    """

    __slots__ = (
        "_dropping", "_failure", "_max_queued", "_report", "closed", "closed_event", "console",
        "dropped", "info", "queue",
    )

    def __init__(
        self,
        info: RealtimeEventInfo,
        max_queued: int | None,
        report: Callable[[AgentError], None],
    ) -> None:
        self.info = info
        self.queue: asyncio.Queue[RealtimeSessionEvent | Closed] = asyncio.Queue()
        self._max_queued = max_queued
        self._report = report
        self._dropping = False
        self._failure: BaseException | None = None
        self.dropped = 0
        self.closed = False
        self.closed_event: RealtimeSessionClosed | None = None
        self.console = False
        """Whether the typed events of ``CONSOLE_EVENTS`` are wanted (an iterator asked for
        them): until then they are not even made, so SDK code pays nothing for them."""

    def emit_console(self, event: RealtimeSessionEvent) -> None:
        """Emit one of the ``CONSOLE_EVENTS``, if a console asked for them."""
        if self.console:
            self.emit(event)

    def emit(self, event: RealtimeSessionEvent) -> None:
        if self.closed:
            return
        limit = self._max_queued
        if limit is not None and self.queue.qsize() >= limit * _HARD_LIMIT_FACTOR:
            # Nobody has read for a long time: even state events go, or memory has no bound.
            self.dropped += 1
            return
        self.queue.put_nowait(event)

    def emit_bulk(self, event: RealtimeSessionEvent) -> None:
        """Queue a high-rate event unless the queue is over its limit: a consumer that stopped
        reading must not make the session grow without bound."""
        limit = self._max_queued
        waiting = self.queue.qsize()
        if limit is None or waiting < limit:
            # Re-armed only once the queue has drained to half: a reader just slower than real
            # time would otherwise cross the limit, and be told so, thousands of times.
            if limit is None or waiting <= limit // 2:
                self._dropping = False
            self.queue.put_nowait(event)
            return
        self.dropped += 1
        if not self._dropping:
            self._dropping = True
            self.queue.put_nowait(
                RealtimeError(
                    error={
                        "message": f"over {limit} events are waiting to be read: audio and raw "
                        "model events are dropped until the queue drains",
                        "kind": "events_dropped",
                    },
                    info=self.info,
                )
            )

    def error(self, message: str, **extra: Any) -> None:
        """Emit an ``error`` event of the session's own (``kind`` and details in ``extra``)."""
        kind = extra.get("kind")
        self.emit(RealtimeError(error={"message": message, **extra}, info=self.info))
        # Listeners hear the session's own errors too (a failing tool, an unknown tool...), but
        # not their own: a raising on_agent_error would otherwise report itself forever.
        if kind != "listener":
            self._report(AgentError(type=str(kind or "error"), message=message))

    def fail(self, failure: BaseException) -> None:
        """Iteration raises ``failure`` after the last event (the first one recorded wins)."""
        if self._failure is None:
            self._failure = failure

    def take_failure(self) -> BaseException | None:
        failure, self._failure = self._failure, None
        return failure

    def close(self, reason: str, error: Any = None) -> None:
        """No more events: iterators end once they have read what is queued."""
        self.closed = True
        self.closed_event = RealtimeSessionClosed(reason=reason, info=self.info, error=error)
        self.queue.put_nowait(CLOSED)

    def iterator(self, *, with_closed: bool = False, console: bool = False) -> EventIterator:
        closed = (lambda: self.closed_event) if with_closed else None
        return EventIterator(self.queue, self.take_failure, closed, console=console)
