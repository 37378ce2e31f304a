"""SVG snapshots of the console's states, stored in snapshots/ (update with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from console.realtime.items import (
    AssistantAudio,
    AssistantMessageItem,
    InputText,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.ui.audio_protocols import StaticLevels
from console.ui.bridge import SessionBridge as B
from console.ui.config import ConsoleConfig
from console.ui.listener import ConsoleListener as L
from console.ui.widgets.approvals import PendingApproval

from .conftest import make_app

WIDE = (140, 40)
NOTE = "no OPENAI_API_KEY set: running on the built-in local engine (offline)"


def post(*messages: Any) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        for message in messages:
            pilot.app.post_message(message)
        await pilot.pause()
        await pilot.pause()

    return run


CONNECTED = B.ConnectionChanged("connected")


def user(item_id: str, text: str) -> B.ItemAdded:
    return B.ItemAdded(UserMessageItem(item_id=item_id, content=[InputText(text=text)]))


def assistant(item_id: str, text: str, status: str = "completed") -> B.ItemAdded:
    part = AssistantAudio(transcript=text)
    return B.ItemAdded(AssistantMessageItem(item_id=item_id, status=status, content=[part]))


def call(item_id: str, name: str, arguments: str, output: str | None = None) -> B.ItemAdded:
    status = "completed" if output is not None else "in_progress"
    return B.ItemAdded(RealtimeToolCallItem(
        item_id=item_id, call_id=f"call_{item_id}", name=name, arguments=arguments,
        output=output, status=status,
    ))


MID_STREAM = (
    CONNECTED,
    B.AgentStarted("Triage"),
    user("item_u1", "What's the weather in Lisbon today?"),
    B.ToolStarted("Triage", "get_weather", '{"city": "Lisbon"}', "call_1"),
    call("item_c1", "get_weather", '{"city": "Lisbon"}', "Lisbon: sunny, 22 °C"),
    B.ToolEnded("Triage", "get_weather", "Lisbon: sunny, 22 °C", "call_1"),
    B.TranscriptStreamed("item_a1", "Triage", "The get weather tool says: Lisbon is sun", []),
    B.LatencyMeasured(182.0, "text"),
)
APPROVAL = (
    CONNECTED,
    B.AgentStarted("Billing"),
    user("item_u2", "Please refund order 42, twenty dollars"),
    call("item_c2", "refund_order", '{"order_id": "42", "amount": 20}'),
    B.ApprovalRequested("Billing", "refund_order", '{"order_id": "42", "amount": 20}', "call_9"),
    B.ApprovalsChanged((
        PendingApproval("call_9", "Billing", "refund_order", '{"order_id": "42", "amount": 20}'),
    )),
)
HANDOFF = (
    CONNECTED,
    user("item_u3", "I have a billing question"),
    B.ToolStarted("Triage", "transfer_to_billing", "{}", "call_2"),
    call("item_c3", "transfer_to_billing", "{}", '{"assistant": "Billing"}'),
    B.HandoffTaken("Triage", "Billing"),
    B.TranscriptStreamed("item_a3", "Billing", "You are now talking to billing, how can I", []),
    assistant("item_a3", "You are now talking to billing, how can I", "in_progress"),
)
ERROR = (
    CONNECTED,
    user("item_u4", "my card is 4111 1111 1111 1111"),
    B.TranscriptStreamed("item_a4", "Triage", 'You said: "my card is 4111', []),
    assistant("item_a4", 'You said: "my card is 4111', "incomplete"),
    B.GuardrailTripped("card number", ["no_card_numbers"]),
    B.ErrorReported("invalid_request_error: Unknown parameter: 'session.bogus'"),
)
DISCONNECTED = (
    CONNECTED,
    user("item_u5", "hello"),
    B.TranscriptStreamed("item_a5", "Triage", 'You said: "hello".', []),
    assistant("item_a5", 'You said: "hello".'),
    B.ConnectionChanged("disconnected"),
    B.SessionEnded("server closed the connection", "ConnectionClosedError: no close frame"),
)


COUNTDOWN = (
    CONNECTED,
    user("item_u6", "hello"),
    B.TranscriptStreamed("item_a6", "Triage", 'You said: "hello".', []),
    assistant("item_a6", 'You said: "hello".'),
    L.CountdownTicked(5),
    L.CountdownTicked(4),
    L.CountdownTicked(3),
)
SUBAGENT = (
    CONNECTED,
    user("item_u7", "please research the history of tea"),
    B.ToolStarted("Triage", "research", '{"task": "tea"}', "call_r1"),
    call("item_c7", "research", '{"task": "tea"}'),
    L.SubagentStarted("research"),
    B.TranscriptStreamed("item_a7", "Triage", "One moment, the research is still working.", []),
    assistant("item_a7", "One moment, the research is still working."),
)


def test_idle(snap_compare: Any) -> None:
    assert snap_compare(make_app(notes=[NOTE]), terminal_size=WIDE, run_before=post(CONNECTED))


def test_mid_stream(snap_compare: Any) -> None:
    levels = StaticLevels(speaker_db=-12.0, assistant_speaking=True)
    app = make_app(levels=levels)
    assert snap_compare(app, terminal_size=WIDE, run_before=post(*MID_STREAM))


def test_approval_pending(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*APPROVAL))


def test_after_handoff(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*HANDOFF))


def test_error_shown(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*ERROR))


def test_disconnected(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*DISCONNECTED))


@pytest.mark.parametrize("theme", ["rtconsole-dark", "rtconsole-light", "rtconsole-high-contrast"])
def test_theme(snap_compare: Any, theme: str) -> None:
    levels = StaticLevels(mic_db=-20.0, speaker_db=-6.0, user_speaking=True)
    app = make_app(config=ConsoleConfig(theme=theme), levels=levels)
    assert snap_compare(app, terminal_size=WIDE, run_before=post(*MID_STREAM, *APPROVAL[1:]))


USAGE = B.UsageReported({"text_in": 900, "audio_in": 300, "text_out": 120, "audio_out": 80}, 0.0123)


def test_narrow_80x24(snap_compare: Any) -> None:
    # The status bar is too narrow for every fact: the least important go whole, and the
    # connection, agent and cost stay.
    app = make_app(notes=[NOTE])
    assert snap_compare(app, terminal_size=(80, 24), run_before=post(*MID_STREAM, USAGE))


def test_inactivity_countdown(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*COUNTDOWN))


def test_subagent_running(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*SUBAGENT))


RECONNECTING = (
    CONNECTED,
    user("item_u8", "hello"),
    B.TranscriptStreamed("item_a8", "Triage", 'You said: "hello".', []),
    assistant("item_a8", 'You said: "hello".'),
    B.ConnectionLost(1, 0.5, "ConnectionClosedError: no close frame received or sent", 10),
    B.Reconnecting(1),
    B.ConnectionLost(2, 1.0, "ConnectionRefusedError: connect call failed", 10),
    B.Reconnecting(2),
    B.ConnectionLost(3, 2.0, "ConnectionRefusedError: connect call failed", 10),
)
RECONNECTED = (
    *RECONNECTING,
    B.Reconnecting(3),
    B.Reconnected(3, 2, 0, 1, 0),
)


def test_reconnecting(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*RECONNECTING))


def test_reconnected(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*RECONNECTED))
