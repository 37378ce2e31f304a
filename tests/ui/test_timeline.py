"""The turn timeline and the session's latency figures, from session events and a test clock."""

from __future__ import annotations

from typing import Any

import pytest

from console.realtime import events as ev
from console.realtime import model_events as me
from console.realtime.run_context import RunContextWrapper
from console.realtime.usage import Usage
from console.ui.metrics import MetricsBook, StageBudgets, percentile
from console.ui.timeline import TurnTimeline

INFO = ev.RealtimeEventInfo(RunContextWrapper(None))
TOOL: Any = object()
AGENT: Any = object()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000.0


def raw(data: Any) -> Any:
    """The session event a console sees for the model event ``data`` (events(console=True))."""
    match data:
        case me.RealtimeModelInputAudioTranscriptionCompletedEvent():
            return ev.RealtimeUserTranscript(data.item_id, data.transcript, INFO)
        case me.RealtimeModelTurnStartedEvent():
            return ev.RealtimeTurnStarted(AGENT, None, INFO)
        case me.RealtimeModelTranscriptDeltaEvent():
            return ev.RealtimeTranscriptDelta(data.item_id, data.response_id, data.delta, INFO)
        case me.RealtimeModelOutputTextDeltaEvent():
            return ev.RealtimeTextDelta(data.item_id, data.response_id, data.delta, INFO)
        case me.RealtimeModelUsageEvent():
            return ev.RealtimeUsageUpdated(
                None, data.usage, INFO, data.input_tokens_details, data.output_tokens_details
            )
        case me.RealtimeModelTurnEndedEvent():
            return ev.RealtimeTurnEnded(AGENT, None, None, INFO)
        case me.RealtimeModelToolCallEvent():
            return ev.RealtimeFunctionCall(AGENT, data.name, data.call_id, data.arguments, INFO)
    return ev.RealtimeRawModelEvent(data, INFO)


def audio() -> ev.RealtimeAudio:
    return ev.RealtimeAudio(me.RealtimeModelAudioEvent(b"\0\0", 0, "r", "i", 0), "i", 0, INFO)


def usage(tokens_in: int, tokens_out: int) -> Any:
    return raw(me.RealtimeModelUsageEvent(Usage(1, tokens_in, tokens_out, tokens_in + tokens_out)))




def test_a_spoken_turn_reaches_every_milestone_in_order() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    assert line.input_ended() is None
    steps = [
        (300, raw(me.RealtimeModelInputAudioTranscriptionCompletedEvent("u1", "hi"))),
        (100, raw(me.RealtimeModelTurnStartedEvent())),
        (200, raw(me.RealtimeModelTranscriptDeltaEvent("a1", "Hel", "r1"))),
        (50, audio()),
    ]
    for ms, event in steps:
        clock.advance(ms)
        assert line.observe(event) is None
    clock.advance(40)
    line.playout_started()
    assert line.observe(usage(10, 20)) is None
    clock.advance(500)
    done = line.observe(raw(me.RealtimeModelTurnEndedEvent()))
    assert done is not None
    assert done.number == 1
    assert done.stages == pytest.approx(
        {"transcript": 300, "response": 400, "first_text": 600, "first_audio": 650,
         "playout": 690}
    )
    assert done.total_ms == pytest.approx(1190)
    assert done.tokens.total == 30 and not line.open


def test_tool_run_and_approval_wait_are_kept_apart() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    line.input_ended()
    clock.advance(100)
    line.observe(raw(me.RealtimeModelTurnStartedEvent()))
    line.observe(raw(me.RealtimeModelToolCallEvent("lookup", "c1", "{}")))
    clock.advance(50)
    # The response that only calls a tool ends: the turn goes on.
    assert line.observe(raw(me.RealtimeModelTurnEndedEvent())) is None
    line.observe(ev.RealtimeToolApprovalRequired(AGENT, TOOL, "c1", "{}", INFO))
    clock.advance(4000)  # the operator thinks
    line.observe(ev.RealtimeToolStart(AGENT, TOOL, "{}", INFO, call_id="c1"))
    clock.advance(700)  # the tool runs
    line.observe(ev.RealtimeToolEnd(AGENT, TOOL, "ok", INFO, call_id="c1"))
    clock.advance(200)
    line.observe(raw(me.RealtimeModelTurnStartedEvent()))
    clock.advance(100)
    line.observe(raw(me.RealtimeModelOutputTextDeltaEvent("a2", "Done", "r2")))
    done = line.observe(raw(me.RealtimeModelTurnEndedEvent()))
    assert done is not None
    assert done.approval_ms == pytest.approx(4000)
    assert done.tool_ms == pytest.approx(700)
    # First text: 5150 ms after the input, of which 4700 ms were the operator and the tool.
    assert done.stages == pytest.approx({"response": 100, "first_text": 450})


def test_a_new_input_ends_an_unfinished_turn_with_what_it_reached() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    line.input_ended()
    clock.advance(250)
    line.observe(raw(me.RealtimeModelTurnStartedEvent()))
    clock.advance(10)
    cut = line.input_ended()
    assert cut is not None and cut.stages == pytest.approx({"response": 250})
    assert line.open


def test_a_response_without_input_opens_its_own_turn() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    line.observe(raw(me.RealtimeModelTurnStartedEvent()))
    clock.advance(80)
    line.observe(audio())
    done = line.observe(raw(me.RealtimeModelTurnEndedEvent()))
    assert done is not None and done.stages == pytest.approx({"response": 0, "first_audio": 80})


def test_percentiles_are_values_that_occurred() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile([7.0], 95) == 7.0


def test_the_book_summarises_each_measure_and_budgets_flag_slow_ones() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    book = MetricsBook()
    for ms in (300, 900, 600):
        line.input_ended()
        clock.advance(ms)
        line.observe(audio())
        done = line.observe(raw(me.RealtimeModelTurnEndedEvent()))
        assert done is not None
        book = book.add(done)
    rows = {row.measure: row for row in book.summary()}
    assert set(rows) == {"first_audio", "total"}
    first = rows["first_audio"]
    assert (first.count, first.p50, first.worst) == (3, pytest.approx(600), pytest.approx(900))
    budgets = StageBudgets(first_audio=800)
    assert budgets.over("first_audio", 900) and not budgets.over("first_audio", 600)
    assert not budgets.over("approval", 1e9)  # no budget: never slow


def test_with_playback_a_turn_waits_for_its_playout_to_start() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    line.expect_playout = True
    line.input_ended()
    clock.advance(100)
    line.observe(audio())
    clock.advance(50)
    # The whole reply arrived before a sample of it played: the turn is not over yet.
    assert line.observe(raw(me.RealtimeModelTurnEndedEvent())) is None
    clock.advance(30)
    done = line.playout_started()
    assert done is not None and done.stages == pytest.approx({"first_audio": 100, "playout": 180})
    assert line.playout_started() is None and not line.open


def test_without_playback_a_turn_ends_with_its_response() -> None:
    clock = Clock()
    line = TurnTimeline(clock)
    line.input_ended()
    line.observe(audio())
    assert line.observe(raw(me.RealtimeModelTurnEndedEvent())) is not None
