"""Audio on real (null-sink) devices: capture-to-send latency, underruns, interrupt-to-silence, CPU.

Starts a private PulseAudio exactly as the audio tests do (tests/audio/conftest.py), then:
- streams 60 s of assistant audio the way a server does (a 300 ms burst, then 4x real time in
  50 ms deltas, one response item every 10 s) through AudioIO in full duplex (the mic pump runs
  too, capturing the monitor) while a meter reader polls the LevelSource at 30 fps like the UI;
  counts underruns, capture drops and the process CPU used per second of audio;
- measures the mic pump's added latency: audio callback -> ``send_audio`` awaited, beyond the
  20 ms it takes to fill a chunk;
- interrupts a playing tone 15 times and finds, in a timestamped recording of the monitor, when
  the sound really stopped (PortAudio ADC times mapped onto the monotonic clock);
- measures the CPU of the same streams with do-nothing callbacks (PortAudio and ALSA's pulse
  plugin alone) and the per-chunk cost of the codecs and meters;
- echo cancellation (see ``audio_echo``): ERLE and CPU of the AEC path, and barge-in time at a
  normal voice (-20 dBFS) through a room with a 300 ms echo.
Takes about 2.5 minutes.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import numpy as np

from console.audio import AudioIO
from console.audio.codecs import WireDecoder, WireEncoder
from console.audio.devices import open_pyaudio, terminate_pyaudio
from console.dsp import levels_dbfs
from console.realtime.model import RealtimePlaybackTracker
from console.realtime.model_events import RealtimeModelAudioDoneEvent, RealtimeModelAudioEvent
from tests.audio.conftest import RATE, pulse_environment, tone

STREAM_S = 60
ITEM_S = 10
DELTA_MS = 50
PACE = 4.0
BURST_MS = 300.0
INTERRUPTS = 15


def _voice_like(seconds: float, seed: int) -> np.ndarray:
    """A gliding tone with a syllable-rate envelope: enough like speech for meters and buffers."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 160 + 40 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    envelope = 0.2 + 0.8 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    return (0.3 * 32767 * envelope * np.sin(phase)).astype(np.int16)


