"""Echo figures for bench_audio: ERLE and CPU of the AEC path; barge-in through a room.

- ERLE (echo return loss enhancement, dB) and CPU per second of audio of ``EchoCanceller``
  (WebRTC AEC3 via livekit, with the console's delay follower) on espeak-ng speech whose echo
  comes back at -12 dB after 120, 300 and 700 ms, measured once converged (from 3 s on).
- Barge-in: the local engine speaks through AudioIO on the room's speaker sink, its sound loops
  back into the microphone sink 300 ms later at -12 dB; a person's question at -20 dBFS is
  played into the microphone sink; the time from the first sample of the person's speech to
  the agent's playback being stopped (the session's audio_interrupted reaching AudioIO), over
  several barge-ins, after a first reply that lets the canceller learn the room. About a
  minute.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from console.audio import AudioIO
from console.audio.echo import EchoCanceller
from console.engine import LocalEngine
from console.realtime import RealtimeAgent, RealtimeRunner
from console.realtime.model import RealtimePlaybackTracker
from tests.audio.conftest import RATE, open_room, pulse_environment, speech_wav

BARGE_INS = 5
LONG_REPLY = (
    "Please repeat this whole sentence back to me slowly, word by word, because I would like "
    "to hear how long a reply from the local engine can become when it is asked to."
)


def _aec(far: np.ndarray, delay_ms: int) -> tuple[float, float]:
    echo = np.concatenate((np.zeros(RATE * delay_ms // 1000), far))[: len(far)] * 10 ** (-12 / 20)
    mic = echo + np.random.default_rng(1).normal(0, 20, len(far))
    canceller = EchoCanceller()
    out = []
    cpu0 = time.process_time()
    for n, i in enumerate(range(0, len(far) - 480, 480)):
        canceller.render(far[i : i + 480].astype(np.int16))
        out.append(canceller.capture(mic[i : i + 480].astype(np.int16)))
        if n % 12 == 0:
            canceller.update()
    cpu_ms_per_s = (time.process_time() - cpu0) * 1000 / (len(far) / RATE)
    cleaned = np.concatenate(out).astype(np.float64)
    a = RATE * 3
    erle = 10 * np.log10(np.mean(mic[a : len(cleaned)] ** 2) / (np.mean(cleaned[a:] ** 2) + 1e-9))
    return float(erle), cpu_ms_per_s


def _far_speech(folder: Path) -> np.ndarray:
    text = ("The weather in Paris is sunny with a light breeze, twenty two degrees, a lovely day "
            "for a walk along the river, then coffee on a terrace and a museum in the afternoon.")
    path = speech_wav(folder / "far.wav", text, level_dbfs=-18.0)
    import wave

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


async def _barge_ins(folder: Path, room: Any) -> list[float]:
    question = speech_wav(folder / "question.wav", "Wait, stop there, I have another question.")
    lead_s = 0.2  # speech_wav's leading silence
    tracker = RealtimePlaybackTracker()
    audio = AudioIO(input_device=room.mic_device, output_device=room.speaker_device,
                    tracker=tracker)
    interrupted: list[float] = []
    runner = RealtimeRunner(RealtimeAgent(name="assistant", instructions="Answer."), config={
        "model_settings": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 400}}
    })
    results: list[float] = []
    async with LocalEngine(voice="espeak") as engine:
        config = {**engine.model_config(), "playback_tracker": tracker}
        session = await runner.run(model_config=config)  # type: ignore[arg-type]
        async with session:
            assert audio.start(asyncio.get_running_loop(), session.send_audio), audio.error

            async def pump() -> None:
                async for event in session:
                    audio.feed(event)
                    if event.type == "audio_interrupted":
                        interrupted.append(time.monotonic())

            reader = asyncio.create_task(pump())
            try:
                # A first reply to learn the room in (the microphone is closed meanwhile).
                await session.send_message("Hello, tell me about the weather today.")
                for _ in range(3000):
                    if audio.canceller is not None and audio.canceller.ready:
                        break
                    await asyncio.sleep(0.01)
                while audio.playback.pending:
                    await asyncio.sleep(0.01)
                for _attempt in range(BARGE_INS * 2):
                    if len(results) == BARGE_INS:
                        break
                    before = len(interrupted)
                    item = tracker.get_state()["current_item_id"]
                    await session.send_message(LONG_REPLY)
                    for _ in range(3000):
                        state = tracker.get_state()
                        if state["current_item_id"] != item and (state["elapsed_ms"] or 0) > 1500:
                            break
                        await asyncio.sleep(0.01)
                    else:
                        print("barge-in bench: the reply never played", file=sys.stderr)
                        continue
                    if len(interrupted) != before:
                        continue  # cut short before we spoke: not a measurement
                    speaking = room.say(question)
                    spoke_at = time.monotonic() + lead_s
                    for _ in range(3000):
                        if len(interrupted) > before:
                            break
                        await asyncio.sleep(0.005)
                    await asyncio.to_thread(speaking.wait, 30)
                    if len(interrupted) > before:
                        results.append((interrupted[before] - spoke_at) * 1000)
                        print(f"barge-in {len(results)}: {results[-1]:.0f} ms", file=sys.stderr)
                    else:
                        print("barge-in bench: not heard", file=sys.stderr)
                    while audio.playback.pending:
                        await asyncio.sleep(0.01)
                    await asyncio.sleep(1.0)  # the turn the question started, answered
            finally:
                reader.cancel()
                await audio.aclose()
    return results


def figures() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        far = _far_speech(folder)
        for delay in (120, 300, 700):
            erle, cpu = _aec(far, delay)
            rows.append((f"AEC ERLE, echo {delay} ms at -12 dB", erle, "dB", "> 25"))
            rows.append((f"AEC CPU, echo {delay} ms", cpu, "ms per s of audio", ""))
        with pulse_environment() as pulse:
            room = open_room(pulse)
            try:
                with room.echo(300, -12.0):
                    times = asyncio.run(_barge_ins(folder, room))
            finally:
                room.close()
    rows += [
        ("barge-in at -20 dBFS, 300 ms echo: median", statistics.median(times), "ms",
         "< 300 (speech onset -> playback stopped)"),
        ("barge-in at -20 dBFS, 300 ms echo: max", max(times), "ms", ""),
        ("barge-ins measured", float(len(times)), "count", f"{BARGE_INS}"),
    ]
    return rows
