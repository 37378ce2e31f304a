"""What happened in a turn, and the verdicts: per step (turn) and per scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ToolCall:
    """A call the model made: a function tool, a subagent or a handoff."""

    name: str
    arguments: str
    call_id: str
    approval_asked: bool = False
    decision: str | None = None
    ran: bool = False
    output: str | None = None


@dataclass
class TurnRecord:
    """Everything a turn's expectations are checked against."""

    heard: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    handoffs: list[str] = field(default_factory=list)
    guardrails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    agent: str = ""
    latency_ms: float | None = None

    @property
    def reply(self) -> str:
        return " ".join(self.replies)

    def call(self, call_id: str) -> ToolCall | None:
        return next((c for c in self.calls if c.call_id == call_id), None)

    def transcript(self) -> list[str]:
        """The turn as lines: what was heard, the calls, the replies, in that order."""
        lines = [f"heard: {text}" for text in self.heard]
        for call in self.calls:
            how = ""
            if call.approval_asked:
                how = f" [approval asked: {call.decision or 'undecided'}]"
            ran = "ran" if call.ran else "did not run"
            out = f" -> {call.output}" if call.output is not None else ""
            lines.append(f"tool: {call.name}({call.arguments}){how} {ran}{out}")
        lines += [f"handoff: to {name}" for name in self.handoffs]
        lines += [f"guardrail tripped: {name}" for name in self.guardrails]
        lines += [f"error: {text}" for text in self.errors]
        lines += [f"reply: {text}" for text in self.replies]
        lines.append(f"agent at end: {self.agent}")
        if self.latency_ms is not None:
            lines.append(f"latency: {self.latency_ms:.0f} ms")
        return lines


@dataclass
class StepResult:
    """One caller turn: its label, the failed expectations (empty: passed), what happened."""

    number: int
    label: str
    failures: list[str] = field(default_factory=list)
    record: TurnRecord = field(default_factory=TurnRecord)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class ScenarioResult:
    name: str
    path: Path
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None
    """Why the scenario could not run to its end (connection, timeout...), if so."""
    seconds: float = 0.0
    journal: Path | None = None
    """The journal, kept when the scenario failed (``rtconsole replay`` shows it)."""
    skipped_steps: int = 0

    @property
    def passed(self) -> bool:
        return self.error is None and all(step.passed for step in self.steps)
