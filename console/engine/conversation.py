"""One connection's conversation, sans-I/O: client events in, server events and jobs out.

`receive` (a text or binary frame) and `handle` (a decoded event) return the events to send at
once; anything slower (a response, a transcription) becomes a job taken with `next_job` and run
by the driver (see job_steps.py). Conversation items created while a response is in flight are
applied when it finishes, as the real API does, so a response's items are never split by another's.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from console.dsp import Clock

from . import client_events, session_config
from .errors import ProtocolError, error_event, missing_parameter, required
from .formats import FORMATS, AudioFormat
from .ids import IdGenerator
from .input_audio_buffer import InputAudioBuffer
from .items import decode_audio, normalise_item, public
from .job_steps import Event, Job
from .listening import Listening
from .overrides import make_run
from .policy import HOLDING_LINE, Output, PolicyInput, decide
from .response import ResponseRun, response_job
from .routing import HANDOFF_PREFIX, AgentMap
from .scenario import Scenario, ScenarioCursor
from .store import ItemStore

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 15 * 2**20
_FIELDS = {
    "session.update": {"session"},
    "input_audio_buffer.append": {"audio"},
    "input_audio_buffer.commit": set(),
    "input_audio_buffer.clear": set(),
    "conversation.item.create": {"item", "previous_item_id"},
    "conversation.item.retrieve": {"item_id"},
    "conversation.item.delete": {"item_id"},
    "conversation.item.truncate": {"item_id", "content_index", "audio_end_ms"},
    "response.create": {"response"},
    "response.cancel": {"response_id"},
    "output_audio_buffer.clear": set(),
}


def _check_frame(message: str | bytes, limit: int) -> Event:
    """The event in a frame; ProtocolError for binary, oversized, non-JSON or non-object frames."""
    if isinstance(message, bytes):
        raise ProtocolError(
            "invalid_message_type",
            "Binary frames are not supported: send each client event as a JSON text frame.",
        )
    if len(message) > limit:
        raise ProtocolError(
            "message_too_large",
            f"Message of {len(message)} bytes exceeds the limit of {limit} bytes; "
            "send audio in smaller input_audio_buffer.append events.",
        )
    try:
        event = json.loads(message)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise ProtocolError(
            "invalid_json",
            f"Invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}. "
            "Each message must be one JSON object with a 'type' field.",
        ) from None
    if not isinstance(event, dict):
        raise ProtocolError(
            "invalid_json",
            f"Expected a JSON object with a 'type' field, got {type(event).__name__}.",
        )
    if client_events.depth(event) > client_events.MAX_DEPTH:
        raise _too_deep()
    return event


def _too_deep() -> ProtocolError:
    return ProtocolError(
        "invalid_json",
        f"The JSON is nested more than {client_events.MAX_DEPTH} levels deep.",
    )


class Conversation:
    """State of one realtime session; every method is synchronous and does no I/O."""

    def __init__(
        self,
        *,
        ids: IdGenerator | None = None,
        scenario: Scenario | None = None,
        model: str = session_config.DEFAULT_MODEL,
        clock: Clock = time.time,
        chunk_ms: int = 50,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        listening: Listening | None = None,
        holding_line: str | None = HOLDING_LINE,
    ) -> None:
        self.ids = ids or IdGenerator()
        self.holding_line = holding_line
        self.agents = AgentMap()
        self._handoffs_placed: set[str] = set()  # handoff calls whose agent's tools were learnt
        self.chunk_ms = chunk_ms
        self.max_message_bytes = max_message_bytes
        expires_at = int(clock()) + 1800
        self.session = session_config.default_session(self.ids.new("sess"), model, expires_at)
        self.conversation_id = self.ids.new("conv")
        self.store = ItemStore()
        self.voice_locked = False
        self.cache_prefix: tuple[int, int] = (0, 0)
        """(text, audio) input tokens of the last response, which the next one's cache covers."""
        self.cursor = ScenarioCursor(scenario)
        self.input_buffer = InputAudioBuffer(
            self,
            ids=self.ids,
            store=self.store,
            cursor=self.cursor,
            fmt=self._format("input"),
            turn_detection=self.turn_detection() or None,
            listening=listening,
        )
        self._jobs: deque[Job] = deque()
        self._runs: list[ResponseRun] = []
        self._deferred: list[tuple[Event, dict[str, Any], bytes | None]] = []

    # -- plumbing -------------------------------------------------------------------------------

    def event(self, type: str, **fields: Any) -> Event:
        return {"type": type, "event_id": self.ids.event(), **fields}

    def start(self) -> list[Event]:
        return [self.event("session.created", session=copy.deepcopy(self.session))]

    def next_job(self) -> Job | None:
        return self._jobs.popleft() if self._jobs else None

    @property
    def responding(self) -> bool:
        return bool(self._runs)

    def receive(self, message: str | bytes) -> list[Event]:
        """One WebSocket frame in; the events to answer with out."""
        try:
            event = _check_frame(message, self.max_message_bytes)
        except ProtocolError as exc:
            return [self._error(exc)]
        return self.handle(event)

    def handle(self, event: Event) -> list[Event]:
        client_id = event.get("event_id")
        try:
            kind = event.get("type")
            if not isinstance(kind, str):
                raise missing_parameter("type")
            if kind not in _FIELDS:
                shown = ", ".join(f"'{k}'" for k in _FIELDS)
                raise ProtocolError(
                    "invalid_value",
                    f"Invalid value: '{kind}'. Supported values are: {shown}.",
                    "type",
                )
            for key in event:
                if key not in _FIELDS[kind] | {"type", "event_id"}:
                    raise ProtocolError("unknown_parameter", f"Unknown parameter: '{key}'.", key)
            client_events.check(event)
            handler: Callable[[Event], list[Event]] = getattr(self, "_on_" + kind.replace(".", "_"))
            return handler(event)
        except ProtocolError as exc:
            return [self._error(exc, client_id)]
        except Exception as exc:  # a bug must cost one event, not the connection
            log.exception("engine failed on %s", event.get("type"))
            return [self._internal(f"The engine failed on this event: {exc!r}", client_id)]

    def _error(self, exc: ProtocolError, client_id: Any = None) -> Event:
        return error_event(
            self.ids.event(), exc.code, exc.message, param=exc.param, client_event_id=client_id
        )

    def _internal(self, message: str, client_id: Any = None) -> Event:
        return error_event(
            self.ids.event(),
            "internal_error",
            message,
            client_event_id=client_id,
            type="server_error",
        )

    def job_failed(self, exc: BaseException) -> list[Event]:
        """A job raised: forget in-flight responses so the session can go on."""
        self._runs.clear()
        return [self._internal(f"The engine failed: {exc!r}"), *self._release_deferred()]

    def _format(self, side: str) -> AudioFormat:
        return FORMATS[self.session["audio"][side]["format"]["type"]]

    # turn_detection, transcribes, queue, added_and_done, respond and cancel_responses (with event
    # and responding) are what the input buffer asks of its conversation (BufferHost).

    def turn_detection(self) -> dict[str, Any]:
        return self.session["audio"]["input"]["turn_detection"] or {}

    def transcribes(self) -> bool:
        return self.session["audio"]["input"]["transcription"] is not None

    def queue(self, job: Job) -> None:
        self._jobs.append(job)

    def added_and_done(self, previous: str | None, item: dict[str, Any]) -> list[Event]:
        """conversation.item.added and .done of an item complete when it goes in."""
        return [
            self.event("conversation.item.added", previous_item_id=previous, item=public(item)),
            self.event("conversation.item.done", previous_item_id=previous, item=public(item)),
        ]

    def item_added(self, item: dict[str, Any]) -> Event:
        """Append an item made by a response; its conversation.item.added event."""
        previous = self.store.append(item)
        return self.event("conversation.item.added", previous_item_id=previous, item=public(item))

    # -- input audio ----------------------------------------------------------------------------

    def _on_input_audio_buffer_append(self, event: Event) -> list[Event]:
        data = decode_audio(required(event, "audio", str, "a base64 string"), "audio")
        return self.input_buffer.append(data)

    def _on_input_audio_buffer_commit(self, event: Event) -> list[Event]:
        return self.input_buffer.commit()

    def _on_input_audio_buffer_clear(self, event: Event) -> list[Event]:
        return self.input_buffer.clear()

    # -- session --------------------------------------------------------------------------------

    def _on_session_update(self, event: Event) -> list[Event]:
        update = required(event, "session", dict, "an object")
        self.session = session_config.apply_update(
            self.session, update, voice_locked=self.voice_locked
        )
        self.input_buffer.configure(self._format("input"), self.turn_detection() or None)
        if "tools" in update:
            self.agents.learn(self.session["tools"], self._handoff_taken())
        self.input_buffer.adapt(str(self.session.get("instructions") or ""), self.session["tools"])
        return [self.event("session.updated", session=copy.deepcopy(self.session))]

    def _handoff_taken(self) -> str | None:
        """The handoff this session.update follows: the latest call, if it is a new handoff."""
        for item in reversed(self.store.items):
            if item.get("type") != "function_call":
                continue
            name, call_id = str(item.get("name", "")), str(item.get("call_id", ""))
            if name.startswith(HANDOFF_PREFIX) and call_id not in self._handoffs_placed:
                self._handoffs_placed.add(call_id)
                return name
            return None
        return None

    # -- items ----------------------------------------------------------------------------------

    def _on_conversation_item_create(self, event: Event) -> list[Event]:
        raw = required(event, "item", dict, "an object")
        item_id = raw.get("id") or self.ids.item()
        if not isinstance(item_id, str):
            raise ProtocolError(
                "invalid_type", "Invalid type for 'item.id': expected a string.", "item.id"
            )
        if self.store.has(item_id) or any(d[1]["id"] == item_id for d in self._deferred):
            raise ProtocolError(
                "duplicate_item_id", f"Item with id '{item_id}' already exists.", "item.id"
            )
        previous = event.get("previous_item_id")
        if previous is not None and not isinstance(previous, str):
            raise ProtocolError(
                "invalid_type",
                "Invalid type for 'previous_item_id': expected a string.",
                "previous_item_id",
            )
        item, audio = normalise_item(raw, item_id)
        if self.responding:
            self._deferred.append((event, item, audio))
            return []
        return self._insert(event, item, audio)

    def _insert(self, event: Event, item: dict[str, Any], audio: bytes | None) -> list[Event]:
        before = self.store.insert(item, event.get("previous_item_id"))
        if audio is not None:
            self.store.keep_audio(item["id"], audio, self._format("input"))
            self.store.pending[item["id"]] = False  # heard by the policy, not reported
        return self.added_and_done(before, item)

    def _release_deferred(self) -> list[Event]:
        events: list[Event] = []
        deferred, self._deferred = self._deferred, []
        for event, item, audio in deferred:
            try:
                events += self._insert(event, item, audio)
            except ProtocolError as exc:
                events.append(self._error(exc, event.get("event_id")))
        return events

    def _on_conversation_item_retrieve(self, event: Event) -> list[Event]:
        item = self.store.retrieved(required(event, "item_id", str, "a string"))
        return [self.event("conversation.item.retrieved", item=item)]

    def _on_conversation_item_delete(self, event: Event) -> list[Event]:
        item_id = required(event, "item_id", str, "a string")
        self.store.delete(item_id)
        return [self.event("conversation.item.deleted", item_id=item_id)]

    def _on_conversation_item_truncate(self, event: Event) -> list[Event]:
        item_id = required(event, "item_id", str, "a string")
        numbers = []
        for key in ("content_index", "audio_end_ms"):
            value = event.get(key)
            if value is None:
                raise missing_parameter(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ProtocolError(
                    "invalid_value", f"Invalid '{key}': expected a non-negative integer.", key
                )
            numbers.append(value)
        index, end_ms = numbers
        self.store.truncate(item_id, index, end_ms, self._format("output"))
        return [
            self.event(
                "conversation.item.truncated",
                item_id=item_id,
                content_index=index,
                audio_end_ms=end_ms,
            )
        ]

    # -- responses ------------------------------------------------------------------------------

    def _on_response_create(self, event: Event) -> list[Event]:
        overrides = event.get("response") or {}
        if not isinstance(overrides, dict):
            raise ProtocolError(
                "invalid_type", "Invalid type for 'response': expected an object.", "response"
            )
        if self._runs:
            raise ProtocolError(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self._runs[0].id}. "
                "Wait until the response is finished before creating a new one.",
            )
        self._start(make_run(overrides, self.session, self.ids, self.store))
        return []

    def _on_response_cancel(self, event: Event) -> list[Event]:
        wanted = event.get("response_id")
        targets = [r for r in self._runs if wanted is None or r.id == wanted]
        if not targets:
            raise ProtocolError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        for run in targets:
            run.cancel("client_cancelled")
        return []

    def _on_output_audio_buffer_clear(self, event: Event) -> list[Event]:
        raise ProtocolError(
            "invalid_value",
            "output_audio_buffer.clear is for WebRTC and SIP sessions; over WebSocket send "
            "conversation.item.truncate and response.cancel instead.",
            "type",
        )

    def _start(self, run: ResponseRun) -> None:
        self._runs.append(run)
        self._jobs.append(response_job(self, run))

    def respond(self) -> None:
        self._start(make_run({}, self.session, self.ids, self.store))

    def cancel_responses(self, reason: str) -> None:
        for run in self._runs:
            run.cancel(reason)

    def decide(self, run: ResponseRun) -> list[Output]:
        items = run.input_items if run.input_items is not None else self.store.items
        inp = PolicyInput(
            items,
            run.tools,
            run.tool_choice,
            self.store.transcripts,
            agents=self.agents,
            holding_line=self.holding_line,
            truncated=self.store.truncated,
        )
        return decide(inp, self.cursor)

    def context_size(self, run: ResponseRun) -> tuple[int, float]:
        items = run.input_items if run.input_items is not None else self.store.items
        chars, audio_ms = self.store.context_size(items)
        return chars + len(str(self.session.get("instructions") or "")), audio_ms

    def finish_response(self, run: ResponseRun) -> list[Event]:
        """The response's job is ending: items held back during it go in now."""
        self.store.trim_audio()
        if run in self._runs:
            self._runs.remove(run)
        self.input_buffer.hold_idle(run.audio_ms)
        return [] if self._runs else self._release_deferred()
