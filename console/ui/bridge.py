"""The bridge: one worker turns session events into Textual messages, coalescing high-rate ones."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.message import Message

from console.journal.redact import Redactor
from console.realtime.error_detail import ErrorDetail

from .audit import DecisionWatch
from .timeline import TurnFigures, TurnTimeline
from .tokens import TokenCount, from_usage_event
from .widgets.approvals import PendingApproval

if TYPE_CHECKING:
    from console.realtime.events import RealtimeSessionEvent

log = logging.getLogger("console.ui.bridge")

_REDACTOR = Redactor()


def describe_error(error: Any, limit: int = 300) -> str:
    """One line for any error the session reports or the console meets (``ErrorDetail``,
    exception, text; any other shape is read by the core's ``ErrorDetail.of``)."""
    detail = error if isinstance(error, ErrorDetail) else ErrorDetail.of(error)
    text, code = detail.message, detail.code or detail.type
    if code and code not in text:
        text = f"{code}: {text}"
    text = _REDACTOR.text(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tool_name(tool: Any) -> str:
    return str(getattr(tool, "name", None) or getattr(tool, "tool_name", None) or "tool")


def agent_name(agent: Any) -> str:
    return str(getattr(agent, "name", None) or "agent")


def _guardrail_name(result: Any) -> str:
    guardrail = getattr(result, "guardrail", None)
    getter = getattr(guardrail, "get_name", None)
    name = getter() if callable(getter) else getattr(guardrail, "name", None)
    return str(name or "guardrail")


class SessionBridge:
    """Consumes ``async for event in session`` and posts the nested messages below.

    Transcript deltas and history snapshots arrive many times a second; they are gathered here and
    posted by ``flush()``, which the app calls on a frame-rate timer. Every other message first
    flushes what is pending, so the transcript keeps the order the session produced.
    """

    class ConnectionChanged(Message):
        def __init__(self, status: str) -> None:
            super().__init__()
            self.status = status

    class TranscriptStreamed(Message):
        """Coalesced assistant deltas for one item, with the arrival time of each delta.
        ``agent`` is empty from the bridge: the reducer labels a reply with the agent current
        when its first deltas came (the console state holds the current agent); journals keep
        the label given, and replay passes it back."""

        def __init__(self, item_id: str, agent: str, text: str, arrivals: list[float]) -> None:
            super().__init__()
            self.item_id, self.agent, self.text, self.arrivals = item_id, agent, text, arrivals

    class UserSpoke(Message):
        """A user item's text or transcript became known (typed text or transcribed speech)."""

        def __init__(self, item_id: str, text: str) -> None:
            super().__init__()
            self.item_id, self.text = item_id, text

    class AgentStarted(Message):
        def __init__(self, agent: str) -> None:
            super().__init__()
            self.agent = agent

    class HandoffTaken(Message):
        def __init__(self, source: str, target: str) -> None:
            super().__init__()
            self.source, self.target = source, target

    class ToolStarted(Message):
        def __init__(self, agent: str, tool: str, arguments: str, call_id: str | None) -> None:
            super().__init__()
            self.agent, self.tool, self.arguments, self.call_id = agent, tool, arguments, call_id

    class ToolEnded(Message):
        def __init__(self, agent: str, tool: str, output: str, call_id: str | None) -> None:
            super().__init__()
            self.agent, self.tool, self.output, self.call_id = agent, tool, output, call_id

    class ApprovalRequested(Message):
        def __init__(self, agent: str, tool: str, arguments: str, call_id: str) -> None:
            super().__init__()
            self.agent, self.tool, self.arguments, self.call_id = agent, tool, arguments, call_id

    class ApprovalsChanged(Message):
        """The session's pending approvals changed: ``pending`` is all of them, oldest first
        (read from the session, which holds them; the pane keeps no list of its own)."""

        def __init__(self, pending: tuple[PendingApproval, ...]) -> None:
            super().__init__()
            self.pending = pending

    class DecidedByRule(Message):
        """An "always" rule approved or rejected a call with nobody asked (it never waited)."""

        def __init__(
            self, agent: str, tool: str, arguments: str, call_id: str, decision: str
        ) -> None:
            super().__init__()
            self.agent, self.tool, self.arguments, self.call_id = agent, tool, arguments, call_id
            self.decision = decision

    class ErrorReported(Message):
        """An error to show; ``source`` labels it ("error", or "listener" for a failing
        AgentListener callback, which never stops the session)."""

        def __init__(self, text: str, source: str = "error") -> None:
            super().__init__()
            self.text, self.source = text, source

    class GuardrailTripped(Message):
        def __init__(self, text: str, guardrails: list[str]) -> None:
            super().__init__()
            self.text, self.guardrails = text, guardrails

    class HistoryChanged(Message):
        """The latest history (coalesced); ``full`` asks for a complete resync, not the tail."""

        def __init__(self, items: Sequence[Any], full: bool) -> None:
            super().__init__()
            self.items, self.full = items, full

    class ItemAdded(Message):
        def __init__(self, item: Any) -> None:
            super().__init__()
            self.item = item

    class UserSpeechChanged(Message):
        """The server's voice activity detection heard the user start (or stop) speaking."""

        def __init__(self, started: bool) -> None:
            super().__init__()
            self.started = started

    class TurnStarted(Message):
        """A response began (the user-inactivity clock stops for it)."""

    class TurnEnded(Message):
        def __init__(self, status: str | None) -> None:
            super().__init__()
            self.status = status

    class LatencyMeasured(Message):
        """Time from the user's turn ending to the first audio or text of the reply."""

        def __init__(self, milliseconds: float, kind: str) -> None:
            super().__init__()
            self.milliseconds, self.kind = milliseconds, kind

    class UsageReported(Message):
        """The tokens one response used (``TokenCount.as_dict()``) and their cost (None: no
        price applies), priced when they came, so the journal keeps what the console showed."""

        def __init__(self, tokens: dict[str, int], cost: float | None) -> None:
            super().__init__()
            self.tokens, self.cost = tokens, cost

    class TurnMeasured(Message):
        """A turn finished: where its time went (see ``TurnFigures``) and what it cost."""

        def __init__(
            self, number: int, stages: dict[str, float], tool_ms: float, approval_ms: float,
            total_ms: float, tokens: dict[str, int], cost: float | None,
        ) -> None:
            super().__init__()
            self.number, self.stages, self.total_ms = number, stages, total_ms
            self.tool_ms, self.approval_ms = tool_ms, approval_ms
            self.tokens, self.cost = tokens, cost

        @property
        def figures(self) -> TurnFigures:
            return TurnFigures(
                self.number, dict(self.stages), self.tool_ms, self.approval_ms, self.total_ms,
                TokenCount.from_dict(self.tokens),
            )

    class Interrupted(Message):
        def __init__(self, item_id: str) -> None:
            super().__init__()
            self.item_id = item_id

    class Notice(Message):
        """Something worth a system line in the transcript (timeouts, speech markers)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class ConnectionLost(Message):
        """The connection dropped (or a reconnect attempt failed): the next attempt, numbered
        ``attempt``, comes in ``retry_in_s`` seconds unless the operator retries now."""

        def __init__(
            self, attempt: int, retry_in_s: float, error: str, max_attempts: int | None
        ) -> None:
            super().__init__()
            self.attempt, self.retry_in_s, self.error = attempt, retry_in_s, error
            self.max_attempts = max_attempts

    class Reconnecting(Message):
        def __init__(self, attempt: int) -> None:
            super().__init__()
            self.attempt = attempt

    class Reconnected(Message):
        """Connected again on a new server session, the conversation re-created there."""

        def __init__(
            self,
            attempt: int,
            restored_items: int,
            skipped_items: int,
            resent: int,
            dropped_audio_bytes: int,
        ) -> None:
            super().__init__()
            self.attempt, self.restored_items, self.skipped_items = (
                attempt, restored_items, skipped_items
            )
            self.resent, self.dropped_audio_bytes = resent, dropped_audio_bytes

    class SessionEnded(Message):
        def __init__(self, reason: str, error: str | None) -> None:
            super().__init__()
            self.reason, self.error = reason, error

    def __init__(
        self,
        post: Callable[[Message], Any],
        *,
        timer: Callable[[], float] = time.perf_counter,
        audio_sink: Callable[[RealtimeSessionEvent], None] | None = None,
        history_interval: float = 0.25,
        frame_interval: float = 1 / 60,
    ) -> None:
        self._post_now = post
        self._timer = timer
        self.audio_sink = audio_sink
        self._deltas: dict[str, list[str]] = {}
        self._arrivals: dict[str, list[float]] = {}
        self.streamed: set[str] = set()
        """Items whose text arrived as deltas (the transcript builds those from the deltas)."""
        self._history: Sequence[Any] | None = None
        self._last_history: Sequence[Any] | None = None
        self._history_full = False
        self._history_interval = history_interval
        self._history_posted = float("-inf")
        self._frame_interval = frame_interval
        self._deltas_posted = float("-inf")
        self._turn_mark: float | None = None
        self._held_at: float | None = None  # when a tool began to run or wait for approval
        self.audio_clock: Callable[[], float | None] | None = None
        """Mic audio sent so far in ms (the audio layer's), to place the end of the user's
        speech in time from the server's ``audio_end_ms``; None in text mode."""
        self.events_seen = 0
        self.timeline = TurnTimeline(timer)
        self.decisions = DecisionWatch(timer)
        self.pricer: Callable[[TokenCount], float | None] = lambda tokens: None
        """What tokens cost (the app sets it from the price table and the model)."""
        self.closed_reason: str | None = None
        self.gave_up = False
        """The last session closed because reconnecting ran out of attempts."""
        self._approvals: Callable[[], tuple[PendingApproval, ...]] | None = None
        self._approvals_posted: tuple[PendingApproval, ...] = ()

    # -- the one consumer ------------------------------------------------------------------------

    async def pump(
        self,
        session: AsyncIterable[RealtimeSessionEvent],
        approvals: Callable[[], tuple[PendingApproval, ...]] | None = None,
    ) -> None:
        """Consume every event until the session ends; call from exactly one worker.
        ``approvals`` reads the session's pending approvals (see ``refresh_approvals``)."""
        self.gave_up = False
        self._approvals = approvals
        self.refresh_approvals()  # a new session starts with its own (none)
        async for event in session:
            self.handle(event)
        self.flush()
        self.session_gone()

    def session_gone(self) -> None:
        """The session closed: nothing of it can be decided any more. Says which calls were
        left undecided, and that none is pending."""
        left, self._approvals = self._approvals_posted, None
        if left:
            self._approvals_posted = ()
            for approval in left:
                self.post(self.Notice(
                    f"{approval.tool} ({approval.call_id}) was not decided: the session ended"))
            self.post(self.ApprovalsChanged(()))

    def refresh_approvals(self) -> None:
        """Post the session's pending approvals if they changed since last posted."""
        if self._approvals is None:
            return
        pending = self._approvals()
        if pending != self._approvals_posted:
            self._approvals_posted = pending
            self.post(self.ApprovalsChanged(pending))

    def user_turn_ended(self, at: float | None = None) -> None:
        """The user's input ended (text sent, speech stopped or committed): a turn starts."""
        self._post_figures(self.timeline.input_ended(at))

    def playout_started(self) -> None:
        """Local playback of a reply began (the audio layer's playback went pending)."""
        self._post_figures(self.timeline.playout_started())

    def _post_figures(self, figures: TurnFigures | None) -> None:
        if figures is not None:
            self.post(self.TurnMeasured(
                figures.number, figures.stages, figures.tool_ms, figures.approval_ms,
                figures.total_ms, figures.tokens.as_dict(), self.pricer(figures.tokens),
            ))

    def mark_turn_start(self) -> None:
        """A response is awaited from now (input ended, or a tool's output went back): start
        the latency clock."""
        self._turn_mark, self._held_at = self._timer(), None

    def _hold_clock(self) -> None:
        """A tool runs or waits for the operator: that time is not the agent's latency."""
        if self._turn_mark is not None and self._held_at is None:
            self._held_at = self._timer()

    def _resume_clock(self) -> None:
        """A tool's output went back. The turn's clock goes on from where the user's input
        ended, leaving the tool's run and the approval wait out; when the tool's start went
        unseen, the new response is timed from now, never with the operator's wait in it."""
        if self._turn_mark is None:
            return  # the turn's first output came already (a holding line): its figure stands
        if self._held_at is not None:
            self._turn_mark += self._timer() - self._held_at
            self._held_at = None
        else:
            self.mark_turn_start()

    def input_ended(self) -> None:
        """The user's input ended now (text sent, push-to-talk released, audio committed): the
        latency clock and the turn's timeline both start here."""
        self.mark_turn_start()
        self.user_turn_ended(self._turn_mark)

    @property
    def awaiting_reply(self) -> bool:
        """The user's turn ended and nothing of the reply has come yet (the agent thinks)."""
        return self._turn_mark is not None

    def mark_speech_end(self, audio_end_ms: Any) -> None:
        """Speech stopped at ``audio_end_ms`` of the input audio: the latency clock starts
        there, so the server's wait for silence counts (audio goes out in real time, so what
        was sent since is how long ago that was)."""
        clock = self.audio_clock
        sent = clock() if clock is not None else None
        if not isinstance(audio_end_ms, int | float) or sent is None:
            self.mark_turn_start()
        else:
            ago_s = max(0.0, (sent - float(audio_end_ms)) / 1000.0)
            self._turn_mark = self._timer() - ago_s
        self.user_turn_ended(self._turn_mark)

    def post(self, message: Message) -> None:
        self.flush_deltas()
        self._post_now(message)

    def flush(self) -> None:
        """Post what was gathered since the last frame (the app calls this on a timer)."""
        if self._deltas and self._history is None:
            # Deltas change the newest history item in place without a history event: show it.
            self._history = self._last_history
        self.flush_deltas()
        if self._history is None:
            return
        now = self._timer()
        # The tree is secondary to the transcript: while a reply streams it updates a few
        # times a second; a full pass (turn end) goes out at once.
        if self._history_full or now - self._history_posted >= self._history_interval:
            items, full = self._history, self._history_full
            self._history, self._history_full = None, False
            self._history_posted = now
            self._post_now(self.HistoryChanged(items, full))

    def flush_deltas(self) -> None:
        if not self._deltas:
            return
        deltas, arrivals = self._deltas, self._arrivals
        self._deltas, self._arrivals = {}, {}
        self._deltas_posted = self._timer()
        for item_id, chunks in deltas.items():
            self._post_now(
                self.TranscriptStreamed(item_id, "", "".join(chunks), arrivals[item_id]))

    def _first_output(self, kind: str) -> None:
        if self._turn_mark is not None:
            elapsed = (self._timer() - self._turn_mark) * 1000.0
            self._turn_mark = self._held_at = None
            self.post(self.LatencyMeasured(elapsed, kind))

    # -- translation -----------------------------------------------------------------------------

    def handle(self, event: RealtimeSessionEvent) -> None:
        # The session's event classes are imported with the first event: the console's first
        # frame does not wait for them (the module is cached after that).
        from console.realtime import events as ev

        self.events_seen += 1
        if self.audio_sink is not None:
            # Every event, unbuffered: audio drives playback, and the audio settings events tell
            # the audio layer the formats and whether push-to-talk must commit.
            try:
                self.audio_sink(event)
            except Exception:
                # The audio layer failing must never cost the session: log it, go on.
                log.exception("the audio layer failed on a %s event", event.type)
        figures = self.timeline.observe(event)
        ruled = self.decisions.observe(event)
        if ruled is not None:
            self.post(self.DecidedByRule(
                ruled.agent, ruled.tool, ruled.arguments, ruled.call_id, ruled.decision
            ))
        match event:
            case ev.RealtimeTranscriptDelta(item_id=item_id, delta=delta) | ev.RealtimeTextDelta(
                item_id=item_id, delta=delta
            ):
                self._delta(item_id, delta)
            case ev.RealtimeConnectionStateChanged(state=state):
                # Reconnecting and closed have their own events (ConnectionLost, SessionEnded),
                # which say why and what comes next.
                if state in ("connecting", "connected", "disconnected"):
                    self.post(self.ConnectionChanged(state))
            case ev.RealtimeUserTranscript(item_id=item_id, transcript=transcript):
                self.post(self.UserSpoke(item_id, transcript))
            case ev.RealtimeUsageUpdated():
                tokens = from_usage_event(event)
                self.post(self.UsageReported(tokens.as_dict(), self.pricer(tokens)))
            case ev.RealtimeTurnStarted():
                self.post(self.TurnStarted())
            case ev.RealtimeTurnEnded(status=status):
                # A turn's end is when items in the middle may have changed (transcripts,
                # truncation): the history gets a full pass.
                self._history, self._history_full = self._last_history, True
                self.post(self.TurnEnded(status))
            case ev.RealtimeAudio() | ev.RealtimeAudioEnd() | ev.RealtimeAudioInterrupted():
                if isinstance(event, ev.RealtimeAudio):
                    self._first_output("audio")
                elif isinstance(event, ev.RealtimeAudioInterrupted):
                    self.post(self.Interrupted(event.item_id))
            case ev.RealtimeUserSpeechStarted():
                self.post(self.UserSpeechChanged(True))
            case ev.RealtimeUserSpeechStopped(audio_end_ms=audio_end_ms):
                self.mark_speech_end(audio_end_ms)
                self.post(self.UserSpeechChanged(False))
            case ev.RealtimeInputAudioCommitted():
                if self._turn_mark is None:  # speech_stopped already started the clock
                    self.input_ended()
            case ev.RealtimeHistoryUpdated(history=history):
                self._history = self._last_history = history
            case ev.RealtimeHistoryAdded(item=item):
                self.post(self.ItemAdded(item))
            case ev.RealtimeAgentChanged(agent=agent):
                self.post(self.AgentStarted(agent_name(agent)))
            case ev.RealtimeHandoffEvent(from_agent=source, to_agent=target):
                self.post(self.HandoffTaken(agent_name(source), agent_name(target)))
            case ev.RealtimeToolStart(agent=agent, tool=tool, arguments=arguments, call_id=call):
                self._hold_clock()
                self.post(self.ToolStarted(agent_name(agent), tool_name(tool), arguments, call))
                self.refresh_approvals()
            case ev.RealtimeToolEnd(agent=agent, tool=tool, output=output, call_id=call):
                self.post(self.ToolEnded(agent_name(agent), tool_name(tool), str(output), call))
                self.refresh_approvals()
                self._resume_clock()
            case ev.RealtimeToolApprovalRequired(
                agent=agent, tool=tool, arguments=arguments, call_id=call
            ):
                self._hold_clock()
                self.post(self.ApprovalRequested(
                    agent_name(agent), tool_name(tool), arguments, str(call)
                ))
                self.refresh_approvals()
            case ev.RealtimeError() if event.detail.type == "connection_closed":
                # A dropped connection: connection_lost (reconnecting) or session_closed (not)
                # follows with the same words, so it is shown once, there.
                pass
            case ev.RealtimeError(detail=detail):
                shown_as = "listener" if detail.kind == "listener" else "error"
                self.post(self.ErrorReported(describe_error(detail), shown_as))
            case ev.RealtimeGuardrailTripped(guardrail_results=results, message=text):
                names = [_guardrail_name(result) for result in results]
                self.post(self.GuardrailTripped(text, names))
            case ev.RealtimeInputAudioTimeoutTriggered():
                self.post(self.Notice("no speech heard: input audio timed out"))
            case ev.RealtimeConnectionLost():
                self.post(self.ConnectionLost(
                    event.attempt, event.retry_in_s, describe_error(event.error),
                    event.max_attempts,
                ))
            case ev.RealtimeReconnecting(attempt=attempt):
                self.post(self.Reconnecting(attempt))
            case ev.RealtimeReconnected():
                self.post(self.Reconnected(
                    event.attempt, event.restored_items, event.skipped_items, event.resent,
                    event.dropped_audio_bytes,
                ))
            case ev.RealtimeSessionClosed(reason=reason, detail=detail):
                shown = describe_error(detail) if detail is not None else None
                self.closed_reason = str(reason)
                self.gave_up = self.closed_reason.startswith("reconnect failed")
                self.post(self.SessionEnded(describe_error(str(reason)), shown))
                self.session_gone()
            case _:
                pass
        self._post_figures(figures)

    def _delta(self, item_id: str, delta: str) -> None:
        self.streamed.add(item_id)
        now = self._timer()
        self._deltas.setdefault(item_id, []).append(delta)
        self._arrivals.setdefault(item_id, []).append(now)
        self._first_output("text")
        if now - self._deltas_posted >= self._frame_interval:
            # Leading edge: a delta after a quiet frame goes out now; the rest of a burst
            # waits for the frame timer, so the rate stays at most two posts per frame.
            self.flush_deltas()
