"""Client limits: message size, history grown by stray deltas, queues nobody reads."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from console.realtime import RealtimeAgent, RealtimeRunner, RealtimeSession
from console.realtime.history import MAX_STRAY_ITEMS
from console.realtime.items import AssistantAudio, AssistantMessageItem
from console.realtime.model import RealtimeModelListener
from console.realtime.model_events import (
    RealtimeModelAudioEvent,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelTranscriptDeltaEvent,
)
from console.realtime.openai_options import DEFAULT_MAX_MESSAGE_BYTES, TransportConfig
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel
from console.realtime.testing import ScriptedRealtimeModel

GUARD_S = 30.0


class Errors(RealtimeModelListener):
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.gone = asyncio.Event()

    async def on_event(self, event: RealtimeModelEvent) -> None:
        if event.type == "error":
            self.errors.append(event.error)
        elif event.type == "connection_status" and event.status == "disconnected":
            self.gone.set()


async def too_big(size: int, transport: TransportConfig | None) -> list[dict[str, Any]]:
    async def handle(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "response.output_text.delta", "delta": "x" * size}))
        await ws.wait_closed()

    async with serve(handle, "127.0.0.1", 0, max_size=None) as server:
        model = OpenAIRealtimeWebSocketModel(transport_config=transport)
        listener = Errors()
        model.add_listener(listener)
        port = server.sockets[0].getsockname()[1]
        await model.connect({"url": f"ws://127.0.0.1:{port}/v1/realtime", "api_key": "k"})
        await asyncio.wait_for(listener.gone.wait(), GUARD_S)
        await model.close()
    return listener.errors


async def test_a_message_over_the_configured_limit_closes_with_a_clear_error() -> None:
    errors = await too_big(2000, TransportConfig(max_size=1024))
    closed = [e for e in errors if e.get("type") == "connection_closed"]
    assert len(closed) == 1 and closed[0]["code"] == 1009
    assert "larger than the limit of 1,024 bytes" in closed[0]["message"]


async def test_the_default_limit_refuses_a_message_over_32_mib() -> None:
    assert TransportConfig().max_size == DEFAULT_MAX_MESSAGE_BYTES == 32 * 1024 * 1024
    errors = await too_big(DEFAULT_MAX_MESSAGE_BYTES + 1, None)
    assert [e["code"] for e in errors if e.get("type") == "connection_closed"] == [1009]


async def start(config: dict[str, Any] | None = None) -> tuple[RealtimeSession[Any],
                                                              ScriptedRealtimeModel]:
    model = ScriptedRealtimeModel(strict=False)
    session = await RealtimeRunner(RealtimeAgent("Main"), model=model,
                                   config=config or {}).run()  # type: ignore[arg-type]
    return await session.enter(), model


async def test_stray_deltas_for_unannounced_items_keep_the_history_bounded() -> None:
    session, model = await start({"max_queued_events": None})
    announced = AssistantMessageItem(item_id="real", content=[AssistantAudio(transcript="")])
    await model.emit(RealtimeModelItemUpdatedEvent(announced))
    for n in range(2000):
        await model.emit(RealtimeModelTranscriptDeltaEvent(f"stray{n}", "x", "r"))
    await model.emit(RealtimeModelTranscriptDeltaEvent("real", "hello", "r"))
    ids = [item.item_id for item in session.history]
    assert len(ids) == 1 + MAX_STRAY_ITEMS
    assert ids[0] == "real" and ids[-1] == "stray1999"  # the newest strays are kept
    assert session.history.get("real").content[0].transcript == "hello"  # type: ignore[union-attr]
    await session.close()


async def drain(session: RealtimeSession[Any]) -> list[Any]:
    await session.close()
    return [event async for event in session]


async def test_server_errors_nobody_reads_are_bounded() -> None:
    session, model = await start({"max_queued_events": 100})
    for n in range(20_000):
        await model.emit(RealtimeModelErrorEvent(error={"type": "server_error", "n": n}))
    assert session._queue.qsize() <= 4 * 100
    assert session.dropped_events > 19_000
    events = await drain(session)
    assert len(events) <= 4 * 100 + 2


async def test_a_reader_just_slower_than_the_audio_hears_of_the_drop_once() -> None:
    session, model = await start({"max_queued_events": 100})
    iterator = session.__aiter__()
    dropped_notices = 0
    for n in range(3000):
        # Three events in (audio, its raw event...), two read: the queue hovers at the limit.
        await model.emit(RealtimeModelAudioEvent(b"\0" * 960, "r", "a", 0))
        for _ in range(2 if n % 3 else 1):
            event = await asyncio.wait_for(iterator.__anext__(), GUARD_S)
            if event.type == "error" and event.error.get("kind") == "events_dropped":
                dropped_notices += 1
    assert session.dropped_events > 0
    events = await drain(session)
    dropped_notices += sum(1 for e in events if e.type == "error"
                           and e.error.get("kind") == "events_dropped")
    assert dropped_notices == 1


async def test_callbacks_for_a_listener_that_never_returns_are_bounded() -> None:
    from console.realtime.lifecycle import MAX_QUEUED_CALLS, LifecycleTracker
    from console.realtime.listener import AgentError, AgentListener

    release = asyncio.Event()
    heard: list[str] = []

    class Stuck(AgentListener):
        async def on_agent_error(self, error: AgentError) -> None:
            heard.append(error.message)
            await release.wait()

    async def report(exc: Exception, where: str) -> None:
        raise AssertionError(where)

    tracker = LifecycleTracker(Stuck(), report_error=report)
    tracker.start()
    for n in range(MAX_QUEUED_CALLS + 5_000):
        tracker.call("on_agent_error", AgentError(type="error", message=str(n)))
    await asyncio.sleep(0)
    assert tracker.dropped_calls >= 5_000 - 1
    release.set()
    await tracker.stop()
    assert len(heard) <= MAX_QUEUED_CALLS + 1
