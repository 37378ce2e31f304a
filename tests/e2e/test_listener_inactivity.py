"""Issue 7: the user-inactivity countdown and timeout on a live session, on an injected clock."""

from __future__ import annotations

import asyncio
from typing import Any

from console.engine import LocalEngine
from console.realtime import RealtimeAgent, subagent
from tests.engine.support import silence_pcm, tone

from .recorders import Calls, ManualClock
from .support import WireTap, live_session, speak

TIMEOUT: Any = {"user_inactivity_timeout_s": 8}


def countdowns(calls: Calls) -> list[int]:
    return [c[1] for c in calls.of("countdown")]


async def test_countdown_then_the_timeout_closes_the_session(
    tap: WireTap, engine: LocalEngine
) -> None:
    clock, calls = ManualClock(), Calls()
    agent = RealtimeAgent("Assistant")
    async with live_session(
        tap, engine, agent, listener=calls, config=TIMEOUT, clock=clock
    ) as live:
        await clock.wait_sleeping()
        await clock.advance(2.9)
        assert countdowns(calls) == []
        await clock.advance(0.1)  # 5 s before the end, exactly
        assert countdowns(calls) == [5]
        await clock.advance(3.9)
        assert countdowns(calls) == [5, 4, 3, 2]
        await clock.advance(0.1)
        assert countdowns(calls) == [5, 4, 3, 2, 1]
        await clock.advance(0.9)
        assert not live.events.done and not live.session.closed
        await clock.advance(0.1)
        await live.events.finished()
        [closed] = live.events.of("session_closed")

    assert closed.reason == "no user activity for 8 s"
    assert calls.names() == ["starting", "connected", *["countdown"] * 5, "stopped"]
    assert tap.sent("response.create") == []


async def test_speech_and_responses_hold_and_reset_the_clock(
    tap: WireTap, engine: LocalEngine
) -> None:
    clock, calls = ManualClock(), Calls()
    agent = RealtimeAgent("Assistant")
    config: Any = {
        **TIMEOUT,
        "model_settings": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 300}},
    }
    async with live_session(tap, engine, agent, listener=calls, config=config, clock=clock) as live:
        await clock.wait_sleeping()
        await clock.advance(3)
        assert countdowns(calls) == [5]
        # The user starts talking: the clock stops however long they speak.
        await speak(live.session, silence_pcm(200) + tone(400))
        await calls.wait_for("user_started")
        await clock.advance(100)
        assert countdowns(calls) == [5] and not live.session.closed
        # They stop; the engine answers; while it answers the clock stays stopped too.
        await speak(live.session, silence_pcm(600))
        await calls.wait_for("transcript")
        await live.events.wait_raw("response.done")
        # Quiet again: a full new countdown, from the end of the answer.
        await clock.wait_sleeping()
        await clock.advance(2.9)
        assert countdowns(calls) == [5]
        await clock.advance(0.1)
        assert countdowns(calls) == [5, 5]
        await clock.advance(5)
        await live.events.finished()

    assert countdowns(calls) == [5, 5, 4, 3, 2, 1]
    assert calls.compact() == [
        "starting",
        "connected",
        "countdown",
        "user_started",
        "user_stopped",
        "user_transcript",
        "delta*",
        "responding",
        "delta*",
        "stopped_responding",
        "transcript",
        *["countdown"] * 5,
        "stopped",
    ]


async def test_a_running_subagent_holds_the_clock(tap: WireTap, engine: LocalEngine) -> None:
    release = asyncio.Event()

    async def research(task: str, ctx: Any) -> str:
        await release.wait()
        return "done"

    tool = subagent("research", research, description="Research flights to a city.")
    clock, calls = ManualClock(), Calls()
    agent = RealtimeAgent("Assistant", tools=[tool])
    async with live_session(
        tap, engine, agent, listener=calls, config=TIMEOUT, clock=clock
    ) as live:
        await live.session.send_message("Research flights to Lisbon")
        await calls.wait_for("subagent_started")
        await calls.wait_for("transcript")  # the holding message has been said
        await live.events.wait_raw("response.done", count=2)
        await clock.advance(100)
        assert countdowns(calls) == [] and not live.session.closed
        release.set()
        await calls.wait_for("transcript", count=2)
        await live.events.wait_raw("response.done", count=3)
        await clock.wait_sleeping()
        await clock.advance(3)
        assert countdowns(calls) == [5]

    assert calls.names().count("countdown") == 1
