"""Backoff and the restore plan: history items as valid GA conversation.item.create events."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.realtime import RealtimeClientEvent
from pydantic import TypeAdapter

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputAudio,
    InputImage,
    InputText,
    RealtimeToolCallItem,
    SystemMessageItem,
    UserMessageItem,
)
from console.realtime.reconnect import ReconnectPolicy, restore_plan

CLIENT_EVENTS: TypeAdapter[Any] = TypeAdapter(RealtimeClientEvent)


def test_backoff_doubles_up_to_the_ceiling() -> None:
    policy = ReconnectPolicy.from_config({"enabled": True, "initial_delay_s": 0.5,
                                          "max_delay_s": 3.0, "max_attempts": 6})
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert not policy.exhausted(6) and policy.exhausted(7)
    assert policy.delay(5000) == 3.0  # no float overflow on a very long outage


def test_defaults_off_ten_attempts_and_unlimited() -> None:
    policy = ReconnectPolicy.from_config(None)
    assert (policy.enabled, policy.max_attempts, policy.initial_delay_s, policy.max_delay_s) == (
        False, 10, 0.5, 10.0)
    forever = ReconnectPolicy.from_config({"enabled": True, "max_attempts": None})
    assert not forever.exhausted(10**6)


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"initial_delay_s": -1}])
def test_invalid_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ReconnectPolicy.from_config(bad)


def conversation() -> list[Any]:
    return [
        SystemMessageItem(item_id="sys", content=[InputText(text="Be brief.")]),
        UserMessageItem(item_id="u1", content=[InputText(text="hi"),
                                               InputImage(image_url="data:image/png;base64,AA",
                                                          detail="low")]),
        AssistantMessageItem(item_id="a1", status="completed",
                             content=[AssistantAudio(transcript="Hello there.")]),
        UserMessageItem(item_id="u2", content=[InputAudio(transcript="pay the bill")]),
        RealtimeToolCallItem(item_id="f1", call_id="c1", name="pay", arguments='{"n": 1}',
                             status="completed", output="paid"),
        AssistantMessageItem(item_id="a2", status="incomplete",
                             content=[AssistantText(text="Paid, and")]),
        UserMessageItem(item_id="u3", content=[InputAudio()]),  # no transcript: lost
        RealtimeToolCallItem(item_id="f2", call_id="c2", name="refund", arguments="{}"),
        RealtimeToolCallItem(item_id="f3", call_id="c3", name="cut", arguments='{"a'),
    ]


def test_plan_recreates_items_in_order_with_their_ids() -> None:
    plan = restore_plan(conversation(), live_calls={"c2"})
    items = [m["item"] for m in plan.messages]
    assert items == [
        {"type": "message", "role": "system", "id": "sys",
         "content": [{"type": "input_text", "text": "Be brief."}]},
        {"type": "message", "role": "user", "id": "u1",
         "content": [{"type": "input_text", "text": "hi"},
                     {"type": "input_image", "image_url": "data:image/png;base64,AA",
                      "detail": "low"}]},
        {"type": "message", "role": "assistant", "id": "a1",
         "content": [{"type": "output_text", "text": "Hello there."}]},
        {"type": "message", "role": "user", "id": "u2",
         "content": [{"type": "input_text", "text": "pay the bill"}]},
        {"type": "function_call", "id": "f1", "call_id": "c1", "name": "pay",
         "arguments": '{"n": 1}'},
        {"type": "function_call_output", "call_id": "c1", "output": "paid"},
        {"type": "message", "role": "assistant", "id": "a2",
         "content": [{"type": "output_text", "text": "Paid, and"}]},
        {"type": "function_call", "id": "f2", "call_id": "c2", "name": "refund",
         "arguments": "{}"},
    ]
    # Each after the item before it, when that one has an id (an output has none of ours).
    assert [m.get("previous_item_id") for m in plan.messages] == [
        None, "sys", "u1", "a1", "u2", "f1", None, "a2"]
    assert (plan.restored, plan.skipped) == (7, 2)  # history items; f1 and its output are one
    assert plan.restored_ids == {"sys", "u1", "a1", "u2", "f1", "a2", "f2"}
    # Ends on a call waiting for its output: no response is owed yet.
    assert not plan.owes_response


def test_every_restore_event_is_a_valid_client_event() -> None:
    plan = restore_plan(conversation(), live_calls={"c2"})
    for message in plan.messages:
        CLIENT_EVENTS.validate_python(message)


@pytest.mark.parametrize(("tail", "owed"), [
    (UserMessageItem(item_id="x", content=[InputText(text="and?")]), True),
    (RealtimeToolCallItem(item_id="x", call_id="cx", name="t", output="42"), True),
    (AssistantMessageItem(item_id="x", content=[AssistantText(text="done")]), False),
])
def test_a_response_is_owed_after_an_unanswered_user_turn_or_tool_output(
    tail: Any, owed: bool
) -> None:
    assert restore_plan([*conversation()[:3], tail], live_calls=()).owes_response is owed


def test_empty_history_restores_nothing() -> None:
    plan = restore_plan([], live_calls=())
    assert (plan.messages, plan.restored, plan.skipped, plan.owes_response) == ([], 0, 0, False)
