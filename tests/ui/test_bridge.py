"""The bridge turns real session events into messages; deltas and history are coalesced."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from console.realtime import RealtimeAgent, RunContextWrapper
from console.realtime import events as ev
from console.realtime import model_events as me
from console.realtime.items import AssistantAudio, AssistantMessageItem
from console.ui.bridge import SessionBridge, describe_error
from console.ui.demo_agents import get_weather, refund_order

INFO = ev.RealtimeEventInfo(context=RunContextWrapper(None))
TRIAGE = RealtimeAgent[Any](name="Triage")
BILLING = RealtimeAgent[Any](name="Billing")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[SessionBridge, list[Message], Clock]:
    posted: list[Message] = []
    clock = Clock()
    return SessionBridge(posted.append, timer=clock), posted, clock


def delta(text: str, item: str = "a1") -> ev.RealtimeTranscriptDelta:
    return ev.RealtimeTranscriptDelta(item, "r1", text, INFO)


def test_deltas_are_coalesced_to_the_frame_rate() -> None:
    bridge, posted, clock = make()
    for number in range(100):
        bridge.handle(delta(f"w{number} "))
    # Leading edge: the first delta after a quiet frame goes at once, the burst waits.
    assert len(posted) == 1
    bridge.flush()
    first, rest = posted
    assert isinstance(first, SessionBridge.TranscriptStreamed)
    assert isinstance(rest, SessionBridge.TranscriptStreamed)
    assert first.text + rest.text == "".join(f"w{n} " for n in range(100))
    assert len(first.arrivals) + len(rest.arrivals) == 100
    assert first.agent == rest.agent == ""  # the reducer labels them: it holds the agent
    bridge.flush()
    assert len(posted) == 2
    clock.now += 0.01  # within the same frame: coalesced until the timer's flush
    bridge.handle(delta("x"))
    assert len(posted) == 2
    clock.now += 0.02  # a frame later: goes out at once
    bridge.handle(delta("y"))
    assert len(posted) == 3


def test_other_events_flush_pending_deltas_first_to_keep_order() -> None:
    bridge, posted, _ = make()
    bridge.handle(delta("Checking "))
    bridge.handle(delta("the weather "))
    posted.pop(0)
    bridge.handle(ev.RealtimeToolStart(TRIAGE, get_weather, '{"city": "Oslo"}', INFO, "c1"))
    assert [type(m) for m in posted] == [
        SessionBridge.TranscriptStreamed, SessionBridge.ToolStarted
    ]
    assert posted[0].text == "the weather "  # type: ignore[attr-defined]
    tool = posted[1]
    assert isinstance(tool, SessionBridge.ToolStarted)
    assert (tool.agent, tool.tool, tool.call_id) == ("Triage", "get_weather", "c1")


def test_every_event_kind_maps_to_a_message() -> None:
    bridge, posted, _ = make()
    bridge.handle(ev.RealtimeAgentChanged(TRIAGE, None, INFO))
    bridge.handle(ev.RealtimeAgentStartEvent(TRIAGE, INFO))  # every turn: no message
    bridge.handle(ev.RealtimeHandoffEvent(TRIAGE, BILLING, INFO))
    bridge.handle(ev.RealtimeToolApprovalRequired(BILLING, refund_order, "c2", '{"a": 1}', INFO))
    bridge.handle(ev.RealtimeToolEnd(BILLING, refund_order, "done", INFO, call_id="c2"))
    bridge.handle(ev.RealtimeError({"type": "error", "error": {"message": "bad"}}, INFO))
    bridge.handle(ev.RealtimeInputAudioTimeoutTriggered(INFO))
    bridge.handle(ev.RealtimeSessionClosed("disconnected", INFO))
    bridge.handle(ev.RealtimeConnectionStateChanged("connected", "connecting", INFO))
    kinds = [type(m).__name__ for m in posted]
    assert kinds == [
        "AgentStarted", "HandoffTaken", "ApprovalRequested", "ToolEnded", "ErrorReported",
        "Notice", "SessionEnded", "ConnectionChanged",
    ]
    handoff = posted[1]
    assert isinstance(handoff, SessionBridge.HandoffTaken)
    assert (handoff.source, handoff.target) == ("Triage", "Billing")
    approval = posted[2]
    assert isinstance(approval, SessionBridge.ApprovalRequested)
    assert (approval.tool, approval.call_id, approval.agent) == ("refund_order", "c2", "Billing")


def test_history_is_coalesced_and_turn_end_asks_for_a_full_pass() -> None:
    bridge, posted, _ = make()
    item = AssistantMessageItem(item_id="a1", content=[AssistantAudio(transcript="hi")])
    for _ in range(50):
        bridge.handle(ev.RealtimeHistoryUpdated([item], INFO))
    bridge.flush()
    assert [type(m) for m in posted] == [SessionBridge.HistoryChanged]
    assert not posted[0].full  # type: ignore[attr-defined]
    bridge.handle(ev.RealtimeTurnEnded(TRIAGE, "r1", "completed", INFO))
    bridge.flush()
    assert isinstance(posted[-1], SessionBridge.HistoryChanged) and posted[-1].full


def test_latency_from_turn_start_to_first_output() -> None:
    bridge, posted, clock = make()
    clock.now = 10.0
    bridge.mark_turn_start()
    clock.now = 10.25
    bridge.handle(delta("Hello"))
    clock.now = 10.5
    bridge.handle(delta(" again"))
    latency = [m for m in posted if isinstance(m, SessionBridge.LatencyMeasured)]
    assert len(latency) == 1
    assert abs(latency[0].milliseconds - 250.0) < 1e-6 and latency[0].kind == "text"


def test_after_a_tool_the_latency_of_the_new_response_leaves_out_the_approval_wait() -> None:
    bridge, posted, clock = make()
    clock.now = 10.0
    bridge.mark_turn_start()  # the user asked; the answer is a call that waits for approval
    clock.now = 40.0  # the operator approves half a minute later
    bridge.handle(ev.RealtimeToolEnd(TRIAGE, refund_order, "done", INFO, call_id="c1"))
    clock.now = 40.2
    bridge.handle(delta("Refunded"))
    [latency] = [m for m in posted if isinstance(m, SessionBridge.LatencyMeasured)]
    assert abs(latency.milliseconds - 200.0) < 1e-6


def test_a_turn_s_latency_runs_from_the_user_s_input_leaving_the_tool_out() -> None:
    bridge, posted, clock = make()
    clock.now = 10.0
    bridge.mark_turn_start()  # the user asked the weather; the first response is a call
    clock.now = 10.3
    bridge.handle(ev.RealtimeToolStart(TRIAGE, refund_order, "{}", INFO, call_id="c1"))
    clock.now = 10.33  # the tool ran 30 ms
    bridge.handle(ev.RealtimeToolEnd(TRIAGE, refund_order, "done", INFO, call_id="c1"))
    clock.now = 10.4
    bridge.handle(delta("It is sunny"))  # the follow-up's first words: 70 ms after the output
    [latency] = [m for m in posted if isinstance(m, SessionBridge.LatencyMeasured)]
    assert abs(latency.milliseconds - 370.0) < 1e-6


def test_an_approval_wait_is_left_out_and_a_holding_line_s_figure_stands() -> None:
    bridge, posted, clock = make()
    clock.now = 10.0
    bridge.mark_turn_start()
    clock.now = 10.2
    bridge.handle(ev.RealtimeToolApprovalRequired(TRIAGE, refund_order, "c1", "{}", INFO))
    clock.now = 40.0  # approved half a minute later
    bridge.handle(ev.RealtimeToolStart(TRIAGE, refund_order, "{}", INFO, call_id="c1"))
    bridge.handle(ev.RealtimeToolEnd(TRIAGE, refund_order, "done", INFO, call_id="c1"))
    clock.now = 40.1
    bridge.handle(delta("Refunded"))
    clock.now = 50.0
    bridge.mark_turn_start()  # the next turn: a holding line comes first, then a tool
    clock.now = 50.15
    bridge.handle(delta("One moment"))
    bridge.handle(ev.RealtimeToolApprovalRequired(TRIAGE, refund_order, "c2", "{}", INFO))
    clock.now = 60.0
    bridge.handle(ev.RealtimeToolEnd(TRIAGE, refund_order, "done", INFO, call_id="c2"))
    bridge.handle(delta("Done"))
    figures = [m.milliseconds for m in posted if isinstance(m, SessionBridge.LatencyMeasured)]
    assert [round(f) for f in figures] == [300, 150]


def test_every_event_goes_straight_to_the_audio_sink() -> None:
    received: list[Any] = []
    bridge = SessionBridge(lambda m: None, audio_sink=received.append)
    chunk = me.RealtimeModelAudioEvent(b"\0\0" * 480, "r1", "a1", 0)
    updated = me.RealtimeModelRawServerEvent({"type": "session.updated", "session": {}})
    events = [
        ev.RealtimeRawModelEvent(updated, INFO),  # formats and turn detection for the audio
        ev.RealtimeAudio(chunk, "a1", 0, INFO),
        ev.RealtimeAudioInterrupted("a1", 0, INFO),
        ev.RealtimeAudioEnd("a1", 0, INFO),
        ev.RealtimeAgentStartEvent(TRIAGE, INFO),
    ]
    for event in events:
        bridge.handle(event)
    assert received == events


def test_a_failing_audio_sink_never_stops_the_bridge() -> None:
    posted: list[Message] = []

    def sink(event: Any) -> None:
        raise RuntimeError("device exploded")

    bridge = SessionBridge(posted.append, audio_sink=sink)
    bridge.handle(ev.RealtimeAgentChanged(TRIAGE, None, INFO))
    assert [type(m).__name__ for m in posted] == ["AgentStarted"]


def test_listener_errors_speech_and_turn_starts_become_messages() -> None:
    bridge, posted, _ = make()
    failure = {"message": "listener on_agent_stopped raised ValueError: x", "kind": "listener"}
    bridge.handle(ev.RealtimeError(failure, INFO))
    bridge.handle(ev.RealtimeError({"message": "server said no"}, INFO))
    bridge.handle(ev.RealtimeUserSpeechStarted("item_u", 120, INFO))
    bridge.handle(ev.RealtimeUserSpeechStopped("item_u", 900, INFO))
    bridge.handle(ev.RealtimeTurnStarted(TRIAGE, "r1", INFO))
    bridge.handle(ev.RealtimeSessionClosed("no user activity for 30 s", INFO))
    first, second, started, stopped, turn, closed = posted
    assert isinstance(first, SessionBridge.ErrorReported) and first.source == "listener"
    assert isinstance(second, SessionBridge.ErrorReported) and second.source == "error"
    assert isinstance(started, SessionBridge.UserSpeechChanged) and started.started
    assert isinstance(stopped, SessionBridge.UserSpeechChanged) and not stopped.started
    assert isinstance(turn, SessionBridge.TurnStarted)
    assert isinstance(closed, SessionBridge.SessionEnded)
    assert bridge.closed_reason == "no user activity for 30 s"


def test_errors_are_one_line_and_never_show_keys() -> None:
    assert describe_error({"error": {"code": "bad_key", "message": "Bad key sk-abcdef123456"}}) == (
        "bad_key: Bad key [redacted]"
    )
    assert describe_error(RuntimeError("line one\nline two")) == "RuntimeError: line one line two"
    assert "Bearer" not in describe_error("Authorization: Bearer abc.def")
    assert len(describe_error("x" * 1000)) == 300


def test_latency_starts_where_speech_ended_so_the_vad_wait_counts() -> None:
    bridge, posted, clock = make()
    sent = [0.0]
    bridge.audio_clock = lambda: sent[0]
    # The user stopped at 4.5 s of input audio; the server said so once 5.0 s had been sent
    # (its wait for silence), and committed a little later.
    clock.now, sent[0] = 20.0, 5000.0
    bridge.handle(ev.RealtimeUserSpeechStopped("item_u", 4500, INFO))
    assert bridge.awaiting_reply
    clock.now = 20.1
    bridge.handle(ev.RealtimeInputAudioCommitted("item_u", INFO))
    clock.now = 20.3
    bridge.handle(delta("Sure"))
    latency = [m for m in posted if isinstance(m, SessionBridge.LatencyMeasured)]
    assert len(latency) == 1 and abs(latency[0].milliseconds - 800.0) < 1e-6
    assert not bridge.awaiting_reply
