"""Runs output guardrails on streamed transcripts, debounced, interrupting once per response."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .active_agent import ActiveAgent
from .agent import RealtimeAgent
from .config import RealtimeRunConfig
from .event_stream import SessionEvents
from .events import RealtimeGuardrailTripped
from .guardrails import OutputGuardrail, OutputGuardrailResult
from .model_inputs import (
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendUserInput,
)
from .run_context import RunContextWrapper

Send = Callable[[RealtimeModelSendEvent], Awaitable[None]]
SendIf = Callable[[RealtimeModelSendEvent, Callable[[], bool]], Awaitable[bool]]


class _Transcript:
    __slots__ = ("chunks", "length", "next_at")

    def __init__(self, first_at: int) -> None:
        self.chunks: list[str] = []
        self.length = 0
        self.next_at = first_at


class GuardrailRunner:
    """Accumulates each assistant item's transcript and, every ``debounce_text_length``
    characters, checks the whole of it with the guardrails of the agent speaking plus the run
    config's. Chunks are joined only when a check is due, so a delta costs O(1) here.

    As the SDK, responses are numbered (``generation``): a check that trips after a newer
    response began only stops its own audio, and its feedback message is sent with the model's
    ``send_event_if``, so it is dropped if a newer response begins before it is on the wire."""

    def __init__(
        self,
        events: SessionEvents,
        agents: ActiveAgent,
        context: RunContextWrapper[Any],
        run_config: RealtimeRunConfig,
        *,
        send: Send,
        send_if: SendIf,
    ) -> None:
        self._events = events
        self._agents = agents
        self._context = context
        self._send = send
        self._send_if = send_if
        settings = run_config.get("guardrails_settings") or {}
        self._debounce = int(settings.get("debounce_text_length", 100))
        self._run_guardrails: list[OutputGuardrail[Any]] = list(
            run_config.get("output_guardrails") or []
        )
        self._agent: RealtimeAgent[Any] | None = None
        self._guardrails: list[OutputGuardrail[Any]] = []
        self.interrupted: set[str] = set()
        """Responses already interrupted by a guardrail; their remaining audio is dropped."""
        self.tasks: set[asyncio.Task[Any]] = set()
        self._items: dict[str, _Transcript] = {}
        self.generation = 0
        self._response: str | None = None
        self._streaming = False

    @property
    def active(self) -> bool:
        """False when no guardrail applies to the agent speaking: the session skips deltas."""
        return bool(self._current())

    def _current(self) -> list[OutputGuardrail[Any]]:
        """The guardrails of the agent speaking plus the run config's, without repeats."""
        agent = self._agents.agent
        if agent is not self._agent:
            seen: set[int] = set()
            combined: list[OutputGuardrail[Any]] = []
            for guardrail in [*agent.output_guardrails, *self._run_guardrails]:
                if id(guardrail) not in seen:
                    seen.add(id(guardrail))
                    combined.append(guardrail)
            self._agent, self._guardrails = agent, combined
        return self._guardrails

    def on_turn_started(self, response_id: str | None) -> None:
        # A late turn_started of the response already streaming is not a new response.
        if not (self._streaming and response_id is not None and response_id == self._response):
            self.generation += 1
        self._streaming, self._response = True, response_id

    def on_delta(self, item_id: str, delta: str, response_id: str) -> None:
        if not self._streaming:
            self.on_turn_started(response_id)
        acc = self._items.get(item_id)
        if acc is None:
            acc = self._items[item_id] = _Transcript(max(self._debounce, 1))
        acc.chunks.append(delta)
        acc.length += len(delta)
        if acc.length < acc.next_at:
            return
        text = "".join(acc.chunks)
        acc.chunks = [text]
        step = max(self._debounce, 1)
        acc.next_at = (acc.length // step + 1) * step
        if response_id in self.interrupted:
            return
        task = asyncio.get_running_loop().create_task(
            self._check(
                text, response_id, self._agents.agent, list(self._current()), self.generation
            )
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_turn_ended(self, response_id: str | None) -> None:
        self._items.clear()
        if response_id is None or response_id == self._response:
            self._streaming, self._response = False, None

    async def _check(
        self,
        text: str,
        response_id: str,
        agent: RealtimeAgent[Any],
        guardrails: list[OutputGuardrail[Any]],
        generation: int,
    ) -> None:
        events = self._events
        outcomes = await asyncio.gather(
            *(g.run(self._context, agent, text) for g in guardrails), return_exceptions=True
        )
        tripped: list[OutputGuardrailResult] = []
        for guardrail, outcome in zip(guardrails, outcomes, strict=True):
            if isinstance(outcome, OutputGuardrailResult):
                if outcome.output.tripwire_triggered:
                    tripped.append(outcome)
            elif isinstance(outcome, Exception):
                events.error(
                    f"guardrail {guardrail.get_name()} failed: {outcome}",
                    kind="guardrail_failed",
                )
            else:
                raise outcome
        # Several checks of one response may trip concurrently: only the first one interrupts.
        if not tripped or response_id in self.interrupted or events.closed:
            return
        self.interrupted.add(response_id)
        events.emit(
            RealtimeGuardrailTripped(guardrail_results=tripped, message=text, info=events.info)
        )
        try:
            if generation != self.generation:
                # A newer response is under way: stop only what is left of this one's audio.
                await self._send(
                    RealtimeModelSendInterrupt(response_id=response_id, playback_only=True)
                )
                return
            await self._send(
                RealtimeModelSendInterrupt(force_response_cancel=True, response_id=response_id)
            )
            names = ", ".join(r.guardrail.get_name() for r in tripped)
            await self._send_if(
                RealtimeModelSendUserInput(user_input=f"guardrail triggered: {names}"),
                lambda: generation == self.generation,
            )
        except Exception as exc:
            events.error(
                f"could not interrupt after a guardrail tripped: {exc}",
                kind="guardrail_interrupt_failed",
            )
