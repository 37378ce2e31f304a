"""Reconnect as a session API, over a scripted model whose connection drops on demand."""

from __future__ import annotations

import asyncio
from typing import Any

from openai.types.realtime import RealtimeClientEvent
from pydantic import TypeAdapter

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputText,
    RealtimeAgent,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
    UserMessageItem,
    function_tool,
)
from console.realtime.model_events import (
    RealtimeModelItemUpdatedEvent,
    RealtimeModelRawServerEvent,
    RealtimeModelToolCallEvent,
)
from console.realtime.model_inputs import (
    RealtimeModelSendRawMessage,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
)
from console.realtime.wire import raw_message

from .support import GUARD_S, FlakyModel, Reader, no_wait, wait_forever

CLIENT_EVENTS: TypeAdapter[Any] = TypeAdapter(RealtimeClientEvent)


@function_tool(needs_approval=True)
def pay(amount: int) -> str:
    """Pay an amount."""
    return f"paid {amount}"


async def start(model: FlakyModel, config: RealtimeRunConfig | None = None,
                agent: RealtimeAgent[Any] | None = None) -> RealtimeSession[Any]:
    run_config: RealtimeRunConfig = {"reconnect": {"enabled": True, "sleep": no_wait}}
    run_config.update(config or {})
    session = await RealtimeRunner(agent or RealtimeAgent("Main", instructions="Help."),
                                   model=model, config=run_config).run()
    return await session.enter()


def restored(model: FlakyModel, since: int = 0) -> list[dict[str, Any]]:
    return [raw_message(e.message) for e in model.sent[since:]
            if isinstance(e, RealtimeModelSendRawMessage)]


async def say(model: FlakyModel) -> None:
    """A short exchange, so there is a history to restore."""
    await model.emit(RealtimeModelItemUpdatedEvent(
        UserMessageItem(item_id="u1", content=[InputText(text="hello")])))
    await model.emit(RealtimeModelItemUpdatedEvent(
        AssistantMessageItem(item_id="a1", status="completed",
                             content=[AssistantAudio(transcript="Hi, how can I help?")])))


async def test_without_reconnect_a_drop_closes_the_session() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": False}})
    reader = Reader(session)
    await model.drop("reset by peer")
    closed = await reader.until("session_closed")
    assert (closed.reason, closed.error) == ("disconnected", "reset by peer")
    assert session.connection_state == "closed"
    assert len(model.connect_calls) == 1


async def test_a_clean_close_ends_the_session_even_with_reconnect_on() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await model.disconnect()  # no connection_closed error first: the server ended it (1000)
    assert (await reader.until("session_closed")).reason == "disconnected"
    assert "connection_lost" not in reader.types()
    assert len(model.connect_calls) == 1


async def test_a_drop_reconnects_restores_and_reports_each_step() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    assert session.connection_state == "connected"
    await say(model)
    sent_before = len(model.sent)
    await model.drop()
    lost = await reader.until("connection_lost")
    assert (lost.attempt, lost.retry_in_s, lost.max_attempts) == (1, 0.5, 10)
    assert lost.error == "connection reset by peer"
    assert (await reader.until("reconnecting")).attempt == 1
    done = await reader.until("reconnected")
    assert (done.attempt, done.restored_items, done.skipped_items, done.resent) == (1, 2, 0, 0)
    assert session.connection_state == "connected"
    assert len(model.connect_calls) == 2
    # The same settings as before (the current agent's), on the new connection.
    settings = model.connect_calls[1]["initial_model_settings"]
    assert settings["instructions"] == "Help."
    assert [m["item"]["id"] for m in restored(model, sent_before)] == ["u1", "a1"]
    assert reader.types()[-3:] == ["connection_lost", "reconnecting", "reconnected"]
    await session.close()


async def test_after_a_handoff_or_update_the_current_agents_settings_are_sent() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await session.update_agent(RealtimeAgent("Billing", instructions="Bill."))
    await model.drop()
    await reader.until("reconnected")
    assert model.connect_calls[-1]["initial_model_settings"]["instructions"] == "Bill."
    await session.close()


async def test_failed_attempts_back_off_then_succeed() -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": sleep}})
    reader = Reader(session)
    model.failures = [ConnectionRefusedError("refused"), ConnectionRefusedError("refused again")]
    await model.drop()
    done = await reader.until("reconnected")
    assert done.attempt == 3 and delays == [0.5, 1.0, 2.0]
    lost = [e for e in reader.seen if e.type == "connection_lost"]
    assert [(e.attempt, e.error) for e in lost] == [
        (1, "connection reset by peer"),
        (2, "ConnectionRefusedError: refused"),
        (3, "ConnectionRefusedError: refused again"),
    ]
    await session.close()


