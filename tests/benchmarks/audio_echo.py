"""Echo figures for bench_audio: ERLE and CPU of the AEC path; barge-in and self-interruption.

- ERLE (echo return loss enhancement, dB) and CPU per second of audio of ``EchoCanceller``
  (WebRTC AEC3 via livekit, with the console's delay follower) on espeak-ng speech whose echo
  comes back at -12 dB after 120, 300 and 700 ms, measured once converged (from 3 s on).
- Barge-in: the local engine speaks through AudioIO on the room's speaker sink, its sound loops
  back into the microphone sink 300 ms later at -12 dB; a person's question at -20 dBFS is
  played into the microphone sink 1.5 s into a long reply; the time from the person's speech
  onset at the mic (the first chunk that, echo cancelled, tops -40 dBFS, back-dated by the
  chunk and the input latency) to the agent's playback stopped (audio_interrupted reaching
  AudioIO, plus what the device still held). Five in one session, after a first short reply;
  and 0.5 s into the very first reply of three fresh sessions.
- Self-interruptions: five turns nobody talks over, at 0, 300 and 500 ms of echo at -12 dB;
  every speech_started (the agent's voice taken for the user's) and every interrupt counted.
About five minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from console.audio import AudioIO
from console.audio.doubletalk import EchoLikeness
from console.audio.echo import EchoCanceller
from console.engine import LocalEngine
from console.realtime import RealtimeAgent, RealtimeRunner
from console.realtime.model import RealtimePlaybackTracker
from tests.audio.conftest import RATE, open_room, pulse_environment, speech_wav

BARGE_INS = 5
TURNS = 5
FIRST_REPLIES = 3
MISJUDGED: list[int] = []
"""Per barge-in session: a person's barge-ins judged to be the agent's own voice."""
VOICE = 32768 * 10 ** (-40 / 20)
"""RMS of a mic chunk that, after echo cancellation, holds a voice (the person at -20 dBFS)."""
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


class _Call:
    """The local engine talking through AudioIO in the room; every server event kept."""

    def __init__(self, session: Any, audio: AudioIO) -> None:
        self.session = session
        self.audio = audio
        self.events: list[dict[str, Any]] = []
        self.interrupted: list[float] = []
        self.onsets: list[float] = []
        """Clock times of mic chunks where, after echo cancellation, a voice is heard."""

    def count(self, kind: str) -> int:
        return sum(1 for e in self.events if e.get("type") == kind)

    async def pump(self) -> None:
        async for event in self.session:
            self.audio.feed(event)
            if event.type == "audio_interrupted":
                self.interrupted.append(time.monotonic())
            data = getattr(event, "data", None)
            if event.type == "raw_model_event" and data.type == "raw_server_event":
                self.events.append(data.data)

    async def until(self, condition: Any, limit_s: float = 60.0) -> bool:
        for _ in range(int(limit_s / 0.01)):
            if condition():
                return True
            await asyncio.sleep(0.01)
        return False

    def idle(self) -> bool:
        """No response running and nothing left to play."""
        return (self.count("response.created") == self.count("response.done")
                and not self.audio.playback.pending)

    async def settle(self) -> None:
        """Wait until every response (a barge-in's answer too) is done and has been heard."""
        while True:
            await self.until(self.idle)
            await asyncio.sleep(0.8)  # the server's VAD may still end a turn and start a reply
            if self.idle():
                return


@contextlib.asynccontextmanager
async def _call(room: Any) -> Any:
    tracker = RealtimePlaybackTracker()
    audio = AudioIO(input_device=room.mic_device, output_device=room.speaker_device,
                    tracker=tracker)
    runner = RealtimeRunner(RealtimeAgent(name="assistant", instructions="Answer."), config={
        "model_settings": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 400}}
    })
    async with LocalEngine(voice="espeak") as engine:
        config = {**engine.model_config(), "playback_tracker": tracker}
        session = await runner.run(model_config=config)  # type: ignore[arg-type]
        async with session:
            assert audio.start(asyncio.get_running_loop(), session.send_audio), audio.error
            call = _Call(session, audio)
            canceller = audio.canceller
            assert canceller is not None
            clean = canceller.capture

            def watched(samples: np.ndarray) -> np.ndarray:
                out = clean(samples)
                if np.sqrt(np.mean(out.astype(np.float64) ** 2)) > VOICE:
                    call.onsets.append(time.monotonic())
                return out

            audio.capture.clean = watched
            reader = asyncio.create_task(call.pump())
            try:
                await call.until(lambda: call.count("session.updated") > 0)
                yield call
            finally:
                reader.cancel()
                await audio.aclose()


async def _long_reply_playing(call: _Call, ms: float) -> bool:
    """Ask for a long reply and wait until ``ms`` of it have played."""
    tracker = call.audio.tracker
    before = tracker.get_state()["current_item_id"]
    await call.session.send_message(LONG_REPLY)

    def far_enough() -> bool:
        state = tracker.get_state()
        return state["current_item_id"] not in (None, before) and (state["elapsed_ms"] or 0) > ms

    return await call.until(far_enough, 30.0)


