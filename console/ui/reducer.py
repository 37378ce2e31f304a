"""The one reducer: session events and operator actions in, the console's next state out.

``reduce(state, event)`` is pure (it returns a new ``ConsoleState``; slices that did not change
are the same objects) and O(1) per delta: the transcript is an append-only log the state shares
(see ``state.Transcript``); the history is copied only by the history's own events, a few times
a second at most (see ``history.History``). Live, the app reduces every message of the bridge
and the listener and every operator action; replay reduces the same events decoded from the
journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from .history import item_text, turn_summary
from .state import (
    STATUS_FIELDS,
    Clear,
    Cleared,
    ConnectFailed,
    ConsoleState,
    DecisionRefused,
    DecisionTaken,
    DevicesShown,
    Heard,
    Line,
    LineOp,
    ReplyCut,
    Revoked,
    Say,
    Sent,
    StatusSet,
    Stream,
)
from .tokens import TokenCount
from .widgets.approvals import short_arguments

Reduction = Callable[[ConsoleState, Any], ConsoleState]


def reduce(state: ConsoleState, event: object) -> ConsoleState:
    """The state after ``event`` (a bridge or listener message, or an operator action); an
    event the console does not show leaves ``state`` as it is."""
    step = _reductions().get(type(event))
    return state if step is None else step(state, event)


# -- the words of the lines ----------------------------------------------------------------------


def decision_line(
    tool: str, arguments: str, approve: bool, always: bool, by: str = "operator"
) -> str:
    verb = "approved" if approve else "rejected"
    if by == "rule":
        return f"{verb} by the always rule: {tool} ({short_arguments(arguments, 80)})"
    verb += " always" if always else ""
    return f"{verb} {tool} ({short_arguments(arguments, 80)})"


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


def _system(text: str, kind: str = "system") -> Line:
    return Line(kind, "error" if kind == "error" else "console", text)


# -- small state changes -------------------------------------------------------------------------


def _lines(state: ConsoleState, *ops: LineOp) -> ConsoleState:
    # The path every delta takes: built directly (``replace`` costs several times more).
    return ConsoleState(
        state.status, state.approvals, state.transcript.then(*ops), state.voice, state.keys,
        state.history, state.figures)


def _status(state: ConsoleState, **changes: Any) -> ConsoleState:
    return replace(state, status=replace(state.status, **changes))


def _active(state: ConsoleState) -> ConsoleState:
    """Someone spoke, typed or a reply began: the inactivity clock restarted from full."""
    return state if state.status.countdown == 0 else _status(state, countdown=0)


# -- the session's events (the bridge's and the listener's messages) ----------------------------


def _connection_changed(state: ConsoleState, event: Any) -> ConsoleState:
    status = state.status
    if status.connection == "reconnecting" and event.status in ("disconnected", "connecting"):
        return state  # the transport's own states while the session reconnects: keep saying so
    return _status(state, connection=event.status, connection_detail="")


def _connection_lost(state: ConsoleState, event: Any) -> ConsoleState:
    of = f" of {event.max_attempts}" if event.max_attempts else ""
    retry = f"{state.keys.reconnect_now} retries now"
    if event.attempt == 1:
        text = (f"connection lost: {event.error}; reconnecting in {event.retry_in_s:.1f} s "
                f"(attempt 1{of}), {retry}")
    else:
        text = (f"reconnect attempt {event.attempt - 1} failed: {event.error}; next in "
                f"{event.retry_in_s:.1f} s (attempt {event.attempt}{of}), {retry}")
    state = _status(
        state, connection="reconnecting", countdown=0,
        connection_detail=f"in {event.retry_in_s:.1f} s (attempt {event.attempt})",
    )
    return _lines(state, _system(text, "error"))


def _reconnecting(state: ConsoleState, event: Any) -> ConsoleState:
    return _status(state, connection="reconnecting", connection_detail=f"(attempt {event.attempt})")


def _reconnected(state: ConsoleState, event: Any) -> ConsoleState:
    items = "item" if event.restored_items == 1 else "items"
    text = f"reconnected: conversation restored ({event.restored_items} {items}"
    if event.skipped_items:
        text += f", {event.skipped_items} not restorable"
    if event.resent:
        text += f", {event.resent} held sent"
    state = _status(state, connection="connected", connection_detail="")
    return _lines(state, _system(text + ")"))


def _session_ended(state: ConsoleState, event: Any) -> ConsoleState:
    state = _status(state, connection="disconnected", connection_detail="", countdown=0,
                    subagents=())
    reason, error = event.reason, event.error
    if reason.startswith("reconnect failed"):
        # The reason names the attempts and already ends with the last error.
        return _lines(state, _system(f"session closed: {reason}", "error"))
    if error:
        return _lines(state, _system(f"session closed: {error}", "error"))
    if reason != "closed":
        return _lines(state, _system(f"session closed: {reason}"))
    return state


def _streamed(state: ConsoleState, event: Any) -> ConsoleState:
    label = event.agent or state.status.agents.current
    # The deltas' arrival stamps are not the transcript's: the binder hands them to the pane.
    return _lines(state, Stream(event.item_id, event.text, label))


def _usage(state: ConsoleState, event: Any) -> ConsoleState:
    return _status(state, usage=state.status.usage.add(
        TokenCount.from_dict(event.tokens), event.cost))


def _user_spoke(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line("user", "you", event.text, event.item_id)) if event.text else state


def _agent_started(state: ConsoleState, event: Any) -> ConsoleState:
    return _status(state, agents=state.status.agents.now(event.agent))


def _handoff(state: ConsoleState, event: Any) -> ConsoleState:
    state = _status(state, agents=state.status.agents.handoff(event.source, event.target))
    return _lines(state, Line("handoff", "handoff", f"{event.source} → {event.target}"))


def _tool_started(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line(
        "tool", "tool", f"{event.tool} {short_arguments(event.arguments, 100)}"))


def _tool_ended(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line(
        "tool", "tool", f"{event.tool} → {short_arguments(event.output, 160)}"))


def _approvals(state: ConsoleState, event: Any) -> ConsoleState:
    pending = tuple(event.pending)
    return state if pending == state.approvals else replace(state, approvals=pending)


def _approval_requested(state: ConsoleState, event: Any) -> ConsoleState:
    keys = state.keys
    return _lines(state, Line(
        "tool", "approval",
        f"{event.tool} {short_arguments(event.arguments, 80)} needs approval: "
        f"{keys.approve} approves, {keys.reject} rejects",
    ))


def _error(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line("error", event.source, event.text))


def _decided_by_rule(state: ConsoleState, event: Any) -> ConsoleState:
    return _decision(state, DecisionTaken({
        "call_id": event.call_id, "tool": event.tool, "agent": event.agent,
        "arguments": event.arguments, "decision": event.decision, "always": True,
    }, by="rule"))


def _guardrail(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line("error", "guardrail", guardrail_line(event.guardrails, event.text)))


def _typed(state: ConsoleState, items: Sequence[Any]) -> ConsoleState:
    """Typed user text reaches the transcript with its item (spoken text comes with the user's
    transcript, assistant text with its deltas: each line has one feed). Histories come a few
    times a second: a line already showing its item's text is not logged again."""
    shown = state.transcript.keyed
    ops: list[LineOp] = []
    for item in items:
        text = item_text(item) if getattr(item, "role", None) == "user" else ""
        if text and shown.get(item.item_id) != text:
            ops.append(Line("user", "you", text, item.item_id))
    return _lines(state, *ops) if ops else state