async def _serve_items(audio: AudioIO, seconds: int) -> None:
    """Feed items like the engine streams them: burst, then PACE times faster than real time."""
    for n in range(seconds // ITEM_S):
        item = f"item_{n}"
        pcm = _voice_like(ITEM_S, n).tobytes()
        step = DELTA_MS * 48
        started = time.monotonic()
        sent_ms = 0.0
        for i in range(0, len(pcm), step):
            audio.feed(RealtimeModelAudioEvent(pcm[i : i + step], "resp", item, 0))
            sent_ms += DELTA_MS
            wait = 0.0
            if sent_ms > BURST_MS:
                wait = started + (sent_ms - BURST_MS) / 1000 / PACE - time.monotonic()
            await asyncio.sleep(max(wait, 0.0))
        audio.feed(RealtimeModelAudioDoneEvent(item, 0))
        # The next response starts when this one has been heard, as in a conversation.
        while audio.playback.pending:
            await asyncio.sleep(0.01)


async def _ui_reader(audio: AudioIO, stop: asyncio.Event) -> int:
    frames = 0
    while not stop.is_set():
        levels = audio.levels
        _ = (levels.mic_db, levels.speaker_db, levels.user_speaking, levels.assistant_speaking)
        frames += 1
        await asyncio.sleep(1 / 30)
    return frames


async def _stream() -> dict[str, float]:
    sent = 0

    async def send(data: bytes) -> None:
        nonlocal sent
        sent += 1

    audio = AudioIO(tracker=RealtimePlaybackTracker(), headset=True)
    assert audio.start(asyncio.get_running_loop(), send), audio.error
    await asyncio.sleep(0.5)
    stop = asyncio.Event()
    reader = asyncio.create_task(_ui_reader(audio, stop))
    assert audio.pump is not None
    audio.pump.latencies.clear()
    cpu0, wall0 = time.process_time(), time.monotonic()
    await _serve_items(audio, STREAM_S)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    stop.set()
    await reader
    latencies = sorted(x * 1000 for x in audio.pump.latencies)
    stats = audio.stats()
    await audio.aclose()
    return {
        "underruns": float(stats.underruns),
        "drops": float(stats.capture_drops),
        "wall_s": wall,
        "cpu_ms_per_s": cpu * 1000 / STREAM_S,
        "lat_p50": statistics.median(latencies),
        "lat_p95": latencies[int(0.95 * (len(latencies) - 1))],
        "lat_max": latencies[-1],
        "chunks": float(len(latencies)),
    }


class _MonitorClock:
    """Records the monitor through PortAudio with each block's ADC time on the monotonic clock."""

    def __init__(self) -> None:
        import pyaudio

        self.blocks: list[tuple[float, bytes]] = []
        self.pa = open_pyaudio()
        self.stream = self.pa.open(
            format=pyaudio.paInt16,
            channels=1,
            rate=RATE,
            input=True,
            frames_per_buffer=120,
            stream_callback=self._callback,
        )

    def _callback(
        self, data: bytes | None, frames: int, info: Any, status: int
    ) -> tuple[None, int]:
        import pyaudio

        # PortAudio's clock is not the monotonic one: map by the offset at this callback.
        adc = time.monotonic() - (info["current_time"] - info["input_buffer_adc_time"])
        if data:
            self.blocks.append((adc, data))
        return None, pyaudio.paContinue

    def silence_after(self, since: float) -> float:
        """Monotonic time of the first sample after the last loud one recorded after ``since``."""
        last = None
        for adc, data in self.blocks:
            x = np.abs(np.frombuffer(data, dtype="<i2").astype(np.int32))
            loud = np.nonzero(x > 0.02 * 32768)[0]
            if len(loud):
                last = adc + (loud[-1] + 1) / RATE
        if last is None:
            raise RuntimeError("nothing was recorded")
        return last - since

    def close(self) -> None:
        self.stream.stop_stream()
        self.stream.close()
        terminate_pyaudio(self.pa)


async def _interrupts() -> tuple[list[float], list[float]]:
    async def send(data: bytes) -> None:
        return None

    audio = AudioIO(tracker=RealtimePlaybackTracker(), capture=False)
    assert audio.start(asyncio.get_running_loop(), send), audio.error
    wall: list[float] = []
    audio_domain: list[float] = []
    rng = np.random.default_rng(7)
    for n in range(INTERRUPTS):
        monitor = _MonitorClock()
        await asyncio.sleep(0.2)
        item = f"item_{n}"
        audio.feed(RealtimeModelAudioEvent(tone(500, 1500).tobytes(), "resp", item, 0))
        target = 400 + float(rng.uniform(0, 20))
        while True:
            state = audio.tracker.get_state()
            if state["current_item_id"] == item and (state["elapsed_ms"] or 0) >= target:
                break
            await asyncio.sleep(0.001)
        pressed = time.monotonic()
        audio.interrupt()
        handed = audio.tracker.get_state()["elapsed_ms"] or 0.0
        wait_ms = audio.playback.dac_latency_s * 1000
        await asyncio.sleep(0.3)
        monitor.close()
        wall.append(monitor.silence_after(pressed) * 1000)
        audio_domain.append(wait_ms + (audio.tracker.get_state()["elapsed_ms"] or 0.0) - handed)
    await audio.aclose()
    return wall, audio_domain


def _portaudio_floor(seconds: float = 5.0) -> float:
    """CPU (ms/s) of the same two streams with callbacks that do nothing: PortAudio + ALSA's
    pulse plugin alone, the part of the figure above that is not ours."""
    import pyaudio

    pa = open_pyaudio()
    silence = bytes(2 * 120)

    def out(data: bytes | None, frames: int, info: Any, status: int) -> tuple[bytes, int]:
        return silence, pyaudio.paContinue

    def inp(data: bytes | None, frames: int, info: Any, status: int) -> tuple[None, int]:
        return None, pyaudio.paContinue

    common: dict[str, Any] = {"format": pyaudio.paInt16, "channels": 1, "rate": RATE}
    streams = [
        pa.open(output=True, frames_per_buffer=120, stream_callback=out, **common),
        pa.open(input=True, frames_per_buffer=480, stream_callback=inp, **common),
    ]
    time.sleep(0.5)
    cpu0 = time.process_time()
    time.sleep(seconds)
    cpu = time.process_time() - cpu0
    for stream in streams:
        stream.stop_stream()
        stream.close()
    terminate_pyaudio(pa)
    return cpu * 1000 / seconds


def _micro() -> list[tuple[str, float, str, str]]:
    chunk = tone(440, 20)
    encoder, decoder = WireEncoder("g711_ulaw"), WireDecoder("g711_ulaw")
    wire = encoder.encode(chunk)
    runs = 2000

    def per_chunk(fn: Any) -> float:
        started = time.perf_counter()
        for _ in range(runs):
            fn()
        return (time.perf_counter() - started) / runs * 1e6

    return [
        ("μ-law encode + 24->8 kHz, per 20 ms", per_chunk(lambda: encoder.encode(chunk)), "µs", ""),
        ("μ-law decode + 8->24 kHz, per 20 ms", per_chunk(lambda: decoder.decode(wire)), "µs", ""),
        ("meter RMS+peak, per 20 ms", per_chunk(lambda: levels_dbfs(chunk)), "µs", ""),
    ]


def run() -> list[tuple[str, float, str, str]]:
    from .audio_echo import figures as echo_figures

    echo = echo_figures()
    with pulse_environment():
        streamed = asyncio.run(_stream())
        wall, audio_domain = asyncio.run(_interrupts())
        floor = _portaudio_floor()
    return [
        ("capture->send added latency p50", streamed["lat_p50"], "ms", "beyond the 20 ms chunk"),
        ("capture->send added latency p95", streamed["lat_p95"], "ms", "< 5"),
        ("capture->send added latency max", streamed["lat_max"], "ms", ""),
        ("capture chunks sent while streaming", streamed["chunks"], "chunks", ""),
        ("capture drops over 60 s", streamed["drops"], "chunks", "0"),
        ("playback underruns over 60 s streamed", streamed["underruns"], "count", "0"),
        ("60 s of audio took", streamed["wall_s"], "s", "~60 (real time)"),
        ("CPU, full duplex + meter reader", streamed["cpu_ms_per_s"], "ms per s of audio", ""),
        ("  of which PortAudio + pulse plugin idle", floor, "ms per s", "(not ours)"),
        ("interrupt->silence (recorded) mean", statistics.mean(wall), "ms", "< 40"),
        ("interrupt->silence (recorded) max", max(wall), "ms", "< 40"),
        ("sounded after interrupt (audio ms) max", max(audio_domain), "ms", "< 40"),
        *_micro(),
        *echo,
    ]
