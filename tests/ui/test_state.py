"""The console's reducer and view-model, without the app: session events and operator actions in,
the next state out; nothing else changes."""

from __future__ import annotations

from dataclasses import replace

from console.realtime.items import AssistantAudio, AssistantMessageItem, InputText, UserMessageItem
from console.ui.bridge import SessionBridge as B
from console.ui.listener import ConsoleListener as L
from console.ui.reducer import reduce
from console.ui.state import (
    Agents,
    Clear,
    ConnectFailed,
    ConsoleState,
    DecisionRefused,
    DecisionTaken,
    Heard,
    Keys,
    ReplyCut,
    Say,
    Sent,
    Status,
    StatusSet,
    Transcript,
)
from console.ui.widgets.approvals import PendingApproval

START = ConsoleState(status=Status(backend="local engine", agents=Agents("Triage")))


def run(*events: object, state: ConsoleState = START) -> ConsoleState:
    for event in events:
        state = reduce(state, event)
    return state


def texts(state: ConsoleState) -> list[str]:
    return [text for _kind, _label, text in state.transcript.lines()]


def test_reducing_returns_a_new_state_and_leaves_the_old_one_as_it_was() -> None:
    before = run(B.ConnectionChanged("connected"), B.Notice("hello"))
    after = reduce(before, B.TranscriptStreamed("a1", "Triage", "Hi", []))
    assert texts(before) == ["hello"] and texts(after) == ["hello", "Hi"]
    assert before.status is after.status  # what did not change is the same object
    assert before.approvals is after.approvals
    # A second branch from the older state sees its own line, not the other branch's.
    other = reduce(before, B.Notice("other"))
    assert texts(other) == ["hello", "other"] and texts(after) == ["hello", "Hi"]


def test_an_event_the_console_does_not_show_changes_nothing() -> None:
    assert reduce(START, object()) is START
    assert reduce(START, B.TurnStarted()) is START  # no countdown to stop


def test_streamed_deltas_grow_one_line_in_constant_time() -> None:
    state = run(B.ConnectionChanged("connected"), B.TranscriptStreamed("a1", "", "", []))
    log = state.transcript.log
    for number in range(1000):
        state = reduce(state, B.TranscriptStreamed("a1", "", f"{number} ", [float(number)]))
        assert state.transcript.log is log  # appended, never copied
    lines = state.transcript.lines()
    assert len(lines) == 1 and lines[0][1] == "Triage"  # no agent given: the current one
    assert lines[0][2].startswith("0 1 2 ") and lines[0][2].endswith(" 999 ")


def test_connection_states_and_reconnecting_are_held_once() -> None:
    state = run(B.ConnectionChanged("connecting"), B.ConnectionChanged("connected"))
    assert state.connection == "connected"
    state = run(B.ConnectionLost(1, 2.0, "boom", 5), state=state)
    assert (state.status.connection, state.status.connection_detail) == (
        "reconnecting", "in 2.0 s (attempt 1)")
    assert texts(state)[-1] == (
        "connection lost: boom; reconnecting in 2.0 s (attempt 1 of 5), ctrl+r retries now")
    # The transport's own states while the session reconnects do not hide the reconnecting.
    assert run(B.ConnectionChanged("disconnected"), state=state).connection == "reconnecting"
    state = run(B.Reconnected(1, 3, 0, 1, 0), state=state)
    assert state.connection == "connected" and state.status.connection_detail == ""
    assert texts(state)[-1] == "reconnected: conversation restored (3 items, 1 held sent)"
    state = run(B.SessionEnded("closed", None), state=state)
    assert state.connection == "disconnected"


def test_hints_name_the_keys_of_the_keymap() -> None:
    state = replace(START, keys=Keys("f10", "f11", "f12"))
    state = run(B.ApprovalRequested("Billing", "refund", '{"id": 1}', "c1"),
                B.ConnectionLost(2, 1.0, "gone", None), state=state)
    assert texts(state) == [
        'refund {"id": 1} needs approval: f10 approves, f11 rejects',
        "reconnect attempt 1 failed: gone; next in 1.0 s (attempt 2), f12 retries now",
    ]


def test_agents_and_handoffs_taken() -> None:
    state = run(B.HandoffTaken("Triage", "Billing"), B.HandoffTaken("Billing", "Triage"),
                B.HandoffTaken("Triage", "Billing"), B.AgentStarted("Travel"))
    agents = state.status.agents
    assert state.agent == "Travel" and agents.seen == ("Billing", "Triage", "Travel")
    assert agents.count("Triage", "Billing") == 2 and agents.count("Billing", "Triage") == 1
    assert texts(state)[0] == "Triage → Billing"


