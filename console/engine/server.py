"""The socket adapter: a websockets server that feeds frames to a Conversation and runs its jobs."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import time
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from . import sounds
from .conversation import MAX_MESSAGE_BYTES, Conversation
from .ids import IdGenerator
from .job_steps import Emit, Event, Job, Transcribe, fulfil
from .policy import HOLDING_LINE
from .scenario import Scenario, load_scenario
from .session_config import DEFAULT_MODEL
from .transcribe import Transcriber, make_transcriber
from .voice import Voice, make_voice

log = logging.getLogger(__name__)

PATHS = ("/v1/realtime", "/realtime")
_SUBPROTOCOL_KEY = "openai-insecure-api-key."
# Audio sent at once before pacing starts: a client's jitter buffer fills immediately.
_BURST_MS = 300.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Link:
    """One WebSocket connection: frames in to the conversation, its events and jobs out."""

    def __init__(
        self, ws: ServerConnection, conv: Conversation, engine: LocalEngine, pace: float | None
    ) -> None:
        self.ws, self.conv, self.engine, self.pace = ws, conv, engine, pace
        self._wake = asyncio.Event()

    async def run(self) -> None:
        pump = asyncio.create_task(self._pump())
        try:
            await self._send(self.conv.start())
            async for message in self.ws:
                await self._send(self.conv.receive(message))
                self._wake.set()
        except ConnectionClosed:
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await pump

    async def _send(self, events: list[Event]) -> None:
        for event in events:
            await self.ws.send(json.dumps(event))

    async def _pump(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (job := self.conv.next_job()) is not None:
                await self._drive(job)

    async def _drive(self, job: Job) -> None:
        reply: Any = None
        started, audio_ms = time.monotonic(), 0.0
        while True:
            try:
                step = job.send(reply)
                reply = None
                if isinstance(step, Transcribe) and step.heard is not None and step.heard.done():
                    reply = step.heard.result()  # heard while the audio arrived: no thread hop
                    continue
                if not isinstance(step, Emit):
                    reply = await asyncio.to_thread(
                        fulfil, step, self.engine.voice, self.engine.transcriber
                    )
                    continue
            except StopIteration:
                return
            except Exception as exc:  # a bug in a job must not end the session
                log.exception("engine job failed")
                job.close()
                await self._send(self.conv.job_failed(exc))
                return
            await self._send(step.events)
            audio_ms += step.audio_ms
            wait = 0.0
            if self.pace and audio_ms > _BURST_MS:
                wait = started + (audio_ms - _BURST_MS) / 1000 / self.pace - time.monotonic()
            # Always yield: a response.cancel or barge-in must get in between two deltas.
            await asyncio.sleep(max(wait, 0.0))


class LocalEngine:
    """An offline server speaking the OpenAI Realtime GA protocol on ws://host:port/v1/realtime.

    Each connection is its own conversation. Beyond the documented arguments, `transcriber`
    ("auto", "whisper", "pocketsphinx", "placeholder"), `seed` (deterministic ids), `pace`
    (times faster than real time that audio is streamed after a short burst; None for as fast
    as possible),
    `chunk_ms` (audio per delta) and `max_message_bytes` tune it for tests and benchmarks.
    `holding_line` is said before a call to a tool whose description says it needs approval
    (None: say nothing and go straight to the call).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        require_auth: bool = True,
        scenario: Scenario | str | os.PathLike[str] | None = None,
        voice: str = "auto",
        transcriber: str = "auto",
        seed: int | None = None,
        pace: float | None = 4.0,
        chunk_ms: int = 50,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        holding_line: str | None = HOLDING_LINE,
    ) -> None:
        if not 20 <= chunk_ms <= 100:
            raise ValueError("chunk_ms must be between 20 and 100")
        self.host, self.port = host, port
        self.require_auth = require_auth
        self.token: str | None = token
        if token is None and require_auth:
            self.token = secrets.token_urlsafe(24)
        if scenario is None or isinstance(scenario, Scenario):
            self.scenario = scenario
        else:
            self.scenario = load_scenario(scenario)
        self.voice: Voice = make_voice(voice)
        self.transcriber: Transcriber = make_transcriber(transcriber)
        self.seed, self.pace, self.chunk_ms = seed, pace, chunk_ms
        self.max_message_bytes = max_message_bytes
        self.holding_line = holding_line
        self._server: Server | None = None
        self._connections = 0

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the engine is not started")
        wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
        shown = wildcard.get(self.host, self.host)
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"ws://{shown}:{self.port}{PATHS[0]}"

    def model_config(self) -> dict[str, Any]:
        """Settings for a client's RealtimeModelConfig: the URL and the token as api_key."""
        return {"url": self.url, "api_key": self.token or "local"}

    async def start(self) -> None:
        if self._server is not None:
            return
        if not is_loopback(self.host):
            log.warning("local engine listening on non-loopback host %s", self.host)
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._authorize,
            select_subprotocol=_select_subprotocol,
            compression=None,
            close_timeout=1,
            # Messages over max_message_bytes get an error event; far larger ones close (1009).
            max_size=4 * self.max_message_bytes,
            logger=log,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        warm_up = getattr(self.transcriber, "warm_up", None)
        if callable(warm_up):
            # Load the recogniser's model now, not on the first spoken turn, and the dictionary
            # that reads what it mishears ("booking Katie 42").
            loop = asyncio.get_running_loop()
            loop.run_in_executor(None, warm_up)
            loop.run_in_executor(None, sounds.load)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        try:
            await asyncio.wait_for(asyncio.shield(server.wait_closed()), timeout=1)
        except TimeoutError:
            # A client that stopped reading never answers the close: drop its socket.
            for connection in list(server.connections):
                connection.transport.abort()
            try:
                await asyncio.wait_for(server.wait_closed(), timeout=2)
            except TimeoutError:
                log.warning("local engine: connections did not close in time")

    async def __aenter__(self) -> LocalEngine:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _authorize(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path.rstrip("/")
        if path not in PATHS:
            return _json_response(
                connection,
                HTTPStatus.NOT_FOUND,
                "not_found",
                f"No realtime endpoint at {path or '/'}; connect to {PATHS[0]}.",
            )
        if not self.require_auth or self.token is None:
            return None
        offered = _token(request.headers)
        if offered is None:
            _rejected(connection, "missing_api_key")
            return _json_response(
                connection,
                HTTPStatus.UNAUTHORIZED,
                "missing_api_key",
                "Missing token: send 'Authorization: Bearer <token>' with the token that "
                "`rtconsole serve` printed (or start the engine with --no-auth).",
            )
        if not hmac.compare_digest(offered.encode(), self.token.encode()):
            _rejected(connection, "invalid_api_key")
            return _json_response(
                connection,
                HTTPStatus.UNAUTHORIZED,
                "invalid_api_key",
                "Incorrect token: use the token this engine printed at start-up; "
                "it changes on every run unless one is given.",
            )
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        self._connections += 1
        ids = IdGenerator(self.seed + self._connections - 1) if self.seed is not None else None
        listening = self.transcriber.listen()
        conv = Conversation(
            ids=ids,
            scenario=self.scenario,
            model=(query.get("model") or [DEFAULT_MODEL])[0],
            chunk_ms=self.chunk_ms,
            max_message_bytes=self.max_message_bytes,
            listening=listening,
            holding_line=self.holding_line,
        )
        try:
            await _Link(ws, conv, self, self.pace).run()
        finally:
            if listening is not None:
                listening.close()


def _rejected(connection: ServerConnection, code: str) -> None:
    # Who tried and why, never what they offered: a near-miss token is almost a secret.
    peer = connection.remote_address
    where = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "an unknown address"
    log.warning("rejected a client from %s: %s", where, code)


def _token(headers: Headers) -> str | None:
    auth = headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers cannot set headers on a WebSocket; the API takes the key as a subprotocol.
    for offered in headers.get_all("Sec-WebSocket-Protocol"):
        for name in offered.split(","):
            if name.strip().startswith(_SUBPROTOCOL_KEY):
                return name.strip()[len(_SUBPROTOCOL_KEY) :]
    return None


def _select_subprotocol(connection: ServerConnection, subprotocols: Any) -> Subprotocol | None:
    return Subprotocol("realtime") if "realtime" in subprotocols else None


def _json_response(
    connection: ServerConnection, status: HTTPStatus, code: str, message: str
) -> Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "code": code, "param": None}
    }
    response = connection.respond(status, json.dumps(body) + "\n")
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json"
    if status == HTTPStatus.UNAUTHORIZED:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rtconsole local engine"'
    return response
