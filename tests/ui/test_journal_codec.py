"""The journal codec: messages to records and back, with the history written as changes only."""

from __future__ import annotations

import json
from typing import Any

from textual.message import Message

from console.journal.record_names import LEGACY_TYPES
from console.realtime.items import (
    AssistantAudio,
    AssistantMessageItem,
    InputText,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.ui.app import RtConsoleApp
from console.ui.bridge import SessionBridge as B
from console.ui.journal_codec import (
    MESSAGE_TYPES,
    MessageDecoder,
    MessageEncoder,
)
from console.ui.listener import ConsoleListener as L
from console.ui.widgets.approvals import PendingApproval


def user(item_id: str, text: str) -> UserMessageItem:
    return UserMessageItem(item_id=item_id, content=[InputText(text=text)])


def reply(item_id: str, text: str, status: str = "completed") -> AssistantMessageItem:
    return AssistantMessageItem(item_id=item_id, status=status,
                                content=[AssistantAudio(transcript=text)])


def through_json(record: dict[str, Any] | None) -> dict[str, Any]:
    assert record is not None
    return json.loads(json.dumps(record))  # as the journal file holds it


def test_plain_messages_round_trip_with_all_their_fields() -> None:
    encoder, decoder = MessageEncoder(), MessageDecoder()
    messages = [
        B.ConnectionChanged("connected"),
        B.LatencyMeasured(182.5, "audio"),
        B.ToolStarted("Triage", "get_weather", '{"city": "Paris"}', "call_1"),
        B.ApprovalRequested("Billing", "refund_order", "{}", "call_2"),
        B.ErrorReported("boom", "listener"),
        B.GuardrailTripped("text", ["no_card_numbers"]),
        B.ConnectionLost(2, 1.0, "reset", 10),
        B.Reconnected(2, 5, 1, 1, 960),
        B.TurnStarted(),
        B.SessionEnded("closed", None),
        L.CountdownTicked(3),
        L.SubagentStarted("research"),
    ]
    for message in messages:
        decoded = decoder.decode(through_json(encoder.encode(message)))
        assert decoded is not None
        assert type(decoded.message) is type(message)
        assert {k: v for k, v in vars(decoded.message).items() if not k.startswith("_")} == {
            k: v for k, v in vars(message).items() if not k.startswith("_")
        }


def test_history_is_written_as_changes_and_rebuilt_exactly() -> None:
    encoder, decoder = MessageEncoder(), MessageDecoder()
    u1, a1 = user("u1", "hello"), reply("a1", "hi", "in_progress")
    call = RealtimeToolCallItem(item_id="c1", call_id="k1", name="tool", arguments="{}",
                                status="completed", output="ok")
    steps: list[tuple[list[Any], bool]] = [
        ([u1, a1], False),
        ([u1, reply("a1", "hi there", "in_progress")], False),
        ([u1, reply("a1", "hi there.")], True),
        ([u1, reply("a1", "hi there."), call], True),  # one new item at the end
        ([reply("a1", "hi there."), call], True),  # u1 deleted: a new order
    ]
    records = []
    for items, full in steps:
        record = through_json(encoder.encode(B.HistoryChanged(items, full),
                                             agent="Triage", streamed={"a1"}))
        records.append(record)
        decoded = decoder.decode(record)
        assert decoded is not None and isinstance(decoded.message, B.HistoryChanged)
        assert decoded.message.full is full
        assert [i.model_dump() for i in decoded.message.items] == [i.model_dump() for i in items]
        assert decoded.agent == "Triage" and decoded.streamed == ["a1"]
    fields = [r["fields"] for r in records]
    # Only what changed is written: u1 once, a1 each time its text grew, the call once.
    assert [[i["item_id"] for i in f["items"]] for f in fields] == [
        ["u1", "a1"], ["a1"], ["a1"], ["c1"], []
    ]
    assert "order" not in fields[2] and fields[3]["append"] == ["c1"]
    assert fields[4]["order"] == ["a1", "c1"]


def test_item_added_keeps_the_item_and_the_bridge_state() -> None:
    encoder, decoder = MessageEncoder(), MessageDecoder()
    record = through_json(encoder.encode(B.ItemAdded(user("u9", "typed")), agent="Billing",
                                         streamed={"a1"}))
    decoded = decoder.decode(record)
    assert decoded is not None and isinstance(decoded.message, B.ItemAdded)
    assert decoded.message.item == user("u9", "typed")
    assert decoded.agent == "Billing" and decoded.streamed == []


def test_every_replayable_message_is_dispatched_into_the_reducer() -> None:
    # One handler (``dispatch``: reduce, journal, show) for every message a journal holds.
    handlers = vars(RtConsoleApp)["_decorated_handlers"]
    for name, cls in MESSAGE_TYPES.items():
        methods = [method for method, _selectors in handlers.get(cls, [])]
        assert methods == [RtConsoleApp._session_event], f"{name} is not dispatched"


def test_every_message_the_bridge_and_listener_post_has_a_record_type() -> None:
    posted = {
        value for owner in (B, L) for value in vars(owner).values()
        if isinstance(value, type) and issubclass(value, Message)
    }
    assert posted == set(MESSAGE_TYPES.values())
    # The schema's names say what happened, not which class carried it.
    assert not [name for name in MESSAGE_TYPES if any(c.isupper() for c in name)]


def test_records_of_console_schema_1_decode_to_the_same_messages() -> None:
    decoder = MessageDecoder()
    for old, new in LEGACY_TYPES.items():
        assert new in MESSAGE_TYPES, old
    decoded = decoder.decode({"kind": "event", "type": "bridge.ToolStarted", "fields": {
        "agent": "Triage", "tool": "get_weather", "arguments": "{}", "call_id": "c1"}})
    assert decoded is not None and isinstance(decoded.message, B.ToolStarted)
    assert decoded.message.call_id == "c1"
    # A field a version did not write takes the message's default.
    error = decoder.decode({"kind": "event", "type": "bridge.ErrorReported",
                            "fields": {"text": "boom"}})
    assert error is not None and isinstance(error.message, B.ErrorReported)
    assert error.message.source == "error"


def test_approvals_round_trip() -> None:
    encoder, decoder = MessageEncoder(), MessageDecoder()
    pending = (PendingApproval("c1", "Billing", "refund_order", '{"order_id": "1"}'),)
    record = through_json(encoder.encode(B.ApprovalsChanged(pending)))
    assert record["type"] == "call.approvals"
    decoded = decoder.decode(record)
    assert decoded is not None and isinstance(decoded.message, B.ApprovalsChanged)
    assert decoded.message.pending == pending


def test_records_named_session_while_schema_2_was_new_decode_too() -> None:
    decoded = MessageDecoder().decode({"kind": "event", "type": "session.tool_start", "fields": {
        "agent": "Triage", "tool": "get_weather", "arguments": "{}", "call_id": "c1"}})
    assert decoded is not None and isinstance(decoded.message, B.ToolStarted)
    assert not [name for name in MESSAGE_TYPES if name.startswith("session.")]


def test_a_streamed_reply_is_written_with_the_label_the_console_state_gave_it() -> None:
    # The bridge does not know the agent: the app passes the state's current one.
    live = MessageEncoder().encode(B.TranscriptStreamed("a1", "", "Hi", []), agent="Billing")
    assert through_json(live)["fields"] == {"item_id": "a1", "agent": "Billing", "text": "Hi"}
    replayed = MessageEncoder().encode(B.TranscriptStreamed("a1", "Triage", "Hi", []),
                                       agent="Billing")
    assert through_json(replayed)["fields"]["agent"] == "Triage"  # a journal's own label
