"""Sans-I/O Realtime GA codec: server text -> model events (client side in ``wire_client``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic_core import from_json

from .audio_formats import AudioFormat, normalize_audio_format
from .items import RealtimeToolCallItem
from .model import ModelAudioTracker
from .model_events import (
    RealtimeModelAudioDoneEvent,
    RealtimeModelAudioEvent,
    RealtimeModelCachedTokensDetails,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelInputAudioTimeoutTriggeredEvent,
    RealtimeModelInputAudioTranscriptionCompletedEvent,
    RealtimeModelInputTokensDetails,
    RealtimeModelItemDeletedEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelOtherEvent,
    RealtimeModelOutputTextDeltaEvent,
    RealtimeModelOutputTokensDetails,
    RealtimeModelRawServerEvent,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
    RealtimeModelUsageEvent,
)
from .usage import Usage

# The client side lives in wire_client; re-exported so ``wire`` is the one codec namespace.
from .wire_client import (
    ResponseSequencer,
    audio_append,
    auto_cancels_on_speech,
    build_session_config,
    encode,
    normalize_turn_detection,
    raw_message,
    session_tools,
    tool_output_item,
    truncate,
    turn_detection_of,
    user_message_item,
)
from .wire_items import MalformedEvent, int_field, message_item, opt_str_field, str_field

__all__ = [
    "MalformedEvent",
    "ResponseSequencer",
    "ServerEventDecoder",
    "audio_append",
    "auto_cancels_on_speech",
    "build_session_config",
    "decode_base64",
    "encode",
    "message_item",
    "normalize_turn_detection",
    "raw_message",
    "session_tools",
    "tool_output_item",
    "truncate",
    "turn_detection_of",
    "user_message_item",
]

_ITEM_EVENTS = ("conversation.item.added", "conversation.item.done", "conversation.item.retrieved",
                "conversation.item.created", "response.output_item.added",
                "response.output_item.done")

# pydantic-core's Rust parsers: JSON about 5x and base64 about 4x faster than json/binascii
# on a 6.4 kB audio delta, which is most of what the transport spends per event.
_json_loads = from_json
_b64_json = TypeAdapter(bytes, config=ConfigDict(val_json_bytes="base64")).validate_json


def decode_base64(text: str) -> bytes:
    """Standard (or URL-safe) base64 to bytes; raises MalformedEvent if it is not base64."""
    if "\\" in text:  # a JSON escape would smuggle other characters past the check
        raise MalformedEvent("audio is not valid base64")
    try:
        return _b64_json('"' + text + '"')
    except ValidationError:
        raise MalformedEvent("audio is not valid base64") from None


# --- server events --------------------------------------------------------------------------------


def _decode_error(message: str, event_type: str | None = None) -> RealtimeModelErrorEvent:
    error: dict[str, Any] = {"type": "client_decode_error", "message": message}
    if event_type is not None:
        error["event_type"] = event_type
    return RealtimeModelErrorEvent(error=error)


Handler = Callable[[RealtimeModelRawServerEvent, dict[str, Any]], list[RealtimeModelEvent]]


def _text_delta(event: Callable[[str, str, str], RealtimeModelEvent]) -> Handler:
    """The handler of a streamed text delta (an audio transcript's or a text output's)."""

    def handle(raw: RealtimeModelRawServerEvent, d: dict[str, Any]) -> list[RealtimeModelEvent]:
        item_id, delta, response_id = d.get("item_id"), d.get("delta"), d.get("response_id", "")
        if type(item_id) is not str or type(delta) is not str or type(response_id) is not str:
            raise MalformedEvent("needs string item_id, delta and response_id")
        return [raw, event(item_id, delta, response_id)]

    return handle


class ServerEventDecoder:
    """Turns each server message into model events: the raw event first, then its meaning.

    Never raises: malformed JSON, non-objects, missing or mistyped fields become error events;
    unknown types become ``other`` events. Keeps the little state decoding needs: received audio
    per (item, content index) in the audio tracker, the session in force, which tool calls were
    announced, and the outputs sent for them.
    """

    def __init__(self, audio_tracker: ModelAudioTracker | None = None) -> None:
        self.audio_tracker = audio_tracker or ModelAudioTracker()
        self.session: dict[str, Any] | None = None
        self.output_format: AudioFormat = "pcm16"
        self.session_sent = False
        self.interrupted: set[tuple[str, int]] = set()
        self.audio_done: set[tuple[str, int]] = set()
        self.tool_outputs: dict[str, str] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        self._announced: set[str] = set()
        self._handlers: dict[str, Handler] = {
            "response.output_audio.delta": self._audio_delta,
            "response.output_audio_transcript.delta": _text_delta(
                RealtimeModelTranscriptDeltaEvent
            ),
            "response.output_text.delta": _text_delta(RealtimeModelOutputTextDeltaEvent),
            "response.output_audio.done": self._audio_done,
            "response.function_call_arguments.done": self._arguments_done,
            "conversation.item.deleted": self._item_deleted,
            "conversation.item.input_audio_transcription.completed": self._transcription,
            "input_audio_buffer.timeout_triggered": self._timeout,
            "response.created": self._response_created,
            "response.done": self._response_done,
            "session.created": self._session,
            "session.updated": self._session,
            "error": self._error,
        }
        for name in _ITEM_EVENTS:
            self._handlers[name] = self._item

    def decode(self, message: str | bytes) -> list[RealtimeModelEvent]:
        try:
            data = _json_loads(message)
        except Exception as exc:  # ValueError mostly; nothing may escape the read loop
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            return [
                RealtimeModelRawServerEvent(data=text),
                _decode_error(f"server message is not valid JSON: {exc}"),
            ]
        raw = RealtimeModelRawServerEvent(data=data)
        if type(data) is not dict:
            return [raw, _decode_error(f"server message is a JSON {type(data).__name__}, "
                                       "not an object")]
        kind = data.get("type")
        if type(kind) is not str:
            return [raw, _decode_error("server message has no string 'type'")]
        handler = self._handlers.get(kind)
        if handler is None:
            return [raw, RealtimeModelOtherEvent(data=data)]
        try:
            return handler(raw, data)
        except (MalformedEvent, ValidationError) as exc:
            return [raw, _decode_error(f"{kind}: {exc}", kind)]
        except Exception as exc:  # a decoder bug must not end the connection's read loop
            return [raw, _decode_error(f"{kind}: {type(exc).__name__}: {exc}", kind)]

    # The three hot paths (audio here, the two text deltas in _text_delta) read only the fields
    # they use.

    def _audio_delta(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        item_id = d.get("item_id")
        delta = d.get("delta")
        index = d.get("content_index", 0)
        if type(item_id) is not str or type(delta) is not str or type(index) is not int:
            raise MalformedEvent("needs string item_id and delta and an integer content_index")
        audio = decode_base64(delta)
        if (item_id, index) in self.interrupted:
            # Truncated already: the user must not hear the rest that was still in flight.
            return [raw]
        self.audio_tracker.on_audio_delta(item_id, index, len(audio))
        response_id = d.get("response_id")
        return [
            raw,
            RealtimeModelAudioEvent(
                data=audio,
                response_id=response_id if type(response_id) is str else "",
                item_id=item_id,
                content_index=index,
            ),
        ]

    def _audio_done(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        item_id, index = str_field(d, "item_id"), int_field(d, "content_index", 0)
        self.audio_done.add((item_id, index))
        return [raw, RealtimeModelAudioDoneEvent(item_id=item_id, content_index=index)]

    def _item_deleted(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        return [raw, RealtimeModelItemDeletedEvent(item_id=str_field(d, "item_id"))]

    def _transcription(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        return [
            raw,
            RealtimeModelInputAudioTranscriptionCompletedEvent(
                item_id=str_field(d, "item_id"), transcript=str_field(d, "transcript")
            ),
        ]

    def _timeout(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        return [
            raw,
            RealtimeModelInputAudioTimeoutTriggeredEvent(
                item_id=str_field(d, "item_id"),
                audio_start_ms=int_field(d, "audio_start_ms"),
                audio_end_ms=int_field(d, "audio_end_ms"),
            ),
        ]

    def _response_created(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        # Lenient on purpose: response sequencing depends on seeing every created/done.
        response = d.get("response")
        rid = opt_str_field(response, "id") if isinstance(response, dict) else None
        return [raw, RealtimeModelTurnStartedEvent(response_id=rid)]

    def _response_done(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        response = d.get("response")
        if not isinstance(response, dict):
            return [raw, RealtimeModelTurnEndedEvent()]
        usage = response.get("usage")
        if not isinstance(usage, dict):
            usage = None
        rid = opt_str_field(response, "id")
        ended = RealtimeModelTurnEndedEvent(
            response_id=rid, status=opt_str_field(response, "status"), usage=usage
        )
        return [raw, usage_event(usage, rid), ended] if usage is not None else [raw, ended]

    def _session(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        session = d.get("session")
        if not isinstance(session, dict):
            raise MalformedEvent("needs a 'session' object")
        # session.created describes the defaults our first session.update is replacing.
        if d["type"] == "session.updated" or not self.session_sent:
            self.set_session(session)
        return [raw, RealtimeModelOtherEvent(data=d)]

    def set_session(self, session: dict[str, Any]) -> None:
        """Adopt a session object (ours when sent, the server's when it reports one)."""
        self.session = session
        audio = session.get("audio")
        out = audio.get("output") if isinstance(audio, dict) else None
        if isinstance(out, dict) and out.get("format") is not None:
            self.output_format = normalize_audio_format(out["format"])
            self.audio_tracker.set_audio_format(self.output_format)

    def _error(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        error = d.get("error")
        if error is None:
            raise MalformedEvent("needs an 'error' object")
        return [raw, RealtimeModelErrorEvent(error=error)]

    def _arguments_done(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        call_id, arguments = str_field(d, "call_id"), str_field(d, "arguments")
        known = self._calls.get(call_id, {})
        name = opt_str_field(d, "name") or known.get("name")
        item_id = opt_str_field(d, "item_id") or known.get("item_id")
        if not name:
            # Without a name the call cannot run; response.output_item.done will carry it.
            return [raw, RealtimeModelOtherEvent(data=d)]
        known.update(name=name, item_id=item_id, arguments=arguments)
        self._calls[call_id] = known
        return [raw, *self._announce(call_id)]

    def _announce(self, call_id: str) -> list[RealtimeModelEvent]:
        if call_id in self._announced:
            return []
        self._announced.add(call_id)
        call = self._calls[call_id]
        return [
            RealtimeModelToolCallEvent(
                name=call["name"],
                call_id=call_id,
                arguments=call.get("arguments") or "",
                id=call.get("item_id"),
                previous_item_id=call.get("previous_item_id"),
            )
        ]

    def _item(
        self, raw: RealtimeModelRawServerEvent, d: dict[str, Any]
    ) -> list[RealtimeModelEvent]:
        item = d.get("item")
        if not isinstance(item, dict):
            raise MalformedEvent("needs an 'item' object")
        kind = item.get("type")
        done = d["type"].endswith(".done")
        previous = opt_str_field(d, "previous_item_id")
        if kind == "message":
            return [raw, RealtimeModelItemUpdatedEvent(item=message_item(item, previous, done))]
        if kind == "function_call":
            return [raw, *self._function_call(item, previous)]
        return [raw, RealtimeModelOtherEvent(data=d)]

    def _function_call(
        self, item: dict[str, Any], previous: str | None
    ) -> list[RealtimeModelEvent]:
        item_id = str_field(item, "id")
        call_id = str_field(item, "call_id")
        call = self._calls.setdefault(call_id, {})
        call["item_id"] = item_id
        if previous:
            call.setdefault("previous_item_id", previous)
        if isinstance(item.get("name"), str) and item["name"]:
            call["name"] = item["name"]
        if isinstance(item.get("arguments"), str) and item["arguments"]:
            call["arguments"] = item["arguments"]
        output = self.tool_outputs.get(call_id)
        # The call and its output share one history item; keep the output once it was sent.
        events: list[RealtimeModelEvent] = [
            RealtimeModelItemUpdatedEvent(
                item=RealtimeToolCallItem(
                    item_id=item_id,
                    previous_item_id=call.get("previous_item_id"),
                    call_id=call_id,
                    status="completed" if output is not None else "in_progress",
                    arguments=call.get("arguments", ""),
                    name=call.get("name", ""),
                    output=output,
                )
            )
        ]
        if item.get("status") == "completed" and call.get("name"):
            events.extend(self._announce(call_id))
        return events

    def reset(self) -> None:
        """Forget per-connection state (a new connection starts a new conversation)."""
        self.session = None
        self.output_format = "pcm16"
        self.session_sent = False
        self.interrupted.clear()
        self.audio_done.clear()
        self.tool_outputs.clear()
        self._calls.clear()
        self._announced.clear()
        self.audio_tracker.clear()


def usage_event(
    usage: dict[str, Any], response_id: str | None = None
) -> RealtimeModelUsageEvent:
    """response.done's ``usage`` as a typed event (total derived when the server omits it)."""

    def count(data: Any, key: str) -> int | None:
        value = data.get(key) if isinstance(data, dict) else None
        return value if type(value) is int else None

    # The GA API spells them ``input_token_details``; the Agents SDK's usage ``..._tokens_...``.
    inp = usage.get("input_token_details", usage.get("input_tokens_details"))
    out = usage.get("output_token_details", usage.get("output_tokens_details"))
    cached = inp.get("cached_tokens_details") if isinstance(inp, dict) else None
    tokens_in = count(usage, "input_tokens") or 0
    tokens_out = count(usage, "output_tokens") or 0
    total = count(usage, "total_tokens")
    summed = Usage(1, tokens_in, tokens_out, tokens_in + tokens_out if total is None else total)
    summed.input_tokens_details.cached_tokens = count(inp, "cached_tokens") or 0
    input_details = output_details = None
    if isinstance(inp, dict):
        input_details = RealtimeModelInputTokensDetails(
            text_tokens=count(inp, "text_tokens"),
            audio_tokens=count(inp, "audio_tokens"),
            image_tokens=count(inp, "image_tokens"),
            cached_tokens=count(inp, "cached_tokens"),
            cached_tokens_details=RealtimeModelCachedTokensDetails(
                count(cached, "text_tokens"), count(cached, "audio_tokens"),
                count(cached, "image_tokens"),
            ) if isinstance(cached, dict) else None,
        )
    if isinstance(out, dict):
        output_details = RealtimeModelOutputTokensDetails(
            count(out, "text_tokens"), count(out, "audio_tokens")
        )
    return RealtimeModelUsageEvent(
        summed, input_details, output_details, response_id=response_id
    )
