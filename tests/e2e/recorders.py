"""Recorders for end-to-end tests: a listener that keeps every callback, a manual clock."""

from __future__ import annotations

import asyncio
from typing import Any

from console.realtime import AgentError, AgentListener

from .support import GUARD_S


class Calls(AgentListener):
    """Records every callback as a tuple, in the order the session delivers them."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self._changed = asyncio.Condition()

    async def _add(self, *call: Any) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] == name]

    def compact(self) -> list[str]:
        """Callback names with each run of transcript deltas folded into one ``delta*``."""
        out: list[str] = []
        for name in self.names():
            if name == "delta":
                if not out or out[-1] != "delta*":
                    out.append("delta*")
            else:
                out.append(name)
        return out

    async def wait_for(self, name: str, count: int = 1) -> list[tuple[Any, ...]]:
        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(name)) >= count)

        await asyncio.wait_for(ready(), GUARD_S)
        return self.of(name)

    async def on_agent_starting(self) -> None:
        await self._add("starting")

    async def on_agent_session_connected(self) -> None:
        await self._add("connected")

    async def on_agent_stopped(self) -> None:
        await self._add("stopped")

    async def on_agent_error(self, error: AgentError) -> None:
        await self._add("error", error)

    async def on_agent_interrupted(self) -> None:
        await self._add("interrupted")

    async def on_user_started_speaking(self) -> None:
        await self._add("user_started")

    async def on_user_stopped_speaking(self) -> None:
        await self._add("user_stopped")

    async def on_user_transcript(self, text: str) -> None:
        await self._add("user_transcript", text)

    async def on_assistant_started_responding(self) -> None:
        await self._add("responding")

    async def on_assistant_stopped_responding(self) -> None:
        await self._add("stopped_responding")

    async def on_assistant_transcript(self, text: str) -> None:
        await self._add("transcript", text)

    async def on_assistant_transcript_delta(self, delta: str) -> None:
        await self._add("delta", delta)

    async def on_subagent_started(self, agent_name: str) -> None:
        await self._add("subagent_started", agent_name)

    async def on_subagent_finished(self, agent_name: str) -> None:
        await self._add("subagent_finished", agent_name)

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        await self._add("countdown", remaining_seconds)


class ManualClock:
    """A lifecycle clock that moves only when the test says so (``advance``); sleepers wake
    once it reaches their deadline. No real seconds pass."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeping: dict[int, float] = {}
        self._changed = asyncio.Condition()
        self._next = 0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self._next += 1
        key, end = self._next, self.t + seconds
        async with self._changed:
            self.sleeping[key] = end
            self._changed.notify_all()
            try:
                await self._changed.wait_for(lambda: self.t >= end)
            finally:
                del self.sleeping[key]
                self._changed.notify_all()

    async def advance(self, seconds: float) -> None:
        """Move time on, then wait until every sleeper now due has woken and gone back to
        sleep (or ended), and let the listener worker deliver what that queued."""
        async with self._changed:
            self.t += seconds
            self._changed.notify_all()

        async def settled() -> None:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: all(end > self.t for end in self.sleeping.values())
                )

        await asyncio.wait_for(settled(), GUARD_S)
        for _ in range(20):  # the lifecycle worker delivers queued callbacks one per turn
            await asyncio.sleep(0)

    async def wait_sleeping(self) -> None:
        """Wait until a countdown sleeps (the inactivity clock is running)."""

        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(self.sleeping))

        await asyncio.wait_for(ready(), GUARD_S)
