"""End-to-end plumbing: a validating wire tap in front of the engine, and live sessions."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from console.engine import LocalEngine
from console.engine.scenario import Scenario
from console.realtime import (
    AgentListener,
    RealtimeAgent,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
)
from console.realtime.lifecycle import Clock
from console.realtime.model import RealtimeModelConfig
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel
from tests.engine.support import chunks
from tests.engine.support import validate as check_server_event
from tests.transport.conftest import check_client_event

GUARD_S = 10.0
"""A guard against hangs, never a timing assertion."""

Record = dict[str, Any]


@dataclass
class Frame:
    direction: str  # "sent" (client to engine) or "received" (engine to client)
    data: Record


@dataclass
class WireTap:
    """A loopback WebSocket relay between our transport and the engine.

    Every frame passes through unchanged and is kept in order per direction; client events are
    checked against ``RealtimeClientEvent`` and server events against ``RealtimeServerEvent``
    (with no fields the real API never sends). Failures are kept in ``invalid``; the fixture
    fails the test on them at teardown.
    """

    upstream: str
    frames: list[Frame] = field(default_factory=list)
    invalid: list[tuple[str, Record, str]] = field(default_factory=list)
    _server: Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/v1/realtime"

    async def start(self) -> WireTap:
        self._server = await serve(self._handle, "127.0.0.1", 0, compression=None, max_size=None)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), GUARD_S)

    async def _handle(self, down: ServerConnection) -> None:
        assert down.request is not None
        headers = {"Authorization": down.request.headers.get("Authorization", "")}
        async with connect(
            self.upstream, additional_headers=headers, compression=None, max_size=None
        ) as up:
            relays = [
                asyncio.create_task(self._relay(down, up, "sent")),
                asyncio.create_task(self._relay(up, down, "received")),
            ]
            await asyncio.wait(relays, return_when=asyncio.FIRST_COMPLETED)
            for relay in relays:
                relay.cancel()
            await asyncio.gather(*relays, return_exceptions=True)
        with contextlib.suppress(Exception):
            await down.close()

    async def _relay(
        self, src: ServerConnection | ClientConnection, dst: Any, direction: str
    ) -> None:
        check = check_client_event if direction == "sent" else check_server_event
        with contextlib.suppress(ConnectionClosed):
            async for message in src:
                data = json.loads(message)
                try:
                    check(data)
                except Exception as exc:
                    self.invalid.append((direction, data, str(exc)[:500]))
                async with self._changed:
                    self.frames.append(Frame(direction, data))
                    self._changed.notify_all()
                await dst.send(message)

    # -- reading what passed ------------------------------------------------------------------

    def of(self, kind: str, direction: str | None = None) -> list[Record]:
        return [
            f.data
            for f in self.frames
            if f.data.get("type") == kind and (direction is None or f.direction == direction)
        ]

    def sent(self, kind: str) -> list[Record]:
        return self.of(kind, "sent")

    def received(self, kind: str) -> list[Record]:
        return self.of(kind, "received")

    def types(self, direction: str) -> list[str]:
        return [str(f.data.get("type")) for f in self.frames if f.direction == direction]

    async def wait_for(
        self,
        kind: str,
        predicate: Callable[[Record], bool] = lambda d: True,
        *,
        direction: str | None = None,
        count: int = 1,
    ) -> list[Record]:
        def found() -> list[Record]:
            return [d for d in self.of(kind, direction) if predicate(d)]

        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(found()) >= count)

        await asyncio.wait_for(ready(), GUARD_S)
        return found()


class SessionEvents:
    """Reads a session's events in a background task and lets a test wait for one."""

    def __init__(self, session: RealtimeSession[Any]) -> None:
        self.session = session
        self.events: list[Any] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for event in self.session.events():
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def done(self) -> bool:
        return self._task.done()

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    def raw(self, kind: str) -> list[Record]:
        """Raw server events of one type, as the session saw them."""
        out = []
        for event in self.of("raw_model_event"):
            data = getattr(event.data, "data", None)
            if (
                event.data.type == "raw_server_event"
                and isinstance(data, dict)
                and data.get("type") == kind
            ):
                out.append(data)
        return out

    def types(self) -> list[str]:
        return [e.type for e in self.events if e.type != "raw_model_event"]

    async def wait_for(
        self, kind: str, predicate: Callable[[Any], bool] = lambda e: True, count: int = 1
    ) -> list[Any]:
        def found() -> list[Any]:
            return [e for e in self.of(kind) if predicate(e)]

        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(found()) >= count or self.done)

        await asyncio.wait_for(ready(), GUARD_S)
        matches = found()
        assert len(matches) >= count, f"session ended before {count} {kind}: {self.types()}"
        return matches

    async def wait_raw(
        self, kind: str, predicate: Callable[[Record], bool] = lambda d: True, count: int = 1
    ) -> list[Record]:
        def match(event: Any) -> bool:
            data = getattr(event.data, "data", None)
            return (
                event.data.type == "raw_server_event"
                and isinstance(data, dict)
                and data.get("type") == kind
                and predicate(data)
            )

        found = await self.wait_for("raw_model_event", match, count)
        return [e.data.data for e in found]

    async def finished(self) -> None:
        await asyncio.wait_for(asyncio.shield(self._task), GUARD_S)


