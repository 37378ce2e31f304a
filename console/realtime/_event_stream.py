"""The session's event stream: an iterator over its queue that ends after the close event."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from .events import RealtimeSessionEvent


class Closed:
    """Queue sentinel after the session-closed event; left in the queue for every iterator."""


CLOSED = Closed()


class EventIterator:
    __slots__ = ("_queue",)

    def __init__(self, queue: asyncio.Queue[Any]) -> None:
        self._queue = queue

    def __aiter__(self) -> EventIterator:
        return self

    async def __anext__(self) -> RealtimeSessionEvent:
        queue = self._queue
        event = queue.get_nowait() if queue.qsize() else await queue.get()
        if event is CLOSED:
            queue.put_nowait(CLOSED)
            raise StopAsyncIteration
        return cast(RealtimeSessionEvent, event)