def test_approvals_are_the_sessions_and_decisions_show_only_what_the_session_took() -> None:
    first = PendingApproval("c1", "Billing", "refund", "{}")
    state = run(B.ApprovalsChanged((first,)))
    assert state.approvals == (first,)
    same = reduce(state, B.ApprovalsChanged((first,)))
    assert same is state  # the same pending approvals change nothing
    fields = {"call_id": "c1", "tool": "refund", "agent": "Billing", "arguments": "{}",
              "decision": "approved", "always": False}
    refused = reduce(state, DecisionRefused({**fields, "reason": "the session is closed"}))
    assert refused.approvals == (first,)  # only the session's report empties the pane
    assert texts(refused)[-1] == "approve refund refused: the session is closed"
    taken = run(DecisionTaken(fields), B.ApprovalsChanged(()), state=state)
    assert taken.approvals == () and texts(taken)[-1] == "approved refund ({})"
    ruled = run(B.DecidedByRule("Billing", "refund", "{}", "c2", "rejected"))
    assert texts(ruled) == ["rejected by the always rule: refund ({})"]


def test_mute_push_to_talk_and_audio_are_status_facts() -> None:
    state = run(StatusSet({"muted": True}), StatusSet({"push_to_talk": True,
                                                       "push_to_talk_mode": True}))
    assert state.muted and state.status.push_to_talk and state.status.push_to_talk_mode
    state = run(StatusSet({"audio": "text only", "unknown": 1}), state=state)
    assert state.status.audio == "text only" and not hasattr(state.status, "unknown")


def test_countdown_subagents_and_activity() -> None:
    state = run(B.ConnectionChanged("connected"), L.CountdownTicked(9))
    assert state.status.countdown == 9
    assert run(Sent("hi"), state=state).status.countdown == 0
    assert run(B.TurnStarted(), state=state).status.countdown == 0
    assert run(B.UserSpeechChanged(True), state=state).voice.heard
    state = run(L.SubagentStarted("Researcher"), L.SubagentStarted("Writer"),
                L.SubagentFinished("Researcher"), state=state)
    assert state.status.subagents == ("Writer",)
    # A tick after the session closed does not bring the countdown back.
    closed = run(B.SessionEnded("closed", None), L.CountdownTicked(5), state=state)
    assert closed.status.countdown == 0 and closed.status.subagents == ()


def test_the_transcript_has_one_feed_per_line() -> None:
    typed = UserMessageItem(item_id="u1", content=[InputText(text="hello")])
    reply = AssistantMessageItem(item_id="a1", content=[])
    state = run(
        B.ItemAdded(typed), B.HistoryChanged([typed, reply], True),
        B.TranscriptStreamed("a1", "Triage", "Hi ", []), B.HistoryChanged([typed, reply], True),
        B.TranscriptStreamed("a1", "Triage", "there", []),
    )
    assert state.transcript.lines() == [("user", "you", "hello"),
                                        ("assistant", "Triage", "Hi there")]
    # Histories come a few times a second: an unchanged user line is not logged again.
    again = run(B.HistoryChanged([typed, reply], False), B.ItemAdded(typed), state=state)
    assert again is state
    edited = UserMessageItem(item_id="u1", content=[InputText(text="hello!")])
    assert run(B.HistoryChanged([edited], True), state=state).transcript.lines()[0] == (
        "user", "you", "hello!")


def test_usage_and_latency_figures() -> None:
    state = run(B.UsageReported({"text_in": 10, "audio_out": 5}, 0.001),
                B.UsageReported({"text_in": 1}, None), B.LatencyMeasured(412.4, "audio"))
    usage = state.status.usage
    assert usage.total.total == 16 and usage.responses == 2 and usage.cost == 0.001
    assert state.status.latency == "412 ms to first audio"


def test_operator_lines_clear_and_the_cut_reply() -> None:
    state = run(B.TranscriptStreamed("a1", "Triage", "a long reply", []),
                ReplyCut("a1", 6, "cut after 6 characters"), Say("hello", "error", "error"))
    assert isinstance(state.transcript.ops[1], Heard)
    assert texts(state) == ["a long reply", "cut after 6 characters", "hello"]
    cleared = reduce(state, Clear())
    assert texts(cleared) == [] and cleared.transcript.log is not state.transcript.log
    assert texts(state) == ["a long reply", "cut after 6 characters", "hello"]


