"""Memory over a long session: two hours of a voice conversation streamed, as fast as the machine
goes, through a real RealtimeSession (fed by ScriptedRealtimeModel) into the real console app,
headless, journaling on (without audio recording, as `rtconsole` runs by default).

Per 10 s turn: the user's item, a response with 500 audio deltas of 20 ms (50 a second, PCM16
24 kHz), 50 transcript deltas, the assistant item's updates, audio done and the turn's end; each
server event also goes to the journal as the transport would hand it over (audio payloads
base64). RSS is read from /proc at the start (app up, session connected) and at the end.
Target: growth under 50 MB, so no audio is kept in memory when not recording.
``RTCONSOLE_BENCH_MEMORY_MINUTES`` shortens the session (default 120).
"""

from __future__ import annotations

import asyncio
import base64
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

MINUTES = float(os.environ.get("RTCONSOLE_BENCH_MEMORY_MINUTES", "120"))
TURN_S = 10
CHUNKS_PER_TURN = 50 * TURN_S
DELTA_EVERY = 10  # one transcript delta per 10 audio chunks: 5 a second
CHUNK = b"\x10\x00" * 480  # 20 ms of PCM16 at 24 kHz
CHUNK_B64 = base64.b64encode(CHUNK).decode()


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


async def _stream(journal_dir: Path) -> dict[str, float]:
    from console.journal import JournalWriter, Redactor
    from console.realtime import RealtimeRunner
    from console.realtime import model_events as me
    from console.realtime.items import (
        AssistantAudio,
        AssistantMessageItem,
        InputText,
        UserMessageItem,
    )
    from console.realtime.testing import ScriptedRealtimeModel
    from console.ui.app import BackendInfo, RtConsoleApp
    from console.ui.audio_protocols import StaticLevels
    from console.ui.demo_agents import demo_agents

    agents = demo_agents()
    model = ScriptedRealtimeModel(strict=False)
    journal = JournalWriter(journal_dir / "bench.jsonl", redactor=Redactor(["sk-bench-key-0000"]))

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        session = await RealtimeRunner(agents[0], model=model).run()
        async with session:
            yield session

    app = RtConsoleApp(
        agents=agents, open_session=opener, backend=BackendInfo("scripted", "bench"),
        levels=StaticLevels(), journal=journal,
    )
    turns = int(MINUTES * 60 / TURN_S)
    events = 0

    async def emit(event: Any, wire: dict[str, Any]) -> None:
        nonlocal events
        journal.wire("recv", wire)
        await model.emit(event)
        events += 1

    async with app.run_test(size=(160, 50), headless=True) as pilot:
        while app.session is None:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        start_mb = rss_mb()
        wall0 = time.perf_counter()
        for turn in range(turns):
            user_id, reply_id, response = f"u{turn}", f"a{turn}", f"r{turn}"
            text = f"Question number {turn}: what happens next?"
            user = UserMessageItem(item_id=user_id, content=[InputText(text=text)])
            await emit(me.RealtimeModelItemUpdatedEvent(user), {
                "type": "conversation.item.done", "item": {"id": user_id, "role": "user"}})
            await emit(me.RealtimeModelTurnStartedEvent(response_id=response), {
                "type": "response.created", "response": {"id": response}})
            said = ""
            reply = AssistantMessageItem(item_id=reply_id, status="in_progress",
                                         content=[AssistantAudio(transcript="")])
            await emit(me.RealtimeModelItemUpdatedEvent(reply), {
                "type": "conversation.item.added", "item": {"id": reply_id}})
            for n in range(CHUNKS_PER_TURN):
                await emit(me.RealtimeModelAudioEvent(CHUNK, response, reply_id, 0), {
                    "type": "response.output_audio.delta", "item_id": reply_id,
                    "delta": CHUNK_B64})
                if n % DELTA_EVERY == 0:
                    word = f"word{n // DELTA_EVERY} "
                    said += word
                    await emit(me.RealtimeModelTranscriptDeltaEvent(reply_id, word, response), {
                        "type": "response.output_audio_transcript.delta", "item_id": reply_id,
                        "delta": word})
                    await asyncio.sleep(0)  # let the bridge and the app keep up
            await emit(me.RealtimeModelAudioDoneEvent(reply_id, 0), {
                "type": "response.output_audio.done", "item_id": reply_id})
            done = AssistantMessageItem(item_id=reply_id, status="completed",
                                        content=[AssistantAudio(transcript=said)])
            await emit(me.RealtimeModelItemUpdatedEvent(done), {
                "type": "conversation.item.done", "item": {"id": reply_id}})
            await emit(me.RealtimeModelTurnEndedEvent(response_id=response, status="completed"), {
                "type": "response.done", "response": {"id": response, "status": "completed"}})
            await pilot.pause()
        await pilot.pause(0.5)
        wall = time.perf_counter() - wall0
        end_mb = rss_mb()
        shown = len(app.main.transcript.entries)
        history = len(app.session.history) if app.session is not None else 0
        await pilot.press("ctrl+q")
    size = journal.path.stat().st_size
    return {
        "start": start_mb, "end": end_mb, "wall": wall, "events": float(events),
        "shown": float(shown), "history": float(history), "journal": size / 1e6,
    }


def run() -> list[tuple[str, float, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(_stream(Path(folder)))
    growth = figures["end"] - figures["start"]
    label = f"{MINUTES:g} min session"
    return [
        (f"RSS at start ({label})", figures["start"], "MB", "-"),
        (f"RSS at end ({label})", figures["end"], "MB", "-"),
        ("RSS growth", growth, "MB", "< 50"),
        ("events streamed", figures["events"], "events", "-"),
        ("streaming time", figures["wall"], "s", "-"),
        ("events per second", figures["events"] / figures["wall"], "events/s", "-"),
        ("transcript entries at end", figures["shown"], "entries", "-"),
        ("history items at end", figures["history"], "items", "-"),
        ("journal size", figures["journal"], "MB", "-"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
