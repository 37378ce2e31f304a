"""Fault tests against the local engine in its own process: kill -9, restart, reconnect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from console.realtime import (
    AssistantMessageItem,
    RealtimeAgent,
    RealtimeItem,
    RealtimeRunConfig,
    RealtimeRunner,
    RealtimeSession,
    RealtimeToolCallItem,
    UserMessageItem,
    function_tool,
)
from console.realtime.model_inputs import RealtimeModelSendRawMessage

from .support import GUARD_S, EngineProcess, Reader, no_wait, wait_forever


@function_tool(needs_approval=True)
def pay_invoice(amount: int) -> str:
    """Pay an invoice."""
    return f"paid {amount} euros"


@pytest.fixture
async def engine() -> AsyncIterator[EngineProcess]:
    proc = await EngineProcess().start()
    try:
        yield proc
    finally:
        proc.stop()


async def open_session(engine: EngineProcess, *, sleep: Any = wait_forever,
                       max_attempts: int | None = 10, tools: list[Any] | None = None
                       ) -> RealtimeSession[Any]:
    config: RealtimeRunConfig = {"reconnect": {"enabled": True, "sleep": sleep,
                                               "max_attempts": max_attempts}}
    agent = RealtimeAgent("Main", instructions="Answer briefly.", tools=tools or [])
    session = await RealtimeRunner(agent, config=config).run(model_config=engine.model_config())
    return await asyncio.wait_for(session.enter(), GUARD_S)


def text_of(item: RealtimeItem | dict[str, Any]) -> tuple[str, str, str]:
    """(type, role, words) of a history item or of a server item, for comparing the two."""
    if isinstance(item, dict):
        kind, role = item["type"], item.get("role", "")
        if kind == "function_call":
            return kind, "", f"{item['name']}({item['arguments']})"
        words = [p.get("text") or p.get("transcript") or "" for p in item.get("content", [])]
        return kind, role, " ".join(words)
    if isinstance(item, RealtimeToolCallItem):
        return "function_call", "", f"{item.name}({item.arguments})"
    assert isinstance(item, UserMessageItem | AssistantMessageItem)
    parts = [getattr(p, "text", None) or getattr(p, "transcript", None) or ""
             for p in item.content]
    return "message", item.role, " ".join(parts)


async def server_items(session: RealtimeSession[Any], reader: Reader,
                       ids: list[str]) -> list[dict[str, Any]]:
    """Each item as the (new) server session holds it: conversation.item.retrieve per id."""
    found = []
    for item_id in ids:
        await session.model.send_event(RealtimeModelSendRawMessage(
            {"type": "conversation.item.retrieve", "other_data": {"item_id": item_id}}))
        data = await reader.raw("conversation.item.retrieved",
                                lambda d, i=item_id: d["item"]["id"] == i)  # type: ignore[misc]
        found.append(data["item"])
    return found


async def test_kill9_mid_response_then_restart_restores_the_history(
    engine: EngineProcess,
) -> None:
    session = await open_session(engine)
    reader = Reader(session)
    await session.send_message("hello there")
    await reader.raw("response.done")
    await session.send_message(
        "please repeat this long sentence back to me slowly so that it takes a while to say, "
        "because the server will be killed while it speaks")
    await reader.raw("response.output_audio_transcript.delta")
    engine.kill9()
    # The response never finished: the transport ends the turn for the listeners.
    ended = await reader.until("raw_model_event", lambda e: e.data.type == "turn_ended")
    assert ended.data.status == "incomplete"
    lost = await reader.until("connection_lost")
    assert lost.attempt == 1 and "connection" in lost.error
    assert session.connection_state == "reconnecting"
    before = [(item.item_id, text_of(item)) for item in session.history]
    assistant = session.history[-1]
    assert isinstance(assistant, AssistantMessageItem) and assistant.status == "in_progress"

    await engine.start()  # same port
    assert await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    done = await reader.until("reconnected")
    assert (done.restored_items, done.skipped_items) == (4, 0)
    # The new server session holds the same items, in the same order, with the same ids.
    ids = [item_id for item_id, _ in before]
    items = await server_items(session, reader, ids)
    assert [(i["id"], text_of(i)) for i in items] == before
    # And the conversation goes on there.
    await session.send_message("are you back")
    transcript = await reader.raw("response.output_audio_transcript.done")
    assert "are you back" in transcript["transcript"]
    assert [item.item_id for item in session.history][:4] == ids
    await session.close()


async def test_a_pending_approval_survives_and_its_approval_lands_on_the_new_session(
    engine: EngineProcess,
) -> None:
    session = await open_session(engine, tools=[pay_invoice])
    reader = Reader(session)
    await session.send_message("pay invoice of 42")
    # The approval comes from a tool task: it may be reported before or after response.done.
    required, done = None, False
    while required is None or not done:
        event = await reader.next()
        required = event if event.type == "tool_approval_required" else required
        data = getattr(getattr(event, "data", None), "data", None)
        done = done or (isinstance(data, dict) and data.get("type") == "response.done")
    engine.kill9()
    await reader.until("connection_lost")
    assert required.call_id in session.pending_approvals
    await engine.start()
    assert await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    await reader.until("reconnected")
    assert required.call_id in session.pending_approvals  # still waiting for the operator
    await session.approve_tool_call(required.call_id)
    added = await reader.raw("conversation.item.added",
                             lambda d: d["item"]["type"] == "function_call_output")
    assert added["item"]["call_id"] == required.call_id
    assert added["item"]["output"] == "paid 42 euros"
    # The new server knows the call: its reply uses the output.
    transcript = await reader.raw("response.output_audio_transcript.done")
    assert "paid 42 euros" in transcript["transcript"]
    [call] = [i for i in session.history if isinstance(i, RealtimeToolCallItem)]
    assert (call.call_id, call.output, call.status) == (required.call_id, "paid 42 euros",
                                                        "completed")
    await session.close()


async def test_text_typed_while_down_is_delivered_after_the_reconnect(
    engine: EngineProcess,
) -> None:
    session = await open_session(engine)
    reader = Reader(session)
    await session.send_message("first message")
    await reader.raw("response.done")
    engine.kill9()
    await reader.until("connection_lost")
    await session.send_message("typed while the server was down")
    known = {item.item_id for item in session.history}
    await engine.start()
    assert await asyncio.wait_for(session.reconnect_now(), GUARD_S)
    done = await reader.until("reconnected")
    assert done.resent == 1
    # The first user item the new server adds that is not a restored one.
    echoed = await reader.raw("conversation.item.added",
                              lambda d: d["item"].get("role") == "user"
                              and d["item"]["id"] not in known)
    assert echoed["item"]["content"][0]["text"] == "typed while the server was down"
    transcript = await reader.raw("response.output_audio_transcript.done")
    assert "typed while the server was down" in transcript["transcript"]
    await session.close()


async def test_the_session_closes_with_a_reason_when_the_server_stays_down() -> None:
    secret = "sk-test-DO-NOT-LEAK-4242"
    engine = await EngineProcess(token=secret).start()
    try:
        session = await open_session(engine, sleep=no_wait, max_attempts=2)
        reader = Reader(session)
        engine.kill9()
        closed = await reader.until("session_closed")
    finally:
        engine.stop()
    assert closed.reason.startswith("reconnect failed after 2 attempts: ")
    assert "could not connect" in closed.reason
    lost = [e for e in reader.seen if e.type == "connection_lost"]
    assert [e.attempt for e in lost] == [1, 2]
    for text in [closed.reason, *(e.error for e in lost)]:
        assert secret not in text
