"""Watches one session turn by turn: what happened, and when the turn has settled.

A turn has settled when nothing more can follow from it by itself: no response is open, every
request for a response (the caller's input, a tool output, a guardrail's message) has been
answered by a ``response.created``, every tool call the model made has its output sent (so
approvals, running tools and background subagents all hold the turn open), the caller is not
mid-speech, and the session's event stream has caught up with the wire. All of it is read from
the wire in order (the transport's observer runs as each event is sent or received), so no
quiet period or sleep is involved.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from console.realtime import events as ev

from .outcome import ToolCall, TurnRecord
from .tap import JournalTap

_OUTPUT_DELTAS = frozenset({
    "response.output_audio.delta",
    "response.output_audio_transcript.delta",
    "response.output_text.delta",
})


class SessionEnded(Exception):
    """The session closed while a turn was under way."""


def _name(obj: Any, fallback: str) -> str:
    return str(getattr(obj, "name", None) or getattr(obj, "tool_name", None) or fallback)


def _guardrail_names(results: Any) -> list[str]:
    names = []
    for result in results or ():
        guardrail = getattr(result, "guardrail", None)
        getter = getattr(guardrail, "get_name", None)
        names.append(str(getter() if callable(getter) else _name(guardrail, "guardrail")))
    return names


class TurnWatcher:
    """Fed by the transport's wire observer (``wire``) and the session's events (``consume``)."""

    def __init__(
        self,
        session: Any,
        clock: Callable[[], float] = time.perf_counter,
        tap: JournalTap | None = None,
    ) -> None:
        self.session = session
        self.tap = tap
        self._clock = clock
        self.record = TurnRecord()
        self.decision = "reject"
        self.session_ready = asyncio.Event()
        self.closed = False
        self._changed = asyncio.Event()
        self._asked = False  # a request for a response is unanswered
        self._open_responses = 0
        self._open_calls: set[str] = set()
        self._speaking = False
        self._done_on_wire = 0
        self._done_seen = 0
        self._mark: float | None = None
        self._replies: dict[str, str] = {}

    # -- the turn --------------------------------------------------------------------------------

    def begin(self, decision: str) -> TurnRecord:
        """A caller turn starts: until a response answers it, it is not settled."""
        self.record = TurnRecord()
        self.decision = decision
        self._asked = True
        self._mark = None
        self._replies = {}
        return self.record

    def settled(self) -> bool:
        return (
            not self._asked
            and self._open_responses == 0
            and not self._open_calls
            and not self._speaking
            and self._done_seen >= self._done_on_wire
        )

    async def wait_settled(self, timeout: float) -> None:
        """Return once the turn settled; TimeoutError after ``timeout`` s, SessionEnded if the
        session closes first."""
        async with asyncio.timeout(timeout):
            while True:
                self._changed.clear()
                if self.closed:
                    raise SessionEnded("the session closed during the turn")
                if self.settled():
                    # Tasks the last events scheduled (a guardrail check, a tool) run first.
                    for _ in range(5):
                        await asyncio.sleep(0)
                    if self.settled():
                        return
                    continue
                await self._changed.wait()

    def end(self) -> None:
        """The turn is over (settled or not): fill in the agent and the replies."""
        self.record.agent = _name(self.session.current_agent, "")
        self.record.replies = [text for text in self._replies.values() if text]

    def pending(self) -> str:
        """What a turn that did not settle was still waiting for."""
        waits = []
        if self._asked:
            waits.append("a response to start")
        if self._open_responses:
            waits.append("a response to finish")
        if self._open_calls:
            waits.append(f"tool output for {len(self._open_calls)} call(s)")
        if self._speaking:
            waits.append("the caller's speech to end")
        return ", ".join(waits) or "the session's events"

    # -- the wire --------------------------------------------------------------------------------

    def wire(self, direction: str, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if direction == "sent":
            self._sent(kind, data)
        else:
            self._received(kind, data)
        self._changed.set()

    def _sent(self, kind: Any, data: dict[str, Any]) -> None:
        if kind == "response.create":
            self._asked = True
        elif kind == "conversation.item.create":
            item = data.get("item") or {}
            self._asked = True
            if item.get("type") == "function_call_output":
                self._open_calls.discard(str(item.get("call_id")))
            elif item.get("role") == "user" and self._mark is None:
                self._mark = self._clock()
        elif kind == "input_audio_buffer.commit" and self._mark is None:
            self._mark = self._clock()

    def _received(self, kind: Any, data: dict[str, Any]) -> None:
        record = self.record
        if kind in _OUTPUT_DELTAS:
            if record.latency_ms is None and self._mark is not None:
                record.latency_ms = (self._clock() - self._mark) * 1000.0
            if kind != "response.output_audio.delta":
                item = str(data.get("item_id"))
                self._replies[item] = self._replies.get(item, "") + str(data.get("delta", ""))
        elif kind in ("response.output_audio_transcript.done", "response.output_text.done"):
            text = data.get("transcript") if "transcript" in data else data.get("text")
            self._replies[str(data.get("item_id"))] = str(text or "")
        elif kind == "response.created":
            self._open_responses += 1
            self._asked = False
        elif kind == "response.done":
            self._open_responses = max(0, self._open_responses - 1)
            self._done_on_wire += 1
        elif kind == "response.function_call_arguments.done":
            call_id = str(data.get("call_id"))
            self._open_calls.add(call_id)
            record.calls.append(
                ToolCall(str(data.get("name")), str(data.get("arguments") or ""), call_id)
            )
        elif kind == "input_audio_buffer.speech_started":
            self._speaking = True
        elif kind == "input_audio_buffer.speech_stopped":
            self._speaking = False
        elif kind == "input_audio_buffer.committed":
            # A committed buffer ends the caller's speech, VAD's stop or not (push to talk).
            self._asked, self._speaking = True, False
            if self._mark is None:
                self._mark = self._clock()
        elif kind == "conversation.item.input_audio_transcription.completed":
            record.heard.append(str(data.get("transcript") or ""))
        elif kind == "session.updated":
            self.session_ready.set()

    # -- the session's events --------------------------------------------------------------------

    async def consume(self) -> None:
        """Read the session's events until it closes (run as one task)."""
        try:
            async for event in self.session.events():  # with session_closed, for the journal
                if self.tap is not None:
                    self.tap.event(event)
                await self._event(event)
                self._changed.set()
        finally:
            self.closed = True
            self._changed.set()

    async def _event(self, event: Any) -> None:
        record = self.record
        match event:
            case ev.RealtimeRawModelEvent(data=data):
                raw = getattr(data, "data", None)
                if isinstance(raw, dict) and raw.get("type") == "response.done":
                    self._done_seen += 1
            case ev.RealtimeToolApprovalRequired(call_id=call_id):
                call = record.call(call_id)
                if call is not None:
                    call.approval_asked, call.decision = True, self.decision
                if self.tap is not None and call is not None:
                    self.tap.decision(call.name, call.arguments, call_id, self.decision)
                if self.decision == "reject":
                    await self.session.reject_tool_call(call_id)
                else:
                    await self.session.approve_tool_call(call_id, always=self.decision == "always")
            case ev.RealtimeToolStart(call_id=call_id) if call_id:
                call = record.call(call_id)
                if call is not None:
                    call.ran = True
            case ev.RealtimeToolEnd(call_id=call_id, output=output) if call_id:
                call = record.call(call_id)
                if call is not None:
                    call.output = str(output)
            case ev.RealtimeHandoffEvent(to_agent=agent):
                record.handoffs.append(_name(agent, "agent"))
            case ev.RealtimeGuardrailTripped(guardrail_results=results):
                record.guardrails += _guardrail_names(results)
            case ev.RealtimeError(error=error):
                record.errors.append(_error_text(error))
            case _:
                pass


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        inner = error.get("error", error)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("code") or inner)
        return str(inner)
    return f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
