"""Playback's reports to the RealtimePlaybackTracker: exactly what was handed out, on the loop."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from console.audio.codecs import WireEncoder
from console.audio.playback import Playback
from console.dsp import rms_dbfs
from console.realtime.model import ModelAudioTracker, RealtimePlaybackTracker
from console.realtime.model_events import RealtimeModelAudioEvent

from .conftest import tone


class RecordingTracker(RealtimePlaybackTracker):
    """A real tracker that also notes which thread each report arrived on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()
        self.interrupts = 0

    def on_play_ms(self, item_id: str, item_content_index: int, ms: float) -> None:
        self.threads.add(threading.get_ident())
        super().on_play_ms(item_id, item_content_index, ms)

    def on_interrupted(self) -> None:
        self.interrupts += 1


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def render_in_thread(playback: Playback, frames: int, times: int) -> None:
    """Run the output callback's work on another thread, as PortAudio does."""

    def work() -> None:
        for _ in range(times):
            playback.render(frames)

    await asyncio.to_thread(work)
    await settle()


def pcm_delta(item: str, ms: int) -> RealtimeModelAudioEvent:
    return RealtimeModelAudioEvent(tone(440, ms).tobytes(), "resp_1", item, 0)


async def test_pcm16_reports_bytes_handed_to_the_device_on_the_loop_thread() -> None:
    tracker = RecordingTracker()
    playback = Playback(tracker=tracker, jitter_chunks=3, period_frames=120)
    playback.attach(asyncio.get_running_loop())
    for _ in range(3):
        playback.feed(pcm_delta("item_a", 20).data, "item_a", 0)
    await render_in_thread(playback, 120, 6)  # 30 ms handed out
    state = tracker.get_state()
    assert state["current_item_id"] == "item_a" and state["current_item_content_index"] == 0
    assert state["elapsed_ms"] == pytest.approx(30.0)
    assert tracker.threads == {threading.get_ident()}  # applied on the loop, not the audio thread


async def test_reports_follow_items_and_never_exceed_what_was_received() -> None:
    tracker = RecordingTracker()
    playback = Playback(tracker=tracker, jitter_chunks=1, period_frames=120)
    playback.attach(asyncio.get_running_loop())
    playback.feed(pcm_delta("item_a", 50).data, "item_a", 0)
    playback.end("item_a", 0)
    playback.feed(pcm_delta("item_b", 20).data, "item_b", 0)
    await render_in_thread(playback, 120, 12)  # 10 ms of A, then B
    assert tracker.get_state()["current_item_id"] == "item_b"
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(10.0)
    await render_in_thread(playback, 120, 20)
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(20.0)  # all of B, not a bit more


async def test_interrupt_reports_the_fade_and_then_nothing_more() -> None:
    tracker = RecordingTracker()
    playback = Playback(tracker=tracker, jitter_chunks=1, period_frames=120, fade_frames=120)
    playback.attach(asyncio.get_running_loop())
    for _ in range(10):
        playback.feed(pcm_delta("item_a", 20).data, "item_a", 0)
    await render_in_thread(playback, 120, 8)
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(40.0)
    assert playback.interrupt() is True
    assert tracker.interrupts == 0  # the transport's to call, once it has truncated
    await render_in_thread(playback, 120, 4)
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(45.0)  # the 5 ms fade sounded
    assert playback.feed(pcm_delta("item_a", 20).data, "item_a", 0) is False
    await render_in_thread(playback, 120, 4)
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(45.0)
    assert playback.buffer.late_dropped == 1 and not playback.pending


async def test_g711_reports_milliseconds_that_match_the_received_bytes() -> None:
    tracker = RecordingTracker()
    tracker.set_audio_format("g711_ulaw")
    playback = Playback(tracker=tracker, audio_format="audio/pcmu", jitter_chunks=1)
    playback.attach(asyncio.get_running_loop())
    encoder = WireEncoder("g711_ulaw")
    signal = tone(1000, 100)
    received = 0
    for i in range(0, len(signal), 480):
        wire = encoder.encode(signal[i : i + 480])
        received += len(wire)
        playback.feed(wire, "item_g", 0)
    playback.end("item_g", 0)
    out = []
    for _ in range(30):
        out.append(playback.render(120))
    await settle()
    assert received == 800  # 100 ms at 8 kHz
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(100.0)
    played = np.concatenate(out)
    assert rms_dbfs(played[600:2000]) == pytest.approx(-9.03, abs=0.5)  # the tone, at 24 kHz
    assert not played[2500:].any()


async def test_no_tracker_and_no_loop_still_plays() -> None:
    playback = Playback(tracker=None, jitter_chunks=1)
    playback.feed(tone(440, 20).tobytes(), "item_a", 0)
    assert playback.render(480).any()


async def test_a_reply_played_to_its_end_counts_as_all_heard_whatever_the_float_sums() -> None:
    # The transport counts an item's length as the sum of each delta's ms; the tracker gets
    # the ms of each device block. With these delta sizes (a real reply's shape) the two float
    # sums differ in the last bit, and a finished reply looked "not all heard": the next
    # speech_started then interrupted and truncated it ("assistant interrupted" after a handoff
    # reply that had played out). The tracker gets what was received, to within float sums;
    # the core counts an item heard to within half a sample of its end as heard to the end.
    tracker = RecordingTracker()
    received = ModelAudioTracker()  # the transport's count of what it received
    playback = Playback(tracker=tracker, jitter_chunks=1, period_frames=120)
    playback.attach(asyncio.get_running_loop())
    signal = tone(440, 500)
    start = 0
    for size in (5922, 2872, 4638, 4884, 4862):
        data = signal[start : start + size // 2].tobytes()
        start += size // 2
        received.on_audio_delta("item_a", 0, data)
        playback.feed(data, "item_a", 0)
    playback.end("item_a", 0)
    await render_in_thread(playback, 120, 100)
    assert not playback.pending
    heard = tracker.get_state()["elapsed_ms"] or 0.0
    assert heard == pytest.approx(received.received_ms("item_a", 0), abs=500 / 24_000)
    assert heard == pytest.approx(482.875)


async def test_an_item_cut_short_is_not_reported_as_heard_to_its_end() -> None:
    tracker = RecordingTracker()
    playback = Playback(tracker=tracker, jitter_chunks=1, period_frames=120, fade_frames=120)
    playback.attach(asyncio.get_running_loop())
    for _ in range(5):
        playback.feed(pcm_delta("item_a", 20).data, "item_a", 0)
    playback.end("item_a", 0)
    await render_in_thread(playback, 120, 4)
    playback.interrupt("item_a", 0)
    await render_in_thread(playback, 120, 30)
    assert tracker.get_state()["elapsed_ms"] == pytest.approx(25.0)  # 20 ms and the fade
