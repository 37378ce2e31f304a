"""The session's event stream: an iterator over its queue that ends after the close event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from .events import RealtimeSessionEvent


class Closed:
    """Queue sentinel after the session-closed event; left in the queue for every iterator."""


CLOSED = Closed()


class EventIterator:
    """Yields the session's events; after the last one it raises the exception that ended the
    session, if one did (the SDK's behaviour; once, to the first iterator that gets there),
    else it stops. ``aclose()`` stops this iterator without touching the session."""

    __slots__ = ("_failure", "_queue", "_stopped")

    def __init__(
        self, queue: asyncio.Queue[Any], failure: Callable[[], BaseException | None]
    ) -> None:
        self._queue = queue
        self._failure = failure
        self._stopped = False

    def __aiter__(self) -> EventIterator:
        return self

    async def __anext__(self) -> RealtimeSessionEvent:
        if self._stopped:
            raise StopAsyncIteration
        queue = self._queue
        event = queue.get_nowait() if queue.qsize() else await queue.get()
        if event is CLOSED:
            queue.put_nowait(CLOSED)
            self._stopped = True
            failure = self._failure()
            if failure is not None:
                raise failure
            raise StopAsyncIteration
        return cast(RealtimeSessionEvent, event)

    async def aclose(self) -> None:
        self._stopped = True
