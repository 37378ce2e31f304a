"""The session's event stream: an iterator over its queue that ends when the session closes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from .events import CONSOLE_EVENTS, RealtimeSessionEvent


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
