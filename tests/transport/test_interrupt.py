"""Barge-in and interrupt over a loopback server: truncate at what was heard, cancel, once."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from console.realtime.model import RealtimePlaybackTracker
from console.realtime.model_inputs import RealtimeModelSendInterrupt
from console.realtime.openai_realtime import OpenAIRealtimeWebSocketModel

from .conftest import EventRecorder, LoopbackServer, barrier, pushed

CHUNK = base64.b64encode(bytes(4800)).decode()  # 100 ms of PCM16 at 24 kHz


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def delta(item_id: str = "item_a") -> dict[str, Any]:
    return {"type": "response.output_audio.delta", "response_id": "resp_1", "item_id": item_id,
            "output_index": 0, "content_index": 0, "delta": CHUNK}


SPEECH = {"type": "input_audio_buffer.speech_started", "item_id": "item_u", "audio_start_ms": 5}
CREATED = {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}}
DONE = {"type": "response.done", "response": {"id": "resp_1", "status": "completed"}}


Connect = Callable[..., Any]


@pytest.fixture
async def connect(server: LoopbackServer) -> AsyncIterator[Connect]:
    models: list[OpenAIRealtimeWebSocketModel] = []

    async def make(
        *,
        interrupt_response: bool | None = False,
        tracker: RealtimePlaybackTracker | None = None,
        clock: Clock | None = None,
    ) -> tuple[OpenAIRealtimeWebSocketModel, EventRecorder]:
        model = OpenAIRealtimeWebSocketModel(clock=clock or Clock())
        recorder = EventRecorder()
        model.add_listener(recorder)
        turn = None if interrupt_response is None else {
            "type": "server_vad", "interrupt_response": interrupt_response}
        config: Any = {"url": server.url, "api_key": "k",
                       "initial_model_settings": {"turn_detection": turn}}
        if tracker is not None:
            config["playback_tracker"] = tracker
        await model.connect(config)
        await server.wait_connected(len(models) + 1)
        models.append(model)
        return model, recorder

    yield make
    for model in models:
        await model.close()


async def test_truncate_carries_what_the_playback_tracker_played(
    connect: Connect, server: LoopbackServer
) -> None:
    tracker = RealtimePlaybackTracker()
    model, recorder = await connect(tracker=tracker)
    await pushed(recorder, server, CREATED, *[delta()] * 10)
    tracker.on_play_ms("item_a", 0, 250.7)
    await pushed(recorder, server, SPEECH)
    [truncate] = await server.expect("conversation.item.truncate")
    assert truncate == {"type": "conversation.item.truncate", "item_id": "item_a",
                        "content_index": 0, "audio_end_ms": 250}
    [stopped] = recorder.of("audio_interrupted")
    assert (stopped.item_id, stopped.content_index) == ("item_a", 0)
    # interrupt_response is false: the server will not cancel, so the client does.
    await server.expect("response.cancel")
    # Order on the wire: truncate, then cancel.
    kinds = [m["type"] for m in server.received]
    assert kinds.index("conversation.item.truncate") < kinds.index("response.cancel")

    # One truncate per item, and the rest of its audio is not played.
    audio_before = len(recorder.of("audio"))
    await pushed(recorder, server, delta(), SPEECH)
    await model.send_event(RealtimeModelSendInterrupt())
    await barrier(model, server)
    assert len(server.of("conversation.item.truncate")) == 1
    assert len(recorder.of("audio_interrupted")) == 1
    assert len(recorder.of("audio")) == audio_before


async def test_tracker_time_is_clamped_to_audio_received(
    connect: Connect, server: LoopbackServer
) -> None:
    tracker = RealtimePlaybackTracker()
    _, recorder = await connect(tracker=tracker)
    await pushed(recorder, server, CREATED, *[delta()] * 3)
    tracker.on_play_ms("item_a", 0, 5000.0)
    await pushed(recorder, server, SPEECH)
    [truncate] = await server.expect("conversation.item.truncate")
    assert truncate["audio_end_ms"] == 300


async def test_tracker_not_yet_on_the_new_item_truncates_at_zero(
    connect: Connect, server: LoopbackServer
) -> None:
    tracker = RealtimePlaybackTracker()
    _, recorder = await connect(tracker=tracker)
    tracker.on_play_ms("item_old", 0, 900.0)
    await pushed(recorder, server, CREATED, delta("item_new"))
    await pushed(recorder, server, SPEECH)
    [truncate] = await server.expect("conversation.item.truncate")
    assert (truncate["item_id"], truncate["audio_end_ms"]) == ("item_new", 0)


async def test_without_tracker_elapsed_time_is_used_and_clamped(
    connect: Connect, server: LoopbackServer
) -> None:
    clock = Clock()
    model, recorder = await connect(clock=clock)
    clock.now = 10.0
    await pushed(recorder, server, CREATED, *[delta()] * 10)
    clock.now = 10.4321
    await pushed(recorder, server, SPEECH)
    [truncate] = await server.expect("conversation.item.truncate")
    assert truncate["audio_end_ms"] == 432

    # A second item: wall time past its end is clamped to what was received.
    await pushed(recorder, server, *[delta("item_b")] * 2)
    clock.now = 99.0
    await model.send_event(RealtimeModelSendInterrupt())
    truncates = await server.expect("conversation.item.truncate", 2)
    assert (truncates[1]["item_id"], truncates[1]["audio_end_ms"]) == ("item_b", 200)


async def test_audio_already_heard_in_full_is_not_truncated(
    connect: Connect, server: LoopbackServer
) -> None:
    clock = Clock()
    model, recorder = await connect(clock=clock)
    await pushed(recorder, server, CREATED, delta(), delta(),
                 {"type": "response.output_audio.done", "item_id": "item_a",
                  "content_index": 0}, DONE)
    clock.now = 5.0
    await pushed(recorder, server, SPEECH)
    await barrier(model, server)
    assert server.of("conversation.item.truncate") == []
    assert recorder.of("audio_interrupted") == []


async def test_server_that_cancels_itself_gets_no_cancel(
    connect: Connect, server: LoopbackServer
) -> None:
    model, recorder = await connect(interrupt_response=True)
    await pushed(recorder, server, CREATED, *[delta()] * 5)
    await pushed(recorder, server, SPEECH)
    await server.expect("conversation.item.truncate")
    await barrier(model, server)
    assert server.of("response.cancel") == []
    # force_response_cancel overrides.
    await model.send_event(RealtimeModelSendInterrupt(force_response_cancel=True))
    await server.expect("response.cancel")


async def test_server_session_decides_whether_it_cancels(
    connect: Connect, server: LoopbackServer
) -> None:
    model, recorder = await connect(interrupt_response=False)
    # The server reports interrupt_response true (e.g. another client changed it).
    await pushed(recorder, server, {"type": "session.updated", "session": {
        "type": "realtime", "audio": {"input": {"turn_detection": {
            "type": "server_vad", "interrupt_response": True}}}}}, CREATED, delta())
    await pushed(recorder, server, SPEECH)
    await server.expect("conversation.item.truncate")
    await barrier(model, server)
    assert server.of("response.cancel") == []


async def test_nothing_playing_means_no_truncate_and_no_cancel_on_speech(
    connect: Connect, server: LoopbackServer
) -> None:
    model, recorder = await connect(interrupt_response=False)
    await pushed(recorder, server, CREATED, SPEECH)
    await barrier(model, server)
    assert server.of("conversation.item.truncate") == []
    assert server.of("response.cancel") == []
    assert recorder.of("audio_interrupted") == []


async def test_local_interrupt_cancels_a_text_response(
    connect: Connect, server: LoopbackServer
) -> None:
    model, recorder = await connect(interrupt_response=None)
    await pushed(recorder, server, CREATED)
    await model.send_event(RealtimeModelSendInterrupt())
    await server.expect("response.cancel")
    assert server.of("conversation.item.truncate") == []
    # Once the response is over there is nothing to cancel.
    await pushed(recorder, server, DONE)
    await model.send_event(RealtimeModelSendInterrupt())
    await barrier(model, server)
    assert len(server.of("response.cancel")) == 1


async def test_truncated_item_is_fetched_again(connect: Connect, server: LoopbackServer) -> None:
    _, recorder = await connect()
    await pushed(recorder, server, {"type": "conversation.item.truncated", "item_id": "item_a",
                                    "content_index": 0, "audio_end_ms": 250})
    [retrieve] = await server.expect("conversation.item.retrieve")
    assert retrieve["item_id"] == "item_a"


async def test_g711_output_reaches_both_trackers(connect: Connect, server: LoopbackServer) -> None:
    tracker = RealtimePlaybackTracker()
    model, recorder = await connect(tracker=tracker)
    await pushed(recorder, server, {"type": "session.updated", "session": {
        "type": "realtime", "audio": {"output": {"format": {"type": "audio/pcmu"}}}}},
        CREATED, delta())
    # 4,800 bytes of mu-law at 8 kHz is 600 ms, not the 100 ms it would be as PCM16.
    assert model.audio_tracker.received_ms("item_a", 0) == 600.0
    tracker.on_play_bytes("item_a", 0, 1600)
    await pushed(recorder, server, SPEECH)
    [truncate] = await server.expect("conversation.item.truncate")
    assert truncate["audio_end_ms"] == 200
