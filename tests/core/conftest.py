"""Helpers for core tests: a scripted model, started sessions, and an event reader that fails
instead of hanging."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from console.realtime import (
    RealtimeAgent,
    RealtimeModelConfig,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
    RealtimeSessionEvent,
)
from console.realtime.testing import ScriptedRealtimeModel

GUARD_S = 5.0
"""A hang guard, not a speed assertion: a broken session fails the test instead of hanging it."""


@pytest.fixture
def model() -> ScriptedRealtimeModel:
    return ScriptedRealtimeModel(strict=False)


async def start(
    agent: RealtimeAgent[Any],
    model: ScriptedRealtimeModel,
    *,
    context: Any = None,
    config: RealtimeRunConfig | None = None,
    model_config: RealtimeModelConfig | None = None,
) -> RealtimeSession[Any]:
    session = await RealtimeRunner(agent, model=model, config=config).run(
        context=context, model_config=model_config
    )
    return await session.enter()


class Reader:
    """Reads a session's events, keeping every one seen in ``seen``."""

    def __init__(self, session: RealtimeSession[Any], *, console: bool = False) -> None:
        self.iterator = session.events(console=console)
        self.seen: list[RealtimeSessionEvent] = []

    async def next(self) -> RealtimeSessionEvent:
        event = await asyncio.wait_for(self.iterator.__anext__(), GUARD_S)
        self.seen.append(event)
        return event

    async def until(
        self, type_: str, predicate: Callable[[Any], bool] | None = None
    ) -> Any:
        while True:
            event = await self.next()
            if event.type == type_ and (predicate is None or predicate(event)):
                return event

    async def rest(self) -> list[RealtimeSessionEvent]:
        """Every remaining event up to the end of iteration (the session must be closing)."""
        out: list[RealtimeSessionEvent] = []
        while True:
            try:
                event = await self.next()
            except StopAsyncIteration:
                return out
            out.append(event)

    def types(self, *, raw: bool = False) -> list[str]:
        return [e.type for e in self.seen if raw or e.type != "raw_model_event"]