@dataclass
class Live:
    """One running session over our transport, through the tap, against the engine."""

    session: RealtimeSession[Any]
    events: SessionEvents
    tap: WireTap
    model: OpenAIRealtimeWebSocketModel


@contextlib.asynccontextmanager
async def live_session(
    tap: WireTap,
    engine: LocalEngine,
    agent: RealtimeAgent[Any],
    *,
    config: RealtimeRunConfig | None = None,
    listener: AgentListener | None = None,
    clock: Clock | None = None,
    model_config: RealtimeModelConfig | None = None,
) -> AsyncIterator[Live]:
    """Enter a session (our RealtimeRunner, RealtimeSession and WebSocket model) and close it
    on the way out, waiting for its event stream to end."""
    model = OpenAIRealtimeWebSocketModel()
    runner = RealtimeRunner(
        agent, model=model, config=config, listener=listener, lifecycle_clock=clock
    )
    settings: RealtimeModelConfig = {
        "url": tap.url,
        "api_key": engine.model_config()["api_key"],
        **(model_config or {}),
    }
    session = await asyncio.wait_for(runner.run(model_config=settings), GUARD_S)
    await asyncio.wait_for(session.enter(), GUARD_S)
    live = Live(session, SessionEvents(session), tap, model)
    try:
        # session.updated for the first session.update: the engine has the agent's settings.
        await live.events.wait_raw("session.updated")
        yield live
    finally:
        await asyncio.wait_for(session.close(), GUARD_S)
        await live.events.finished()


# The first sentence alone is several seconds of audio: at the engine's pace a test acts
# well inside it, whatever the machine's load.
LONG_REPLY = (
    "The secret code is 1234, and this first sentence goes on for a good while before the "
    "story begins. "
) + " ".join(
    f"Sentence number {n} is here to keep the answer going for a while." for n in range(1, 9)
)
"""A reply that streams for several seconds at the engine's default pace."""


def long_reply_scenario() -> Scenario:
    """'story' gets LONG_REPLY; everything else the engine's own policy."""
    return Scenario.from_dict({"turns": [{"when": "story", "say": LONG_REPLY}]})


def audio_ms_of(tap: WireTap, item_id: str) -> float:
    """Milliseconds of PCM16 audio the engine sent for one item so far."""
    return sum(
        len(base64.b64decode(d["delta"])) / 48.0
        for d in tap.received("response.output_audio.delta")
        if d["item_id"] == item_id
    )


async def speak(session: RealtimeSession[Any], pcm: bytes) -> None:
    """Send PCM16 in 20 ms chunks, as a microphone would (faster than real time)."""
    for chunk in chunks(pcm):
        await session.send_audio(chunk)
