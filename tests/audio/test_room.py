"""A person and a speaker in a room: echo cancellation, barge-in, push-to-talk, devices by name.

Real parts throughout: the local engine over its WebSocket, a RealtimeSession, AudioIO on two
PulseAudio null sinks chosen by their descriptions, the speaker's sound looped back into the
microphone (delayed, attenuated as a room would), and espeak-ng speech at a normal level played
into the microphone. Every wait is on an event, bounded generously; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from console.audio import AudioIO
from console.audio.self_interruption import SelfInterruptionSettings, SelfInterruptionWatch
from console.engine import LocalEngine
from console.realtime import RealtimeAgent, RealtimeRunner, RealtimeSession
from console.realtime.config import RealtimeSessionModelSettings
from console.realtime.model import RealtimePlaybackTracker
from console.ui.audio_port import AudioIOPort

from .conftest import Room, speech_wav

VAD: RealtimeSessionModelSettings = {
    "turn_detection": {"type": "server_vad", "silence_duration_ms": 400},
    "input_audio_transcription": {"model": "gpt-4o-transcribe"},
}
LONG_REPLY = (
    "Please repeat this whole sentence back to me slowly, word by word, because I would like "
    "to hear how long a reply from the local engine can become when it is asked to."
)
ROOM_GAIN_DB = -12.0
"""How much quieter the speaker's sound is at the microphone than what was played."""


@dataclass
class Call:
    session: RealtimeSession[Any]
    audio: AudioIO
    port: AudioIOPort
    server_events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def seen(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.server_events if e.get("type") == kind]

    async def until(self, predicate: Callable[[], bool], limit_s: float = 60.0) -> None:
        for _ in range(int(limit_s / 0.02)):
            if predicate():
                return
            await asyncio.sleep(0.02)
        kinds = [e.get("type") for e in self.server_events]
        raise AssertionError(f"timed out; server events so far: {kinds}")

    async def playing_new_reply_for(self, ms: float) -> None:
        """Send nothing; wait until a reply other than the last one has played ``ms``."""
        tracker = self.audio.tracker
        before = tracker.get_state()["current_item_id"]

        def far_enough() -> bool:
            state = tracker.get_state()
            return state["current_item_id"] != before and (state["elapsed_ms"] or 0) > ms

        await self.until(far_enough)

    async def reply_played(self, responses: int) -> None:
        """Wait until ``responses`` replies are done and nothing is left to play."""
        await self.until(lambda: len(self.seen("response.done")) >= responses)
        await self.until(lambda: not self.audio.playback.pending)


async def pump(call: Call) -> None:
    async for event in call.session:
        call.port.on_session_event(event)  # what the console's bridge does
        if (
            event.type == "raw_model_event"
            and event.data.type == "raw_server_event"
            and isinstance(event.data.data, dict)
        ):
            call.server_events.append(event.data.data)


@pytest.fixture
def make_call(room: Room) -> Callable[..., Any]:
    import contextlib

    @contextlib.asynccontextmanager
    async def make(**audio_options: Any) -> AsyncIterator[Call]:
        tracker = RealtimePlaybackTracker()
        audio = AudioIO(
            input_device=room.mic_device, output_device=room.speaker_device, tracker=tracker,
            **audio_options,
        )
        port = AudioIOPort(audio)
        agent = RealtimeAgent(name="assistant", instructions="Answer briefly.")
        runner = RealtimeRunner(agent, config={"model_settings": VAD})
        async with LocalEngine(voice="espeak") as engine:
            config = {**engine.model_config(), "playback_tracker": tracker}
            session = await runner.run(model_config=config)  # type: ignore[arg-type]
            async with session:
                call = Call(session, audio, port)
                port.on_notice = call.notices.append
                await port.start(session)
                reader = asyncio.create_task(pump(call))
                try:
                    await call.until(lambda: bool(call.seen("session.updated")))
                    yield call
                finally:
                    reader.cancel()
                    await port.stop()

    return make


