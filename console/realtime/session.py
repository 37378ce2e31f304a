"""RealtimeSession: one live conversation over a RealtimeModel, as a stream of session events."""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Generic, cast

from ._event_stream import CLOSED, Closed, EventIterator
from ._guardrail_runner import GuardrailRunner
from ._link import SessionLink
from ._session_events import ModelEventHandling
from ._settings import AgentSettings, settings_for_agent
from ._tool_calls import ToolCalls
from ._unreachable import unreachable_callbacks
from .agent import RealtimeAgent
from .approvals import PendingToolApproval
from .config import RealtimeRunConfig, RealtimeSessionModelSettings, RealtimeUserInput
from .events import (
    RealtimeAgentChanged,
    RealtimeError,
    RealtimeEventInfo,
    RealtimeHistoryUpdated,
    RealtimeSessionClosed,
    RealtimeSessionEvent,
)
from .exceptions import UserError
from .handoffs import Handoff
from .history import History, HistoryView
from .lifecycle import Clock, LifecycleTracker, agent_error, warn_unreachable
from .listener import AgentError, AgentListener
from .model import RealtimeModel, RealtimeModelConfig
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendUserInput,
    RealtimeModelUserInput,
)
from .reconnect import ConnectionState
from .run_context import RunContextWrapper, TContext
from .tools import FunctionTool

DEFAULT_MAX_QUEUED_EVENTS = 10_000
_HARD_LIMIT_FACTOR = 4


