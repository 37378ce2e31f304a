"""A device that vanishes mid-session (its PulseAudio server killed) is reported, never a crash."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

from console.audio import AudioIO
from console.audio.stream import DeviceStream
from console.realtime.model_events import RealtimeModelAudioEvent

from .conftest import PulseServer, start_pulse, tone


async def test_losing_both_devices_mid_session_falls_back_to_text_mode(
    pulse: PulseServer,
) -> None:
    doomed = start_pulse()
    saved = {k: os.environ.get(k) for k in doomed.env}
    os.environ.update(doomed.env)  # the streams open on the doomed server
    lost: list[str] = []
    sent: list[bytes] = []

    async def send(data: bytes) -> None:
        sent.append(data)

    audio = AudioIO(on_notice=lost.append)
    try:
        assert audio.start(asyncio.get_running_loop(), send), audio.error
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        assert audio.can_capture and audio.can_play
        audio.feed(RealtimeModelAudioEvent(tone(440, 1000).tobytes(), "resp_1", "item_a", 0))
        for _ in range(200):
            if sent:
                break
            await asyncio.sleep(0.01)
        assert sent, "the mic delivered nothing before the server went away"
        assert doomed.pid is not None
        os.kill(doomed.pid, signal.SIGKILL)
        for _ in range(1500):
            if not audio.available:
                break
            await asyncio.sleep(0.01)
        assert not audio.available and not audio.can_capture and not audio.can_play
        assert any(reason.startswith("microphone lost") for reason in lost)
        assert any(reason.startswith("speaker lost") for reason in lost)
        assert audio.error is not None and "lost" in audio.error
        # The session side carries on: feeding events and interrupting are harmless no-ops.
        audio.feed(RealtimeModelAudioEvent(tone(440, 20).tobytes(), "resp_1", "item_b", 0))
        audio.interrupt()
        audio.muted = True
    finally:
        await audio.aclose()
        doomed.stop()


async def test_a_device_that_stops_calling_back_counts_as_stalled(pulse: PulseServer) -> None:
    audio = AudioIO()

    async def send(data: bytes) -> None:
        return None

    try:
        assert audio.start(asyncio.get_running_loop(), send), audio.error
        now = audio.clock()
        assert audio.capture.health(now) is None and audio.playback.health(now) is None
        # Seen from five seconds on: no callback since means the device stopped delivering.
        assert audio.capture.health(now + 5) == "input device stalled"
        assert audio.playback.health(now + 5) == "output device stalled"
    finally:
        await audio.aclose()


async def test_a_frozen_process_is_not_a_stalled_device_and_a_silent_one_is(
    pulse: PulseServer,
) -> None:
    """The watchdog's first look after a freeze (a loaded machine, a native call holding the GIL)
    finds the last callback seconds old; the devices call back again at once, so nothing is
    lost. Only a device that stays silent while the watchdog keeps running is given up."""
    lost: list[str] = []
    looks: list[float] = []
    jumps = iter([5.0])

    def watchdog_running() -> bool:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # not on the loop: the capture callback's thread
            return False
        return task is not None and task.get_name() == "audio-watchdog"

    def watchdog_clock() -> float:
        if not watchdog_running():
            return time.monotonic()  # the mic pump reads it too
        looks.append(time.monotonic())
        return time.monotonic() + next(jumps, 0.0)

    async def send(data: bytes) -> None:
        return None

    audio = AudioIO(on_notice=lost.append)
    try:
        assert audio.start(asyncio.get_running_loop(), send), audio.error
        audio.clock = watchdog_clock  # the streams keep their own clock
        for _ in range(3000):
            if len(looks) >= 12:
                break
            await asyncio.sleep(0.01)
        assert len(looks) >= 12
        assert lost == [] and audio.can_capture and audio.can_play

        audio.clock = lambda: time.monotonic() + 5.0  # now every look finds them silent
        for _ in range(3000):
            if not audio.available:
                break
            await asyncio.sleep(0.01)
        assert lost == [
            "microphone lost: input device stalled", "speaker lost: output device stalled"
        ]
    finally:
        await audio.aclose()


async def test_a_missing_microphone_leaves_the_speaker_and_says_why(pulse: PulseServer) -> None:
    audio = AudioIO(input_device="no such microphone")

    async def send(data: bytes) -> None:
        return None

    try:
        assert audio.start(asyncio.get_running_loop(), send)
        assert audio.available and audio.can_play and not audio.can_capture
        assert audio.error == (
            "no microphone (no source matches 'no such microphone'): type to talk"
        )
    finally:
        await audio.aclose()


class _StuckStream:
    """A PyAudio stream whose stop never returns: what PortAudio does when the sound server it
    talked to was killed (seen: stop_stream blocked the console's event loop for minutes)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.stopping = threading.Event()
        self.closed = False

    def stop_stream(self) -> None:
        self.stopping.set()
        self.release.wait()

    def close(self) -> None:
        self.closed = True


def test_a_lost_devices_stream_is_closed_without_blocking_the_caller() -> None:
    stream = DeviceStream()
    stuck = _StuckStream()
    stream._stream = stuck
    stream.abandon()  # returns although stop_stream is stuck
    assert stuck.stopping.wait(10), "the stream was never stopped"
    assert stream.closing and stream.health(0.0) is None
    stuck.release.set()
    assert stream._closer is not None
    stream._closer.join(10)
    assert stuck.closed and not stream.closing
