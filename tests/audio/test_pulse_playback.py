"""Playback on a real device (PulseAudio null sink), recorded back from its monitor by parec."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest

from console.audio import AudioIO
from console.audio.codecs import WireEncoder
from console.dsp import rms_dbfs
from console.realtime.model import RealtimePlaybackTracker
from console.realtime.model_events import RealtimeModelAudioDoneEvent, RealtimeModelAudioEvent

from .conftest import (
    RATE,
    MonitorRecorder,
    PulseServer,
    clean_take,
    dominant_frequency,
    sounding_span,
    tone,
)


async def nothing(_: bytes) -> None:
    return None


@pytest.fixture
async def speaker(pulse: PulseServer) -> AsyncIterator[AudioIO]:
    audio = AudioIO(capture=False, tracker=RealtimePlaybackTracker())
    assert audio.start(asyncio.get_running_loop(), nothing), audio.error
    assert audio.can_play and not audio.can_capture
    try:
        yield audio
    finally:
        await audio.aclose()


async def wait_for(predicate: Callable[[], bool], limit_s: float = 10.0) -> None:
    for _ in range(int(limit_s / 0.005)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("timed out waiting for playback")


def feed_item(audio: AudioIO, item: str, wire: bytes, chunk_bytes: int, done: bool = True) -> None:
    """Deltas the way a server sends them: a burst, faster than real time."""
    for i in range(0, len(wire), chunk_bytes):
        audio.feed(RealtimeModelAudioEvent(wire[i : i + chunk_bytes], "resp_1", item, 0))
    if done:
        audio.feed(RealtimeModelAudioDoneEvent(item, 0))


async def record_while(
    pulse: PulseServer, audio: AudioIO, play: Callable[[], None]
) -> tuple[np.ndarray, int]:
    """What the sink played while ``play()`` ran, and the device underflows PortAudio flagged."""
    recorder = MonitorRecorder(pulse)
    try:
        await recorder.recording()
        before = audio.playback.device_underflows
        play()
        await wait_for(lambda: not audio.playback.pending)
        await recorder.quiet_after_sound()
    finally:
        recorded = recorder.stop()
    return recorded, audio.playback.device_underflows - before


async def test_a_tone_played_comes_back_from_the_monitor(
    pulse: PulseServer, speaker: AudioIO
) -> None:
    signal = tone(1000, 600, amplitude=0.5)
    levels: list[float] = []
    speaking: list[bool] = []

    takes = iter(range(100))

    def play() -> None:
        # 100 ms deltas; each take is a new item, as a replay of one would be refused.
        feed_item(speaker, f"item_tone{next(takes)}", signal.tobytes(), 4800)

    async def watch_meter() -> None:
        while True:
            levels.append(speaker.levels.speaker_db)
            speaking.append(speaker.levels.assistant_speaking)
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch_meter())
    recorded = await clean_take(lambda: record_while(pulse, speaker, play))
    watcher.cancel()
    first, end = sounding_span(recorded)
    assert (end - first) / RATE * 1000 == pytest.approx(600, abs=20)
    body = recorded[first + 2400 : end - 2400]
    assert dominant_frequency(body) == pytest.approx(1000, abs=5)
    assert rms_dbfs(body) == pytest.approx(-9.03, abs=1.0)
    state = speaker.tracker.get_state()
    assert str(state["current_item_id"]).startswith("item_tone")
    assert state["elapsed_ms"] == pytest.approx(600)
    assert max(levels) == pytest.approx(-9.03, abs=1.5)  # the speaker meter moved with it
    assert any(speaking) and not speaker.levels.assistant_speaking
    assert speaker.playback.underruns == 0


async def test_g711_ulaw_is_decoded_and_upsampled_for_the_device(
    pulse: PulseServer, speaker: AudioIO
) -> None:
    speaker.set_audio_format("audio/pcmu")
    wire = WireEncoder("g711_ulaw").encode(tone(700, 500, amplitude=0.5))
    assert len(wire) == 4000
    takes = iter(range(100))
    recorded = await clean_take(lambda: record_while(
        pulse, speaker, lambda: feed_item(speaker, f"item_g{next(takes)}", wire, 800)
    ))
    first, end = sounding_span(recorded)
    assert (end - first) / RATE * 1000 == pytest.approx(500, abs=20)
    assert dominant_frequency(recorded[first + 2400 : end - 2400]) == pytest.approx(700, abs=5)
    assert speaker.tracker.get_state()["elapsed_ms"] == pytest.approx(500)


async def test_interrupt_stops_playback_fast_and_the_tracker_holds_what_was_played(
    pulse: PulseServer, speaker: AudioIO
) -> None:
    signal = tone(500, 3000, amplitude=0.5).tobytes()
    tracker = speaker.tracker
    takes = iter(range(100))

    async def take() -> tuple[tuple[np.ndarray, float, float, float, int], int]:
        item = f"item_long{next(takes)}"
        dropped = speaker.playback.buffer.late_dropped
        recorder = MonitorRecorder(pulse)
        try:
            await recorder.recording()
            before = speaker.playback.device_underflows
            feed_item(speaker, item, signal, 4800, done=False)
            await wait_for(lambda: (tracker.get_state()["elapsed_ms"] or 0) >= 700)
            assert speaker.interrupt() is True
            handed_ms = tracker.get_state()["elapsed_ms"] or 0.0  # what a truncate carries
            device_wait_ms = speaker.playback.dac_latency_s * 1000
            # The server's late deltas for the interrupted item must never sound.
            feed_item(speaker, item, signal[:9600], 960, done=True)
            await recorder.quiet_after_sound(quiet_ms=400)
            underflows = speaker.playback.device_underflows - before
        finally:
            recorded = recorder.stop()
        final_ms = tracker.get_state()["elapsed_ms"] or 0.0
        late = speaker.playback.buffer.late_dropped - dropped
        return (recorded, handed_ms, device_wait_ms, final_ms, late), underflows

    recorded, handed_ms, device_wait_ms, final_ms, late = await clean_take(take)
    first, end = sounding_span(recorded)
    played_ms = (end - first) / RATE * 1000
    figures = f"played {played_ms:.1f}, handed {handed_ms:.1f}, final {final_ms:.1f} ms"
    assert played_ms < 1500, figures  # it did stop
    # The truncate's audio_end_ms matches the audio really played, within 40 ms.
    assert abs(played_ms - handed_ms) <= 40, figures
    assert abs(played_ms - final_ms) <= 40, figures
    # Audio that came out after the interrupt: what was still in the device's buffer plus the
    # fade, measured on the recorded signal against what had been heard at that moment.
    # The device holds two callback periods (40 ms with speakers, where a shorter period runs dry
    # under load); the fade and timing take the rest of a 15 ms margin.
    heard_at_interrupt_ms = handed_ms - device_wait_ms
    device_ms = 2 * speaker.playback.period_frames * 1000 / RATE
    assert played_ms - heard_at_interrupt_ms <= device_ms + 15, (
        f"{figures}, device wait {device_wait_ms:.1f}"
    )
    assert late == 10
    assert not speaker.playback.pending
