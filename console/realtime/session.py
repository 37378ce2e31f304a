"""RealtimeSession: one live conversation over a RealtimeModel, as a stream of session events."""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import Coroutine, Mapping
from typing import Any, Generic, cast

from .active_agent import ActiveAgent
from .agent import RealtimeAgent
from .approvals import PendingToolApproval
from .config import RealtimeRunConfig, RealtimeSessionModelSettings, RealtimeUserInput
from .connection import ConnectionSupervisor
from .event_stream import EventIterator, SessionEvents
from .events import (
    RealtimeAgentChanged,
    RealtimeConnectionStateChanged,
    RealtimeEventInfo,
    RealtimeHistoryUpdated,
)
from .exceptions import UserError
from .history import History, HistoryView
from .lifecycle import Clock, LifecycleTracker, agent_error, warn_unreachable
from .listener import AgentListener
from .model import RealtimeModel, RealtimeModelConfig, RealtimeModelListener
from .model_event_router import ModelEventRouter
from .model_events import RealtimeModelEvent
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendUserInput,
    RealtimeModelUserInput,
)
from .output_guardrail_runner import GuardrailRunner
from .reconnect import ConnectionState, ReconnectPolicy, RestorePlan, restore_plan
from .run_context import RunContextWrapper, TContext
from .tool_runner import ToolRunner
from .unreachable_callbacks import unreachable_callbacks

DEFAULT_MAX_QUEUED_EVENTS = 10_000


