"""Core session hot path: CPU time per streamed model event as the history grows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    InputText,
    RealtimeAgent,
    RealtimeModelAudioEvent,
    RealtimeModelEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeSession,
    UserMessageItem,
)
from console.realtime.testing import ScriptedRealtimeModel

SIZES = (10, 1_000, 10_000)
EVENTS = 40_000
DELTAS_PER_RESPONSE = 50
REPEATS = 3
CHUNK = bytes(960)  # 20 ms of PCM16 at 24 kHz


async def _session(size: int) -> RealtimeSession[Any]:
    session: RealtimeSession[Any] = RealtimeSession(
        ScriptedRealtimeModel(strict=False), RealtimeAgent("Bench"), None
    )
    await session.enter()
    previous = None
    for i in range(size):
        item_id = f"h{i}"
        item = UserMessageItem(item_id=item_id, previous_item_id=previous,
                               content=[InputText(text="earlier turn")])
        await session.on_event(RealtimeModelItemUpdatedEvent(item=item))
        previous = item_id
    while session._queue.qsize():
        session._queue.get_nowait()
    return session


def _stream(events: int, tag: str) -> list[RealtimeModelEvent]:
    """Alternating transcript deltas and audio chunks; a new response every 50 deltas."""
    out: list[RealtimeModelEvent] = []
    for n in range(events):
        turn = n // (2 * DELTAS_PER_RESPONSE)
        item_id, response_id = f"{tag}a{turn}", f"{tag}r{turn}"
        if n % 2 == 0:
            out.append(RealtimeModelTranscriptDeltaEvent(
                item_id=item_id, delta="word ", response_id=response_id))
        else:
            out.append(RealtimeModelAudioEvent(
                data=CHUNK, response_id=response_id, item_id=item_id, content_index=0))
    return out


async def _per_event_us(session: RealtimeSession[Any], events: list[RealtimeModelEvent]) -> float:
    """Handling plus queueing plus reading each session event back through the iterator."""
    on_event = session.on_event
    queue = session._queue
    iterator = session.__aiter__()
    anext_ = iterator.__anext__
    started = time.process_time()
    for event in events:
        await on_event(event)
        while queue.qsize():
            await anext_()
    return (time.process_time() - started) / len(events) * 1e6


async def _item_updates_us(session: RealtimeSession[Any], count: int) -> tuple[float, float]:
    """A new item appended, then a snapshot of an existing item merged, per event."""
    new = [RealtimeModelItemUpdatedEvent(item=AssistantMessageItem(
        item_id=f"n{i}", content=[AssistantAudio(transcript="x")])) for i in range(count)]
    again = [RealtimeModelItemUpdatedEvent(item=AssistantMessageItem(
        item_id=f"n{i}", status="completed", content=[AssistantAudio()])) for i in range(count)]
    results = []
    for batch in (new, again):
        started = time.process_time()
        for event in batch:
            await session.on_event(event)
            while session._queue.qsize():
                session._queue.get_nowait()
        results.append((time.process_time() - started) / count * 1e6)
    return results[0], results[1]


async def _run() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    figures: dict[int, float] = {}
    for size in SIZES:
        session = await _session(size)
        await _per_event_us(session, _stream(2_000, "warm"))
        best = min(
            [await _per_event_us(session, _stream(EVENTS, f"t{k}")) for k in range(REPEATS)]
        )
        figures[size] = best
        rows.append((f"per model event, {size:,} items in history", best, "µs CPU", "< 10"))
        if size == SIZES[-1]:
            add, merge = await _item_updates_us(session, 2_000)
            rows.append((f"item added, {size:,} items", add, "µs CPU", "O(1)"))
            rows.append((f"item snapshot merged, {size:,} items", merge, "µs CPU", "O(1)"))
        await session.close()
    ratio = figures[SIZES[-1]] / figures[SIZES[0]]
    rows.append((f"{SIZES[-1]:,} / {SIZES[0]} items cost ratio", ratio, "x", "<= 1.3"))
    return rows


def run() -> list[tuple[str, float, str, str]]:
    return asyncio.run(_run())
