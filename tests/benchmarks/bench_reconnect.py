"""Reconnect and resilience costs: restore time against the local engine, per-event overhead
of the connection watch, and memory kept for a session nobody reads."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any

from console.engine import LocalEngine
from console.realtime import (
    RealtimeAgent,
    RealtimeModelAudioEvent,
    RealtimeModelEvent,
    RealtimeModelRawServerEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
)
from console.realtime.testing import ScriptedRealtimeModel

HISTORY_SIZES = (10, 100, 400)
CHUNK = bytes(960)  # 20 ms of PCM16 at 24 kHz
FLOOD_EVENTS = 60_000  # 20 minutes of 20 ms audio chunks


async def _instant(seconds: float) -> None:
    await asyncio.sleep(0)


async def _until(session: RealtimeSession[Any], iterator: Any, want: Any) -> Any:
    while True:
        event = await asyncio.wait_for(iterator.__anext__(), 60)
        if want(event):
            return event


def _raw(kind: str) -> Any:
    def match(event: Any) -> bool:
        data = getattr(getattr(event, "data", None), "data", None)
        return isinstance(data, dict) and data.get("type") == kind
    return match


async def _restore_ms(items: int) -> tuple[float, float]:
    """(drop -> reconnected, drop -> the new server confirmed the last restored item), ms."""
    config: RealtimeRunConfig = {
        "reconnect": {"enabled": True, "sleep": _instant, "initial_delay_s": 0.0},
        "model_settings": {"output_modalities": ["text"]},
    }
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=None,
                           require_auth=False) as engine:
        runner = RealtimeRunner(RealtimeAgent("Bench", instructions="Echo."), config=config)
        session = await runner.run(model_config={"url": engine.url, "api_key": "local"})
        async with session:
            iterator = session.__aiter__()
            for n in range(items // 2):
                await session.send_message(f"message number {n}")
                await _until(session, iterator, _raw("response.done"))
            last = session.history[-1].item_id
            ws = session.model._ws  # type: ignore[attr-defined]
            started = time.perf_counter()
            ws.transport.abort()  # the socket dies under the session
            await _until(session, iterator, lambda e: e.type == "reconnected")
            reconnected = time.perf_counter()
            await _until(session, iterator, lambda e: _raw("conversation.item.done")(e)
                         and e.data.data["item"]["id"] == last)
            confirmed = time.perf_counter()
    return (reconnected - started) * 1e3, (confirmed - started) * 1e3


def _stream(count: int) -> list[RealtimeModelEvent]:
    """As the transport emits them: each server message raw, then what it means."""
    audio = {"type": "response.output_audio.delta"}
    text = {"type": "response.output_audio_transcript.delta"}
    out: list[RealtimeModelEvent] = []
    for n in range(count // 2):
        if n % 2:
            out.append(RealtimeModelRawServerEvent(data=audio))
            out.append(RealtimeModelAudioEvent(data=CHUNK, response_id="r", item_id="a",
                                               content_index=0))
        else:
            out.append(RealtimeModelRawServerEvent(data=text))
            out.append(RealtimeModelTranscriptDeltaEvent(item_id="a", delta="w ",
                                                         response_id="r"))
    return out


async def _per_event_us(config: RealtimeRunConfig) -> float:
    session: RealtimeSession[Any] = RealtimeSession(
        ScriptedRealtimeModel(strict=False), RealtimeAgent("Bench"), None, run_config=config)
    await session.enter()
    queue = session._queue
    best = float("inf")
    for _ in range(3):
        events = _stream(40_000)
        started = time.process_time()
        for event in events:
            await session.on_event(event)
            while queue.qsize():
                queue.get_nowait()
        best = min(best, (time.process_time() - started) / len(events) * 1e6)
    await session.close()
    return best


async def _kept_mb(limit: int | None) -> float:
    """Memory still held after FLOOD_EVENTS audio chunks reached a session nobody reads."""
    session: RealtimeSession[Any] = RealtimeSession(
        ScriptedRealtimeModel(strict=False), RealtimeAgent("Bench"), None,
        run_config={"max_queued_events": limit})
    await session.enter()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(FLOOD_EVENTS):
        await session.on_event(RealtimeModelAudioEvent(
            data=bytes(960), response_id="r", item_id="a", content_index=0))
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    await session.close()
    return kept / 2**20


async def _run() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    for size in HISTORY_SIZES:
        back, confirmed = await _restore_ms(size)
        rows.append((f"drop -> reconnected, {size} items restored", back, "ms", "< 1000"))
        rows.append((f"drop -> last item confirmed, {size} items", confirmed, "ms", "< 2000"))
    plain = await _per_event_us({"max_queued_events": None})
    watched = await _per_event_us({"reconnect": {"enabled": True}, "response_timeout_s": 30.0,
                                   "max_queued_events": None})
    rows.append(("per model event, reconnect and stall watch off", plain, "µs CPU", "< 10"))
    rows.append(("per model event, reconnect and stall watch on", watched, "µs CPU", "< 10"))
    rows.append((f"unread session, {FLOOD_EVENTS:,} audio events, default limit",
                 await _kept_mb(10_000), "MB kept", "< 30"))
    rows.append((f"unread session, {FLOOD_EVENTS:,} audio events, no limit (SDK)",
                 await _kept_mb(None), "MB kept", "grows"))
    return rows


def run() -> list[tuple[str, float, str, str]]:
    return asyncio.run(_run())
