"""SDK-style apps against a loopback server: a SIP call attached through the runner, and a
Twilio-style G.711 media stream whose interruption truncates at the millisecond heard."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from openai.types.realtime import RealtimeSessionCreateRequest

from console.realtime import (
    RealtimeAgent,
    RealtimePlaybackTracker,
    RealtimeRunner,
    RealtimeSession,
    UserMessageItem,
    function_tool,
)
from console.realtime.model_inputs import RealtimeModelSendRawMessage
from console.realtime.openai_realtime import OpenAIRealtimeSIPModel, OpenAIRealtimeWebSocketModel

from .conftest import WAIT, LoopbackServer


@function_tool
def lookup_order(order_id: str) -> str:
    """Find an order."""
    return f"order {order_id} shipped"


AGENT = RealtimeAgent("Triage", instructions="You answer calls.", tools=[lookup_order])


async def next_of(session: RealtimeSession[Any], kind: str) -> Any:
    async def find() -> Any:
        async for event in session:
            if event.type == kind:
                return event
        raise AssertionError(f"the session ended before a {kind} event")

    return await asyncio.wait_for(find(), WAIT)


async def test_a_sip_call_attaches_through_the_runner(server: LoopbackServer) -> None:
    # As the SDK's twilio_sip example: the call id, initial settings, no model name.
    runner = RealtimeRunner(AGENT, model=OpenAIRealtimeSIPModel())
    session = await runner.run(model_config={
        "call_id": "rtc_abc123",
        "api_key": "sk-test",
        "url": f"{server.url}?call_id=rtc_abc123",  # the loopback stands in for the API
        "initial_model_settings": {
            "turn_detection": {"type": "semantic_vad", "interrupt_response": True}},
    })
    async with session:
        [update] = await server.expect("session.update")
        sent = update["session"]
        assert server.request_paths[0].endswith("?call_id=rtc_abc123")
        assert sent["instructions"] == "You answer calls."
        assert [t["name"] for t in sent["tools"]] == ["lookup_order"]
        assert "format" not in sent["audio"]["input"]  # the call negotiated its codec
        assert "format" not in sent["audio"]["output"]
        # The example's greeting: a raw response.create sent through the model.
        await session.model.send_event(RealtimeModelSendRawMessage(message={
            "type": "response.create",
            "other_data": {"response": {"instructions": "Say hello."}},
        }))
        [create] = await server.expect("response.create")
        assert create["response"]["instructions"] == "Say hello."
        await server.push({"type": "conversation.item.added", "item": {
            "id": "item_u1", "type": "message", "role": "user", "status": "completed",
            "content": [{"type": "input_text", "text": "where is my order?"}]}})
        added = await next_of(session, "history_added")
        assert isinstance(added.item, UserMessageItem)
        assert added.item.content[0].text == "where is my order?"  # type: ignore[union-attr]

    # The payload to accept the call, as openai's type (the SDK's return type).
    payload = await OpenAIRealtimeSIPModel.build_initial_session_payload(
        AGENT, model_config={"call_id": "rtc_abc123"})
    assert isinstance(payload, RealtimeSessionCreateRequest)
    assert payload.instructions == "You answer calls."


async def test_a_sip_call_with_a_model_name_is_refused(server: LoopbackServer) -> None:
    runner = RealtimeRunner(AGENT, model=OpenAIRealtimeSIPModel())
    session = await runner.run(model_config={
        "call_id": "rtc_1", "api_key": "k", "url": server.url,
        "initial_model_settings": {"model_name": "gpt-realtime"}})
    try:
        await session.enter()
    except Exception as exc:
        assert "Cannot specify both `call_id` and `model_name`" in str(exc)
    else:
        raise AssertionError("a call id with a model name must be refused")
    finally:
        await session.close()


MULAW_SILENCE = b"\xff"


async def test_twilio_style_g711_interruption_truncates_at_the_millisecond_heard(
    server: LoopbackServer,
) -> None:
    tracker = RealtimePlaybackTracker()
    runner = RealtimeRunner(AGENT, model=OpenAIRealtimeWebSocketModel(
        transport_config={"ping_interval": None, "handshake_timeout": 5.0}))  # a plain dict
    session = await runner.run(model_config={
        "api_key": "k",
        "url": server.url,
        "initial_model_settings": {
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "g711_ulaw",
            "turn_detection": {"type": "server_vad", "interrupt_response": True},
        },
        "playback_tracker": tracker,
    })
    async with session:
        [update] = await server.expect("session.update")
        assert update["session"]["audio"]["output"]["format"] == {"type": "audio/pcmu"}
        # Twilio sends mu-law at 8 kHz: one byte is 1/8 ms. 8,000 bytes are one second.
        chunk = base64.b64encode(MULAW_SILENCE * 2000).decode()
        await server.push({"type": "response.created",
                           "response": {"id": "resp_1", "status": "in_progress"}})
        for _ in range(4):
            await server.push({"type": "response.output_audio.delta", "response_id": "resp_1",
                               "item_id": "item_a", "output_index": 0, "content_index": 0,
                               "delta": chunk})
        for _ in range(4):
            audio = await next_of(session, "audio")
            assert len(audio.audio.data) == 2000
        # Twilio's marks came back for 4,100 bytes: 512.5 ms were played to the caller.
        tracker.on_play_bytes("item_a", 0, MULAW_SILENCE * 4000)
        tracker.on_play_bytes("item_a", 0, MULAW_SILENCE * 100)
        assert tracker.get_state()["elapsed_ms"] == 512.5
        await server.push({"type": "input_audio_buffer.speech_started", "item_id": "item_u",
                           "audio_start_ms": 900})
        [truncate] = await server.expect("conversation.item.truncate")
        assert (truncate["item_id"], truncate["content_index"], truncate["audio_end_ms"]) == (
            "item_a", 0, 512)
        assert (await next_of(session, "audio_interrupted")).item_id == "item_a"
        # The tracker was reset once the truncate was built (the SDK's on_interrupted).
        assert tracker.get_state() == {"current_item_id": None,
                                       "current_item_content_index": None, "elapsed_ms": None}
        assert server.of("response.cancel") == []  # interrupt_response: the server cancels


async def drain(session: RealtimeSession[Any]) -> list[Any]:
    return await asyncio.wait_for(_collect(session), WAIT)


async def _collect(session: RealtimeSession[Any]) -> list[Any]:
    return [event async for event in session]


async def test_an_abnormal_server_close_raises_from_the_iterator(server: LoopbackServer) -> None:
    async def close_badly(ws: Any) -> None:
        await ws.recv()  # the session.update
        await ws.close(1011, "server failure")

    server.on_connect = close_badly
    session = await RealtimeRunner(AGENT, model=OpenAIRealtimeWebSocketModel()).run(
        model_config={"api_key": "k", "url": server.url})
    async with session:
        try:
            await drain(session)
        except Exception as exc:
            assert type(exc).__name__ == "ConnectionClosedError"
            assert exc.rcvd is not None and exc.rcvd.code == 1011  # type: ignore[attr-defined]
        else:
            raise AssertionError("an abnormal close must raise, as in the SDK")


async def test_a_clean_server_close_ends_iteration_with_one_disconnect(
    server: LoopbackServer,
) -> None:
    async def close_cleanly(ws: Any) -> None:
        await ws.recv()
        await ws.close(1000, "session ended")

    server.on_connect = close_cleanly
    session = await RealtimeRunner(AGENT, model=OpenAIRealtimeWebSocketModel()).run(
        model_config={"api_key": "k", "url": server.url})
    async with session:
        events = await drain(session)
    statuses = [e.data for e in events
                if e.type == "raw_model_event" and e.data.type == "connection_status"]
    assert [s.status for s in statuses] == ["disconnected"]
    assert any(e.type == "history_updated" for e in events)
    # As in the SDK, iteration just ends; the reason stays readable on the session.
    assert "session_closed" not in [e.type for e in events]
    assert session.closed_reason == "disconnected" and session.closed_error is None