def test_a_first_connection_that_failed() -> None:
    state = run(ConnectFailed("no server; retrying in 1.0 s", "retry in 1.0 s (attempt 1)"))
    assert (state.connection, state.status.connection_detail) == (
        "disconnected", "retry in 1.0 s (attempt 1)")
    assert state.transcript.lines() == [("error", "error", "no server; retrying in 1.0 s")]


def test_the_transcript_log_shares_its_prefix() -> None:
    empty = Transcript()
    one = empty.then(*run(Say("a")).transcript.ops)
    two = one.then(*run(Say("b")).transcript.ops)
    assert one.log is two.log and [op.text for op in two.ops] == ["a", "b"]  # type: ignore[union-attr]
    assert len(one.ops) == 1 and empty.ops == []


def said(item_id: str, text: str, status: str = "completed") -> AssistantMessageItem:
    return AssistantMessageItem(
        item_id=item_id, status=status, content=[AssistantAudio(transcript=text)])  # type: ignore[arg-type]


def typed(item_id: str, text: str) -> UserMessageItem:
    return UserMessageItem(item_id=item_id, content=[InputText(text=text)])


def measured(number: int, total_ms: float) -> B.TurnMeasured:
    return B.TurnMeasured(number, {"first_audio": total_ms / 2}, 0.0, 0.0, total_ms, {}, None)


def turns(state: ConsoleState) -> list[tuple[int, str]]:
    return [(entry.turn, item_id) for item_id, entry in state.history.entries.items()]


def test_the_history_is_the_items_by_turn_replaced_only_by_its_own_events() -> None:
    greeting, question, reply = said("a0", "Hello"), typed("u1", "weather?"), said("a1", "Sun")
    state = run(B.ItemAdded(greeting), B.HistoryChanged([greeting, question], False))
    assert turns(state) == [(1, "a0"), (2, "u1")]  # each user input starts a turn
    # Deltas never touch the history (it is not copied per delta).
    streamed = run(B.TranscriptStreamed("a1", "", "Sun", []), state=state)
    assert streamed.history is state.history
    # A history that changed nothing the tree shows leaves the slice (and the state) as it was.
    assert run(B.HistoryChanged([greeting, question], False), state=state) is state
    state = run(B.HistoryChanged([greeting, question, reply], False), state=state)
    assert turns(state) == [(1, "a0"), (2, "u1"), (2, "a1")]
    entry = state.history.entries["a0"]
    longer = said("a1", "Sunny all day")
    grown = run(B.HistoryChanged([greeting, question, longer], False), state=state)
    assert grown.history.entries["a0"] is entry  # unchanged items keep their entries
    assert grown.history.entries["a1"].item is longer and grown.history.entries["a1"].turn == 2
    # A full pass is the whole history: an item deleted from it leaves the slice.
    full = run(B.HistoryChanged([question, longer], True), state=grown)
    assert turns(full) == [(2, "u1"), (2, "a1")] and full.history.items == [question, longer]


def test_turn_figures_are_the_books_and_label_the_turn_they_measured() -> None:
    state = run(B.ItemAdded(said("a0", "Hello")), measured(1, 412.4))
    (turn,) = state.figures.turns
    assert turn.number == 1 and turn.total_ms == 412.4 and state.figures.costs == (None,)
    assert state.history.labels == {1: "412 ms"}
    # A response after its turn was measured starts its own turn; figures may come first.
    state = run(measured(3, 75.0), B.ItemAdded(said("a1", "Anything else?")), state=state)
    assert turns(state) == [(1, "a0"), (2, "a1")] and state.history.labels[3] == "75 ms"
    assert [t.number for t in state.figures.turns] == [1, 3]
    before = state.figures
    assert run(B.Notice("x"), state=state).figures is before  # untouched by other events


def test_a_reply_is_labelled_with_the_agent_current_when_it_began() -> None:
    state = run(
        B.TranscriptStreamed("a1", "", "Let me ", []), B.HandoffTaken("Triage", "Billing"),
        B.TranscriptStreamed("a1", "", "transfer you.", []),
        B.TranscriptStreamed("a2", "", "Billing here.", []),
    )
    assert [(label, text) for kind, label, text in state.transcript.lines()
            if kind == "assistant"] == [("Triage", "Let me transfer you."),
                                        ("Billing", "Billing here.")]
