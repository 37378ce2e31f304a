"""Capture hand-off and the mic pump: chunking, drop-oldest, mute, push-to-talk, half duplex."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from console.audio.capture import Capture, CapturedChunk, CommitMarker
from console.audio.io import AudioIO
from console.audio.mic_pump import MicPump
from console.dsp import FLOOR_DB

from .conftest import tone
from .test_doubletalk import voice


class Sink:
    """The session side: records what send_audio and commit were given, in order."""

    def __init__(self) -> None:
        self.log: list[bytes | str] = []
        self.fail_next = 0

    async def send_audio(self, data: bytes, *, commit: bool = False) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("session closed")
        self.log.append(data)
        if commit:
            self.log.append("send_audio(commit=True)")

    async def commit(self) -> None:
        self.log.append("commit")

    @property
    def audio(self) -> list[bytes]:
        return [x for x in self.log if isinstance(x, bytes)]


async def until(predicate: object, limit: int = 500) -> None:
    for _ in range(limit):
        if callable(predicate) and predicate():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("condition not reached")


async def test_any_sized_pushes_become_exact_20ms_chunks_in_order() -> None:
    capture = Capture(chunk_frames=480)
    capture.attach(asyncio.get_running_loop())
    signal = np.arange(3000, dtype=np.int16)
    for size in (100, 333, 1000, 1567):
        start = sum(s for s in (100, 333, 1000, 1567) if s < size)
        capture.push(signal[start : start + size].tobytes())
    await asyncio.sleep(0)
    chunks = capture.drain()
    assert all(isinstance(c, CapturedChunk) and len(c.samples) == 480 for c in chunks)
    got = np.concatenate([c.samples for c in chunks if isinstance(c, CapturedChunk)])
    assert len(chunks) == 6 and got.tolist() == list(range(2880))
    assert [c.seq for c in chunks if isinstance(c, CapturedChunk)] == [1, 2, 3, 4, 5, 6]


async def test_the_audio_thread_never_waits_and_the_oldest_chunks_are_dropped() -> None:
    capture = Capture(chunk_frames=480, queue_chunks=10)
    capture.attach(asyncio.get_running_loop())
    chunk = tone(440, 20).tobytes()

    def callback_thread() -> None:
        for _ in range(25):
            capture.push(chunk)

    thread = threading.Thread(target=callback_thread)
    thread.start()
    thread.join()  # finished while the loop was not consuming: nothing blocked
    await asyncio.sleep(0)
    kept = capture.drain()
    assert capture.drops == 15
    assert [c.seq for c in kept if isinstance(c, CapturedChunk)] == list(range(16, 26))


async def test_a_commit_marker_survives_overflow() -> None:
    capture = Capture(chunk_frames=480, queue_chunks=3)
    capture.attach(asyncio.get_running_loop())
    capture.push(tone(440, 20).tobytes())
    await asyncio.sleep(0)
    capture.mark_commit()
    for _ in range(5):
        capture.push(tone(440, 20).tobytes())
    await asyncio.sleep(0)
    kept = capture.drain()
    assert sum(isinstance(k, CommitMarker) for k in kept) == 1


async def test_pump_encodes_to_the_session_format_and_survives_send_failures() -> None:
    capture = Capture(chunk_frames=480)
    capture.attach(asyncio.get_running_loop())
    sink = Sink()
    sink.fail_next = 1
    pump = MicPump(capture, sink.send_audio, audio_format="audio/pcmu")
    task = asyncio.create_task(pump.run())
    try:
        for _ in range(4):
            capture.push(tone(440, 20).tobytes())
        await until(lambda: pump.sent == 3)
        assert [len(a) for a in sink.audio] == [160, 160, 160]
        assert pump.failures == 1
        assert len(pump.latencies) == 3 and min(pump.latencies) >= 0
    finally:
        task.cancel()


def make_io(**kwargs: object) -> tuple[AudioIO, Sink]:
    audio = AudioIO(capture=False, playback=False, **kwargs)  # type: ignore[arg-type]
    sink = Sink()
    audio.attach(asyncio.get_running_loop(), sink.send_audio, sink.commit)
    return audio, sink


async def test_mute_sends_nothing_and_the_meter_says_muted() -> None:
    audio, sink = make_io()
    try:
        audio.capture.push(tone(440, 20).tobytes())
        audio.muted = True
        for _ in range(3):
            audio.capture.push(tone(440, 20).tobytes())
        audio.muted = False
        audio.capture.push(tone(440, 20).tobytes())
        await until(lambda: audio.pump is not None and audio.pump.sent + audio.pump.skipped == 5)
        assert len(sink.audio) == 2 and audio.pump is not None and audio.pump.skipped == 3
        audio.muted = True
        assert audio.levels.muted and not audio.levels.user_speaking
        assert audio.levels.mic_db > FLOOR_DB  # the level is still metered, the UI shows muted
    finally:
        await audio.aclose()


async def test_push_to_talk_sends_only_while_talking_and_commits_after_the_last_chunk() -> None:
    audio, sink = make_io(push_to_talk=True, commit_on_release=True)
    try:
        audio.capture.push(tone(440, 20).tobytes())  # not talking: not sent
        audio.talking = True
        audio.capture.push(tone(440, 40).tobytes())
        await asyncio.sleep(0)  # the two chunks reach the queue before the release
        audio.talking = False
        audio.capture.push(tone(440, 20).tobytes())  # released: not sent
        await until(lambda: "commit" in sink.log)
        await asyncio.sleep(0.01)
        assert [x if x == "commit" else len(x) for x in sink.log] == [960, 960, "commit"]
    finally:
        await audio.aclose()


async def test_push_to_talk_without_commit_on_release_does_not_commit() -> None:
    audio, sink = make_io(push_to_talk=True, commit_on_release=False)
    try:
        audio.talking = True
        audio.capture.push(tone(440, 20).tobytes())
        await asyncio.sleep(0)
        audio.talking = False
        await until(lambda: len(sink.audio) == 1)
        await asyncio.sleep(0.01)
        assert "commit" not in sink.log
    finally:
        await audio.aclose()


async def test_vad_mode_always_flows() -> None:
    audio, sink = make_io()
    try:
        for _ in range(5):
            audio.capture.push(tone(440, 20).tobytes())
        await until(lambda: len(sink.audio) == 5)
    finally:
        await audio.aclose()


async def test_push_to_talk_commits_through_send_audio_without_a_commit_callback() -> None:
    # A headset: no echo cancellation, so the bytes sent are exactly the bytes captured.
    audio = AudioIO(
        capture=False, playback=False, push_to_talk=True, commit_on_release=True, headset=True
    )
    sink = Sink()
    audio.attach(asyncio.get_running_loop(), sink.send_audio)
    try:
        audio.talking = True
        audio.capture.push(tone(440, 20).tobytes())
        await asyncio.sleep(0)
        audio.talking = False
        await until(lambda: "send_audio(commit=True)" in sink.log)
        tail = sink.log[-2]
        assert sink.log[0] == tone(440, 20).tobytes()
        assert isinstance(tail, bytes) and tail == bytes(960)  # a silent 20 ms carries it
    finally:
        await audio.aclose()


async def test_commit_on_release_follows_the_sessions_turn_detection() -> None:
    from console.realtime.events import RealtimeAudioSettings, RealtimeEventInfo
    from console.realtime.run_context import RunContextWrapper
    from console.realtime.server_signals import signal_of

    audio = AudioIO(capture=False, playback=False, push_to_talk=True)
    assert audio.commit_on_release is False

    def updated(turn_detection: object, fmt: str) -> RealtimeAudioSettings | None:
        session = {
            "type": "realtime",
            "audio": {
                "input": {"format": {"type": fmt}, "turn_detection": turn_detection},
                "output": {"format": {"type": fmt}},
            },
        }
        # What the core hands on for the server's session.updated.
        info = RealtimeEventInfo(RunContextWrapper(None))
        return signal_of({"type": "session.updated", "session": session}, info)

    audio.feed(updated(None, "audio/pcmu"))
    assert audio.commit_on_release is True
    assert audio.playback.decoder.format == "g711_ulaw"
    assert audio.pump is None  # not started: the mic format is applied when it is
    audio.feed(updated({"type": "server_vad"}, "audio/pcm"))
    assert audio.commit_on_release is False
    assert audio.playback.decoder.format == "pcm16"


async def test_half_duplex_holds_the_mic_while_the_agent_plays_and_full_duplex_does_not() -> None:
    audio, sink = make_io(headset=True)  # nothing to cancel: full duplex from the start
    try:
        audio.playback.feed(tone(440, 200, amplitude=0.5).tobytes(), "item_a", 0)
        assert audio.playback.pending
        for _ in range(2):
            audio.capture.push(tone(440, 20, amplitude=0.05).tobytes())
        await until(lambda: len(sink.audio) == 2)
        audio.half_duplex = True
        for _ in range(3):
            audio.capture.push(tone(440, 20, amplitude=0.05).tobytes())
        await until(lambda: audio.stats().half_duplex_dropped == 3)
        assert len(sink.audio) == 2
    finally:
        await audio.aclose()


async def test_while_the_agent_plays_its_echo_is_held_and_a_person_talking_over_it_is_not() -> None:
    audio, sink = make_io()
    canceller = audio.canceller
    try:
        assert canceller is not None and not canceller.ready  # the first reply: nothing learnt
        agent = voice(1, 3.0).astype(np.int16)
        audio.playback.feed(agent.tobytes(), "item_a", 0)
        path = [2400]  # 100 ms through the room, 12 dB down
        played: list[np.ndarray] = [np.zeros(12_000)]

        async def step(person: np.ndarray | None = None) -> None:
            played.append(audio.playback.render(480))  # the device takes 20 ms
            heard = np.concatenate(played)[-480 - path[0] : -path[0]] * 0.25
            if person is not None:
                heard = heard + person
            before = audio.stats().half_duplex_dropped + len(sink.audio)
            audio.capture.push(np.clip(heard, -32768, 32767).astype(np.int16))
            await until(lambda: audio.stats().half_duplex_dropped + len(sink.audio) > before)

        for _ in range(25):
            await step()
        path[0] = 6000  # the speaker ran dry: everything sounds 150 ms later, AEC3 leaks
        for _ in range(40):
            await step()
        loud = [c for c in sink.audio if np.abs(np.frombuffer(c, "<i2")).max() > 300]
        assert not loud  # its echo never went out (AEC3 had not learnt the room yet)
        assert audio.stats().half_duplex_dropped > 0
        person = voice(2, 0.4)
        sent = len(sink.audio)
        for i in range(20):  # a person at -20 dBFS talks over the first reply
            await step(person[i * 480 : (i + 1) * 480])
        assert len(sink.audio) - sent >= 15
        assert audio.playback.pending  # all the while the agent was playing
    finally:
        await audio.aclose()


async def test_push_to_talk_not_held_is_not_speaking_whatever_the_level() -> None:
    audio, _sink = make_io(push_to_talk=True)
    try:
        audio.capture.push(tone(440, 20, amplitude=0.5).tobytes())
        assert audio.levels.mic_db > -20
        assert not audio.levels.listening and not audio.levels.user_speaking
        audio.talking = True
        audio.capture.push(tone(440, 20, amplitude=0.5).tobytes())
        assert audio.levels.listening and audio.levels.user_speaking
    finally:
        await audio.aclose()


async def test_early_barge_ins_after_the_speaker_ran_dry_count_toward_half_duplex() -> None:
    from console.realtime.model_events import (
        RealtimeModelAudioEvent,
        RealtimeModelAudioInterruptedEvent,
    )

    notices: list[str] = []
    audio, _sink = make_io(on_notice=notices.append)
    clock = [0.0]
    audio.clock = lambda: clock[0]
    audio.can_play = True  # no device: the events drive the playback as they would
    try:
        assert audio.canceller is not None
        audio.canceller.ready = True  # the echo was seen removed

        def reply(n: int, ran_dry: bool) -> None:
            clock[0] += 10.0
            item = f"item_{n}"
            audio.feed(RealtimeModelAudioEvent(tone(440, 40).tobytes(), "resp", item, 0))
            if ran_dry:
                audio.playback.device_underflows += 1  # what the callback counts
            clock[0] += 0.5
            audio.feed(RealtimeModelAudioInterruptedEvent(item_id=item, content_index=0))

        for n in range(3):  # a person cutting in early, three times: AEC is working
            reply(n, ran_dry=False)
        assert not audio.half_duplex
        for n in range(3, 6):  # the same after the speaker ran dry: the echo may be back
            reply(n, ran_dry=True)
        assert audio.half_duplex and notices and "interrupting itself" in notices[-1]
    finally:
        await audio.aclose()


async def test_a_barge_in_counts_toward_half_duplex_when_the_mic_heard_the_agents_echo() -> None:
    from console.realtime.model_events import (
        RealtimeModelAudioEvent,
        RealtimeModelAudioInterruptedEvent,
    )

    notices: list[str] = []
    audio, _sink = make_io(on_notice=notices.append)
    clock = [0.0]
    audio.clock = lambda: clock[0]
    audio.can_play = True
    canceller = audio.canceller
    try:
        assert canceller is not None
        assert not canceller.ready  # AEC3 not trusted yet: what the mic heard decides

        def reply(n: int, person: bool) -> None:
            clock[0] += 10.0
            item = f"item_{n}"
            audio.feed(RealtimeModelAudioEvent(tone(440, 40).tobytes(), "resp", item, 0))
            agent = voice(10 + n, 1.0)
            canceller.render(agent.astype(np.int16))
            heard = np.concatenate((np.zeros(2400), agent[:-2400])) * 0.25
            if person:
                heard = heard + voice(50 + n, 1.0)
            canceller.capture(heard.astype(np.int16))
            clock[0] += 5.0  # late in the reply: timing alone would call this a person
            audio.feed(RealtimeModelAudioInterruptedEvent(item_id=item, content_index=0))

        for n in range(4):  # a person cutting in: never counted, however early or late
            reply(n, person=True)
        assert not audio.half_duplex and audio.self_interruptions == 0
        for n in range(4, 7):  # the agent's own voice, let through: counted
            reply(n, person=False)
        assert audio.self_interruptions == 3
        assert audio.half_duplex and notices and "interrupting itself" in notices[-1]
    finally:
        await audio.aclose()
