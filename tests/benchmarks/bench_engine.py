"""Local engine: time from response.create to the first audio delta, and CPU per second of audio."""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import statistics
import time

import websockets

from console.engine import LocalEngine
from console.engine.conversation import Conversation
from console.engine.job_steps import run_sync
from console.engine.transcribe import PlaceholderTranscriber
from console.engine.voice import make_voice

RUNS = 30
REPLY = "Tell me about the weather on the coast this weekend, and whether I should bring a coat."


def _user(text: str) -> str:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return json.dumps({"type": "conversation.item.create", "item": item})


async def _first_audio_ms(voice: str) -> list[float]:
    """Over a real loopback socket: response.create sent -> first output_audio.delta received."""
    times = []
    async with LocalEngine(voice=voice, transcriber="placeholder") as engine:
        headers = {"Authorization": f"Bearer {engine.token}"}
        async with websockets.connect(engine.url, additional_headers=headers) as ws:
            await ws.recv()
            for n in range(RUNS + 2):
                await ws.send(_user(f"{REPLY} ({n})"))
                started = time.perf_counter()
                await ws.send('{"type": "response.create"}')
                while '"response.output_audio.delta"' not in (message := str(await ws.recv())):
                    pass
                if n >= 2:  # the first runs warm up caches and the thread pool
                    times.append((time.perf_counter() - started) * 1000)
                await ws.send('{"type": "response.cancel"}')
                while '"response.done"' not in message:
                    message = str(await ws.recv())
    return times


def _cpu_per_audio_second(voice_kind: str) -> float:
    """Engine work alone (sans-I/O core, voice, base64 and JSON), children (espeak-ng) included."""
    voice, transcriber = make_voice(voice_kind), PlaceholderTranscriber()
    conv = Conversation()
    conv.start()
    audio_ms = 0.0
    cpu0 = time.process_time()
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for n in range(10):
        conv.handle(json.loads(_user(f"{REPLY} Number {n}.")))
        conv.handle({"type": "response.create"})
        while (job := conv.next_job()) is not None:
            for event in run_sync(job, voice, transcriber):
                json.dumps(event)
                if event["type"] == "response.output_audio.delta":
                    audio_ms += len(event["delta"]) * 3 / 4 / 48
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (child1.ru_utime - child0.ru_utime) + (child1.ru_stime - child0.ru_stime)
    cpu = time.process_time() - cpu0 + children
    return cpu * 1000 / (audio_ms / 1000)


def run() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    voices = ["synthetic"] + (["espeak"] if shutil.which("espeak-ng") else [])
    for voice in voices:
        times = sorted(asyncio.run(_first_audio_ms(voice)))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        rows.append(
            (
                f"first audio delta after response.create, median ({voice})",
                statistics.median(times),
                "ms",
                "< 100 ms",
            )
        )
        rows.append(
            (f"first audio delta after response.create, p95 ({voice})", p95, "ms", "< 150 ms")
        )
        rows.append(
            (
                f"engine CPU per second of audio ({voice})",
                _cpu_per_audio_second(voice),
                "ms CPU / s audio",
                "< 50 (5% of a core)",
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(*row, sep="\t")
