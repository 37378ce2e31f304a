"""How session events show: the handlers of the bridge's messages, mixed into the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .bridge import SessionBridge
from .journaling import guardrail_line, journaled
from .listener import ConsoleListener
from .session_figures import SessionFigures, turn_summary
from .tokens import TokenCount
from .widgets.approvals import short_arguments
from .widgets.history_tree import item_text

if TYPE_CHECKING:
    from .config import ConsoleConfig
    from .screens.main import MainScreen

B = SessionBridge  # short name for the message types in the handler signatures
L = ConsoleListener


class SessionView:
    """Textual finds these handlers by name (``on_session_bridge_<message>``) on the app.

    Each one updates panes only: none awaits anything, so a burst of events never stalls input.
    """

    main: MainScreen
    bridge: SessionBridge
    config: ConsoleConfig
    figures: SessionFigures

    def system_line(self, text: str, *, kind: str = "system") -> None:
        label = "error" if kind == "error" else "console"
        self.main.transcript.add(kind, label, text)  # type: ignore[arg-type]

    if TYPE_CHECKING:
        def key_for(self, binding_id: str) -> str: ...  # the app's
        def apply_act(self, act: str, fields: dict[str, Any]) -> None: ...  # Journaling's

    @journaled
    def on_session_bridge_connection_changed(self, message: B.ConnectionChanged) -> None:
        status = self.main.status
        if status.connection == "reconnecting" and message.status in ("disconnected", "connecting"):
            return  # the transport's own states while the session reconnects: keep saying so
        status.connection = message.status
        status.connection_detail = ""

    @journaled
    def on_session_bridge_connection_lost(self, message: B.ConnectionLost) -> None:
        status = self.main.status
        status.connection = "reconnecting"
        status.connection_detail = f"in {message.retry_in_s:.1f} s (attempt {message.attempt})"
        status.countdown = 0
        of = f" of {message.max_attempts}" if message.max_attempts else ""
        retry = f"{self.key_for('reconnect_now')} retries now"
        if message.attempt == 1:
            self.system_line(
                f"connection lost: {message.error}; reconnecting in {message.retry_in_s:.1f} s "
                f"(attempt 1{of}), {retry}", kind="error",
            )
        else:
            self.system_line(
                f"reconnect attempt {message.attempt - 1} failed: {message.error}; next in "
                f"{message.retry_in_s:.1f} s (attempt {message.attempt}{of}), {retry}",
                kind="error",
            )

    @journaled
    def on_session_bridge_reconnecting(self, message: B.Reconnecting) -> None:
        status = self.main.status
        status.connection = "reconnecting"
        status.connection_detail = f"(attempt {message.attempt})"

    @journaled
    def on_session_bridge_reconnected(self, message: B.Reconnected) -> None:
        status = self.main.status
        status.connection = "connected"
        status.connection_detail = ""
        items = "item" if message.restored_items == 1 else "items"
        text = f"reconnected: conversation restored ({message.restored_items} {items}"
        if message.skipped_items:
            text += f", {message.skipped_items} not restorable"
        if message.resent:
            text += f", {message.resent} held sent"
        self.system_line(text + ")")

    @journaled
    def on_session_bridge_transcript_streamed(self, message: B.TranscriptStreamed) -> None:
        self.main.transcript.append_text(
            message.item_id, message.text, kind="assistant", label=message.agent,
            arrivals=message.arrivals,
        )

    @journaled
    def on_session_bridge_usage_reported(self, message: B.UsageReported) -> None:
        self.figures.usage(TokenCount.from_dict(message.tokens), message.cost)

    @journaled
    def on_session_bridge_turn_measured(self, message: B.TurnMeasured) -> None:
        figures = message.figures
        self.figures.turn(figures, message.cost)
        self.main.history.show_turn_figures(figures.number, turn_summary(figures, message.cost))

    @journaled
    def on_session_bridge_user_spoke(self, message: B.UserSpoke) -> None:
        if message.text:
            self.main.transcript.add("user", "you", message.text, key=message.item_id)

    @journaled
    def on_session_bridge_agent_started(self, message: B.AgentStarted) -> None:
        self.main.status.agent = message.agent
        self.main.graph.set_current(message.agent)

    @journaled
    def on_session_bridge_handoff_taken(self, message: B.HandoffTaken) -> None:
        self.main.graph.mark_taken(message.source, message.target)
        self.main.status.agent = message.target
        self.main.transcript.add("handoff", "handoff", f"{message.source} → {message.target}")

    @journaled
    def on_session_bridge_tool_started(self, message: B.ToolStarted) -> None:
        args = short_arguments(message.arguments, 100)
        self.main.transcript.add("tool", "tool", f"{message.tool} {args}")

    @journaled
    def on_session_bridge_tool_ended(self, message: B.ToolEnded) -> None:
        output = short_arguments(message.output, 160)
        self.main.transcript.add("tool", "tool", f"{message.tool} → {output}")

    @journaled
    def on_session_bridge_approvals_changed(self, message: B.ApprovalsChanged) -> None:
        self.main.approvals.show(message.pending)

    @journaled
    def on_session_bridge_approval_requested(self, message: B.ApprovalRequested) -> None:
        approve, reject = self.key_for("approve"), self.key_for("reject")
        self.main.transcript.add(
            "tool", "approval",
            f"{message.tool} {short_arguments(message.arguments, 80)} needs approval: "
            f"{approve} approves, {reject} rejects",
        )

    @journaled
    def on_session_bridge_error_reported(self, message: B.ErrorReported) -> None:
        self.main.transcript.add("error", message.source, message.text)

    @journaled
    def on_session_bridge_decided_by_rule(self, message: B.DecidedByRule) -> None:
        # The journaled message is the decision's one record (export reads it as by="rule").
        self.apply_act("decision", {
            "by": "rule", "call_id": message.call_id, "tool": message.tool,
            "arguments": message.arguments, "decision": message.decision, "always": True,
        })

    @journaled
    def on_session_bridge_guardrail_tripped(self, message: B.GuardrailTripped) -> None:
        self.main.transcript.add("error", "guardrail", guardrail_line(
            message.guardrails, message.text
        ))

    @journaled
    def on_session_bridge_history_changed(self, message: B.HistoryChanged) -> None:
        tree = self.main.history
        items = message.items
        if message.full:
            tree.sync(items)
            tail: Sequence[Any] = items
        else:
            # Only the newest items change while a reply streams; a full pass runs at turn end.
            tail = items[-8:]
            for item in tail:
                tree.upsert(item)
        for item in tail:
            self._reflect_item(item)

    @journaled
    def on_session_bridge_item_added(self, message: B.ItemAdded) -> None:
        self.main.history.upsert(message.item)
        self._reflect_item(message.item)

    def _reflect_item(self, item: Any) -> None:
        """Typed user text reaches the transcript with its item (spoken text comes with the
        user's transcript, assistant text with its deltas: each line has one feed)."""
        if getattr(item, "role", None) != "user":
            return
        text = item_text(item)
        if text:
            self.main.transcript.add("user", "you", text, key=item.item_id)

    @journaled
    def on_session_bridge_turn_ended(self, message: B.TurnEnded) -> None:
        if message.status not in (None, "completed"):
            self.system_line(f"reply {message.status}")

    @journaled
    def on_session_bridge_latency_measured(self, message: B.LatencyMeasured) -> None:
        self.main.status.set_latency(message.milliseconds, message.kind)

    @journaled
    def on_session_bridge_interrupted(self, message: B.Interrupted) -> None:
        self.main.transcript.add("system", "console", "assistant interrupted")

    @journaled
    def on_session_bridge_notice(self, message: B.Notice) -> None:
        self.system_line(message.text)

    @journaled
    def on_session_bridge_session_ended(self, message: B.SessionEnded) -> None:
        status = self.main.status
        status.connection = "disconnected"
        status.connection_detail = ""
        status.countdown = 0
        status.subagents = ()
        reason, error = message.reason, message.error
        if reason.startswith("reconnect failed"):
            # The reason names the attempts and already ends with the last error.
            self.system_line(f"session closed: {reason}", kind="error")
        elif error:
            self.system_line(f"session closed: {error}", kind="error")
        elif reason != "closed":
            self.system_line(f"session closed: {reason}")

    # -- activity and the listener's callbacks ------------------------------------------------

    def activity(self) -> None:
        """Someone spoke, typed or a reply began: the inactivity clock restarted from full."""
        self.main.status.countdown = 0

    @journaled
    def on_session_bridge_user_speech_changed(self, message: B.UserSpeechChanged) -> None:
        self.main.meters.heard = message.started
        self.activity()

    @journaled
    def on_session_bridge_turn_started(self, message: B.TurnStarted) -> None:
        self.activity()

    @journaled
    def on_console_listener_countdown_ticked(self, message: L.CountdownTicked) -> None:
        # A tick delivered after the close (callbacks run in their own task) must not linger.
        if self.main.status.connection == "connected":
            self.main.status.countdown = message.remaining

    @journaled
    def on_console_listener_subagent_started(self, message: L.SubagentStarted) -> None:
        status = self.main.status
        status.subagents = (*status.subagents, message.agent_name)
        self.activity()
        self.main.transcript.add("tool", "subagent", f"{message.agent_name} started")

    @journaled
    def on_console_listener_subagent_finished(self, message: L.SubagentFinished) -> None:
        status = self.main.status
        running = list(status.subagents)
        if message.agent_name in running:
            running.remove(message.agent_name)
        status.subagents = tuple(running)
        self.main.transcript.add("tool", "subagent", f"{message.agent_name} finished")
