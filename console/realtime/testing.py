"""ScriptedRealtimeModel: an in-memory RealtimeModel for tests and demos, with scripted replies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .model import RealtimeModel, RealtimeModelConfig, RealtimeModelListener
from .model_events import RealtimeModelConnectionStatusEvent, RealtimeModelEvent
from .model_inputs import RealtimeModelSendEvent

Reaction = (
    Sequence[RealtimeModelEvent]
    | Callable[[RealtimeModelSendEvent], Iterable[RealtimeModelEvent] | None]
)
"""Events to emit when a sent event of some type arrives: a list, or a function of the event."""


class ScriptedRealtimeModel(RealtimeModel):
    """A model that records what the session sends and emits what the test says.

    ``await model.emit(event)`` delivers a model event to every listener now. ``script`` maps a
    sent event type (``"send_user_input"``, ``"send_tool_output"``...) to a reaction; reactions
    are delivered from a reader task, in order, as a real transport's would be, and
    ``await model.settle()`` waits until every scripted reaction so far has been delivered.
    """

    def __init__(self, script: Mapping[str, Reaction] | None = None) -> None:
        self.sent: list[RealtimeModelSendEvent] = []
        self.connect_calls: list[RealtimeModelConfig] = []
        self.listeners: list[RealtimeModelListener] = []
        self.connected = False
        self.closed = False
        self._script: dict[str, list[Reaction]] = {}
        for kind, reaction in (script or {}).items():
            self.on(kind, reaction)
        self._inbox: asyncio.Queue[RealtimeModelEvent] | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def connect_options(self) -> RealtimeModelConfig | None:
        """The options of the last ``connect``."""
        return self.connect_calls[-1] if self.connect_calls else None

    def on(self, sent_type: str, reaction: Reaction) -> None:
        """Add a reaction to sent events of ``sent_type``."""
        self._script.setdefault(sent_type, []).append(reaction)

    def sent_of(self, sent_type: str) -> list[Any]:
        return [e for e in self.sent if e.type == sent_type]

    async def connect(self, options: RealtimeModelConfig) -> None:
        self.connect_calls.append(options)
        self.connected = True
        self.closed = False

    def add_listener(self, listener: RealtimeModelListener) -> None:
        if listener not in self.listeners:
            self.listeners.append(listener)

    def remove_listener(self, listener: RealtimeModelListener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    async def emit(self, event: RealtimeModelEvent) -> None:
        """Deliver ``event`` to every listener, now."""
        for listener in list(self.listeners):
            await listener.on_event(event)

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        self.sent.append(event)
        for reaction in self._script.get(event.type, []):
            produced = reaction(event) if callable(reaction) else reaction
            for model_event in produced or ():
                self._queue(model_event)

    def _queue(self, event: RealtimeModelEvent) -> None:
        if self._inbox is None:
            self._inbox = asyncio.Queue()
            self._reader = asyncio.get_running_loop().create_task(self._read())
        self._inbox.put_nowait(event)

    async def _read(self) -> None:
        assert self._inbox is not None
        while True:
            event = await self._inbox.get()
            try:
                await self.emit(event)
            finally:
                self._inbox.task_done()

    async def settle(self) -> None:
        """Wait until every scripted reaction queued so far has been delivered."""
        if self._inbox is not None:
            await self._inbox.join()

    async def disconnect(self) -> None:
        """Act as if the server closed the connection."""
        self.connected = False
        await self.emit(RealtimeModelConnectionStatusEvent(status="disconnected"))

    async def close(self) -> None:
        self.connected = False
        self.closed = True
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
            self._inbox = None