async def test_when_attempts_run_out_the_session_closes_saying_why() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": no_wait,
                                                "max_attempts": 2}})
    reader = Reader(session)
    model.failures = [OSError("down"), OSError("still down")]
    await model.drop()
    closed = await reader.until("session_closed")
    assert closed.reason == "reconnect failed after 2 attempts: OSError: still down"
    assert await reader.rest() == []  # iteration ends
    assert session.connection_state == "closed"
    assert not await session.reconnect_now()


async def test_reconnect_now_skips_the_wait() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": wait_forever}})
    reader = Reader(session)
    assert await session.reconnect_now()  # connected already
    await model.drop()
    await reader.until("connection_lost")
    assert session.connection_state == "reconnecting"
    assert len(model.connect_calls) == 1  # waiting, and the wait never ends by itself
    model.failures = [OSError("not yet")]
    assert not await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    assert (await reader.until("connection_lost")).attempt == 2
    assert await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    assert session.connection_state == "connected"
    await session.close()


async def test_close_while_reconnecting_stops_for_good() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": wait_forever}})
    reader = Reader(session)
    await model.drop()
    await reader.until("connection_lost")
    await asyncio.wait_for(session.close(), GUARD_S)
    assert (await reader.until("session_closed")).reason == "closed"
    assert session.connection_state == "closed"
    assert not await session.reconnect_now()
    assert len(model.connect_calls) == 1


async def test_sends_while_down_are_held_in_order_and_audio_is_dropped() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": wait_forever}})
    reader = Reader(session)
    await say(model)
    await model.drop()
    await reader.until("connection_lost")
    sent_before = len(model.sent)
    await session.send_message("first")
    await session.send_audio(b"\x00\x01" * 480, commit=True)
    await session.interrupt()
    await session.send_message("second")
    assert model.sent[sent_before:] == []  # nothing reaches a dead model
    assert await session.reconnect_now()
    done = await reader.until("reconnected")
    assert (done.resent, done.dropped_audio_bytes) == (2, 960)
    after = model.sent[sent_before:]
    kinds = [e.type for e in after]
    # Restore first, then the held messages, in order; no audio, no interrupt.
    assert kinds == ["send_raw_message", "send_raw_message", "send_user_input",
                     "send_user_input"]
    assert [e.user_input for e in after if isinstance(e, RealtimeModelSendUserInput)] == [
        "first", "second"]
    # The held messages ask for responses themselves: no extra response.create.
    assert all(raw_message(e.message)["type"] == "conversation.item.create"
               for e in after if isinstance(e, RealtimeModelSendRawMessage))
    await session.close()


async def test_an_unanswered_user_turn_gets_its_response_after_the_restore() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await model.emit(RealtimeModelItemUpdatedEvent(
        UserMessageItem(item_id="u1", content=[InputText(text="anyone there?")])))
    sent_before = len(model.sent)
    await model.drop()
    await reader.until("reconnected")
    messages = restored(model, sent_before)
    assert [m["type"] for m in messages] == ["conversation.item.create", "response.create"]
    for message in messages:
        CLIENT_EVENTS.validate_python(message)
    await session.close()


async def test_a_pending_approval_survives_and_its_output_follows_the_restore() -> None:
    model = FlakyModel()
    session = await start(model, agent=RealtimeAgent("Main", tools=[pay]))
    reader = Reader(session)
    await model.emit(RealtimeModelItemUpdatedEvent(
        UserMessageItem(item_id="u1", content=[InputText(text="pay 5")])))
    call = RealtimeModelToolCallEvent(name="pay", call_id="c1", arguments='{"amount": 5}',
                                      id="f1", previous_item_id="u1")
    from console.realtime import RealtimeToolCallItem
    await model.emit(RealtimeModelItemUpdatedEvent(RealtimeToolCallItem(
        item_id="f1", previous_item_id="u1", call_id="c1", name="pay",
        arguments='{"amount": 5}', status="completed")))
    await model.emit(call)
    await reader.until("tool_approval_required")
    sent_before = len(model.sent)
    await model.drop()
    await reader.until("reconnected")
    assert "c1" in session.pending_approvals
    items = [m["item"] for m in restored(model, sent_before)]
    assert items[-1] == {"type": "function_call", "id": "f1", "call_id": "c1", "name": "pay",
                         "arguments": '{"amount": 5}'}
    # The server echoes the restored call: it must not run (or ask) a second time.
    await model.emit(call)
    await session.approve_tool_call("c1")
    await reader.until("tool_end")
    outputs = model.sent_of("send_tool_output")
    assert [(o.tool_call.call_id, o.output) for o in outputs] == [("c1", "paid 5")]
    assert [e.type for e in reader.seen].count("tool_approval_required") == 1
    await session.close()