class RealtimeSession(RealtimeModelListener, Generic[TContext]):
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

    Built of parts that each own their state: ``SessionEvents`` (the event queue), ``History``,
    ``ActiveAgent`` (the agent, its tools and settings), ``ConnectionSupervisor`` (sends,
    reconnects), ``ToolRunner`` (calls and approvals), ``GuardrailRunner``,
    ``LifecycleTracker`` (listener callbacks) and ``ModelEventRouter``, which the session's
    ``on_event`` hands every model event to.
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
        self._context_wrapper: RunContextWrapper[Any] = RunContextWrapper(context)
        self._model_config = cast(RealtimeModelConfig, dict(model_config or {}))
        run: RealtimeRunConfig = cast(RealtimeRunConfig, dict(run_config or {}))
        self._events = SessionEvents(
            RealtimeEventInfo(context=self._context_wrapper),
            run.get("max_queued_events", DEFAULT_MAX_QUEUED_EVENTS),
            lambda error: self._lifecycle.call("on_agent_error", error),
        )
        self._queue = self._events.queue
        self._inactivity_timeout_s = run.get("user_inactivity_timeout_s")
        self._lifecycle = LifecycleTracker(
            listener or agent.listener or AgentListener(),
            report_error=self._report_listener_error,
            inactivity_timeout_s=self._inactivity_timeout_s,
            on_timeout=self._on_inactivity_timeout,
            clock=lifecycle_clock,
        )
        self._history = History()
        self._agents = ActiveAgent(
            agent, self._context_wrapper, run, self._model_config.get("initial_model_settings")
        )
        self._entered = False
        self._close_task: asyncio.Task[None] | None = None
        self._close_exempt: set[asyncio.Task[Any]] = set()
        self._link = ConnectionSupervisor(
            model,
            self._events,
            policy=ReconnectPolicy.from_config(run.get("reconnect")),
            response_timeout_s=run.get("response_timeout_s"),
            connect_config=self._connect_config,
            restore=self._restore_plan,
            close_session=self._begin_close,
            reconnected=self._lifecycle.connected,
            close_timeout_s=lambda: self.close_timeout_s,
        )
        self._tools = ToolRunner(
            self._events,
            self._agents,
            self._context_wrapper,
            run,
            send=self._send,
            subagents=self._lifecycle,
            end_session=self._end_with,
        )
        self._guardrails = GuardrailRunner(
            self._events,
            self._agents,
            self._context_wrapper,
            run,
            send=self._send,
            send_if=self._link.send_if,
        )
        self._router = ModelEventRouter(
            self._events,
            self._history,
            self._link,
            self._tools,
            self._guardrails,
            self._agents,
            self._context_wrapper,
            self._begin_close,
        )
        # Every model event goes to the router: bound here, so that hot path (each audio
        # chunk and delta) costs no extra coroutine.
        self.on_event = self._router.on_event  # type: ignore[method-assign]

    # --- properties --------------------------------------------------------------------------

    @property
    def model(self) -> RealtimeModel:
        return self._model

    @property
    def current_agent(self) -> RealtimeAgent[Any]:
        return self._agents.agent

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
        return types.MappingProxyType(self._tools.approvals.pending)

    @property
    def closed(self) -> bool:
        return self._events.closed

    @property
    def dropped_events(self) -> int:
        """Audio and raw model events dropped because nobody read the queue (see above)."""
        return self._events.dropped

    @property
    def closed_reason(self) -> str | None:
        """Why the session closed (``"closed"``, ``"disconnected"``, ``"end of stream"``, ``"no
        user activity for 30 s"``, ``"reconnect failed: ..."``...); None while open. Not in the
        SDK."""
        closed = self._events.closed_event
        return None if closed is None else closed.reason

    @property
    def closed_error(self) -> Any:
        """The error that closed the session (a message or an error payload), else None. Not in
        the SDK."""
        closed = self._events.closed_event
        return None if closed is None else closed.error

    @property
    def connection_state(self) -> ConnectionState:
        """``disconnected`` (not entered), ``connecting``, ``connected``, ``reconnecting``
        (dropped: waiting, attempting or restoring) or ``closed``. Not in the SDK."""
        return "closed" if self._events.closed else self._link.state

    async def reconnect_now(self) -> bool:
        """Skip the wait before the next reconnect attempt (a console's "retry now" key) and
        return once that attempt is over: True if the session is connected. True at once when
        connected; False when closed or not entered. Not in the SDK."""
        return await self._link.reconnect_now()

    # --- lifecycle ---------------------------------------------------------------------------

    async def announce_starting(self) -> None:
        """Call the listener's ``on_agent_starting`` (the runner does, before it returns the
        session). Not in the SDK."""
        await self._lifecycle.call_now("on_agent_starting")

    async def __aenter__(self) -> RealtimeSession[TContext]:
        return await self.enter()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def enter(self) -> RealtimeSession[TContext]:
        """Connect the model with the starting agent's settings. Prefer ``async with``."""
        if self._entered:
            raise UserError("this session was already entered")
        if self._events.closed:
            raise UserError("this session is closed")
        self._entered = True
        agent = self._agents.agent
        prepared = await self._agents.prepare(agent, at_connect=True)
        self._agents.switch(agent, prepared)
        self._lifecycle.start()
        warn_unreachable(
            self._lifecycle.listener,
            unreachable_callbacks(prepared.settings, agent, self._inactivity_timeout_s),
        )
        self._model.add_listener(self)
        self._model.add_listener(self._lifecycle)
        self._link.state = "connecting"
        try:
            await self._model.connect(self._connect_config())
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
        info = self._events.info
        self._events.emit(RealtimeHistoryUpdated(history=self._history.view, info=info))
        self._events.emit(RealtimeAgentChanged(agent, None, info))
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
            # First, so iterators end now even if the model is slow to close.
            self._events.close(reason, error)
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

    def __aiter__(self) -> EventIterator:
        """Iterate session events until the session closes (then ``closed_reason`` says why)."""
        return self._events.iterator()

    def events(self, *, console: bool = False) -> EventIterator:
        """Iterate as ``async for event in session`` does, plus, last, a ``session_closed``
        event carrying the close reason and error (a console shows it). Not in the SDK.

        With ``console``, also the typed events of ``console.realtime.events.CONSOLE_EVENTS``
        (transcript and text deltas, the user's transcript, turns, connection state, usage),
        each right after the SDK's events for the same model event. The session makes them
        from the first such call on: a ``connection_state`` event then reports the state as
        it is (``previous`` equal to ``state``) unless the session is not entered yet."""
        if console and not self._events.console:
            self._events.console = True
            state = self.connection_state
            if state != "disconnected":
                self._events.emit(RealtimeConnectionStateChanged(state, state, self._events.info))
        return self._events.iterator(with_closed=True, console=console)

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
            {**self._agents.settings, "turn_detection": turn_detection},
        )
        self._agents.replace_settings(settings)
        await self._send(RealtimeModelSendSessionUpdate(session_settings=settings))

    def set_playback_pending(self, pending: bool) -> None:
        """Tell the session whether local playback still has audio queued or playing (the audio
        layer calls this); the user-inactivity clock does not run while it has. Not in the SDK."""
        self._lifecycle.set_playback_pending(pending)

    async def update_agent(self, agent: RealtimeAgent[Any]) -> None:
        """Make ``agent`` the current agent and send its settings to the model."""
        prepared = await self._agents.prepare(agent)
        before = self._agents.offered
        previous = self._agents.switch(agent, prepared)
        try:
            await self._send(RealtimeModelSendSessionUpdate(session_settings=prepared.settings))
        except BaseException:
            self._agents.switch(previous, before)
            raise
        if agent is not previous:
            self._events.emit(RealtimeAgentChanged(agent, previous, self._events.info))

    async def approve_tool_call(self, call_id: str, *, always: bool = False) -> None:
        """Run a pending tool call; with ``always``, approve every call of that tool from now on
        (including calls of it waiting now). Unknown call ids are ignored."""
        if not self._events.closed:
            await self._tools.approve(call_id, always)

    @property
    def running_tool_calls(self) -> list[str]:
        """Not in the SDK: call ids of the function tool calls running now, oldest first."""
        return self._tools.running

    async def cancel_tool_call(self, call_id: str) -> bool:
        """Not in the SDK: stop a running tool call. The model gets an output saying the
        operator cancelled it (and responds), and an ``error`` event (``kind``
        ``"tool_cancelled"``) says so. False when no such call is running."""
        return not self._events.closed and self._tools.cancel(call_id)

    async def reject_tool_call(
        self, call_id: str, *, always: bool = False, rejection_message: str | None = None
    ) -> None:
        """Tell the model a pending call was not approved (``rejection_message``, else the run
        config's ``tool_error_formatter``, else the default text) and let it respond."""
        if not self._events.closed:
            await self._tools.reject(call_id, always, rejection_message)

    # --- model events ------------------------------------------------------------------------

    async def on_event(self, event: RealtimeModelEvent) -> None:
        """Called by the model for every event it emits (``ModelEventRouter.on_event``)."""
        await self._router.on_event(event)

    # --- what the parts ask of the session ----------------------------------------------------

    async def _send(self, event: RealtimeModelSendEvent) -> None:
        # Through the supervisor: while reconnecting, sends are held (audio dropped).
        await self._link.send(event)

    def _end_with(self, reason: str, failure: BaseException) -> None:
        """A failure asked for by a tool's settings: the session ends, its iterator raises."""
        self._events.fail(failure)
        self._begin_close(reason, str(failure))

    async def _report_listener_error(self, exc: Exception, where: str) -> None:
        self._events.error(f"{where} raised {type(exc).__name__}: {exc}", kind="listener")

    async def _on_inactivity_timeout(self) -> None:
        self._begin_close(f"no user activity for {self._inactivity_timeout_s:g} s")

    def _connect_config(self) -> RealtimeModelConfig:
        """The model config with the current agent's settings (for a reconnect)."""
        return cast(
            RealtimeModelConfig,
            {**self._model_config, "initial_model_settings": self._agents.settings},
        )

    def _restore_plan(self) -> RestorePlan:
        if self._model_config.get("call_id"):
            # A SIP call keeps its conversation on the server: attaching again is enough.
            return RestorePlan()
        return restore_plan(self._history.view, live_calls=self._tools.live_calls())
