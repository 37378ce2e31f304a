"""The console's view-model (frozen slices) and the operator actions the reducer takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .history import History
from .metrics import MetricsBook
from .tokens import TokenLedger
from .widgets.approvals import PendingApproval

TEXT_ONLY = "text only"
"""The status bar's audio field when no audio runs."""


# -- the transcript: an append-only log of changes, O(1) per event -----------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A line added (or, under a ``key`` already shown, its text replaced)."""

    kind: str
    label: str
    text: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Stream:
    """Streamed text appended to the line under ``key`` (created by its first chunk)."""

    key: str
    text: str
    label: str


@dataclass(frozen=True, slots=True)
class Heard:
    """Of the reply under ``key`` the caller heard ``chars`` characters; the rest was cut."""

    key: str
    chars: int


@dataclass(frozen=True, slots=True)
class Cleared:
    """The operator cleared the transcript (also an action: see ``Clear``)."""


LineOp = Line | Stream | Heard | Cleared


@dataclass(frozen=True, slots=True, eq=False)
class Transcript:
    """The transcript as the first ``length`` changes of a log that only grows.

    States share the log: reducing appends to its end, so an older state still reads what it
    read (its prefix) and nothing is copied per delta. Reducing from an older state again (a
    branch) copies its prefix first. A clear starts a new log, so memory does not outlive it.
    """

    log: list[LineOp] = field(default_factory=list)
    length: int = 0
    keyed: Mapping[str, str] = field(default_factory=dict)
    """The text of each line added under a key (user lines: few), so a line that would not
    change is not logged again; copied only when one changes."""

    def then(self, *ops: LineOp) -> Transcript:
        if not ops:
            return self
        keyed = self.keyed
        if Cleared() in ops:
            last = max(i for i, op in enumerate(ops) if isinstance(op, Cleared))
            ops, log, keyed = ops[last:], [], {}
        else:
            log = self.log if len(self.log) == self.length else self.log[: self.length]
        if any(isinstance(op, Line) and op.key is not None for op in ops):
            keyed = {**keyed, **{op.key: op.text for op in ops
                                 if isinstance(op, Line) and op.key is not None}}
        log.extend(ops)
        return Transcript(log, len(log), keyed)

    @property
    def ops(self) -> Sequence[LineOp]:
        return self.log[: self.length]

    def lines(self) -> list[tuple[str, str, str]]:
        """(kind, label, text) of every line, as the pane shows them (for tests and tools)."""
        shown: list[list[str]] = []
        keys: dict[str, int] = {}
        for op in self.ops:
            if isinstance(op, Cleared):
                shown, keys = [], {}
            elif isinstance(op, Line):
                if op.key is not None and op.key in keys:
                    shown[keys[op.key]][2] = op.text
                    continue
                if op.key is not None:
                    keys[op.key] = len(shown)
                shown.append([op.kind, op.label, op.text])
            elif isinstance(op, Stream):
                if op.key in keys:
                    shown[keys[op.key]][2] += op.text
                else:
                    keys[op.key] = len(shown)
                    shown.append(["assistant", op.label, op.text])
        return [(kind, label, text) for kind, label, text in shown]


# -- the slices the widgets bind to ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agents:
    """The handoff graph's slice: the current agent, the agents that were current (in order)
    and how often each handoff was taken."""

    current: str = ""
    seen: tuple[str, ...] = ()
    taken: tuple[tuple[str, str, int], ...] = ()

    def now(self, agent: str) -> Agents:
        seen = self.seen if agent in self.seen else (*self.seen, agent)
        return replace(self, current=agent, seen=seen)

    def handoff(self, source: str, target: str) -> Agents:
        counts = {(s, t): n for s, t, n in self.taken}
        counts[(source, target)] = counts.get((source, target), 0) + 1
        taken = tuple((s, t, n) for (s, t), n in counts.items())
        return replace(self.now(target), taken=taken)

    def count(self, source: str, target: str) -> int:
        return next((n for s, t, n in self.taken if (s, t) == (source, target)), 0)


