"""How a session turns model events into history changes and session events (a mixin)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._close_codes import CONNECTION_DROPPED
from ._event_stream import Closed
from .events import (
    RealtimeAgentEndEvent,
    RealtimeAgentStartEvent,
    RealtimeAudio,
    RealtimeAudioEnd,
    RealtimeAudioInterrupted,
    RealtimeConnectionStateChanged,
    RealtimeError,
    RealtimeEventInfo,
    RealtimeHistoryAdded,
    RealtimeHistoryUpdated,
    RealtimeInputAudioTimeoutTriggered,
    RealtimeRawModelEvent,
    RealtimeSessionEvent,
    RealtimeTextDelta,
    RealtimeTranscriptDelta,
    RealtimeTurnEnded,
    RealtimeTurnStarted,
    RealtimeUsageUpdated,
    RealtimeUserTranscript,
)
from .history import History
from .items import RealtimeItem, RealtimeToolCallItem
from .model import RealtimeModelListener
from .model_events import RealtimeModelEvent, RealtimeModelItemUpdatedEvent
from .server_signals import signal_of

if TYPE_CHECKING:
    from ._guardrail_runner import GuardrailRunner
    from ._link import SessionLink
    from ._tool_calls import ToolCalls
    from .agent import RealtimeAgent
    from .run_context import RunContextWrapper


class ModelEventHandling(RealtimeModelListener):
    """``on_event`` and its handlers; ``RealtimeSession`` provides the state they use."""

    _closing: bool
    _queue: asyncio.Queue[RealtimeSessionEvent | Closed]
    _max_queued: int | None
    _dropping: bool
    dropped_events: int
    _history: History
    _event_info: RealtimeEventInfo
    _handlers: dict[str, Callable[[Any], None]]
    _link: SessionLink
    _tools: ToolCalls
    _guardrails: GuardrailRunner
    _current_agent: RealtimeAgent[Any]
    _failure: BaseException | None
    _context_wrapper: RunContextWrapper[Any]

    def _emit(self, event: RealtimeSessionEvent) -> None:
        raise NotImplementedError

    def _emit_error(self, message: str, **extra: Any) -> None:
        raise NotImplementedError

    def _begin_close(self, reason: str, error: Any = None) -> asyncio.Task[None]:
        raise NotImplementedError

    def _emit_bulk(self, event: RealtimeSessionEvent) -> None:
        """Queue a high-rate event (audio, raw model event) unless the queue is over its limit:
        a consumer that stopped reading must not make the session grow without bound."""
        limit = self._max_queued
        waiting = self._queue.qsize()
        if limit is None or waiting < limit:
            # Re-armed only once the queue has drained to half: a reader just slower than real
            # time would otherwise cross the limit, and be told so, thousands of times.
            if limit is None or waiting <= limit // 2:
                self._dropping = False
            self._queue.put_nowait(event)
            return
        self.dropped_events += 1
        if not self._dropping:
            self._dropping = True
            self._queue.put_nowait(
                RealtimeError(
                    error={
                        "message": f"over {limit} events are waiting to be read: audio and raw "
                        "model events are dropped until the queue drains",
                        "kind": "events_dropped",
                    },
                    info=self._event_info,
                )
            )

    async def on_event(self, event: RealtimeModelEvent) -> None:
        """Called by the model for every event it emits."""
        if self._closing:
            return
        self._link.on_model_event(event)
        self._emit_bulk(RealtimeRawModelEvent(event, self._event_info))
        if event.type == "other":
            signal = signal_of(event.data, self._event_info)
            if signal is not None:
                self._emit(signal)
        handler = self._handlers.get(event.type)
        try:
            if handler is not None:
                handler(event)
            elif event.type == "function_call":
                await self._tools.on_call(event)
        except Exception as exc:
            # A bug here must not propagate into the transport's reader and kill the connection.
            self._emit_error(
                f"the session failed to handle a {event.type} event: {exc!r}", kind="internal"
            )

    def _on_transcript_delta(self, event: Any) -> None:
        self._on_streamed(event, self._history.append_transcript(event.item_id, event.delta))
        self._emit(
            RealtimeTranscriptDelta(event.item_id, event.response_id, event.delta, self._event_info)
        )

    def _on_text_delta(self, event: Any) -> None:
        self._on_streamed(event, self._history.append_text(event.item_id, event.delta))
        self._emit(
            RealtimeTextDelta(event.item_id, event.response_id, event.delta, self._event_info)
        )

    def _on_streamed(self, event: Any, appended: tuple[RealtimeItem, bool]) -> None:
        """A transcript or text delta is in the history: announce a new item, feed guardrails."""
        item, new = appended
        if new:
            self._queue.put_nowait(RealtimeHistoryAdded(item=item, info=self._event_info))
        if self._guardrails.active:
            self._guardrails.on_delta(event.item_id, event.delta, event.response_id)

    def _on_audio(self, event: Any) -> None:
        if event.response_id in self._guardrails.interrupted:
            return  # A guardrail stopped this response: do not play the rest of it.
        self._emit_bulk(RealtimeAudio(event, event.item_id, event.content_index, self._event_info))

    def _on_audio_done(self, event: Any) -> None:
        self._emit(
            RealtimeAudioEnd(
                item_id=event.item_id, content_index=event.content_index, info=self._event_info
            )
        )

    def _on_audio_interrupted(self, event: Any) -> None:
        self._emit(
            RealtimeAudioInterrupted(
                item_id=event.item_id, content_index=event.content_index, info=self._event_info
            )
        )

    def _on_item_updated(self, event: RealtimeModelItemUpdatedEvent) -> None:
        incoming = event.item
        # The server's echo of an item a reconnect restored carries less than the history
        # (text for audio, no tool output): only a real change (an output) is merged.
        if incoming.item_id in self._link.restored_ids and (
            not isinstance(incoming, RealtimeToolCallItem) or incoming.output is None
        ):
            return
        item, new = self._history.upsert(incoming)
        if new:
            self._emit(RealtimeHistoryAdded(item=item, info=self._event_info))
        else:
            self._emit(RealtimeHistoryUpdated(history=self._history.view, info=self._event_info))

    def _on_item_deleted(self, event: Any) -> None:
        if self._history.delete(event.item_id) is not None:
            self._emit(RealtimeHistoryUpdated(history=self._history.view, info=self._event_info))

    def _on_user_transcript(self, event: Any) -> None:
        item, new = self._history.set_user_transcript(event.item_id, event.transcript)
        if new:
            self._emit(RealtimeHistoryAdded(item=item, info=self._event_info))
        else:
            self._emit(RealtimeHistoryUpdated(history=self._history.view, info=self._event_info))
        self._emit(RealtimeUserTranscript(event.item_id, event.transcript, self._event_info))

    def _on_input_timeout(self, event: Any) -> None:
        self._emit(RealtimeInputAudioTimeoutTriggered(info=self._event_info))

    def _on_error(self, event: Any) -> None:
        if not self._link.on_error(event.error):
            # High-rate when a server misbehaves: bounded like audio when nobody reads.
            self._emit_bulk(RealtimeError(error=event.error, info=self._event_info))

    def _on_exception(self, event: Any) -> None:
        if event.context == CONNECTION_DROPPED:
            # The error and status that follow close the session (or reconnect, opt-in); the
            # iterator of a session that closed for it raises it, as the SDK's does.
            if not self._link.policy.enabled and self._failure is None:
                self._failure = event.exception
            return
        where = f" ({event.context})" if event.context else ""
        self._emit_error(
            f"transport exception{where}: {event.exception}",
            kind="exception",
            exception=event.exception,
        )
        # As in the SDK: the session ends and iteration raises the exception after the events.
        if self._failure is None:
            self._failure = event.exception
        self._begin_close("exception", f"{type(event.exception).__name__}: {event.exception}")

    def _on_connection_status(self, event: Any) -> None:
        # A drop closes the session, or starts a reconnect when the run config asks for one.
        self._link.on_status(event.status)

    def _on_turn_started(self, event: Any) -> None:
        self._guardrails.on_turn_started(event.response_id)
        self._emit(RealtimeAgentStartEvent(self._current_agent, self._event_info))
        self._emit(RealtimeTurnStarted(self._current_agent, event.response_id, self._event_info))

    def _on_turn_ended(self, event: Any) -> None:
        self._guardrails.on_turn_ended(event.response_id)
        self._emit(RealtimeAgentEndEvent(self._current_agent, self._event_info))
        self._emit(
            RealtimeTurnEnded(
                self._current_agent, event.response_id, event.status, self._event_info
            )
        )

    def _on_usage(self, event: Any) -> None:
        self._context_wrapper.usage.add(event.usage)
        self._emit(
            RealtimeUsageUpdated(
                getattr(event, "response_id", None),
                event.usage,
                self._event_info,
                event.input_tokens_details,
                event.output_tokens_details,
            )
        )

    def _on_connection_state(self, state: Any, previous: Any) -> None:
        self._emit(RealtimeConnectionStateChanged(state, previous, self._event_info))

    def _on_end_of_stream(self, event: Any) -> None:
        # The model will say nothing more, ever (no reconnect): the session ends.
        self._begin_close("end of stream")
