"""Sending a session's requests as client events: the wire writer and the client event sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import wire
from .barge_in import BargeIn
from .config import RealtimeSessionModelSettings
from .items import RealtimeToolCallItem
from .model_events import (
    RealtimeModelEvent,
    RealtimeModelExceptionEvent,
    RealtimeModelItemUpdatedEvent,
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

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

Emit = Callable[[RealtimeModelEvent], Awaitable[None]]
ReportError = Callable[[str, str], Awaitable[None]]
WireObserver = Callable[[str, dict[str, Any]], None]

logger = logging.getLogger("console.realtime.openai_realtime")


class WireWriter:
    """Writes client events to the current connection, in order, one writer at a time; a
    closed connection becomes a ``not_connected`` error event instead of an exception. Hands
    what goes over the wire, both ways, to the wire observers (journals, protocol logs)."""

    def __init__(
        self, connection: Callable[[], ClientConnection | None], error: ReportError
    ) -> None:
        self._connection = connection
        self._error = error
        self._lock = asyncio.Lock()
        self.observers: list[WireObserver] = []

    def observe(self, direction: str, data: dict[str, Any]) -> None:
        for observer in self.observers:
            try:
                observer(direction, data)
            except Exception:
                logger.exception("a wire observer failed")

    async def send(
        self,
        payloads: list[dict[str, Any]],
        what: str | None = None,
        send_if: Callable[[], bool] | None = None,
    ) -> bool:
        """Send client events in order; on a closed connection emit an error event instead.
        ``send_if`` is checked under the send lock, just before the first write: if it is false
        nothing is sent (False, and no error)."""
        failed: tuple[str, str] | None = None
        async with self._lock:
            if send_if is not None and not send_if():
                return False
            for payload in payloads:
                ws = self._connection()
                if ws is None:
                    failed = (what or payload["type"], "")
                    break
                try:
                    await ws.send(wire.encode(payload))
                except Exception as exc:
                    failed = (what or payload["type"], f": {type(exc).__name__}: {exc}")
                    break
                if self.observers:
                    self.observe("sent", payload)
        if failed is None:
            return True
        # Emitted outside the lock: a listener may well send something in reply.
        await self._error("not_connected", f"cannot send {failed[0]}: the connection is closed"
                          f"{failed[1]}")
        return False


class ClientEventSender:
    """A session's requests (``RealtimeModelSendEvent``) as client events: responses go
    through the sequencer, interrupts to ``barge_in``, and what the server will echo is noted
    on the decoder (the session sent, tool outputs)."""

    def __init__(
        self,
        writer: WireWriter,
        decoder: wire.ServerEventDecoder,
        responses: wire.ResponseSequencer,
        barge_in: BargeIn,
        *,
        emit: Emit,
        error: ReportError,
        target: Callable[[], tuple[str, str | None]],
        session_sent: Callable[[], None],
    ) -> None:
        self._writer = writer
        self._decoder = decoder
        self._responses = responses
        self._barge_in = barge_in
        self._emit = emit
        self._error = error
        self._target = target
        self._session_sent = session_sent

    async def send_response(self, payload: dict[str, Any] | None) -> None:
        if payload is not None and not await self._writer.send([payload]):
            self._responses.not_sent(payload)

    async def request_response(self, payload: dict[str, Any] | None = None) -> None:
        await self.send_response(self._responses.request(payload))

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        """Send a session's request; failures become error events, never exceptions."""
        try:
            await self._dispatch(event)
        except Exception as exc:
            await self._emit(RealtimeModelExceptionEvent(exception=exc, context=event.type))

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send a user message only if ``send_if()`` holds when it is written to the socket
        (the SDK supports only user input here; anything else is not sent: False)."""
        if not isinstance(event, RealtimeModelSendUserInput):
            return False
        try:
            if not await self._writer.send(
                [wire.user_message_item(event.user_input)], event.type, send_if
            ):
                return False
            await self.request_response()
        except Exception as exc:
            await self._emit(RealtimeModelExceptionEvent(exception=exc, context=event.type))
            return False
        return True

    async def _dispatch(self, event: RealtimeModelSendEvent) -> None:
        send = self._writer.send
        if isinstance(event, RealtimeModelSendAudio):
            sent = await send([wire.audio_append(event.audio)], event.type)
            if sent and event.commit:
                await send([{"type": "input_audio_buffer.commit"}], event.type)
                # With turn detection off nothing else starts a response (push to talk).
                if wire.turn_detection_of(self._decoder.session) is None:
                    await self.request_response()
        elif isinstance(event, RealtimeModelSendUserInput):
            if await send([wire.user_message_item(event.user_input)], event.type):
                await self.request_response()
        elif isinstance(event, RealtimeModelSendToolOutput):
            await self._send_tool_output(event)
        elif isinstance(event, RealtimeModelSendInterrupt):
            await self._barge_in.interrupt(
                force_cancel=event.force_response_cancel or event.cancel_response_only,
                barge_in=False,
                playback=not event.cancel_response_only,
                cancel=not event.playback_only,
                response_id=event.response_id,
            )
        elif isinstance(event, RealtimeModelSendSessionUpdate):
            await self.send_session_update(event.session_settings, initial=False)
        elif isinstance(event, RealtimeModelSendRawMessage):
            try:
                payload = wire.raw_message(event.message)
            except ValueError as exc:
                await self._error("invalid_client_message", str(exc))
                return
            if payload["type"] == "response.create":
                await self.request_response(payload)
            elif await send([payload]):
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
        if not await self._writer.send(
            [wire.tool_output_item(call.call_id, event.output)], event.type
        ):
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
            await self.request_response()

    async def send_session_update(
        self, settings: RealtimeSessionModelSettings, *, initial: bool
    ) -> None:
        model, call_id = self._target()
        try:
            session = wire.build_session_config(
                settings, model=model, call_id=call_id, include_tracing=initial
            )
        except ValueError as exc:
            await self._error("invalid_session_settings", str(exc))
            return
        if await self._writer.send([{"type": "session.update", "session": session}]):
            self._decoder.session_sent = True
            self._decoder.set_session(session)
            self._session_sent()
