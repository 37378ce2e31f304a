"""Memory bounds: the engine speaking 20 KB of unpunctuated text; the client sent a 100 MB message.

Each figure is measured in a fresh interpreter (``python -m tests.benchmarks.bench_limits CASE``),
since peak RSS is a high-water mark of the whole process.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from typing import Any

TEXT_BYTES = 20_000
MESSAGE_BYTES = 100 * 1024 * 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unpunctuated(size: int) -> str:
    words, n = [], 0
    while n < size:
        word = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")[len(words) % 6]
        words.append(word)
        n += len(word) + 1
    return " ".join(words)[:size]


async def _engine() -> dict[str, float]:
    import websockets

    from console.engine import LocalEngine

    text = _unpunctuated(TEXT_BYTES)
    # Unpaced (as fast as it can synthesise), so the whole reply is measured in little time.
    async with LocalEngine(voice="auto", transcriber="placeholder", pace=None) as engine:
        headers = {"Authorization": f"Bearer {engine.token}"}
        async with websockets.connect(engine.url, additional_headers=headers,
                                      max_size=None) as ws:
            await ws.recv()
            before = _peak_mb()
            item = {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": text}]}
            await ws.send(json.dumps({"type": "conversation.item.create", "item": item}))
            started = time.perf_counter()
            await ws.send('{"type": "response.create"}')
            first_ms = 0.0
            audio_bytes = 0
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "response.output_audio.delta":
                    if not first_ms:
                        first_ms = (time.perf_counter() - started) * 1000
                    audio_bytes += len(message["delta"]) * 3 // 4
                elif message["type"] == "response.done":
                    break
    return {"first_ms": first_ms, "peak_mb": _peak_mb(), "before_mb": before,
            "audio_s": audio_bytes / 48_000}


async def _big_server() -> None:
    """Serves one 100 MB server event per connection; prints its URL. Its own process, so
    building the message never counts against the client's peak RSS."""
    from websockets.asyncio.server import ServerConnection, serve

    async def handle(ws: ServerConnection) -> None:
        delta = "A" * MESSAGE_BYTES
        await ws.send(json.dumps({"type": "response.output_audio.delta", "delta": delta,
                                  "item_id": "i", "response_id": "r", "output_index": 0,
                                  "content_index": 0, "event_id": "e"}))
        del delta
        await ws.wait_closed()

    async with serve(handle, "127.0.0.1", 0, max_size=None) as server:
        print(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/realtime", flush=True)
        await asyncio.Event().wait()


async def _client() -> dict[str, float]:
    from console.realtime.model import RealtimeModelListener
    from console.realtime.model_events import RealtimeModelEvent
    from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

    errors: list[dict[str, Any]] = []
    done = asyncio.Event()

    class Listener(RealtimeModelListener):
        async def on_event(self, event: RealtimeModelEvent) -> None:
            if event.type == "error":
                errors.append(event.error)  # type: ignore[union-attr]
            elif event.type == "connection_status" and event.status == "disconnected":  # type: ignore[union-attr]
                done.set()

    server = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.bench_limits", "server"],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = await asyncio.to_thread(server.stdout.readline)  # type: ignore[union-attr]
        before = _peak_mb()
        model = OpenAIRealtimeWebSocketModel()
        model.add_listener(Listener())
        await model.connect({"url": url.strip(), "api_key": "k"})
        await asyncio.wait_for(done.wait(), 120)
        await model.close()
    finally:
        server.kill()
        server.wait()
    refused = any(e.get("code") == 1009 for e in errors)
    return {"peak_mb": _peak_mb(), "before_mb": before, "refused": float(refused)}


def _measure(case: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_limits", case],
                          capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> list[tuple[str, float, str, str]]:
    engine = _measure("engine")
    client = _measure("client")
    return [
        ("engine: first audio, 20 KB unpunctuated", engine["first_ms"], "ms", "<= 200"),
        ("engine: peak RSS speaking it", engine["peak_mb"], "MB", "bounded (was 1,490)"),
        ("engine: RSS before the reply", engine["before_mb"], "MB", "-"),
        ("engine: audio spoken", engine["audio_s"], "s", "-"),
        ("client: peak RSS, 100 MB message sent", client["peak_mb"], "MB", "bounded (was 837)"),
        ("client: RSS before it", client["before_mb"], "MB", "-"),
        ("client: message refused with an error", client["refused"], "1=yes", "1"),
    ]


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "server":
        asyncio.run(_big_server())
    else:
        print(json.dumps(asyncio.run(_engine() if which == "engine" else _client())))