@dataclass(frozen=True, slots=True)
class Status:
    """The status bar's slice: every fact it shows, each held here once (the graph's slice is
    this one's ``agents``)."""

    backend: str = ""
    model: str = ""
    recording: bool = False
    connection: str = "disconnected"
    connection_detail: str = ""
    """Said after the connection state, e.g. "in 2.0 s (attempt 3)" while reconnecting."""
    agents: Agents = field(default_factory=Agents)
    latency: str = ""
    usage: TokenLedger = field(default_factory=TokenLedger)
    """The session's tokens and cost."""
    countdown: int = 0
    """Seconds of user inactivity left before the session closes (0: no countdown)."""
    subagents: tuple[str, ...] = ()
    """Subagents running now, in start order."""
    muted: bool = False
    push_to_talk: bool = False
    """Push-to-talk is held open (talking)."""
    push_to_talk_mode: bool = False
    """The mic follows the push-to-talk key (closed unless ``push_to_talk``)."""
    audio: str = ""
    """Audio mode when it is worth saying (e.g. "text only"); empty shows nothing."""


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys the transcript names in its hints (the keymap may have moved them)."""

    approve: str = "ctrl+y"
    reject: str = "ctrl+n"
    reconnect_now: str = "ctrl+r"


@dataclass(frozen=True, slots=True)
class Voice:
    """The Audio pane's slice beyond the levels: the server heard the user, the devices."""

    heard: bool = False
    microphone: str = ""
    speaker: str = ""


@dataclass(frozen=True, slots=True)
class ConsoleState:
    """Everything the console shows but the levels."""

    status: Status = field(default_factory=Status)
    approvals: tuple[PendingApproval, ...] = ()
    """The session's pending approvals, oldest first, as it last reported them."""
    transcript: Transcript = field(default_factory=Transcript)
    voice: Voice = field(default_factory=Voice)
    keys: Keys = field(default_factory=Keys)
    history: History = field(default_factory=History)
    """The history tree's slice: the session's items by turn, each measured turn's label."""
    figures: MetricsBook = field(default_factory=MetricsBook)
    """Each finished turn's figures (the metrics view's slice)."""

    @property
    def agent(self) -> str:
        return self.status.agents.current

    @property
    def connection(self) -> str:
        return self.status.connection

    @property
    def muted(self) -> bool:
        return self.status.muted


# -- operator actions (and the console's own lines) --------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    """A line the console writes by itself."""

    text: str
    kind: str = "system"
    label: str = "console"


@dataclass(frozen=True, slots=True)
class Sent:
    """The operator sent typed text."""

    text: str


@dataclass(frozen=True, slots=True)
class DecisionTaken:
    """The session took a decision (``by`` the operator, a rule or a scenario); ``fields`` are
    the journal's (call_id, tool, agent, arguments, decision, always)."""

    fields: dict[str, Any]
    by: str = "operator"


@dataclass(frozen=True, slots=True)
class DecisionRefused:
    """The session did not take the operator's decision; ``fields`` carry the ``reason``."""

    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Revoked:
    """The operator revoked the always rule of ``tool``."""

    tool: str


STATUS_FIELDS = frozenset({"muted", "push_to_talk", "push_to_talk_mode", "audio", "countdown"})
"""Status facts an operator action may set (mute, push-to-talk, the audio mode)."""


@dataclass(frozen=True, slots=True)
class StatusSet:
    """Mute, push-to-talk or the audio mode changed (``fields``: names in STATUS_FIELDS)."""

    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Clear:
    """The operator cleared the transcript."""


@dataclass(frozen=True, slots=True)
class ReplyCut:
    """A reply was cut: the caller heard ``chars`` characters of ``item_id``; ``text`` says so."""

    item_id: str
    chars: int
    text: str


@dataclass(frozen=True, slots=True)
class DevicesShown:
    """The microphone and speaker in use (opened, or switched by the operator)."""

    microphone: str
    speaker: str


@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """A session that never connected failed; ``line`` says why, ``detail`` is the status's."""

    line: str
    detail: str


Action = (
    Say | Sent | DecisionTaken | DecisionRefused | Revoked | StatusSet | Clear | ReplyCut
    | DevicesShown | ConnectFailed
)
