"""Issue 4: an interrupt truncates the assistant's item at what was heard, and the engine agrees."""

from __future__ import annotations

import base64

import pytest

from console.engine import LocalEngine
from console.engine.scenario import Scenario
from console.realtime import RealtimeAgent, RealtimePlaybackTracker

from .recorders import Calls
from .support import WireTap, audio_ms_of, live_session, long_reply_scenario


@pytest.fixture
def pace() -> float:
    return 4.0  # the answer must still be streaming when it is interrupted


@pytest.fixture
def scenario() -> Scenario:
    return long_reply_scenario()


async def test_interrupt_truncates_at_the_played_audio(tap: WireTap, engine: LocalEngine) -> None:
    tracker = RealtimePlaybackTracker()
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    async with live_session(
        tap, engine, agent, listener=calls, model_config={"playback_tracker": tracker}
    ) as live:
        await live.session.send_message("Tell me a story")
        chunks = await live.events.wait_for("audio", count=6)
        # A player that has handed four of the chunks to the device so far.
        for chunk in chunks[:4]:
            tracker.on_play_bytes(chunk.item_id, chunk.content_index, chunk.audio.data)
        played_ms = sum(len(c.audio.data) for c in chunks[:4]) / 48
        item_id = chunks[0].item_id

        await live.session.interrupt(force_response_cancel=True)
        [truncated] = await tap.wait_for("conversation.item.truncated", direction="received")
        [retrieved] = await live.events.wait_raw("conversation.item.retrieved")
        [done] = await live.events.wait_raw("response.done")
        await calls.wait_for("transcript")

    [truncate] = tap.sent("conversation.item.truncate")
    assert truncate == {
        "type": "conversation.item.truncate",
        "item_id": item_id,
        "content_index": 0,
        "audio_end_ms": int(played_ms),
    }
    assert 0 < truncate["audio_end_ms"] <= audio_ms_of(tap, item_id)
    assert truncated["item_id"] == item_id and truncated["audio_end_ms"] == int(played_ms)
    # The engine kept exactly the audio that was heard, and no text the user did not hear.
    [part] = retrieved["item"]["content"]
    assert len(base64.b64decode(part["audio"])) == int(played_ms) * 48
    assert part["transcript"] == ""
    assert len(tap.sent("response.cancel")) == 1
    assert done["response"]["status"] == "cancelled"
    assert [e.item_id for e in live.events.of("audio_interrupted")] == [item_id]
    # The listener heard one interruption, and the end of the assistant's audio.
    assert calls.compact() == [
        "starting",
        "connected",
        "delta*",
        "responding",
        "interrupted",
        "stopped_responding",
        "transcript",
        "stopped",
    ]


async def test_interrupt_without_a_playback_tracker_never_claims_more_than_received(
    tap: WireTap, engine: LocalEngine
) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    async with live_session(tap, engine, agent, listener=calls) as live:
        # Nothing is playing and nothing is in flight: an interrupt has nothing to stop.
        await live.session.interrupt(force_response_cancel=True)
        await live.session.send_message("Tell me a story")
        chunk = (await live.events.wait_for("audio"))[0]
        await live.session.interrupt(force_response_cancel=True)
        await tap.wait_for("conversation.item.truncated", direction="received")
        await live.events.wait_raw("response.done")
        # A second interrupt of the same item sends nothing more.
        await live.session.interrupt(force_response_cancel=True)
        await live.session.send_message("Hello again")
        await live.events.wait_raw("response.done", count=2)

    [truncate] = tap.sent("conversation.item.truncate")
    assert truncate["item_id"] == chunk.item_id
    assert 0 <= truncate["audio_end_ms"] <= audio_ms_of(tap, chunk.item_id)
    assert len(tap.sent("response.cancel")) == 1
    assert [d["response"]["status"] for d in tap.received("response.done")] == [
        "cancelled",
        "completed",
    ]
    assert len(calls.of("interrupted")) == 1