async def test_an_approval_decided_while_down_is_sent_after_the_restore() -> None:
    model = FlakyModel()
    session = await start(model, {"reconnect": {"enabled": True, "sleep": wait_forever}},
                          agent=RealtimeAgent("Main", tools=[pay]))
    reader = Reader(session)
    from console.realtime import RealtimeToolCallItem
    await model.emit(RealtimeModelItemUpdatedEvent(RealtimeToolCallItem(
        item_id="f1", call_id="c1", name="pay", arguments='{"amount": 7}')))
    await model.emit(RealtimeModelToolCallEvent(name="pay", call_id="c1",
                                                arguments='{"amount": 7}', id="f1"))
    await reader.until("tool_approval_required")
    await model.drop()
    await reader.until("connection_lost")
    sent_before = len(model.sent)
    await session.approve_tool_call("c1")
    await reader.until("tool_end")
    assert model.sent[sent_before:] == []  # held
    assert await session.reconnect_now()
    kinds = [e.type for e in model.sent[sent_before:]]
    assert kinds == ["send_raw_message", "send_tool_output"]  # the call, then its output
    output = model.sent[-1]
    assert isinstance(output, RealtimeModelSendToolOutput)
    assert (output.tool_call.call_id, output.output) == ("c1", "paid 7")
    await session.close()


async def test_a_message_the_server_never_echoed_is_sent_again() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await session.send_message("confirmed")
    await model.emit(RealtimeModelRawServerEvent({
        "type": "conversation.item.added",
        "item": {"id": "u1", "type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": "confirmed"}]}}))
    await session.send_message("swallowed by a dead socket")
    sent_before = len(model.sent)
    await model.drop()
    done = await reader.until("reconnected")
    resent = [e.user_input for e in model.sent[sent_before:]
              if isinstance(e, RealtimeModelSendUserInput)]
    assert resent == ["swallowed by a dead socket"] and done.resent == 1
    await session.close()


async def test_the_servers_echo_of_a_restored_item_does_not_change_the_history() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await say(model)
    await model.drop()
    await reader.until("reconnected")
    # The new server holds the assistant turn as text; the history keeps it as heard (audio).
    await model.emit(RealtimeModelItemUpdatedEvent(
        AssistantMessageItem(item_id="a1", status="completed",
                             content=[AssistantText(text="Hi, how can I help?")])))
    item = session.history.get("a1")
    assert isinstance(item, AssistantMessageItem)
    assert item.content[0].type == "audio"
    assert item.content[0].transcript == "Hi, how can I help?"
    await session.close()


async def test_a_second_drop_during_the_restore_starts_another_attempt() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await say(model)
    drops = 0

    async def drop_once(event: Any) -> None:
        nonlocal drops
        if drops == 0 and event.type == "send_raw_message":
            drops += 1
            await model.drop("dropped again")

    original = model.send_event

    async def send_event(event: Any) -> None:
        await original(event)
        await drop_once(event)

    model.send_event = send_event  # type: ignore[method-assign]
    await model.drop()
    done = await reader.until("reconnected")
    assert done.attempt == 2
    lost = [e for e in reader.seen if e.type == "connection_lost"]
    assert [e.attempt for e in lost] == [1, 2]
    assert "restored" in lost[1].error
    await session.close()


async def test_a_sip_call_is_attached_again_without_recreating_its_items() -> None:
    model = FlakyModel()
    session = await RealtimeRunner(
        RealtimeAgent("Main"), model=model,
        config={"reconnect": {"enabled": True, "sleep": no_wait}},
    ).run(model_config={"call_id": "rtc_123"})
    await session.enter()
    reader = Reader(session)
    await say(model)
    sent_before = len(model.sent)
    await model.drop()
    done = await reader.until("reconnected")
    assert (done.restored_items, restored(model, sent_before)) == (0, [])
    assert model.connect_calls[-1]["call_id"] == "rtc_123"
    await session.close()


async def test_an_echo_confirms_the_message_it_repeats_not_just_the_oldest() -> None:
    model = FlakyModel()
    session = await start(model)
    reader = Reader(session)
    await session.send_message("one")
    await session.send_message("two")
    await model.emit(RealtimeModelRawServerEvent({
        "type": "conversation.item.added",
        "item": {"id": "u2", "type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": "two"}]}}))
    sent_before = len(model.sent)
    await model.drop()
    await reader.until("reconnected")
    assert [e.user_input for e in model.sent[sent_before:]
            if isinstance(e, RealtimeModelSendUserInput)] == ["one"]
    await session.close()


class DropsWhileConnecting(FlakyModel):
    """The first connection dies before connect() has even returned."""

    async def connect(self, options: Any) -> None:
        await super().connect(options)
        if len(self.connect_calls) == 1:
            await self.drop("died during the handshake")


async def test_a_drop_while_entering_is_not_missed() -> None:
    model = DropsWhileConnecting()
    session = await start(model, {"reconnect": {"enabled": False}})
    reader = Reader(session)
    assert (await reader.until("session_closed")).error == "died during the handshake"

    model = DropsWhileConnecting()
    session = await start(model)
    reader = Reader(session)
    await reader.until("reconnected")
    assert session.connection_state == "connected" and len(model.connect_calls) == 2
    await session.close()
