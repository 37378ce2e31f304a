"""Issue 7: the user barges in while the assistant's audio streams (server VAD on the engine)."""

from __future__ import annotations

from typing import Any

import pytest

from console.engine import LocalEngine
from console.engine.scenario import Scenario
from console.realtime import RealtimeAgent
from tests.engine.support import silence_pcm, speech_pcm

from .recorders import Calls
from .support import WireTap, audio_ms_of, live_session, long_reply_scenario, speak


@pytest.fixture
def pace() -> float:
    return 4.0  # the answer must still be streaming when the user speaks


@pytest.fixture
def scenario() -> Scenario:
    return long_reply_scenario()


def contiguous(seq: list[str], part: list[str]) -> bool:
    return any(seq[i : i + len(part)] == part for i in range(len(seq) - len(part) + 1))


async def test_barge_in_interrupts_once_and_the_engine_answers_the_new_turn(
    tap: WireTap, engine: LocalEngine
) -> None:
    calls = Calls()
    agent = RealtimeAgent("Assistant")
    config: Any = {
        "model_settings": {
            "turn_detection": {
                "type": "server_vad",
                "silence_duration_ms": 300,
                "interrupt_response": True,
            },
        }
    }
    async with live_session(tap, engine, agent, listener=calls, config=config) as live:
        await live.session.send_message("Tell me a story")
        await calls.wait_for("responding")
        item_id = (await live.events.wait_for("audio"))[0].item_id
        await speak(live.session, silence_pcm(100) + speech_pcm("wait a moment") + silence_pcm(500))
        await live.events.wait_raw("response.done", count=2)
        await calls.wait_for("transcript", count=2)

    names = calls.names()
    # One speech_started: heard, the assistant interrupted and its audio stopped, at once.
    assert contiguous(
        calls.compact(), ["responding", "user_started", "interrupted", "stopped_responding"]
    ), calls.compact()
    counts = {n: names.count(n) for n in set(names)}
    assert counts == {
        "starting": 1,
        "connected": 1,
        "delta": counts["delta"],
        "responding": 2,
        "interrupted": 1,
        "stopped_responding": 2,
        "user_started": 1,
        "user_stopped": 1,
        "user_transcript": 1,
        "transcript": 2,
        "stopped": 1,
    }
    assert names[:2] == ["starting", "connected"] and names[-1] == "stopped"
    assert names.index("user_stopped") < names.index("user_transcript")
    # The second answer is about what the user said, after the interruption.
    assert calls.of("transcript")[1][1].startswith("I heard ")
    first_answer, second_answer = (i for i, n in enumerate(names) if n == "responding")
    assert first_answer < names.index("interrupted") < second_answer

    # On the wire: the server cancelled (interrupt_response), we truncated once within what
    # we had received, and sent no response.cancel of our own.
    [truncate] = tap.sent("conversation.item.truncate")
    assert truncate["item_id"] == item_id
    assert 0 <= truncate["audio_end_ms"] <= audio_ms_of(tap, item_id)
    assert tap.sent("response.cancel") == []
    first, second = tap.received("response.done")
    assert first["response"]["status"] == "cancelled"
    assert first["response"]["status_details"]["reason"] == "turn_detected"
    assert second["response"]["status"] == "completed"
    assert len(tap.received("conversation.item.truncated")) == 1
