"""OpenAIRealtimeWebSocketModel: the OpenAI Realtime GA protocol over a websockets client."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from . import openai_options, wire
from .config import RealtimeSessionModelSettings
from .items import RealtimeToolCallItem
from .model import (
    ModelAudioTracker,
    RealtimeModel,
    RealtimeModelConfig,
    RealtimeModelListener,
    RealtimePlaybackTracker,
)
from .model_events import (
    RealtimeConnectionStatus,
    RealtimeModelAudioInterruptedEvent,
    RealtimeModelConnectionStatusEvent,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelExceptionEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelTurnEndedEvent,
)
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
)
from .openai_options import (
    DEFAULT_MODEL,
    USER_AGENT,
    RealtimeConfigError,
    RealtimeConnectionError,
    TransportConfig,
    redact_url,
    resolve_api_key,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = [
    "OpenAIRealtimeWebSocketModel",
    "RealtimeConfigError",
    "RealtimeConnectionError",
    "TransportConfig",
]

logger = logging.getLogger(__name__)


class OpenAIRealtimeWebSocketModel(RealtimeModel):
    """A RealtimeModel speaking the Realtime GA protocol over WebSocket.

    Beyond the SDK: response.create is never sent while a response is in flight (it is queued
    until response.done); a truncate is sent at most once per interrupted item and audio still
    arriving for it is dropped; a commit with turn detection off asks for a response (push to
    talk); listener errors and malformed server messages become events instead of ending the
    read loop; ``close()`` is bounded in time; the model can ``connect`` again after closing.
    """

    def __init__(
        self,
        *,
        transport_config: TransportConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = DEFAULT_MODEL
        self.transport_config = transport_config or TransportConfig()
        self._decoder = wire.ServerEventDecoder(ModelAudioTracker(clock=clock))
        self._responses = wire.ResponseSequencer()
        self._listeners: list[RealtimeModelListener] = []
        self._wire_observers: list[Callable[[str, dict[str, Any]], None]] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._send_lock = asyncio.Lock()
        self._playback_tracker: RealtimePlaybackTracker | None = None
        self._call_id: str | None = None
        self._status: RealtimeConnectionStatus = "disconnected"
        self._closing = False
        self._hooks: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "input_audio_buffer.speech_started": self._on_speech_started,
            "response.created": self._on_response_created,
            "response.done": self._on_response_done,
            "error": self._on_server_error,
            "conversation.item.truncated": self._on_truncated,
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
        self._wire_observers.append(observer)

    def _observe(self, direction: str, data: dict[str, Any]) -> None:
        for observer in self._wire_observers:
            try:
                observer(direction, data)
            except Exception:
                logger.exception("a wire observer failed")

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
                "call_id and model_name cannot both be set: a SIP call already has its model"
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
            api_key = await resolve_api_key(options.get("api_key"))
            if not api_key:
                raise RealtimeConfigError(
                    "no OpenAI API key: set OPENAI_API_KEY or pass api_key in the model config"
                )
            headers = {"Authorization": f"Bearer {api_key}"}

        self._decoder.reset()
        self._responses.reset()
        self._closing = False
        await self._set_status("connecting")
        failure: str | None = None
        ws: ClientConnection | None = None
        try:
            ws = await self._open(url, dict(headers))
        except Exception as exc:
            safe = redact_url(url)
            detail = str(exc).replace(url, safe)
            for secret in (api_key, *headers.values()):
                if secret:
                    detail = detail.replace(secret, "***")
            failure = f"could not connect to {safe}: {type(exc).__name__}: {detail}"
        if ws is None:
            await self._set_status("disconnected")
            # Raised outside the handler: no chained exception, which might hold the request
            # (and so the key) in its traceback.
            raise RealtimeConnectionError(failure or "could not connect")
        self._ws = ws
        await self._set_status("connected")
        self._reader = asyncio.create_task(self._read_loop(ws), name="realtime-reader")
        await self._send_session_update(settings, initial=True)

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
        try:
            async for message in ws:
                await self._on_message(message)
            # A clean close ends the loop without an exception. Only 1000 is a deliberate
            # end: 1001 (going away: a server restarting) is a drop to reconnect after.
            failure = _going_away(ws)
        except ConnectionClosedOK:
            failure = _going_away(ws)
        except Exception as exc:  # abnormal close, reset, protocol error: say so, then stop
            failure = _connection_error(exc)
        finally:
            cut_off = self._responses.active
            self._on_disconnected(ws)
        if self._closing:
            failure = None
        if cut_off and not self._closing:
            # The response will never see response.done: end the turn for the listeners.
            await self._emit(RealtimeModelTurnEndedEvent(response_id=None, status="incomplete"))
        if failure is not None:
            await self._emit(RealtimeModelErrorEvent(error=failure))
        if self._status != "disconnected":
            await self._set_status("disconnected")

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
        if self._wire_observers:
            self._observe("recv", data)
        kind = data.get("type")
        hook = self._hooks.get(kind) if type(kind) is str else None
        if hook is not None:
            try:
                await hook(data)
            except Exception as exc:
                await self._emit(RealtimeModelExceptionEvent(exception=exc, context=str(kind)))

    async def _on_speech_started(self, data: dict[str, Any]) -> None:
        await self._interrupt(force_cancel=False, barge_in=True)

    async def _on_response_created(self, data: dict[str, Any]) -> None:
        self._responses.created()

    async def _on_response_done(self, data: dict[str, Any]) -> None:
        await self._send_response(self._responses.done())

    async def _on_server_error(self, data: dict[str, Any]) -> None:
        error = data.get("error")
        if isinstance(error, dict):
            await self._send_response(self._responses.refused(error))

    async def _on_session(self, data: dict[str, Any]) -> None:
        self._sync_playback_format()

    def _sync_playback_format(self) -> None:
        # The playback tracker turns bytes into ms: it must know G.711 from PCM16 too.
        if self._playback_tracker is not None:
            self._playback_tracker.set_audio_format(self._decoder.output_format)

    async def _on_truncated(self, data: dict[str, Any]) -> None:
        item_id = data.get("item_id")
        if isinstance(item_id, str):
            # conversation.item.truncated lacks the shortened transcript; fetch the item.
            await self._send([{"type": "conversation.item.retrieve", "item_id": item_id}])

    # --- sending --------------------------------------------------------------------------------

    async def _send(self, payloads: list[dict[str, Any]], what: str | None = None) -> bool:
        """Send client events in order; on a closed connection emit an error event instead."""
        failed: tuple[str, str] | None = None
        async with self._send_lock:
            for payload in payloads:
                ws = self._ws
                if ws is None:
                    failed = (what or payload["type"], "")
                    break
                try:
                    await ws.send(wire.encode(payload))
                except Exception as exc:
                    failed = (what or payload["type"], f": {type(exc).__name__}: {exc}")
                    break
                if self._wire_observers:
                    self._observe("sent", payload)
        if failed is None:
            return True
        # Emitted outside the lock: a listener may well send something in reply.
        await self._error("not_connected", f"cannot send {failed[0]}: the connection is closed"
                          f"{failed[1]}")
        return False

    async def _send_response(self, payload: dict[str, Any] | None) -> None:
        if payload is not None and not await self._send([payload]):
            self._responses.not_sent(payload)

    async def _request_response(self, payload: dict[str, Any] | None = None) -> None:
        await self._send_response(self._responses.request(payload))

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        """Send a session's request; failures become error events, never exceptions."""
        try:
            await self._dispatch(event)
        except Exception as exc:
            await self._emit(RealtimeModelExceptionEvent(exception=exc, context=event.type))

    async def _dispatch(self, event: RealtimeModelSendEvent) -> None:
        if isinstance(event, RealtimeModelSendAudio):
            sent = await self._send([wire.audio_append(event.audio)], event.type)
            if sent and event.commit:
                await self._send([{"type": "input_audio_buffer.commit"}], event.type)
                # With turn detection off nothing else starts a response (push to talk).
                if wire.turn_detection_of(self._decoder.session) is None:
                    await self._request_response()
        elif isinstance(event, RealtimeModelSendUserInput):
            if await self._send([wire.user_message_item(event.user_input)], event.type):
                await self._request_response()
        elif isinstance(event, RealtimeModelSendToolOutput):
            await self._send_tool_output(event)
        elif isinstance(event, RealtimeModelSendInterrupt):
            await self._interrupt(force_cancel=event.force_response_cancel, barge_in=False)
        elif isinstance(event, RealtimeModelSendSessionUpdate):
            await self._send_session_update(event.session_settings, initial=False)
        elif isinstance(event, RealtimeModelSendRawMessage):
            try:
                payload = wire.raw_message(event.message)
            except ValueError as exc:
                await self._error("invalid_client_message", str(exc))
                return
            if payload["type"] == "response.create":
                await self._request_response(payload)
            elif await self._send([payload]):
                item = payload.get("item")
                if isinstance(item, dict) and item.get("type") == "function_call_output":
                    # A restored output: the call's item events must show it, as for ours.
                    call_id, output = item.get("call_id"), item.get("output")
                    if isinstance(call_id, str) and isinstance(output, str):
                        self._decoder.tool_outputs[call_id] = output
        else:
            await self._error("invalid_client_message", f"unknown send event {event!r}")

    async def _send_tool_output(self, event: RealtimeModelSendToolOutput) -> None:
        call = event.tool_call
        if not await self._send([wire.tool_output_item(call.call_id, event.output)], event.type):
            return
        self._decoder.tool_outputs[call.call_id] = event.output
        # The call and its output are one history item: complete it now.
        await self._emit(
            RealtimeModelItemUpdatedEvent(
                item=RealtimeToolCallItem(
                    item_id=call.id or "",
                    previous_item_id=call.previous_item_id,
                    call_id=call.call_id,
                    status="completed",
                    arguments=call.arguments,
                    name=call.name,
                    output=event.output,
                )
            )
        )
        if event.start_response:
            await self._request_response()

    async def _send_session_update(
        self, settings: RealtimeSessionModelSettings, *, initial: bool
    ) -> None:
        try:
            session = wire.build_session_config(
                settings, model=self.model, call_id=self._call_id, include_tracing=initial
            )
        except ValueError as exc:
            await self._error("invalid_session_settings", str(exc))
            return
        if await self._send([{"type": "session.update", "session": session}]):
            self._decoder.session_sent = True
            self._decoder.set_session(session)
            self._sync_playback_format()

    # --- interruption ---------------------------------------------------------------------------

    def _playing(self) -> tuple[str, int, float] | None:
        """(item, content index, ms heard) of assistant audio still playing, or None."""
        tracker = self._decoder.audio_tracker
        last = tracker.last_item()
        if last is None or last in self._decoder.interrupted:
            return None
        item_id, index = last
        received = tracker.received_ms(item_id, index)
        if self._playback_tracker is not None:
            state = self._playback_tracker.get_state()
            same = state.get("current_item_id") == item_id and (
                state.get("current_item_content_index") or 0
            ) == index
            # A playback tracker that has not reached this item yet means none of it was heard.
            played = float(state.get("elapsed_ms") or 0.0) if same else 0.0
        else:
            played = tracker.played_ms(item_id, index)
        played = max(0.0, min(played if math.isfinite(played) else 0.0, received))
        if last in self._decoder.audio_done and played >= received:
            return None  # everything received was already heard: nothing to stop
        return item_id, index, played

    async def _interrupt(self, *, force_cancel: bool, barge_in: bool) -> None:
        """Stop the playing item: audio_interrupted, one truncate at what was heard, cancel."""
        playing = self._playing()
        if playing is not None:
            item_id, index, played = playing
            self._decoder.interrupted.add((item_id, index))
            self._decoder.audio_tracker.on_interrupted()
            if self._playback_tracker is not None:
                self._playback_tracker.on_interrupted()
            await self._emit(
                RealtimeModelAudioInterruptedEvent(item_id=item_id, content_index=index)
            )
            await self._send([wire.truncate(item_id, index, int(played))])
        elif barge_in:
            return  # speech while nothing plays is just the user's turn
        server_cancels = wire.auto_cancels_on_speech(self._decoder.session)
        if self._responses.active and (force_cancel or not server_cancels):
            await self._send([{"type": "response.cancel"}])

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
                    _abort(ws)
            if reader is not None and reader is not asyncio.current_task():
                # The reader ends by itself once the socket is closed, unless a listener blocks.
                _, pending = await asyncio.wait({reader}, timeout=limit)
                if pending:
                    reader.cancel()
                    await asyncio.wait({reader})
        except asyncio.CancelledError:
            # Cancelled half way (a caller's own timeout): leave nothing running behind.
            if ws is not None:
                _abort(ws)
            if reader is not None and reader is not asyncio.current_task():
                reader.cancel()
            self._status = "disconnected"
            raise
        finally:
            if ws is not None:
                self._on_disconnected(ws)
        if self._status != "disconnected":
            await self._set_status("disconnected")


def _abort(ws: ClientConnection) -> None:
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()


def _going_away(ws: ClientConnection) -> dict[str, Any] | None:
    """The error of a clean close with a code other than 1000, else None."""
    frame = getattr(ws.protocol, "close_rcvd", None) or getattr(ws.protocol, "close_sent", None)
    if frame is None or frame.code == 1000:
        return None
    return {
        "type": "connection_closed",
        "message": f"the server closed the connection: {frame.code} {frame.reason}".rstrip(),
        "code": frame.code,
        "reason": frame.reason,
    }


def _connection_error(exc: Exception) -> dict[str, Any]:
    # The close frame that ended it: the server's, else ours (e.g. 1009 for a too-big message).
    frame = getattr(exc, "rcvd", None) or getattr(exc, "sent", None)
    error: dict[str, Any] = {
        "type": "connection_closed",
        "message": f"the connection ended abnormally: {type(exc).__name__}: {exc}",
    }
    if frame is not None:
        error["code"], error["reason"] = frame.code, frame.reason
    return error
