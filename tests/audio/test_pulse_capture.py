"""Capture on a real device: a WAV played into the null sink (paplay), captured from its monitor."""

from __future__ import annotations

import asyncio
import os
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from console.audio import AudioIO
from console.dsp import resample, ulaw_decode

from .conftest import RATE, PulseServer, dominant_frequency, sounding_span, tone, until


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def play_file(pulse: PulseServer, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["paplay", "--device=rtnull", str(path)],
        env={**os.environ, **pulse.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Sink:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.commits = 0

    async def send_audio(self, data: bytes) -> None:
        self.chunks.append(data)

    async def commit(self) -> None:
        self.commits += 1


async def wait_process(proc: subprocess.Popen[bytes]) -> None:
    while proc.poll() is None:
        await asyncio.sleep(0.02)
    assert proc.returncode == 0


async def capture_file(
    pulse: PulseServer, path: Path, audio: AudioIO, during: Callable[[], None] | None = None
) -> Sink:
    sink = Sink()
    assert audio.start(asyncio.get_running_loop(), sink.send_audio, sink.commit), audio.error
    assert audio.can_capture and not audio.can_play
    try:
        await until(lambda: audio.capture.chunks_in > 0, "the mic's first chunk")
        proc = play_file(pulse, path)
        if during is not None:
            during()
        await wait_process(proc)
        # The file's tail has left paplay; 300 ms more of captured audio holds all of it.
        done = audio.capture.chunks_in + 15
        pump = audio.pump
        assert pump is not None
        await until(lambda: pump.sent + pump.skipped >= done, "300 ms more of mic audio")
    finally:
        await audio.aclose()
    return sink


def signal_file(tmp_path: Path) -> Path:
    silence = np.zeros(RATE * 3 // 10, dtype=np.int16)
    return write_wav(tmp_path / "tone.wav", np.concatenate((silence, tone(1000, 500), silence)))


async def test_a_played_file_arrives_as_20ms_pcm16_chunks(
    pulse: PulseServer, tmp_path: Path
) -> None:
    # headset: no echo canceller or filter, so the samples sent are the samples captured.
    audio = AudioIO(playback=False, headset=True)
    sink = await capture_file(pulse, signal_file(tmp_path), audio)
    assert len(sink.chunks) > 40
    assert {len(c) for c in sink.chunks} == {960}  # 480 frames of PCM16 at 24 kHz
    assert audio.capture.drops == 0 and audio.stats().chunks_sent == len(sink.chunks)
    captured = np.frombuffer(b"".join(sink.chunks), dtype="<i2")
    first, end = sounding_span(captured)
    assert (end - first) / RATE * 1000 == pytest.approx(500, abs=20)
    assert dominant_frequency(captured[first + 1200 : end - 1200]) == pytest.approx(1000, abs=5)
    # Chunks are contiguous: the tone has no holes (a dropped chunk would leave 20 ms of zeros).
    env = np.abs(captured[first:end].astype(np.int32)).reshape(-1, 24).max(axis=1)
    assert env.min() > 1000


async def test_g711_sessions_get_8khz_ulaw_chunks(pulse: PulseServer, tmp_path: Path) -> None:
    audio = AudioIO(playback=False, audio_format="g711_ulaw", headset=True)
    sink = await capture_file(pulse, signal_file(tmp_path), audio)
    assert {len(c) for c in sink.chunks} == {160}  # 20 ms at 8 kHz, one byte a sample
    pcm = resample(ulaw_decode(b"".join(sink.chunks)), 8_000, RATE)
    first, end = sounding_span(pcm)
    assert (end - first) / RATE * 1000 == pytest.approx(500, abs=20)
    assert dominant_frequency(pcm[first + 1200 : end - 1200]) == pytest.approx(1000, abs=5)


async def test_muted_capture_sends_nothing_but_keeps_metering(
    pulse: PulseServer, tmp_path: Path
) -> None:
    audio = AudioIO(playback=False)
    audio.muted = True
    peaks: list[float] = []
    watchers: list[asyncio.Task[None]] = []

    async def meter_pane() -> None:
        while True:
            peaks.append(audio.levels.mic_db)
            await asyncio.sleep(0.02)

    def watch() -> None:
        watchers.append(asyncio.get_running_loop().create_task(meter_pane()))

    sink = await capture_file(pulse, signal_file(tmp_path), audio, during=watch)
    watchers[0].cancel()
    assert sink.chunks == []
    assert audio.pump is not None and audio.pump.skipped > 40
    assert max(peaks) > -12 and audio.levels.muted
