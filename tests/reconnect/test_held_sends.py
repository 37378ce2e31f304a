"""HeldSends without a session or a socket: what is kept across drops, sent again, given up."""

from __future__ import annotations

import asyncio
from typing import Any

from console.realtime.event_stream import SessionEvents
from console.realtime.events import RealtimeError, RealtimeEventInfo
from console.realtime.held_sends import HELD_LIMIT, HeldSends
from console.realtime.model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
    RealtimeModelSendUserInput,
)
from console.realtime.run_context import RunContextWrapper


def _sends() -> tuple[HeldSends, asyncio.Queue[Any]]:
    events = SessionEvents(RealtimeEventInfo(RunContextWrapper(None)), None, lambda error: None)
    return HeldSends(events), events.queue


def _errors(queue: asyncio.Queue[Any]) -> list[str]:
    out = []
    while queue.qsize():
        event = queue.get_nowait()
        if isinstance(event, RealtimeError):
            out.append(event.detail.kind or "")
    return out


def test_audio_and_interrupts_are_not_held_and_the_dropped_audio_is_counted() -> None:
    sends, queue = _sends()
    sends.hold(RealtimeModelSendAudio(b"\0" * 960))
    sends.hold(RealtimeModelSendInterrupt())
    create = RealtimeModelSendRawMessage(message={"type": "response.create"})
    sends.hold(create)
    assert list(sends.held) == [create]
    assert sends.take_dropped_audio() == 960 and sends.take_dropped_audio() == 0
    assert _errors(queue) == []


def test_past_the_limit_a_send_is_refused_with_an_error() -> None:
    sends, queue = _sends()
    for n in range(HELD_LIMIT + 1):
        sends.hold(RealtimeModelSendUserInput(f"m{n}"))
    assert len(sends.held) == HELD_LIMIT
    assert _errors(queue) == ["held_full"]


def test_an_echoed_message_is_confirmed_and_the_rest_go_first_when_taken() -> None:
    sends, _ = _sends()
    hello, lost = RealtimeModelSendUserInput("hello"), RealtimeModelSendUserInput("lost")
    sends.sent(hello)
    sends.sent(lost)
    sends.acknowledge({"type": "conversation.item.added", "item": {
        "id": "u1", "role": "user", "content": [{"type": "input_text", "text": "hello"}]}},
        restored_ids=set())
    held = RealtimeModelSendUserInput("typed while down")
    sends.hold(held)
    assert sends.take() == [lost, held]
    assert not sends.held and not sends.unconfirmed


def test_a_send_lost_twice_in_one_streak_is_given_up_until_the_connection_is_healthy() -> None:
    sends, queue = _sends()
    message = RealtimeModelSendUserInput("again")
    sends.hold(message)
    [first] = sends.take()
    sends.resent_now(first)
    sends.put_back([first])
    assert sends.take() == []
    assert _errors(queue) == ["resend_abandoned"]
    sends.healthy()
    sends.put_back([first])
    assert sends.take() == [first]
