"""Devices that will not run at 24 kHz: streams opened at 48 kHz, resampled in the callbacks."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from console.audio.capture import Capture, CapturedChunk
from console.audio.devices import open_pyaudio, terminate_pyaudio
from console.audio.playback import Playback
from console.realtime.model import RealtimePlaybackTracker

from .conftest import (
    RATE,
    MonitorRecorder,
    PulseServer,
    clean_take,
    dominant_frequency,
    loud_blocks,
    sounding_span,
    tone,
    tone_ms,
    until,
)
from .test_pulse_capture import write_wav


async def test_playback_at_48khz_keeps_pitch_length_and_tracker_figures(
    pulse: PulseServer,
) -> None:
    async def take() -> tuple[tuple[np.ndarray, float | None], int]:
        pa = open_pyaudio()
        tracker = RealtimePlaybackTracker()
        playback = Playback(tracker=tracker, jitter_chunks=1)
        playback.attach(asyncio.get_running_loop())
        recorder = MonitorRecorder(pulse)
        try:
            playback.open(pa, None, force_rate=48_000)
            assert playback.rate == 48_000
            await recorder.recording()
            before = playback.device_underflows
            playback.feed(tone(1000, 400).tobytes(), "item_48", 0)
            playback.end("item_48", 0)
            await until(lambda: not playback.pending, "the tone handed to the device")
            await recorder.quiet_after_sound()
            underflows = playback.device_underflows - before
        finally:
            recorded = recorder.stop()
            playback.close()
            terminate_pyaudio(pa)
        return (recorded, tracker.get_state()["elapsed_ms"]), underflows

    recorded, elapsed_ms = await clean_take(take)
    # Resampled to the device's 48 kHz and back to the sink's 24 kHz: as long, the same pitch.
    assert tone_ms(recorded) == pytest.approx(400, abs=20)
    assert dominant_frequency(loud_blocks(recorded)) == pytest.approx(1000, abs=5)
    assert elapsed_ms == pytest.approx(400)


async def test_capture_at_48khz_still_yields_24khz_20ms_chunks(
    pulse: PulseServer, tmp_path: Path
) -> None:
    wav = write_wav(
        tmp_path / "tone.wav",
        np.concatenate((np.zeros(2400, np.int16), tone(1500, 400), np.zeros(4800, np.int16))),
    )
    pa = open_pyaudio()
    capture = Capture(chunk_frames=480)
    capture.attach(asyncio.get_running_loop())
    try:
        capture.open(pa, None, force_rate=48_000)
        assert capture.rate == 48_000
        await until(lambda: capture.chunks_in > 0, "the first captured chunk")
        subprocess.run(
            ["paplay", "--device=rtnull", str(wav)], env={**os.environ, **pulse.env}, check=True
        )
        done = capture.chunks_in + 15
        await until(lambda: capture.chunks_in >= done, "300 ms more of captured audio")
    finally:
        capture.close()
        terminate_pyaudio(pa)
    chunks = [c for c in capture.drain() if isinstance(c, CapturedChunk)]
    assert chunks and {len(c.samples) for c in chunks} == {480}
    signal = np.concatenate([c.samples for c in chunks])
    first, end = sounding_span(signal)
    assert (end - first) / RATE * 1000 == pytest.approx(400, abs=20)
    assert dominant_frequency(signal[first + 1200 : end - 1200]) == pytest.approx(1500, abs=5)