HISTORY_TAIL = 8
"""How many of the newest items a partial history shows (only they change while a reply
streams; a full pass comes at turn end)."""


def _history(state: ConsoleState, event: Any) -> ConsoleState:
    # A partial history names only its tail: the rest did not change while a reply streamed.
    shown = event.items if event.full else event.items[-HISTORY_TAIL:]
    history = state.history.sync(shown) if event.full else state.history.upsert(shown)
    if history is not state.history:
        state = replace(state, history=history)
    return _typed(state, shown)


def _item_added(state: ConsoleState, event: Any) -> ConsoleState:
    history = state.history.upsert((event.item,))
    if history is not state.history:
        state = replace(state, history=history)
    return _typed(state, (event.item,))


def _turn_measured(state: ConsoleState, event: Any) -> ConsoleState:
    turn = event.figures
    return replace(
        state, figures=state.figures.add(turn, event.cost),
        history=state.history.measured(turn.number, turn_summary(turn, event.cost)),
    )


def _turn_ended(state: ConsoleState, event: Any) -> ConsoleState:
    if event.status in (None, "completed"):
        return state
    return _lines(state, _system(f"reply {event.status}"))


def _latency(state: ConsoleState, event: Any) -> ConsoleState:
    return _status(state, latency=f"{event.milliseconds:.0f} ms to first {event.kind}")


def _interrupted(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, Line("system", "console", "assistant interrupted"))


def _notice(state: ConsoleState, event: Any) -> ConsoleState:
    return _lines(state, _system(event.text))


def _speech(state: ConsoleState, event: Any) -> ConsoleState:
    voice = state.voice
    if voice.heard != event.started:
        state = replace(state, voice=replace(voice, heard=event.started))
    return _active(state)


def _turn_started(state: ConsoleState, event: Any) -> ConsoleState:
    return _active(state)


