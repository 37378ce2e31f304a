"""The console's figures on the bridge's hot path: CPU time per session event they observe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from console.realtime import RealtimeAgent
from console.realtime import events as ev
from console.realtime import model_events as me
from console.realtime.run_context import RunContextWrapper
from console.realtime.usage import Usage
from console.ui.audit import DecisionWatch
from console.ui.timeline import TurnTimeline

TURNS = 400
AUDIO_PER_TURN = 150  # 3 s of 20 ms chunks
DELTAS_PER_TURN = 40


def _turn(info: ev.RealtimeEventInfo) -> list[Any]:
    """One turn's events as a console reads them (``session.events(console=True)``)."""
    agent: Any = RealtimeAgent("bench")
    audio = ev.RealtimeAudio(me.RealtimeModelAudioEvent(bytes(960), 0, "i", "r", 0), "i", 0, info)
    events: list[Any] = [ev.RealtimeTurnStarted(agent, "r", info)]
    for n in range(max(AUDIO_PER_TURN, DELTAS_PER_TURN)):
        if n < DELTAS_PER_TURN:
            events.append(ev.RealtimeTranscriptDelta("i", "r", "word ", info))
        events.append(audio)
    events.append(ev.RealtimeUsageUpdated("r", Usage(1, 100, 200, 300), info))
    events.append(ev.RealtimeTurnEnded(agent, "r", "completed", info))
    return events


def run() -> Iterator[tuple[str, float, str, str]]:
    info = ev.RealtimeEventInfo(RunContextWrapper(None))
    events = _turn(info)
    timeline, watch = TurnTimeline(time.perf_counter), DecisionWatch(time.perf_counter)
    finished = 0
    started = time.process_time()
    for _ in range(TURNS):
        timeline.input_ended()
        for event in events:
            if timeline.observe(event) is not None:
                finished += 1
            watch.observe(event)
    spent = time.process_time() - started
    assert finished == TURNS  # every turn ended with its response
    per_event = spent / (TURNS * len(events)) * 1e6
    yield "timeline + audit per session event", per_event, "µs", "< 5 (audio at 50 events/s)"
