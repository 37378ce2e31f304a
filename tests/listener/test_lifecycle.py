"""LifecycleTracker: model events to listener callbacks, and the inactivity countdown."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from console.realtime.lifecycle import LifecycleTracker, warn_unreachable
from console.realtime.listener import AgentError, AgentListener
from console.realtime.model_events import (
    RealtimeModelAudioDoneEvent,
    RealtimeModelAudioEvent,
    RealtimeModelAudioInterruptedEvent,
    RealtimeModelErrorEvent,
    RealtimeModelInputAudioTranscriptionCompletedEvent,
    RealtimeModelRawServerEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
)


class FakeClock:
    """Sleeping advances time at once, so countdowns run without waiting real seconds."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        for _ in range(5):  # let callbacks queued before this sleep be delivered first
            await asyncio.sleep(0)
        self.t += seconds


class Recorder(AgentListener):
    def __init__(self, clock: FakeClock | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.clock = clock

    def _rec(self, *call: Any) -> None:
        stamp = (self.clock.t,) if self.clock else ()
        self.calls.append(call + stamp)

    async def on_agent_session_connected(self) -> None:
        self._rec("connected")

    async def on_agent_stopped(self) -> None:
        self._rec("stopped")

    async def on_agent_error(self, error: AgentError) -> None:
        self._rec("error", error.code)

    async def on_agent_interrupted(self) -> None:
        self._rec("interrupted")

    async def on_user_started_speaking(self) -> None:
        self._rec("user_started")

    async def on_user_stopped_speaking(self) -> None:
        self._rec("user_stopped")

    async def on_user_transcript(self, text: str) -> None:
        self._rec("user_transcript", text)

    async def on_assistant_started_responding(self) -> None:
        self._rec("assistant_started")

    async def on_assistant_stopped_responding(self) -> None:
        self._rec("assistant_stopped")

    async def on_assistant_transcript(self, text: str) -> None:
        self._rec("assistant_transcript", text)

    async def on_assistant_transcript_delta(self, delta: str) -> None:
        self._rec("delta", delta)

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        self._rec("countdown", remaining_seconds)


async def _no_report(exc: Exception, where: str) -> None:
    raise AssertionError(f"unexpected listener error in {where}: {exc}")


def raw(**data: Any) -> RealtimeModelRawServerEvent:
    return RealtimeModelRawServerEvent(data=data)


async def test_an_audio_turn_in_order() -> None:
    listener = Recorder()
    tracker = LifecycleTracker(listener, report_error=_no_report)
    tracker.start()
    tracker.connected()
    for event in [
        raw(type="input_audio_buffer.speech_started"),
        raw(type="input_audio_buffer.speech_stopped"),
        RealtimeModelInputAudioTranscriptionCompletedEvent(item_id="u1", transcript="hello"),
        RealtimeModelTurnStartedEvent(response_id="r1"),
        RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="Hi", response_id="r1"),
        RealtimeModelAudioEvent(data=b"\0" * 960, response_id="r1", item_id="a1", content_index=0),
        RealtimeModelAudioEvent(data=b"\0" * 960, response_id="r1", item_id="a1", content_index=0),
        RealtimeModelAudioDoneEvent(item_id="a1", content_index=0),
        raw(type="response.output_audio_transcript.done", transcript="Hi"),
        RealtimeModelTurnEndedEvent(response_id="r1", status="completed"),
    ]:
        await tracker.on_event(event)
    await tracker.stop()
    assert listener.calls == [
        ("connected",),
        ("user_started",),
        ("user_stopped",),
        ("user_transcript", "hello"),
        ("delta", "Hi"),
        ("assistant_started",),
        ("assistant_stopped",),
        ("assistant_transcript", "Hi"),
        ("stopped",),
    ]


async def test_barge_in_interrupts_once_per_response() -> None:
    listener = Recorder()
    tracker = LifecycleTracker(listener, report_error=_no_report)
    tracker.start()
    await tracker.on_event(RealtimeModelTurnStartedEvent(response_id="r1"))
    await tracker.on_event(
        RealtimeModelAudioEvent(data=b"\0" * 96, response_id="r1", item_id="a1", content_index=0)
    )
    await tracker.on_event(raw(type="input_audio_buffer.speech_started"))
    await tracker.on_event(RealtimeModelAudioInterruptedEvent(item_id="a1", content_index=0))
    tracker.interrupted()  # a local interrupt right after: still one callback
    await tracker.on_event(RealtimeModelTurnEndedEvent(response_id="r1", status="cancelled"))
    await tracker.stop()
    names = [c[0] for c in listener.calls]
    assert names == [
        "assistant_started",
        "user_started",
        "interrupted",
        "assistant_stopped",
        "stopped",
    ]


