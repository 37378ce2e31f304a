"""Transport benchmark: client CPU per server event over loopback, against a bare client floor."""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing as mp
import statistics
import time
import timeit
from typing import Any

TURNS = 150
TRANSCRIPT_DELTAS = 40
AUDIO_DELTAS = 60
AUDIO_BYTES = 4_800
ROUNDS = 3
EVENTS_PER_TURN = TRANSCRIPT_DELTAS + AUDIO_DELTAS + 3  # + created, audio done, response done
AUDIO_B64 = base64.b64encode(bytes(range(256)) * (AUDIO_BYTES // 256) + bytes(AUDIO_BYTES % 256))


def turn_messages(turn: int) -> list[str]:
    """One assistant turn as the server sends it: deltas interleaved like the real API's."""
    rid, iid = f"resp_{turn:06d}", f"item_{turn:06d}"
    head = f'"response_id":"{rid}","item_id":"{iid}","output_index":0,"content_index":0'
    audio = (f'{{"type":"response.output_audio.delta","event_id":"e",{head},"delta":"'
             f'{AUDIO_B64.decode()}"}}')
    text = f'{{"type":"response.output_audio_transcript.delta","event_id":"e",{head},' \
           '"delta":" word"}'
    messages = [json.dumps({"type": "response.created",
                            "response": {"id": rid, "status": "in_progress", "output": []}})]
    for i in range(AUDIO_DELTAS):
        messages.append(audio)
        if i % 3 != 2 and len(messages) <= TRANSCRIPT_DELTAS * 3 // 2:
            messages.append(text)
    while sum(1 for m in messages if "transcript.delta" in m) < TRANSCRIPT_DELTAS:
        messages.append(text)
    messages.append(f'{{"type":"response.output_audio.done","event_id":"e",{head}}}')
    messages.append(json.dumps({"type": "response.done", "response": {
        "id": rid, "status": "completed", "usage": {"total_tokens": 100}}}))
    assert len(messages) == EVENTS_PER_TURN
    return messages


def _server_main(ports: Any) -> None:
    asyncio.run(_serve(ports))


async def _serve(ports: Any) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the client's first message starts the stream
        for turn in range(TURNS):
            for message in turn_messages(turn):
                await ws.send(message)
        await ws.close()

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        ports.put(server.sockets[0].getsockname()[1])
        await asyncio.Future()


async def bare_client(url: str, fast: bool = False) -> float:
    """The floor: websockets, json.loads of every message, base64 of every audio delta.

    With ``fast``, the same parsers the transport uses (pydantic-core's), so the difference is
    what the transport adds on top of parsing: events, tracking, listeners.
    """
    from binascii import a2b_base64

    from websockets.asyncio.client import connect

    loads: Any = json.loads
    b64: Any = a2b_base64
    if fast:
        from console.realtime.wire import decode_base64, from_json

        loads, b64 = from_json, decode_base64

    async with connect(url, compression=None, max_size=None) as ws:
        await ws.send('{"type":"go"}')
        started: float | None = None
        async for message in ws:
            if started is None:
                started = time.process_time()
            data = loads(message)
            if data["type"] == "response.output_audio.delta":
                b64(data["delta"])
    assert started is not None
    return time.process_time() - started


async def transport_client(url: str) -> float:
    """Our transport with a listener that only counts, as a session would receive events."""
    from console.realtime.model import RealtimeModelListener
    from console.realtime.model_events import RealtimeModelEvent
    from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

    class Counter(RealtimeModelListener):
        def __init__(self) -> None:
            self.started: float | None = None
            self.audio = 0
            self.done = asyncio.Event()

        async def on_event(self, event: RealtimeModelEvent) -> None:
            if self.started is None and event.type == "raw_server_event":
                self.started = time.process_time()
            elif event.type == "audio":
                self.audio += 1
            elif event.type == "connection_status" and event.status == "disconnected":
                self.done.set()

    model = OpenAIRealtimeWebSocketModel()
    counter = Counter()
    model.add_listener(counter)
    await model.connect({"url": url, "api_key": "bench"})
    await counter.done.wait()
    elapsed = time.process_time() - (counter.started or 0.0)
    await model.close()
    assert counter.audio == TURNS * AUDIO_DELTAS
    return elapsed


def decode_audio_delta_us() -> float:
    from console.realtime.wire import ServerEventDecoder

    decoder = ServerEventDecoder()
    message = turn_messages(0)[1]
    number = 20_000
    best = min(timeit.repeat(lambda: decoder.decode(message), number=number, repeat=5))
    return best / number * 1e6


def run() -> list[tuple[str, float, str, str]]:
    ctx = mp.get_context("spawn")
    ports: Any = ctx.Queue()
    server = ctx.Process(target=_server_main, args=(ports,), daemon=True)
    server.start()
    try:
        url = f"ws://127.0.0.1:{ports.get(timeout=30)}/"
        events = TURNS * EVENTS_PER_TURN
        floor, fast, ours = [], [], []
        for _ in range(ROUNDS):  # interleaved, so drift in machine load hits all alike
            floor.append(asyncio.run(bare_client(url)) / events * 1e6)
            fast.append(asyncio.run(bare_client(url, fast=True)) / events * 1e6)
            ours.append(asyncio.run(transport_client(url)) / events * 1e6)
    finally:
        server.terminate()
        server.join(timeout=10)
    floor_us, fast_us, ours_us = (statistics.median(x) for x in (floor, fast, ours))
    return [
        ("bare client, json + binascii (the floor), CPU/event", floor_us, "µs", "reference"),
        ("bare client, pydantic-core parsers, CPU/event", fast_us, "µs", "reference"),
        ("OpenAIRealtimeWebSocketModel, CPU/event", ours_us, "µs", "<= 1.15 x floor"),
        ("transport / floor", ours_us / floor_us, "x", "<= 1.15"),
        ("transport / bare client with the same parsers", ours_us / fast_us, "x", "info"),
        ("decode one audio delta (4,800 bytes), no socket", decode_audio_delta_us(), "µs",
         "< 15"),
    ]
