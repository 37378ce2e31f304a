"""Engine lifecycle: start/stop never hang, bind failures are clear, bugs cost one event."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from console.engine import LocalEngine, store
from console.engine.conversation import Conversation

from .support import Client, checked, drive


async def test_stop_closes_streaming_connections_promptly() -> None:
    engine = LocalEngine(voice="synthetic", transcriber="placeholder", pace=0.5)
    await engine.stop()  # before start: nothing to do
    await engine.start()
    url = engine.url
    assert url.startswith("ws://127.0.0.1:") and url.endswith("/v1/realtime")
    clients = [await Client.connect(engine) for _ in range(3)]
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "Talk a lot. " * 20}],
    }
    for client in clients:
        await client.send({"type": "conversation.item.create", "item": item})
        await client.send({"type": "response.create"})
        await client.until("response.output_audio.delta")
    started = time.monotonic()
    await engine.stop()
    assert time.monotonic() - started < 2
    for client in clients:
        with pytest.raises(ConnectionClosed):
            while True:
                await client.recv()
    await engine.stop()  # twice is fine
    with pytest.raises(RuntimeError):
        _ = engine.url


async def test_port_in_use_is_an_oserror() -> None:
    async with LocalEngine(voice="synthetic") as first:
        with pytest.raises(OSError):
            await LocalEngine(port=first.port, voice="synthetic").start()


def test_serve_reports_a_busy_port() -> None:
    import subprocess
    import sys

    async def hold_port_and_run() -> subprocess.CompletedProcess[str]:
        async with LocalEngine(voice="synthetic") as engine:
            return await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "console.engine.serve", "--port", str(engine.port)],
                capture_output=True,
                text=True,
                timeout=30,
            )

    done = asyncio.run(hold_port_and_run())
    assert done.returncode == 1
    assert "cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr


def test_a_bug_in_a_handler_costs_one_event(monkeypatch: pytest.MonkeyPatch) -> None:
    conv = Conversation()
    conv.start()

    def broken(self: Conversation, event: dict[str, Any]) -> list[dict[str, Any]]:
        raise KeyError("oops")

    monkeypatch.setattr(Conversation, "_on_input_audio_buffer_clear", broken)
    [error] = checked(conv.handle({"type": "input_audio_buffer.clear", "event_id": "c1"}))
    assert error["error"]["type"] == "server_error"
    assert error["error"]["event_id"] == "c1"
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "still here"}],
    }
    assert len(checked(conv.handle({"type": "conversation.item.create", "item": item}))) == 2


def test_old_audio_is_dropped_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "AUDIO_BUDGET_BYTES", 200_000)
    conv = Conversation()
    conv.start()
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "hello there"}],
    }
    ids = []
    for _ in range(4):
        conv.handle({"type": "conversation.item.create", "item": item})
        conv.handle({"type": "response.create"})
        ids.append(drive(conv)[-1]["response"]["output"][0]["id"])
    assert sum(len(a) for a in conv.store.audio.values()) <= 200_000
    assert ids[-1] in conv.store.audio and ids[0] not in conv.store.audio
