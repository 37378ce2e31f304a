"""Voice through a real session: null-sink devices, AudioIO, RealtimeSession on the local engine."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from console.audio import AudioIO
from console.engine import LocalEngine
from console.realtime import RealtimeAgent, RealtimeRunner, RealtimeSession
from console.realtime.config import RealtimeSessionModelSettings
from console.realtime.model import RealtimePlaybackTracker

from .conftest import RATE, MonitorRecorder, PulseServer, clean_take

VAD_SETTINGS: RealtimeSessionModelSettings = {
    "turn_detection": {"type": "server_vad", "silence_duration_ms": 400},
    "input_audio_transcription": {"model": "gpt-4o-transcribe"},
}


@dataclass
class Call:
    """A live session on the local engine with AudioIO on the null sink, events recorded."""

    session: RealtimeSession[Any]
    audio: AudioIO
    server_events: list[dict[str, Any]] = field(default_factory=list)
    answer: bytearray = field(default_factory=bytearray)

    def seen(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.server_events if e.get("type") == kind]

    async def until(self, predicate: Callable[[], bool], limit_s: float = 20.0) -> None:
        for _ in range(int(limit_s / 0.01)):
            if predicate():
                return
            await asyncio.sleep(0.01)
        kinds = [e.get("type") for e in self.server_events]
        raise AssertionError(f"timed out; server events so far: {kinds}")


async def pump_events(call: Call) -> None:
    async for event in call.session:
        call.audio.feed(event)  # exactly what the UI's bridge does
        if event.type == "audio":
            call.answer += event.audio.data
        elif (
            event.type == "raw_model_event"
            and event.data.type == "raw_server_event"
            and isinstance(event.data.data, dict)
        ):
            call.server_events.append(event.data.data)


@pytest.fixture
async def call(pulse: PulseServer) -> AsyncIterator[Call]:
    tracker = RealtimePlaybackTracker()
    audio = AudioIO(tracker=tracker)  # speakers: echo cancellation is on
    agent = RealtimeAgent(name="assistant", instructions="Answer briefly.")
    runner = RealtimeRunner(agent, config={"model_settings": VAD_SETTINGS})
    async with LocalEngine(voice="synthetic") as engine:
        config = {**engine.model_config(), "playback_tracker": tracker}
        session = await runner.run(model_config=config)  # type: ignore[arg-type]
        async with session:
            assert audio.start(asyncio.get_running_loop(), session.send_audio), audio.error
            state = Call(session, audio)
            reader = asyncio.create_task(pump_events(state))
            try:
                yield state
            finally:
                reader.cancel()
                await audio.aclose()


def espeak_wav(path: Path, text: str) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)", pytrace=False)
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


async def test_spoken_wav_through_the_mic_makes_a_turn_and_the_answer_plays(
    pulse: PulseServer, call: Call, tmp_path: Path
) -> None:
    wav = espeak_wav(tmp_path / "question.wav", "What is the weather like in Paris today?")
    await call.until(lambda: bool(call.seen("session.updated")))
    speaker_levels: list[float] = []

    async def meter_pane() -> None:
        while True:
            speaker_levels.append(call.audio.levels.speaker_db)
            await asyncio.sleep(0.02)

    meter = asyncio.create_task(meter_pane())
    player = subprocess.Popen(
        ["paplay", "--device=rtnull", str(wav)],
        env={**os.environ, **pulse.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await call.until(lambda: bool(call.seen("input_audio_buffer.speech_stopped")))
        await call.until(lambda: bool(call.seen("response.done")))
        await call.until(lambda: not call.audio.playback.pending)
        await asyncio.sleep(0.5)  # the echo tail: no second turn may start from our own voice
    finally:
        meter.cancel()
        player.wait(10)
    started = call.seen("input_audio_buffer.speech_started")
    stopped = call.seen("input_audio_buffer.speech_stopped")
    assert len(started) == 1 and len(stopped) == 1
    assert stopped[0]["audio_end_ms"] - started[0]["audio_start_ms"] > 1500
    transcript = call.seen("conversation.item.input_audio_transcription.completed")
    assert transcript and transcript[0]["transcript"].strip()
    # The whole answer was played: the tracker saw every received millisecond, no underruns.
    received_ms = len(call.answer) / 48
    state = call.audio.tracker.get_state()
    assert received_ms > 500 and state["elapsed_ms"] == pytest.approx(received_ms, abs=1)
    assert call.audio.stats().underruns == 0
    assert max(speaker_levels) > -30  # the speaker meter moved
    # The answer's echo reached the mic (the monitor, at full level) and echo cancellation
    # kept it from the session: one turn, nothing truncated.
    assert call.audio.stats().aec_frames > 100
    assert not call.seen("conversation.item.truncated")


def loud_moment(answer: np.ndarray, after_ms: float) -> float:
    """The first time (ms) past ``after_ms`` with 150 ms of continuously loud answer around it,
    so the cut an interrupt makes there is visible in the recording."""
    block = RATE // 200  # 5 ms
    n = len(answer) // block
    env = np.sqrt(np.mean(answer[: n * block].astype(np.float64).reshape(n, block) ** 2, axis=1))
    loud = env > 0.02 * 32768
    for i in range(int(after_ms / 5), n - 30):
        if loud[i - 10 : i + 20].all():
            return i * 5.0
    raise AssertionError("the answer has no long loud stretch")


async def test_interrupt_mid_answer_truncates_at_what_was_really_played(
    pulse: PulseServer, call: Call
) -> None:
    await call.until(lambda: bool(call.seen("session.updated")))

    async def take() -> tuple[None, int]:
        # A take whose playback the device flagged as run dry (a starved callback on a loaded
        # machine) has a gap in the recording: it cannot be lined up with the answer.
        call.answer.clear()
        underflows = call.audio.playback.device_underflows
        truncates = len(call.seen("conversation.item.truncated"))
        done = len(call.seen("response.done"))
        recorder = MonitorRecorder(pulse)
        await recorder.recording()
        await call.session.send_message(
            "Please repeat this whole sentence back to me slowly, word by word, because I would "
            "like to hear how long a reply from the local engine can become when it is asked to."
        )
        await call.until(lambda: len(call.answer) > 48 * 2500)  # streamed faster than real time
        answer = np.frombuffer(bytes(call.answer), dtype="<i2")
        target = loud_moment(answer, 700)
        tracker = call.audio.tracker
        await call.until(lambda: (tracker.get_state()["elapsed_ms"] or 0) >= target - 20)
        # The operator's interrupt key: local playback first, then the session's interrupt.
        assert call.audio.interrupt()
        handed_ms = tracker.get_state()["elapsed_ms"] or 0.0
        device_wait_ms = call.audio.playback.dac_latency_s * 1000
        await call.session.interrupt()
        await call.until(lambda: len(call.seen("conversation.item.truncated")) > truncates)
        await recorder.quiet_after_sound(quiet_ms=400)
        recorded = recorder.stop()
        truncated_ms = call.seen("conversation.item.truncated")[truncates]["audio_end_ms"]
        await call.until(lambda: len(call.seen("response.done")) > done)
        await call.until(lambda: not call.audio.playback.pending)
        flagged = call.audio.playback.device_underflows - underflows
        if flagged:
            return None, flagged

        # Where the answer sits in the recording (the null sink passes samples unchanged).
        head = answer[: RATE // 2].astype(np.float64)
        corr = np.correlate(recorded.astype(np.float64), head, mode="valid")
        offset = int(np.argmax(corr))
        aligned = recorded[offset : offset + len(answer)].astype(np.int32)
        if (
            len(aligned) < RATE // 2
            or np.abs(aligned[: RATE // 2] - answer[: RATE // 2]).max() >= 200
        ):
            # The recorder (parec, a client of its own) lost samples on a loaded machine, so the
            # answer cannot be lined up: this take cannot be measured. Playback that really
            # altered the audio fails every take.
            return None, 1
        # The last loud 1 ms block of the answer in the recording is where playback stopped.
        win = RATE // 1000
        blocks = len(aligned) // win
        env = np.abs(aligned[: blocks * win]).reshape(blocks, win).max(axis=1)
        played_ms = float(np.nonzero(env > 0.02 * 32768)[0][-1] + 1)
        assert played_ms < len(answer) / 24 - 500  # it really stopped mid-answer
        # The truncate carried what was really played, within 40 ms.
        assert abs(truncated_ms - played_ms) <= 40, (truncated_ms, played_ms)
        # And playback stopped as soon as the device allows: what sounded after the interrupt
        # is at most the device's two callback periods (40 ms with speakers) and 15 ms more.
        stopped_after = played_ms - (handed_ms - device_wait_ms)
        device_ms = 2 * call.audio.playback.period_frames * 1000 / RATE
        assert stopped_after <= device_ms + 15, (played_ms, handed_ms, device_wait_ms)
        return None, 0

    await clean_take(take)
