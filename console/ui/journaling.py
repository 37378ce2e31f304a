"""The app's journal side: the meta line, each handled message, and the operator's own acts.

What the panes show comes from two sources, and the journal keeps both in the order they changed
the screen: messages (bridge and listener), recorded as their handler runs (``journaled``), and
the console's own acts (a decision, a line it writes, a status toggle), recorded where they
happen and applied by ``apply_act``, which the live app and replay share.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message

import console

from .bridge import SessionBridge
from .decisions import Decisions
from .journal_codec import MessageEncoder
from .widgets.approvals import short_arguments
from .widgets.handoff_graph import AgentGraph

if TYPE_CHECKING:
    from console.journal import JournalWriter

    from .screens.main import MainScreen

log = logging.getLogger("console.ui.journaling")

M = TypeVar("M", bound="Message")
Handler = Callable[[Any, M], None]


def journaled(handler: Handler[M]) -> Handler[M]:
    """Mark a message handler: the message goes to the journal (if any) as the handler runs."""

    @functools.wraps(handler)
    def run(self: Any, message: M) -> None:
        self.journal_message(message)
        handler(self, message)

    return run


def decision_line(
    tool: str, arguments: str, approve: bool, always: bool, by: str = "operator"
) -> str:
    verb = "approved" if approve else "rejected"
    if by == "rule":
        return f"{verb} by the always rule: {tool} ({short_arguments(arguments, 80)})"
    verb += " always" if always else ""
    return f"{verb} {tool} ({short_arguments(arguments, 80)})"


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


def refusal_line(fields: dict[str, Any]) -> str:
    approve = fields.get("decision") == "approved"
    verb = ("approve" if approve else "reject") + (" always" if fields.get("always") else "")
    return f"{verb} {fields.get('tool')} refused: {fields.get('reason')}"


def guardrail_line(guardrails: list[str], text: str) -> str:
    """Which guardrails tripped and on what text (the end of it, where the trip came)."""
    names = ", ".join(guardrails) or "guardrail"
    said = " ".join(text.split())
    if len(said) > 80:
        said = "…" + said[-79:]
    return f"{names} tripped on “{said}”: reply stopped" if said else (
        f"{names} tripped: reply stopped"
    )


def graph_meta(graph: AgentGraph) -> dict[str, Any]:
    return {"nodes": list(graph.nodes), "edges": {k: list(v) for k, v in graph.edges.items()}}


JOURNAL_SCHEMA_KEY = "console_schema"
CONSOLE_SCHEMA = 2
"""The version of the console's records in the meta line (absent: 1, the first version)."""

STATUS_FIELDS = frozenset({"muted", "push_to_talk", "push_to_talk_mode", "audio", "countdown"})
"""Status bar fields the console sets by itself (not from a message); acts may set them."""


class JournalTrouble(Message):
    """The journal stopped writing (disk full...) or resumed."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Journaling:
    """Mixed into the app; needs ``journal`` (None: nothing is written), ``bridge`` and ``main``."""

    journal: JournalWriter | None
    bridge: SessionBridge
    main: MainScreen
    _encoder: MessageEncoder | None = None

    if TYPE_CHECKING:
        def post_message(self, message: Message) -> bool: ...  # the app's

    def start_journal(self, **meta: Any) -> None:
        """Write the meta line: ``meta`` plus what replay needs to draw the same screen."""
        if self.journal is None:
            return
        self._encoder = MessageEncoder()
        # Said in the transcript the moment writing stops (disk full) and when it resumes; told
        # from the journal's writer thread, hence a message (post_message is thread-safe).
        self.journal.on_trouble = self._tell_trouble
        status = self.main.status
        self.journal.meta(
            version=console.__version__,
            **{JOURNAL_SCHEMA_KEY: CONSOLE_SCHEMA},
            agent=self.bridge.agent,
            graph=graph_meta(self.main.graph.graph),
            status={"backend": status.backend, "model": status.model,
                    "recording": status.recording, "audio": status.audio},
            **meta,
        )

    def _tell_trouble(self, text: str) -> None:
        self.post_message(JournalTrouble(text))

    def on_journal_trouble(self, message: JournalTrouble) -> None:
        self.console_line(message.text, kind="error" if "stopped" in message.text else "system")

    def close_journal(self) -> None:
        if self.journal is not None:
            self.journal.close()

    def journal_message(self, message: Message) -> None:
        journal, encoder = self.journal, self._encoder
        if journal is None or encoder is None:
            return
        try:
            record = encoder.encode(
                message, agent=self.bridge.agent, streamed=self.bridge.streamed
            )
            if record is not None:
                journal.event(record.pop("type"), **record)
            if isinstance(message, SessionBridge.HandoffTaken):
                # What `rtconsole export` lists as the handoffs.
                journal.event("handoff", **{"from": message.source, "to": message.target})
        except Exception:
            # A journal that cannot be written (disk full...) must never stop the console.
            log.exception("journal write failed")

    def journal_outcome(self, outcome: Message) -> None:
        """Journal a decision's outcome: a ``decision`` record only when the session took it;
        a refusal is an operator act (``console.refused``), never a decision."""
        if self.journal is None:
            return
        try:
            if isinstance(outcome, Decisions.Taken):
                # How long the call waited, up to the moment the session took the decision.
                waited = self.bridge.decisions.waited_ms(outcome.approval.call_id)
                self.journal.decision(
                    by="operator", waited_ms=waited, **decision_fields(outcome)
                )
            elif isinstance(outcome, Decisions.Refused):
                self.journal.event("console.refused", fields=refusal_fields(outcome))
        except Exception:
            log.exception("journal write failed")

    def journal_act(self, act: str, **fields: Any) -> None:
        """Record a console act (see ``apply_act``) and apply it."""
        if self.journal is not None:
            try:
                if act == "decision":
                    self.journal.decision(**{"by": "operator", **fields})
                else:
                    self.journal.event(f"console.{act}", fields=fields)
            except Exception:
                log.exception("journal write failed")
        self.apply_act(act, fields)

    def apply_act(self, act: str, fields: dict[str, Any]) -> None:
        """What an act does to the panes, live and in replay alike."""
        main = self.main
        if act == "line":
            main.transcript.add(fields.get("kind", "system"), str(fields.get("label", "console")),
                                str(fields.get("text", "")))
        elif act == "refused":
            main.transcript.add("error", "operator", refusal_line(fields))
        elif act == "decision":
            # The pending approvals follow the session (ApprovalsChanged), not this line.
            by = str(fields.get("by", "operator"))
            line = decision_line(
                str(fields.get("tool")), str(fields.get("arguments", "")),
                fields.get("decision") == "approved", bool(fields.get("always")), by,
            )
            main.transcript.add("tool", by, line)
        elif act == "revoke":
            main.transcript.add("tool", "operator",
                                f"revoked the always rule for {fields.get('tool')}")
        elif act == "status":
            for name, value in fields.items():
                if name in STATUS_FIELDS:
                    setattr(main.status, name, value)
        elif act == "sent":
            main.status.countdown = 0  # typing is user activity: the inactivity clock restarts

    def console_line(self, text: str, *, kind: str = "system") -> None:
        """A line the console writes by itself (not from a message): shown and journaled."""
        label = "error" if kind == "error" else "console"
        self.journal_act("line", kind=kind, label=label, text=text)
