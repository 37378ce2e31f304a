"""Helpers for the reconnect tests: an engine in its own process, event readers, a flaky model."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.realtime import RealtimeModelConfig, RealtimeSession, RealtimeSessionEvent
from console.realtime.model_events import RealtimeModelErrorEvent
from console.realtime.testing import ScriptedRealtimeModel

GUARD_S = 15.0
"""A hang guard, never a speed assertion: broken code fails the test instead of hanging it."""

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EngineProcess:
    """``python -m console.engine.serve`` in its own process, on a fixed port so it can be
    killed with SIGKILL and started again where the client expects it."""

    def __init__(self, port: int | None = None, *, token: str | None = None) -> None:
        self.port = port or free_port()
        self.token = token
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    async def start(self) -> EngineProcess:
        args = [sys.executable, "-m", "console.engine.serve", "--port", str(self.port),
                "--voice", "synthetic"]
        args += ["--token", self.token] if self.token else ["--no-auth"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for _ in range(50):  # the port may still be held for a moment after a kill
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline),  # type: ignore[union-attr]
                                          GUARD_S)
            if "listening on" in line:
                self._proc = proc
                self.url = line.rsplit(" ", 1)[1].strip()
                # Keep draining stdout so the engine never blocks on a full pipe.
                asyncio.get_running_loop().run_in_executor(None, proc.stdout.read)  # type: ignore[union-attr]
                return self
            proc.wait()
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the engine did not start on port {self.port}")

    def kill9(self) -> None:
        """SIGKILL: no close frame, no cleanup; the client sees its socket die."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def model_config(self) -> RealtimeModelConfig:
        return {"url": self.url, "api_key": self.token or "local"}


class Reader:
    """Reads a session's events with a hang guard, keeping every one in ``seen``."""

    def __init__(self, session: RealtimeSession[Any]) -> None:
        self.iterator = session.events()
        self.seen: list[RealtimeSessionEvent] = []

    async def next(self) -> RealtimeSessionEvent:
        event = await asyncio.wait_for(self.iterator.__anext__(), GUARD_S)
        self.seen.append(event)
        return event

    async def until(self, type_: str, predicate: Callable[[Any], bool] | None = None) -> Any:
        while True:
            event = await self.next()
            if event.type == type_ and (predicate is None or predicate(event)):
                return event

    async def raw(self, server_type: str, predicate: Callable[[dict[str, Any]], bool] | None = None
                  ) -> dict[str, Any]:
        """The next raw server event of ``server_type``."""
        def match(event: Any) -> bool:
            data = getattr(event.data, "data", None)
            return (event.data.type == "raw_server_event" and isinstance(data, dict)
                    and data.get("type") == server_type and (predicate is None or predicate(data)))
        event = await self.until("raw_model_event", match)
        result: dict[str, Any] = event.data.data
        return result

    async def rest(self) -> list[RealtimeSessionEvent]:
        out: list[RealtimeSessionEvent] = []
        with contextlib.suppress(StopAsyncIteration):
            while True:
                out.append(await self.next())
        return out

    def types(self) -> list[str]:
        return [e.type for e in self.seen if e.type != "raw_model_event"]


class FlakyModel(ScriptedRealtimeModel):
    """A scripted model whose connection can drop (abnormally or cleanly) and whose next
    connects can fail."""

    def __init__(self) -> None:
        super().__init__(strict=False)

    @property
    def failures(self) -> list[Exception]:
        """Raised (and removed) one per connect."""
        return self.connect_failures

    @failures.setter
    def failures(self, errors: list[Exception]) -> None:
        self.connect_failures = errors

    async def drop(self, message: str = "connection reset by peer") -> None:
        """What the OpenAI transport reports when its socket dies."""
        await self.emit(RealtimeModelErrorEvent(error={"type": "connection_closed",
                                                       "message": message}))
        await self.disconnect()


async def no_wait(seconds: float) -> None:
    """A reconnect ``sleep`` that does not wait (the delays are recorded by tests that care)."""
    await asyncio.sleep(0)


async def wait_forever(seconds: float) -> None:
    """A reconnect ``sleep`` that only ``reconnect_now()`` cuts short."""
    await asyncio.Event().wait()


class Proxy:
    """A TCP proxy on loopback in front of a server. ``blackhole()`` makes every open link
    go silent both ways without closing it: a dead network path, which only the WebSocket
    ping timeout can notice. Links opened afterwards work normally."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter, list[bool]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/realtime"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        alive = [True]
        self._links.append((writer, up_writer, alive))
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst, alive))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, alive: list[bool]
                    ) -> None:
        with contextlib.suppress(Exception):
            while data := await src.read(65536):
                if alive[0]:
                    dst.write(data)
                    await dst.drain()
        if alive[0]:
            dst.close()

    def blackhole(self) -> None:
        for _, _, alive in self._links:
            alive[0] = False

    async def stop(self) -> None:
        for down, up, _ in self._links:
            down.transport.abort()
            up.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
