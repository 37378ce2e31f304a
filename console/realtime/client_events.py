"""ClientEventSending: a session's requests as client events, in order, with responses sequenced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import wire
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


class ClientEventSending:
    """The sending half of ``OpenAIRealtimeWebSocketModel`` (a mixin; the model has the state)."""

    model: str
    _decoder: wire.ServerEventDecoder
    _responses: wire.ResponseSequencer
    _wire_observers: list[Callable[[str, dict[str, Any]], None]]
    _ws: ClientConnection | None
    _send_lock: asyncio.Lock
    _call_id: str | None

    def _observe(self, direction: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _emit(self, event: RealtimeModelEvent) -> None:
        raise NotImplementedError

    async def _error(self, kind: str, message: str) -> None:
        raise NotImplementedError

    def _sync_playback_format(self) -> None:
        raise NotImplementedError

    async def _interrupt(
        self,
        *,
        force_cancel: bool,
        barge_in: bool,
        playback: bool = True,
        cancel: bool = True,
        response_id: str | None = None,
    ) -> None:
        raise NotImplementedError

    async def _send(
        self,
        payloads: list[dict[str, Any]],
        what: str | None = None,
        send_if: Callable[[], bool] | None = None,
    ) -> bool:
        """Send client events in order; on a closed connection emit an error event instead.
        ``send_if`` is checked under the send lock, just before the first write: if it is false
        nothing is sent (False, and no error)."""
        failed: tuple[str, str] | None = None
        async with self._send_lock:
            if send_if is not None and not send_if():
                return False
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

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send a user message only if ``send_if()`` holds when it is written to the socket
        (the SDK supports only user input here; anything else is not sent: False)."""
        if not isinstance(event, RealtimeModelSendUserInput):
            return False
        try:
            if not await self._send([wire.user_message_item(event.user_input)], event.type,
                                    send_if):
                return False
            await self._request_response()
        except Exception as exc:
            await self._emit(RealtimeModelExceptionEvent(exception=exc, context=event.type))
            return False
        return True

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
            await self._interrupt(
                force_cancel=event.force_response_cancel or event.cancel_response_only,
                barge_in=False,
                playback=not event.cancel_response_only,
                cancel=not event.playback_only,
                response_id=event.response_id,
            )
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