@pytest.mark.parametrize("delay_ms", [0, 300, 500])
async def test_speakers_in_a_room_never_interrupt_themselves_and_a_normal_voice_barges_in(
    room: Room, make_call: Callable[..., Any], delay_ms: int, tmp_path: Path
) -> None:
    question = speech_wav(tmp_path / "stop.wav", "Wait, stop there, I have another question.")
    with room.echo(delay_ms, ROOM_GAIN_DB):
        async with make_call() as call:
            assert call.audio.echo_cancelling
            # The mic and speaker are the ones asked for, by their PulseAudio descriptions.
            assert call.audio.device_labels == {
                "output": "Room Speaker", "input": "Monitor of Room Microphone"
            }
            for turn in range(1, 4):
                await call.session.send_message(f"Tell me about turn number {turn} in detail.")
                await call.reply_played(turn)
            # The agent's own voice, heard through the room, never became user speech.
            assert not call.seen("input_audio_buffer.speech_started")
            assert not call.seen("conversation.item.truncated")
            assert call.audio.stats().aec_frames > 100

            playing = asyncio.create_task(call.playing_new_reply_for(1000))
            await call.session.send_message(LONG_REPLY)
            await playing
            assert not call.seen("input_audio_buffer.speech_started")
            speaker = room.say(question)  # a person at -20 dBFS talks over the agent
            try:
                await call.until(lambda: bool(call.seen("conversation.item.truncated")))
            finally:
                await asyncio.to_thread(speaker.wait, 30)
            assert len(call.seen("input_audio_buffer.speech_started")) >= 1
            # The cut is where playback really stopped: well before the end of the reply.
            truncated = call.seen("conversation.item.truncated")[0]["audio_end_ms"]
            assert truncated > 1000
            assert not call.audio.half_duplex and not call.notices


async def test_push_to_talk_release_is_answered_and_a_press_interrupts_the_reply(
    room: Room, make_call: Callable[..., Any], tmp_path: Path
) -> None:
    question = speech_wav(tmp_path / "q.wav", "What is the weather like in Paris today?")
    with room.echo(300, ROOM_GAIN_DB):
        async with make_call() as call:
            call.port.set_push_to_talk(True)  # the first press: push-to-talk mode, talking
            await call.until(lambda: call.audio.server_turn_detection is False)
            speaker = room.say(question)
            await asyncio.to_thread(speaker.wait, 30)
            call.port.set_push_to_talk(False)  # release right after the last word
            await call.until(lambda: bool(call.seen("input_audio_buffer.committed")))
            await call.reply_played(1)
            # Turn detection was off: the release, not the server's VAD, ended the turn.
            assert not call.seen("input_audio_buffer.speech_started")
            transcript = call.seen("conversation.item.input_audio_transcription.completed")
            assert transcript and transcript[0]["transcript"].strip()
            assert call.seen("response.output_audio.delta")

            playing = asyncio.create_task(call.playing_new_reply_for(800))
            await call.session.send_message(LONG_REPLY)
            await playing
            call.port.set_push_to_talk(True)  # a press while the agent speaks cuts it short
            await call.until(lambda: bool(call.seen("conversation.item.truncated")))
            # Stopped: what the device still held (its buffer, tens of ms) plays out, no more.
            await call.until(lambda: not call.audio.playback.pending, limit_s=5)
            assert call.audio.talking
            call.port.set_push_to_talk(False)


async def test_headset_mode_with_speakers_is_caught_and_falls_back_to_half_duplex(
    room: Room, make_call: Callable[..., Any]
) -> None:
    # Two early barge-ins in a row are enough here: the point is the fallback, not the count.
    watch = SelfInterruptionWatch(SelfInterruptionSettings(limit=2, early_s=5.0))
    with room.echo(300, -6.0):
        async with make_call(headset=True, self_interruption=watch) as call:
            assert not call.audio.echo_cancelling
            # Each reply is cut by its own voice. What the engine hears of it may be a word or
            # two, which gets silence (as "stop" would), so a request can end in one cut: ask
            # again until the watch has seen the loop.
            for _ in range(4):
                done = len(call.seen("response.done"))
                await call.session.send_message(LONG_REPLY)

                def settled(done: int = done) -> bool:
                    answered = len(call.seen("response.done")) > done
                    return call.audio.half_duplex or (answered and not call.audio.playback.pending)

                await call.until(settled, limit_s=90)
                if call.audio.half_duplex:
                    break
            assert call.audio.half_duplex
            assert call.notices and "interrupting itself" in call.notices[-1]
            # From now on the agent's voice is kept from the server: a reply plays out whole.
            for _ in range(3):
                done = len(call.seen("response.done"))
                await call.session.send_message("Tell me something else.")
                await call.reply_played(done + 1)
                if call.seen("response.done")[-1]["response"]["status"] == "completed":
                    break
            assert call.seen("response.done")[-1]["response"]["status"] == "completed"
            assert call.audio.stats().half_duplex_dropped > 0


async def test_the_speaker_switches_to_another_sink_live(
    room: Room, make_call: Callable[..., Any]
) -> None:
    from .conftest import MonitorRecorder

    async with make_call() as call:
        label = call.audio.switch_device("output", "Null Output")
        assert label == "Null Output" and call.audio.device_labels["output"] == "Null Output"
        recorder = MonitorRecorder(room.server)  # records rtnull, the new speaker
        await call.session.send_message("Say something short.")
        await call.reply_played(1)
        await asyncio.sleep(0.3)  # the recorder's own buffer
        recorded = recorder.stop()
    assert abs(recorded.astype(int)).max() > 3000
