"""OpenAIRealtimeWebSocketModel: the OpenAI Realtime GA protocol over a websockets client."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from . import openai_options, wire
from .barge_in import BargeIn
from .client_events import ClientEventSender, WireWriter
from .close_codes import CONNECTION_DROPPED, abort, connection_error, going_away
from .config import RealtimeSessionModelSettings
from .model import (
    ModelAudioTracker,
    RealtimeModel,
    RealtimeModelConfig,
    RealtimeModelListener,
    RealtimePlaybackTracker,
)
from .model_events import (
    RealtimeConnectionStatus,
    RealtimeModelConnectionStatusEvent,
    RealtimeModelEndOfStreamEvent,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelExceptionEvent,
    RealtimeModelTurnEndedEvent,
)
from .model_inputs import RealtimeModelSendEvent
from .openai_options import (
    DEFAULT_MODEL,
    USER_AGENT,
    RealtimeConfigError,
    RealtimeConnectionError,
    RealtimeConnectionTimeout,
    TransportConfig,
    get_api_key,
    redact_url,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = [
    "OpenAIRealtimeWebSocketModel",
    "RealtimeConfigError",
    "RealtimeConnectionError",
    "TransportConfig",
    "get_api_key",
]

logger = logging.getLogger(__name__)


class OpenAIRealtimeWebSocketModel(RealtimeModel):
    """A RealtimeModel speaking the Realtime GA protocol over WebSocket.

    Beyond the SDK: response.create is never sent while a response is in flight (it is queued
    until response.done); a truncate is sent at most once per interrupted item and audio still
    arriving for it is dropped; a commit with turn detection off asks for a response (push to
    talk); listener errors and malformed server messages become events instead of ending the
    read loop; ``close()`` is bounded in time; the model can ``connect`` again after closing.
    The model holds its parts as objects: the server event decoder and the response
    sequencer (sans-I/O, ``wire``), a ``WireWriter`` (encoding, ordered writes, wire
    observers), a ``ClientEventSender`` (a session's requests as client events) and a
    ``BargeIn`` (interrupting); this class owns the socket, its read loop and the listeners.
    """

    def __init__(
        self,
        *,
        transport_config: TransportConfig | Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = DEFAULT_MODEL
        self.transport_config = TransportConfig.coerce(transport_config)
        self._decoder = wire.ServerEventDecoder(ModelAudioTracker(clock=clock))
        self._responses = wire.ResponseSequencer()
        self._listeners: list[RealtimeModelListener] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._playback_tracker: RealtimePlaybackTracker | None = None
        self._call_id: str | None = None
        self._status: RealtimeConnectionStatus = "disconnected"
        self._closing = False
        self._writer = WireWriter(lambda: self._ws, self._error)
        self._barge_in = BargeIn(
            self._decoder,
            self._responses,
            self._writer,
            emit=self._emit,
            playback=lambda: self._playback_tracker,
        )
        self._sender = ClientEventSender(
            self._writer,
            self._decoder,
            self._responses,
            self._barge_in,
            emit=self._emit,
            error=self._error,
            target=lambda: (self.model, self._call_id),
            session_sent=self._sync_playback_format,
        )
        self._hooks: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "input_audio_buffer.speech_started": self._barge_in.on_speech_started,
            "response.created": self._on_response_created,
            "response.done": self._on_response_done,
            "error": self._on_server_error,
            "conversation.item.truncated": self._barge_in.on_truncated,
            "session.created": self._on_session,
            "session.updated": self._on_session,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, status={self._status!r})"

    @property
    def audio_tracker(self) -> ModelAudioTracker:
        """The default tracker: audio received per item, played time estimated in real time."""
        return self._decoder.audio_tracker

    @property
    def status(self) -> RealtimeConnectionStatus:
        return self._status

    def add_wire_observer(self, observer: Callable[[str, dict[str, Any]], None]) -> None:
        """Also hand every client event sent (``"sent"``) and server event received (``"recv"``)
        to ``observer``, as JSON objects: for journals and protocol logs. Not in the SDK."""
        self._writer.observers.append(observer)

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        """Send a session's request; failures become error events, never exceptions."""
        await self._sender.send_event(event)

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send a user message only if ``send_if()`` holds when it is written to the socket
        (the SDK supports only user input here; anything else is not sent: False)."""
        return await self._sender.send_event_if(event, send_if)

    def add_listener(self, listener: RealtimeModelListener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove_listener(self, listener: RealtimeModelListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def _emit(self, event: RealtimeModelEvent) -> None:
        for listener in tuple(self._listeners):
            try:
                await listener.on_event(event)
            except Exception as exc:  # one failing listener must not silence the connection
                if isinstance(event, RealtimeModelExceptionEvent):
                    logger.exception("listener failed on an exception event")
                    continue
                await self._emit(
                    RealtimeModelExceptionEvent(exception=exc, context="listener failed")
                )

    async def _error(self, kind: str, message: str) -> None:
        await self._emit(RealtimeModelErrorEvent(error={"type": kind, "message": message}))

    async def _set_status(self, status: RealtimeConnectionStatus) -> None:
        if status != self._status:
            self._status = status
            await self._emit(RealtimeModelConnectionStatusEvent(status=status))

    # --- connecting -----------------------------------------------------------------------------

    async def connect(self, options: RealtimeModelConfig) -> None:
        """Open the WebSocket, start reading, and send session.update from the settings."""
        if self._ws is not None:
            raise RuntimeError("already connected; close() before connecting again")
        settings: RealtimeSessionModelSettings = options.get("initial_model_settings") or {}
        call_id = options.get("call_id")
        model_name = settings.get("model_name")
        if call_id and model_name:
            raise RealtimeConfigError(
                "Cannot specify both `call_id` and `model_name` when attaching to an existing "
                "realtime call (a SIP call already has its model)"
            )
        if model_name:
            self.model = model_name
        self._call_id = call_id
        self._playback_tracker = options.get("playback_tracker")
        extra = cast(Mapping[str, Any], options)
        if extra.get("transport") is not None:
            self.transport_config = TransportConfig.coerce(extra["transport"])

        url = options.get("url") or openai_options.realtime_url(self.model, call_id)
        headers = options.get("headers")
        api_key: str | None = None
        if headers is None:
            api_key = await get_api_key(options.get("api_key"))
            if not api_key:
                raise RealtimeConfigError(
                    "API key is required but was not provided: set OPENAI_API_KEY or pass "
                    "api_key in the model config"
                )
            headers = {"Authorization": f"Bearer {api_key}"}

        self._decoder.reset()
        self._responses.reset()
        self._closing = False
        self._status = "connecting"  # not emitted: the SDK reports only a server's disconnect
        failure: str | None = None
        timed_out = False
        ws: ClientConnection | None = None
        try:
            ws = await self._open(url, dict(headers))
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError)
            safe = redact_url(url)
            detail = str(exc).replace(url, safe)
            for secret in (api_key, *headers.values()):
                if secret:
                    detail = detail.replace(secret, "***")
            failure = f"could not connect to {safe}: {type(exc).__name__}: {detail}"
        if ws is None:
            self._status = "disconnected"
            # Raised outside the handler: no chained exception, which might hold the request
            # (and so the key) in its traceback.
            error = RealtimeConnectionTimeout if timed_out else RealtimeConnectionError
            raise error(failure or "could not connect")
        self._ws = ws
        self._status = "connected"
        self._reader = asyncio.create_task(self._read_loop(ws), name="realtime-reader")
        await self._sender.send_session_update(settings, initial=True)

    async def _open(self, url: str, headers: dict[str, str]) -> ClientConnection:
        from websockets.asyncio.client import connect  # lazy: the core imports without it

        cfg = self.transport_config
        return await connect(
            url,
            additional_headers=headers,
            user_agent_header=USER_AGENT,
            open_timeout=cfg.handshake_timeout,
            ping_interval=cfg.ping_interval,
            ping_timeout=cfg.ping_timeout,
            close_timeout=cfg.close_timeout,
            max_size=cfg.max_size,
        )

    # --- reading --------------------------------------------------------------------------------

    async def _read_loop(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosedOK

        failure: dict[str, Any] | None = None
        dropped: Exception | None = None
        try:
            async for message in ws:
                await self._on_message(message)
            # A clean close ends the loop without an exception. Only 1000 is a deliberate
            # end: 1001 (going away: a server restarting) is a drop to reconnect after.
            failure = going_away(ws)
        except ConnectionClosedOK:
            failure = going_away(ws)
        except Exception as exc:  # abnormal close, reset, protocol error: say so, then stop
            failure, dropped = connection_error(exc, self.transport_config.max_size), exc
        finally:
            cut_off = self._responses.active
            self._on_disconnected(ws)
        if self._closing:
            return  # closed by us: nothing to report (the SDK's behaviour)
        if cut_off:
            # The response will never see response.done: end the turn for the listeners.
            await self._emit(RealtimeModelTurnEndedEvent(response_id=None, status="incomplete"))
        if dropped is not None:
            # As in the SDK, an abnormal close is an exception (a session raises it from its
            # iterator); the error and status below let a session reconnect instead (opt-in).
            await self._emit(RealtimeModelExceptionEvent(dropped, CONNECTION_DROPPED))
        if failure is not None:
            await self._emit(RealtimeModelErrorEvent(error=failure))
        if self._status != "disconnected":
            await self._set_status("disconnected")
        if failure is None:
            await self._emit(RealtimeModelEndOfStreamEvent())  # a deliberate end (1000)

    def _on_disconnected(self, ws: ClientConnection) -> None:
        if self._ws is ws:
            self._ws = None
        self._responses.reset()

    async def _on_message(self, message: str | bytes) -> None:
        events = self._decoder.decode(message)
        for event in events:
            await self._emit(event)
        data = getattr(events[0], "data", None)  # always the raw event
        if type(data) is not dict:
            return
        if self._writer.observers:
            self._writer.observe("recv", data)
        kind = data.get("type")
        hook = self._hooks.get(kind) if type(kind) is str else None
        if hook is not None:
            try:
                await hook(data)
            except Exception as exc:
                await self._emit(RealtimeModelExceptionEvent(exception=exc, context=str(kind)))

    async def _on_response_created(self, data: dict[str, Any]) -> None:
        self._responses.created()

    async def _on_response_done(self, data: dict[str, Any]) -> None:
        await self._sender.send_response(self._responses.done())

    async def _on_server_error(self, data: dict[str, Any]) -> None:
        error = data.get("error")
        if isinstance(error, dict):
            await self._sender.send_response(self._responses.refused(error))

    async def _on_session(self, data: dict[str, Any]) -> None:
        self._sync_playback_format()

    def _sync_playback_format(self) -> None:
        # The playback tracker turns bytes into ms: it must know G.711 from PCM16 too.
        if self._playback_tracker is not None:
            self._playback_tracker.set_audio_format(self._decoder.output_format)

    # --- closing --------------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection; bounded by ``close_timeout`` even if the server never answers."""
        ws, reader = self._ws, self._reader
        self._reader = None
        self._closing = True
        limit = self.transport_config.close_timeout
        try:
            if ws is not None:
                try:
                    async with asyncio.timeout(limit):
                        await ws.close()
                except Exception:  # timeout or a broken socket: drop the connection outright
                    abort(ws)
            if reader is not None and reader is not asyncio.current_task():
                # The reader ends by itself once the socket is closed, unless a listener blocks.
                _, pending = await asyncio.wait({reader}, timeout=limit)
                if pending:
                    reader.cancel()
                    await asyncio.wait({reader})
        except asyncio.CancelledError:
            # Cancelled half way (a caller's own timeout): leave nothing running behind.
            if ws is not None:
                abort(ws)
            if reader is not None and reader is not asyncio.current_task():
                reader.cancel()
            self._status = "disconnected"
            raise
        finally:
            if ws is not None:
                self._on_disconnected(ws)
        self._status = "disconnected"  # not emitted: only a server's disconnect is


def __getattr__(name: str) -> Any:
    # The SDK defines the SIP model in this module; ours lives in .sip (which imports this one).
    if name == "OpenAIRealtimeSIPModel":
        from .sip import OpenAIRealtimeSIPModel

        return OpenAIRealtimeSIPModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
