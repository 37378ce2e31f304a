"""Where a turn's time goes: its milestones from the end of the user's input, tools apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.journal.summary import STAGES

from .tokens import TokenCount, from_usage_event


@dataclass(frozen=True, slots=True)
class TurnFigures:
    """One finished turn. ``stages`` holds ms from the end of the user's input to each milestone
    reached, less the time spent in tool runs and approval waits before it (kept apart in
    ``tool_ms`` and ``approval_ms``), so a slow tool never reads as a slow model."""

    number: int
    stages: dict[str, float]
    tool_ms: float = 0.0
    approval_ms: float = 0.0
    total_ms: float = 0.0
    tokens: TokenCount = field(default_factory=TokenCount)


@dataclass(slots=True)
class _Turn:
    start: float
    stages: dict[str, float] = field(default_factory=dict)
    tool_ms: float = 0.0
    approval_ms: float = 0.0
    tokens: TokenCount = field(default_factory=TokenCount)
    spoke: bool = False
    """Text or audio of the reply came (a response that only calls a tool does not end it)."""


class TurnTimeline:
    """Fed every session event (``observe``) plus the two marks only the console knows (the end
    of the user's input, the start of local playout); hands back each turn as it finishes.

    A turn ends with the first response that says something while no tool call is outstanding,
    or, when ``expect_playout`` (audio plays here) and audio came, once its playout starts (a
    reply often arrives faster than it plays); a new input also ends the turn before it (what it
    reached so far is kept)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._turn: _Turn | None = None
        self._count = 0
        self._outstanding: set[str] = set()
        self._waiting: dict[str, float] = {}  # approval asked, by call id
        self._running: dict[str, float] = {}  # tool started, by call id
        self._busy_since: float | None = None
        self._busy_ms = 0.0
        self._ended = False  # the turn's last response ended; only its playout is awaited
        self.expect_playout = False
        """Local playback runs, so a turn with audio waits for ``playout_started``."""

    # -- the console's marks ---------------------------------------------------------------

    def input_ended(self, at: float | None = None) -> TurnFigures | None:
        """The user's turn ended at ``at`` (default now): a new turn starts there."""
        done = self._finish() if self._turn is not None else None
        self._turn = _Turn(self._clock() if at is None else at)
        self._busy_ms = 0.0
        self._busy_since = self._clock() if self._busy_since is not None else None
        return done

    def playout_started(self) -> TurnFigures | None:
        """Local playback of the reply began; the figures if that was all the turn awaited."""
        self._mark("playout")
        return self._finish() if self._turn is not None and self._ended else None

    @property
    def open(self) -> bool:
        return self._turn is not None

    # -- session events --------------------------------------------------------------------

    def observe(self, event: Any) -> TurnFigures | None:
        """Note what ``event`` says about the turn; the figures of a turn it finished."""
        from console.realtime import events as ev  # at the first event, not at startup

        match event:
            case ev.RealtimeUserTranscript():
                self._mark("transcript")
            case ev.RealtimeTurnStarted():
                if self._turn is None:
                    # A response nobody's input started (a greeting, a scripted create).
                    self._turn = _Turn(self._clock())
                    self._busy_ms = 0.0
                self._mark("response")
            case ev.RealtimeTranscriptDelta() | ev.RealtimeTextDelta():
                self._mark("first_text", spoke=True)
            case ev.RealtimeFunctionCall(call_id=call_id):
                # The call as the model made it: its tool_start comes later, from the tool's
                # task, possibly after the turn ended, and the turn must wait for its output.
                self._outstanding.add(call_id)
            case ev.RealtimeUsageUpdated() if self._turn is not None:
                self._turn.tokens = self._turn.tokens + from_usage_event(event)
            case ev.RealtimeTurnEnded():
                turn = self._turn
                if turn is not None and turn.spoke and not self._outstanding:
                    awaiting = self.expect_playout and "first_audio" in turn.stages
                    if not awaiting or "playout" in turn.stages:
                        return self._finish()
                    self._ended = True
            case ev.RealtimeAudio():
                self._mark("first_audio", spoke=True)
            case ev.RealtimeToolApprovalRequired(call_id=call_id):
                self._waiting[call_id] = self._clock()
                self._busy(+1)
            case ev.RealtimeToolStart(call_id=call_id) if call_id is not None:
                self._approval_over(call_id)
                self._running[call_id] = self._clock()
                self._busy(+1)
            case ev.RealtimeToolEnd(call_id=call_id) if call_id is not None:
                self._approval_over(call_id)
                started = self._running.pop(call_id, None)
                if started is not None:
                    self._busy(-1)
                    if self._turn is not None:
                        self._turn.tool_ms += (self._clock() - started) * 1000.0
                self._outstanding.discard(call_id)
            case ev.RealtimeHandoffEvent():
                self._outstanding.clear()  # the handoff's call never reports a tool end
        return None

    # -- bookkeeping -----------------------------------------------------------------------

    def _approval_over(self, call_id: str) -> None:
        asked = self._waiting.pop(call_id, None)
        if asked is not None:
            self._busy(-1)
            if self._turn is not None:
                self._turn.approval_ms += (self._clock() - asked) * 1000.0

    def _busy(self, change: int) -> None:
        """Tool runs and approval waits may overlap: the model's clock stops while any is on."""
        active = len(self._waiting) + len(self._running)
        now = self._clock()
        if change > 0 and active == 1 and self._busy_since is None:
            self._busy_since = now
        elif change < 0 and active == 0 and self._busy_since is not None:
            self._busy_ms += (now - self._busy_since) * 1000.0
            self._busy_since = None

    def _busy_so_far(self, now: float) -> float:
        running = (now - self._busy_since) * 1000.0 if self._busy_since is not None else 0.0
        return self._busy_ms + running

    def _mark(self, stage: str, *, spoke: bool = False) -> None:
        turn = self._turn
        if turn is None:
            return
        if spoke:
            turn.spoke = True
        if stage not in turn.stages:
            now = self._clock()
            elapsed = (now - turn.start) * 1000.0 - self._busy_so_far(now)
            turn.stages[stage] = max(0.0, elapsed)

    def _finish(self) -> TurnFigures:
        turn = self._turn
        assert turn is not None
        self._turn = None
        self._ended = False
        self._count += 1
        now = self._clock()
        ordered = {stage: turn.stages[stage] for stage in STAGES if stage in turn.stages}
        return TurnFigures(
            self._count, ordered, turn.tool_ms, turn.approval_ms, (now - turn.start) * 1000.0,
            turn.tokens,
        )