class RealtimeSession(ModelEventHandling, Generic[TContext]):
    """A live session with a realtime model: send text and audio in, iterate events out.

    Use ``async with await runner.run() as session`` (or ``enter()``/``close()``), then
    ``async for event in session``. The session keeps the history, runs tools (in background
    tasks by default, so events keep flowing), asks for approvals, performs handoffs and runs
    output guardrails.

    Differences from the SDK, on purpose: ``history`` is a live read-only view updated in O(1)
    per streamed delta (no list copy per delta); a tool that raises, an unknown tool or a failing
    handoff become error outputs for the model plus ``error`` events, never the end of the
    session. Iteration ends when the session closes or the server disconnects; then
    ``closed_reason``/``closed_error`` say why (``events()`` also yields that as a last
    ``session_closed`` event: opt-in, since SDK code does not expect it). An ``agent_changed``
    event, not in the SDK, tells when another agent takes the conversation;
    ``agent_start``/``agent_end`` mark each turn, as in the SDK. Sending after close is a no-op.

    Also beyond the SDK, all set in the run config and off by default: ``reconnect`` survives a
    dropped connection (``connection_lost``/``reconnecting``/``reconnected`` events,
    ``connection_state``, ``reconnect_now()``; see ``console.realtime.reconnect``);
    ``response_timeout_s`` reports a server that goes silent; tools get time limits
    (``tool_timeout_s``, or a tool's own ``timeout_seconds``). The event queue keeps at most
    ``max_queued_events`` (10,000 by default) for an iterator that does not read: past that,
    audio, raw model events and server errors are dropped, and past four times that every
    event is (``dropped_events`` counts them).
    """

    close_timeout_s: float = 5.0
    """How long ``close()`` waits for the model to close before giving up on it."""

    def __init__(
        self,
        model: RealtimeModel,
        agent: RealtimeAgent[Any],
        context: TContext | None,
        model_config: RealtimeModelConfig | None = None,
        run_config: RealtimeRunConfig | None = None,
        *,
        listener: AgentListener | None = None,
        lifecycle_clock: Clock | None = None,
    ) -> None:
        self._model = model
        self._current_agent = agent
        self._context_wrapper: RunContextWrapper[Any] = RunContextWrapper(context)
        self._event_info = RealtimeEventInfo(context=self._context_wrapper)
        self._model_config = cast(RealtimeModelConfig, dict(model_config or {}))
        self._run_config: RealtimeRunConfig = cast(RealtimeRunConfig, dict(run_config or {}))
        self._history = History()
        self._queue: asyncio.Queue[RealtimeSessionEvent | Closed] = asyncio.Queue()
        self._max_queued: int | None = self._run_config.get(
            "max_queued_events", DEFAULT_MAX_QUEUED_EVENTS
        )
        self._dropping = False
        self.dropped_events = 0
        """Audio and raw model events dropped because nobody read the queue (see above)."""
        self._current_settings: RealtimeSessionModelSettings = {}
        self._entered = False
        self._closing = False
        self._closed = False
        self._close_task: asyncio.Task[None] | None = None
        self._closed_event: RealtimeSessionClosed | None = None
        self._close_exempt: set[asyncio.Task[Any]] = set()
        self._failure: BaseException | None = None  # raised by the iterator after the last event
        self._function_tools: dict[str, FunctionTool] = {}
        self._handoffs: dict[str, Handoff[Any, Any]] = {}
        self._tools = ToolCalls(self)
        self._link = SessionLink(self)
        self._guardrails = GuardrailRunner(self)
        self._guardrails.agent_changed(agent)
        self._inactivity_timeout_s = self._run_config.get("user_inactivity_timeout_s")
        self._lifecycle = LifecycleTracker(
            listener or agent.listener or AgentListener(),
            report_error=self._report_listener_error,
            inactivity_timeout_s=self._inactivity_timeout_s,
            on_timeout=self._on_inactivity_timeout,
            clock=lifecycle_clock,
        )
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

    # --- properties --------------------------------------------------------------------------

    @property
    def model(self) -> RealtimeModel:
        return self._model

    @property
    def current_agent(self) -> RealtimeAgent[Any]:
        return self._current_agent

    @property
    def context_wrapper(self) -> RunContextWrapper[Any]:
        return self._context_wrapper

    @property
    def history(self) -> HistoryView:
        """The conversation so far: a live read-only view (``.get(item_id)`` is O(1))."""
        return self._history.view

    @property
    def pending_approvals(self) -> Mapping[str, PendingToolApproval]:
        """Tool calls waiting for a decision, by call id (read-only, live)."""
        return types.MappingProxyType(self._tools.pending)

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def closed_reason(self) -> str | None:
        """Why the session closed (``"closed"``, ``"disconnected"``, ``"end of stream"``, ``"no
        user activity for 30 s"``, ``"reconnect failed: ..."``...); None while open. Not in the
        SDK."""
        return None if self._closed_event is None else self._closed_event.reason

    @property
    def closed_error(self) -> Any:
        """The error that closed the session (a message or an error payload), else None. Not in
        the SDK."""
        return None if self._closed_event is None else self._closed_event.error

    @property
    def connection_state(self) -> ConnectionState:
        """``disconnected`` (not entered), ``connecting``, ``connected``, ``reconnecting``
        (dropped: waiting, attempting or restoring) or ``closed``. Not in the SDK."""
        return "closed" if self._closing else self._link.state

    async def reconnect_now(self) -> bool:
        """Skip the wait before the next reconnect attempt (a console's "retry now" key) and
        return once that attempt is over: True if the session is connected. True at once when
        connected; False when closed or not entered. Not in the SDK."""
        return await self._link.reconnect_now()

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> RealtimeSession[TContext]:
        return await self.enter()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def enter(self) -> RealtimeSession[TContext]:
        """Connect the model with the starting agent's settings. Prefer ``async with``."""
        if self._entered:
            raise UserError("this session was already entered")
        if self._closing:
            raise UserError("this session is closed")
        self._entered = True
        prepared = await self._prepare_agent(self._current_agent, at_connect=True)
        self._switch_agent(self._current_agent, prepared)
        config = cast(
            RealtimeModelConfig, {**self._model_config, "initial_model_settings": prepared.settings}
        )
        self._lifecycle.start()
        warn_unreachable(
            self._lifecycle.listener,
            unreachable_callbacks(
                prepared.settings, self._current_agent, self._inactivity_timeout_s
            ),
        )
        self._model.add_listener(self)
        self._model.add_listener(self._lifecycle)
        self._link.state = "connecting"
        try:
            await self._model.connect(config)
        except BaseException as exc:
            self._link.state = "disconnected"
            self._model.remove_listener(self)
            self._model.remove_listener(self._lifecycle)
            if isinstance(exc, Exception):
                self._lifecycle.call("on_agent_error", agent_error(exc))
            await self._lifecycle.stop()
            raise
        self._link.connected()
        self._lifecycle.connected()
        self._emit(RealtimeHistoryUpdated(history=self._history.view, info=self._event_info))
        self._emit(RealtimeAgentChanged(self._current_agent, None, self._event_info))
        return self

    async def close(self) -> None:
        """Close the session: cancel tool and guardrail tasks, close the model, end iteration.
        Idempotent, safe from inside a tool, and bounded in time. If the model's ``close()``
        fails, every caller waiting gets that exception and the next ``close()`` tries the
        model again (the SDK's behaviour)."""
        current = asyncio.current_task()
        if current in self._tools.tasks or current in self._guardrails.tasks:
            self._close_exempt.add(current)
        task = self._begin_close("closed")
        if task.done() and not task.cancelled() and task.exception() is not None:
            self._close_task = task = self._new_close_task(self._close_model())
        await asyncio.shield(task)

    def _begin_close(self, reason: str, error: Any = None) -> asyncio.Task[None]:
        if self._close_task is None:
            self._closing = True
            self._closed_event = RealtimeSessionClosed(
                reason=reason, info=self._event_info, error=error
            )
            # Queued first, so iterators end now even if the model is slow to close.
            self._queue.put_nowait(CLOSED)
            self._close_task = self._new_close_task(self._finish_close())
        return self._close_task

    def _new_close_task(self, closing: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(closing)
        # A close nobody awaits (a drop, an exception) must not log "never retrieved".
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return task

    async def _finish_close(self) -> None:
        # First: a reconnect attempt must not open a connection behind close()'s back.
        await self._link.stop()
        with contextlib.suppress(Exception):
            self._model.remove_listener(self)
        exempt = self._close_exempt
        others = {t for t in self._guardrails.tasks if t not in exempt and not t.done()}
        for task in others:
            task.cancel()
        await self._tools.cancel_all(exempt)
        if others:
            await asyncio.wait(others, timeout=1.0)
        await self._close_model()

    async def _close_model(self) -> None:
        try:
            # Bounded: a model that never finishes closing is given up on.
            await asyncio.wait_for(self._model.close(), self.close_timeout_s)
        except TimeoutError:
            pass
        finally:
            with contextlib.suppress(Exception):
                self._model.remove_listener(self._lifecycle)
            await self._lifecycle.stop()
        self._closed = True

    def __aiter__(self) -> EventIterator:
        """Iterate session events until the session closes (then ``closed_reason`` says why)."""
        return EventIterator(self._queue, self._take_failure)

    def events(self, *, console: bool = False) -> EventIterator:
        """Iterate as ``async for event in session`` does, plus, last, a ``session_closed``
        event carrying the close reason and error (a console shows it). With ``console``,
        also the typed events of ``console.realtime.events.CONSOLE_EVENTS`` (transcript and
        text deltas, the user's transcript, turns, connection state, usage), each right after
        the SDK's events for the same model event. Not in the SDK."""
        return EventIterator(
            self._queue, self._take_failure, lambda: self._closed_event, console=console
        )

    def _take_failure(self) -> BaseException | None:
        failure, self._failure = self._failure, None
        return failure

    # --- sending -----------------------------------------------------------------------------

    async def send_message(self, message: RealtimeUserInput) -> None:
        """Send a user message (text, or a structured message with text and images)."""
        await self._send(
            RealtimeModelSendUserInput(user_input=cast(RealtimeModelUserInput, message))
        )

    async def send_audio(self, audio: bytes, *, commit: bool = False) -> None:
        await self._send(RealtimeModelSendAudio(audio=audio, commit=commit))

    async def interrupt(self, *, force_response_cancel: bool = False) -> None:
        """Stop the assistant now (the transport truncates what was heard).

        As in the SDK, the response is cancelled only when the server would not cancel it itself
        (turn detection without ``interrupt_response``); an operator's interrupt key should pass
        ``force_response_cancel=True``, since the server cancels only on detected speech."""
        await self._send(RealtimeModelSendInterrupt(force_response_cancel=force_response_cancel))
        self._lifecycle.interrupted()

    async def set_turn_detection(self, turn_detection: Mapping[str, Any] | None) -> None:
        """Send the current settings again with ``turn_detection`` replaced (``None``: off, as
        push-to-talk needs: then ``send_audio(..., commit=True)`` ends the turn and asks for
        the response). A later agent switch sends that agent's own settings. Not in the SDK."""
        settings = cast(
            RealtimeSessionModelSettings,
            {**self._current_settings, "turn_detection": turn_detection},
        )
        self._current_settings = settings
        await self._send(RealtimeModelSendSessionUpdate(session_settings=settings))

    def set_playback_pending(self, pending: bool) -> None:
        """Tell the session whether local playback still has audio queued or playing (the audio
        layer calls this); the user-inactivity clock does not run while it has. Not in the SDK."""
        self._lifecycle.set_playback_pending(pending)

    async def update_agent(self, agent: RealtimeAgent[Any]) -> None:
        """Make ``agent`` the current agent and send its settings to the model."""
        prepared = await self._prepare_agent(agent)
        previous, previous_tools, previous_handoffs = (
            self._current_agent,
            self._function_tools,
            self._handoffs,
        )
        self._switch_agent(agent, prepared)
        try:
            await self._send(RealtimeModelSendSessionUpdate(session_settings=prepared.settings))
        except BaseException:
            self._current_agent, self._function_tools, self._handoffs = (
                previous,
                previous_tools,
                previous_handoffs,
            )
            self._guardrails.agent_changed(previous)
            raise
        if agent is not previous:
            self._emit(RealtimeAgentChanged(agent, previous, self._event_info))

    async def approve_tool_call(self, call_id: str, *, always: bool = False) -> None:
        """Run a pending tool call; with ``always``, approve every call of that tool from now on
        (including calls of it waiting now). Unknown call ids are ignored."""
        if not self._closing:
            await self._tools.approve(call_id, always)

    @property
    def running_tool_calls(self) -> list[str]:
        """Not in the SDK: call ids of the function tool calls running now, oldest first."""
        return self._tools.running

    async def cancel_tool_call(self, call_id: str) -> bool:
        """Not in the SDK: stop a running tool call. The model gets an output saying the
        operator cancelled it (and responds), and an ``error`` event (``kind``
        ``"tool_cancelled"``) says so. False when no such call is running."""
        return not self._closing and self._tools.cancel(call_id)

    async def reject_tool_call(
        self, call_id: str, *, always: bool = False, rejection_message: str | None = None
    ) -> None:
        """Tell the model a pending call was not approved (``rejection_message``, else the run
        config's ``tool_error_formatter``, else the default text) and let it respond."""
        if not self._closing:
            await self._tools.reject(call_id, always, rejection_message)

    # --- internals shared with tool calls and guardrails -------------------------------------

    async def _send(self, event: RealtimeModelSendEvent) -> None:
        # Through the link: while reconnecting, sends are held (audio dropped) until restored.
        await self._link.send(event)

    def _emit(self, event: RealtimeSessionEvent) -> None:
        if self._closing:
            return
        limit = self._max_queued
        if limit is not None and self._queue.qsize() >= limit * _HARD_LIMIT_FACTOR:
            # Nobody has read for a long time: even state events go, or memory has no bound.
            self.dropped_events += 1
            return
        self._queue.put_nowait(event)

    def _emit_error(self, message: str, **extra: Any) -> None:
        kind = extra.get("kind")
        self._emit(RealtimeError(error={"message": message, **extra}, info=self._event_info))
        # Listeners hear the session's own errors too (a failing tool, an unknown tool...), but
        # not their own: a raising on_agent_error would otherwise report itself forever.
        if kind != "listener":
            self._lifecycle.call(
                "on_agent_error", AgentError(type=str(kind or "error"), message=message)
            )

    async def _report_listener_error(self, exc: Exception, where: str) -> None:
        self._emit_error(f"{where} raised {type(exc).__name__}: {exc}", kind="listener")

    async def _on_inactivity_timeout(self) -> None:
        self._begin_close(f"no user activity for {self._inactivity_timeout_s:g} s")

    async def _prepare_agent(
        self, agent: RealtimeAgent[Any], *, at_connect: bool = False
    ) -> AgentSettings:
        return await settings_for_agent(
            agent,
            self._context_wrapper,
            self._run_config,
            self._model_config.get("initial_model_settings"),
            at_connect=at_connect,
        )

    def _switch_agent(self, agent: RealtimeAgent[Any], prepared: AgentSettings) -> None:
        self._current_agent = agent
        self._current_settings = prepared.settings  # what a reconnect sends
        self._function_tools = prepared.tools
        self._handoffs = prepared.handoffs
        self._guardrails.agent_changed(agent)