def _countdown(state: ConsoleState, event: Any) -> ConsoleState:
    # A tick delivered after the close (callbacks run in their own task) must not linger.
    if state.status.connection != "connected":
        return state
    return _status(state, countdown=event.remaining)


def _subagent_started(state: ConsoleState, event: Any) -> ConsoleState:
    state = _status(state, subagents=(*state.status.subagents, event.agent_name), countdown=0)
    return _lines(state, Line("tool", "subagent", f"{event.agent_name} started"))


def _subagent_finished(state: ConsoleState, event: Any) -> ConsoleState:
    running = list(state.status.subagents)
    if event.agent_name in running:
        running.remove(event.agent_name)
    state = _status(state, subagents=tuple(running))
    return _lines(state, Line("tool", "subagent", f"{event.agent_name} finished"))


# -- operator actions ---------------------------------------------------------------------------


def _say(state: ConsoleState, action: Say) -> ConsoleState:
    return _lines(state, Line(action.kind, action.label, action.text))


def _sent(state: ConsoleState, action: Sent) -> ConsoleState:
    return _active(state)  # typing is user activity: the inactivity clock restarts


def _decision(state: ConsoleState, action: DecisionTaken) -> ConsoleState:
    # The pending approvals follow the session (ApprovalsChanged), not this line.
    fields = action.fields
    line = decision_line(
        str(fields.get("tool")), str(fields.get("arguments", "")),
        fields.get("decision") == "approved", bool(fields.get("always")), action.by,
    )
    return _lines(state, Line("tool", action.by, line))


def _refused(state: ConsoleState, action: DecisionRefused) -> ConsoleState:
    return _lines(state, Line("error", "operator", refusal_line(action.fields)))


def _revoked(state: ConsoleState, action: Revoked) -> ConsoleState:
    return _lines(state, Line("tool", "operator", f"revoked the always rule for {action.tool}"))


def _status_set(state: ConsoleState, action: StatusSet) -> ConsoleState:
    changes = {name: value for name, value in action.fields.items() if name in STATUS_FIELDS}
    return _status(state, **changes) if changes else state


def _clear(state: ConsoleState, action: Clear) -> ConsoleState:
    return _lines(state, Cleared())


def _reply_cut(state: ConsoleState, action: ReplyCut) -> ConsoleState:
    return _lines(state, Heard(action.item_id, action.chars),
                  Line("system", "console", action.text))


def _devices(state: ConsoleState, action: DevicesShown) -> ConsoleState:
    return replace(state, voice=replace(
        state.voice, microphone=action.microphone, speaker=action.speaker))


def _connect_failed(state: ConsoleState, action: ConnectFailed) -> ConsoleState:
    state = _status(state, connection="disconnected", connection_detail=action.detail)
    return _lines(state, _system(action.line, "error"))


_ACTIONS: dict[type, Reduction] = {
    Say: _say, Sent: _sent, DecisionTaken: _decision, DecisionRefused: _refused,
    Revoked: _revoked, StatusSet: _status_set, Clear: _clear, ReplyCut: _reply_cut,
    DevicesShown: _devices, ConnectFailed: _connect_failed,
}


@cache
def _reductions() -> dict[type, Reduction]:
    # The message classes come with the bridge, which imports the core: looked up on the first
    # event, not at import, so the console's first frame never waits for it.
    from .bridge import SessionBridge as B
    from .listener import ConsoleListener as L

    return {
        **_ACTIONS,
        B.ConnectionChanged: _connection_changed, B.ConnectionLost: _connection_lost,
        B.Reconnecting: _reconnecting, B.Reconnected: _reconnected,
        B.SessionEnded: _session_ended, B.TranscriptStreamed: _streamed,
        B.UsageReported: _usage, B.UserSpoke: _user_spoke, B.AgentStarted: _agent_started,
        B.HandoffTaken: _handoff, B.ToolStarted: _tool_started, B.ToolEnded: _tool_ended,
        B.ApprovalsChanged: _approvals, B.ApprovalRequested: _approval_requested,
        B.ErrorReported: _error, B.DecidedByRule: _decided_by_rule,
        B.GuardrailTripped: _guardrail, B.HistoryChanged: _history, B.ItemAdded: _item_added,
        B.TurnEnded: _turn_ended, B.TurnMeasured: _turn_measured, B.LatencyMeasured: _latency,
        B.Interrupted: _interrupted, B.Notice: _notice, B.UserSpeechChanged: _speech,
        B.TurnStarted: _turn_started,
        L.CountdownTicked: _countdown, L.SubagentStarted: _subagent_started,
        L.SubagentFinished: _subagent_finished,
    }

