"""ModelEventRouter: how a session turns model events into history changes and session events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .active_agent import ActiveAgent
from .close_codes import CONNECTION_DROPPED
from .connection import ConnectionSupervisor
from .event_stream import SessionEvents
from .events import (
    CONSOLE_EVENTS,
    RealtimeAgentEndEvent,
    RealtimeAgentStartEvent,
    RealtimeAudio,
    RealtimeAudioEnd,
    RealtimeAudioInterrupted,
    RealtimeError,
    RealtimeHistoryAdded,
    RealtimeHistoryUpdated,
    RealtimeInputAudioTimeoutTriggered,
    RealtimeRawModelEvent,
    RealtimeTextDelta,
    RealtimeTranscriptDelta,
    RealtimeTurnEnded,
    RealtimeTurnStarted,
    RealtimeUsageUpdated,
    RealtimeUserTranscript,
)
from .history import History
from .items import RealtimeItem, RealtimeToolCallItem
from .model_events import RealtimeModelEvent, RealtimeModelItemUpdatedEvent
from .output_guardrail_runner import GuardrailRunner
from .run_context import RunContextWrapper
from .server_signals import signal_of
from .tool_runner import ToolRunner


class ModelEventRouter:
    """Routes each model event to the part of the session it concerns (history, connection,
    tools, guardrails, usage) and emits the session events it means; ``close_session`` ends
    the session (an exception in the transport, the end of the model's stream)."""

    def __init__(
        self,
        events: SessionEvents,
        history: History,
        connection: ConnectionSupervisor,
        tools: ToolRunner,
        guardrails: GuardrailRunner,
        agents: ActiveAgent,
        context: RunContextWrapper[Any],
        close_session: Callable[[str, Any], object],
    ) -> None:
        self._events = events
        self._history = history
        self._connection = connection
        self._tools = tools
        self._guardrails = guardrails
        self._agents = agents
        self._context = context
        self._close_session = close_session
        self._info = events.info
        self._handlers: dict[str, Callable[[Any], None]] = {
            "transcript_delta": self._on_transcript_delta,
            "audio": self._on_audio,
            "output_text_delta": self._on_text_delta,
            "audio_done": self._on_audio_done,
            "audio_interrupted": self._on_audio_interrupted,
            "item_updated": self._on_item_updated,
            "item_deleted": self._on_item_deleted,
            "input_audio_transcription_completed": self._on_user_transcript,
            "input_audio_timeout_triggered": self._on_input_timeout,
            "error": self._on_error,
            "exception": self._on_exception,
            "connection_status": self._on_connection_status,
            "turn_started": self._on_turn_started,
            "turn_ended": self._on_turn_ended,
            "usage": self._on_usage,
            "end_of_stream": self._on_end_of_stream,
        }

    async def on_event(self, event: RealtimeModelEvent) -> None:
        """Called by the model for every event it emits."""
        events = self._events
        if events.closed:
            return
        self._connection.on_model_event(event)
        events.emit_bulk(RealtimeRawModelEvent(event, events.info))
        if event.type == "other":
            signal = signal_of(event.data, events.info)
            if signal is not None:
                if type(signal) in CONSOLE_EVENTS:
                    events.emit_console(signal)
                else:
                    events.emit(signal)
        handler = self._handlers.get(event.type)
        try:
            if handler is not None:
                handler(event)
            elif event.type == "function_call":
                await self._tools.on_call(event)
        except Exception as exc:
            # A bug here must not propagate into the transport's reader and kill the connection.
            events.error(
                f"the session failed to handle a {event.type} event: {exc!r}", kind="internal"
            )

    def _on_transcript_delta(self, event: Any) -> None:
        self._on_streamed(event, self._history.append_transcript(event.item_id, event.delta))
        if self._events.console:
            self._events.emit(
                RealtimeTranscriptDelta(event.item_id, event.response_id, event.delta, self._info)
            )

    def _on_text_delta(self, event: Any) -> None:
        self._on_streamed(event, self._history.append_text(event.item_id, event.delta))
        if self._events.console:
            self._events.emit(
                RealtimeTextDelta(event.item_id, event.response_id, event.delta, self._info)
            )

    def _on_streamed(self, event: Any, appended: tuple[RealtimeItem, bool]) -> None:
        """A transcript or text delta is in the history: announce a new item, feed guardrails."""
        item, new = appended
        if new:
            self._events.queue.put_nowait(RealtimeHistoryAdded(item=item, info=self._info))
        if self._guardrails.active:
            self._guardrails.on_delta(event.item_id, event.delta, event.response_id)

    def _on_audio(self, event: Any) -> None:
        if event.response_id in self._guardrails.interrupted:
            return  # A guardrail stopped this response: do not play the rest of it.
        self._events.emit_bulk(
            RealtimeAudio(event, event.item_id, event.content_index, self._info)
        )

    def _on_audio_done(self, event: Any) -> None:
        self._events.emit(
            RealtimeAudioEnd(
                item_id=event.item_id, content_index=event.content_index, info=self._info
            )
        )

    def _on_audio_interrupted(self, event: Any) -> None:
        self._events.emit(
            RealtimeAudioInterrupted(
                item_id=event.item_id, content_index=event.content_index, info=self._info
            )
        )

    def _on_item_updated(self, event: RealtimeModelItemUpdatedEvent) -> None:
        incoming = event.item
        # The server's echo of an item a reconnect restored carries less than the history
        # (text for audio, no tool output): only a real change (an output) is merged.
        if incoming.item_id in self._connection.restored_ids and (
            not isinstance(incoming, RealtimeToolCallItem) or incoming.output is None
        ):
            return
        self._history_changed(*self._history.upsert(incoming))

    def _on_item_deleted(self, event: Any) -> None:
        if self._history.delete(event.item_id) is not None:
            self._history_changed(None, False)

    def _on_user_transcript(self, event: Any) -> None:
        self._history_changed(*self._history.set_user_transcript(event.item_id, event.transcript))
        self._events.emit_console(
            RealtimeUserTranscript(event.item_id, event.transcript, self._info)
        )

    def _history_changed(self, item: RealtimeItem | None, new: bool) -> None:
        """``item`` was added (``new``), or the history changed otherwise."""
        if new and item is not None:
            self._events.emit(RealtimeHistoryAdded(item=item, info=self._info))
        else:
            self._events.emit(RealtimeHistoryUpdated(history=self._history.view, info=self._info))

    def _on_input_timeout(self, event: Any) -> None:
        self._events.emit(RealtimeInputAudioTimeoutTriggered(info=self._info))

    def _on_error(self, event: Any) -> None:
        if not self._connection.on_error(event.error):
            # High-rate when a server misbehaves: bounded like audio when nobody reads.
            self._events.emit_bulk(RealtimeError(error=event.error, info=self._info))

    def _on_exception(self, event: Any) -> None:
        if event.context == CONNECTION_DROPPED:
            # The error and status that follow close the session (or reconnect, opt-in); the
            # iterator of a session that closed for it raises it, as the SDK's does.
            if not self._connection.policy.enabled:
                self._events.fail(event.exception)
            return
        where = f" ({event.context})" if event.context else ""
        self._events.error(
            f"transport exception{where}: {event.exception}",
            kind="exception",
            exception=event.exception,
        )
        # As in the SDK: the session ends and iteration raises the exception after the events.
        self._events.fail(event.exception)
        self._close_session("exception", f"{type(event.exception).__name__}: {event.exception}")

    def _on_connection_status(self, event: Any) -> None:
        # A drop closes the session, or starts a reconnect when the run config asks for one.
        self._connection.on_status(event.status)

    def _on_turn_started(self, event: Any) -> None:
        self._guardrails.on_turn_started(event.response_id)
        agent, info = self._agents.agent, self._info
        self._events.emit(RealtimeAgentStartEvent(agent, info))
        self._events.emit_console(RealtimeTurnStarted(agent, event.response_id, info))

    def _on_turn_ended(self, event: Any) -> None:
        self._guardrails.on_turn_ended(event.response_id)
        agent, info = self._agents.agent, self._info
        self._events.emit(RealtimeAgentEndEvent(agent, info))
        self._events.emit_console(RealtimeTurnEnded(agent, event.response_id, event.status, info))

    def _on_usage(self, event: Any) -> None:
        self._context.usage.add(event.usage)
        self._events.emit_console(
            RealtimeUsageUpdated(
                getattr(event, "response_id", None),
                event.usage,
                self._info,
                event.input_tokens_details,
                event.output_tokens_details,
            )
        )

    def _on_end_of_stream(self, event: Any) -> None:
        # The model will say nothing more, ever (no reconnect): the session ends.
        self._close_session("end of stream", None)
