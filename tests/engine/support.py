"""Shared helpers for the engine tests: the openai oracle, a raw WebSocket client, recordings."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import websockets
from pydantic import BaseModel, TypeAdapter

from console.engine import LocalEngine
from console.engine.conversation import Conversation
from console.engine.job_steps import Event, run_sync
from console.engine.transcribe import PlaceholderTranscriber, Transcriber
from console.engine.voice import SyntheticVoice, Voice

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openai-realtime"
HAS_ESPEAK = shutil.which("espeak-ng") is not None


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Look up the weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}
CHANGE_BOOKING_TOOL = {
    "type": "function",
    "name": "change_booking",
    "description": "Move a travel booking to another date.",
    "parameters": {
        "type": "object",
        "properties": {"booking_id": {"type": "string"}, "new_date": {"type": "string"}},
        "required": ["booking_id", "new_date"],
    },
}


def handoff_tool(name: str, about: str) -> dict[str, Any]:
    """A handoff as the SDK offers it: its default description, then what the agent is for."""
    return {
        "type": "function",
        "name": f"transfer_to_{name.lower()}",
        "description": f"Handoff to the {name} agent to handle the request. {about}",
        "parameters": {"type": "object", "properties": {}},
    }


# -- the oracle ------------------------------------------------------------------------------


@cache
def _adapter() -> TypeAdapter[Any]:
    from openai.types.realtime import RealtimeServerEvent

    return TypeAdapter(RealtimeServerEvent)


def _extras(model: Any, path: str, found: set[tuple[str, str]]) -> None:
    if isinstance(model, BaseModel):
        for key in model.model_extra or {}:
            found.add((type(model).__name__, key))
        for name in type(model).model_fields:
            _extras(getattr(model, name), f"{path}.{name}", found)
    elif isinstance(model, list):
        for value in model:
            _extras(value, path, found)


def extra_fields(event: Event) -> set[tuple[str, str]]:
    """Fields the openai models do not declare, as (model class, key) pairs."""
    found: set[tuple[str, str]] = set()
    _extras(_adapter().validate_python(event), "", found)
    return found


@cache
def recorded_extras() -> frozenset[tuple[str, str]]:
    """Undeclared fields the real API itself sends (e.g. session.id): allowed for us too."""
    found: set[tuple[str, str]] = set()
    for path in FIXTURES.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["direction"] == "received":
                found |= extra_fields(record["data"])
    # Deltas carry "obfuscation" in the recordings; we may leave it out but it is allowed.
    return frozenset(found)


def validate(event: Event) -> None:
    """The event is a RealtimeServerEvent of its own type, with no fields the API never sends."""
    model = _adapter().validate_python(event)
    assert model.type == event["type"], (model.type, event["type"])
    unknown = extra_fields(event) - recorded_extras()
    assert not unknown, f"{event['type']} has fields the API does not send: {sorted(unknown)}"


# -- recordings -------------------------------------------------------------------------------


def recording(name: str) -> list[dict[str, Any]]:
    lines = (FIXTURES / f"{name}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def received_types(name: str) -> list[str]:
    return [r["data"]["type"] for r in recording(name) if r["direction"] == "received"]


def sent_events(name: str) -> list[Event]:
    return [r["data"] for r in recording(name) if r["direction"] == "sent"]


def collapse(types: Iterable[str]) -> list[str]:
    """Event types with each run of deltas as one entry naming the delta types in it.

    How many deltas a part streams, and how transcript and audio deltas interleave, vary from
    one run of the real API to the next; the order of everything else does not.
    """
    out: list[str] = []
    run: set[str] = set()
    for kind in [*types, ""]:
        if kind.endswith(".delta"):
            run.add(kind)
            continue
        if run:
            out.append("+".join(sorted(run)))
            run = set()
        if kind:
            out.append(kind)
    return out


# -- audio -------------------------------------------------------------------------------------


def speech_pcm(text: str, *, espeak: bool = HAS_ESPEAK, wpm: int = 150) -> bytes:
    """24 kHz PCM16 of `text`: a WAV written by espeak-ng, else the engine's synthetic voice."""
    if not espeak:
        from console.dsp import float_to_pcm16

        return float_to_pcm16(SyntheticVoice().synthesize(text, "echo"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(path), text], check=True
        )
        with wave.open(str(path)) as wav:
            rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    positions = np.arange(int(len(samples) * 24000 / rate)) * rate / 24000
    return np.interp(positions, np.arange(len(samples)), samples).astype("<i2").tobytes()


def silence_pcm(ms: int, rate: int = 24000) -> bytes:
    return bytes(2 * rate * ms // 1000)


def chunks(pcm: bytes, ms: int = 20, rate: int = 24000, width: int = 2) -> list[bytes]:
    step = rate * ms // 1000 * width
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


def audio_ms(events: list[Event], bytes_per_ms: float = 48.0) -> float:
    return sum(
        len(base64.b64decode(e["delta"])) / bytes_per_ms
        for e in events
        if e["type"] == "response.output_audio.delta"
    )


def tone(ms: int, freq: float = 220.0, level: float = 0.3, rate: int = 24000) -> bytes:
    t = np.arange(rate * ms // 1000) / rate
    return (level * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2").tobytes()


# -- sans-I/O driving ----------------------------------------------------------------------------


def drive(
    conv: Conversation,
    voice: Voice | None = None,
    transcriber: Transcriber | None = None,
) -> list[Event]:
    """Run every queued job to the end; every event is checked against the oracle."""
    events: list[Event] = []
    while (job := conv.next_job()) is not None:
        events += run_sync(job, voice or SyntheticVoice(), transcriber or PlaceholderTranscriber())
    for event in events:
        validate(event)
    return events


def checked(events: list[Event]) -> list[Event]:
    for event in events:
        validate(event)
    return events


# -- a raw WebSocket client ----------------------------------------------------------------------


class Client:
    """A bare websockets client that validates every event it receives."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.received: list[Event] = []

    @classmethod
    async def connect(cls, engine: LocalEngine, **kwargs: Any) -> Client:
        headers = {"Authorization": f"Bearer {engine.token}"} if engine.token else {}
        ws = await websockets.connect(engine.url, additional_headers=headers, **kwargs)
        client = cls(ws)
        created = await client.recv()
        assert created["type"] == "session.created"
        return client

    async def send(self, event: Event | str | bytes) -> None:
        await self.ws.send(event if isinstance(event, str | bytes) else json.dumps(event))

    async def recv(self, timeout: float = 10.0) -> Event:
        event: Event = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        validate(event)
        self.received.append(event)
        return event

    async def until(self, kind: str, timeout: float = 10.0) -> list[Event]:
        """Events up to and including the first of type `kind`."""
        out = []
        while True:
            event = await self.recv(timeout)
            out.append(event)
            if event["type"] == kind:
                return out

    async def append(self, pcm: bytes, ms: int = 20) -> None:
        for chunk in chunks(pcm, ms):
            audio = base64.b64encode(chunk).decode()
            await self.send({"type": "input_audio_buffer.append", "audio": audio})

    async def close(self) -> None:
        await self.ws.close()