async def _barge_in(call: _Call, room: Any, question: Path, after_ms: float) -> float | None:
    """Ask for a long reply, talk over it once ``after_ms`` have played: speech onset at the
    mic -> the agent's playback stopped (ms), or None if that was no measurement."""
    await call.settle()
    before = len(call.interrupted)
    if not await _long_reply_playing(call, after_ms):
        print("barge-in bench: the reply never played", file=sys.stderr)
        return None
    if len(call.interrupted) != before:
        print("barge-in bench: cut short before the person spoke", file=sys.stderr)
        return None
    said_at = time.monotonic()
    speaking = room.say(question)
    heard = await call.until(lambda: len(call.interrupted) > before, 20.0)
    await asyncio.to_thread(speaking.wait, 30)
    onset = next((t for t in call.onsets if t >= said_at), None)
    if not heard or onset is None:
        print("barge-in bench: not heard", file=sys.stderr)
        return None
    # Stopped = the fade started, plus what the device still held then.
    stopped = call.interrupted[before] + call.audio.playback.dac_latency_s
    # A chunk's time is when it left the device: its first sample was spoken one chunk and
    # the input latency earlier.
    spoken = onset - call.audio.chunk_s - call.audio.capture.input_latency_s
    ms = (stopped - spoken) * 1000
    print(f"barge-in: {ms:.0f} ms", file=sys.stderr)
    return ms


async def _barge_ins(question: Path, room: Any) -> list[float]:
    """BARGE_INS barge-ins in one session, after a first short reply."""
    results: list[float] = []
    async with _call(room) as call:
        await call.session.send_message("Hello, tell me about the weather today.")
        await call.until(lambda: call.count("response.done") > 0)
        for _attempt in range(BARGE_INS * 2):
            if len(results) == BARGE_INS:
                break
            ms = await _barge_in(call, room, question, 1500)
            if ms is not None:
                results.append(ms)
        MISJUDGED.append(call.audio.self_interruptions)
    return results


async def _first_reply_barge_ins(question: Path, room: Any) -> list[float]:
    """A barge-in 500 ms into a session's very first reply, FIRST_REPLIES sessions."""
    results = []
    for _ in range(FIRST_REPLIES):
        async with _call(room) as call:
            ms = await _barge_in(call, room, question, 500)
            if ms is not None:
                results.append(ms)
            MISJUDGED.append(call.audio.self_interruptions)
    return results


async def _self_interruptions(room: Any) -> tuple[int, int, int, int]:
    """(speech_started, audio_interrupted, of those judged the agent's own voice, speaker
    underflows) over TURNS replies that nobody talks over: each interrupt is the agent's own
    voice, heard back through the room, taken for the user's."""
    async with _call(room) as call:
        for turn in range(1, TURNS + 1):
            await call.session.send_message(f"Tell me about turn number {turn} in detail.")
            await call.until(lambda n=turn: call.count("response.done") >= n)
            await call.settle()
        audio = call.audio
        return (call.count("input_audio_buffer.speech_started"), len(call.interrupted),
                audio.self_interruptions, audio.playback.device_underflows)


def _judge_cpu(far: np.ndarray) -> float:
    """CPU (ms) of telling a person from the echo, per second of mic audio judged (it runs
    only on chunks with sound left after cancelling while the agent may be heard)."""
    likeness = EchoLikeness()
    cpu0 = time.process_time()
    chunks = 0
    for i in range(0, min(len(far), RATE * 5) - 480, 480):
        likeness.played(far[i : i + 480].astype(np.int16))
        likeness.heard((far[i : i + 480] * 0.25).astype(np.int16))
        likeness.likeness()
        chunks += 1
    return (time.process_time() - cpu0) * 1000 / (chunks * 0.02)


def figures() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        far = _far_speech(folder)
        for delay in (120, 300, 700):
            erle, cpu = _aec(far, delay)
            rows.append((f"AEC ERLE, echo {delay} ms at -12 dB", erle, "dB", "> 25"))
            rows.append((f"AEC CPU, echo {delay} ms", cpu, "ms per s of audio", ""))
        rows.append(("person-or-echo judge CPU", _judge_cpu(far), "ms per s judged",
                     "only while sound is left after AEC and the agent plays"))
        with pulse_environment() as pulse:
            room = open_room(pulse)
            try:
                question = speech_wav(folder / "question.wav",
                                      "Wait, stop there, I have another question.")
                with room.echo(300, -12.0):
                    times = asyncio.run(_barge_ins(question, room))
                    first = asyncio.run(_first_reply_barge_ins(question, room))
                selves = {}
                for delay in (0, 300, 500):
                    with room.echo(delay, -12.0):
                        selves[delay] = asyncio.run(_self_interruptions(room))
            finally:
                room.close()
    rows += [
        ("barge-in at -20 dBFS, 300 ms echo: median", _median(times), "ms",
         "<= 300 (speech onset -> playback stopped)"),
        ("barge-in at -20 dBFS, 300 ms echo: max", max(times, default=-1), "ms", ""),
        ("barge-ins measured", float(len(times)), "count", f"{BARGE_INS}"),
        ("barge-in in a session's first reply: median", _median(first), "ms", "<= 300"),
        ("first-reply barge-ins measured", float(len(first)), "count", f"{FIRST_REPLIES}"),
        ("a person's barge-ins judged the agent's own voice", float(sum(MISJUDGED)), "count",
         "0"),
    ]
    for delay, (started, interrupted, judged, underflows) in selves.items():
        rows.append((f"self-interruptions in {TURNS} turns, {delay} ms echo at -12 dB",
                     float(interrupted), "count", "0"))
        rows.append((f"own voice taken for speech in {TURNS} turns, {delay} ms echo",
                     float(started), "speech_started", "0"))
        rows.append((f"  of those judged the agent's own voice, {delay} ms echo",
                     float(judged), "count", "= self-interruptions"))
        rows.append((f"  speaker underflows in those {TURNS} turns, {delay} ms echo",
                     float(underflows), "count", ""))
    return rows


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else -1.0


if __name__ == "__main__":  # the echo figures alone: python -m tests.benchmarks.audio_echo
    for figure, value, unit, target in figures():
        print(f"{figure:60} {value:10.1f} {unit:20} {target}")
