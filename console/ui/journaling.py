"""The console's part of the session journal: the meta line, the session events the console
reduced and the operator's actions, in the order they changed the screen.

Session events (the bridge's and the listener's messages) are written as the ``call.*`` and
``listener.*`` records of ``journal_codec``; actions as ``console.*`` records (``decision`` for a
decision the session took). Replay decodes both back into the events the reducer takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.message import Message

import console

from .decisions import Decisions
from .journal_codec import MessageEncoder, type_name
from .state import (
    Clear,
    ConnectFailed,
    DecisionRefused,
    DecisionTaken,
    Revoked,
    Say,
    Sent,
    Status,
    StatusSet,
)
from .widgets.handoff_graph import AgentGraph

if TYPE_CHECKING:
    from console.journal import JournalWriter

log = logging.getLogger("console.ui.journaling")

JOURNAL_SCHEMA_KEY = "console_schema"
CONSOLE_SCHEMA = 2
"""The version of the console's records in the meta line (absent: 1, the first version)."""


def graph_meta(graph: AgentGraph) -> dict[str, Any]:
    return {"nodes": list(graph.nodes), "edges": {k: list(v) for k, v in graph.edges.items()}}


def decision_fields(message: Decisions.Taken | Decisions.Refused) -> dict[str, Any]:
    """The journal's fields of a decision (the export's, unchanged since version 1)."""
    approval = message.approval
    return {
        "call_id": approval.call_id, "tool": approval.tool, "agent": approval.agent,
        "arguments": approval.arguments,
        "decision": "approved" if message.approve else "rejected", "always": message.always,
    }


def refusal_fields(message: Decisions.Refused) -> dict[str, Any]:
    return {**decision_fields(message), "reason": message.reason}


def action_record(action: object) -> tuple[str, dict[str, Any]] | None:
    """The ``console.*`` record (type, fields) of an operator action; None: not journaled
    (a decision has its own record kind, and what the wire shows is journaled as the wire)."""
    match action:
        case Say(text=text, kind=kind, label=label):
            return "console.line", {"kind": kind, "label": label, "text": text}
        case ConnectFailed(line=line):
            return "console.line", {"kind": "error", "label": "error", "text": line}
        case Sent(text=text):
            return "console.sent", {"text": text}
        case DecisionRefused(fields=fields):
            return "console.refused", dict(fields)
        case Revoked(tool=tool):
            return "console.revoke", {"tool": tool}
        case StatusSet(fields=fields):
            return "console.status", dict(fields)
        case Clear():
            return "console.clear", {}
    return None


def action_of(act: str, fields: dict[str, Any]) -> object | None:
    """The operator action of a ``console.<act>`` record (``action_record``'s inverse); None
    for an act this version does not know."""
    if act == "line":
        return Say(str(fields.get("text", "")), str(fields.get("kind", "system")),
                   str(fields.get("label", "console")))
    if act == "refused":
        return DecisionRefused(fields)
    if act == "decision":
        return DecisionTaken(fields, by=str(fields.get("by", "operator")))
    if act == "revoke":
        return Revoked(str(fields.get("tool")))
    if act == "status":
        return StatusSet(fields)
    if act == "sent":
        return Sent(str(fields.get("text", "")))
    if act == "clear":
        return Clear()
    return None


class JournalTrouble(Message):
    """The journal stopped writing (disk full...) or resumed."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ConsoleJournal:
    """Writes to ``journal`` (None: nothing is written); never lets a write failure reach the
    console. ``waited`` gives how long a call waited for its decision (ms, None: unknown)."""

    def __init__(
        self,
        journal: JournalWriter | None,
        post: Callable[[Message], object],
        waited: Callable[[str], float | None] = lambda call_id: None,
    ) -> None:
        self.journal = journal
        self._post = post
        self._waited = waited
        self._encoder = MessageEncoder()

    def start(self, *, agent: str, graph: AgentGraph, status: Status, **meta: Any) -> None:
        """Write the meta line: ``meta`` plus what replay needs to draw the same screen."""
        if self.journal is None:
            return
        # Said in the transcript the moment writing stops (disk full) and when it resumes; told
        # from the journal's writer thread, hence a message (post_message is thread-safe).
        self.journal.on_trouble = self._trouble
        self.journal.meta(
            version=console.__version__,
            **{JOURNAL_SCHEMA_KEY: CONSOLE_SCHEMA},
            agent=agent,
            graph=graph_meta(graph),
            status={"backend": status.backend, "model": status.model,
                    "recording": status.recording, "audio": status.audio},
            **meta,
        )

    def _trouble(self, text: str) -> None:
        self._post(JournalTrouble(text))

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()

    def record(self, event: object, *, agent: str = "", streamed: Iterable[str] = ()) -> None:
        """Journal a session event (a bridge or listener message) or an operator action.
        ``agent`` and ``streamed`` are what item records keep of the console's view."""
        journal = self.journal
        if journal is None:
            return
        try:
            if isinstance(event, DecisionTaken):
                journal.decision(**{"by": event.by, **event.fields})
                return
            if isinstance(event, Message):
                self._message(journal, event, agent, streamed)
                return
            act = action_record(event)
            if act is not None:
                journal.event(act[0], fields=act[1])
        except Exception:
            # A journal that cannot be written (disk full...) must never stop the console.
            log.exception("journal write failed")

    def _message(
        self, journal: JournalWriter, message: Message, agent: str, streamed: Iterable[str]
    ) -> None:
        if type_name(message) is None:
            return
        record = self._encoder.encode(message, agent=agent, streamed=streamed)
        if record is not None:
            journal.event(record.pop("type"), **record)
        from .bridge import SessionBridge

        if isinstance(message, SessionBridge.HandoffTaken):
            # What `rtconsole export` lists as the handoffs.
            journal.event("handoff", **{"from": message.source, "to": message.target})

    def outcome(self, outcome: Message) -> None:
        """Journal a decision's outcome the moment it is known (before the tool's own wire
        traffic): a ``decision`` record only when the session took it; a refusal is an
        operator act (``console.refused``), never a decision."""
        if self.journal is None:
            return
        try:
            if isinstance(outcome, Decisions.Taken):
                # How long the call waited, up to the moment the session took the decision.
                waited = self._waited(outcome.approval.call_id)
                self.journal.decision(
                    by="operator", waited_ms=waited, **decision_fields(outcome)
                )
            elif isinstance(outcome, Decisions.Refused):
                self.journal.event("console.refused", fields=refusal_fields(outcome))
        except Exception:
            log.exception("journal write failed")