async def test_errors_become_agent_errors_and_a_raising_listener_is_reported() -> None:
    reported: list[str] = []

    class Broken(Recorder):
        async def on_assistant_transcript_delta(self, delta: str) -> None:
            raise RuntimeError("listener bug")

    async def report(exc: Exception, where: str) -> None:
        reported.append(f"{where}: {exc}")

    listener = Broken()
    tracker = LifecycleTracker(listener, report_error=report)
    tracker.start()
    await tracker.on_event(
        RealtimeModelTranscriptDeltaEvent(item_id="a", delta="x", response_id="r")
    )
    await tracker.on_event(
        RealtimeModelErrorEvent(
            error={"type": "invalid_request_error", "code": "bad", "message": "m"}
        )
    )
    await tracker.stop()
    assert reported == ["listener on_assistant_transcript_delta: listener bug"]
    assert listener.calls == [("error", "bad"), ("stopped",)]


def _timed(timeout_s: float) -> tuple[FakeClock, Recorder, LifecycleTracker, list[float]]:
    """A started tracker with an inactivity timeout on a fake clock; times of timeouts go in
    the list."""
    clock = FakeClock()
    listener = Recorder(clock)
    timed_out: list[float] = []

    async def on_timeout() -> None:
        timed_out.append(clock.t)

    tracker = LifecycleTracker(
        listener,
        report_error=_no_report,
        inactivity_timeout_s=timeout_s,
        on_timeout=on_timeout,
        clock=clock,
    )
    tracker.start()
    return clock, listener, tracker, timed_out


async def test_countdown_fires_five_to_one_at_whole_seconds_then_times_out() -> None:
    clock, listener, tracker, timed_out = _timed(12)
    start = clock.t
    tracker.connected()
    for _ in range(50):
        await asyncio.sleep(0)
    await tracker.stop()
    countdown = [(c[1], c[2] - start) for c in listener.calls if c[0] == "countdown"]
    assert countdown == [(5, 7.0), (4, 8.0), (3, 9.0), (2, 10.0), (1, 11.0)]
    assert timed_out == [start + 12]


async def test_activity_stops_the_clock_and_quiet_restarts_it_in_full() -> None:
    clock, listener, tracker, timed_out = _timed(6)
    tracker.connected()
    await tracker.on_event(raw(type="input_audio_buffer.speech_started"))  # clock stops
    for _ in range(20):
        await asyncio.sleep(0)
    assert timed_out == [] and not any(c[0] == "countdown" for c in listener.calls)
    tracker.subagent_started("research")
    await tracker.on_event(raw(type="input_audio_buffer.speech_stopped"))
    tracker.set_playback_pending(True)
    tracker.subagent_finished("research")
    for _ in range(20):
        await asyncio.sleep(0)
    assert timed_out == []  # playback still pending
    quiet_from = clock.t
    tracker.set_playback_pending(False)
    for _ in range(50):
        await asyncio.sleep(0)
    await tracker.stop()
    assert timed_out == [quiet_from + 6]


def test_unreachable_callbacks_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    class Countdown(AgentListener):
        async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
            pass

    reasons = {
        "on_user_inactivity_countdown": "no user_inactivity_timeout_s",
        "on_user_transcript": "no transcription model",
    }
    assert warn_unreachable(Countdown(), reasons) == ["on_user_inactivity_countdown"]
    assert warn_unreachable(Countdown(), reasons) == []
    assert "never be called" in caplog.text


async def test_the_clock_waits_while_the_connection_is_down() -> None:
    from console.realtime.model_events import RealtimeModelConnectionStatusEvent

    clock, listener, tracker, timed_out = _timed(6)
    tracker.connected()
    await tracker.on_event(RealtimeModelConnectionStatusEvent(status="disconnected"))
    for _ in range(50):
        await asyncio.sleep(0)
    assert timed_out == []
    back = clock.t
    tracker.connected()  # the reconnect
    for _ in range(50):
        await asyncio.sleep(0)
    await tracker.stop()
    assert timed_out == [back + 6]
    assert [c[0] for c in listener.calls].count("connected") == 2
