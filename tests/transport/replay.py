"""A loopback server that replays a recorded session, and a driver that plays its user side.

The server streams the recording's ``received`` lines; at each ``sent`` line it waits until the
client sends a message of that type, then goes on. Messages the recording does not have are
kept as extras (not an error: a session may fetch an item the recording's client did not).
At the end it closes the connection normally, which must end the session's iteration.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from console.realtime import RealtimeAgent, RealtimeSession
from console.realtime.config import RealtimeSessionModelSettings
from console.realtime.model_inputs import RealtimeModelSendRawMessage
from console.realtime.tools import FunctionTool, ToolContext

from .conftest import check_client_event
from .recordings import Expected, Line

# Client events the session or transport sends by itself; the driver never sends these.
AUTOMATIC = {
    "session.update", "response.create", "response.cancel", "conversation.item.truncate",
    "conversation.item.retrieve",
}


def is_automatic(line: Line) -> bool:
    if line.type in AUTOMATIC:
        return True
    item = line.data.get("item")
    return line.type == "conversation.item.create" and isinstance(item, dict) and \
        item.get("type") == "function_call_output"


@dataclass
class ReplayServer:
    lines: list[Line]
    patience: float = 5.0  # how long to wait for an expected client message before moving on
    received: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)  # indexes of sent lines answered
    missed: list[int] = field(default_factory=list)  # sent lines the client never sent
    extras: list[dict[str, Any]] = field(default_factory=list)
    cursor: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _moved: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1/realtime"

    async def __aenter__(self) -> ReplayServer:
        self._server = await serve(self._handle, "127.0.0.1", 0, max_size=None)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _advance(self, ws: ServerConnection) -> None:
        """Stream received lines from the cursor up to the next sent line (or the end)."""
        while self.cursor < len(self.lines) and self.lines[self.cursor].direction == "received":
            await ws.send(json.dumps(self.lines[self.cursor].data))
            self.cursor += 1
        async with self._moved:
            self._moved.notify_all()

    async def wait_cursor(self, index: int) -> None:
        async with self._moved:
            await self._moved.wait_for(lambda: self.cursor >= index or self.finished.is_set())

    async def _next_message(self, ws: ServerConnection) -> dict[str, Any] | None:
        try:
            message = await asyncio.wait_for(ws.recv(), self.patience)
        except TimeoutError:
            return None
        data: dict[str, Any] = json.loads(message)
        try:
            check_client_event(data)
        except Exception as exc:
            self.invalid.append((data, str(exc)))
        self.received.append(data)
        return data

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            await self._advance(ws)
            while self.cursor < len(self.lines):
                expected = self.lines[self.cursor]
                data = await self._next_message(ws)
                if data is None:
                    self.missed.append(self.cursor)
                elif data.get("type") == expected.type:
                    self.matched.append(self.cursor)
                else:
                    self.extras.append(data)
                    continue
                self.cursor += 1
                await self._advance(ws)
            await ws.close()
        finally:
            self.finished.set()
            async with self._moved:
                self._moved.notify_all()


def settings_from(update: dict[str, Any] | None) -> RealtimeSessionModelSettings:
    """The session settings that make our transport send the recorded session.update."""
    session = (update or {}).get("session", update or {})
    settings: dict[str, Any] = {}
    audio = session.get("audio") or {}
    inp, out = audio.get("input") or {}, audio.get("output") or {}
    for key, source, target in (
        ("format", inp, "input_audio_format"),
        ("transcription", inp, "input_audio_transcription"),
        ("noise_reduction", inp, "input_audio_noise_reduction"),
        ("turn_detection", inp, "turn_detection"),
        ("format", out, "output_audio_format"),
        ("voice", out, "voice"),
        ("speed", out, "speed"),
    ):
        if key in source:
            settings[target] = source[key]
    for key in ("output_modalities", "tool_choice", "max_output_tokens", "prompt"):
        if key in session:
            settings[key] = session[key]
    if session.get("model"):
        settings["model_name"] = session["model"]
    return settings  # type: ignore[return-value]


def agent_from(exp: Expected) -> RealtimeAgent[Any]:
    """An agent with the recorded instructions and tools; each tool answers what was recorded."""
    session = exp.session_update or {}
    outputs: dict[str, list[str]] = {}
    for call_id, (name, _) in exp.tool_calls.items():
        if call_id in exp.tool_outputs:
            outputs.setdefault(name, []).append(exp.tool_outputs[call_id])

    def make_tool(spec: dict[str, Any]) -> FunctionTool:
        answers = list(outputs.get(spec["name"], []))

        async def invoke(ctx: ToolContext[Any], arguments: str) -> str:
            return answers.pop(0) if answers else "no recorded output"

        return FunctionTool(
            name=spec["name"],
            description=spec.get("description", ""),
            params_json_schema=spec.get("parameters") or {"type": "object", "properties": {}},
            on_invoke_tool=invoke,
            strict_json_schema=False,
        )

    tools = [make_tool(t) for t in session.get("tools", []) if t.get("type") == "function"]
    return RealtimeAgent(name="Replayed", instructions=session.get("instructions"), tools=tools)


async def drive(session: RealtimeSession[Any], server: ReplayServer) -> None:
    """Play the recording's user side, each action when the server is waiting for it."""
    lines = server.lines
    for index, line in enumerate(lines):
        if line.direction != "sent" or is_automatic(line):
            continue
        if line.type == "input_audio_buffer.commit" and index > 0 and \
                lines[index - 1].type == "input_audio_buffer.append":
            continue  # sent together with the append before it
        await server.wait_cursor(index)
        if server.finished.is_set():
            return
        if line.type == "conversation.item.create":
            await session.send_message(line.data["item"])
        elif line.type == "input_audio_buffer.append":
            commit = index + 1 < len(lines) and lines[index + 1].type == \
                "input_audio_buffer.commit"
            await session.send_audio(base64.b64decode(line.data["audio"]), commit=commit)
        else:
            other = {k: v for k, v in line.data.items() if k not in ("type", "event_id")}
            await session.model.send_event(
                RealtimeModelSendRawMessage({"type": line.type, "other_data": other})
            )
